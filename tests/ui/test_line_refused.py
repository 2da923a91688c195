"""The 24-hour line's laptop shows the calls the office refused: the operator records a
call the office's own rules refuse (the office allows fewer hours of replacement care than
this laptop's settings), finds it in their Sync area with the office's reason as a
sentence, and discards it from the keyboard after a confirmation. Nothing of it is then
left on the laptop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from carer_desk.records.kinds import KIND_TABLE
from carer_desk.roles import Area
from tests.ui.conftest import Desk, make_shell, on_vault, press, sync_status, type_into
from tests.ui.line_office import ready_card
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.views.line_page import LinePage
from ui.views.sync_page import SyncPage

OFFICE_USUAL_HOURS = 24  # the office's [emergency_line]; the laptop's default is 48


@pytest.fixture
def operator_of_a_stricter_office(qtbot, tmp_path: Path) -> Iterator[Desk]:
    office = tmp_path / "demo" / "office"
    office.mkdir(parents=True, mode=0o700)
    (office / "settings.toml").write_text(
        f"[emergency_line]\nreplacement_care_hours = {OFFICE_USUAL_HOURS}\n"
    )
    desk = make_shell(qtbot, tmp_path, lambda launcher: launcher.demo("operator"))
    desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
    yield desk
    desk.shell.shutdown()


def _record_a_call_the_office_refuses(desk: Desk, qtbot, hours: str = "30"):
    """A call with more hours of replacement care than the office's usual: recorded on
    the laptop (its own limit is higher), refused by the office at once."""
    found = ready_card(desk.launcher.demo_office())
    page: LinePage = desk.window.workspace.page_for(Area.LOOKUP)
    type_into(page.number, found.card.number)
    press(page.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answer_box is not None, timeout=30_000)
    desk.idle(qtbot)
    reports: list = []
    desk.shell.ctx.hub.sync_finished.connect(reports.append)
    type_into(page.caller, "Neighbour Refusedcall")
    page.care.setFocus()
    press(page.care, Qt.Key.Key_Space)
    type_into(page.hours, hours)
    press(page.caller, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.answer_box is None, timeout=30_000)
    qtbot.waitUntil(lambda: bool(reports), timeout=30_000)
    desk.idle(qtbot)
    assert len(reports[-1].refused) == 1
    qtbot.waitUntil(lambda: "1 call refused" in sync_status(desk), timeout=10_000)
    return found


def test_a_refused_call_is_shown_with_the_offices_reason_and_discarded_by_keyboard(
    operator_of_a_stricter_office: Desk, qtbot
):
    desk = operator_of_a_stricter_office
    window = desk.window
    found = _record_a_call_the_office_refuses(desk, qtbot)

    # The operator's window has a Sync area of its own: the refused call, nothing else.
    assert list(window.workspace.areas) == [Area.LOOKUP, Area.SYNC]
    window.go(Place(Area.SYNC))
    sync: SyncPage = window.workspace.page_for(Area.SYNC)
    assert sync.tabs is None and sync.conflict_list is None  # a push-only laptop
    qtbot.waitUntil(lambda: sync.refused_list.count() == 1, timeout=30_000)
    entry = sync.refused_list.item(0).text()
    number = " ".join(found.card.number[i : i + 4] for i in range(0, len(found.card.number), 4))
    assert f"call on card {number}" in entry
    reason = sync.refused_reason.text()
    assert "Replacement care hours: 30 hours is more than the usual 24" in reason
    assert "replacement_care_hours" not in reason and "ring the office" in reason
    assert not sync.open_button.isVisible()  # a call has no page to open on this laptop

    # Delete asks first; Escape keeps the call.
    sync.refused_list.setFocus()
    press(sync.refused_list, Qt.Key.Key_Delete)
    box = sync.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "cannot be brought back" in box.text()
    press(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5_000)
    desk.idle(qtbot)
    assert sync.refused_list.count() == 1

    # Delete again, then D (the confirmation's "Discard the call"): it goes.
    sync.refused_list.setFocus()
    press(sync.refused_list, Qt.Key.Key_Delete)
    assert sync.confirm is not box and sync.confirm.isVisible()
    box = sync.confirm
    press(box, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: sync.refused_list.count() == 0, timeout=30_000)
    desk.idle(qtbot)
    QApplication.processEvents()
    assert "Discarded: call on card" in sync.notice.text()
    assert "Nothing was refused" in sync.refused_reason.text()
    qtbot.waitUntil(lambda: "refused" not in sync_status(desk), timeout=10_000)
    held = on_vault(desk, qtbot, lambda s: {k: len(list(s.store.iter_kind(k))) for k in KIND_TABLE})
    assert not any(held.values()), held


def test_a_refused_call_is_corrected_and_sent_again(operator_of_a_stricter_office: Desk, qtbot):
    """The operator corrects the hours the office refused, in a form that keeps what
    happened on the call; the laptop's own limit is checked first; the office takes the
    corrected call and nothing is left refused or on the laptop."""
    from tests.ui.accessibility import walk
    from tests.ui.line_office import office_calls
    from tests.ui.mnemonics import clashes

    desk = operator_of_a_stricter_office
    found = _record_a_call_the_office_refuses(desk, qtbot)
    desk.window.go(Place(Area.SYNC))
    sync: SyncPage = desk.window.workspace.page_for(Area.SYNC)
    qtbot.waitUntil(lambda: sync.refused_list.count() == 1, timeout=30_000)
    assert sync.correct_button.isVisible() and sync.correct_button.isEnabled()
    assert not clashes(desk.window)  # Alt+C, Alt+D: one control each on the page
    sync.correct_button.click()
    qtbot.waitUntil(lambda: sync.correction is not None and sync.correction.isVisible())
    form = sync.correction
    shown = " ".join(label.text() for label in form.findChildren(QLabel))
    assert (
        "The office refused it: Replacement care hours: 30 hours is more than the usual 24" in shown
    )
    assert form.care.isChecked() and form.hours.value() == 30
    assert form.follow_up.text() == ""
    # Every control named and reached by Tab, one per letter; Escape keeps the call.
    walked = walk(form)
    assert walked.checked >= 5 and not walked.unnamed and not walked.unreachable, walked
    assert not clashes(form)
    press(form.hours, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: sync.correction is None, timeout=5_000)
    desk.idle(qtbot)
    assert sync.refused_list.count() == 1
    sync.correct_button.click()
    qtbot.waitUntil(lambda: sync.correction is not None and sync.correction.isVisible())
    form = sync.correction

    # More than even the laptop allows: said under the field, the form stays open.
    form.hours.setMaximum(100)
    form.hours.setValue(80)
    type_into(form.exceptional, "Daughter abroad until Friday")
    form.send.click()
    qtbot.waitUntil(lambda: form.hours_row.error.isVisible(), timeout=30_000)
    assert form.hours_row.error.text() == (
        "80 hours is more than the 72 allowed even in exceptional cases."
    )
    assert form.isVisible() and sync.refused_list.count() == 1

    form.hours.setValue(20)
    form.exceptional.clear()
    type_into(form.follow_up, "Ring the daughter tomorrow")
    reports: list = []
    desk.shell.ctx.hub.sync_finished.connect(reports.append)
    form.send.click()
    qtbot.waitUntil(lambda: sync.correction is None, timeout=30_000)  # closed
    assert "Corrected: call on card" in sync.notice.text()
    qtbot.waitUntil(lambda: bool(reports) and not reports[-1].refused, timeout=30_000)
    desk.idle(qtbot)
    qtbot.waitUntil(lambda: sync.refused_list.count() == 0, timeout=30_000)
    qtbot.waitUntil(lambda: "refused" not in sync_status(desk), timeout=10_000)
    (call,) = [
        c for c in office_calls(desk.launcher.demo_office()) if c.caller.endswith("Refusedcall")
    ]
    assert call.card_id == found.card.id and call.replacement_care_hours == 20
    assert call.follow_up == "Ring the daughter tomorrow" and not call.exceptional
    assert call.contacts_tried == () and call.operator == "demo-operator"
