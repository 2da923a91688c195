"""Render docs/screenshots from the real window, on the demo office, offscreen.

    .venv/bin/python docs/screenshots/render.py            # every look
    .venv/bin/python docs/screenshots/render.py --look 100-light

Each look (100 % and 200 % scaling, light and dark, and larger text) runs in its own
process, because Qt's scale factor is fixed when the application starts. The demo office
and its laptops live in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOOKS = {
    "100-light": {"scale": "1", "dark": False, "large": False},
    "100-dark": {"scale": "1", "dark": True, "large": False},
    "200-light": {"scale": "2", "dark": False, "large": False},
    "200-dark": {"scale": "2", "dark": True, "large": False},
    "large-text": {"scale": "1", "dark": False, "large": True},
}
SIZE = (1180, 760)  # logical pixels: a small laptop screen


def _spin(app, predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def render(look: str, out: Path, work: Path) -> list[Path]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QT_SCALE_FACTOR"] = LOOKS[look]["scale"]
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from carer_desk.config import Settings
    from carer_desk.roles import Area
    from carer_desk.wiring.desk import Launcher
    from ui.controllers.session import Gate
    from ui.preferences import Preferences
    from ui.shell import Shell
    from ui.views.carer_page import CarerPage

    app = QApplication([])
    prefs = Preferences(QSettings(str(work / f"{look}.ini"), QSettings.Format.IniFormat))
    prefs.large_text = bool(LOOKS[look]["large"])
    launcher = Launcher(work / "real", Settings(), actor="demo", demo_dir=work / "demo")
    shots: list[Path] = []

    def shoot(name: str, widget=None) -> None:
        # Settled: no background work, no sync running (one starts by itself after an
        # unlock), and no passing status-bar message (the sync's report, for 8 seconds).
        _spin(app, lambda: shell.runner.pending == 0 and not shell.sync.running, 30)
        shell.window.passing.clear_now()
        for _ in range(5):
            app.processEvents()
        target = widget or shell.window
        path = out / f"{name}-{look}.png"
        target.grab().save(str(path))
        shots.append(path)

    # First run: the welcome screen.
    shell = Shell(app, launcher, launcher.office(), prefs=prefs)
    shell.theme.force_dark(bool(LOOKS[look]["dark"]))
    shell.window.resize(*SIZE)
    # Someone at the window: on a loaded machine a render outlasts the idle lock, which
    # would lock the window (and take its pages away) halfway through.
    in_use = QTimer()
    in_use.timeout.connect(lambda: _move_the_mouse(app, shell.window))
    in_use.start(20_000)
    shell.start()
    _spin(app, lambda: shell.session.gate is Gate.WELCOME)
    shoot("welcome")
    shell.window.welcome.connect_chosen.emit()
    shell.window.connect_view.server.setText("https://carerdesk.example.org")
    shell.window.connect_view.username.setText("asha")
    shell.window.connect_view.passphrase.setText("kettle")
    shoot("connect")
    # The demo worker: set up, then locked, then open.
    shell.choose_demo("worker")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shoot("unlock")
    shell.session.unlock("demo passphrase")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE)
    ws = shell.window.workspace
    caseload = ws.page_for(Area.CASELOAD)
    _spin(app, lambda: caseload.controller.ready)
    shoot("caseload")
    ws.open_record("carer", caseload.controller.carer_id_at(1))
    _spin(app, lambda: isinstance(ws.record_page, CarerPage) and ws.record_page.tabs.count() == 6)
    shoot("carer-profile")
    ws.record_page.tabs.setCurrentIndex(5)
    shoot("carer-history")
    _payment_request(app, shell, shoot)
    shell.window.new_carer_action.trigger()
    _spin(app, lambda: isinstance(ws.record_page, CarerPage))
    page = ws.record_page
    page.profile.fields["given_name"].widget.setText("Winifred")
    page.profile.fields["date_of_birth"].widget.setText("3/9/2009")
    page.profile.fields["contact.phone"].widget.setText("ring me")
    page._edited()
    page.save_now()
    shoot("new-carer-problems")
    _refused_change(app, shell, shoot)
    dialog = shell.open_settings()
    dialog.resize(int(SIZE[0] * 0.6), int(SIZE[1] * 0.9))
    shoot("settings", dialog)
    dialog.close()
    _conversation(app, shell, shoot)
    _plans(app, shell, shoot)
    _groups(app, shell, shoot)
    _approvals(app, shell, shoot)
    _office(app, shell, shoot)
    _card_administrator(app, shell, shoot)
    _line(app, shell, shoot)
    shell.shutdown()
    return shots


def _move_the_mouse(app, window) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    at = QPointF(1, 1)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        at,
        at,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    app.sendEvent(window, move)


def _sync_now(app, shell) -> None:
    shell.window.sync_action.trigger()
    _spin(app, lambda: shell.sync.running, 5)
    _spin(app, lambda: not shell.sync.running and shell.runner.pending == 0, 60)


def _discard_chosen(app, shell, sync) -> None:
    """Discard the refused change chosen on the Sync page, through its confirmation (the
    list may be redrawn by a sync finishing meanwhile: then ask again)."""
    from PySide6.QtWidgets import QMessageBox

    before = sync.confirm

    def listed() -> bool:
        return shell.runner.pending == 0 and sync.refused_list.count() == 1

    for _ in range(10):  # a loaded machine can take a while
        _spin(app, listed, 30)
        sync.refused_list.setCurrentRow(0)
        sync.ask_discard()
        if _spin(app, lambda: sync.confirm is not before and sync.confirm is not None, 10):
            break
    box = sync.confirm
    if box is None or box is before:
        print("the Sync page did not ask to confirm; the refusal stays", file=sys.stderr)
        return
    (discard,) = [
        b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
    ]
    discard.click()
    _spin(app, lambda: sync.refused_list.count() == 0 and shell.runner.pending == 0, 30)


def _refused_change(app, shell, shoot) -> None:
    """The worker's Sync problems: a new carer put in another team's caseload, refused
    by the office with its reason; then discarded, so the other screens are as usual."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.views.carer_page import CarerPage

    ws = shell.window.workspace
    shell.window.new_carer_action.trigger()
    _spin(app, lambda: isinstance(ws.record_page, CarerPage))
    fields = ws.record_page.profile.fields
    fields["given_name"].widget.setText("Sally")
    fields["family_name"].widget.setText("Southbound")
    fields["consent.given"].widget.setChecked(True)
    team = fields["team"].widget
    team.setCurrentIndex(team.findData("south"))  # not the demo worker's team
    ws.record_page._edited()
    ws.record_page.save_now()
    _spin(app, lambda: shell.runner.pending == 0)
    _sync_now(app, shell)
    shell.window.go(Place(Area.SYNC))
    sync = ws.page_for(Area.SYNC)
    _spin(app, lambda: sync.refused_list.count() == 1, 30)
    sync.tabs.setCurrentWidget(sync._refused_tab)
    sync.refused_list.setFocus()
    shoot("sync-problems")
    _discard_chosen(app, shell, sync)


