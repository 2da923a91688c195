"""Checks a pushed payload must pass before the server stores it.

The shape checks here are what routing and authorisation rely on (the link fields that
say whose record it is). The payload is then decoded into its domain record by the core's
codec, so the server refuses exactly what a laptop would refuse, with the same
field-by-field messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.records.codec import from_payload
from sync.protocol import ProjectionKind, RecordKind

log = logging.getLogger(__name__)

#: The field holding the id of the record each kind belongs to (checked present).
LINK_FIELDS: dict[str, tuple[str, ...]] = {
    RecordKind.CONVERSATION: ("carer_id",),
    RecordKind.PAYMENT_REQUEST: ("carer_id",),
    RecordKind.PLAN: ("carer_id",),
    RecordKind.CARD: ("carer_id", "plan_id", "number"),
    RecordKind.SESSION: ("group_id",),
    RecordKind.ATTENDANCE: ("session_id", "carer_id"),
    RecordKind.GROUP_MEMBER: ("group_id", "carer_id"),
}

_KNOWN_KINDS = frozenset(str(k) for k in RecordKind)


def check_kind(kind: str) -> None:
    if kind in {str(k) for k in ProjectionKind}:
        raise ValidationError([("kind", f"{kind} is a read-only view and cannot be pushed")])
    if kind not in _KNOWN_KINDS:
        known = ", ".join(sorted(_KNOWN_KINDS))
        raise ValidationError([("kind", f"unknown record kind {kind!r}; expected one of {known}")])


def check_payload(kind: str, record_id: str, payload: Mapping[str, Any] | None) -> None:
    """Raise :class:`ValidationError` naming every problem with this payload."""
    if payload is None:
        raise ValidationError([("payload", "an upsert needs the record's payload")])
    problems: list[tuple[str, str]] = []
    if "id" in payload and payload["id"] != record_id:
        problems.append(("id", f"does not match the record id {record_id}"))
    for name in LINK_FIELDS.get(kind, ()):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append((name, "is required"))
    if kind == RecordKind.DUPLICATE_DECISION:
        # Routing reads both carers' teams (authorisation needs both in the caseload).
        ids = payload.get("carer_ids")
        if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
            problems.append(("carer_ids", "must list the ids of the two carers"))
    if kind == RecordKind.PAYMENT_REQUEST:
        amount = payload.get("amount_pence")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            problems.append(("amount_pence", "must be a whole number of pence above 0"))
    if problems:
        raise ValidationError(problems)
    try:
        from_payload(kind, {**payload, "id": record_id})
    except ValidationError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # The codec names bad fields itself; anything else is still the payload's fault.
        raise ValidationError([("", f"the {kind} record is malformed: {exc}")]) from None
