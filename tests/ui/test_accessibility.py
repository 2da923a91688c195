"""Every window and dialog: each control has an accessible name and is reachable by Tab."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carer_desk.roles import Area
from tests.ui.accessibility import walk
from tests.ui.conftest import Desk, _demo_person, press
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.operations import Lane
from ui.views.about_dialog import AboutDialog
from ui.views.carer_page import CarerPage
from ui.views.help_window import HelpWindow


def _clean(result, where: str) -> None:
    assert result.checked >= 1, f"{where}: the walk found no controls to check"
    assert not result.unnamed, f"{where}: controls without an accessible name: {result.unnamed}"
    assert not result.unreachable, f"{where}: controls Tab never reaches: {result.unreachable}"


def test_first_run_screens(fresh_laptop: Desk, qtbot):
    d = fresh_laptop
    d.at(qtbot, Gate.WELCOME)
    _clean(walk(d.window), "welcome")
    d.window.welcome.connect_chosen.emit()
    QApplication.processEvents()
    _clean(walk(d.window), "connect")


def test_unlock_screen(worker: Desk, qtbot):
    worker.shell.session.lock("test")
    worker.at(qtbot, Gate.UNLOCK)
    _clean(walk(worker.window), "unlock")


def test_workspace_pages_and_the_carer_record(worker: Desk, qtbot):
    window = worker.window
    for area in window.workspace.areas:
        window.go(Place(area))
        worker.idle(qtbot)
        _clean(walk(window), f"page {area.value}")
    window.go(Place(Area.CASELOAD))
    worker.idle(qtbot)
    page = window.workspace.page_for(Area.CASELOAD)
    window.workspace.open_record("carer", page.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
    worker.idle(qtbot)
    record = window.workspace.record_page
    qtbot.waitUntil(lambda: record.tabs.count() == 6)
    for index in range(record.tabs.count()):
        record.tabs.setCurrentIndex(index)
        worker.idle(qtbot)  # a tab is built, and reads what it lists, when first shown
        _clean(walk(window), f"carer tab {record.tabs.tabText(index)}")
    window.new_carer_action.trigger()
    worker.idle(qtbot)
    _clean(walk(window), "new carer")


def test_dialogs(worker: Desk, qtbot):
    shell = worker.shell
    for make in (
        lambda: HelpWindow(None, shell.window),
        lambda: AboutDialog("/tmp/vault", True, shell.window),
    ):
        dialog = make()
        dialog.show()
        QApplication.processEvents()
        _clean(walk(dialog), type(dialog).__name__)
        dialog.close()
    dialog = shell.open_settings()
    worker.idle(qtbot)
    _clean(walk(dialog), "settings")
    dialog.close()


def test_the_groups_screens(facilitator: Desk, qtbot):
    from ui.print_preview import PrintPreviewDialog
    from ui.views.group_page import GroupPage
    from ui.views.register_page import RegisterPage

    window = facilitator.window
    groups = window.workspace.page_for(Area.GROUPS)
    qtbot.waitUntil(lambda: groups.controller.ready)
    facilitator.idle(qtbot)
    _clean(walk(window), "groups")
    window.workspace.open_record("group", groups.controller.group_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, GroupPage))
    facilitator.idle(qtbot)
    group = window.workspace.record_page
    for index in range(group.tabs.count()):
        group.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        _clean(walk(window), f"group tab {group.tabs.tabText(index)}")
    window.workspace.open_record("session", group.controller.session_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, RegisterPage))
    facilitator.idle(qtbot)
    register = window.workspace.record_page
    _clean(walk(window), "register")
    register.open_newcomer()
    QApplication.processEvents()
    _clean(walk(window), "register with the newcomer form")
    register.print_button.click()
    qtbot.waitUntil(lambda: isinstance(getattr(register, "preview", None), PrintPreviewDialog))
    _clean(walk(register.preview), "sign-in sheet preview")
    register.preview.close()
    window.go(Place(Area.GROUPS))
    groups.new_button.click()
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, GroupPage))
    facilitator.idle(qtbot)
    _clean(walk(window), "new group")


def test_sync_now_stays_in_the_tab_order_while_a_sync_runs(facilitator: Desk, qtbot):
    """A sync starts by itself at any moment (at unlock, when the office answers again):
    "Sync now" must not drop out of the Tab order while it runs, nor throw the focus of a
    person who has just pressed it onto the next control, where their next key lands."""
    shell, window = facilitator.shell, facilitator.window
    qtbot.waitUntil(lambda: not shell.sync.running, timeout=60_000)
    facilitator.idle(qtbot)
    # The vault lane held: the sync's last step (taking in what it pulled) waits behind
    # it, so the sync runs for as long as the walk takes.
    release = threading.Event()
    shell.runner.submit(Lane.VAULT, release.wait, lambda _r: None, lambda _e: None)
    sync_now = window.sync_status.sync_button
    try:
        sync_now.setFocus(Qt.FocusReason.TabFocusReason)
        press(sync_now, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: shell.sync.running)
        assert QApplication.focusWidget() is sync_now
        _clean(walk(window), "groups while a sync runs")
        sync_now.setFocus(Qt.FocusReason.TabFocusReason)
        press(sync_now, Qt.Key.Key_Space)  # pressed again: the one sync goes on
        assert QApplication.focusWidget() is sync_now
    finally:
        release.set()
    qtbot.waitUntil(lambda: not shell.sync.running, timeout=60_000)
    facilitator.idle(qtbot)
    assert shell.sync.last_report is not None


@pytest.fixture
def approver(qtbot, tmp_path) -> Iterator[Desk]:
    yield from _demo_person(qtbot, tmp_path, "approver")


def test_the_payment_screens(approver: Desk, qtbot):
    """The approver's queue with a request chosen (the worker's request form is walked
    with the carer's tabs above)."""
    window = approver.window
    page = window.workspace.page_for(Area.REQUESTS)
    qtbot.waitUntil(lambda: page.controller.ready)
    approver.idle(qtbot)
    assert page.controller.model.rowCount() > 0
    _clean(walk(window), "requests to decide")


