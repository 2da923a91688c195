"""Calendar arithmetic the money rules share: whole months, financial years, quarters.

Month convention (used by the payment cap and assessment validity): moving a date by
whole months keeps the day of the month, clamped to the last day of a shorter month, so
31 March less one month is 28 (or 29) February, and 29 February 2024 less twelve months
is 28 February 2023.

The financial year runs 1 April to 31 March by default (the council's and the ICB's
year); its quarters are Apr–Jun (Q1), Jul–Sep (Q2), Oct–Dec (Q3) and Jan–Mar (Q4). The
start is configurable; a year that starts on 1 January is labelled "2025", any other
"2024/25".
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from carer_desk.errors import ValidationError

log = logging.getLogger(__name__)

DEFAULT_START_MONTH = 4
DEFAULT_START_DAY = 1
QUARTERS_PER_YEAR = 4
_MONTHS_PER_QUARTER = 3


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole ``months`` (negative for earlier), day clamped to month end."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def _check_start(start_month: int, start_day: int) -> None:
    # The start must be a day every year has (so not 29 February); 2023 is not a leap
    # year, which makes it the test. Quarters starting on a day a shorter month lacks are
    # clamped to that month's end by add_months.
    try:
        date(2023, start_month, start_day)
    except (ValueError, TypeError):
        raise ValidationError(
            [
                (
                    "payments.financial_year_start",
                    f"the financial year cannot start on day {start_day} of month "
                    f"{start_month}; choose a day that every year has",
                )
            ]
        ) from None


@dataclass(frozen=True)
class FinancialQuarter:
    """One quarter of a financial year; ``number`` is 1 to 4."""

    number: int
    start: date
    end: date
    label: str  # "Q1 2024/25"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True)
class FinancialYear:
    """A financial year: first and last day (both inclusive) and its label."""

    start: date
    end: date
    label: str  # "2024/25"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def quarters(self) -> tuple[FinancialQuarter, ...]:
        result = []
        for number in range(1, QUARTERS_PER_YEAR + 1):
            q_start = add_months(self.start, _MONTHS_PER_QUARTER * (number - 1))
            q_end = add_months(self.start, _MONTHS_PER_QUARTER * number) - timedelta(days=1)
            result.append(FinancialQuarter(number, q_start, q_end, f"Q{number} {self.label}"))
        return tuple(result)

    def quarter(self, number: int) -> FinancialQuarter:
        if not 1 <= number <= QUARTERS_PER_YEAR:
            raise ValidationError([("quarter", "a quarter is numbered 1 to 4")])
        return self.quarters()[number - 1]

    def days_elapsed(self, as_of: date) -> int:
        """Days of this year up to and including ``as_of`` (0 before it starts, all of
        them after it ends)."""
        if as_of < self.start:
            return 0
        return min(self.days, (as_of - self.start).days + 1)


def financial_year_of(
    d: date, start_month: int = DEFAULT_START_MONTH, start_day: int = DEFAULT_START_DAY
) -> FinancialYear:
    """The financial year ``d`` falls in."""
    _check_start(start_month, start_day)
    start = date(d.year, start_month, start_day)
    if d < start:
        start = date(d.year - 1, start_month, start_day)
    end = add_months(start, 12) - timedelta(days=1)
    label = str(start.year) if start.year == end.year else f"{start.year}/{end.year % 100:02d}"
    return FinancialYear(start, end, label)


def financial_year_starting(
    year: int, start_month: int = DEFAULT_START_MONTH, start_day: int = DEFAULT_START_DAY
) -> FinancialYear:
    """The financial year that starts in calendar ``year`` (2024 -> 2024/25)."""
    _check_start(start_month, start_day)
    return financial_year_of(date(year, start_month, start_day), start_month, start_day)


def quarter_of(
    d: date, start_month: int = DEFAULT_START_MONTH, start_day: int = DEFAULT_START_DAY
) -> tuple[FinancialYear, int]:
    """The financial year ``d`` falls in and its quarter number (1-4)."""
    fy = financial_year_of(d, start_month, start_day)
    for quarter in fy.quarters():
        if quarter.contains(d):
            return fy, quarter.number
    raise AssertionError(f"{d} is in {fy.label} but in none of its quarters")  # unreachable
