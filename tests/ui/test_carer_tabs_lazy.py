"""Opening a carer builds the profile alone: each other tab is built the first time it is
shown, under the same label, in the same place."""

from __future__ import annotations

from carer_desk.roles import Area
from tests.ui.conftest import Desk
from ui.views.carer_page import CarerPage
from ui.views.conversations_tab import ConversationsTab
from ui.views.payments_tab import PaymentsTab


def test_a_carers_tabs_are_built_when_first_shown(worker: Desk, qtbot):
    window = worker.window
    caseload = window.workspace.page_for(Area.CASELOAD)
    window.workspace.open_record("carer", caseload.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
    record: CarerPage = window.workspace.record_page
    qtbot.waitUntil(lambda: record.tabs.count() == 6)
    worker.idle(qtbot)
    labels = [record.tabs.tabText(i) for i in range(record.tabs.count())]
    assert record.tabs.currentIndex() == 0
    assert not record.findChildren(PaymentsTab)
    assert not record.findChildren(ConversationsTab)

    payments = labels.index("Pay&ments")
    record.tabs.setCurrentIndex(payments)
    worker.idle(qtbot)
    assert isinstance(record.tabs.currentWidget(), PaymentsTab)
    assert record.tabs.currentIndex() == payments
    assert [record.tabs.tabText(i) for i in range(record.tabs.count())] == labels
    assert not record.findChildren(ConversationsTab)  # still only what was shown

    record.tabs.setCurrentIndex(0)
    record.tabs.setCurrentIndex(payments)  # shown again: the same tab, not a second one
    worker.idle(qtbot)
    assert len(record.findChildren(PaymentsTab)) == 1


def test_a_carer_opened_on_a_tab_shows_it_built(worker: Desk, qtbot):
    window = worker.window
    caseload = window.workspace.page_for(Area.CASELOAD)
    window.workspace.open_record("carer", caseload.controller.carer_id_at(0), "conversations")
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
    record: CarerPage = window.workspace.record_page
    qtbot.waitUntil(lambda: isinstance(record.tabs.currentWidget(), ConversationsTab))
    assert record.tabs.tabText(record.tabs.currentIndex()) == "&Conversations"