def _on_vault(app, shell, work):
    from ui.operations import Lane

    box: list = []
    session = shell.ctx.open_desk().session
    shell.runner.submit(Lane.VAULT, lambda: work(session), box.append, box.append)
    _spin(app, lambda: bool(box))
    return box[0]


def _assessed_carer(s) -> str:
    """A carer whose demo conversation is a completed assessment (so a review has a past)."""
    for carer in s.carers.list_carers():
        if any(c.assessment_completed for c in s.conversations.list_for_carer(carer.id)):
            return carer.id
    raise SystemExit("the demo has no completed assessment")


def _conversation(app, shell, shoot) -> None:
    """The worker's guided conversation: stage 1 in the carer's words, the outcomes with
    "one is enough", completion refused with what is missing; then a review beside the
    previous conversation and the wellbeing charts; the support plan's preview."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.print_preview import PrintPreviewDialog
    from ui.views.carer_page import CarerPage
    from ui.views.conversation_page import ConversationPage

    ws = shell.window.workspace
    carer_id = _on_vault(app, shell, _assessed_carer)

    def start(review: bool) -> ConversationPage:
        shell.go(Place(Area.CASELOAD, "carer", carer_id, "conversations"))
        _spin(
            app, lambda: isinstance(ws.record_page, CarerPage) and ws.record_page.tabs.count() == 6
        )
        tab = ws.record_page.tabs.currentWidget()
        (tab.review_button if review else tab.start_button).click()
        _spin(app, lambda: isinstance(ws.record_page, ConversationPage) and ws.record_page.fields)
        _spin(app, lambda: shell.runner.pending == 0)
        return ws.record_page

    page = start(False)
    template = page.controller.view.template
    prompts = template.stage(1).prompts
    page.fields[f"answer.{prompts[0].id}"].widget.setPlainText(
        "My husband has Parkinson's. I help him wash and dress, and most nights I am up twice."
    )
    page.fields[f"answer.{prompts[1].id}"].widget.setPlainText("My sister rings every evening.")
    page.stages.setCurrentIndex(page.stage_tabs[1])
    shoot("conversation-stage1")
    fields = page.fields
    fields["outcome.nutrition.state"].widget.setCurrentIndex(2)
    fields["outcome.recreation.reasons"].widget.boxes[
        "significant_pain_distress_anxiety"
    ].setChecked(True)
    page.controller.values_changed(page.values())
    page.stages.setCurrentIndex(page.stage_tabs[3])
    scroll = page.stages.currentWidget()
    scroll.ensureWidgetVisible(page.one_is_enough, 0, 0)
    scroll.verticalScrollBar().setValue(page.one_is_enough.parentWidget().parentWidget().y())
    page.complete_button.click()
    _spin(app, lambda: page.missing.isVisible())
    shoot("conversation-missing")
    for outcome in template.outcomes:
        widget = fields[f"outcome.{outcome.value}.state"].widget
        if widget.currentIndex() == 0:
            widget.setCurrentIndex(1)
    fields["impact"].widget.setCurrentIndex(fields["impact"].widget.findData("yes"))
    for n, statement in enumerate(template.wellbeing_statements):
        fields[f"wellbeing.{statement.id}"].widget.setCurrentIndex(2 + n % 3)
    for key in ("able_to_continue", "willing_to_continue"):
        fields[key].widget.setCurrentIndex(fields[key].widget.findData("yes"))
    page.controller.values_changed(page.values())
    scroll.ensureWidgetVisible(page.decision, 0, 0)
    shoot("conversation-decision")
    page.complete_button.click()
    _spin(app, lambda: not page.controller.editable and shell.runner.pending == 0)
    page.print_plan.click()
    _spin(app, lambda: isinstance(page.preview, PrintPreviewDialog))
    page.preview.resize(int(SIZE[0] * 0.7), SIZE[1])
    shoot("support-plan-preview", page.preview)
    page.preview.close()
    review = start(True)
    shoot("conversation-review")
    review.side.setCurrentIndex(1)
    shoot("conversation-trajectory")


def _plans(app, shell, shoot) -> None:
    """The demo worker: the print queue, an incomplete plan naming what it lacks, its
    contacts in call order, and its cards and printouts."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.views.plan_page import PlanPage

    ws = shell.window.workspace
    shell.go(Place(Area.CARDS))
    queue = ws.page_for(Area.CARDS)
    _spin(app, lambda: queue.controller.checked)
    shoot("print-queue")
    shell.go(Place(Area.CASELOAD))
    caseload = ws.page_for(Area.CASELOAD)
    _spin(app, lambda: caseload.controller.ready)
    source = caseload.controller.model
    incomplete = next(
        row.carer_id
        for row in (source.carer_at(r) for r in range(source.rowCount()))
        if row is not None and row.plan_state.value == "incomplete"
    )
    ws.open_record("plan", incomplete)
    _spin(app, lambda: isinstance(ws.record_page, PlanPage) and ws.record_page.controller.file)
    page = ws.record_page
    shoot("plan-editor")
    page.scroll.ensureWidgetVisible(page.contacts.details, 0, 0)
    page.contacts.list.setFocus()
    shoot("plan-contacts")
    page.scroll.verticalScrollBar().setValue(page.scroll.verticalScrollBar().maximum())
    shoot("plan-cards")
    ws.open_record("plan", queue.controller.carer_id_at(0))
    _spin(app, lambda: isinstance(ws.record_page, PlanPage) and ws.record_page.controller.file)
    shoot("plan-complete")