def test_the_line_screens(operator: Desk, qtbot):
    from tests.ui.line_office import ready_card

    window = operator.window
    page = window.workspace.page_for(Area.LOOKUP)
    _clean(walk(window), "card look-up")
    page.number.setText("1234 5678 9013")
    page.look_up_button.click()
    QApplication.processEvents()
    _clean(walk(window), "card look-up, a mistyped number")
    page.number.setText(ready_card(operator.launcher.demo_office()).card.number)
    page.look_up_button.click()
    qtbot.waitUntil(lambda: page.answer_box is not None)
    operator.idle(qtbot)
    page.care.setChecked(True)
    page.hours.setValue(page.hours.maximum())  # the exceptional reason's field enabled
    QApplication.processEvents()
    _clean(walk(window), "card look-up, the plan and the call's outcome")


def test_the_conversation_screens(worker: Desk, qtbot):
    from carer_desk.records.conversation import CarerOutcome
    from tests.ui.test_conversation import (
        adult_carer_id,
        choose,
        fill_assessment,
        open_conversations,
        start_conversation,
    )
    from ui.print_preview import PrintPreviewDialog

    window = worker.window
    carer_id = adult_carer_id(worker, qtbot)
    open_conversations(qtbot, worker, carer_id)
    _clean(walk(window), "conversations tab")
    page = start_conversation(qtbot, worker, carer_id)
    choose(page, "crisis", True)
    for index in range(page.stages.count()):
        page.stages.setCurrentIndex(index)
        QApplication.processEvents()
        _clean(walk(window), f"conversation stage tab {page.stages.tabText(index)}")
    fill_assessment(page, CarerOutcome.RELATIONSHIPS)
    page.complete_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: not page.controller.editable)
    page.print_plan.click()
    qtbot.waitUntil(lambda: isinstance(page.preview, PrintPreviewDialog))
    _clean(walk(page.preview), "support plan preview")
    page.preview.close()
    review = start_conversation(qtbot, worker, carer_id, review=True)
    for index in range(review.side.count()):
        review.side.setCurrentIndex(index)
        QApplication.processEvents()
        _clean(walk(window), f"review beside {review.side.tabText(index)}")


def test_the_plan_editor_and_the_print_queue(worker: Desk, qtbot):
    from ui.print_preview import PrintPreviewDialog
    from ui.views.plan_page import PlanPage

    window = worker.window
    window.go(Place(Area.CARDS))
    worker.idle(qtbot)
    queue = window.workspace.page_for(Area.CARDS)
    qtbot.waitUntil(lambda: queue.controller.ready)
    _clean(walk(window), "print queue")
    window.workspace.open_record("plan", queue.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, PlanPage))
    plan = window.workspace.record_page
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    worker.idle(qtbot)
    _clean(walk(window), "plan editor")
    plan.contacts.add_button.click()
    plan.people.add_button.click()
    QApplication.processEvents()
    _clean(walk(window), "plan editor with a new contact and person")
    plan.cards.print_fobs_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: isinstance(getattr(plan, "preview", None), PrintPreviewDialog))
    _clean(walk(plan.preview), "key-fob preview")
    plan.preview.close()


