"""Report figures as data, and the rules every output of them follows (issue 11).

The server computes figures (``sync/server/reports``); this module holds what a figure
is, the periods reports cover, small-number suppression, and the CSV and JSON forms, so a
renderer (the PDF in ``carer_desk.printing.contract_report``) and the desktop read the same
shapes. Nothing here does I/O.

**Small-number suppression.** A count from 1 to ``threshold - 1`` (default: under 5) could
identify a carer in a report that leaves the organisation, so in an *external* output it
is shown as "<5"; a figure computed from such a count (a total of money, an average
wait) is suppressed with it. Zero is shown: it identifies nobody. Internal outputs show
every number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.rules.financial_year import FinancialYear, financial_year_starting

DEFAULT_SUPPRESS_BELOW = 5
SUPPRESSED = "<5"


class Unit(StrEnum):
    COUNT = "count"
    PENCE = "pence"
    DAYS = "days"
    PERCENT = "percent"


#: Sections charted (in the PDF and on the Reports page), and which figure keys make the
#: bars: a key prefix and the unit.
CHARTS: dict[str, tuple[str, Unit]] = {
    "Referrals": ("referrals.source.", Unit.COUNT),
    "Assessments and reviews": ("assessments.route.", Unit.COUNT),
    "Wellbeing payments": ("payments.purpose.", Unit.PENCE),
    "Self-assessments (2 working days)": ("self_assessments.", Unit.COUNT),
    "Waiting list (5 working days)": ("waiting_list.", Unit.COUNT),
}
_KPI_BARS = ("within", "late", "overdue", "pending")


def in_chart(section: str, key: str, unit: Unit) -> bool:
    """Whether the figure ``key`` (of ``unit``) is a bar of ``section``'s chart: the
    breakdowns (sources, routes, purposes' totals) and the KPIs' within / late / overdue
    / pending counts."""
    if section not in CHARTS:
        return False
    prefix, bar_unit = CHARTS[section]
    if not key.startswith(prefix) or unit is not bar_unit:
        return False
    kpi = prefix in ("self_assessments.", "waiting_list.")
    return not kpi or key[len(prefix) :] in _KPI_BARS


def bar_label(label: str) -> str:
    """A figure's label as its bar's ("Carers' breaks: total paid" -> "Carers' breaks")."""
    return label.split(":")[0]


class Audience(StrEnum):
    INTERNAL = "internal"  # inside the organisation: every number
    EXTERNAL = "external"  # leaves it (commissioners): small numbers suppressed


@dataclass(frozen=True)
class Period:
    label: str  # "Q1 2024/25", "2024/25 to date (Q1–Q2)"
    start: date
    end: date

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Figure:
    """One number of a report. ``base`` is how many records or carers it is computed
    from (for a count, the count itself): suppression looks at it. ``value`` None means
    there is nothing to compute from (an average over nobody)."""

    key: str  # stable, for drill-down and machines: "referrals.source.gp_practice"
    section: str
    label: str
    unit: Unit
    value: int | float | None
    base: int
    drillable: bool = True

    def shown(self, audience: Audience, threshold: int = DEFAULT_SUPPRESS_BELOW) -> str:
        """The value as a reader sees it in that audience's output."""
        if audience is Audience.EXTERNAL and 0 < self.base < threshold:
            return f"<{threshold}"
        return format_value(self.value, self.unit)

    def suppressed(self, audience: Audience, threshold: int = DEFAULT_SUPPRESS_BELOW) -> bool:
        return audience is Audience.EXTERNAL and 0 < self.base < threshold


def format_value(value: int | float | None, unit: Unit) -> str:
    if value is None:
        return "–"
    if unit is Unit.PENCE:
        return f"£{value / 100:,.2f}"
    if unit is Unit.PERCENT:
        return f"{value:.1f}%"
    if unit is Unit.DAYS:
        return (
            f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
        )
    return f"{value:,}"


@dataclass(frozen=True)
class Report:
    """A report over one or more periods: the same figure keys in each column."""

    title: str
    periods: tuple[Period, ...]
    columns: tuple[tuple[Figure, ...], ...]  # one tuple of figures per period
    generated_at: datetime
    notes: tuple[str, ...] = ()
    rows_read: int = 0  # report rows the queries read (bench figure)
    audience: Audience = Audience.INTERNAL
    threshold: int = DEFAULT_SUPPRESS_BELOW
    meta: Mapping[str, Any] = field(default_factory=dict)

    def figure(self, key: str, column: int = 0) -> Figure:
        for fig in self.columns[column]:
            if fig.key == key:
                return fig
        raise KeyError(key)

    def values(self, column: int = 0) -> dict[str, int | float | None]:
        return {f.key: f.value for f in self.columns[column]}

    def for_audience(self, audience: Audience, threshold: int | None = None) -> Report:
        return replace(
            self, audience=audience, threshold=self.threshold if threshold is None else threshold
        )

    def rows(self) -> Iterable[tuple[Figure, tuple[Figure, ...]]]:
        """Each figure of the first column with the same figure in every column."""
        for index, fig in enumerate(self.columns[0]):
            yield fig, tuple(col[index] for col in self.columns)


def check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= 100:
        raise ValidationError(
            [("suppress_below", "give a whole number from 1 (suppress nothing) to 100")]
        )
    return threshold


def _cell(fig: Figure, report: Report) -> Any:
    if fig.suppressed(report.audience, report.threshold):
        return f"<{report.threshold}"
    return fig.value


def report_json(report: Report) -> dict[str, Any]:
    """The report as JSON types; suppressed numbers become the string "<5"."""
    return {
        "title": report.title,
        "generated_at": report.generated_at.isoformat(),
        "audience": report.audience.value,
        "suppress_below": report.threshold if report.audience is Audience.EXTERNAL else None,
        "periods": [p.to_json() for p in report.periods],
        "notes": list(report.notes),
        **dict(report.meta),
        "figures": [
            {
                "key": fig.key,
                "section": fig.section,
                "label": fig.label,
                "unit": fig.unit.value,
                "values": [_cell(f, report) for f in same],
                "bases": [
                    None if f.suppressed(report.audience, report.threshold) else f.base
                    for f in same
                ],
            }
            for fig, same in report.rows()
        ],
    }


def report_csv(report: Report) -> bytes:
    """One row per figure: section, key, label, unit, then one column per period. UTF-8
    with a byte-order mark so Excel opens it as UTF-8 (the "£" and "–" survive)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "figure", "unit", *(p.label for p in report.periods)])
    for fig, same in report.rows():
        writer.writerow(
            [fig.section, fig.key, fig.label, fig.unit.value, *(_csv_cell(f, report) for f in same)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(fig: Figure, report: Report) -> str:
    value = _cell(fig, report)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- periods ------------------------------------------------------------------------


def quarter_periods(
    fy_start_year: int, quarter: int, start_month: int = 4, start_day: int = 1
) -> tuple[FinancialYear, Period, Period]:
    """The financial year starting in ``fy_start_year``, quarter ``quarter`` of it, and
    the year to date (the year's start to that quarter's end)."""
    fy = financial_year_starting(fy_start_year, start_month, start_day)
    q = fy.quarter(quarter)
    ytd_label = f"{fy.label} to date (Q1–Q{quarter})" if quarter > 1 else f"{fy.label} to date (Q1)"
    return fy, Period(q.label, q.start, q.end), Period(ytd_label, fy.start, q.end)


def median(values: Sequence[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2