def _groups(app, shell, shoot) -> None:
    """The demo facilitator: their groups, a group's sessions, a register being taken
    with a newcomer refused for want of consent, and the sign-in sheet's preview."""
    from carer_desk.roles import Area
    from ui.controllers.session import Gate
    from ui.controllers.window import Place
    from ui.print_preview import PrintPreviewDialog
    from ui.views.group_page import GroupPage
    from ui.views.register_page import RegisterPage

    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shell.choose_demo("facilitator")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    ws = shell.window.workspace
    shell.go(Place(Area.GROUPS))  # the facilitator's home (not where the worker left off)
    groups = ws.page_for(Area.GROUPS)
    _spin(app, lambda: groups.controller.ready)
    shoot("groups")
    ws.open_record("group", groups.controller.group_id_at(3))
    _spin(app, lambda: isinstance(ws.record_page, GroupPage) and ws.record_page.controller.group)
    group = ws.record_page
    shoot("group-sessions")
    group.tabs.setCurrentWidget(group.details_scroll)
    shoot("group-details")
    row = group.controller.next_session_row()
    ws.open_record("session", group.controller.session_id_at(row or 0))
    _spin(app, lambda: isinstance(ws.record_page, RegisterPage) and ws.record_page.controller.ready)
    page = ws.record_page
    _spin(app, lambda: shell.runner.pending == 0)
    for r in range(page.controller.model.rowCount() - 1):
        page.controller.toggle_here(r)
    page.controller.toggle_follow_up(0)
    page.table.selectRow(1)
    shoot("register")
    page.open_newcomer()
    fields = page.newcomer.fields
    fields["given_name"].widget.setText("Nia")
    fields["family_name"].widget.setText("Newcombe")
    fields["phone"].widget.setText("07700 900555")
    page._add()
    _spin(app, lambda: fields["consent"].row.error.isVisible())
    shoot("register-newcomer")
    page.print_button.click()
    _spin(app, lambda: isinstance(getattr(page, "preview", None), PrintPreviewDialog))
    page.preview.resize(int(SIZE[0] * 0.7), SIZE[1])
    shoot("sign-in-preview", page.preview)
    page.preview.close()


