"""No two controls share an Alt+letter where both answer to it: the window's menus, the
tabs shown and the buttons on the page, and each menu's items — walked for every page of
the worker, the carer record with each of its tabs, the plan, and the operator's line with
a plan on screen. (Alt+Y opened the Sync menu instead of the carer's Payments tab.)"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carer_desk.roles import Area
from tests.ui.conftest import Desk, press, type_into
from tests.ui.line_office import ready_card
from tests.ui.mnemonics import clashes, mnemonic
from ui.controllers.window import Place
from ui.views.carer_page import CarerPage


def _none(desk: Desk, where: str) -> None:
    QApplication.processEvents()
    found = clashes(desk.window)
    assert not found, f"{where}: " + "; ".join(str(c) for c in found)


def test_the_mnemonic_reader():
    assert mnemonic("Pa&yments") == "y"
    assert mnemonic("Pla&n && card") == "n"
    assert mnemonic("Plan && card") is None
    assert mnemonic("&File") == "f"


def _every_area(desk: Desk, qtbot, *, tabs: bool = False) -> None:
    """Each work area in turn, checked; with ``tabs``, each tab of a page that has them
    (the reports' and the office's own)."""
    from PySide6.QtWidgets import QTabWidget

    window = desk.window
    for area in window.workspace.areas:
        window.go(Place(area))
        desk.idle(qtbot)
        _none(desk, f"page {area.value}")
        page_tabs = getattr(window.workspace.page_for(area), "tabs", None)
        if tabs and isinstance(page_tabs, QTabWidget):
            for index in range(page_tabs.count()):
                page_tabs.setCurrentIndex(index)
                desk.idle(qtbot)
                _none(desk, f"page {area.value}, tab {page_tabs.tabText(index)}")


def test_the_worker_has_one_control_per_letter_everywhere(worker: Desk, qtbot):
    window = worker.window
    _every_area(worker, qtbot)
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
        worker.idle(qtbot)
        _none(worker, f"carer tab {record.tabs.tabText(index)}")


def test_alt_y_is_the_payments_tab_not_the_sync_menu(worker: Desk, qtbot):
    window = worker.window
    page = window.workspace.page_for(Area.CASELOAD)
    window.workspace.open_record("carer", page.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
    record = window.workspace.record_page
    qtbot.waitUntil(lambda: record.tabs.count() == 6)
    worker.idle(qtbot)
    payments = next(i for i in range(record.tabs.count()) if "Pay" in record.tabs.tabText(i))
    letter = mnemonic(record.tabs.tabText(payments))
    assert letter is not None
    record.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    press(window, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: record.tabs.currentIndex() == payments, timeout=5_000)
    assert not window.sync_menu.isVisible()


def test_the_operator_has_one_control_per_letter_on_a_call(operator: Desk, qtbot):
    _none(operator, "the look-up")
    found = ready_card(operator.launcher.demo_office())
    page = operator.window.workspace.page_for(Area.LOOKUP)
    type_into(page.number, found.card.number)
    press(page.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    operator.idle(qtbot)
    _none(operator, "a plan on screen")


def test_the_plan_editor_and_a_conversation_have_one_control_per_letter(worker: Desk, qtbot):
    from tests.ui.test_conversation import adult_carer_id, choose, start_conversation
    from ui.views.plan_page import PlanPage

    window = worker.window
    window.go(Place(Area.CARDS))
    worker.idle(qtbot)
    queue = window.workspace.page_for(Area.CARDS)
    qtbot.waitUntil(lambda: queue.controller.ready)
    window.workspace.open_record("plan", queue.controller.carer_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, PlanPage))
    plan = window.workspace.record_page
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    worker.idle(qtbot)
    _none(worker, "plan editor")

    page = start_conversation(qtbot, worker, adult_carer_id(worker, qtbot))
    choose(page, "crisis", True)
    for index in range(page.stages.count()):
        page.stages.setCurrentIndex(index)
        worker.idle(qtbot)
        _none(worker, f"conversation stage {page.stages.tabText(index)}")


def test_the_facilitator_has_one_control_per_letter(facilitator: Desk, qtbot):
    from ui.views.group_page import GroupPage
    from ui.views.register_page import RegisterPage

    window = facilitator.window
    groups = window.workspace.page_for(Area.GROUPS)
    qtbot.waitUntil(lambda: groups.controller.ready)
    facilitator.idle(qtbot)
    _none(facilitator, "groups")
    window.workspace.open_record("group", groups.controller.group_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, GroupPage))
    facilitator.idle(qtbot)
    group = window.workspace.record_page
    for index in range(group.tabs.count()):
        group.tabs.setCurrentIndex(index)
        facilitator.idle(qtbot)
        _none(facilitator, f"group tab {group.tabs.tabText(index)}")
    window.workspace.open_record("session", group.controller.session_id_at(0))
    qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, RegisterPage))
    facilitator.idle(qtbot)
    register = window.workspace.record_page
    register.open_newcomer()
    facilitator.idle(qtbot)
    _none(facilitator, "register with the newcomer form")


def test_the_service_manager_has_one_control_per_letter_on_every_page(manager: Desk, qtbot):
    _every_area(manager, qtbot, tabs=True)