def test_the_service_managers_office_screens(manager: Desk, qtbot):
    """Reports (contract report with a drill-down, budget, queues), users and laptops
    (each tab, each dialog and confirmation) and the report's print preview."""
    from PySide6.QtWidgets import QDialog

    from ui.views.admin_page import AdminPage
    from ui.views.reports_page import ReportsPage

    desk = manager
    window = desk.window
    qtbot.waitUntil(lambda: not desk.shell.sync.running, timeout=60_000)
    reports = window.workspace.page_for(Area.REPORTS)
    assert isinstance(reports, ReportsPage)
    qtbot.waitUntil(lambda: reports.contract.model.rowCount() > 0, timeout=30_000)
    desk.idle(qtbot)
    tab = reports.contract
    tab.table.setCurrentIndex(tab.model.index(0, 2))
    tab.drill_button.click()
    qtbot.waitUntil(lambda: "Records behind “" in tab.drill_title.text(), timeout=30_000)
    desk.idle(qtbot)
    _clean(walk(window), "reports: contract report")
    reports.tabs.setCurrentWidget(reports.budget)
    reports.budget.show_button.click()
    qtbot.waitUntil(lambda: reports.budget.summary.rowCount() > 0, timeout=30_000)
    _clean(walk(window), "reports: budget")
    reports.tabs.setCurrentWidget(reports.queues)
    reports.queues.show_button.click()
    qtbot.waitUntil(lambda: bool(reports.queues.as_of.text()), timeout=30_000)
    _clean(walk(window), "reports: work queues")
    reports.tabs.setCurrentWidget(reports.contract)
    tab.preview_button.click()
    qtbot.waitUntil(lambda: reports.preview is not None, timeout=30_000)
    _clean(walk(reports.preview), "report preview")
    reports.preview.close()
    window.go(Place(Area.ADMIN))
    admin = window.workspace.page_for(Area.ADMIN)
    assert isinstance(admin, AdminPage)
    qtbot.waitUntil(lambda: admin.laptops.model.rowCount() > 0, timeout=30_000)
    qtbot.waitUntil(lambda: bool(admin.settings.boxes), timeout=30_000)
    desk.idle(qtbot)
    for index in range(admin.tabs.count()):
        admin.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        _clean(walk(window), f"admin tab {admin.tabs.tabText(index)}")
    admin.tabs.setCurrentWidget(admin.users)
    admin.users.select("demo-worker")
    for opener in (admin.users.new, admin.users.change, admin.users.password):
        opener.click()
        dialog = admin.users.dialog
        assert isinstance(dialog, QDialog)
        QApplication.processEvents()
        _clean(walk(dialog), dialog.windowTitle())
        dialog.reject()
    admin.users.disable.click()
    _clean(walk(admin.users.confirm), "disable confirmation")
    admin.users.confirm.reject()
    admin.tabs.setCurrentWidget(admin.laptops)
    admin.laptops.table.selectRow(0)
    if admin.laptops.revoke.isEnabled():
        admin.laptops.revoke.click()
        _clean(walk(admin.laptops.confirm), "revoke confirmation")
        admin.laptops.confirm.reject()
    window.go(Place(Area.PAYMENTS))
    to_pay = window.workspace.page_for(Area.PAYMENTS)
    qtbot.waitUntil(lambda: to_pay.controller.ready, timeout=30_000)
    desk.idle(qtbot)
    _clean(walk(window), "payments to make")
    to_pay.mark.click()
    _clean(walk(to_pay.confirm), "mark-as-paid confirmation")
    to_pay.confirm.reject()


@pytest.fixture
def card_administrator(qtbot, tmp_path) -> Iterator[Desk]:
    yield from _demo_person(qtbot, tmp_path, "cards")


def test_the_card_administrators_screens(card_administrator: Desk, qtbot):
    from carer_desk.services.plan_reviews import PlanFilter
    from ui.views.plan_page import PlanPage

    desk = card_administrator
    window = desk.window
    for area in window.workspace.areas:
        window.go(Place(area))
        desk.idle(qtbot)
        _clean(walk(window), f"administrator's page {area.value}")
    window.go(Place(Area.PLANS))
    plans = window.workspace.page_for(Area.PLANS)
    qtbot.waitUntil(lambda: plans.controller.ready)
    for which in (PlanFilter.INCOMPLETE, PlanFilter.NO_PLAN):
        plans.filter.setCurrentIndex(plans.filter.findData(which))
        QApplication.processEvents()
        _clean(walk(window), f"plans: {which.label}")
    window.workspace.open_record("plan", plans.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, PlanPage))
    plan = window.workspace.record_page
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    desk.idle(qtbot)
    _clean(walk(window), "administrator's plan editor")
