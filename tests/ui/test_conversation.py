"""A guided conversation held in the window, as an outreach worker does: started from the
carer's page, typed through the three stages across a lock, refused completion with what
is missing, completed with its decision; a review beside the previous conversation and
the wellbeing charts; the support plan printed — over a real vault and the demo office."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox

from carer_desk.records.conversation import (
    CarerOutcome,
    ConversationStatus,
    GuidedConversation,
    LegalRoute,
)
from carer_desk.roles import Area
from carer_desk.rules.assessment import legal_route
from tests.ui import conversation_driver
from tests.ui.conftest import Desk, make_shell, on_vault, type_into, visible_texts
from ui.controllers.conversation import draft_key
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.print_preview import PrintPreviewDialog
from ui.views.carer_page import CarerPage
from ui.views.conversation_page import ConversationPage
from ui.views.conversations_tab import ConversationsTab

CANARY_ANSWER = "Canarysleepless nights since March"
CANARY_CHANGE = "Canaryrespite this week"


def first_adult_carer(s) -> str:
    """A carer of the demo caseload assessed under reg. 3 (an adult carer of an adult)."""
    today = s.clock.today()
    for carer in s.carers.list_carers():
        if carer.closure is None and (
            legal_route(carer, s.settings.age_bands, today) is LegalRoute.ADULT_CARER
        ):
            return carer.id
    raise AssertionError("the demo has no adult carer")


def adult_carer_id(desk: Desk, qtbot) -> str:
    return on_vault(desk, qtbot, first_adult_carer)


def open_conversations(qtbot, desk: Desk, carer_id: str) -> ConversationsTab:
    desk.shell.go(Place(Area.CASELOAD, "carer", carer_id, "conversations"))
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, CarerPage))
    desk.idle(qtbot)
    page = desk.window.workspace.record_page
    qtbot.waitUntil(lambda: isinstance(page.tabs.currentWidget(), ConversationsTab))
    return page.tabs.currentWidget()


def conversation_page(qtbot, desk: Desk) -> ConversationPage:
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, ConversationPage))
    page = desk.window.workspace.record_page
    qtbot.waitUntil(lambda: page.controller.view is not None and bool(page.fields))
    desk.idle(qtbot)
    return page


def choose(page: ConversationPage, key: str, value) -> None:
    widget = page.fields[key].widget
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(value))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    else:
        type_into(widget, value)
    QApplication.processEvents()


def stored(desk: Desk, qtbot, conversation_id: str) -> GuidedConversation:
    return on_vault(desk, qtbot, lambda s: s.conversations.get(conversation_id))


def start_conversation(qtbot, desk: Desk, carer_id: str, *, review: bool = False):
    tab = open_conversations(qtbot, desk, carer_id)
    (tab.review_button if review else tab.start_button).click()
    return conversation_page(qtbot, desk)


def fill_assessment(page: ConversationPage, unable: CarerOutcome) -> None:
    for outcome in CarerOutcome:
        choose(page, f"outcome.{outcome.value}.state", "unable" if outcome is unable else "able")
    choose(page, "impact", "yes")
    for statement in page.controller.view.template.wellbeing_statements:
        choose(page, f"wellbeing.{statement.id}", "sometimes")
    choose(page, "able_to_continue", "yes")
    choose(page, "willing_to_continue", "yes")


def test_a_three_stage_conversation_survives_a_lock_and_completes_with_its_decision(
    worker: Desk, qtbot
):
    window = worker.window
    carer_id = adult_carer_id(worker, qtbot)
    page = start_conversation(qtbot, worker, carer_id)
    cid = page.controller.conversation_id
    template = page.controller.view.template
    assert template.version == 2  # the latest template, its prompts on screen
    first_prompt = template.stage(1).prompts[0]
    assert first_prompt.text in visible_texts(page)
    assert not page.stages.isTabVisible(page.stage_tabs[2])  # no crisis: no stage 2

    type_into(page.fields[f"answer.{first_prompt.id}"].widget, CANARY_ANSWER)
    choose(page, "seen_alone", "yes")
    choose(page, "crisis", True)
    assert page.stages.isTabVisible(page.stage_tabs[2])
    type_into(page.fields["what_must_change_now"].widget, CANARY_CHANGE)

    # Locked in the middle of typing: nothing stays on screen; the typing is sealed.
    window.lock_action.trigger()
    worker.at(qtbot, Gate.UNLOCK)
    texts = "\n".join(visible_texts())
    assert CANARY_ANSWER not in texts and CANARY_CHANGE not in texts
    window.unlock_view.passphrase.setText("demo passphrase")
    window.unlock_view.passphrase.returnPressed.emit()
    worker.at(qtbot, Gate.WORKSPACE)
    page = conversation_page(qtbot, worker)  # back where the worker was
    assert page.controller.conversation_id == cid
    assert page.fields[f"answer.{first_prompt.id}"].widget.toPlainText() == CANARY_ANSWER
    assert page.fields["what_must_change_now"].widget.toPlainText() == CANARY_CHANGE
    assert page.notice.isVisible()  # "your unsaved typing was kept"

    # Stage 3 begun but not finished: completing names what is missing.
    choose(page, f"outcome.{CarerOutcome.NUTRITION.value}.state", "unable")
    assert "one outcome" in page.one_is_enough.text().lower()
    page.complete_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: page.missing.isVisible())
    missing = page.missing.text()
    assert "cannot be completed yet" in missing
    assert "not yet assessed" in missing
    assert "significant impact" in missing
    assert "wellbeing check" in missing
    assert "continue caring" in missing
    assert stored(worker, qtbot, cid).status is ConversationStatus.DRAFT
    # ... and nothing typed was lost: the answers were saved with the attempt.
    assert stored(worker, qtbot, cid).stage1.answer_to(first_prompt.id) == CANARY_ANSWER

    fill_assessment(page, CarerOutcome.NUTRITION)
    assert "has eligible needs" in page.decision.text()
    lists = page.lists
    lists["goals"].add_button.click()
    type_into(lists["goals"].items[0].fields["description"].widget, "Sleep through twice a week")
    lists["actions"].add_button.click()
    action = lists["actions"].items[0]
    type_into(action.fields["description"].widget, "Refer for a night sitting service")
    tag = action.fields["tag"].widget
    tag.setCurrentIndex(tag.findData("reduce"))
    page.complete_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: stored(worker, qtbot, cid).status is ConversationStatus.COMPLETE)
    done = stored(worker, qtbot, cid)
    assert done.seen_alone is True
    assert done.stage2 is not None and done.stage2.what_must_change_now == CANARY_CHANGE
    assert done.stage3.goals[0].description == "Sleep through twice a week"
    assert done.stage3.actions[0].tag.value == "reduce"
    assert done.determination is not None and done.determination.eligible is True
    assert done.review_date is not None
    page = conversation_page(qtbot, worker)
    assert not page.complete_button.isVisible()  # kept as agreed: read only
    assert page.fields[f"answer.{first_prompt.id}"].widget.isReadOnly()
    page.stages.setCurrentIndex(page.stage_tabs[3])  # the decision is on stage 3's tab
    assert "eligible needs" in page.decision.text()


def test_a_review_shows_the_last_conversation_beside_it_and_the_wellbeing_charts(
    worker: Desk, qtbot, tmp_path: Path
):
    carer_id = adult_carer_id(worker, qtbot)
    page = start_conversation(qtbot, worker, carer_id)
    fill_assessment(page, CarerOutcome.RECREATION)
    page.lists["goals"].add_button.click()
    type_into(page.lists["goals"].items[0].fields["description"].widget, "Rejoin the choir")
    page.complete_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: not page.controller.editable)

    review = start_conversation(qtbot, worker, carer_id, review=True)
    assert review.controller.view.conversation.is_review
    assert review.side.isVisible()
    assert "Rejoin the choir" in review.previous_text.toPlainText()
    # Last time's goal is here to rate.
    goal = review.lists["goals"].items[0]
    assert goal.fields["description"].widget.text() == "Rejoin the choir"
    attainment = goal.fields["attainment"].widget
    attainment.setCurrentIndex(attainment.findData("achieved"))
    # The charts are drawn when the worker turns to them.
    assert review.trajectory.charts == []
    review.side.setCurrentIndex(1)
    charts = review.trajectory.charts
    statements = review.controller.view.template.wellbeing_statements
    assert len(charts) == len(statements)  # one chart per statement
    assert all(c.chart().series()[0].count() >= 1 for c in charts)
    assert review.trajectory.table.rowCount() >= 1
    assert review.trajectory.table.item(review.trajectory.table.rowCount() - 1, 1).text() == (
        "Sometimes"
    )
    review.save_now()
    worker.idle(qtbot)
    saved = stored(worker, qtbot, review.controller.conversation_id)
    assert saved.stage3.goals[0].attainment.value == "achieved"


def test_the_support_plan_prints_to_pdf_through_the_preview(worker: Desk, qtbot, tmp_path: Path):
    carer_id = adult_carer_id(worker, qtbot)
    page = start_conversation(qtbot, worker, carer_id)
    fill_assessment(page, CarerOutcome.HABITABLE_HOME)
    page.complete_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: not page.controller.editable)
    page = conversation_page(qtbot, worker)
    page.print_plan.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: isinstance(page.preview, PrintPreviewDialog))
    preview = page.preview
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "support-plan.pdf"
    printer.setOutputFileName(str(out))
    assert preview.controller.print_to(printer) >= 1
    worker.idle(qtbot)
    assert len(PdfReader(out).pages) >= 1
    history = on_vault(worker, qtbot, lambda s: s.store.audit_entries())
    assert any(
        e.action == "print" and dict(e.details or {}).get("document") == "support-plan"
        for e in history
    )
    # The decision letter: none until a payment following it is decided — said plainly.
    page.print_letter.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: page.notice.isVisible())
    assert "no decision letter to print" in page.notice.text()
    assert page.preview is preview  # no second preview


def test_typing_goes_on_while_a_save_comes_back_and_stays_in_the_form(worker: Desk, qtbot):
    """The person saves and goes on typing. The save moves the conversation's sync state,
    and the page re-reads it; that answer comes back while they type, and must not rebuild
    the form under their fingers (their last words gone, the box they typed into a dead
    one whose typing the draft never sees)."""
    page = start_conversation(qtbot, worker, adult_carer_id(worker, qtbot))
    cid = page.controller.conversation_id
    key = f"answer.{page.controller.view.template.stage(1).prompts[0].id}"
    box = page.fields[key].widget
    type_into(box, "Sleepless nights. ")
    hub = worker.shell.ctx.hub

    def keep_typing(_changes) -> None:
        # Just after the save is broadcast, before what it makes the page read comes back.
        hub.changes_applied.disconnect(keep_typing)
        QTest.keyClicks(box, "Respite would help.")

    hub.changes_applied.connect(keep_typing)
    page.save_button.click()
    worker.idle(qtbot)
    assert page.fields[key].widget is box  # the same form, not a new one
    assert box.toPlainText() == "Sleepless nights. Respite would help."
    assert "Saved" in page.saved_label.text()
    assert page.state.text()  # the sync state is still shown
    page.controller.save_draft_now()
    worker.idle(qtbot)
    draft = on_vault(worker, qtbot, lambda s: s.drafts.load(draft_key(cid)))
    assert draft is not None and draft[key] == "Sleepless nights. Respite would help."
    assert stored(worker, qtbot, cid).stage1.answers  # the save itself went through


ROOT = Path(__file__).resolve().parents[2]
TYPE_FOR_S = 10.0  # long enough for several autosaves while typing goes on


def test_a_killed_window_loses_at_most_the_last_few_seconds_of_typing(qtbot, tmp_path: Path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CARER_DESK_USER": "tester",
        "CARER_DESK_DATA_DIR": str(tmp_path / "real"),
        "CARER_DESK_DEMO_DIR": str(tmp_path / "demo"),
    }
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.conversation_driver", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "driver.log").open("w"),
        text=True,
    )
    typed, started, sealed_at = 0, None, None
    try:
        for line in driver.stdout:
            if line.startswith("READY"):
                started = time.monotonic()
            elif line.startswith("SEALED") and started is not None:
                sealed_at = time.monotonic()
            elif line.startswith("TYPED"):
                typed = int(line.split()[1])
                # Killed mid-typing, after ten seconds and once the window has sealed a
                # draft a moment ago (on a loaded machine the first seal can come late;
                # a window that never seals fails below: nothing kept).
                long_enough = started is not None and time.monotonic() - started >= TYPE_FOR_S
                settled = sealed_at is not None and time.monotonic() - sealed_at >= 1.0
                if long_enough and (settled or time.monotonic() - started >= 4 * TYPE_FOR_S):
                    break
        killed_at = time.monotonic()
        driver.send_signal(signal.SIGKILL)  # no chance to save anything on the way out
        driver.wait(timeout=30)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert started is not None and typed > 0, (tmp_path / "driver.log").read_text()[-3000:]
    rate = typed / (killed_at - started)  # characters a second

    # The same laptop started again: unlock, open the carer's draft, find the typing.
    desk = make_shell(qtbot, tmp_path, lambda launcher: launcher.demo("worker"))
    try:
        desk.at(qtbot, Gate.UNLOCK, timeout=60_000)
        desk.window.unlock_view.passphrase.setText("demo passphrase")
        desk.window.unlock_view.passphrase.returnPressed.emit()
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        tab = open_conversations(qtbot, desk, adult_carer_id(desk, qtbot))
        assert tab.open_button.text() == "&Resume the draft"
        tab.open_current()
        page = conversation_page(qtbot, desk)
        prompt = page.controller.view.template.stage(1).prompts[0]
        kept = page.fields[f"answer.{prompt.id}"].widget.toPlainText()
        assert page.notice.isVisible()  # the typing came back from the sealed draft
        assert conversation_driver.typed_text(typed).startswith(kept)
        lost_seconds = (typed - len(kept)) / rate
        # The draft is sealed at most AUTOSAVE_MS after a keystroke (plus a moment for
        # the vault lane): "at most the last few seconds".
        assert len(kept) > 0
        assert lost_seconds <= 5.0, f"{typed - len(kept)} characters ({lost_seconds:.1f} s) lost"
    finally:
        desk.shell.shutdown()
