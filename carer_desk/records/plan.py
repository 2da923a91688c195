"""Emergency / contingency plans and carer emergency cards (BRIEF §4).

A plan is what the 24-hour line reads when a card is rung in: who is cared for and what
they need, how to get into the home, and 2-4 people to ring in order. A plan can be saved
half-filled; :meth:`EmergencyPlan.missing_sections` names in plain words what is still
needed before it counts as "a contingency plan in place".

A card carries only its number and the line's phone number on the front; the back may
carry a first name and one contact, by the carer's choice. Card numbers (with their check
digit) are made by :mod:`carer_desk.rules.card_numbers`; here they are just digits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from carer_desk.errors import RuleViolation
from carer_desk.records.common import (
    LabelledEnum,
    Problems,
    check_phone,
    clean_optional_text,
    clean_text,
    latest_today,
    new_id,
)

if TYPE_CHECKING:
    from carer_desk.config import PlanSettings

logger = logging.getLogger(__name__)

# The BRIEF's rule: the line rings 2-4 named people in order. The card and the line's
# screen have room for four, so more is refused outright; fewer just leaves the plan
# incomplete. PlanSettings may ask for more than 2 before a plan is complete.
MIN_EMERGENCY_CONTACTS = 2
MAX_EMERGENCY_CONTACTS = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Medication:
    name: str
    dose: str | None = None
    when: str | None = None  # "8am and 6pm with food"
    where_kept: str | None = None

    def __post_init__(self) -> None:
        clean_text(self, "name")
        clean_optional_text(self, "dose", "when", "where_kept")
        p = Problems()
        p.require_text("name", self.name, "the medicine's name")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanPerson:
    """A person cared for, as the emergency line and replacement carers need to know
    them."""

    id: str = field(default_factory=new_id)
    cared_for_id: str | None = None  # the CaredForPerson on the carer's record, if linked
    name: str
    conditions_and_care_needed: str | None = None
    medication: tuple[Medication, ...] = ()
    takes_no_medication: bool = False
    allergies: str | None = None  # "none known" is an answer; blank is not
    gp: str | None = None
    pharmacy: str | None = None
    daily_routine: str | None = None
    likes: str | None = None
    dislikes: str | None = None
    mobility_aids: str | None = None
    communication_needs: str | None = None
    continence_supplies: str | None = None
    behaviour_that_may_worry_a_stranger: str | None = None

    def __post_init__(self) -> None:
        clean_text(self, "name")
        clean_optional_text(
            self,
            "conditions_and_care_needed",
            "allergies",
            "gp",
            "pharmacy",
            "daily_routine",
            "likes",
            "dislikes",
            "mobility_aids",
            "communication_needs",
            "continence_supplies",
            "behaviour_that_may_worry_a_stranger",
        )
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("cared_for_id", self.cared_for_id, optional=True)
        p.require_text("name", self.name, "the name of the person cared for")
        p.require_tuple_of("medication", self.medication, Medication)
        p.require_bool("takes_no_medication", self.takes_no_medication)
        if self.takes_no_medication is True and self.medication:
            p.add(
                "takes_no_medication",
                "medication is listed; clear 'takes no medication' or remove the list",
            )
        p.raise_if_any()

    def missing_sections(self) -> tuple[str, ...]:
        missing = []
        if self.conditions_and_care_needed is None:
            missing.append(f"{self.name}'s conditions and the care they need")
        if not self.medication and not self.takes_no_medication:
            missing.append(f"{self.name}'s medication (or that they take none)")
        if self.allergies is None:
            missing.append(f"{self.name}'s allergies (write 'none known' if there are none)")
        if self.gp is None:
            missing.append(f"{self.name}'s GP")
        return tuple(missing)


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeAccess:
    key_safe: bool = False
    # Who can give out the key safe code. The code itself is never stored here, so it can
    # never reach a card or a printout.
    key_safe_code_held_by: str | None = None
    who_holds_keys: str | None = None
    how_to_get_in: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "key_safe_code_held_by", "who_holds_keys", "how_to_get_in")
        p = Problems()
        p.require_bool("key_safe", self.key_safe)
        if self.key_safe is True and self.key_safe_code_held_by is None:
            p.add(
                "key_safe_code_held_by",
                "there is a key safe; say who can give the code (never the code itself)",
            )
        if self.key_safe is False and self.key_safe_code_held_by is not None:
            p.add("key_safe_code_held_by", "there is no key safe; tick 'key safe' or clear this")
        p.raise_if_any()

    @property
    def is_filled_in(self) -> bool:
        return bool(self.how_to_get_in or self.who_holds_keys or self.key_safe)


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalArrangements:
    power_of_attorney: str | None = None
    will: str | None = None
    advance_decisions: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "power_of_attorney", "will", "advance_decisions")


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyContact:
    id: str = field(default_factory=new_id)
    name: str
    role: str  # "daughter", "neighbour with key", "social worker"
    phone: str
    availability: str | None = None  # "weekdays after 5pm", "any time"
    holds_key: bool = False
    consent_given: bool = False
    consent_date: date | None = None

    def __post_init__(self) -> None:
        clean_text(self, "name", "role", "phone")
        clean_optional_text(self, "availability")
        p = Problems()
        p.require_id("id", self.id)
        p.require_text("name", self.name, "the contact's name")
        p.require_text("role", self.role, "who they are to the carer")
        if isinstance(self.phone, str) and not self.phone:
            p.add("phone", "must not be blank; the line needs a number to ring")
        else:
            check_phone(p, "phone", self.phone)
        p.require_bool("holds_key", self.holds_key)
        p.require_bool("consent_given", self.consent_given)
        if (
            p.require_date("consent_date", self.consent_date, optional=True)
            and self.consent_date > latest_today()
        ):  # type: ignore[operator]
            p.add("consent_date", "must not be in the future")
        if self.consent_given is True and self.consent_date is None:
            p.add("consent_date", "record the date they agreed to be an emergency contact")
        p.raise_if_any()

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyPlan:
    id: str = field(default_factory=new_id)
    carer_id: str
    cared_for: tuple[PlanPerson, ...] = ()
    access: HomeAccess = field(default_factory=HomeAccess)
    pets: str | None = None
    alarms_and_assistive_technology: str | None = None
    services_in_place: str | None = None
    legal: LegalArrangements = field(default_factory=LegalArrangements)
    emergency_contacts: tuple[EmergencyContact, ...] = ()  # in the order to ring them
    longer_term_plan: str | None = None  # for when the carer can no longer care
    consent_to_share_with_emergency_service: bool = False
    consent_date: date | None = None
    review_date: date | None = None
    created_on: date
    updated_on: date | None = None
    # What the carer chose to have on the back of their card.
    card_first_name_on_back: bool = False
    card_contact_on_back: int | None = None  # index into emergency_contacts

    def __post_init__(self) -> None:
        clean_optional_text(
            self, "pets", "alarms_and_assistive_technology", "services_in_place", "longer_term_plan"
        )
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("carer_id", self.carer_id)
        if p.require_tuple_of("cared_for", self.cared_for, PlanPerson):
            p.unique_ids("cared_for", self.cared_for)
        if not isinstance(self.access, HomeAccess):
            p.add("access", "must be HomeAccess")
        if not isinstance(self.legal, LegalArrangements):
            p.add("legal", "must be LegalArrangements")
        contacts_ok = p.require_tuple_of(
            "emergency_contacts", self.emergency_contacts, EmergencyContact
        )
        if contacts_ok:
            p.unique_ids("emergency_contacts", self.emergency_contacts)
            if len(self.emergency_contacts) > MAX_EMERGENCY_CONTACTS:
                p.add(
                    "emergency_contacts",
                    f"has {len(self.emergency_contacts)} contacts; a plan holds at most "
                    f"{MAX_EMERGENCY_CONTACTS}, so keep the ones to ring first",
                )
        p.require_bool(
            "consent_to_share_with_emergency_service", self.consent_to_share_with_emergency_service
        )
        has_consent_date = p.require_date("consent_date", self.consent_date, optional=True)
        if self.consent_to_share_with_emergency_service is True and self.consent_date is None:
            p.add("consent_date", "record the date the carer agreed to share the plan")
        if has_consent_date and self.consent_date > latest_today():  # type: ignore[operator]
            p.add("consent_date", "must not be in the future")
        created = p.require_date("created_on", self.created_on)
        if (
            p.require_date("updated_on", self.updated_on, optional=True)
            and created
            and self.updated_on < self.created_on
        ):  # type: ignore[operator]
            p.add("updated_on", "must not be before the plan was created")
        if (
            p.require_date("review_date", self.review_date, optional=True)
            and created
            and self.review_date <= self.created_on
        ):  # type: ignore[operator]
            p.add("review_date", "must be after the plan was created")
        p.require_bool("card_first_name_on_back", self.card_first_name_on_back)
        index = self.card_contact_on_back
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                p.add("card_contact_on_back", "must be the position of an emergency contact")
            elif contacts_ok and not 0 <= index < len(self.emergency_contacts):
                p.add(
                    "card_contact_on_back",
                    f"there is no emergency contact number {index + 1}; choose one listed",
                )
            elif contacts_ok and not self.emergency_contacts[index].consent_given:
                p.add(
                    "card_contact_on_back",
                    f"{self.emergency_contacts[index].name} has not agreed to be contacted; "
                    "only a contact who consented can go on the card",
                )
        p.raise_if_any()

    @property
    def card_back_contact(self) -> EmergencyContact | None:
        if self.card_contact_on_back is None:
            return None
        return self.emergency_contacts[self.card_contact_on_back]

    def missing_sections(self, settings: PlanSettings | None = None) -> tuple[str, ...]:
        """Every required part not yet filled in, in plain words, in plan order."""
        minimum = settings.min_contacts if settings is not None else MIN_EMERGENCY_CONTACTS
        missing: list[str] = []
        if not self.cared_for:
            missing.append("who you care for")
        for person in self.cared_for:
            missing.extend(person.missing_sections())
        if not self.access.is_filled_in:
            missing.append("how to get into the home (keys, key safe or access)")
        count = len(self.emergency_contacts)
        if count < minimum:
            missing.append(f"at least {minimum} emergency contacts ({count} so far)")
        for contact in self.emergency_contacts:
            if not contact.consent_given:
                missing.append(f"{contact.name}'s consent to be an emergency contact")
        if not self.consent_to_share_with_emergency_service:
            missing.append("consent to share the plan with the emergency line")
        if self.review_date is None:
            missing.append("a review date")
        return tuple(missing)

    @property
    def is_complete(self) -> bool:
        """Complete under the default rules (a property, so ``if plan.is_complete`` can
        never silently test a bound method)."""
        return not self.missing_sections()

    def is_complete_under(self, settings: PlanSettings) -> bool:
        return not self.missing_sections(settings)

    def is_due_for_review(self, on: date) -> bool:
        return self.review_date is not None and self.review_date <= on


class CardHolder(LabelledEnum):
    CARER = ("carer", "Carer")
    CARED_FOR = ("cared_for", "Person cared for")


class CardStatus(LabelledEnum):
    PENDING_PRINT = ("pending_print", "Waiting to be printed")
    PRINTED = ("printed", "Printed")
    REVOKED = ("revoked", "Revoked")


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyCard:
    id: str = field(default_factory=new_id)
    plan_id: str
    carer_id: str
    number: str  # digits only, check digit included; grouped only when displayed
    holder: CardHolder = CardHolder.CARER
    plan_person_id: str | None = None  # which PlanPerson holds a cared-for card
    status: CardStatus = CardStatus.PENDING_PRINT
    issued_on: date
    printed_on: date | None = None
    revoked_on: date | None = None
    revoked_reason: str | None = None
    replaced_by: str | None = None  # id of the card issued in its place

    def __post_init__(self) -> None:
        clean_optional_text(self, "revoked_reason")
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("plan_id", self.plan_id)
        p.require_id("carer_id", self.carer_id)
        if not isinstance(self.number, str) or not (
            self.number.isascii() and self.number.isdigit()
        ):
            p.add("number", f"{self.number!r} is not a card number; it must be digits only")
        p.require_enum("holder", self.holder, CardHolder)
        p.require_id("plan_person_id", self.plan_person_id, optional=True)
        if self.holder == CardHolder.CARED_FOR and self.plan_person_id is None:
            p.add("plan_person_id", "a card for a person cared for must say which person")
        p.require_enum("status", self.status, CardStatus)
        issued = p.require_date("issued_on", self.issued_on)
        printed = p.require_date("printed_on", self.printed_on, optional=True)
        revoked = p.require_date("revoked_on", self.revoked_on, optional=True)
        if printed and issued and self.printed_on < self.issued_on:  # type: ignore[operator]
            p.add("printed_on", "must not be before the card was issued")
        if revoked and issued and self.revoked_on < self.issued_on:  # type: ignore[operator]
            p.add("revoked_on", "must not be before the card was issued")
        if self.status == CardStatus.PRINTED and self.printed_on is None:
            p.add("printed_on", "a printed card needs the date it was printed")
        if self.status == CardStatus.PENDING_PRINT and self.printed_on is not None:
            p.add("printed_on", "a card waiting to be printed has no print date")
        if self.status == CardStatus.REVOKED:
            if self.revoked_on is None:
                p.add("revoked_on", "a revoked card needs the date it was revoked")
            if self.revoked_reason is None:
                p.add("revoked_reason", "say why the card was revoked (lost, replaced...)")
        elif self.revoked_on is not None or self.revoked_reason is not None:
            p.add("revoked_on", "only a revoked card has a revocation")
        p.require_id("replaced_by", self.replaced_by, optional=True)
        if self.replaced_by is not None and self.status != CardStatus.REVOKED:
            p.add("replaced_by", "only a revoked card is replaced by another")
        p.raise_if_any()

    @property
    def is_live(self) -> bool:
        return self.status != CardStatus.REVOKED

    def mark_printed(self, on: date) -> EmergencyCard:
        """Record a (re)print; a revoked card must never be printed again."""
        if self.status == CardStatus.REVOKED:
            raise RuleViolation(
                "This card has been revoked and cannot be printed; issue a new card instead."
            )
        return replace(self, status=CardStatus.PRINTED, printed_on=on)

    def revoke(self, on: date, reason: str, replaced_by: str | None = None) -> EmergencyCard:
        if self.status == CardStatus.REVOKED:
            raise RuleViolation("This card is already revoked.")
        if not reason or not reason.strip():
            raise RuleViolation("Say why the card is being revoked (for example, lost).")
        return replace(
            self,
            status=CardStatus.REVOKED,
            revoked_on=on,
            revoked_reason=reason,
            replaced_by=replaced_by,
        )
