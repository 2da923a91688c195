"""Pick-lists for screens and forms, shipped as JSON in ``resources/reference``.

The JSON files mirror the record vocabularies (value and label); the tests check they
never drift apart. Screens can read either: the JSON suits tools outside Python, the
enums' ``choices()`` suit Python code.
"""

from __future__ import annotations

import json
import logging
from importlib import resources

from carer_desk.errors import NotFoundError
from carer_desk.records.carer import (
    AccessibleFormat,
    CarerType,
    Condition,
    EmploymentStatus,
    LawfulBasis,
    ReferralSource,
)
from carer_desk.records.contact_details import PreferredChannel
from carer_desk.records.groups import GroupKind, SessionFormat
from carer_desk.records.payment import PaymentPurpose
from carer_desk.records.places import District
from carer_desk.records.teams import LocalityTeam
from carer_desk.records.vocabulary import LabelledEnum

logger = logging.getLogger(__name__)

REFERENCE_LISTS: dict[str, type[LabelledEnum]] = {
    "districts": District,
    "locality_teams": LocalityTeam,
    "referral_sources": ReferralSource,
    "conditions": Condition,
    "carer_types": CarerType,
    "accessible_formats": AccessibleFormat,
    "employment_statuses": EmploymentStatus,
    "lawful_bases": LawfulBasis,
    "preferred_channels": PreferredChannel,
    "payment_purposes": PaymentPurpose,
    "group_kinds": GroupKind,
    "session_formats": SessionFormat,
}


def load_reference_list(name: str) -> tuple[tuple[str, str], ...]:
    """``(value, label)`` pairs of a shipped reference list, in display order."""
    if name not in REFERENCE_LISTS:
        raise NotFoundError(
            f"There is no reference list {name!r}; lists: {', '.join(REFERENCE_LISTS)}."
        )
    source = resources.files("resources").joinpath("reference", f"{name}.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    return tuple((item["value"], item["label"]) for item in data["items"])
