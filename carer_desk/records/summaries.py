"""What a list shows of each kind of record: the fields of its payload that the vault keeps
in the record's sealed *summary* beside the full payload (docs/security.md, "Record
summaries").

A summary is the payload cut down to :data:`LIST_FIELDS` (the same keys, the same
values, nested mappings cut down the same way), so code that reads a payload with
``payload.get(...)`` reads a summary unchanged. The caseload lists 20,000 carers, with
their reviews, plans, requests and cards, from summaries: a few hundred bytes each to
open and decode instead of the whole record.

Part of the stored format: when these fields change, :data:`SUMMARY_FORMAT` changes with
them (the vault then builds every summary again at the next unlock).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

#: A field kept whole (None) or, for a mapping, only the listed fields of it.
Fields = Mapping[str, "Fields | None"]

#: The payload fields each listed kind's summary keeps: what
#: ``carer_desk.services.caseload`` reads to build a carer's row and search entry.
LIST_FIELDS: Mapping[str, Fields] = MappingProxyType(
    {
        "carer": {
            "given_name": None,
            "family_name": None,
            "preferred_name": None,
            "date_of_birth": None,
            "team": None,
            "worker": None,
            "safeguarding_flag": None,
            "address": {"district": None, "postcode": None, "town": None},
            "contact": {"phone": None, "mobile": None},
        },
        "conversation": {"carer_id": None, "completed_on": None, "review_date": None},
        # Whether a plan is in place is decided by the plan's own rule (plan_gaps), under
        # the office's settings, so the summary keeps what that rule reads.
        "plan": {
            "id": None,
            "carer_id": None,
            "created_on": None,
            "updated_on": None,
            "review_date": None,
            "cared_for": None,
            "access": None,
            "emergency_contacts": None,
            "consent_to_share_with_emergency_service": None,
        },
        "payment_request": {"carer_id": None, "status": None},
        "card": {"carer_id": None, "number": None, "status": None},
        "emergency_call": {"carer_id": None},
    }
)

#: Names this version of :data:`LIST_FIELDS`; bound into each sealed summary.
SUMMARY_FORMAT = 1


def _cut(payload: Mapping[str, Any], fields: Fields) -> dict[str, Any]:
    out = {}
    for name, inner in fields.items():
        if name in payload:
            value = payload[name]
            if inner is not None and isinstance(value, Mapping):
                value = _cut(value, inner)
            out[name] = value
    return out


def summarise(kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The summary of a payload of ``kind``; None for a kind no list shows."""
    fields = LIST_FIELDS.get(kind)
    return None if fields is None else _cut(payload, fields)
