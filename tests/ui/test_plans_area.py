"""The Plans work area and the card and plan administrator, driven as a person would over
a real vault and the real demo office: the administrator's window offers only Plans,
Cards and Sync problems and opens on Plans; the lists (overdue, due soon, incomplete with
what is missing, no plan, cards waiting) agree with the core's rules; the keyboard moves
through the list and Enter opens the plan editor; a review marked in the editor reaches
the office and the list redraws; and a lock leaves nothing of it behind."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from carer_desk.ports import SyncState
from carer_desk.records.plan import plan_gaps
from carer_desk.roles import Area, Role
from carer_desk.services.caseload import PlanState
from carer_desk.services.plan_reviews import PlanFilter
from tests.ui.conftest import Desk, _demo_person, on_vault, press, visible_texts
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.operations import CoreOp
from ui.views.plan_page import PlanPage
from ui.views.plans_page import PlansPage


@pytest.fixture
def administrator(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's card and plan administrator, set up and unlocked, with three plans in
    place whose review dates have come round (the demo's plans were all written lately):
    two overdue, one due within the reminder window."""
    for desk in _demo_person(qtbot, tmp_path, "cards"):
        _reviews_come_round(desk, qtbot)
        yield desk


def _reviews_come_round(desk: Desk, qtbot) -> None:
    """Review dates moved as the plan editor would move them: an edit on the vault lane
    whose Changes are broadcast to every screen."""

    def edit(s) -> None:
        today = s.clock.today()
        in_place = [r for r in s.caseload.link() if r.plan_state is PlanState.IN_PLACE]
        for row, days in zip(in_place, (-40, -10, 7), strict=False):
            plan = s.plans.find_for_carer(row.carer_id)
            s.plans.update(replace(plan, review_date=today + timedelta(days=days)))

    box: list = []
    session = desk.shell.ctx.open_desk().session
    CoreOp(desk.shell.runner, session, edit).success(box.append).failure(box.append).run()
    qtbot.waitUntil(lambda: bool(box))
    desk.idle(qtbot)


def _plans_page(desk: Desk, qtbot) -> PlansPage:
    desk.window.go(Place(Area.PLANS))
    page = desk.window.workspace.page_for(Area.PLANS)
    assert isinstance(page, PlansPage)
    qtbot.waitUntil(lambda: page.controller.ready)
    desk.idle(qtbot)
    return page


def _choose(page: PlansPage, which: PlanFilter) -> None:
    page.filter.setFocus()
    page.filter.setCurrentIndex(page.filter.findData(which))


def _shown(page: PlansPage):
    return page.controller.model.rows()


def test_the_administrator_sees_only_plans_cards_and_sync_and_opens_on_plans(
    administrator: Desk, qtbot
):
    window = administrator.window
    assert administrator.shell.ctx.open_desk().role is Role.CARD_ADMINISTRATOR
    nav = window.workspace.nav
    labels = [nav.item(i).text() for i in range(nav.count())]
    assert labels == ["Plans", "Cards", "Sync problems"]
    assert window.workspace.current_page() is window.workspace.page_for(Area.PLANS)
    assert not window.search.isVisible()  # no caseload search, no "new carer"
    assert window.workspace.opens() == frozenset({"plan"})
    # Their laptop holds carers, plans and cards: no conversation, payment or group.
    held = on_vault(
        administrator,
        qtbot,
        lambda s: {
            kind: sum(1 for _ in s.store.iter_kind(kind))
            for kind in ("carer", "plan", "card", "conversation", "payment_request", "group")
        },
    )
    assert held["carer"] > 0 and held["plan"] > 0 and held["card"] > 0
    assert held["conversation"] == held["payment_request"] == held["group"] == 0
    page = _plans_page(administrator, qtbot)
    texts = "\n".join(visible_texts(page))
    assert "overdue for review" in texts and "without a plan" in texts