def _payment_request(app, shell, shoot) -> None:
    """A worker asking for a payment over what is left of the carer's cap: the live check
    says so, naming what is counted and until when."""
    from ui.operations import Lane
    from ui.views.carer_page import CarerPage
    from ui.views.payments_tab import PaymentsTab

    session = shell.ctx.open_desk().session

    def with_requests(s) -> str:
        # A carer whose cap is partly used, so the sentence has something to say.
        for row in s.caseload.rows():
            advice = s.payments.advise(row.carer_id, amount_pence=None, purpose=None, knowledge="")
            if advice.assessment_problem is None and 0 < advice.remaining_pence < 30_000:
                return row.carer_id
        return s.caseload.rows()[0].carer_id

    box: list = []
    shell.runner.submit(Lane.VAULT, lambda: with_requests(session), box.append, box.append)
    _spin(app, lambda: bool(box))
    ws = shell.window.workspace
    ws.open_record("carer", box[0], "payments")
    _spin(app, lambda: isinstance(ws.record_page, CarerPage))
    _spin(app, lambda: isinstance(ws.record_page.tabs.currentWidget(), PaymentsTab))
    tab = ws.record_page.tabs.currentWidget()
    _spin(app, lambda: tab.controller.advice is not None)
    fields = tab.form.fields
    fields["amount"].widget.setText("250")
    purpose = fields["purpose"].widget
    purpose.setCurrentIndex(purpose.findData("household_bills"))
    fields["wellbeing_outcome"].widget.setPlainText("Heating through the winter, so she sleeps.")
    tab._edited()
    tab.controller.check()
    _spin(app, lambda: shell.runner.pending == 0)
    tab.ensureWidgetVisible(tab.submit_button)  # the check and the buttons under it, whole
    tab.ensureWidgetVisible(tab.check_box)
    shoot("payment-request")


def _approvals(app, shell, shoot) -> None:
    """The demo approver's home: the queue, a request chosen, the budget per funder."""
    from carer_desk.roles import Area

    page = _home_of(app, shell, "approver", Area.REQUESTS)
    page.table.selectRow(0)
    shoot("approvals")


def _home_of(app, shell, who: str, area):
    """Lock, open the demo as ``who``, and return their page for ``area`` once loaded."""
    from ui.controllers.session import Gate
    from ui.controllers.window import Place

    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shell.choose_demo(who)
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    shell.go(Place(area))
    page = shell.window.workspace.page_for(area)
    _spin(app, lambda: page.controller.ready)
    return page


