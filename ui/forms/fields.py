"""Form fields as data: what a field is called, what it holds, and how typed text becomes
a value (and back). Qt-free, so the rules are tested without a window.

A form's values travel as a flat dict keyed by dotted paths ("contact.phone"), the shape
a draft is sealed in and the shape the core's ``ValidationError`` names its problems by.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from carer_desk.errors import ValidationError

MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_NUMERIC = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")
DATE_HINT = "write the date as 3/3/1961 or 3 March 1961"


class Kind(Enum):
    TEXT = "text"
    LONG_TEXT = "long-text"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"  # one of a vocabulary, or not recorded
    CHOICES = "choices"  # any of a vocabulary
    YES_NO = "yes-no"  # yes / no / not known
    TICK = "tick"  # a plain on/off


@dataclass(frozen=True)
class FieldSpec:
    key: str  # dotted path, as the record's problems name it
    label: str
    kind: Kind = Kind.TEXT
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    required: bool = False
    hint: str = ""
    max_length: int = 200
    placeholder: str = ""  # an example of what to type, where the kind's own does not fit


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[FieldSpec, ...]
    note: str = ""
    optional: bool = False  # e.g. equality monitoring: asked, never required


@dataclass(frozen=True)
class ListSpec:
    """A list of small records (people cared for, contacts) edited in place."""

    key: str
    title: str
    item_title: str  # "Person cared for"
    fields: tuple[FieldSpec, ...]
    add_label: str
    note: str = ""


@dataclass
class Problems:
    """Problems found while turning typed text into values, keyed by field path."""

    items: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.items.setdefault(key, message)

    def merge(self, error: ValidationError, prefix: str = "") -> None:
        for path, message in error.problems:
            key = f"{prefix}{path}" if path else prefix.rstrip(".")
            self.add(key, message)


def parse_date(text: str) -> date | None:
    """ "3/3/1961", "03-03-1961", "3 March 1961", "1961-03-03" (UK day-first); None if
    blank; ValueError with what to write otherwise."""
    text = text.strip().casefold()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = _NUMERIC.match(text)
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _WORDS.match(text)
        if not m or m[2] not in MONTHS:
            raise ValueError(DATE_HINT)
        day, month, year = int(m[1]), MONTHS[m[2]], int(m[3])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"there is no such date; {DATE_HINT}") from None


def format_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def parse_value(spec: FieldSpec, raw: Any, problems: Problems) -> Any:
    """The value a record takes for what the person entered (None when left empty)."""
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        text = (raw or "").strip()
        if spec.required and not text:
            problems.add(spec.key, f"{spec.label} is needed")
        if len(text) > spec.max_length:
            problems.add(spec.key, f"keep it to {spec.max_length} characters")
        return text or None
    if spec.kind is Kind.DATE:
        try:
            value = parse_date(raw or "")
        except ValueError as exc:
            problems.add(spec.key, str(exc))
            return None
        if spec.required and value is None:
            problems.add(spec.key, f"{spec.label} is needed; {DATE_HINT}")
        return value
    if spec.kind is Kind.NUMBER:
        text = str(raw or "").strip()
        if not text:
            return None
        if not text.isdigit():
            problems.add(spec.key, "write a whole number, for example 35")
            return None
        return int(text)
    if spec.kind is Kind.CHOICE:
        value = raw or None
        if spec.required and value is None:
            problems.add(spec.key, f"choose {spec.label.lower()}")
        return value
    if spec.kind is Kind.CHOICES:
        return tuple(raw or ())
    if spec.kind is Kind.YES_NO:
        return raw if raw in (True, False) else None
    return bool(raw)


def display_value(spec: FieldSpec, value: Any) -> Any:
    """What a widget shows for a record's value (the inverse of :func:`parse_value`)."""
    if spec.kind is Kind.DATE:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return value
        return format_date(value)
    if spec.kind is Kind.NUMBER:
        return "" if value is None else str(value)
    if spec.kind is Kind.CHOICES:
        return [str(v) for v in (value or ())]
    if spec.kind is Kind.CHOICE:
        return None if value is None else str(value)
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return value or ""
    return value


def choices_of(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple(enum.choices())


def specs_by_key(sections: Sequence[Section]) -> dict[str, FieldSpec]:
    return {f.key: f for s in sections for f in s.fields}
