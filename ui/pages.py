"""The work areas' pages and the record pages, built with their controllers.

Imported at the first unlock (not at start-up): these pull in the services, the forms
and the renderers behind them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from carer_desk.roles import RECEIVES_RECORDS, SENDS, Area
from carer_desk.services.caseload import CaseloadFilter
from ui.context import AppContext
from ui.controllers.approvals import ApprovalsController
from ui.controllers.carer import CarerController
from ui.controllers.caseload import CaseloadController
from ui.controllers.conflicts import ConflictsController
from ui.controllers.conversation import ConversationController
from ui.controllers.group import GroupController
from ui.controllers.groups import GroupsController
from ui.controllers.plan import PlanController
from ui.controllers.print_queue import PrintQueueController
from ui.controllers.register import RegisterController
from ui.views.approvals_page import ApprovalsPage
from ui.views.carer_page import CarerPage
from ui.views.caseload_page import CaseloadPage
from ui.views.conversation_page import ConversationPage
from ui.views.group_page import GroupPage
from ui.views.groups_page import GroupsPage
from ui.views.plan_page import PlanPage
from ui.views.print_queue_page import PrintQueuePage
from ui.views.register_page import RegisterPage
from ui.views.sync_page import SyncPage
from ui.views.workspace import Workspace

CASELOAD_TITLES = {
    Area.CASELOAD: ("My caseload", None),
    Area.REVIEWS: ("Reviews due", CaseloadFilter.REVIEW_DUE),
}


def area_page(
    ctx: AppContext, conflicts: ConflictsController, area: Area, ws: Workspace
) -> QWidget:
    if area in CASELOAD_TITLES:
        title, preset = CASELOAD_TITLES[area]
        controller = CaseloadController(ctx, preset=preset)
        page = CaseloadPage(
            controller,
            title,
            lambda carer_id: ws.open_record("carer", carer_id, None),
            parent=ws,
        )
        controller.setParent(page)
        return page
    if area is Area.GROUPS:
        groups = GroupsController(ctx)
        groups_page = GroupsPage(
            groups,
            open_group=lambda group_id: ws.open_record("group", group_id, None),
            open_session=lambda session_id: ws.open_record("session", session_id, None),
            parent=ws,
        )
        groups.setParent(groups_page)
        return groups_page
    if area is Area.REQUESTS:
        return _approvals_page(ctx, ws)
    if area is Area.PAYMENTS:
        return _payments_to_make_page(ctx, ws)
    if area is Area.CARDS:
        queue = PrintQueueController(ctx)
        queue_page = PrintQueuePage(
            queue, open_plan=lambda carer_id: ws.open_record("plan", carer_id, None), parent=ws
        )
        queue.setParent(queue_page)
        return queue_page
    if area is Area.PLANS:
        return _plans_page(ctx, ws)
    if area is Area.SYNC:
        role = ctx.open_desk().role
        sends = None if role in RECEIVES_RECORDS else SENDS.get(role, ("change", "changes"))
        sync_page = SyncPage(conflicts, parent=ws, opens=ws.opens(), sends=sends)
        sync_page.open_record.connect(lambda kind, rid: ws.open_record(kind, rid, None))
        conflicts.load()
        return sync_page
    if area is Area.LOOKUP:
        return _line_page(ctx, ws)
    if area in (Area.REPORTS, Area.ADMIN):
        return _office_page(ctx, area, ws)
    raise KeyError(area)


def _office_page(ctx: AppContext, area: Area, ws: Workspace) -> QWidget:
    """The service manager's office screens: reports, and users, laptops and settings."""
    if area is Area.REPORTS:
        from ui.controllers.reports import ReportsController
        from ui.views.reports_page import ReportsPage

        reports = ReportsController(ctx)
        page: QWidget = ReportsPage(
            reports,
            open_carer=lambda carer_id: ws.open_record("carer", carer_id, None),
            parent=ws,
        )
        reports.setParent(page)
        return page
    from ui.controllers.admin import AdminController
    from ui.views.admin_page import AdminPage

    admin = AdminController(ctx)
    page = AdminPage(admin, parent=ws)
    admin.setParent(page)
    return page


def _plans_page(ctx: AppContext, ws: Workspace) -> QWidget:
    from ui.controllers.plans import PlansController
    from ui.views.plans_page import PlansPage

    plans = PlansController(ctx)
    page = PlansPage(
        plans, open_plan=lambda carer_id: ws.open_record("plan", carer_id, None), parent=ws
    )
    plans.setParent(page)
    return page


