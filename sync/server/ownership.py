"""Who owns a record: the clear routing columns (:class:`Ownership`) a pushed payload
gives it, worked out from the routes in the table of record kinds
(:mod:`carer_desk.records.kinds`).

A record finds its team through a route (its own ``team`` field, its carer's team, or
the team both carers of a duplicate decision share) and its group likewise (it is the
group, or names the group, or names a session of it). Linked records are looked up
through a :class:`RecordLookup`: the push's working set, which sees the records written
earlier in the same push.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from carer_desk.records.kinds import (
    GROUP_ROUTE_FIELDS,
    KIND_TABLE,
    TEAM_ROUTE_FIELDS,
    GroupRoute,
    RecordKind,
    TeamRoute,
)
from sync.server.store import Ownership, StoredRecord


class RecordLookup(Protocol):
    def get(self, record_id: str) -> StoredRecord | None: ...

    def lookup_key(self, value: str) -> str: ...

    def other_with_lookup(self, kind: str, lookup: str, record_id: str) -> StoredRecord | None: ...

    def first_author(self, record_id: str) -> str | None: ...

    def records_for_carer(self, kind: str, carer_id: str) -> list[StoredRecord]: ...


@dataclass(frozen=True)
class Routed:
    ownership: Ownership
    group_owner: str | None  # the facilitator of the group it belongs to, if any


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _of_kind(record: StoredRecord | None, kind: str) -> StoredRecord | None:
    return record if record is not None and record.kind == kind else None


def route(kind: str, record_id: str, payload: Mapping[str, Any], records: RecordLookup) -> Routed:
    """The ownership this payload gives the record, and the owner of its group."""
    spec = KIND_TABLE[kind]
    team = carer_id = group_id = owner = lookup = group_owner = None
    if spec.team_route is TeamRoute.OWN_FIELD:
        team = _text(payload.get(TEAM_ROUTE_FIELDS[spec.team_route]))
        carer_id = record_id
    elif spec.team_route is TeamRoute.CARER:
        carer_id = str(payload.get(TEAM_ROUTE_FIELDS[spec.team_route]))
        carer = _of_kind(records.get(carer_id), RecordKind.CARER)
        team = carer.ownership.team if carer else None
    elif spec.team_route is TeamRoute.BOTH_CARERS:
        # Owned by a team only when both carers are that team's: a worker may decide a
        # pair within their caseload, and only they (and admins) pull the decision.
        teams = set()
        for linked in payload.get(TEAM_ROUTE_FIELDS[spec.team_route]) or ():
            carer = _of_kind(records.get(str(linked)), RecordKind.CARER)
            teams.add(carer.ownership.team if carer else None)
        team = teams.pop() if len(teams) == 1 else None
    if spec.group_route is GroupRoute.OWN:
        group_id = record_id
        owner = group_owner = _text(payload.get(GROUP_ROUTE_FIELDS[spec.group_route]))
    elif spec.group_route is GroupRoute.GROUP:
        group_id = str(payload.get(GROUP_ROUTE_FIELDS[spec.group_route]))
        group = _of_kind(records.get(group_id), RecordKind.GROUP)
        group_owner = group.ownership.owner if group else None
    elif spec.group_route is GroupRoute.SESSION:
        session = _of_kind(
            records.get(str(payload.get(GROUP_ROUTE_FIELDS[spec.group_route]))),
            RecordKind.SESSION,
        )
        group_id = session.ownership.group_id if session else None
        group = _of_kind(records.get(group_id), RecordKind.GROUP) if group_id else None
        group_owner = group.ownership.owner if group else None
    if spec.lookup_field is not None and isinstance(payload.get(spec.lookup_field), str):
        lookup = records.lookup_key(payload[spec.lookup_field])
    return Routed(Ownership(team, carer_id, group_id, owner, lookup), group_owner)


def group_owner_of(record: StoredRecord | None, records: RecordLookup) -> str | None:
    """The facilitator of the group a stored record belongs to."""
    if record is None or not record.ownership.group_id:
        return None
    group = records.get(record.ownership.group_id)
    return group.ownership.owner if group else None


def linked_ids(kind: str, payload: Mapping[str, Any] | None) -> list[str]:
    """The ids of the records this payload's routes name (to read them up front)."""
    spec = KIND_TABLE.get(kind)
    if spec is None or payload is None:
        return []
    ids: list[Any] = []
    if spec.team_route is TeamRoute.CARER:
        ids.append(payload.get(TEAM_ROUTE_FIELDS[spec.team_route]))
    elif spec.team_route is TeamRoute.BOTH_CARERS:
        linked = payload.get(TEAM_ROUTE_FIELDS[spec.team_route])
        ids.extend(linked if isinstance(linked, list) else ())
    if spec.group_route in (GroupRoute.GROUP, GroupRoute.SESSION):
        ids.append(payload.get(GROUP_ROUTE_FIELDS[spec.group_route]))
    return [i for i in ids if isinstance(i, str)]
