"""The emergency / contingency plan as a form (BRIEF §4): its sections, the two-way
conversion between what the form holds and an :class:`EmergencyPlan`, and what the plan
still needs — measured by the core's own rules while the person types.

Qt-free. Values travel as a flat dict keyed by the record's own paths ("access.key_safe",
"cared_for.0.gp", "emergency_contacts.1.phone"), so each problem the core names sits next
to its field. The contacts are a list in the order the line rings them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from carer_desk.config import PlanSettings, Settings
from carer_desk.errors import ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.carer import Carer
from carer_desk.records.places import Address
from carer_desk.records.plan import (
    EmergencyContact,
    EmergencyPlan,
    HomeAccess,
    LegalArrangements,
    Medication,
    PlanPerson,
    plan_gaps,
)
from carer_desk.rules.emergency_line import line_gaps
from ui.forms.fields import FieldSpec, Kind, ListSpec, Problems, Section, display_value, parse_value

T = TypeVar("T")
Values = dict[str, Any]
LONG = 2_000  # a few paragraphs: what a replacement carer reads on the doorstep

MEDICATION_HINT = (
    "One medicine a line: name; dose; when; where it is kept — for example "
    "'Donepezil; 10 mg; 8am; kitchen cupboard'"
)

PERSON = ListSpec(
    "cared_for",
    "People cared for",
    "Person cared for",
    (
        FieldSpec("name", "Name", required=True, max_length=100),
        FieldSpec("address.line1", "House and street", hint="Where care is needed"),
        FieldSpec("address.line2", "Second line"),
        FieldSpec("address.town", "Town or village"),
        FieldSpec("address.postcode", "Postcode", max_length=10),
        FieldSpec(
            "conditions_and_care_needed",
            "Conditions and the care they need",
            Kind.LONG_TEXT,
            max_length=LONG,
        ),
        FieldSpec(
            "medication", "Medication", Kind.LONG_TEXT, hint=MEDICATION_HINT, max_length=LONG
        ),
        FieldSpec("takes_no_medication", "Takes no regular medication", Kind.TICK),
        FieldSpec("allergies", "Allergies", hint="Write 'none known' if there are none"),
        FieldSpec("gp", "GP practice"),
        FieldSpec("pharmacy", "Pharmacy"),
        FieldSpec("daily_routine", "Daily routine", Kind.LONG_TEXT, max_length=LONG),
        FieldSpec("likes", "Likes", Kind.LONG_TEXT, max_length=LONG),
        FieldSpec("dislikes", "Dislikes", Kind.LONG_TEXT, max_length=LONG),
        FieldSpec("mobility_aids", "Mobility aids"),
        FieldSpec("communication_needs", "Communication needs", Kind.LONG_TEXT, max_length=LONG),
        FieldSpec("continence_supplies", "Continence supplies"),
        FieldSpec(
            "behaviour_that_may_worry_a_stranger",
            "Behaviour that may worry a stranger",
            Kind.LONG_TEXT,
            max_length=LONG,
        ),
    ),
    "&Add a person cared for",
    note=(
        "Leave the address empty when they live with the carer; give it when they live "
        "apart (a distance carer): it is where the line sends help."
    ),
)

CONTACT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Contact's name", required=True, max_length=100),
    FieldSpec("role", "Who they are", required=True, hint="daughter, neighbour with key…"),
    FieldSpec("phone", "Phone", required=True, max_length=40),
    FieldSpec("availability", "When they can be reached", hint="weekdays after 5pm, any time…"),
    FieldSpec("holds_key", "Holds a key", Kind.TICK),
    FieldSpec("consent_given", "Agreed to be an emergency contact", Kind.TICK),
    FieldSpec("consent_date", "Date they agreed", Kind.DATE),
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "Getting into the home",
        (
            FieldSpec("access.key_safe", "There is a key safe", Kind.TICK),
            FieldSpec(
                "access.key_safe_code_held_by",
                "Who can give the key safe code",
                hint="Never the code itself: it would reach the printouts",
            ),
            FieldSpec("access.who_holds_keys", "Who holds keys"),
            FieldSpec("access.how_to_get_in", "How to get in", Kind.LONG_TEXT, max_length=LONG),
        ),
    ),
    Section(
        "The home",
        (
            FieldSpec("pets", "Pets", Kind.LONG_TEXT, max_length=LONG),
            FieldSpec(
                "alarms_and_assistive_technology",
                "Alarms and assistive technology",
                Kind.LONG_TEXT,
                max_length=LONG,
            ),
            FieldSpec(
                "services_in_place", "Services already in place", Kind.LONG_TEXT, max_length=LONG
            ),
        ),
    ),
    Section(
        "Legal arrangements",
        (
            FieldSpec("legal.power_of_attorney", "Power of attorney"),
            FieldSpec("legal.will", "Will"),
            FieldSpec(
                "legal.advance_decisions", "Advance decisions", Kind.LONG_TEXT, max_length=LONG
            ),
        ),
    ),
    Section(
        "The longer term",
        (
            FieldSpec(
                "longer_term_plan",
                "When the carer can no longer care",
                Kind.LONG_TEXT,
                max_length=LONG,
            ),
        ),
    ),
    Section(
        "Consent and review",
        (
            FieldSpec(
                "consent_to_share_with_emergency_service",
                "The carer agrees to share this plan with the emergency line",
                Kind.TICK,
            ),
            FieldSpec("consent_date", "Date they agreed", Kind.DATE),
            FieldSpec("review_date", "Review the plan by", Kind.DATE),
            FieldSpec(
                "card_first_name_on_back", "The carer's first name on the card's back", Kind.TICK
            ),
        ),
        note=(
            "Taking the consent away suspends the carer's cards until they agree again. "
            "The card's back may carry one contact who agreed (chosen below the contacts)."
        ),
    ),
)

FIELDS: dict[str, FieldSpec] = {f.key: f for s in SECTIONS for f in s.fields}
CONTACTS_KEY = "emergency_contacts"
BACK_KEY = "card_contact_on_back"  # the chosen contact's id, or None


# --- record -> form --------------------------------------------------------------------


def _get(record: Any, path: str) -> Any:
    value = record
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def medication_text(medication: Sequence[Medication]) -> str:
    return "\n".join(
        "; ".join(p or "" for p in (m.name, m.dose, m.when, m.where_kept)).rstrip("; ")
        for m in medication
    )


def _person_values(person: PlanPerson) -> Values:
    values: Values = {"id": person.id}
    for spec in PERSON.fields:
        if spec.key == "medication":
            values["medication"] = medication_text(person.medication)
        else:
            values[spec.key] = display_value(spec, _get(person, spec.key))
    return values


def contact_values(contact: EmergencyContact | None = None) -> Values:
    values: Values = {"id": contact.id} if contact is not None else {}
    for spec in CONTACT_FIELDS:
        values[spec.key] = display_value(spec, getattr(contact, spec.key, None))
    return values


def values_of(plan: EmergencyPlan | None) -> Values:
    """What the form shows for a stored plan (or a blank one)."""
    values: Values = {key: display_value(spec, _get(plan, key)) for key, spec in FIELDS.items()}
    values["cared_for"] = [_person_values(p) for p in plan.cared_for] if plan else []
    values[CONTACTS_KEY] = [contact_values(c) for c in plan.emergency_contacts] if plan else []
    back = plan.card_back_contact if plan else None
    values[BACK_KEY] = back.id if back is not None else None
    return values


def blank_values(carer: Carer | None) -> Values:
    """A first plan: the people the carer's record already names (told once, never
    re-asked)."""
    values = values_of(None)
    if carer is not None:
        values["cared_for"] = [
            _person_values(PlanPerson(name=p.name, cared_for_id=p.id))
            for p in carer.cared_for
            if p.name
        ]
    return values


def links_of(carer: Carer | None, values: Mapping[str, Any]) -> dict[str, str]:
    """Which person on the plan is which person cared for on the carer's record (the
    form keeps only the plan's own ids): matched by name for a first plan."""
    if carer is None:
        return {}
    by_name = {p.name: p.id for p in carer.cared_for if p.name}
    return {
        item["id"]: by_name[item["name"]]
        for item in values.get("cared_for") or []
        if item.get("id") and item.get("name") in by_name
    }


