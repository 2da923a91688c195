"""The one clock convention: every service is given a :class:`Clock` and asks it for
"today" and "now"; nothing in the core reads the system calendar anywhere else.

A payment's cap window, a plan's review date, a conversation's completion date and the
"not in the future" checks all hang off "today", and a test that depended on the real
date would pass or fail with the calendar. Records never read a clock at all: they are
given the dates they need (``carer.age_band(settings, on=clock.today())``).

``today()`` is the local date (what staff write on forms); ``now()`` is an aware UTC
timestamp (what the audit log and ``created_at`` store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable

NOON = time(12, 0)


@runtime_checkable
class Clock(Protocol):
    """What a service needs of a clock."""

    def today(self) -> date: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    """The computer's calendar and clock: the default for real work."""

    def today(self) -> date:
        return date.today()

    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK: Clock = SystemClock()


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped on ``day`` (at noon UTC unless ``at`` is given): tests, demos and
    benchmarks that must give the same answer every day they are run."""

    day: date
    at: time = NOON

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=UTC)


@dataclass(slots=True)
class SettableClock:
    """A clock a test moves forward, to see what happens as days pass."""

    day: date

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, NOON, tzinfo=UTC)

    def advance(self, days: int = 1) -> None:
        self.day += timedelta(days=days)
