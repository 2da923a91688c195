"""The groups screens' forms, Qt-free: a group, one of its sessions, and a newcomer met at
a session. Each turns what was typed into the core's record (or its use case's
arguments) and names every problem by the field it concerns, the core's own checks
(a web link, a phone number, consent) included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any, TypeVar

from carer_desk.errors import ValidationError
from carer_desk.records.contact_details import ContactDetails
from carer_desk.records.groups import GroupKind, GroupSession, PeerGroup, SessionFormat
from ui.forms.fields import (
    FieldSpec,
    Kind,
    Problems,
    choices_of,
    display_value,
    format_date,
    parse_value,
)

T = TypeVar("T")
Values = dict[str, Any]

TIME_HINT = "write the time as 10:30 or 18:45 (24-hour)"
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?$")

GROUP_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Group name", required=True, max_length=120),
    FieldSpec("kind", "Who it is for", Kind.CHOICE, choices_of(GroupKind), required=True),
    FieldSpec(
        "format", "How it usually meets", Kind.CHOICE, choices_of(SessionFormat), required=True
    ),
    FieldSpec("venue", "Usual venue", hint="The hall or room where it usually meets"),
    FieldSpec("town", "Town or village", max_length=80),
    FieldSpec(
        "online_link",
        "Usual online link",
        hint="The full https:// address people join with",
        placeholder="https://…",
        max_length=500,
    ),
    FieldSpec(
        "facilitator",
        "Facilitator's user name",
        required=True,
        hint="Their Carer Desk user name: their laptop then receives this group",
        max_length=80,
    ),
    FieldSpec("active", "Still meeting", Kind.TICK, hint="Untick when the group stops meeting"),
)

SESSION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "on", "Date", Kind.DATE, required=True, placeholder="e.g. 16/12/2026 or 16 December 2026"
    ),
    FieldSpec("starts_at", "Starts at", hint=TIME_HINT, placeholder="e.g. 10:30", max_length=5),
    FieldSpec("format", "How it meets", Kind.CHOICE, choices_of(SessionFormat), required=True),
    FieldSpec("venue", "Venue", hint="Left empty: the group's usual venue"),
    FieldSpec(
        "online_link",
        "Online link",
        hint="Left empty: the group's usual link",
        placeholder="https://…",
        max_length=500,
    ),
    FieldSpec(
        "notes",
        "Practical notes",
        Kind.LONG_TEXT,
        hint="The room, parking, what to bring. Nothing about carers here.",
        max_length=1000,
    ),
)

NEWCOMER_CONSENT = (
    "They agree that Carers Oxfordshire keeps their name and phone or email, to tell them "
    "about future sessions"
)
NEWCOMER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("given_name", "First name", required=True, max_length=100),
    FieldSpec("family_name", "Family name", required=True, max_length=100),
    FieldSpec("phone", "Phone", max_length=40, placeholder="e.g. 07700 900123"),
    FieldSpec("email", "Email", placeholder="e.g. name@example.org"),
    FieldSpec("consent", NEWCOMER_CONSENT, Kind.TICK),
    FieldSpec(
        "follow_up",
        "They would like someone from the office to get in touch",
        Kind.TICK,
        hint="Asks the office for a follow-up conversation",
    ),
)


def _parse(specs: Sequence[FieldSpec], values: Values, problems: Problems) -> Values:
    return {s.key: parse_value(s, values.get(s.key), problems) for s in specs}


def _build(problems: Problems, make: Callable[[], T]) -> T | None:
    """The core's record, or None with its problems named by field."""
    try:
        return make()
    except ValidationError as exc:
        problems.merge(exc)
        return None


def parse_time(text: str) -> time | None:
    """ "10:30", "10.30", "1030", "18" (24-hour); None if blank; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    m = _TIME.match(text)
    if not m:
        raise ValueError(TIME_HINT)
    hour, minute = int(m[1]), int(m[2] or 0)
    if len(m[1]) > 2 or hour > 23 or minute > 59:
        raise ValueError(f"there is no such time; {TIME_HINT}")
    return time(hour, minute)


def format_time(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


# --- a group --------------------------------------------------------------------------


def group_values(group: PeerGroup | None, *, facilitator: str | None) -> Values:
    """The form's values for ``group`` (a new group: in person, run by ``facilitator``)."""
    if group is None:
        return {
            "name": "",
            "kind": GroupKind.GENERAL.value,
            "format": SessionFormat.IN_PERSON.value,
            "venue": "",
            "town": "",
            "online_link": "",
            "facilitator": facilitator or "",
            "active": True,
        }
    return {
        s.key: display_value(s, getattr(group, s.key))
        for s in GROUP_FIELDS
        if s.kind is not Kind.TICK
    } | {"active": group.active}