def contact_line(position: int, values: Mapping[str, Any]) -> str:
    """A contact as the call-order list shows them."""
    name = (values.get("name") or "").strip() or "(no name yet)"
    role = (values.get("role") or "").strip()
    phone = (values.get("phone") or "").strip()
    consent = "agreed" if values.get("consent_given") else "not agreed yet"
    key = " · holds a key" if values.get("holds_key") else ""
    parts = [p for p in (role, phone) if p]
    return (
        f"{position}. {name}" + (f" ({', '.join(parts)})" if parts else "") + (f" — {consent}{key}")
    )


# --- form -> record --------------------------------------------------------------------


def _build(problems: Problems, prefix: str, make: Callable[[], T]) -> T | None:
    try:
        return make()
    except ValidationError as exc:
        problems.merge(exc, prefix)
        return None


def _parse_item(
    specs: Sequence[FieldSpec], item: Mapping[str, Any], prefix: str, problems: Problems
) -> dict[str, Any]:
    return {
        s.key: parse_value(replace(s, key=prefix + s.key), item.get(s.key), problems) for s in specs
    }


def parse_medication(text: str | None, key: str, problems: Problems) -> tuple[Medication, ...]:
    found = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() or None for p in line.split(";")]
        if not any(parts):
            continue
        if len(parts) > 4:
            problems.add(key, f"line {n} has more than four parts; {MEDICATION_HINT}")
            continue
        name, dose, when, kept = (parts + [None] * 4)[:4]
        if name is None:
            problems.add(key, f"line {n} has no medicine's name; {MEDICATION_HINT}")
            continue
        found.append(Medication(name=name, dose=dose, when=when, where_kept=kept))
    return tuple(found)


