"""Building blocks shared by every record: ids, labelled vocabularies, validation helpers,
addresses, districts, locality teams and contact details.

Records are frozen dataclasses that validate themselves in ``__post_init__`` and report
*every* problem at once through :class:`carer_desk.errors.ValidationError`, so a form can
mark each field and an import can list them all.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from carer_desk.errors import ValidationError

logger = logging.getLogger(__name__)


def new_id() -> str:
    """A fresh record id: a uuid4 as 32 lowercase hex digits.

    Random rather than derived from anything personal, so an id in a log or a URL says
    nothing about the person.
    """
    return uuid.uuid4().hex


_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def is_record_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))


class LabelledEnum(StrEnum):
    """A closed vocabulary whose members carry a human label for screens and print.

    Members are declared as ``NAME = ("value", "Label")``; a member declared with just a
    value gets its label from the value ("short_break" -> "Short break").
    """

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value.replace("_", " ").capitalize()
        return member

    @classmethod
    def choices(cls) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` pairs in declaration order, for pick-lists."""
        return tuple((m.value, m.label) for m in cls)


# --- validation helpers -----------------------------------------------------------------


def set_field(record: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen dataclass during ``__post_init__``."""
    object.__setattr__(record, name, value)


def clean_optional_text(record: object, *names: str) -> None:
    """Strip optional text fields and turn blanks into ``None``.

    Doing it once here means a screen or a printout never has to tell an empty string
    from a missing value, and never shows "None".
    """
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str):
            stripped = value.strip()
            set_field(record, name, stripped or None)


def clean_text(record: object, *names: str) -> None:
    """Strip required text fields (blankness is reported by :meth:`Problems.require_text`)."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str):
            set_field(record, name, value.strip())


class Problems:
    """Collects ``(field_path, message)`` pairs while a record checks itself."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def extend(self, prefix: str, problems: tuple[tuple[str, str], ...]) -> None:
        for path, message in problems:
            self.items.append((join_path(prefix, path), message))

    def require_text(self, path: str, value: object, what: str | None = None) -> None:
        if not isinstance(value, str):
            self.add(path, f"must be text, not {type(value).__name__}")
        elif not value.strip():
            self.add(path, f"must not be blank; enter {what or 'a value'}")

    def optional_text(self, path: str, value: object) -> None:
        if value is not None and not isinstance(value, str):
            self.add(path, f"must be text, not {type(value).__name__}")

    def require_bool(self, path: str, value: object) -> None:
        if not isinstance(value, bool):
            self.add(path, "must be true or false")

    def require_date(self, path: str, value: object, *, optional: bool = False) -> bool:
        """True when ``value`` is a usable date (so ordering checks can follow)."""
        if value is None and optional:
            return False
        if isinstance(value, datetime) or not isinstance(value, date):
            self.add(path, "must be a date (YYYY-MM-DD)")
            return False
        return True

    def require_aware(self, path: str, value: object) -> None:
        if not isinstance(value, datetime):
            self.add(path, "must be a date and time")
        elif value.tzinfo is None or value.utcoffset() is None:
            self.add(path, "must carry a time zone (timestamps are stored in UTC)")

    def require_id(self, path: str, value: object, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not is_record_id(value):
            self.add(path, f"{value!r} is not a record id (32 hex digits from new_id())")

    def require_enum(
        self, path: str, value: object, enum: type[StrEnum], *, optional: bool = False
    ) -> None:
        if value is None and optional:
            return
        if not isinstance(value, enum):
            choices = ", ".join(m.value for m in enum)
            self.add(path, f"{value!r} is not one of: {choices}")

    def require_enum_tuple(self, path: str, values: object, enum: type[StrEnum]) -> None:
        if not isinstance(values, tuple):
            self.add(path, "must be a tuple")
            return
        for index, value in enumerate(values):
            self.require_enum(f"{path}[{index}]", value, enum)
        if len(set(values)) != len(values):
            self.add(path, "lists the same choice more than once")

    def require_tuple_of(self, path: str, values: object, cls: type) -> bool:
        if not isinstance(values, tuple):
            self.add(path, "must be a tuple")
            return False
        ok = True
        for index, value in enumerate(values):
            if not isinstance(value, cls):
                self.add(f"{path}[{index}]", f"must be a {cls.__name__}")
                ok = False
        return ok

    def unique_ids(self, path: str, items: tuple[Any, ...], attr: str = "id") -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            key = getattr(item, attr, None)
            if key in seen:
                self.add(f"{path}[{index}].{attr}", f"{key!r} appears more than once")
            seen.add(key)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


# --- places -------------------------------------------------------------------------------


class District(LabelledEnum):
    """Oxfordshire's five district council areas (reports break figures down by these)."""

    CHERWELL = ("cherwell", "Cherwell")
    OXFORD_CITY = ("oxford_city", "Oxford City")
    SOUTH_OXFORDSHIRE = ("south_oxfordshire", "South Oxfordshire")
    VALE_OF_WHITE_HORSE = ("vale_of_white_horse", "Vale of White Horse")
    WEST_OXFORDSHIRE = ("west_oxfordshire", "West Oxfordshire")


class LocalityTeam(LabelledEnum):
    NORTH = ("north", "North")
    CENTRAL = ("central", "Central")
    SOUTH = ("south", "South")
    CITY = ("city", "City")


# UK postcode shape (outward code, space, inward code), after normalisation. GIR 0AA is
# the one historic exception still in use.
_POSTCODE_RE = re.compile(r"^(?:GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    """Upper-case, drop stray spaces and put one space before the inward code.

    "ox12ab" -> "OX1 2AB". Does not check the result; see :func:`is_uk_postcode`.
    """
    compact = re.sub(r"\s+", "", raw).upper()
    if len(compact) >= 5:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def is_uk_postcode(value: str) -> bool:
    return bool(_POSTCODE_RE.match(normalise_postcode(value)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    line1: str
    line2: str | None = None
    town: str
    postcode: str
    district: District | None = None

    def __post_init__(self) -> None:
        clean_text(self, "line1", "town")
        clean_optional_text(self, "line2")
        problems = Problems()
        problems.require_text("line1", self.line1, "the house number or name and street")
        problems.optional_text("line2", self.line2)
        problems.require_text("town", self.town, "the town or village")
        if not isinstance(self.postcode, str) or not self.postcode.strip():
            problems.add("postcode", "must not be blank; use the form OX1 2AB")
        elif not is_uk_postcode(self.postcode):
            problems.add(
                "postcode",
                f"{self.postcode.strip()!r} is not a UK postcode; use the form OX1 2AB",
            )
        else:
            set_field(self, "postcode", normalise_postcode(self.postcode))
        problems.require_enum("district", self.district, District, optional=True)
        problems.raise_if_any()

    def lines(self) -> tuple[str, ...]:
        """The address as printable lines, skipping what is not recorded."""
        return tuple(p for p in (self.line1, self.line2, self.town, self.postcode) if p)


# --- contact details ----------------------------------------------------------------------


class PreferredChannel(LabelledEnum):
    PHONE = ("phone", "Phone (landline)")
    MOBILE = ("mobile", "Mobile phone call")
    TEXT = ("text", "Text message")
    EMAIL = ("email", "Email")
    POST = ("post", "Letter by post")
    IN_PERSON = ("in_person", "In person")


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS_RE = re.compile(r"^[0-9+() \-]+$")


def check_phone(problems: Problems, path: str, value: str | None) -> None:
    """UK-style phone numbers: digits with optional spaces, +, brackets and dashes."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.add(path, "must be text")
        return
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS_RE.match(value) or not 10 <= len(digits) <= 15:
        problems.add(path, f"{value!r} is not a phone number; use digits, e.g. 01865 123456")


def check_email(problems: Problems, path: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _EMAIL_RE.match(value):
        problems.add(path, f"{value!r} is not an email address; use the form name@example.org")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactDetails:
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    preferred_channel: PreferredChannel | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "phone", "mobile", "email")
        problems = Problems()
        check_phone(problems, "phone", self.phone)
        check_phone(problems, "mobile", self.mobile)
        check_email(problems, "email", self.email)
        problems.require_enum(
            "preferred_channel", self.preferred_channel, PreferredChannel, optional=True
        )
        needed = {
            PreferredChannel.PHONE: ("phone", self.phone),
            PreferredChannel.MOBILE: ("mobile", self.mobile),
            PreferredChannel.TEXT: ("mobile", self.mobile),
            PreferredChannel.EMAIL: ("email", self.email),
        }.get(self.preferred_channel)  # type: ignore[arg-type]
        if needed is not None and needed[1] is None:
            label = PreferredChannel(self.preferred_channel).label
            problems.add(
                "preferred_channel",
                f"{label} is preferred but no {needed[0]} is recorded;"
                f" add the {needed[0]} or choose another way to get in touch",
            )
        problems.raise_if_any()

    @property
    def best_phone(self) -> str | None:
        """The number to ring first: mobile when the carer prefers it, else any number."""
        if self.preferred_channel in (PreferredChannel.MOBILE, PreferredChannel.TEXT):
            return self.mobile or self.phone
        return self.phone or self.mobile


# --- "not in the future" ------------------------------------------------------------------

# Records are checked every time they are decoded, on laptops and on the server, whose
# clocks and time zones differ (a record dated just after midnight BST is "tomorrow" to a
# server on UTC). One day of slack keeps a stored record from becoming unreadable because
# of where it is opened; forms can be stricter.
FUTURE_SLACK = timedelta(days=1)


def latest_today() -> date:
    """The latest date that may still be "today" somewhere the record is opened."""
    return date.today() + FUTURE_SLACK
