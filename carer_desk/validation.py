"""How records and settings check themselves: every problem found at once.

Records (frozen dataclasses) and settings validate in ``__post_init__`` and report *every*
problem through :class:`carer_desk.errors.ValidationError`, so a form can mark each field
and an import or a settings file can list them all. This module sits below both: it knows
no record and no setting.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.ids import is_record_id


def set_field(record: object, name: str, value: object) -> None:
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
            cleaned = value.strip() or None
            if cleaned is not value:  # strip() gives the same text back when it has none
                set_field(record, name, cleaned)


def clean_text(record: object, *names: str) -> None:
    """Strip required text fields (blankness is reported by :meth:`Problems.require_text`)."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str):
            stripped = value.strip()
            if stripped is not value:
                set_field(record, name, stripped)


def join_path(prefix: str, path: str) -> str:
    """A field path inside another: ("cared_for", "[1].name") -> "cared_for[1].name",
    ("referral", "date") -> "referral.date"."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


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
            if not isinstance(value, enum):  # the path is spelled only for a problem
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
