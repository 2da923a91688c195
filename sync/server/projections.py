"""Read-only views of a carer for roles that must not see the whole record.

Built from the carer's payload dict (the codec's JSON form), field by field, so nothing
beyond the listed fields can leak: a new field added to ``Carer`` later stays out of
these views until someone adds it here on purpose.

* ``register_entry`` (group facilitators) mirrors
  :meth:`carer_desk.records.groups.RegisterEntry.from_carer`: id, display name, phone,
  email, access needs — never notes, payments or plans.
* ``carer_summary`` (payments approvers): id, display name and the date of the carer's
  last completed assessment.
* ``plan_keeper_carer`` (card and plan administrators): the carer record itself, cut down
  to what a plan and a card need (:data:`PLAN_KEEPER_CARER_FIELDS`), so it still reads as
  a carer on their laptop: never the carer's date of birth, equality monitoring, work,
  hours of care, safeguarding flag, young-carer referral, referral details or consent
  notes.
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


#: The carer's fields a card and plan administrator receives, whole: names (the card and
#: the plan), contact details and address (where care is needed, the carer's phone for the
#: line), language and formats (large-print and easy-read plans), GP practice, the people
#: cared for and the carer's contacts (the plan's sections), the team and worker (whom to
#: ask), the closure (a closed record's cards are revoked) and when it was made.
PLAN_KEEPER_CARER_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "preferred_name",
    "contact",
    "address",
    "language",
    "interpreter_needed",
    "accessible_formats",
    "gp_practice",
    "lives_with_cared_for",
    "cared_for",
    "contacts",
    "team",
    "worker",
    "closure",
    "created_at",
)
#: Of the carer types, only the one that says where care is needed (a distance carer
#: does not live where the care is): the rest say nothing a plan or a card needs.
_PLACE_CARER_TYPES = frozenset({"distance"})


def plan_keeper_carer(carer: Mapping[str, Any]) -> JSONDict:
    """The carer as a card and plan administrator pulls it (module docstring). The
    referral and consent the record cannot be read without keep only their date, source
    and whether consent was given."""
    kept: JSONDict = {name: carer[name] for name in PLAN_KEEPER_CARER_FIELDS if name in carer}
    types = carer.get("carer_types")
    if isinstance(types, list):
        kept["carer_types"] = [t for t in types if t in _PLACE_CARER_TYPES]
    referral = carer.get("referral")
    if isinstance(referral, Mapping):
        kept["referral"] = {k: referral[k] for k in ("date", "source") if k in referral}
    consent = carer.get("consent")
    if isinstance(consent, Mapping):
        kept["consent"] = {k: consent[k] for k in ("given", "date", "lawful_basis") if k in consent}
    closure = carer.get("closure")
    if isinstance(closure, Mapping):
        kept["closure"] = {k: v for k, v in closure.items() if k != "note"}
    return kept
