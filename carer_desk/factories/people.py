"""Carers and the parts of a carer's record."""

from __future__ import annotations

from datetime import date
from typing import Any

from carer_desk.factories.defaults import CREATED_AT, DAUGHTER, SIGNED_UP, with_defaults
from carer_desk.records.carer import (
    CaredForPerson,
    Carer,
    Consent,
    Contact,
    Referral,
    ReferralSource,
)
from carer_desk.records.contact_details import ContactDetails
from carer_desk.records.places import Address, District


def address(**changes: Any) -> Address:
    defaults = dict(
        line1="1 High St", town="Witney", postcode="OX28 6AA", district=District.WEST_OXFORDSHIRE
    )
    return Address(**with_defaults(defaults, changes))


def contact_details(**changes: Any) -> ContactDetails:
    return ContactDetails(**with_defaults({"phone": "01865 123456"}, changes))


def referral(on: date = SIGNED_UP, **changes: Any) -> Referral:
    return Referral(**with_defaults({"date": on, "source": ReferralSource.SELF}, changes))


def consent(on: date = SIGNED_UP, **changes: Any) -> Consent:
    return Consent(**with_defaults({"given": True, "date": on}, changes))


def cared_for_person(**changes: Any) -> CaredForPerson:
    return CaredForPerson(**with_defaults({"name": "Joe Lee", "relationship": "husband"}, changes))


def contact(**changes: Any) -> Contact:
    """Someone the carer names (their daughter), who agreed to be recorded."""
    return Contact(**with_defaults({**DAUGHTER, "relationship": "daughter"}, changes))


def carer(**changes: Any) -> Carer:
    """Ann Lee of Witney, referred by herself and agreeing to be recorded."""
    defaults = dict(
        given_name="Ann",
        family_name="Lee",
        contact=contact_details(),
        address=address(),
        referral=referral(),
        consent=consent(),
        created_at=CREATED_AT,
    )
    return Carer(**with_defaults(defaults, changes))
