"""Sane bounds on what a person types: lengths, hidden characters, ages and dates.

Records check their own shape when built; this adds the bounds a form, an import or a
push must meet before anything is written (a record read back from the vault is never
refused by them, so a stored record cannot become unreadable when a bound is tightened):

* **Length.** A name is at most 100 characters on one line; any other text at most
  20,000. A 99,000-character name is a paste gone wrong, and it would make every list,
  card and printout that shows it slow.
* **Hidden characters.** Control characters, and the invisible characters that reverse
  or hide text (right-to-left overrides, zero-width spaces, byte-order marks), are
  refused: "Ann\u202eeeL" would show as someone else's name. Zero-width joiners and
  non-joiners stay allowed, because Persian and Indic names need them.
* **Ages.** A carer's date of birth must give an age from ``age_bands.youngest_carer_age``
  to ``age_bands.oldest_age`` today; anyone else's at most ``oldest_age``.
* **Dates** before 1900 are refused (a year typed as 0024 or 1025).

Checked against the caller's day (like :mod:`carer_desk.records.plausible_dates`).
"""

from __future__ import annotations

import dataclasses
import typing
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

from carer_desk.config import AgeBandSettings
from carer_desk.errors import ValidationError
from carer_desk.validation import join_path

NAME_MAX = 100
TEXT_MAX = 20_000
EARLIEST_DATE = date(1900, 1, 1)

# Field names that hold a person's name or a short label printed beside one.
_NAME_FIELDS = frozenset(
    {"name", "given_name", "family_name", "preferred_name", "relationship", "role", "worker"}
)
_ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner and joiner
_TEXT_CONTROLS_ALLOWED = frozenset({"\n", "\r", "\t"})
# Text-direction controls: embedding, override and isolate (they reorder what is shown).
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_name(field_name: str) -> bool:
    return field_name in _NAME_FIELDS or field_name.endswith("_name")


def _bad_character(text: str, *, name: bool) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, with its position, or None."""
    for position, ch in enumerate(text, start=1):
        category = unicodedata.category(ch)
        if ch in _DIRECTION_CONTROLS:
            return position, ch
        if category == "Cc" and (name or ch not in _TEXT_CONTROLS_ALLOWED):
            return position, ch
        if (
            name
            and (category in {"Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
            and ch not in (_ALLOWED_FORMAT)
        ):
            return position, ch
        if not name and category in {"Cs", "Cn"}:
            return position, ch
    return None


def _describe(ch: str) -> str:
    label = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{code} {label}" if label else code


def text_problem(text: str, *, name: bool) -> str | None:
    """Why ``text`` cannot be kept, in words, or None."""
    limit = NAME_MAX if name else TEXT_MAX
    if len(text) > limit:
        return f"is {len(text):,} characters long; the most is {limit:,}" + (
            "" if not name else " for a name"
        )
    if name and ("\n" in text or "\r" in text):
        return "must be on one line"
    bad = _bad_character(text, name=name)
    if bad is not None:
        position, ch = bad
        return (
            f"holds an invisible or text-direction character ({_describe(ch)}) at "
            f"position {position}; retype it without that character"
        )
    return None


def _age_on(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


@cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _walk(value: Any, path: str, field_name: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        problem = text_problem(value, name=_is_name(field_name))
        if problem is not None:
            yield path, problem
    elif isinstance(value, datetime):
        return
    elif isinstance(value, date):
        if value < EARLIEST_DATE:
            yield path, f"{value.isoformat()} is before 1900; check the year"
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", field_name, ctx)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _walk_record(value, path, ctx)


@dataclasses.dataclass(frozen=True)
class _Context:
    bands: AgeBandSettings
    today: date


def _walk_record(record: Any, prefix: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    for name, _hint in _fields(type(record)):
        value = getattr(record, name)
        path = join_path(prefix, name)
        yield from _walk(value, path, name, ctx)
        if (
            name == "date_of_birth"
            and isinstance(value, date)
            and EARLIEST_DATE <= value <= ctx.today
        ):
            yield from _age_problems(record, value, path, ctx)


def _age_problems(record: Any, born: date, path: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    age = _age_on(born, ctx.today)
    is_carer = hasattr(record, "referral")  # the carer themselves, not someone they care for
    youngest = ctx.bands.youngest_carer_age if is_carer else 0
    if age > ctx.bands.oldest_age:
        yield path, f"gives an age of {age}; check the year of birth"
    elif age < youngest:
        yield (
            path,
            (f"gives an age of {age}; a carer is at least {youngest} (check the year of birth)"),
        )


def input_problems(record: object, bands: AgeBandSettings, today: date) -> list[tuple[str, str]]:
    """``(field path, message)`` for every bound ``record`` breaks."""
    return list(_walk_record(record, "", _Context(bands, today)))


def check_input(record: object, bands: AgeBandSettings, today: date) -> None:
    """Raise :class:`ValidationError` naming every bound ``record`` breaks."""
    problems = input_problems(record, bands, today)
    if problems:
        raise ValidationError(problems)
