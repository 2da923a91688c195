"""Peer-support groups, their sessions, members and attendance."""

from __future__ import annotations

from typing import Any

from carer_desk.factories.defaults import DAY, SIGNED_UP, with_defaults
from carer_desk.records.carer import Carer
from carer_desk.records.groups import Attendance, GroupMember, GroupSession, PeerGroup


def _id(record: Any) -> str:
    return record if isinstance(record, str) else record.id


def group(**changes: Any) -> PeerGroup:
    defaults = dict(
        name="Witney carers' coffee morning",
        town="Witney",
        venue="Witney Village Hall",
        facilitator="priya",
    )
    return PeerGroup(**with_defaults(defaults, changes))


def session(group: PeerGroup | str, **changes: Any) -> GroupSession:
    return GroupSession(**with_defaults({"group_id": _id(group), "on": DAY}, changes))


def member(group: PeerGroup | str, carer: Carer | str, **changes: Any) -> GroupMember:
    defaults = dict(group_id=_id(group), carer_id=_id(carer), joined_on=SIGNED_UP)
    return GroupMember(**with_defaults(defaults, changes))


def attendance(session: GroupSession | str, carer: Carer | str, **changes: Any) -> Attendance:
    return Attendance(
        **with_defaults({"session_id": _id(session), "carer_id": _id(carer)}, changes)
    )
