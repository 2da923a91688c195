"""An emergency plan laid out in the order a stranger needs it.

Whoever reads a printed plan is in a hurry and does not know the family: first who to
ring, then what the person cared for needs to stay safe (their care, medication,
allergies), then how to get in, then the day-to-day detail, and last the paperwork.
Allergies are always shown, as "Not recorded" when blank: an empty space could be read
as "none".
"""

from __future__ import annotations

from datetime import date

from carer_desk.formatting import long_date
from carer_desk.printing.document import (
    NOT_RECORDED,
    Document,
    Entry,
    Section,
    entries,
)
from carer_desk.printing.fonts import isolate
from carer_desk.records.carer import Carer
from carer_desk.records.plan import EmergencyContact, EmergencyPlan, Medication, PlanPerson
from carer_desk.rules.emergency_line import care_address

# The order of the sections, by title; tests and docs refer to it.
SECTION_ORDER = (
    "Who to call",
    "Who is cared for and what care they need",
    "Medication",
    "Allergies",
    "How to get in",
    "Daily routine, likes and dislikes",
    "Mobility, communication and personal care",
    "Behaviour that may worry a stranger",
    "GP and pharmacy",
    "Pets",
    "Alarms and equipment in the home",
    "Services already in place",
    "Power of attorney, will and advance decisions",
    "The longer-term plan",
    "About this plan",
)


def _contact_line(position: int, contact: EmergencyContact) -> Entry:
    parts = [f"{contact.phone}"]
    if contact.availability:
        parts.append(f"Available: {contact.availability}")
    parts.append("Has a key" if contact.holds_key else "Does not have a key")
    return Entry(f"{position}. {isolate(contact.name)} ({contact.role})", ". ".join(parts) + ".")


def _consent_words(plan: EmergencyPlan) -> str:
    if plan.consent_to_share_with_emergency_service and plan.consent_date:
        return f"Yes, given on {long_date(plan.consent_date)}."
    if plan.consent_withdrawn_on is not None:
        return (
            f"Withdrawn on {long_date(plan.consent_withdrawn_on)}: the emergency line does "
            "not use this plan."
        )
    return "Not given."


def _medication_line(med: Medication) -> str:
    text = ", ".join(p for p in (med.dose, med.when) if p) or "dose not recorded"
    if med.where_kept:
        text += f". Kept: {med.where_kept}"
    return text + "."


def _per_person(
    people: tuple[PlanPerson, ...], field_name: str, label: str | None = None
) -> list[Entry]:
    out: list[Entry] = []
    for person in people:
        value = getattr(person, field_name)
        if value:
            prefix = isolate(person.name) if len(people) > 1 or label is None else None
            shown = f"{prefix}: {label}" if prefix and label else (prefix or label)
            out.append(Entry(shown, value))
    return out


