"""What the 24-hour line may read out when a card number is rung in (BRIEF §4).

Whoever rings has found a carer in trouble. The operator needs, in this order: whether
the plan can be used at all; where care is needed (the cared-for person's address, which
is not the carer's for a distance carer); the carer's phone; the people cared for, their
needs, medication and how to get in; and the contacts who agreed to be rung, in order.

Two things must never happen: a plan read out as if it were good when it is not (its
consent to share was withdrawn, or it lacks its contacts), and a contact who has not
agreed being shown to the operator. So the answer is built here, once, from the records:
the laptop's look-up (:class:`carer_desk.services.cards.CardService`) and the server's
both call :func:`answer_for_card` and show what it gives, and nothing else.

The least a plan must hold for a card to be issued against it and read out is the
configured minimum (``[emergency_line]``): consent to share (always), at least one
consented contact with a phone, the person cared for and their needs, how to get in,
and where care is needed. :func:`line_gaps` names what a plan lacks, in plain words.

Pure functions of records and settings: no store, no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from carer_desk.config import EmergencyLineSettings
from carer_desk.formatting import display_name, long_date
from carer_desk.records.carer import Carer, CarerType
from carer_desk.records.plan import (
    EmergencyCard,
    EmergencyContact,
    EmergencyPlan,
    Medication,
    PlanPerson,
)
from carer_desk.rules.card_numbers import DEFAULT_GROUP_SIZE, format_card_number

NOT_RECORDED = "Not recorded"


class LineStatus(StrEnum):
    """What the operator may do with the plan behind a number."""

    READY = "ready"  # read it out: ring the contacts in order
    INCOMPLETE = "incomplete"  # below the minimum: use with care, say what is missing
    CONSENT_WITHDRAWN = "consent-withdrawn"  # suspended: do not use the plan at all
    NO_PLAN = "no-plan"  # the card's plan is not held here
    REVOKED = "revoked"  # the card was revoked (lost, replaced, record closed)

    @property
    def usable(self) -> bool:
        """Whether any of the plan may be shown to the operator."""
        return self in (LineStatus.READY, LineStatus.INCOMPLETE)


#: The look-up's result in the audit log: the laptop and the server write the same words.
LOOKUP_RESULTS = {
    LineStatus.READY: "found",
    LineStatus.INCOMPLETE: "incomplete",
    LineStatus.CONSENT_WITHDRAWN: "consent-withdrawn",
    LineStatus.NO_PLAN: "no-plan",
    LineStatus.REVOKED: "revoked",
}


@dataclass(frozen=True, slots=True)
class ContactOnLine:
    """An emergency contact who agreed to be rung, as the operator needs them."""

    position: int  # 1 = ring first
    contact_id: str
    name: str
    role: str
    phone: str
    availability: str | None
    holds_key: bool


@dataclass(frozen=True, slots=True)
class PersonOnLine:
    """A person cared for, with where they are and what they need."""

    person_id: str
    name: str
    address: tuple[str, ...]  # where care is needed; () when not known
    address_note: str  # "Lives with the carer", "Lives apart from the carer", ...
    care_needed: str
    medication: tuple[str, ...]  # "Donepezil 10 mg, 8am. Kept: kitchen cupboard"
    allergies: str
    mobility: str | None
    communication: str | None
    behaviour: str | None
    gp: str | None


@dataclass(frozen=True, slots=True)
class AccessOnLine:
    how_to_get_in: str | None
    who_holds_keys: str | None
    key_safe: str | None  # "There is a key safe: ask X for the code" (never the code)


@dataclass(frozen=True, slots=True)
class LineAnswer:
    """Everything the operator is shown for one number: the plan's state in words, what
    to do, and (only when the plan may be used) its details. Contacts who have not
    agreed to be rung are never in it."""

    number: str  # digits
    number_display: str  # grouped, to read back to the caller
    status: LineStatus
    message: str  # the headline: what the operator reads first
    what_to_do: str
    missing: tuple[str, ...]  # what the plan lacks from the minimum
    card_id: str
    carer_id: str
    plan_id: str | None
    carer_name: str | None  # to confirm with the caller who this is
    carer_phone: str | None
    people: tuple[PersonOnLine, ...] = ()
    access: AccessOnLine | None = None
    contacts: tuple[ContactOnLine, ...] = ()
    consent_withdrawn_on: date | None = None
    revoked_on: date | None = None
    current_card_number: str | None = None  # a revoked card's live replacement
    replacement_care_route: str = ""
    replacement_care_hours: int = 48
    exceptional_replacement_care_hours: int = 72
    review_overdue_since: date | None = None

    @property
    def usable(self) -> bool:
        return self.status.usable


# --- the minimum ---------------------------------------------------------------------------


def _lives_apart(carer: Carer | None) -> bool:
    """Whether the carer is known not to live with the person cared for."""
    if carer is None:
        return False
    return carer.lives_with_cared_for is False or CarerType.DISTANCE in carer.carer_types


def care_address(person: PlanPerson, carer: Carer | None) -> tuple[str, ...]:
    """Where care is needed for ``person``: their own address, else the carer's when they
    are not known to live apart; () when not known."""
    if person.address is not None:
        return person.address.lines()
    if carer is not None and carer.address is not None and not _lives_apart(carer):
        return carer.address.lines()
    return ()


def consented_contacts(plan: EmergencyPlan) -> tuple[tuple[int, EmergencyContact], ...]:
    """The contacts who agreed to be rung, with a number, in the plan's order (1-based
    position in the plan, so the operator and the printed plan agree)."""
    return tuple(
        (position, c)
        for position, c in enumerate(plan.emergency_contacts, start=1)
        if c.consent_given and c.phone
    )


def consented_only(plan: EmergencyPlan) -> EmergencyPlan:
    """The plan as the line may show it: only the contacts who agreed to be rung (the
    card-back choice moved with its contact, who has consented by the plan's own rule).
    The laptop's look-up and the server's both hand this on, never the stored plan."""
    kept = [c for c in plan.emergency_contacts if c.consent_given]
    if len(kept) == len(plan.emergency_contacts):
        return plan
    back = plan.card_back_contact
    index = next((i for i, c in enumerate(kept) if back is not None and c.id == back.id), None)
    return replace(plan, emergency_contacts=tuple(kept), card_contact_on_back=index)


#: The gap :func:`line_gaps` names when the carer has not agreed (or no longer agrees) to
#: share the plan.
CONSENT_GAP = "the carer's consent to share the plan with the emergency line"


def line_gaps(
    plan: EmergencyPlan, carer: Carer | None, settings: EmergencyLineSettings
) -> tuple[str, ...]:
    """What ``plan`` lacks from the configured minimum, in plain words (empty: a card may
    be issued against it and the line may read it out)."""
    missing: list[str] = []
    if not plan.consent_to_share_with_emergency_service:
        missing.append(CONSENT_GAP)
    have = len(consented_contacts(plan))
    need = settings.min_consented_contacts
    if have < need:
        word = "contact" if need == 1 else "contacts"
        missing.append(
            f"at least {need} emergency {word} with a phone number who agreed to be rung "
            f"({have} so far)"
        )
    if settings.require_cared_for_needs:
        if not plan.cared_for:
            missing.append("who is cared for")
        for person in plan.cared_for:
            if person.conditions_and_care_needed is None:
                missing.append(f"{person.name}'s conditions and the care they need")
    if settings.require_way_in and not plan.access.is_filled_in:
        missing.append("how to get into the home (keys, key safe or access)")
    if settings.require_care_address:
        for person in plan.cared_for:
            if not care_address(person, carer):
                missing.append(f"where {person.name} lives (the address where care is needed)")
    return tuple(missing)


# --- the answer ----------------------------------------------------------------------------


def _replacement(settings: EmergencyLineSettings) -> str:
    return (
        f"arrange replacement care via {settings.replacement_care_route} (up to "
        f"{settings.replacement_care_hours} hours; "
        f"{settings.exceptional_replacement_care_hours} in exceptional cases)"
    )


def _medication_line(med: Medication) -> str:
    detail = ", ".join(p for p in (med.dose, med.when) if p)
    text = f"{med.name} {detail}".strip() if detail else med.name
    return f"{text}. Kept: {med.where_kept}" if med.where_kept else text


def _person(person: PlanPerson, carer: Carer | None) -> PersonOnLine:
    address = care_address(person, carer)
    if person.address is not None:
        note = "Their own address" if _lives_apart(carer) else "Address given in the plan"
    elif address:
        note = "Lives with the carer (the carer's address)"
    else:
        note = "Address not known: ask the caller where they are"
    if person.takes_no_medication:
        medication: tuple[str, ...] = ("Takes no regular medication.",)
    else:
        medication = tuple(_medication_line(m) for m in person.medication) or (NOT_RECORDED,)
    return PersonOnLine(
        person_id=person.id,
        name=person.name,
        address=address,
        address_note=note,
        care_needed=person.conditions_and_care_needed or NOT_RECORDED,
        medication=medication,
        allergies=person.allergies or NOT_RECORDED,
        mobility=person.mobility_aids,
        communication=person.communication_needs,
        behaviour=person.behaviour_that_may_worry_a_stranger,
        gp=person.gp,
    )


def _access(plan: EmergencyPlan) -> AccessOnLine:
    access = plan.access
    key_safe = (
        f"There is a key safe: ask {access.key_safe_code_held_by} for the code."
        if access.key_safe
        else None
    )
    return AccessOnLine(access.how_to_get_in, access.who_holds_keys, key_safe)


def _carer_name(carer: Carer | None) -> str | None:
    if carer is None:
        return None
    return display_name(carer.given_name, carer.family_name, carer.preferred_name)


def answer_for_card(
    card: EmergencyCard,
    plan: EmergencyPlan | None,
    carer: Carer | None,
    settings: EmergencyLineSettings,
    *,
    today: date,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> LineAnswer:
    """The operator's answer for a live card (see :func:`answer_for_revoked` for a
    revoked one). ``carer`` may be None when the carer's record is not held (the answer
    then has no address from it, and says so)."""
    return answer_for_plan(
        card.id,
        card.number,
        card.carer_id,
        card.plan_id,
        plan,
        carer,
        settings,
        today=today,
        group_size=group_size,
    )


def answer_for_plan(
    card_id: str,
    number: str,
    carer_id: str,
    card_plan_id: str,
    plan: EmergencyPlan | None,
    carer: Carer | None,
    settings: EmergencyLineSettings,
    *,
    today: date,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> LineAnswer:
    """:func:`answer_for_card` from what is known of the card (its id, number, carer and
    plan), for a look-up that was told about the card rather than given its record (the
    window's look-up on an office server that sends the stored plan)."""
    shown = format_card_number(number, group_size)
    base = dict(
        number=number,
        number_display=shown,
        card_id=card_id,
        carer_id=carer_id,
        carer_name=_carer_name(carer),
        carer_phone=carer.contact.best_phone if carer is not None else None,
        replacement_care_route=settings.replacement_care_route,
        replacement_care_hours=settings.replacement_care_hours,
        exceptional_replacement_care_hours=settings.exceptional_replacement_care_hours,
    )
    if plan is None:
        return LineAnswer(
            status=LineStatus.NO_PLAN,
            message=f"Card {shown} is registered, but its plan is not held here.",
            what_to_do=f"Do not guess: {_replacement(settings)}, then ring the office.",
            missing=(),
            plan_id=card_plan_id,
            **base,  # type: ignore[arg-type]
        )
    if plan.consent_withdrawn or not plan.consent_to_share_with_emergency_service:
        when = plan.consent_withdrawn_on
        headline = (
            f"Consent withdrawn on {long_date(when)}: do not use this plan; "
            f"{_replacement(settings)}."
            if when is not None
            else "The carer has not agreed to share this plan with the emergency line: do "
            f"not use it; {_replacement(settings)}."
        )
        return LineAnswer(
            status=LineStatus.CONSENT_WITHDRAWN,
            message=headline,
            what_to_do=f"{_replacement(settings).capitalize()}, and tell the office about "
            "the call. Nothing of the plan may be read out until the carer agrees again.",
            missing=("the carer's consent to share the plan with the emergency line",),
            plan_id=plan.id,
            consent_withdrawn_on=when,
            **base,  # type: ignore[arg-type]
        )
    gaps = line_gaps(plan, carer, settings)
    contacts = tuple(
        ContactOnLine(
            position=position,
            contact_id=c.id,
            name=c.name,
            role=c.role,
            phone=c.phone,
            availability=c.availability,
            holds_key=c.holds_key,
        )
        for position, c in consented_contacts(plan)
    )
    details = dict(
        plan_id=plan.id,
        people=tuple(_person(p, carer) for p in plan.cared_for),
        access=_access(plan),
        contacts=contacts,
        review_overdue_since=plan.review_date
        if plan.review_date is not None and plan.review_date < today
        else None,
    )
    if gaps:
        return LineAnswer(
            status=LineStatus.INCOMPLETE,
            message=f"This plan is not complete enough to rely on. Missing: {'; '.join(gaps)}.",
            what_to_do=(
                "Use only what is shown, checking it with the caller. "
                + (
                    "Ring the contacts shown in order; if nobody can come, "
                    if contacts
                    else "There is no contact to ring: "
                )
                + f"{_replacement(settings)}. Tell the office the plan needs completing."
            ),
            missing=gaps,
            **base,  # type: ignore[arg-type]
            **details,  # type: ignore[arg-type]
        )
    return LineAnswer(
        status=LineStatus.READY,
        message="Plan found: ring the emergency contacts in the order listed.",
        what_to_do=f"Ring the contacts in order. If nobody can come, {_replacement(settings)}.",
        missing=(),
        **base,  # type: ignore[arg-type]
        **details,  # type: ignore[arg-type]
    )


def answer_for_revoked(
    card: EmergencyCard,
    carer: Carer | None,
    settings: EmergencyLineSettings,
    *,
    current: EmergencyCard | None,
    current_answer: LineAnswer | None = None,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> LineAnswer:
    """The answer for a revoked card. It never shows the plan itself; under the
    ``opens-current`` policy the caller passes ``current_answer`` (the answer for the
    live card that replaced it) and that answer is shown, headed by the revocation."""
    shown = format_card_number(card.number, group_size)
    revoked = f"Card {shown} was revoked on {long_date(card.revoked_on)} ({card.revoked_reason})"
    if current is not None and current_answer is not None:
        # The live card's answer, told that it came through an old number.
        current_shown = format_card_number(current.number, group_size)
        return replace(
            current_answer,
            message=f"{revoked}; its replacement is card {current_shown}. {current_answer.message}",
            revoked_on=card.revoked_on,
            current_card_number=current.number,
        )
    what_to_do = revoked_what_to_do(
        current.number if current is not None else None, settings, group_size
    )
    if current is None:
        message = f"{revoked} and has no replacement on record."
    else:
        current_shown = format_card_number(current.number, group_size)
        message = f"{revoked}; the current card is {current_shown}: look that one up for the plan."
    return LineAnswer(
        number=card.number,
        number_display=shown,
        status=LineStatus.REVOKED,
        message=message,
        what_to_do=what_to_do,
        missing=(),
        card_id=card.id,
        carer_id=card.carer_id,
        plan_id=None,
        carer_name=_carer_name(carer),
        carer_phone=None,
        revoked_on=card.revoked_on,
        current_card_number=current.number if current is not None else None,
        replacement_care_route=settings.replacement_care_route,
        replacement_care_hours=settings.replacement_care_hours,
        exceptional_replacement_care_hours=settings.exceptional_replacement_care_hours,
    )


def revoked_what_to_do(
    current_number: str | None, settings: EmergencyLineSettings, group_size: int
) -> str:
    """What the operator does after a revoked number: look up the card that replaced it,
    or (none on record) find out who it is and arrange care."""
    if current_number is None:
        return (
            "Ask the caller for the carer's name and ring the office; if care is needed now, "
            f"{_replacement(settings)}."
        )
    return f"Look up card {format_card_number(current_number, group_size)}."


def current_card(
    card: EmergencyCard, find: Callable[[str], EmergencyCard | None]
) -> EmergencyCard | None:
    """The live card that replaced ``card``, following ``replaced_by`` (a card lost twice
    points through its first replacement); None when the walk ends without one. ``find``
    gives a card by id (None when not held); a cycle from damaged data ends the walk."""
    seen = {card.id}
    while card.replaced_by is not None and card.replaced_by not in seen:
        nxt = find(card.replaced_by)
        if nxt is None:
            return None
        if nxt.is_live:
            return nxt
        seen.add(nxt.id)
        card = nxt
    return None


def replacement_hours_problem(
    hours: int | None, exceptional: bool, settings: EmergencyLineSettings
) -> str | None:
    """Why ``hours`` of replacement care cannot be recorded, or None: from 1 to the usual
    most (48 by default), or to the exceptional most (72) when the case is exceptional."""
    if hours is None:
        return None
    usual, most = settings.replacement_care_hours, settings.exceptional_replacement_care_hours
    if isinstance(hours, bool) or not isinstance(hours, int) or hours < 1:
        return "give the hours of replacement care as a whole number from 1"
    if exceptional and hours > most:
        return f"{hours} hours is more than the {most} allowed even in exceptional cases"
    if not exceptional and hours > usual:
        return (
            f"{hours} hours is more than the usual {usual}; up to {most} hours can be "
            "arranged in exceptional cases (mark the case exceptional and say why)"
        )
    return None


def describe_call(payload: Mapping[str, Any]) -> str | None:
    """How a person recognises a recorded call without its carer's record: "call on card
    1234 5678 at 14:03 on 2 December 2026" (local time). None when the payload is not a
    call's (no card number)."""
    digits = payload.get("card_number")
    if not isinstance(digits, str) or not (digits.isascii() and digits.isdigit()):
        return None
    words = f"call on card {format_card_number(digits, DEFAULT_GROUP_SIZE)}"
    received = payload.get("received_at")
    try:
        when = datetime.fromisoformat(str(received)).astimezone() if received else None
    except ValueError:
        when = None
    if when is None:
        return words
    return f"{words} at {when:%H:%M} on {long_date(when.date())}"