def _card_administrator(app, shell, shoot) -> None:
    """The demo card and plan administrator's home, Plans: what needs doing, and the
    incomplete plans with what each still needs."""
    from carer_desk.roles import Area
    from carer_desk.services.plan_reviews import PlanFilter

    page = _home_of(app, shell, "cards", Area.PLANS)
    shoot("plans")
    page.filter.setCurrentIndex(page.filter.findData(PlanFilter.INCOMPLETE))
    page.table.selectRow(1)
    shoot("plans-incomplete")


def _office(app, shell, shoot) -> None:
    """The service manager: the contract report with another of its charts and the
    records behind a figure, the
    budget, the work queues, users, a new user, laptops with a revoke confirmation, and
    the server's settings."""
    from carer_desk.roles import Area
    from ui.controllers.session import Gate
    from ui.controllers.window import Place

    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shell.choose_demo("admin")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    ws = shell.window.workspace
    reports = ws.page_for(Area.REPORTS)
    tab = reports.contract
    _spin(app, lambda: tab.model.rowCount() > 0)
    _spin(app, lambda: shell.runner.pending == 0, 30)
    shell.go(Place(Area.REPORTS))  # again: the return to the last place may come late
    _spin(app, lambda: ws.current_page() is reports, 10)
    shoot("reports-contract")
    charts = tab.chart_choice
    other = next(
        (i for i in range(charts.count()) if "Waiting-list" in charts.itemText(i)),
        min(1, charts.count() - 1),
    )
    charts.setCurrentIndex(other)
    _spin(app, lambda: shell.runner.pending == 0, 30)
    shoot("reports-chart")
    charts.setCurrentIndex(0)
    row = next(i for i in range(tab.model.rowCount()) if tab.model.key_at(i) == "referrals.total")
    tab.table.setCurrentIndex(tab.model.index(row, 3))
    tab.drill_current()
    _spin(app, lambda: "Records behind “" in tab.drill_title.text())
    shoot("reports-drill-down")
    reports.tabs.setCurrentWidget(reports.budget)
    reports.budget.show_budget()
    _spin(app, lambda: reports.budget.summary.rowCount() > 0)
    shoot("reports-budget")
    reports.tabs.setCurrentWidget(reports.queues)
    reports.queues.show_queues()
    _spin(app, lambda: bool(reports.queues.as_of.text()))
    shoot("reports-queues")
    shell.go(Place(Area.ADMIN))
    admin = ws.page_for(Area.ADMIN)
    _spin(app, lambda: admin.laptops.model.rowCount() > 0 and bool(admin.settings.boxes))
    admin.users.select("demo-worker")
    shoot("admin-users")
    admin.users.new.click()
    dialog = admin.users.dialog
    dialog.username.setText("ann.new")
    dialog.password.setText("a long enough password")
    dialog.repeated.setText("a long enough password")
    dialog.send()
    _spin(app, lambda: dialog.error.isVisible(), 30)
    shoot("admin-new-user-refused", dialog)
    dialog.reject()
    admin.tabs.setCurrentWidget(admin.laptops)
    shoot("admin-laptops")
    admin.laptops.table.selectRow(0)
    if admin.laptops.revoke.isEnabled():
        admin.laptops.revoke.click()
        _spin(app, lambda: admin.laptops.confirm.isVisible(), 10)
        shoot("admin-revoke-confirm", admin.laptops.confirm)
        admin.laptops.confirm.reject()
    admin.tabs.setCurrentWidget(admin.settings)
    shoot("admin-settings")
    shell.go(Place(Area.PAYMENTS))
    to_pay = ws.page_for(Area.PAYMENTS)
    _spin(app, lambda: to_pay.controller.ready)
    to_pay.table.setFocus()
    shoot("payments-to-make")
    to_pay.mark.click()
    _spin(app, lambda: to_pay.confirm is not None and to_pay.confirm.isVisible(), 10)
    shoot("payments-mark-paid-confirm", to_pay.confirm)
    to_pay.confirm.reject()


def _office_numbers(shell) -> tuple[str, str]:
    """A card whose plan is ready, and one whose consent was withdrawn, as the demo office
    holds them (the demo's card numbers are random)."""
    from carer_desk.records.codec import from_payload
    from sync.server.store import open_store

    office = shell.ctx.launcher.demo_office()
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            plans = {
                r.record_id: from_payload("plan", r.payload) for r in tx.records_of_kind("plan")
            }
            cards = [from_payload("card", r.payload) for r in tx.records_of_kind("card")]
    finally:
        store.close()
    live = [(c, plans.get(c.plan_id)) for c in cards if c.is_live]
    ready = next(
        c.number
        for c, p in live
        if p is not None
        and p.consent_to_share_with_emergency_service
        and all(person.address is not None for person in p.cared_for)
    )
    withdrawn = next(c.number for c, p in live if p is not None and p.consent_withdrawn)
    return ready, withdrawn


