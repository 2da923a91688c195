"""The carer's profile as a form (BRIEF §6): its sections, and the two-way conversion
between what the form holds and a :class:`Carer`.

Building a carer from the form collects EVERY problem at once — each part (contact,
address, referral, consent, each person cared for, each contact) is built on its own and
its problems are named by their full path ("cared_for.1.name"), so each message can sit
next to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from carer_desk.errors import ValidationError
from carer_desk.records.carer import (
    AccessibleFormat,
    CaredForPerson,
    Carer,
    CarerType,
    Condition,
    Consent,
    Contact,
    EmploymentStatus,
    EqualityMonitoring,
    Ethnicity,
    Gender,
    LawfulBasis,
    Referral,
    ReferralSource,
    Religion,
    SexualOrientation,
    YesNoPreferNot,
)
from carer_desk.records.contact_details import ContactDetails, PreferredChannel
from carer_desk.records.places import Address, District
from carer_desk.records.teams import LocalityTeam
from ui.forms.fields import (
    FieldSpec,
    Kind,
    ListSpec,
    Problems,
    Section,
    choices_of,
    display_value,
    parse_value,
)

T = TypeVar("T")
Values = dict[str, Any]

SECTIONS: tuple[Section, ...] = (
    Section(
        "Name and how to reach them",
        (
            FieldSpec("given_name", "First name", required=True, max_length=100),
            FieldSpec("family_name", "Family name", required=True, max_length=100),
            FieldSpec("preferred_name", "Preferred name", hint="What they like to be called"),
            FieldSpec("date_of_birth", "Date of birth", Kind.DATE),
            FieldSpec("contact.phone", "Phone", max_length=40),
            FieldSpec("contact.mobile", "Mobile", max_length=40),
            FieldSpec("contact.email", "Email"),
            FieldSpec(
                "contact.preferred_channel",
                "Best way to reach them",
                Kind.CHOICE,
                choices_of(PreferredChannel),
            ),
        ),
    ),
    Section(
        "Address",
        (
            FieldSpec("address.line1", "House and street"),
            FieldSpec("address.line2", "Second line"),
            FieldSpec("address.town", "Town or village"),
            FieldSpec("address.postcode", "Postcode", max_length=10),
            FieldSpec("address.district", "District", Kind.CHOICE, choices_of(District)),
        ),
        note="Leave the address empty if it is not known yet.",
    ),
    Section(
        "Communication",
        (
            FieldSpec("language", "Language"),
            FieldSpec("interpreter_needed", "Needs an interpreter", Kind.TICK),
            FieldSpec(
                "accessible_formats",
                "Accessible formats",
                Kind.CHOICES,
                choices_of(AccessibleFormat),
            ),
        ),
    ),
    Section(
        "Their caring",
        (
            FieldSpec("carer_types", "Kind of carer", Kind.CHOICES, choices_of(CarerType)),
            FieldSpec("hours_of_care_per_week", "Hours of care a week", Kind.NUMBER),
            FieldSpec("lives_with_cared_for", "Lives with the person they care for", Kind.YES_NO),
            FieldSpec(
                "employment_status",
                "Work or education",
                Kind.CHOICE,
                choices_of(EmploymentStatus),
            ),
        ),
    ),
    Section(
        "GP",
        (
            FieldSpec("gp_practice", "GP practice"),
            FieldSpec(
                "registered_with_gp_as_carer", "Registered with the GP as a carer", Kind.YES_NO
            ),
            FieldSpec(
                "encouraged_to_register_with_gp_on",
                "Encouraged to register with the GP on",
                Kind.DATE,
            ),
        ),
    ),
    Section(
        "Referral",
        (
            FieldSpec("referral.date", "Referred on", Kind.DATE, required=True),
            FieldSpec(
                "referral.source",
                "Referred by",
                Kind.CHOICE,
                choices_of(ReferralSource),
                required=True,
            ),
            FieldSpec("referral.source_detail", "Which practice, team or person"),
            FieldSpec("referral.contacted_on", "First contacted on", Kind.DATE),
        ),
    ),
    Section(
        "Consent",
        (
            FieldSpec("consent.given", "The carer agrees to us keeping their record", Kind.TICK),
            FieldSpec("consent.date", "Agreed on", Kind.DATE),
            FieldSpec(
                "consent.lawful_basis",
                "Lawful basis",
                Kind.CHOICE,
                choices_of(LawfulBasis),
                required=True,
            ),
            FieldSpec("consent.notes", "Notes on consent", Kind.LONG_TEXT, max_length=2000),
        ),
    ),
    Section(
        "Our team",
        (
            FieldSpec("team", "Locality team", Kind.CHOICE, choices_of(LocalityTeam)),
            FieldSpec("worker", "Outreach worker (user name)", max_length=64),
            FieldSpec("safeguarding_flag", "Safeguarding concern recorded", Kind.TICK),
        ),
    ),
    Section(
        "Equality monitoring",
        (
            FieldSpec("equality.gender", "Gender", Kind.CHOICE, choices_of(Gender)),
            FieldSpec(
                "equality.gender_same_as_at_birth",
                "Gender the same as registered at birth",
                Kind.CHOICE,
                choices_of(YesNoPreferNot),
            ),
            FieldSpec("equality.ethnicity", "Ethnic group", Kind.CHOICE, choices_of(Ethnicity)),
            FieldSpec("equality.religion", "Religion", Kind.CHOICE, choices_of(Religion)),
            FieldSpec(
                "equality.sexual_orientation",
                "Sexual orientation",
                Kind.CHOICE,
                choices_of(SexualOrientation),
            ),
            FieldSpec("equality.disability", "Disability", Kind.CHOICE, choices_of(YesNoPreferNot)),
        ),
        note="Optional: ask only if the carer is happy to answer. Every question has "
        "\u201cPrefer not to say\u201d.",
        optional=True,
    ),
)

CARED_FOR = ListSpec(
    "cared_for",
    "People they care for",
    "Person cared for",
    (
        FieldSpec("name", "Name", required=True, max_length=100),
        FieldSpec("relationship", "Who they are to the carer", required=True),
        FieldSpec("date_of_birth", "Date of birth", Kind.DATE),
        FieldSpec("conditions", "Conditions", Kind.CHOICES, choices_of(Condition)),
        FieldSpec("lives_with_carer", "Lives with the carer", Kind.YES_NO),
    ),
    "&Add a person cared for",
)

CONTACTS = ListSpec(
    "contacts",
    "People around them",
    "Contact",
    (
        FieldSpec("name", "Name", required=True, max_length=100),
        FieldSpec("relationship", "Who they are to the carer", required=True),
        FieldSpec("phone", "Phone", max_length=40),
        FieldSpec("email", "Email"),
        FieldSpec("consent_given", "They agree to be recorded as a contact", Kind.TICK),
        FieldSpec("consent_date", "Agreed on", Kind.DATE),
    ),
    "Add a c&ontact",
    note="Contacts are people in their own right: record their agreement to be listed.",
)

LISTS = (CARED_FOR, CONTACTS)
ALL_FIELDS = {f.key: f for s in SECTIONS for f in s.fields}


# --- record -> form ----------------------------------------------------------------------


def _get(record: Any, path: str) -> Any:
    value = record
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def values_of(carer: Carer) -> Values:
    """What the form shows for a stored carer."""
    values: Values = {
        key: display_value(spec, _get(carer, key)) for key, spec in ALL_FIELDS.items()
    }
    for spec in LISTS:
        values[spec.key] = [
            {"id": item.id, **{f.key: display_value(f, getattr(item, f.key)) for f in spec.fields}}
            for item in getattr(carer, spec.key)
        ]
    return values


def blank_values(*, today_text: str, worker: str | None, team: str | None) -> Values:
    """A new carer met today: referral and consent dated today, in the worker's team."""
    values: Values = {key: display_value(spec, None) for key, spec in ALL_FIELDS.items()}
    values.update(
        {
            "referral.date": today_text,
            "referral.source": ReferralSource.SELF.value,
            "consent.lawful_basis": LawfulBasis.CONSENT.value,
            "consent.date": today_text,
            "worker": worker or "",
            "team": team,
            "cared_for": [],
            "contacts": [],
        }
    )
    return values