def test_each_list_agrees_with_the_plans_own_rules_and_names_what_is_missing(
    administrator: Desk, qtbot
):
    page = _plans_page(administrator, qtbot)
    plans = on_vault(
        administrator,
        qtbot,
        lambda s: {p["carer_id"]: p for _id, p in s.store.iter_kind("plan")},
    )
    _choose(page, PlanFilter.INCOMPLETE)
    incomplete = _shown(page)
    assert incomplete, "the demo office holds incomplete plans"
    for row in incomplete:
        assert row.state is PlanState.INCOMPLETE
        assert row.missing == plan_gaps(plans[row.carer_id])  # the core's own words
    page.table.setFocus()
    page.table.selectRow(0)
    detail = page.detail.text()
    assert "Still needs:" in detail and incomplete[0].missing[0] in detail
    assert incomplete[0].missing[0].split(" ")[0] in page.controller.model.index(0, 4).data()

    _choose(page, PlanFilter.NO_PLAN)
    assert all(r.state is PlanState.NONE and r.carer_id not in plans for r in _shown(page))
    _choose(page, PlanFilter.OVERDUE)
    # Were this list empty, its sentence would name it (the box gives back plain text).
    assert PlanFilter.OVERDUE.label in page.controller.empty_sentence()
    overdue = _shown(page)
    assert overdue and all(r.state is PlanState.OVERDUE for r in overdue)
    dates = [r.review_date for r in overdue]
    assert dates == sorted(dates)  # the longest overdue first
    _choose(page, PlanFilter.CARDS_WAITING)
    queue = on_vault(administrator, qtbot, lambda s: s.print_queue.listed())
    assert {r.carer_id for r in _shown(page)} == {c.carer_id for c in queue}

    # Find by name, within the chosen list; an empty result says so.
    _choose(page, PlanFilter.ALL)
    name = _shown(page)[3].carer_name
    page.search.setText(name)
    assert [r.carer_name for r in _shown(page)] == [name]
    page.search.setText("Nobody Of That Name")
    assert page.states.currentWidget() is page.states.empty
    assert "Nobody Of That Name" in page.states.empty.text()


def test_the_keyboard_moves_through_the_list_and_enter_opens_the_plan_editor(
    administrator: Desk, qtbot
):
    page = _plans_page(administrator, qtbot)
    _choose(page, PlanFilter.OVERDUE)
    page.table.setFocus()
    page.table.selectRow(0)
    press(page.table, Qt.Key.Key_Down)
    second = page.controller.row_at(page.table.currentIndex().row())
    assert second is not None and second == _shown(page)[1]
    press(page.table, Qt.Key.Key_Return)
    ws = administrator.window.workspace
    qtbot.waitUntil(lambda: isinstance(ws.record_page, PlanPage))
    plan = ws.record_page
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    administrator.idle(qtbot)
    assert plan.controller.carer_id == second.carer_id
    assert plan.controller.editable  # the administrator keeps plans
    assert second.carer_name in plan.title.text()
    plan.back_button.click()
    assert ws.current_page() is page  # back to the list it was opened from


def test_a_review_marked_in_the_editor_reaches_the_office_and_the_list_redraws(
    administrator: Desk, qtbot
):
    page = _plans_page(administrator, qtbot)
    _choose(page, PlanFilter.OVERDUE)
    row = _shown(page)[0]
    ws = administrator.window.workspace
    ws.open_record("plan", row.carer_id)
    qtbot.waitUntil(lambda: isinstance(ws.record_page, PlanPage))
    plan = ws.record_page
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    administrator.idle(qtbot)
    plan.reviewed_button.click()
    administrator.idle(qtbot)
    plan.back_button.click()
    administrator.idle(qtbot)
    assert row.carer_id not in {r.carer_id for r in _shown(page)}  # no longer overdue
    _choose(page, PlanFilter.ALL)
    now = next(r for r in _shown(page) if r.carer_id == row.carer_id)
    assert now.state is PlanState.IN_PLACE and now.review_date > row.review_date
    # The office takes the administrator's change to a plan of any team.
    plan_id = plan.controller.plan.id
    administrator.window.sync_action.trigger()
    administrator.idle(qtbot, timeout=60_000)

    def synced() -> bool:
        state = on_vault(administrator, qtbot, lambda s: s.store.meta(plan_id).sync_state)
        return state is SyncState.SYNCED

    qtbot.waitUntil(synced, timeout=60_000)


def test_a_lock_leaves_nothing_of_the_plans_behind(administrator: Desk, qtbot):
    page = _plans_page(administrator, qtbot)
    _choose(page, PlanFilter.ALL)
    names = [r.carer_name for r in _shown(page)[:20]]
    controller = page.controller
    administrator.window.lock_action.trigger()
    administrator.at(qtbot, Gate.UNLOCK)
    assert controller.model.rowCount() == 0 and controller._all == []
    texts = "\n".join(visible_texts())
    assert not any(name in texts for name in names)


def test_a_worker_has_the_plans_of_their_caseload(worker: Desk, qtbot):
    page = _plans_page(worker, qtbot)
    _choose(page, PlanFilter.ALL)
    rows = on_vault(worker, qtbot, lambda s: s.caseload.rows())
    assert {r.carer_id for r in _shown(page)} == {r.carer_id for r in rows}
