"""Dates that cannot lie after "today": births, referrals, consents, decisions.

Records declare which fields these are (``field(metadata=NOT_IN_FUTURE)``), and only
that. Whether a value lies after today is checked against a day the *caller* gives — the
service's clock when a record is written, the importer's day when a file is read, the
server's day when a push arrives — never the calendar read inside a record. So decoding a
stored record never depends on the laptop's clock (a record cannot become unreadable
because the clock is wrong or the time zone differs), and a test never depends on the
real date.

The walk works on a built record, on the keyword arguments about to build one, and on a
stored payload alike, so an import can report a future date in the same breath as the
row's other problems.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.validation import join_path

# Laptops and the server disagree about "today" near midnight (a record dated just after
# midnight BST is "tomorrow" to a server on UTC): one day of slack keeps them agreeing.
FUTURE_SLACK = timedelta(days=1)

_KEY = "carer_desk.not_after_today"


@dataclass(frozen=True, slots=True)
class NotAfterToday:
    """The rule a date field carries: refused when later than today plus the slack."""

    message: str = "must not be in the future"
    slack: timedelta = FUTURE_SLACK

    def broken_by(self, value: object, today: date) -> bool:
        day = _as_date(value)
        return day is not None and day > today + self.slack


#: ``field(metadata=...)`` for a date that may not be after today ("referred on").
NOT_IN_FUTURE: Mapping[str, NotAfterToday] = types.MappingProxyType({_KEY: NotAfterToday()})
#: The same for a date of birth, in the words a form uses for it.
IN_THE_PAST: Mapping[str, NotAfterToday] = types.MappingProxyType(
    {_KEY: NotAfterToday("must be in the past")}
)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):  # a stored payload
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None  # malformed: the record's own checks name it
    return None


@dataclass(frozen=True, slots=True)
class _Part:
    name: str
    rule: NotAfterToday | None
    nested: type | None  # a record class held in this field (alone or in a tuple)


@cache
def _parts(cls: type) -> tuple[_Part, ...]:
    """The fields of ``cls`` the walk must look at: those with a rule, and those holding
    a record class that has one somewhere inside (the server checks every pushed record:
    walking parts that can hold no rule was a fifth of the check)."""
    hints = typing.get_type_hints(cls)
    parts = []
    for f in dataclasses.fields(cls):
        rule = f.metadata.get(_KEY)
        nested = _record_class(hints[f.name])
        if nested is not None and not _parts(nested):
            nested = None
        if rule is not None or nested is not None:
            parts.append(_Part(f.name, rule, nested))
    return tuple(parts)


def _record_class(hint: Any) -> type | None:
    """The record class a field holds: ``X``, ``X | None`` or ``tuple[X, ...]``."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    for arg in typing.get_args(hint):
        if arg is not type(None) and arg is not Ellipsis and (found := _record_class(arg)):
            return found
    return None


def _value(source: object, name: str) -> object:
    if type(source) is dict:  # a payload: most often, and cheaper than the ABC check
        return source.get(name)
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def _walk(cls: type, source: object, today: date, prefix: str) -> Iterator[tuple[str, str]]:
    for part in _parts(cls):
        value = _value(source, part.name)
        path = join_path(prefix, part.name)
        if part.rule is not None and part.rule.broken_by(value, today):
            yield path, part.rule.message
        if part.nested is None or value is None:
            continue
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if item is not None:
                    yield from _walk(part.nested, item, today, f"{path}[{index}]")
        else:
            yield from _walk(part.nested, value, today, path)


def _any_after(cls: type, source: object, today: date) -> bool:
    """Whether :func:`_walk` would find anything: the same parts, no paths. Nearly every
    record has no late date, and the server asks this of every pushed record, so the
    paths (strings built for every part) are spelled only when there is one to report."""
    # Records and payloads alike; asked once here, not per field (the ABC check is slow).
    mapping = type(source) is dict or isinstance(source, Mapping)
    for part in _parts(cls):
        name = part.name
        value = source.get(name) if mapping else getattr(source, name, None)  # type: ignore[attr-defined]
        if value is None:
            continue
        if part.rule is not None and part.rule.broken_by(value, today):
            return True
        nested = part.nested
        if nested is None:
            continue
        if isinstance(value, list | tuple):
            for item in value:
                if item is not None and _any_after(nested, item, today):
                    return True
        elif _any_after(nested, value, today):
            return True
    return False


def dates_after_today(record: object, today: date) -> list[tuple[str, str]]:
    """``(field path, message)`` for every declared date of ``record`` after ``today``."""
    return _late(type(record), record, today)


def dates_after_today_in(
    cls: type, values: Mapping[str, object], today: date
) -> list[tuple[str, str]]:
    """The same for the fields about to build a ``cls`` (keyword arguments, or a payload)."""
    return _late(cls, values, today)


def _late(cls: type, source: object, today: date) -> list[tuple[str, str]]:
    if not _any_after(cls, source, today):
        return []
    return list(_walk(cls, source, today, ""))


def check_not_after(record: object, today: date) -> None:
    """Raise :class:`ValidationError` naming every declared date after ``today``."""
    problems = dates_after_today(record, today)
    if problems:
        raise ValidationError(problems)


T = typing.TypeVar("T")


def build_checked(cls: type[T], today: date, /, **fields: object) -> T:
    """``cls(**fields)``, also refusing dates after ``today``, every problem at once."""
    late = dates_after_today_in(cls, fields, today)
    try:
        record = cls(**fields)
    except ValidationError as exc:
        raise ValidationError([*exc.problems, *late]) from None
    if late:
        raise ValidationError(late)
    return record
