"""Read-only views of a carer for roles that must not see the whole record.

Built from the carer's payload dict (the codec's JSON form), field by field, so nothing
beyond the listed fields can leak: a new field added to ``Carer`` later stays out of
these views until someone adds it here on purpose.

* ``register_entry`` (group facilitators) mirrors
  :meth:`carer_desk.records.groups.RegisterEntry.from_carer`: id, display name, phone,
  email, access needs — never notes, payments or plans.
* ``carer_summary`` (payments approvers): id, display name and the date of the carer's
  last completed assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from carer_desk.records.carer import AccessibleFormat

JSONDict = dict[str, Any]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def display_name(carer: Mapping[str, Any]) -> str:
    """The preferred name if given, else the given name, then the family name."""
    first = _text(carer.get("preferred_name")) or _text(carer.get("given_name")) or ""
    family = _text(carer.get("family_name")) or ""
    return f"{first} {family}".strip() or "(no name recorded)"


def _best_phone(contact: Mapping[str, Any]) -> str | None:
    phone, mobile = _text(contact.get("phone")), _text(contact.get("mobile"))
    if contact.get("preferred_channel") in ("mobile", "text"):
        return mobile or phone
    return phone or mobile


def _access_needs(carer: Mapping[str, Any]) -> list[str]:
    needs = []
    for value in carer.get("accessible_formats") or ():
        try:
            needs.append(AccessibleFormat(value).label)
        except ValueError:
            needs.append(str(value))
    language = _text(carer.get("language"))
    if carer.get("interpreter_needed") and language:
        needs.append(f"Interpreter ({language})")
    return needs


def register_entry(carer_id: str, carer: Mapping[str, Any]) -> JSONDict:
    contact = carer.get("contact") or {}
    if not isinstance(contact, Mapping):
        contact = {}
    return {
        "carer_id": carer_id,
        "display_name": display_name(carer),
        "phone": _best_phone(contact),
        "email": _text(contact.get("email")),
        "access_needs": _access_needs(carer),
    }


def last_completed_assessment(conversations: Iterable[Mapping[str, Any]]) -> str | None:
    """ISO date of the latest completed conversation that reached the assessment stage
    (mirrors ``GuidedConversation.assessment_completed``), or None."""
    dates = [
        c["completed_on"]
        for c in conversations
        if c.get("status") == "complete" and c.get("stage3") and c.get("completed_on")
    ]
    return max(dates) if dates else None


def carer_summary(
    carer_id: str, carer: Mapping[str, Any], conversations: Iterable[Mapping[str, Any]]
) -> JSONDict:
    return {
        "carer_id": carer_id,
        "display_name": display_name(carer),
        "last_assessment_completed_on": last_completed_assessment(conversations),
    }
