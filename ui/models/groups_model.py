"""The groups screens' lists as Qt tables: the groups with their next session, and one
group's sessions with how far each register has been taken."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from carer_desk.formatting import iso_date
from carer_desk.records.groups import GroupSession, PeerGroup, SessionFormat
from ui.forms.group_form import format_time
from ui.models.rows_model import RowsModel


@dataclass(frozen=True)
class GroupRow:
    group: PeerGroup
    next_session: GroupSession | None  # the first on or after today
    today: bool = False  # the next session is today


@dataclass(frozen=True)
class SessionRow:
    session: GroupSession
    present: int  # marked present
    marked: int  # marked present or absent


def when(session: GroupSession) -> str:
    """ "2026-12-02 10:30": sortable in a table (DESIGN.md)."""
    return f"{iso_date(session.on)} {format_time(session.starts_at)}".strip()


def where(session: GroupSession) -> str:
    """Where it meets, the format in it: "Corn Exchange", "Online", "Corn Exchange and
    online"."""
    venue = session.venue or ""
    return {
        SessionFormat.IN_PERSON: venue,
        SessionFormat.ONLINE: "Online",
        SessionFormat.HYBRID: f"{venue} and online" if venue else "In person and online",
    }[session.format]


# What a facilitator looks for first comes first: a narrow window scrolls the rest.
class GroupColumn(IntEnum):
    NAME = 0
    NEXT = 1
    FORMAT = 2
    KIND = 3
    VENUE = 4
    TOWN = 5


class GroupsModel(RowsModel[GroupRow]):
    HEADERS = ("Group", "Next session", "Meets", "For", "Venue", "Town")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.group.id, parent)

    def text(self, row: GroupRow, column: int, *, spoken: bool) -> str:
        g = row.group
        match GroupColumn(column):
            case GroupColumn.NAME:
                return g.name
            case GroupColumn.KIND:
                return g.kind.label
            case GroupColumn.FORMAT:
                return g.format.label
            case GroupColumn.VENUE:
                return g.venue or ("no usual venue" if spoken else "")
            case GroupColumn.TOWN:
                return g.town or ("no town" if spoken else "")
            case GroupColumn.NEXT:
                if not g.active:
                    return "Stopped meeting"
                if row.next_session is None:
                    return "None planned"
                return when(row.next_session) + (" (today)" if row.today else "")
        return ""


class SessionColumn(IntEnum):
    WHEN = 0
    WHERE = 1  # the format in it ("… and online")
    REGISTER = 2


class SessionsModel(RowsModel[SessionRow]):
    HEADERS = ("When", "Where", "Register")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.session.id, parent)

    def text(self, row: SessionRow, column: int, *, spoken: bool) -> str:
        s = row.session
        match SessionColumn(column):
            case SessionColumn.WHEN:
                return when(s)
            case SessionColumn.WHERE:
                return where(s) or ("no venue given" if spoken else "")
            case SessionColumn.REGISTER:
                if not row.marked:
                    return "Not taken yet"
                return f"{row.present} here, {row.marked - row.present} not here"
        return ""
