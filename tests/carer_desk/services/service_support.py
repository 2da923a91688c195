"""Helpers for the use-case service tests: a REAL encrypted vault (the services' only
store), settings, and records to build on. Fixtures wrapping them are in conftest.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from carer_desk.config import CardSettings, Settings
from carer_desk.records.carer import Carer, Consent, Referral, ReferralSource
from carer_desk.records.common import Address, ContactDetails, District
from carer_desk.services.repository import Repository
from storage.kdf import KdfParams
from storage.vault import Vault

# A fixed day in the past: records refuse dates in the future of the real calendar.
TODAY = date(2025, 6, 2)
LINE = "0345 050 8725"
PASSPHRASE = "correct horse battery"
# The settings floor for real vaults (19 MiB); one pass keeps each vault quick to make.
TEST_KDF = KdfParams(memory_kib=19456, iterations=1, lanes=1)


def make_vault(path: Path, actor: str = "tester") -> Vault:
    return Vault.create(path / "v.sqlite", PASSPHRASE, actor=actor, kdf=TEST_KDF)


def make_settings() -> Settings:
    return Settings(cards=CardSettings(emergency_line_phone=LINE))


def add_carer(store, given: str = "Ann", family: str = "Lee", **changes) -> Carer:
    carer = Carer(
        given_name=given,
        family_name=family,
        contact=changes.pop("contact", ContactDetails(phone="01865 123456")),
        address=changes.pop(
            "address",
            Address(
                line1="1 High St",
                town="Witney",
                postcode="OX28 6AA",
                district=District.WEST_OXFORDSHIRE,
            ),
        ),
        referral=Referral(date=date(2025, 1, 6), source=ReferralSource.SELF),
        consent=Consent(given=True, date=date(2025, 1, 6)),
        **changes,
    )
    Repository(store).save(carer, action="create")
    return carer


def complete_assessment(store, settings, clock, carer_id: str):
    """Hold a guided conversation through stage 3 and complete it on the clock's day."""
    from carer_desk.records.conversation import ActionTag
    from carer_desk.services.conversations import ConversationService

    service = ConversationService(store, settings, clock)
    conversation = service.start(carer_id)
    service.add_goal(conversation.id, "Get a full night's sleep once a week")
    service.add_action(conversation.id, "Book a sitting service", ActionTag.SUPPORT_NOW)
    return service.complete(conversation.id)


def full_plan(carer_id: str, created_on: date = TODAY, **changes):
    """A plan with every required section filled in and consent to share it."""
    from carer_desk.records.plan import (
        EmergencyContact,
        EmergencyPlan,
        HomeAccess,
        Medication,
        PlanPerson,
    )

    agreed = date(2025, 1, 6)
    fields = dict(
        carer_id=carer_id,
        cared_for=(
            PlanPerson(
                name="Joe Lee",
                conditions_and_care_needed="Dementia; needs help to wash and dress",
                medication=(Medication(name="Donepezil", where_kept="Kitchen cupboard"),),
                allergies="none known",
                gp="Windrush Surgery",
            ),
        ),
        access=HomeAccess(who_holds_keys="Neighbour at number 3"),
        emergency_contacts=(
            EmergencyContact(
                name="Mary Lee",
                role="daughter",
                phone="07700 900123",
                consent_given=True,
                consent_date=agreed,
            ),
            EmergencyContact(
                name="Tom Hill",
                role="neighbour",
                phone="01993 700700",
                consent_given=True,
                consent_date=agreed,
                holds_key=True,
            ),
        ),
        consent_to_share_with_emergency_service=True,
        consent_date=agreed,
        created_on=created_on,
    )
    fields.update(changes)
    return EmergencyPlan(**fields)
