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
    place = {
        SessionFormat.IN_PERSON: session.venue or "",
        SessionFormat.ONLINE: "Online",
        SessionFormat.HYBRID: f"{session.venue or ''} and online".strip(),
    }[session.format]
    return place


class GroupColumn(IntEnum):
    NAME = 0
    KIND = 1
    FORMAT = 2
    VENUE = 3
    TOWN = 4
    NEXT = 5


class GroupsModel(RowsModel[GroupRow]):
    HEADERS = ("Group", "For", "Meets", "Venue", "Town", "Next session")

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
    FORMAT = 1
    WHERE = 2
    REGISTER = 3


class SessionsModel(RowsModel[SessionRow]):
    HEADERS = ("When", "Meets", "Where", "Register")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.session.id, parent)

    def text(self, row: SessionRow, column: int, *, spoken: bool) -> str:
        s = row.session
        match SessionColumn(column):
            case SessionColumn.WHEN:
                return when(s)
            case SessionColumn.FORMAT:
                return s.format.label
            case SessionColumn.WHERE:
                return where(s) or ("no venue given" if spoken else "")
            case SessionColumn.REGISTER:
                if not row.marked:
                    return "Not taken yet"
                return f"{row.present} here, {row.marked - row.present} not here"
        return ""
