"""Defects found by driving the real window by keyboard alone, as each person would on a
real day (issue 8's walk-through), each kept here as the test that would have caught it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from carer_desk.roles import Area
from tests.ui.conftest import Desk, _demo_person, on_vault, type_into
from tests.ui.test_conversation import adult_carer_id, open_conversations, start_conversation
from ui.controllers.window import Place
from ui.operations import Lane
from ui.views.carer_page import CarerPage
from ui.views.payments_tab import PaymentsTab


def _focused() -> QWidget | None:
    QApplication.processEvents()
    return QApplication.focusWidget()


def _tab(times: int = 1) -> QWidget | None:
    for _ in range(times):
        QTest.keyClick(_focused(), Qt.Key.Key_Tab)
        QApplication.processEvents()
    return _focused()


def test_a_conversation_opens_on_its_first_answer_and_tab_goes_through_the_stage_in_order(
    worker: Desk, qtbot
):
    """Driven: on a new conversation focus sat nowhere visible, and Tab from the stage's
    tabs jumped to Print/Save; the stage's answer boxes came after the page's buttons (a
    stage is built when first shown, after them), so what was typed went nowhere."""
    worker.window.activateWindow()
    page = start_conversation(qtbot, worker, adult_carer_id(worker, qtbot))
    prompts = page.controller.view.template.stage(1).prompts
    first = page.fields[f"answer.{prompts[0].id}"].widget
    second = page.fields[f"answer.{prompts[1].id}"].widget
    qtbot.waitUntil(lambda: _focused() is first)

    # From the stage tabs, Tab reaches the stage's first answer, then the next one.
    page.stages.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    assert _tab() is first
    QTest.keyClicks(first, "tired at night")
    assert _tab() is second
    # A stage built later (stage 3, by Alt+3) is reached from the tabs the same way.
    QTest.keyClick(page, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.stages.currentIndex() == page.stage_tabs[3])
    page.stages.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    reached = _tab()
    stage3 = page.stages.currentWidget()
    assert reached is not None and stage3.isAncestorOf(reached), reached
    assert page.fields[f"answer.{prompts[0].id}"].widget.toPlainText() == "tired at night"


def test_ctrl_tab_moves_between_a_carers_tabs_from_where_the_page_opens(worker: Desk, qtbot):
    """Driven: a carer's page opens with focus on Back, where Ctrl+Tab (the guide's way
    between tabs) did nothing: the tabs only heard it with focus inside them."""
    worker.window.activateWindow()
    carer_id = adult_carer_id(worker, qtbot)
    open_conversations(qtbot, worker, carer_id)
    worker.shell.go(Place(Area.CASELOAD, "carer", carer_id, None))
    page = worker.window.workspace.record_page
    assert isinstance(page, CarerPage)
    worker.idle(qtbot)
    page.back_button.setFocus()
    start = page.tabs.currentIndex()
    QTest.keyClick(page.back_button, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.tabs.currentIndex() == start + 1)
    QTest.keyClick(
        _focused(),
        Qt.Key.Key_Backtab,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: page.tabs.currentIndex() == start)


def _no_requests(s) -> str:
    for row in s.caseload.rows():
        if not s.payments.list_for_carer(row.carer_id):
            return row.carer_id
    raise AssertionError("every demo carer has a payment request")


def test_what_is_typed_before_the_payments_tab_has_loaded_is_kept(worker: Desk, qtbot):
    """Driven: the amount, purpose and outcome typed straight after opening Payments
    vanished a moment later, when the carer's requests (and any kept draft) came back
    from the vault and the form was filled with them over the typing."""
    carer_id = on_vault(worker, qtbot, _no_requests)
    worker.window.workspace.open_record("carer", carer_id, None)
    qtbot.waitUntil(lambda: isinstance(worker.window.workspace.record_page, CarerPage))
    page = worker.window.workspace.record_page
    worker.idle(qtbot)
    gate = threading.Event()
    # The vault is busy (another job in front), so the tab's load waits behind it.
    worker.shell.runner.submit(Lane.VAULT, lambda: gate.wait(30), print, print)
    QTest.keyClick(page, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(page.tabs.currentWidget(), PaymentsTab))
    tab = page.tabs.currentWidget()
    amount = tab.form.fields["amount"].widget
    type_into(amount, "120")
    type_into(tab.form.fields["wellbeing_outcome"].widget, "A day out with her sister.")
    gate.set()
    worker.idle(qtbot)
    qtbot.wait(400)
    worker.idle(qtbot)
    assert amount.text() == "120"
    assert tab.form.values()["wellbeing_outcome"] == "A day out with her sister."
    assert "£120.00" in tab.check_box.verdict.text()
    # No request in the list: nothing to cancel or submit, so no such buttons either.
    assert tab.empty.isVisible()
    assert not tab.cancel_request.isVisible()
    assert not tab.submit_draft.isVisible()


@pytest.fixture
def cards(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's card administrator, set up and unlocked on the plans under review."""
    yield from _demo_person(qtbot, tmp_path, "cards")


