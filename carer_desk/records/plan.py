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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from carer_desk.config import MAX_EMERGENCY_CONTACTS, MIN_EMERGENCY_CONTACTS, PlanSettings
from carer_desk.errors import RuleViolation
from carer_desk.ids import new_id
from carer_desk.records.contact_details import check_phone
from carer_desk.records.places import Address
from carer_desk.records.plausible_dates import NOT_IN_FUTURE
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text

logger = logging.getLogger(__name__)


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
    # Where they live, so the line knows where care is needed. None: at the carer's
    # address (a distance carer's plan must say where the person cared for lives).
    address: Address | None = None
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
        if self.address is not None and not isinstance(self.address, Address):
            p.add("address", "must be an Address")
        p.require_tuple_of("medication", self.medication, Medication)
        p.require_bool("takes_no_medication", self.takes_no_medication)
        if self.takes_no_medication is True and self.medication:
            p.add(
                "takes_no_medication",
                "medication is listed; clear 'takes no medication' or remove the list",
            )
        p.raise_if_any()

    def missing_sections(self) -> tuple[str, ...]:
        return _person_gaps(self)


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
        return _access_filled_in(self)


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
    consent_date: date | None = field(default=None, metadata=NOT_IN_FUTURE)

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
        p.require_date("consent_date", self.consent_date, optional=True)
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
    consent_date: date | None = field(default=None, metadata=NOT_IN_FUTURE)
    # When the carer withdrew their consent to share: the plan's cards are suspended
    # (the line must not use the plan) until consent is given again.
    consent_withdrawn_on: date | None = field(default=None, metadata=NOT_IN_FUTURE)
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
        p.require_date("consent_date", self.consent_date, optional=True)
        if self.consent_to_share_with_emergency_service is True and self.consent_date is None:
            p.add("consent_date", "record the date the carer agreed to share the plan")
        if (
            p.require_date("consent_withdrawn_on", self.consent_withdrawn_on, optional=True)
            and self.consent_to_share_with_emergency_service is True
        ):
            p.add(
                "consent_withdrawn_on",
                "consent to share is recorded as given; clear the withdrawal when the carer "
                "gives consent again",
            )
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
        return plan_gaps(self, settings)

    @property
    def is_complete(self) -> bool:
        """Complete under the default rules (a property, so ``if plan.is_complete`` can
        never silently test a bound method)."""
        return not self.missing_sections()

    def is_complete_under(self, settings: PlanSettings) -> bool:
        return not self.missing_sections(settings)

    def is_due_for_review(self, on: date) -> bool:
        return self.review_date is not None and self.review_date <= on

    @property
    def consent_withdrawn(self) -> bool:
        """The carer withdrew consent to share: the line must not use this plan."""
        return self.consent_withdrawn_on is not None and not (
            self.consent_to_share_with_emergency_service
        )


# --- what a plan still needs ------------------------------------------------------------
#
# Written once over "a plan or its stored payload": the plan's own ``missing_sections``
# and the caseload list (which shows every carer's plan state without decoding 10,000
# plans) must never disagree about what makes a plan complete.

PlanPart = Any  # a plan, or one of its parts, as a record or as its stored payload


def _get(part: PlanPart, name: str, default: Any = None) -> Any:
    if isinstance(part, Mapping):
        return part.get(name, default)
    return getattr(part, name, default)


def _person_gaps(person: PlanPart) -> tuple[str, ...]:
    name = _get(person, "name")
    missing = []
    if _get(person, "conditions_and_care_needed") is None:
        missing.append(f"{name}'s conditions and the care they need")
    if not _get(person, "medication") and not _get(person, "takes_no_medication"):
        missing.append(f"{name}'s medication (or that they take none)")
    if _get(person, "allergies") is None:
        missing.append(f"{name}'s allergies (write 'none known' if there are none)")
    if _get(person, "gp") is None:
        missing.append(f"{name}'s GP")
    return tuple(missing)


def _access_filled_in(access: PlanPart) -> bool:
    return bool(
        _get(access, "how_to_get_in") or _get(access, "who_holds_keys") or _get(access, "key_safe")
    )


def plan_gaps(plan: PlanPart, settings: PlanSettings | None = None) -> tuple[str, ...]:
    """What ``plan`` (an :class:`EmergencyPlan` or its stored payload) still needs, in
    plain words and plan order; empty when it counts as a contingency plan in place."""
    minimum = settings.min_contacts if settings is not None else MIN_EMERGENCY_CONTACTS
    missing: list[str] = []
    people = _get(plan, "cared_for") or ()
    if not people:
        missing.append("who you care for")
    for person in people:
        missing.extend(_person_gaps(person))
    if not _access_filled_in(_get(plan, "access") or {}):
        missing.append("how to get into the home (keys, key safe or access)")
    contacts = _get(plan, "emergency_contacts") or ()
    if len(contacts) < minimum:
        missing.append(f"at least {minimum} emergency contacts ({len(contacts)} so far)")
    for contact in contacts:
        if not _get(contact, "consent_given"):
            missing.append(f"{_get(contact, 'name')}'s consent to be an emergency contact")
    if not _get(plan, "consent_to_share_with_emergency_service"):
        missing.append("consent to share the plan with the emergency line")
    if _get(plan, "review_date") is None:
        missing.append("a review date")
    return tuple(missing)


def plan_recency(
    updated_on: date | str | None, created_on: date | str | None, plan_id: str
) -> tuple[date | str | None, date | str | None, str]:
    """How recent a plan is, to choose "the" plan of a carer when two laptops each wrote
    one before syncing: the most recently updated. Takes dates or their ISO text (which
    sorts the same), so a list can choose from stored payloads without decoding them."""
    return (updated_on or created_on, created_on, plan_id)


def latest_plan(plans: Iterable[EmergencyPlan]) -> EmergencyPlan | None:
    """The carer's plan among ``plans`` (see :func:`plan_recency`); None when empty."""
    return max(plans, key=lambda p: plan_recency(p.updated_on, p.created_on, p.id), default=None)


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
