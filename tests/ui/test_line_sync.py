"""The 24-hour line's laptop sends the calls it records: the operator records a call in
the window, it is sent at once (no pull: the server refuses an operator's pull, so none
is asked for, and the status bar says the calls went — no error), the office server stores
it, the carer's outreach worker finds it in the carer's history after their sync, and the
operator's laptop then keeps nothing of it. When the link to the office drops, the call
waits sealed and goes by itself when the office answers again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from carer_desk.records.codec import from_payload
from carer_desk.records.kinds import KIND_TABLE
from carer_desk.roles import Area
from sync.server.store import open_store
from tests.ui.conftest import (
    DemoThroughALink,
    Desk,
    demo_on_a_link,
    on_vault,
    press,
    sync_status,
    type_into,
    visible_texts,
)
from tests.ui.line_office import OfficeCard, office_cards
from ui.views import carer_tabs
from ui.views.line_page import LinePage

CALLER = "Paramedic Canaryline"


def _page(desk: Desk) -> LinePage:
    return desk.window.workspace.page_for(Area.LOOKUP)


def _north_ready_card(office) -> OfficeCard:
    """A live, readable card of a carer on the demo worker's (north team's) caseload."""
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            north = {
                r.record_id
                for r in tx.records_of_kind("carer")
                if from_payload("carer", r.payload).team == "north"
            }
    finally:
        store.close()
    for found in office_cards(office):
        plan = found.plan
        if (
            found.card.is_live
            and found.card.carer_id in north
            and plan is not None
            and plan.consent_to_share_with_emergency_service
            and not plan.consent_withdrawn
            and plan.emergency_contacts
        ):
            return found
    raise AssertionError("the demo office has no readable card in the north team")


def _server_calls(office, carer_id: str) -> list:
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            calls = [
                from_payload("emergency_call", r.payload)
                for r in tx.records_of_kind("emergency_call")
            ]
    finally:
        store.close()
    # The operator's own: the demo office holds a few calls of its own (carer_desk.demo_line).
    return [c for c in calls if c.carer_id == carer_id and c.caller == CALLER]


def _record_a_call(qtbot, desk: Desk, found: OfficeCard) -> None:
    page = _page(desk)
    type_into(page.number, found.card.number)
    press(page.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answer_box is not None, timeout=30_000)
    desk.idle(qtbot)
    type_into(page.caller, CALLER)
    press(page.caller, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.answer_box is None, timeout=30_000)
    assert "Call recorded" in page.notice.text()


def test_a_recorded_call_reaches_the_carers_history_and_leaves_the_line_laptop(
    operator: Desk, qtbot
):
    office = operator.launcher.demo_office()
    found = _north_ready_card(office)
    assert operator.window.sync_action.isEnabled()  # the line's laptop syncs now
    failures: list = []
    operator.shell.ctx.hub.sync_failed.connect(failures.append)
    reports: list = []
    operator.shell.ctx.hub.sync_finished.connect(reports.append)

    _record_a_call(qtbot, operator, found)
    # Sent at once, by itself: no "Sync now", no error, and the bar says the call went.
    qtbot.waitUntil(lambda: bool(reports), timeout=30_000)
    operator.idle(qtbot)
    assert not failures
    report = reports[-1]
    assert report.pushed == 1 and report.pulled == 0 and not report.refused
    assert report.describe() == "Sync finished: 1 call sent to the office"
    qtbot.waitUntil(lambda: "Calls sent just now" in sync_status(operator), timeout=10_000)
    assert sync_status(operator).startswith("Online: card look-ups work")
    assert "waiting" not in sync_status(operator)

    # The office stores it, as the operator recorded it.
    (stored,) = _server_calls(office, found.card.carer_id)
    assert stored.caller == CALLER and stored.operator == "demo-operator"
    assert stored.card_id == found.card.id

    # The carer's worker syncs, and finds the call in the carer's history.
    colleague = operator.launcher.demo("worker")
    worker = colleague.set_up_demo()
    try:
        file = worker.session.files.open(found.card.carer_id)
        assert stored.id in [c.id for c in file.calls]
        tab = carer_tabs.history_tab(file)
        texts = "\n".join(visible_texts(tab))
        assert CALLER in texts and "demo-operator" in texts
        tab.deleteLater()
    finally:
        colleague.close()

    # The operator's next sync drops the copy the office now holds: nothing of the call
    # (nor of the plan it named) stays on the line's laptop.
    reports.clear()
    operator.window.sync_action.trigger()
    qtbot.waitUntil(lambda: bool(reports), timeout=30_000)
    operator.idle(qtbot)
    assert (
        not failures and reports[-1].describe() == "Sync finished: no new calls sent to the office"
    )
    session_calls = on_vault(operator, qtbot, lambda s: s.calls.calls_of(found.card.carer_id))
    assert session_calls == []
    held = on_vault(
        operator, qtbot, lambda s: {k: len(list(s.store.iter_kind(k))) for k in KIND_TABLE}
    )
    assert not any(held.values()), held


@pytest.fixture
def operator_on_a_link(qtbot, tmp_path: Path) -> Iterator[tuple[Desk, DemoThroughALink]]:
    yield from demo_on_a_link(qtbot, tmp_path, "operator")


def test_a_call_recorded_as_the_link_drops_goes_by_itself_when_the_office_answers(
    operator_on_a_link, qtbot
):
    desk, env = operator_on_a_link
    link = env.link
    assert link is not None
    office = desk.launcher.demo_office()
    found = _north_ready_card(office)
    page = _page(desk)
    type_into(page.number, found.card.number)
    press(page.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answer_box is not None, timeout=30_000)
    desk.idle(qtbot)

    link.go_down()  # the line drops while the operator writes the outcome
    type_into(page.caller, CALLER)
    press(page.caller, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.answer_box is None, timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            sync_status(desk).startswith("Offline: card look-ups need the connection")
            and "1 call waiting to be sent" in sync_status(desk)
        ),
        timeout=60_000,
    )
    assert _server_calls(office, found.card.carer_id) == []

    link.come_back()  # nobody presses anything
    qtbot.waitUntil(lambda: "Calls sent" in sync_status(desk), timeout=60_000)
    assert sync_status(desk).startswith("Online: card look-ups work")
    (stored,) = _server_calls(office, found.card.carer_id)
    assert stored.caller == CALLER