def test_the_first_list_takes_the_keyboard_when_its_rows_arrive(cards: Desk, qtbot):
    """Driven: the card administrator's (and the approver's) window opened with the
    keyboard on the status bar's Sync button, not on the list: the page was shown
    before its rows had come back, and nothing gave the list focus when they did."""
    cards.window.activateWindow()
    page = cards.window.workspace.page_for(Area.PLANS)
    cards.idle(qtbot)
    qtbot.waitUntil(lambda: page.controller.model.rowCount() > 0)
    qtbot.waitUntil(lambda: _focused() is page.table)
    # Down moves along the list straight away, and its detail follows.
    first = page.detail.text()
    QTest.keyClick(page.table, Qt.Key.Key_Down)
    assert page.detail.text() != first
    # Arrowing through the work areas is not interrupted when a page's rows arrive.
    nav = cards.window.workspace.nav
    nav.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(nav, Qt.Key.Key_Down)
    queue = cards.window.workspace.page_for(Area.CARDS)
    qtbot.waitUntil(lambda: queue.isVisible() and queue.controller.model.rowCount() > 0)
    cards.idle(qtbot)
    assert _focused() is nav


def test_a_field_reached_by_its_alt_letter_is_scrolled_into_sight(worker: Desk, qtbot):
    """Driven: on a plan, Alt+N (the reissue or revoke reason) put the cursor in a box
    far below the visible part of the page, which did not move: 'lost' went in blind."""
    from tests.ui.test_plans_flows import _open_plan_from_carer_page

    cards = on_vault(worker, qtbot, lambda s: [c for c in s.print_queue.rows() if not c.held_back])
    worker.window.activateWindow()
    page = _open_plan_from_carer_page(qtbot, worker, cards[0].carer_id)
    reason = page.cards.reason
    page.back_button.setFocus()
    assert reason.visibleRegion().isEmpty()  # far down the plan
    QTest.keyClick(page.back_button, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: _focused() is reason)
    qtbot.waitUntil(lambda: not reason.visibleRegion().isEmpty())


def test_enter_in_the_newcomer_form_adds_them_to_the_register(facilitator: Desk, qtbot):
    """Driven: at the door, a newcomer's name, phone and agreement typed and Enter
    pressed: nothing happened; only a click on the blue button added them."""
    from tests.ui.test_groups_flows import _column, _open_todays_register
    from ui.models.register_model import RegisterColumn

    facilitator.window.activateWindow()
    page = _open_todays_register(qtbot, facilitator)
    QTest.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    form = page.newcomer
    qtbot.waitUntil(lambda: form.isVisible() and _focused() is form.first_field())
    QTest.keyClicks(_focused(), "Amara")
    QTest.keyClick(_focused(), Qt.Key.Key_Tab)
    QTest.keyClicks(_focused(), "Okoye")
    type_into(form.fields["phone"].widget, "07700 900555")
    consent = form.fields["consent"].widget
    consent.setFocus()
    QTest.keyClick(consent, Qt.Key.Key_Space)
    QTest.keyClick(consent, Qt.Key.Key_Return)
    facilitator.idle(qtbot)
    qtbot.waitUntil(lambda: "Amara Okoye (new today)" in _column(page, RegisterColumn.NAME))
    assert not form.isVisible()


def test_a_stage_moved_to_by_its_alt_number_takes_the_keyboard_along(worker: Desk, qtbot):
    """Driven: the crisis box ticked on About, then Alt+2 for urgent support: the
    keyboard was passed on from the hidden About tab to the next control in the window,
    and the next words typed went into the search box, which left the conversation."""
    worker.window.activateWindow()
    page = start_conversation(qtbot, worker, adult_carer_id(worker, qtbot))
    QTest.keyClick(_focused(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.stages.currentIndex() == 0)
    crisis = page.fields["crisis"].widget
    crisis.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(crisis, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: 2 in page.stage_tabs)
    QTest.keyClick(crisis, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.stages.currentIndex() == page.stage_tabs[2])
    stage2 = page.stages.currentWidget()
    # On the stage's first answer box (not on the stage's scrolling page itself,
    # which shows no focus and from which Tab went to the search box).
    qtbot.waitUntil(lambda: isinstance(_focused(), QPlainTextEdit))
    box = _focused()
    assert stage2.isAncestorOf(box) and box.isVisible()
    QTest.keyClicks(box, "She fell last week")
    assert box.toPlainText() == "She fell last week"
    after = _tab()
    assert stage2.isAncestorOf(after) and after is not stage2
    assert worker.window.workspace.record_page is page
    assert worker.window.search.text() == ""


def test_the_support_plan_printed_mid_visit_shows_what_was_just_typed(worker: Desk, qtbot):
    """Driven: strengths typed, then Print support plan: the preview said "Not
    recorded" under "What is going well", because the printout read the saved
    conversation and the typing was only in the draft."""
    from io import BytesIO

    from pypdf import PdfReader

    from ui.print_preview import PrintPreviewDialog

    page = start_conversation(qtbot, worker, adult_carer_id(worker, qtbot))
    type_into(page.fields["strengths"].widget, "Gardening with his grandson")
    qtbot.wait(50)
    rendered: list = []
    page.controller.preview_ready.connect(rendered.append)
    page.print_plan.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: isinstance(page.preview, PrintPreviewDialog))
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(rendered[0].pdf)).pages)
    assert "Gardening with his grandson" in text
    saved = on_vault(worker, qtbot, lambda s: s.conversations.get(page.controller.conversation_id))
    assert saved.stage1 is not None and saved.stage1.strengths == "Gardening with his grandson"
