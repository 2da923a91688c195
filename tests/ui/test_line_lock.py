"""The 24-hour line leaves nothing behind: after a lock, no widget holds the plan or what
was typed, no file the application wrote holds either in clear, and the outcome being
typed comes back (sealed) when the same number is looked up again."""

from __future__ import annotations

from pathlib import Path

from carer_desk.roles import Area
from tests.ui.conftest import press, type_into, visible_texts
from tests.ui.line_office import ready_card
from tests.ui.test_canary import _nowhere_in_clear, _watched
from ui.controllers.session import Gate

CALLER_CANARY = "Canaryneighbour"
NOTE_CANARY = "Canarynote on the call"


def test_a_lock_mid_call_leaves_nothing_on_screen_or_on_disk(
    qtbot, tmp_path: Path, monkeypatch, caplog
):
    from PySide6.QtCore import Qt

    desk = _watched(qtbot, tmp_path, monkeypatch, caplog, "operator")
    try:
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        window = desk.window
        found = ready_card(desk.launcher.demo_office())
        plan = found.plan
        person = plan.cared_for[0]
        plan_values = [
            person.name,
            person.address.line1,
            plan.access.how_to_get_in,
            *(c.name for c in plan.emergency_contacts),
            *(c.phone for c in plan.emergency_contacts),
        ]
        page = window.workspace.page_for(Area.LOOKUP)
        type_into(page.number, found.card.number)
        press(page.number, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.answer_box is not None)
        desk.idle(qtbot)
        texts = "\n".join(visible_texts())
        assert all(v in texts for v in plan_values)  # shown, so the scan below means it
        type_into(page.caller, CALLER_CANARY)
        page.notes.setPlainText(NOTE_CANARY)
        window.lock_action.trigger()
        desk.at(qtbot, Gate.UNLOCK)

        texts = "\n".join(visible_texts())
        for value in [*plan_values, CALLER_CANARY, NOTE_CANARY, found.card.number]:
            assert value not in texts, f"{value!r} is still on screen after the lock"

        window.unlock_view.passphrase.setText("demo passphrase")
        window.unlock_view.passphrase.returnPressed.emit()
        desk.at(qtbot, Gate.WORKSPACE)
        page = window.workspace.page_for(Area.LOOKUP)
        assert page.answer_box is None and page.number.text() == ""
        type_into(page.number, found.card.number)
        press(page.number, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.answer_box is not None)
        desk.idle(qtbot)
        qtbot.waitUntil(lambda: page.caller.text() == CALLER_CANARY)
        assert page.notes.toPlainText() == NOTE_CANARY

        _nowhere_in_clear(desk, tmp_path, caplog, [*plan_values, CALLER_CANARY, NOTE_CANARY])
    finally:
        desk.shell.runner.shutdown(wait=True)