def _line_page(ctx: AppContext, ws: Workspace) -> QWidget:
    from ui.controllers.line import LineController
    from ui.views.line_page import LinePage

    line = LineController(ctx)
    line_page = LinePage(line, parent=ws)
    line.setParent(line_page)
    return line_page


def record_page(
    ctx: AppContext,
    kind: str,
    ws: Workspace,
    record_id: str,
    tab: str | None,
    existing: QWidget | None = None,
) -> QWidget:
    """The page for one record: ``existing`` (the page shown last time, kept while the
    window is unlocked) is bound to the new record instead of being built again. A
    group's and a session's pages are light: built for each one (never kept)."""
    if kind == "group":
        return _group_page(ctx, ws, record_id)
    if kind == "session":
        return _register_page(ctx, ws, record_id)
    if kind == "conversation":
        return _conversation_page(ctx, ws, record_id)
    if kind == "plan":
        return _plan_page(ctx, ws, record_id, existing)
    if kind != "carer":
        raise KeyError(kind)
    page = existing if isinstance(existing, CarerPage) else empty_record_page(ctx, kind, ws)
    page.bind(CarerController(ctx, record_id), tab)
    return page


def empty_record_page(ctx: AppContext, kind: str, ws: Workspace) -> CarerPage:
    """A record page bound to nothing yet (built ahead, while the person reads the list)."""
    if kind != "carer":
        raise KeyError(kind)
    return CarerPage(
        back=ws.back,
        open_carer=lambda carer_id: ws.open_record("carer", carer_id, None),
        tab_changed=ws.tab_changed,
        card_group_size=ctx.env.settings.cards.group_size,
        open_plan=lambda carer_id: ws.open_record("plan", carer_id, None),
        parent=ws,
    )


def _group_page(ctx: AppContext, ws: Workspace, group_id: str) -> QWidget:
    controller = GroupController(ctx, group_id)
    page = GroupPage(
        controller,
        back=ws.back,
        open_session=lambda session_id: ws.open_record("session", session_id, None),
        open_group=lambda new_id: ws.open_record("group", new_id, None),
        parent=ws,
    )
    controller.setParent(page)
    return page


def _payments_to_make_page(ctx: AppContext, ws: Workspace) -> QWidget:
    from ui.controllers.payments_to_make import PaymentsToMakeController
    from ui.views.payments_to_make_page import PaymentsToMakePage

    to_pay = PaymentsToMakeController(ctx)
    page = PaymentsToMakePage(to_pay, parent=ws)
    to_pay.setParent(page)
    return page


def _approvals_page(ctx: AppContext, ws: Workspace) -> QWidget:
    approvals = ApprovalsController(ctx)
    page = ApprovalsPage(approvals, parent=ws)
    approvals.setParent(page)
    return page


def _register_page(ctx: AppContext, ws: Workspace, session_id: str) -> QWidget:
    controller = RegisterController(ctx, session_id)

    def back() -> None:
        # Back to the session's group (or the groups, if it did not open).
        group_id = controller.group_id
        if group_id:
            ws.open_record("group", group_id, None)
        else:
            ws.back()

    page = RegisterPage(controller, back=back, parent=ws)
    controller.setParent(page)
    return page


def _conversation_page(ctx: AppContext, ws: Workspace, conversation_id: str) -> QWidget:
    controller = ConversationController(ctx, conversation_id)

    def back() -> None:
        # Back to the carer's conversations (or the list, if it did not open).
        carer_id = controller.carer_id
        if carer_id:
            ws.open_record("carer", carer_id, "conversations")
        else:
            ws.back()

    page = ConversationPage(controller, back=back, parent=ws)
    controller.setParent(page)
    return page


def _plan_page(ctx: AppContext, ws: Workspace, carer_id: str, existing: QWidget | None) -> QWidget:
    """A carer's plan and cards (opened by the carer's id), on the page kept from the
    last plan opened when there is one."""
    controller = PlanController(ctx, carer_id)

    def back() -> None:
        # Back to the list it was opened from (plans, print queue), else to the carer's
        # record (and there is no carer's record for a role without the caseload).
        place = ws.window_controller.place
        if (place is not None and place.area in (Area.CARDS, Area.PLANS)) or (
            "carer" not in ws.opens()
        ):
            ws.back()
        else:
            ws.open_record("carer", carer_id, "plan")

    page = existing if isinstance(existing, PlanPage) else PlanPage(parent=ws)
    page.bind(controller, back)
    return page