def plan_document(
    plan: EmergencyPlan, carer: Carer, *, printed_on: date, emergency_phone: str | None
) -> Document:
    """The plan as a :class:`Document` ready for :func:`render_document`."""
    people = plan.cared_for
    names = ", ".join(isolate(p.name) for p in people)

    # Only contacts who agreed to be rung are printed: the plan leaves the building.
    call = [
        _contact_line(i, c)
        for i, c in enumerate(plan.emergency_contacts, start=1)
        if c.consent_given
    ]
    if emergency_phone:
        call.append(
            Entry(
                "24-hour emergency line",
                f"{emergency_phone}. Ring it if you cannot reach anyone above: they can "
                "arrange care for a few hours or days.",
            )
        )

    cared = [
        Entry(f"{isolate(p.name)}", p.conditions_and_care_needed or NOT_RECORDED) for p in people
    ]

    meds: list[Entry] = []
    for person in people:
        if person.takes_no_medication:
            meds.append(Entry(isolate(person.name), "Takes no regular medication."))
        elif not person.medication:
            meds.append(Entry(isolate(person.name), NOT_RECORDED))
        for med in person.medication:
            label = med.name if len(people) == 1 else f"{isolate(person.name)}: {med.name}"
            meds.append(Entry(label, _medication_line(med)))

    allergies = [Entry(isolate(p.name), p.allergies or NOT_RECORDED) for p in people]

    access = plan.access
    # Where care is needed: each person cared for's address, which is not the carer's for
    # a distance carer. Always shown, as "Not recorded" when unknown: a stranger must not
    # go to the carer's house for someone who lives elsewhere.
    get_in = []
    for person in people or ():
        where = care_address(person, carer)
        label = "Address" if len(people) == 1 else f"{isolate(person.name)}: address"
        get_in.append(Entry(label, ", ".join(where) if where else NOT_RECORDED))
    if not people and carer.address:
        get_in.append(Entry("Address", ", ".join(carer.address.lines())))
    get_in.extend(
        entries(
            [
                ("How to get in", access.how_to_get_in),
                ("Who holds keys", access.who_holds_keys),
            ]
        )
    )
    if access.key_safe:
        # The code is never stored, so never printed: the plan says who can give it.
        get_in.append(
            Entry(
                "Key safe",
                f"There is a key safe. For the code, ask {access.key_safe_code_held_by}.",
            )
        )

    routine = (
        _per_person(people, "daily_routine", "Daily routine")
        + _per_person(people, "likes", "Likes")
        + _per_person(people, "dislikes", "Dislikes")
    )
    personal = (
        _per_person(people, "mobility_aids", "Mobility aids")
        + _per_person(people, "communication_needs", "Communication")
        + _per_person(people, "continence_supplies", "Continence supplies")
    )
    behaviour = _per_person(people, "behaviour_that_may_worry_a_stranger", "What to expect")
    gp = _per_person(people, "gp", "GP") + _per_person(people, "pharmacy", "Pharmacy")

    about = [
        Entry("Carer", isolate(carer.full_name)),
        *entries(
            [
                ("Carer's phone", carer.contact.best_phone),
                ("Plan written", plan.created_on),
                ("Last updated", plan.updated_on),
                ("Review by", plan.review_date),
            ]
        ),
        Entry("Consent to share with the emergency line", _consent_words(plan)),
    ]

    by_title: dict[str, list[Entry]] = {
        "Who to call": call,
        "Who is cared for and what care they need": cared,
        "Medication": meds,
        "Allergies": allergies,
        "How to get in": get_in,
        "Daily routine, likes and dislikes": routine,
        "Mobility, communication and personal care": personal,
        "Behaviour that may worry a stranger": behaviour,
        "GP and pharmacy": gp,
        "Pets": list(entries([(None, plan.pets)])),
        "Alarms and equipment in the home": list(
            entries([(None, plan.alarms_and_assistive_technology)])
        ),
        "Services already in place": list(entries([(None, plan.services_in_place)])),
        "Power of attorney, will and advance decisions": list(
            entries(
                [
                    ("Power of attorney", plan.legal.power_of_attorney),
                    ("Will", plan.legal.will),
                    ("Advance decisions", plan.legal.advance_decisions),
                ]
            )
        ),
        "The longer-term plan": list(entries([(None, plan.longer_term_plan)])),
        "About this plan": about,
    }
    notes = {
        "Who to call": "Ring these people in this order.",
        "Allergies": None,
    }
    # Sections with nothing recorded are left out, except the ones a stranger must never
    # have to guess about: who to call, the care needed, medication and allergies.
    always = {
        "Who to call",
        "Who is cared for and what care they need",
        "Medication",
        "Allergies",
        "How to get in",
        "About this plan",
    }
    sections = tuple(
        Section(title, tuple(by_title[title]), note=notes.get(title))
        for title in SECTION_ORDER
        if by_title[title] or title in always
    )
    about_line = f"For {isolate(carer.display_name)}"
    if names:
        about_line += f", who cares for {names}"
    return Document(
        title="Emergency plan",
        about=about_line,
        printed_on=printed_on,
        review_on=plan.review_date,
        sections=sections,
        intro="If the carer cannot care, this plan says who to ring and what the person "
        "they care for needs.",
    )
