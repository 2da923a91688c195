"""The Groups work area's logic: the groups on this laptop (general and condition-specific,
in person, online or hybrid) with each one's next session, kept current when a group or a
session changes here or arrives by sync."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.roles import KEEPS_GROUPS
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.groups_model import GroupRow, GroupsModel
from ui.operations import QueryOp

#: What a change must touch for the list to be read again.
GROUP_KINDS = ("group", "session")


def group_rows(session: DeskSession, today: date) -> list[GroupRow]:
    """Every group held here, running ones first, each with its next session (today's
    included). On the vault lane: groups and sessions only, no carer is read."""
    rows = []
    for group in session.groups.groups(active_only=False):
        upcoming = [s for s in session.groups.sessions(group.id) if s.on >= today]
        first = upcoming[0] if upcoming else None
        rows.append(GroupRow(group, first, today=first is not None and first.on == today))
    return sorted(rows, key=lambda r: not r.group.active)


class GroupsController(QObject):
    loaded = Signal(int)  # how many groups

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session: DeskSession = desk.session
        #: Adding and editing groups is offered only to the roles that keep them.
        self.keeps_groups = desk.role in KEEPS_GROUPS
        self.model = GroupsModel(self)
        self.ready = False
        ctx.hub.changes_applied.connect(self._changes)

    def load(self) -> None:
        today = self.session.clock.today()
        QueryOp(self.ctx.runner, self.session, lambda s: group_rows(s, today)).success(
            self._rows
        ).busy("Opening the groups…").run()

    def _rows(self, rows: list[GroupRow]) -> None:
        self.ready = True
        self.model.set_rows(rows)
        self.loaded.emit(len(rows))

    def _changes(self, changes: Changes) -> None:
        if self.ready and changes.touches(*GROUP_KINDS):
            self.load()

    # --- what the page says and opens --------------------------------------------------

    def empty_sentence(self) -> str:
        if self.keeps_groups:
            return (
                "No groups on this laptop yet — add one with “New group”, or sync (F5) to "
                "fetch the groups you run."
            )
        return (
            "No groups on this laptop. Groups are kept by their facilitators; sync (F5) "
            "brings any the office shares with you."
        )

    def count_sentence(self) -> str:
        rows = self.model.rows()
        running = sum(1 for r in rows if r.group.active)
        stopped = len(rows) - running
        text = f"{running} group{'s' if running != 1 else ''} meeting"
        return text + (f", {stopped} stopped" if stopped else "")

    def group_id_at(self, row: int) -> str | None:
        found = self.model.row_at(row)
        return found.group.id if found else None

    def next_session_at(self, row: int) -> str | None:
        found = self.model.row_at(row)
        return found.next_session.id if found and found.next_session else None