# --- form -> record ----------------------------------------------------------------------


def _build(problems: Problems, prefix: str, make: Callable[[], T]) -> T | None:
    try:
        return make()
    except ValidationError as exc:
        problems.merge(exc, prefix)
        return None


def _enum(enum: Any, value: Any) -> Any:
    return enum(value) if value not in (None, "") else None


def _parsed(values: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    return {key: parse_value(spec, values.get(key), problems) for key, spec in ALL_FIELDS.items()}


def _items(
    values: Mapping[str, Any], spec: ListSpec, problems: Problems, make: Callable[..., T]
) -> list[T]:
    built: list[T] = []
    for pos, item in enumerate(values.get(spec.key) or []):
        prefix = f"{spec.key}.{pos}."
        item_problems = Problems()
        fields = {
            f.key: parse_value(
                FieldSpec(prefix + f.key, f.label, f.kind, f.choices, f.required),
                item.get(f.key),
                item_problems,
            )
            for f in spec.fields
        }
        problems.items.update(item_problems.items)
        if item_problems.items:
            continue
        kwargs = {k: v for k, v in fields.items()}
        if item.get("id"):
            kwargs["id"] = item["id"]
        made = _build(problems, prefix, lambda kw=kwargs: make(**kw))
        if made is not None:
            built.append(made)
    return built


def carer_from_values(
    values: Mapping[str, Any], existing: Carer | None = None
) -> tuple[Carer | None, dict[str, str]]:
    """The carer the form describes, or None with every problem by field path."""
    problems = Problems()
    v = _parsed(values, problems)
    contact = _build(
        problems,
        "contact.",
        lambda: ContactDetails(
            phone=v["contact.phone"],
            mobile=v["contact.mobile"],
            email=v["contact.email"],
            preferred_channel=_enum(PreferredChannel, v["contact.preferred_channel"]),
        ),
    )
    address_keys = ("address.line1", "address.line2", "address.town", "address.postcode")
    address = None
    if any(v[k] for k in address_keys) or v["address.district"]:
        address = _build(
            problems,
            "address.",
            lambda: Address(
                line1=v["address.line1"] or "",
                line2=v["address.line2"],
                town=v["address.town"] or "",
                postcode=v["address.postcode"] or "",
                district=_enum(District, v["address.district"]),
            ),
        )
    referral = _build(
        problems,
        "referral.",
        lambda: Referral(
            date=v["referral.date"],
            source=_enum(ReferralSource, v["referral.source"]),
            source_detail=v["referral.source_detail"],
            contacted_on=v["referral.contacted_on"],
        ),
    )
    consent = _build(
        problems,
        "consent.",
        lambda: Consent(
            given=bool(v["consent.given"]),
            date=v["consent.date"],
            lawful_basis=_enum(LawfulBasis, v["consent.lawful_basis"]) or LawfulBasis.CONSENT,
            notes=v["consent.notes"],
        ),
    )
    equality = _build(
        problems,
        "equality.",
        lambda: EqualityMonitoring(
            gender=_enum(Gender, v["equality.gender"]),
            ethnicity=_enum(Ethnicity, v["equality.ethnicity"]),
            religion=_enum(Religion, v["equality.religion"]),
            sexual_orientation=_enum(SexualOrientation, v["equality.sexual_orientation"]),
            disability=_enum(YesNoPreferNot, v["equality.disability"]),
            gender_same_as_at_birth=_enum(YesNoPreferNot, v["equality.gender_same_as_at_birth"]),
        ),
    )
    cared_for = _items(
        values,
        CARED_FOR,
        problems,
        lambda **kw: CaredForPerson(
            **{**kw, "conditions": tuple(Condition(c) for c in kw.get("conditions") or ())}
        ),
    )
    contacts = _items(values, CONTACTS, problems, lambda **kw: Contact(**kw))
    if problems.items or None in (contact, referral, consent, equality):
        return None, problems.items
    fields = {
        "given_name": v["given_name"] or "",
        "family_name": v["family_name"] or "",
        "preferred_name": v["preferred_name"],
        "date_of_birth": v["date_of_birth"],
        "contact": contact,
        "address": address,
        "language": v["language"],
        "interpreter_needed": bool(v["interpreter_needed"]),
        "accessible_formats": tuple(AccessibleFormat(f) for f in v["accessible_formats"]),
        "gp_practice": v["gp_practice"],
        "registered_with_gp_as_carer": v["registered_with_gp_as_carer"],
        "encouraged_to_register_with_gp_on": v["encouraged_to_register_with_gp_on"],
        "employment_status": _enum(EmploymentStatus, v["employment_status"]),
        "carer_types": tuple(CarerType(t) for t in v["carer_types"]),
        "hours_of_care_per_week": v["hours_of_care_per_week"],
        "lives_with_cared_for": v["lives_with_cared_for"],
        "referral": referral,
        "consent": consent,
        "equality": equality,
        "cared_for": tuple(cared_for),
        "contacts": tuple(contacts),
        "team": _enum(LocalityTeam, v["team"]),
        "worker": v["worker"],
        "safeguarding_flag": bool(v["safeguarding_flag"]),
    }
    if existing is not None:
        carer = _build(problems, "", lambda: replace(existing, **fields))
    else:
        carer = _build(problems, "", lambda: Carer(**fields))
    return carer, problems.items
