"""The window's own logic: its title, which work areas the role is offered, and where the
person was when the window locked (ids only), so unlocking returns there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from carer_desk.environment import OpenDesk
from carer_desk.roles import EDITS_CARERS, SYNCS_RECORDS, Area, areas_for, home_for
from ui.context import AppContext

AREA_LABELS = {
    Area.CASELOAD: "My caseload",
    Area.REVIEWS: "Reviews due",
    Area.PLANS: "Plans",
    Area.CARDS: "Cards",
    Area.GROUPS: "Groups",
    Area.REQUESTS: "Requests to decide",
    Area.PAYMENTS: "Payments to make",
    Area.LOOKUP: "Card look-up",
    Area.REPORTS: "Reports",
    Area.ADMIN: "Users and laptops",
    Area.SYNC: "Sync problems",
}


# The work area each kind of record page belongs to: a role without the area never opens
# the page (a facilitator never sees a carer's record, only the register fields).
RECORD_AREAS: dict[str, tuple[Area, ...]] = {
    "carer": (Area.CASELOAD,),
    "group": (Area.GROUPS,),
    "session": (Area.GROUPS,),
    "conversation": (Area.CASELOAD,),
    # A carer's emergency plan and cards: from the caseload, the plans under review or
    # the print queue (the card administrator has the last two only).
    "plan": (Area.CASELOAD, Area.PLANS, Area.CARDS),
}


@dataclass(frozen=True)
class Place:
    """Where the person is: a work area, and maybe one record open on a tab."""

    area: Area
    record_kind: str | None = None
    record_id: str | None = None
    tab: str | None = None

    def with_tab(self, tab: str) -> Place:
        return replace(self, tab=tab)


@dataclass(frozen=True)
class Chrome:
    """Which of the window's actions and bars are offered now (only what the role may do,
    never a greyed-out temptation)."""

    actions: frozenset[str]
    toolbar: bool
    search: bool
    records_menu: bool
    sync_menu: bool


ALWAYS = frozenset({"quit", "help", "about", "large-text"})


class WindowController(QObject):
    title_changed = Signal(str)

    def __init__(self, ctx: AppContext, available: Iterable[Area], parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.available = frozenset(available)
        self.place: Place | None = None  # kept across a lock: ids only, no contents
        self._restore: Place | None = None
        ctx.hub.unlocked.connect(self._unlocked)
        ctx.hub.locking.connect(self._locking)
        ctx.hub.locked.connect(lambda: self.title_changed.emit(self.title(None)))

    def title(self, desk: OpenDesk | None) -> str:
        demo = " · DEMO (invented people)" if self.ctx.env.demo else ""
        if desk is None or desk.identity is None:
            return f"Carer Desk{demo}"
        who = desk.identity
        team = f" ({who.team_label} team)" if who.team_label else ""
        return f"Carer Desk — {who.username}{team}{demo}"

    def areas(self, desk: OpenDesk) -> list[Area]:
        """The role's areas that this window has screens for, in the role's order."""
        return [a for a in areas_for(desk.role) if a in self.available]

    def home(self, desk: OpenDesk) -> Place:
        areas = self.areas(desk)
        home = home_for(desk.role)
        return Place(home if home in areas else areas[0])

    def locked_chrome(self) -> Chrome:
        actions = set(ALWAYS)
        if self.ctx.env.demo:
            actions.add("switch-demo")
        return Chrome(frozenset(actions), False, False, False, False)

    def unlocked_chrome(self, desk: OpenDesk) -> Chrome:
        areas = set(self.areas(desk))
        caseload = Area.CASELOAD in areas
        edits = desk.role in EDITS_CARERS
        enrolled = desk.identity is not None and desk.role in SYNCS_RECORDS
        actions = set(ALWAYS) | {"lock", "settings", "save"}
        if caseload:
            actions.add("find")
        if edits:
            actions.add("new-carer")
        if enrolled:
            actions.add("sync")
            if Area.SYNC in areas:
                actions.add("problems")
        return Chrome(
            actions=frozenset(actions),
            toolbar=caseload or edits,
            search=caseload,
            records_menu=caseload or edits,
            sync_menu=enrolled,
        )

    def may_open(self, desk: OpenDesk, kind: str) -> bool:
        """May this person open a record of ``kind`` as a page?"""
        mine = self.areas(desk)
        return any(area in mine for area in RECORD_AREAS.get(kind, ()))

    def label(self, area: Area) -> str:
        return AREA_LABELS[area]

    def arrived(self, place: Place) -> None:
        self.place = place

    def _locking(self) -> None:
        self._restore = self.place

    def _unlocked(self, desk: OpenDesk) -> None:
        self.title_changed.emit(self.title(desk))

    def first_place(self, desk: OpenDesk) -> Place:
        """After unlock: where the person was, if their role still has it; else home."""
        restore, self._restore = self._restore, None
        if restore is not None and restore.area in self.areas(desk):
            return restore
        return self.home(desk)