def group_from_values(
    values: Values, *, existing: PeerGroup | None, facilitator: str | None
) -> tuple[PeerGroup | None, dict[str, str]]:
    """A group from the form. ``facilitator`` set: the group is theirs whatever was typed
    (a facilitator sets themselves; the office only lets them change their own groups)."""
    problems = Problems()
    specs = [s for s in GROUP_FIELDS if not (facilitator and s.key == "facilitator")]
    parsed = _parse(specs, values, problems)
    if facilitator:
        parsed["facilitator"] = facilitator
    if problems.items:
        return None, problems.items
    fields = {
        **parsed,
        "kind": GroupKind(parsed["kind"]),
        "format": SessionFormat(parsed["format"]),
        "active": bool(parsed["active"]),
    }
    group = _build(
        problems,
        lambda: replace(existing, **fields) if existing is not None else PeerGroup(**fields),
    )
    return group, problems.items


# --- a session ------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPlan:
    """When and where a session meets, as typed (venue and link fall back to the group's)."""

    on: date
    starts_at: time | None
    format: SessionFormat
    venue: str | None
    online_link: str | None
    notes: str | None

    def schedule_args(self) -> dict[str, Any]:
        """Keyword arguments of ``GroupService.schedule_session`` after the group id (and
        of a ``GroupSession`` after its group's)."""
        return {
            "on": self.on,
            "starts_at": self.starts_at,
            "format": self.format,
            "venue": self.venue,
            "online_link": self.online_link,
            "notes": self.notes,
        }

    def applied_to(self, session: GroupSession, group: PeerGroup) -> GroupSession:
        return replace(
            session,
            on=self.on,
            starts_at=self.starts_at,
            format=self.format,
            venue=self.venue or group.venue,
            online_link=self.online_link or group.online_link,
            notes=self.notes,
        )


def session_values(
    session: GroupSession | None, group: PeerGroup, *, today: date | None = None
) -> Values:
    if session is None:
        return {
            "on": format_date(today),
            "starts_at": "",
            "format": group.format.value,
            "venue": "",
            "online_link": "",
            "notes": "",
        }
    return {
        "on": format_date(session.on),
        "starts_at": format_time(session.starts_at),
        "format": session.format.value,
        "venue": session.venue or "",
        "online_link": session.online_link or "",
        "notes": session.notes or "",
    }


def session_from_values(
    values: Values, group: PeerGroup
) -> tuple[SessionPlan | None, dict[str, str]]:
    problems = Problems()
    specs = [s for s in SESSION_FIELDS if s.key != "starts_at"]
    parsed = _parse(specs, values, problems)
    try:
        starts_at = parse_time(str(values.get("starts_at") or ""))
    except ValueError as exc:
        problems.add("starts_at", str(exc))
        starts_at = None
    fmt = SessionFormat(parsed["format"]) if parsed.get("format") else None
    if fmt in (SessionFormat.IN_PERSON, SessionFormat.HYBRID) and not (
        parsed["venue"] or group.venue
    ):
        problems.add("venue", "say where people meet (the hall or room)")
    if fmt in (SessionFormat.ONLINE, SessionFormat.HYBRID) and not (
        parsed["online_link"] or group.online_link
    ):
        problems.add("online_link", "paste the https:// link people join with")
    if problems.items or fmt is None:
        return None, problems.items
    plan = SessionPlan(
        on=parsed["on"],
        starts_at=starts_at,
        format=fmt,
        venue=parsed["venue"],
        online_link=parsed["online_link"],
        notes=parsed["notes"],
    )
    # The core checks the link (and every other field) as it builds the session.
    if _build(problems, lambda: GroupSession(group_id=group.id, **plan.schedule_args())) is None:
        return None, problems.items
    return plan, {}


# --- a newcomer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Newcomer:
    """``GroupService.add_newcomer``'s keyword arguments (field for field); consent is the
    core's to refuse."""

    given_name: str
    family_name: str
    phone: str | None
    email: str | None
    consent_given: bool
    follow_up: bool


def blank_newcomer() -> Values:
    return {s.key: False if s.kind is Kind.TICK else "" for s in NEWCOMER_FIELDS}


def newcomer_from_values(values: Values) -> tuple[Newcomer | None, dict[str, str]]:
    problems = Problems()
    parsed = _parse(NEWCOMER_FIELDS, values, problems)
    # The phone and email checked as the core checks them, so every problem shows at once.
    _build(problems, lambda: ContactDetails(phone=parsed["phone"], email=parsed["email"]))
    if problems.items:
        return None, problems.items
    return (
        Newcomer(
            given_name=parsed["given_name"],
            family_name=parsed["family_name"],
            phone=parsed["phone"],
            email=parsed["email"],
            consent_given=bool(parsed["consent"]),
            follow_up=bool(parsed["follow_up"]),
        ),
        {},
    )


# The core names a newcomer's problems by the carer's fields; the form by its own.
NEWCOMER_PATHS = {
    "contact.phone": "phone",
    "contact.email": "email",
    "phone": "phone",
    "email": "email",
    "given_name": "given_name",
    "family_name": "family_name",
    "consent": "consent",
}


def newcomer_problems(problems: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The core's ``ValidationError`` problems keyed by the newcomer form's fields."""
    out: dict[str, str] = {}
    for path, message in problems:
        out.setdefault(NEWCOMER_PATHS.get(path, "given_name"), message)
    return out