def _line(app, shell, shoot) -> None:
    """The demo operator on a call: a misheard digit caught, the plan in large type, the
    outcome being recorded, a plan whose consent was withdrawn, and the line offline."""
    from carer_desk.roles import Area
    from carer_desk.rules.card_numbers import format_card_number
    from ui.controllers.session import Gate
    from ui.controllers.window import Place

    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shell.choose_demo("operator")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    shell.go(Place(Area.LOOKUP))
    page = shell.window.workspace.page_for(Area.LOOKUP)
    ready, withdrawn = _office_numbers(shell)
    shown = format_card_number(ready)
    page.number.setText(shown[:-2] + shown[-1] + shown[-2])  # two digits swapped
    page._look_up()
    shoot("line-mistyped")
    page.number.setText(shown)
    page._look_up()
    _spin(app, lambda: page.answer_box is not None)
    shoot("line-plan")
    rows = list(page.contact_rows.values())
    rows[0].attempt.setCurrentIndex(2)
    rows[0].note.setText("no answer, left a message")
    if len(rows) > 1:
        rows[1].attempt.setCurrentIndex(1)
        rows[1].note.setText("on his way, 20 minutes")
    page.caller.setText("A neighbour")
    page.follow_up.setText("Ring the carer's daughter about a longer-term plan")
    page.scroll.ensureWidgetVisible(page.record_button)
    shoot("line-outcome")
    page._finish()
    page.number.setText(withdrawn)
    page._look_up()
    _spin(app, lambda: page.answer_box is not None)
    shoot("line-withdrawn")
    page._finish()
    _refused_call(app, shell, shoot, page, shown)
    shell.go(Place(Area.LOOKUP))
    shell.ctx.launcher.demo_office().stop()
    page.number.setText(shown)
    page._look_up()
    _spin(app, lambda: page.notice.isVisible(), 30)
    shoot("line-offline")


def _refused_call(app, shell, shoot, page, number: str) -> None:
    """The operator's Sync problems: a call the office refused (its limit on hours of
    replacement care is lower than this laptop's), with the office's reason, and the form
    that corrects it to send again."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place

    office = shell.ctx.launcher.demo_office()
    settings = office.settings.settings_file
    before = settings.read_text() if settings.exists() else ""
    # The office lowers its usual hours (read at its next request); this laptop still
    # allows its own default.
    settings.write_text(before + "\n[emergency_line]\nreplacement_care_hours = 24\n")
    page.number.setText(number)
    page._look_up()
    _spin(app, lambda: page.answer_box is not None)
    page.caller.setText("A neighbour")
    page.care.setChecked(True)
    page.hours.setValue(30)
    page._record()
    _spin(app, lambda: page.answer_box is None and shell.runner.pending == 0, 30)
    _sync_now(app, shell)
    shell.go(Place(Area.SYNC))
    sync = shell.window.workspace.page_for(Area.SYNC)
    _spin(app, lambda: sync.refused_list.count() == 1, 30)
    sync.refused_list.setFocus()
    shoot("line-sync-problems")
    sync.correct_button.click()
    _spin(app, lambda: sync.correction is not None and sync.correction.isVisible(), 30)
    sync.correction.hours.setValue(20)
    sync.correction.follow_up.setText("Ring the carer's daughter tomorrow")
    shoot("line-correct-call", sync.correction)
    sync.correction.reject()
    _spin(app, lambda: sync.correction is None, 10)
    _discard_chosen(app, shell, sync)
    settings.write_text(before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--look", choices=sorted(LOOKS), action="append")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work is not None:  # the child: one look
        (look,) = args.look
        for path in render(look, args.out, args.work):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for look in args.look or list(LOOKS):
            work = Path(tmp) / look
            work.mkdir()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--look",
                    look,
                    "--out",
                    str(args.out),
                    "--work",
                    str(work),
                ],
                check=True,
                env={**os.environ, "CARER_DESK_DEMO_DIR": str(work / "demo")},
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