_ADDRESS_KEYS = ("address.line1", "address.line2", "address.town", "address.postcode")


def _person(
    item: Mapping[str, Any], pos: int, linked: Mapping[str, str | None], problems: Problems
) -> PlanPerson | None:
    prefix = f"cared_for.{pos}."
    own = Problems()
    v = _parse_item(PERSON.fields, item, prefix, own)
    meds = parse_medication(item.get("medication"), prefix + "medication", own)
    address = None
    if any(v[k] for k in _ADDRESS_KEYS):
        address = _build(
            own,
            prefix + "address.",
            lambda: Address(
                line1=v["address.line1"] or "",
                line2=v["address.line2"],
                town=v["address.town"] or "",
                postcode=v["address.postcode"] or "",
            ),
        )
    problems.items.update(own.items)
    if own.items:
        return None
    fields = {k: val for k, val in v.items() if not k.startswith("address.")}
    fields.update(medication=meds, address=address)
    item_id = item.get("id")
    cared_for_id = linked.get(item_id) if item_id else None
    if item_id:
        fields["id"] = item_id
    return _build(problems, prefix, lambda: PlanPerson(cared_for_id=cared_for_id, **fields))


def _contact(item: Mapping[str, Any], pos: int, problems: Problems) -> EmergencyContact | None:
    prefix = f"{CONTACTS_KEY}.{pos}."
    own = Problems()
    v = _parse_item(CONTACT_FIELDS, item, prefix, own)
    problems.items.update(own.items)
    if own.items:
        return None
    if item.get("id"):
        v["id"] = item["id"]
    v = {k: ("" if val is None and k in ("name", "role", "phone") else val) for k, val in v.items()}
    return _build(problems, prefix, lambda: EmergencyContact(**v))


def plan_from_values(
    values: Mapping[str, Any],
    *,
    carer_id: str,
    existing: EmergencyPlan | None,
    today: date,
    links: Mapping[str, str] | None = None,
) -> tuple[EmergencyPlan | None, dict[str, str]]:
    """The plan the form describes, or None with every problem by field path. ``links``:
    a person's id on the plan -> their id on the carer's record, for a first plan."""
    problems = Problems()
    v = {key: parse_value(spec, values.get(key), problems) for key, spec in FIELDS.items()}
    linked: dict[str, str | None] = dict(links or {})
    if existing is not None:
        linked.update({p.id: p.cared_for_id for p in existing.cared_for})
    people = [
        _person(item, pos, linked, problems)
        for pos, item in enumerate(values.get("cared_for") or [])
    ]
    contacts = [
        _contact(item, pos, problems) for pos, item in enumerate(values.get(CONTACTS_KEY) or [])
    ]
    access = _build(
        problems,
        "access.",
        lambda: HomeAccess(
            key_safe=bool(v["access.key_safe"]),
            key_safe_code_held_by=v["access.key_safe_code_held_by"],
            who_holds_keys=v["access.who_holds_keys"],
            how_to_get_in=v["access.how_to_get_in"],
        ),
    )
    legal = LegalArrangements(
        power_of_attorney=v["legal.power_of_attorney"],
        will=v["legal.will"],
        advance_decisions=v["legal.advance_decisions"],
    )
    if problems.items or None in people or None in contacts or access is None:
        return None, problems.items
    back_id = values.get(BACK_KEY)
    back = next((i for i, c in enumerate(contacts) if c and c.id == back_id), None)
    fields = dict(
        carer_id=carer_id,
        cared_for=tuple(people),
        access=access,
        pets=v["pets"],
        alarms_and_assistive_technology=v["alarms_and_assistive_technology"],
        services_in_place=v["services_in_place"],
        legal=legal,
        emergency_contacts=tuple(contacts),
        longer_term_plan=v["longer_term_plan"],
        consent_to_share_with_emergency_service=bool(v["consent_to_share_with_emergency_service"]),
        consent_date=v["consent_date"],
        review_date=v["review_date"],
        card_first_name_on_back=bool(v["card_first_name_on_back"]),
        card_contact_on_back=back,
    )
    if existing is not None:
        fields.update(
            id=existing.id,
            created_on=existing.created_on,
            updated_on=existing.updated_on,
            consent_withdrawn_on=existing.consent_withdrawn_on,
        )
        if fields["consent_to_share_with_emergency_service"]:
            fields["consent_withdrawn_on"] = None
    else:
        fields["created_on"] = today
    plan = _build(problems, "", lambda: EmergencyPlan(**fields))
    return plan, problems.items


