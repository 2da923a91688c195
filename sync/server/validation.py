"""Checks a pushed payload must pass before the server stores it.

The shape checks here are what routing and authorisation rely on: the fields that say
whose record it is, from the table of record kinds (:mod:`carer_desk.records.kinds`), and
the per-kind payload rules (:mod:`sync.server.kind_rules`). The payload is then decoded
into its domain record by the core's codec, so the server refuses exactly what a laptop
would refuse, with the same field-by-field messages.

Nothing here reads the database, so the push pipeline runs these checks before it takes
the writers' lock, where several server processes can run them side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.records.codec import from_payload
from carer_desk.records.kinds import KIND_TABLE, TEAM_ROUTE_FIELDS, TeamRoute, View
from carer_desk.records.plausible_dates import check_not_after
from sync.server.kind_rules import PAYLOAD_RULES
from sync.server.service_day import service_today

log = logging.getLogger(__name__)

_VIEWS = frozenset(str(v) for v in View)


def check_kind(kind: str) -> None:
    if kind in _VIEWS:
        raise ValidationError([("kind", f"{kind} is a read-only view and cannot be pushed")])
    if kind not in KIND_TABLE:
        known = ", ".join(sorted(KIND_TABLE))
        raise ValidationError([("kind", f"unknown record kind {kind!r}; expected one of {known}")])


def check_payload(
    kind: str, record_id: str, payload: Mapping[str, Any] | None, today: date | None = None
) -> None:
    """Raise :class:`ValidationError` naming every problem with this payload, including
    any date the record declares may not lie in the future that is after ``today`` (the
    server's day; the core's one-day slack keeps laptops near midnight agreeing)."""
    if payload is None:
        raise ValidationError([("payload", "an upsert needs the record's payload")])
    spec = KIND_TABLE[kind]
    problems: list[tuple[str, str]] = []
    if "id" in payload and payload["id"] != record_id:
        problems.append(("id", f"does not match the record id {record_id}"))
    for name in spec.required_fields:
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append((name, "is required"))
    if spec.team_route is TeamRoute.BOTH_CARERS:
        # Routing reads both carers' teams (authorisation needs both in the caseload).
        name = TEAM_ROUTE_FIELDS[spec.team_route]
        ids = payload.get(name)
        if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
            problems.append((name, "must list the ids of the two carers"))
    for rule in PAYLOAD_RULES.get(kind, ()):
        problems.extend(rule(payload))
    if problems:
        raise ValidationError(problems)
    try:
        record = from_payload(kind, {**payload, "id": record_id})
    except ValidationError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # The codec names bad fields itself; anything else is still the payload's fault.
        raise ValidationError([("", f"the {kind} record is malformed: {exc}")]) from None
    # A date after today is refused as the laptop refuses it when the record is written
    # (a modified laptop, or one with its clock set ahead, cannot store one here).
    check_not_after(record, today if today is not None else service_today())
