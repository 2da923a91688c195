"""Working days: Monday to Friday, less England and Wales bank holidays.

The contract's KPIs are counted in working days ("carers on the waiting list contacted
within 5 working days", "self-assessments reviewed within 2 working days").

Counting convention, used everywhere here: the start day is never counted, the end day
is. So the 1st working day after a Monday referral is the Tuesday, and "contacted within
5 working days" means ``contact_date <= add_working_days(referral_date, 5)``; a contact on
the referral day itself is within 0 working days. Going backwards mirrors this:
``add_working_days(d, -1)`` is the last working day before ``d``.

Bank holidays come from data (``resources/bank_holidays/england-and-wales.json``), not
from rules alone, because one-off holidays (jubilees, a coronation, a state funeral) and
moved holidays are announced by proclamation. The regular rules are here as well, both to
generate that file for future years and so a test can cross-check the file against them.
A date outside the data's coverage raises :class:`BankHolidayDataMissing` rather than
quietly treating an unknown day as a working day.
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from carer_desk.errors import CarerDeskError, ValidationError
from carer_desk.formatting import long_date

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "england-and-wales.json"
BUNDLED_FILE_HINT = "resources/bank_holidays/england-and-wales.json"
_SATURDAY = 5
_MONDAY = 0


class BankHolidayDataMissing(CarerDeskError):
    """A date falls outside the years the bank-holiday data covers."""


@dataclass(frozen=True)
class BankHoliday:
    """One bank holiday as published: its date and title."""

    date: date
    title: str


# --- the regular England and Wales rules --------------------------------------------


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm,
    also known as Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(_MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - _MONDAY) % 7)


def regular_bank_holidays(year: int) -> tuple[BankHoliday, ...]:
    """The bank holidays England and Wales have in ``year`` under the standing rules,
    without one-off proclamations (those are only in the data file).

    Weekend substitutes: New Year's Day on a weekend moves to the next Monday; when
    Christmas Day or Boxing Day falls on a weekend, the substitute day is the next weekday
    not already a holiday (so Christmas on a Saturday gives Monday 27 and Tuesday 28).
    """
    holidays: list[BankHoliday] = []
    new_year = date(year, 1, 1)
    if new_year.weekday() >= _SATURDAY:
        holidays.append(
            BankHoliday(
                new_year + timedelta(days=7 - new_year.weekday()), "New Year’s Day (substitute day)"
            )
        )
    else:
        holidays.append(BankHoliday(new_year, "New Year’s Day"))
    easter = easter_sunday(year)
    holidays.append(BankHoliday(easter - timedelta(days=2), "Good Friday"))
    holidays.append(BankHoliday(easter + timedelta(days=1), "Easter Monday"))
    holidays.append(BankHoliday(_first_monday(year, 5), "Early May bank holiday"))
    holidays.append(BankHoliday(_last_monday(year, 5), "Spring bank holiday"))
    holidays.append(BankHoliday(_last_monday(year, 8), "Summer bank holiday"))
    taken: set[date] = set()
    for day, title in ((date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")):
        if day.weekday() < _SATURDAY:
            taken.add(day)
            holidays.append(BankHoliday(day, title))
    for day, title in ((date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")):
        if day.weekday() >= _SATURDAY:
            substitute = day + timedelta(days=1)
            while substitute.weekday() >= _SATURDAY or substitute in taken:
                substitute += timedelta(days=1)
            taken.add(substitute)
            holidays.append(BankHoliday(substitute, f"{title} (substitute day)"))
    return tuple(sorted(holidays, key=lambda h: h.date))


# --- the calendar -------------------------------------------------------------------


@dataclass(frozen=True)
class BankHolidayCalendar:
    """The set of bank holidays, and the span of days that set is known to be complete for.

    ``covers_from``/``covers_to`` default to 1 January of the first year and 31 December
    of the last year in ``dates``. A calendar with no dates and no coverage knows no
    holidays and never refuses a date (weekends only; useful for tests and other
    countries' offices that configure their own list).
    """

    dates: frozenset[date]
    covers_from: date | None = None
    covers_to: date | None = None
    source: str = BUNDLED_FILE_HINT
    _sorted: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", frozenset(self.dates))
        if self.dates:
            if self.covers_from is None:
                object.__setattr__(self, "covers_from", date(min(self.dates).year, 1, 1))
            if self.covers_to is None:
                object.__setattr__(self, "covers_to", date(max(self.dates).year, 12, 31))
        if (
            self.covers_from is not None
            and self.covers_to is not None
            and self.covers_from > self.covers_to
        ):
            raise ValidationError(
                [("bank_holidays", "bank holiday coverage starts after it ends; fix the file")]
            )
        # Only holidays on weekdays change any count; kept sorted for bisecting.
        weekday_holidays = sorted(d for d in self.dates if d.weekday() < _SATURDAY)
        object.__setattr__(self, "_sorted", tuple(weekday_holidays))

    @classmethod
    def from_file(cls, path: str | Path) -> BankHolidayCalendar:
        """Read a bank-holiday file: ours (``{"covers_from", "covers_to", "events"}``), a
        bare JSON list of ``{"date", "title"}``, the GOV.UK ``bank-holidays.json``
        download (its England and Wales division is used), or plain text with one
        YYYY-MM-DD date per line (blank lines and ``#`` comments ignored). Without an
        explicit coverage, the file is taken to cover whole years, first to last."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValidationError(
                [("bank_holidays_file", f"bank holiday file {path} does not exist")]
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(
                [("bank_holidays_file", f"bank holiday file {path} cannot be read ({exc})")]
            ) from None
        if text.lstrip()[:1] in ("[", "{"):
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    [("bank_holidays_file", f"bank holiday file {path} is not valid JSON ({exc})")]
                ) from None
            return cls._from_json(raw, str(path))
        return cls._from_lines(text, str(path))

    @classmethod
    def _from_lines(cls, text: str, source: str) -> BankHolidayCalendar:
        dates = set()
        for number, line in enumerate(text.splitlines(), start=1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            try:
                dates.add(date.fromisoformat(entry))
            except ValueError:
                raise ValidationError(
                    [
                        (
                            "bank_holidays_file",
                            f"{source} line {number}: {entry!r} is not a YYYY-MM-DD date",
                        )
                    ]
                ) from None
        if not dates:
            raise ValidationError(
                [("bank_holidays_file", f"{source} holds no list of bank holidays")]
            )
        return cls(frozenset(dates), source=source)

    @classmethod
    def default(cls) -> BankHolidayCalendar:
        """The England and Wales list bundled with the application."""
        text = (
            resources.files("resources")
            .joinpath("bank_holidays", DEFAULT_FILE_NAME)
            .read_text(encoding="utf-8")
        )
        return cls._from_json(json.loads(text), BUNDLED_FILE_HINT)

    @classmethod
    def _from_json(cls, raw: Any, source: str) -> BankHolidayCalendar:
        covers_from = covers_to = None
        if isinstance(raw, dict) and "england-and-wales" in raw:
            raw = raw["england-and-wales"]  # the GOV.UK download holds every division
        if isinstance(raw, dict):
            covers_from = _parse_date(raw.get("covers_from"), source, "covers_from")
            covers_to = _parse_date(raw.get("covers_to"), source, "covers_to")
            events = raw.get("events")
        else:
            events = raw
        if not isinstance(events, list) or not events:
            raise ValidationError(
                [("bank_holidays_file", f"{source} holds no list of bank holidays")]
            )
        dates = set()
        for event in events:
            value = event.get("date") if isinstance(event, dict) else None
            parsed = _parse_date(value, source, "date")
            if parsed is None:
                raise ValidationError(
                    [("bank_holidays_file", f'{source}: every entry needs a "date"')]
                )
            dates.add(parsed)
        return cls(frozenset(dates), covers_from, covers_to, source)

    def with_extra(self, dates: Iterable[date]) -> BankHolidayCalendar:
        """This calendar plus extra closed days (a newly proclaimed holiday, say), with
        the same coverage: adding one day in 2031 does not make all of 2031 known."""
        return BankHolidayCalendar(
            self.dates | frozenset(dates), self.covers_from, self.covers_to, self.source
        )

    def covers(self, d: date) -> bool:
        return (self.covers_from is None or d >= self.covers_from) and (
            self.covers_to is None or d <= self.covers_to
        )

    def require(self, d: date) -> None:
        """Raise :class:`BankHolidayDataMissing` if ``d`` is outside the data."""
        if self.covers(d):
            return
        if self.covers_to is not None and d > self.covers_to:
            raise BankHolidayDataMissing(
                f"Bank holiday data ends {self.covers_to.year} ({long_date(self.covers_to)}), "
                f"so working days cannot be counted for {long_date(d)}; add later years to "
                f"{self.source} or configure bank_holidays_file to point at a newer list."
            )
        assert self.covers_from is not None
        raise BankHolidayDataMissing(
            f"Bank holiday data starts {self.covers_from.year} ({long_date(self.covers_from)}), "
            f"so working days cannot be counted for {long_date(d)}; add earlier years to "
            f"{self.source} or configure bank_holidays_file to point at a longer list."
        )

    def holidays_in(self, after: date, up_to: date) -> int:
        """How many weekday holidays lie in (after, up_to]."""
        return bisect.bisect_right(self._sorted, up_to) - bisect.bisect_right(self._sorted, after)


def calendar_for(
    bank_holidays_file: str | Path | None = None, extra_holidays: Iterable[date] = ()
) -> BankHolidayCalendar:
    """The calendar the settings ask for (``Settings.working_days``): the bundled list or
    ``bank_holidays_file``, plus any extra closed days."""
    cal = (
        BankHolidayCalendar.from_file(bank_holidays_file)
        if bank_holidays_file
        else BankHolidayCalendar.default()
    )
    extra = frozenset(extra_holidays)
    return cal.with_extra(extra) if extra else cal


def _parse_date(value: object, source: str, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            [("bank_holidays_file", f"{source}: {what} {value!r} is not a YYYY-MM-DD date")]
        ) from None


# --- working-day arithmetic ---------------------------------------------------------


def is_working_day(d: date, cal: BankHolidayCalendar) -> bool:
    """Monday to Friday and not a bank holiday."""
    cal.require(d)
    return d.weekday() < _SATURDAY and d not in cal.dates


def _weekdays_in(after: date, up_to: date) -> int:
    """Monday-to-Friday days in (after, up_to], for after <= up_to, in constant time."""
    days = (up_to - after).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = after.weekday()
    for offset in range(1, rest + 1):
        if (weekday + offset) % 7 < _SATURDAY:
            count += 1
    return count


def working_days_between(start: date, end: date, cal: BankHolidayCalendar) -> int:
    """Working days after ``start`` up to and including ``end``.

    Negative when ``end`` is before ``start`` (then the days counted are ``end`` up to but
    not including ``start``), so that ``working_days_between(s, add_working_days(s, n))
    == n`` in both directions.
    """
    cal.require(start)
    cal.require(end)
    if end >= start:
        return _weekdays_in(start, end) - cal.holidays_in(start, end)
    before_end = end - timedelta(days=1)
    before_start = start - timedelta(days=1)
    return -(_weekdays_in(before_end, before_start) - cal.holidays_in(before_end, before_start))


def add_working_days(start: date, n: int, cal: BankHolidayCalendar) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted).

    ``n == 0`` gives ``start`` unchanged, even on a weekend; negative ``n`` counts back:
    ``-1`` is the last working day before ``start``.
    """
    cal.require(start)
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_working_day(day, cal):
            remaining -= 1
    return day


def within_working_days(start: date, end: date, n: int, cal: BankHolidayCalendar) -> bool:
    """True when ``end`` is on or before the ``n``-th working day after ``start``
    (``end <= add_working_days(start, n)``); an ``end`` before ``start`` is within.

    A weekend day just after the deadline is late: with a Friday deadline, a contact on
    the Saturday is outside 5 working days even though no working day has been added.
    """
    if end <= start:
        cal.require(start)
        cal.require(end)
        return True
    counted = working_days_between(start, end, cal)
    if counted != n:
        return counted < n
    return is_working_day(end, cal)  # otherwise the n-th working day came before end
