"""How money, dates and a carer's name are written for people: one place, so a screen, a
printed letter, a CLI line and an error message all say it the same way.

Money is integer pence everywhere in the records; it becomes pounds only here. Dates in
prose are written out ("3 March 2026") so they cannot be misread the American way;
dates meant to be sorted or typed back are ISO ("2026-03-03").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date


def money(pence: int) -> str:
    """Integer pence as pounds: 30000 -> "£300.00", 123450 -> "£1,234.50", -5 -> "-£0.05"."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError("amounts are integer pence")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def long_date(day: date) -> str:
    """A date in prose: "3 March 2026" (no leading zero, month in words)."""
    return f"{day.day} {day:%B %Y}"


def iso_date(day: date) -> str:
    """A date to sort by or type back: "2026-03-03"."""
    return day.isoformat()


def full_name(given_name: str, family_name: str) -> str:
    return " ".join(part for part in (given_name, family_name) if part)


def display_name(given_name: str, family_name: str, preferred_name: str | None = None) -> str:
    """The name to greet someone by: their preferred name (if they gave one) and family
    name — "Peggy Wilson" for Margaret Wilson known as Peggy."""
    return full_name(preferred_name or given_name, family_name)


def first_name(given_name: str, preferred_name: str | None = None) -> str:
    """What to call someone in a word: their preferred name, else their first given name
    ("Mary" for Mary Ann), so the rest of a long name stays private on a card."""
    if preferred_name:
        return preferred_name
    parts = given_name.split()
    return parts[0] if parts else ""


def display_name_of(payload: Mapping[str, object] | None) -> str:
    """:func:`display_name` from a stored carer payload ("" when it holds no name), for
    lists built without decoding every record."""
    if not payload:
        return ""

    def text(key: str) -> str:
        value = payload.get(key)
        return value.strip() if isinstance(value, str) else ""

    return display_name(text("given_name"), text("family_name"), text("preferred_name") or None)