# --- what the plan still needs ---------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """What the plan still needs (the contract's "plan in place") and what the card's
    minimum still lacks, in the core's own words; ``to_correct`` counts fields whose
    text cannot be read yet."""

    missing: tuple[str, ...]
    card_gaps: tuple[str, ...]
    to_correct: int = 0

    @property
    def complete(self) -> bool:
        return not self.missing and not self.to_correct

    @property
    def card_ready(self) -> bool:
        return not self.card_gaps and not self.to_correct

    def headline(self) -> str:
        if self.to_correct:
            return (
                f"{self.to_correct} thing(s) to correct, each marked in red; then the plan "
                "can be saved."
            )
        if self.complete:
            return "Complete: this carer has a contingency plan in place."
        return f"Not complete yet: {len(self.missing)} thing(s) still needed."

    def card_sentence(self) -> str:
        if self.card_ready:
            return "A card may be issued for this plan."
        if self.to_correct:
            return "A card can be issued once the plan is saved and meets the line's minimum."
        return "Before a card can be issued, the plan needs: " + "; ".join(self.card_gaps) + "."


def _loose(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values in the stored plan's shape, however half-typed, for the core's
    :func:`plan_gaps` (which reads a plan or its payload alike)."""

    def text(value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value

    people = [
        {
            "name": text(p.get("name")) or "The person cared for",
            "conditions_and_care_needed": text(p.get("conditions_and_care_needed")),
            "medication": [m for m in (p.get("medication") or "").splitlines() if m.strip()],
            "takes_no_medication": bool(p.get("takes_no_medication")),
            "allergies": text(p.get("allergies")),
            "gp": text(p.get("gp")),
        }
        for p in values.get("cared_for") or []
    ]
    return {
        "cared_for": people,
        "access": {
            "key_safe": bool(values.get("access.key_safe")),
            "who_holds_keys": text(values.get("access.who_holds_keys")),
            "how_to_get_in": text(values.get("access.how_to_get_in")),
        },
        "emergency_contacts": [
            {"name": text(c.get("name")) or "A contact", "consent_given": c.get("consent_given")}
            for c in values.get(CONTACTS_KEY) or []
        ],
        "consent_to_share_with_emergency_service": bool(
            values.get("consent_to_share_with_emergency_service")
        ),
        "review_date": text(values.get("review_date")),
    }


def completeness(
    values: Mapping[str, Any],
    *,
    carer: Carer | None,
    existing: EmergencyPlan | None,
    settings: Settings,
    today: date,
) -> Completeness:
    """What the typed plan still needs, by the core's rules (the plan's own
    ``plan_gaps`` and the line's ``line_gaps``); the review date the core would set when
    saved is counted as set."""
    carer_id = carer.id if carer is not None else (existing.carer_id if existing else "0" * 32)
    plan, problems = plan_from_values(values, carer_id=carer_id, existing=existing, today=today)
    if plan is None:
        loose = _loose(values)
        loose["review_date"] = loose["review_date"] or "set when saved"
        return Completeness(plan_gaps(loose, settings.plans), (), len(problems))
    if plan.review_date is None:  # the service sets it from the settings when saving
        plan = replace(plan, review_date=plan.created_on + timedelta(days=1))
    return Completeness(
        plan.missing_sections(settings.plans), line_gaps(plan, carer, settings.emergency_line)
    )


def review_sentence(plan: EmergencyPlan | None, settings: PlanSettings, today: date) -> str:
    """The review reminder: overdue, due soon (within the reminder days), or when."""
    if plan is None or plan.review_date is None:
        return ""
    due = plan.review_date
    if due < today:
        return (
            f"⚠ The plan's review is overdue: it was due on {long_date(due)}. Go through it "
            "with the carer."
        )
    if due <= today + timedelta(days=settings.reminder_days_before):
        return f"⚠ The plan's review falls due on {long_date(due)}. Go through it with the carer."
    return f"Review the plan by {long_date(due)}."
