"""The date and time the services act on, injectable so tests and demos can fix "today".

Services never call ``date.today()`` themselves: a payment's cap window, a plan's review
date and a conversation's completion date all hang off "today", and a test that depends on
the real date would pass or fail with the calendar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol

logger = logging.getLogger(__name__)


def _system_today() -> date:
    return date.today()


def _system_now() -> datetime:
    return datetime.now(UTC)


class ClockLike(Protocol):
    """What a service needs of a clock."""

    def today(self) -> date: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Clock:
    """``today()`` in local dates (what staff write on forms) and ``now()`` in UTC."""

    today: Callable[[], date] = _system_today
    now: Callable[[], datetime] = _system_now


SYSTEM_CLOCK = Clock()


def fixed_clock(day: date, at: time = time(12, 0)) -> Clock:
    """A clock stopped at ``day`` (noon UTC unless ``at`` is given), for tests and demos."""
    instant = datetime.combine(day, at, tzinfo=UTC)
    return Clock(today=lambda: day, now=lambda: instant)


@dataclass(slots=True)
class SettableClock:
    """A clock a test can move forward, to see what happens as days pass."""

    day: date

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, time(12, 0), tzinfo=UTC)
