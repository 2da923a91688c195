"""What the office server shows the service manager, as Qt-free values: the quarterly
contract report and the records behind a figure, the wellbeing budget, the work queues,
and the administration of users, laptops and settings (issue 11).

The server computes and decides everything here; a laptop holds none of it (nothing is
written to the vault). These types are parsed from the server's JSON by
``carer_desk.wiring.office_api`` and read by the window through the ``OfficeGateway``
port (``carer_desk.environment``). A refusal arrives as :class:`OfficeRefused`, whose text is
the server's own sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from carer_desk.errors import CarerDeskError
from carer_desk.formatting import long_date, money
from carer_desk.rules.reporting import CHARTS, Unit, bar_label, format_value, in_chart


class OfficeRefused(CarerDeskError):
    """The office server refused the request; ``str(exc)`` is the server's sentence."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class ReportFormat(StrEnum):
    PDF = "pdf"
    CSV = "csv"
    JSON = "json"


class Audience(StrEnum):
    INTERNAL = "internal"  # every number
    EXTERNAL = "external"  # leaves the organisation: small numbers suppressed


# --- the quarterly report -------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    label: str
    start: date
    end: date

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportPeriod:
        return cls(
            str(data["label"]), date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
        )


@dataclass(frozen=True)
class ReportFigure:
    """One figure with its value in each of the report's periods (the quarter, then the
    year to date); a value may be "<5" when suppressed."""

    key: str
    section: str
    label: str
    unit: Unit
    values: tuple[int | float | str | None, ...]

    def shown(self, column: int) -> str:
        value = self.values[column] if column < len(self.values) else None
        if isinstance(value, str):
            return value
        return format_value(value, self.unit)


@dataclass(frozen=True)
class ReportChart:
    """One section's bars (a breakdown or a KPI's outcomes): per bar its label and its
    number in each period, in pounds for money. A value the office suppressed ("<5") is
    drawn as zero and listed in ``suppressed``, so the chart never shows what the table
    hides."""

    section: str
    unit: Unit
    periods: tuple[str, ...]
    bars: tuple[tuple[str, tuple[int | float, ...]], ...]
    suppressed: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return CHART_TITLES.get(self.section, self.section)

    def sentence(self) -> str:
        """The chart in words, for a screen reader."""
        parts = []
        for label, values in self.bars:
            shown = ", ".join(
                f"{p} {format_value(round(v * 100) if self.unit is Unit.PENCE else v, self.unit)}"
                for p, v in zip(self.periods, values, strict=True)
            )
            parts.append(f"{label}: {shown}")
        return f"{self.title}. " + "; ".join(parts) + "."


#: What each chart shows, as its title.
CHART_TITLES = {
    "Referrals": "Referrals by source",
    "Assessments and reviews": "Assessments by route",
    "Wellbeing payments": "Wellbeing payments by purpose (total)",
    "Self-assessments (2 working days)": "Self-assessments reviewed within 2 working days",
    "Waiting list (5 working days)": "Waiting-list carers contacted within 5 working days",
}


@dataclass(frozen=True)
class ContractReport:
    title: str
    periods: tuple[ReportPeriod, ...]
    figures: tuple[ReportFigure, ...]
    notes: tuple[str, ...]
    generated_at: datetime

    def sections(self) -> list[str]:
        return list(dict.fromkeys(f.section for f in self.figures))

    def charts(self) -> list[ReportChart]:
        """The report's charts (as in its PDF), leaving out a chart with nothing to draw."""
        out = []
        for section in CHARTS:
            unit = CHARTS[section][1]
            scale = 100 if unit is Unit.PENCE else 1
            bars, hidden = [], []
            for fig in self.figures:
                if fig.section != section or not in_chart(section, fig.key, fig.unit):
                    continue
                label = bar_label(fig.label)
                if any(isinstance(v, str) for v in fig.values):
                    hidden.append(label)
                values = tuple(
                    (v / scale if scale != 1 else v) if isinstance(v, int | float) else 0
                    for v in fig.values
                )
                bars.append((label, values))
            bars = [(label, values) for label, values in bars if any(values)]
            if bars:
                periods = tuple(p.label for p in self.periods)
                out.append(ReportChart(section, unit, periods, tuple(bars), tuple(hidden)))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContractReport:
        return cls(
            title=str(data["title"]),
            periods=tuple(ReportPeriod.from_json(p) for p in data["periods"]),
            figures=tuple(
                ReportFigure(
                    key=str(f["key"]),
                    section=str(f["section"]),
                    label=str(f["label"]),
                    unit=Unit(f["unit"]),
                    values=tuple(f["values"]),
                )
                for f in data["figures"]
            ),
            notes=tuple(str(n) for n in data.get("notes", ())),
            generated_at=datetime.fromisoformat(data["generated_at"]),
        )


#: How a drill-down's report columns read as column headings (the rest: the key itself).
DRILL_HEADINGS = {
    "record_id": "Record",
    "kind": "Kind",
    "carer_id": "Carer",
    "team": "Team",
    "district": "District",
    "worker": "Worker",
    "referral_on": "Referred",
    "referral_source": "Referral source",
    "contacted_on": "First contact",
    "started_on": "Started",
    "completed_on": "Completed",
    "mode": "Route",
    "reviewed_on": "Reviewed",
    "review_due_on": "Review due",
    "amount_pence": "Amount",
    "purpose": "Purpose",
    "status": "Status",
    "requested_on": "Requested",
    "submitted_on": "Submitted",
    "decided_on": "Decided",
    "paid_on": "Paid",
}
# Shown first, in this order; any other column follows in the server's order.
DRILL_FIRST = ("record_id", "kind", "carer_id", "team", "district", "worker")


@dataclass(frozen=True)
class DrillDown:
    """The records behind one figure: each one's clear report columns (ids, team,
    district, dates, codes; never a name or a note)."""

    figure: str
    period: ReportPeriod
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]

    def heading(self, column: str) -> str:
        return DRILL_HEADINGS.get(column, column.replace("_", " ").capitalize())

    def cell(self, row: Mapping[str, Any], column: str) -> str:
        value = row.get(column)
        if value is None:
            return ""
        if column == "amount_pence" and isinstance(value, int):
            return money(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrillDown:
        rows = tuple(dict(r) for r in data["records"])
        seen = [k for r in rows for k in r]
        order = [c for c in DRILL_FIRST if c in seen] + [
            c for c in dict.fromkeys(seen) if c not in DRILL_FIRST
        ]
        return cls(
            figure=str(data["figure"]),
            period=ReportPeriod.from_json(data["period"]),
            columns=tuple(order),
            rows=rows,
        )


# --- the wellbeing budget -------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLine:
    """Paid, committed (approved, not yet paid) and waiting money of one quarter, purpose
    or district, with how many requests each is."""

    label: str
    paid_pence: int
    committed_pence: int
    waiting_pence: int
    paid_count: int
    approved_count: int
    waiting_count: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudgetLine:
        return cls(
            label=str(data["label"]),
            paid_pence=int(data["paid_pence"]),
            committed_pence=int(data["committed_pence"]),
            waiting_pence=int(data.get("waiting_pence") or 0),
            paid_count=int(data.get("paid_count") or 0),
            approved_count=int(data.get("approved_count") or 0),
            waiting_count=int(data.get("waiting_count") or 0),
        )


@dataclass(frozen=True)
class FunderHalf:
    name: str
    percent: float
    budget_pence: int
    paid_pence: int
    committed_pence: int
    remaining_pence: int


@dataclass(frozen=True)
class BudgetPosition:
    year_label: str
    year_start: date
    as_of: date
    budget_pence: int
    paid_pence: int
    committed_pence: int
    waiting_pence: int
    remaining_pence: int
    forecast_outturn_pence: int | None
    forecast_variance_pence: int | None
    warning: str | None
    by_funder: tuple[FunderHalf, ...]
    by_quarter: tuple[BudgetLine, ...]
    by_purpose: tuple[BudgetLine, ...]
    by_district: tuple[BudgetLine, ...]

    def summary(self) -> list[tuple[str, str]]:
        """The year's position as (what, amount) lines, in reading order."""
        forecast = (
            money(self.forecast_outturn_pence)
            if self.forecast_outturn_pence is not None
            else "not yet: nothing paid or committed"
        )
        lines = [
            ("Budget", money(self.budget_pence)),
            ("Paid", money(self.paid_pence)),
            ("Committed (approved, not yet paid)", money(self.committed_pence)),
            ("Waiting for a decision", money(self.waiting_pence)),
            ("Remaining", money(self.remaining_pence)),
            ("Forecast outturn at this year's rate", forecast),
        ]
        if self.forecast_variance_pence is not None:
            over = self.forecast_variance_pence
            lines.append(
                (
                    "Forecast against the budget",
                    f"{money(abs(over))} {'over' if over > 0 else 'under'}",
                )
            )
        return lines

    def as_of_sentence(self) -> str:
        return f"{self.year_label}, as the office knew it on {long_date(self.as_of)}."

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudgetPosition:
        fy = data["financial_year"]
        return cls(
            year_label=str(fy["label"]),
            year_start=date.fromisoformat(fy["start"]),
            as_of=date.fromisoformat(data["as_of"]),
            budget_pence=int(data["budget_pence"]),
            paid_pence=int(data["paid_pence"]),
            committed_pence=int(data["committed_pence"]),
            waiting_pence=int(data.get("waiting_pence") or 0),
            remaining_pence=int(data["remaining_pence"]),
            forecast_outturn_pence=data.get("forecast_outturn_pence"),
            forecast_variance_pence=data.get("forecast_variance_pence"),
            warning=data.get("warning"),
            by_funder=tuple(
                FunderHalf(
                    name=str(f["name"]),
                    percent=float(f["percent"]),
                    budget_pence=int(f["budget_pence"]),
                    paid_pence=int(f["paid_pence"]),
                    committed_pence=int(f["committed_pence"]),
                    remaining_pence=int(f["remaining_pence"]),
                )
                for f in data.get("by_funder", ())
            ),
            by_quarter=tuple(BudgetLine.from_json(x) for x in data.get("by_quarter", ())),
            by_purpose=tuple(BudgetLine.from_json(x) for x in data.get("by_purpose", ())),
            by_district=tuple(BudgetLine.from_json(x) for x in data.get("by_district", ())),
        )


# --- work queues ----------------------------------------------------------------------

QUEUE_LABELS = {
    "waiting_list": "Waiting-list contacts due",
    "payment_decisions": "Payment requests awaiting a decision",
    "cards_to_print": "Cards to print",
    "reviews_due": "Reviews due",
    "plans_due": "Plans due for review",
    "plans_missing": "Plans missing",
    "approaching_18": "Young carers approaching 18",
}
TEAMS = ("north", "central", "south", "city")


def queue_label(queue: str) -> str:
    return QUEUE_LABELS.get(queue, queue.replace("_", " ").capitalize())


@dataclass(frozen=True)
class QueueCount:
    team: str | None
    worker: str | None
    queue: str
    items: int
    overdue: int


@dataclass(frozen=True)
class QueueEntry:
    queue: str
    team: str | None
    worker: str | None
    record_id: str
    carer_id: str | None
    due_on: date | None
    overdue: bool


@dataclass(frozen=True)
class WorkQueues:
    as_of: date
    team: str | None
    counts: tuple[QueueCount, ...]
    items: tuple[QueueEntry, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkQueues:
        return cls(
            as_of=date.fromisoformat(data["as_of"]),
            team=data.get("team"),
            counts=tuple(
                QueueCount(c.get("team"), c.get("worker"), c["queue"], c["items"], c["overdue"])
                for c in data["counts"]
            ),
            items=tuple(
                QueueEntry(
                    queue=i["queue"],
                    team=i.get("team"),
                    worker=i.get("worker"),
                    record_id=i["record_id"],
                    carer_id=i.get("carer_id"),
                    due_on=date.fromisoformat(i["due_on"]) if i.get("due_on") else None,
                    overdue=bool(i.get("overdue")),
                )
                for i in data["items"]
            ),
        )


# --- administration -------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeUser:
    username: str
    role: str  # the server's role name (carer_desk.roles.Role values)
    team: str | None
    disabled: bool
    created_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OfficeUser:
        return cls(
            username=str(data["username"]),
            role=str(data["role"]),
            team=data.get("team"),
            disabled=bool(data.get("disabled")),
            created_at=datetime.fromisoformat(data["created_at"]),
        )


@dataclass(frozen=True)
class OfficeLaptop:
    device_id: str
    username: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OfficeLaptop:
        def when(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if value else None

        enrolled = when("enrolled_at")
        assert enrolled is not None, "the server names every laptop's enrolment"
        return cls(
            device_id=str(data["device_id"]),
            username=str(data["username"]),
            name=str(data["name"]),
            enrolled_at=enrolled,
            last_seen_at=when("last_seen_at"),
            revoked_at=when("revoked_at"),
            revoked_by=data.get("revoked_by"),
        )


@dataclass(frozen=True)
class SettingsSection:
    """One group of the server's settings as (name, value) lines for reading."""

    title: str
    lines: tuple[tuple[str, str], ...]


#: The payment rules the admin API lets a person change (whole numbers), in form order.
EDITABLE_PAYMENT_RULES = (
    "cap_pence",
    "window_months",
    "assessment_valid_months",
    "duplicate_purpose_days",
    "stale_draft_days",
)


@dataclass(frozen=True)
class YearBudget:
    financial_year: int  # the calendar year it starts in
    label: str
    budget_pence: int
    set: bool  # False: the annual figure applies (no budget set for that year)


@dataclass(frozen=True)
class OfficeSettings:
    """The server's settings in force, as it sent them (``raw``) and as sections to read."""

    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def editable(self) -> bool:
        """Whether this server takes changes over its admin API: one that does lists each
        year's budget (``budgets``) with its settings."""
        return "budgets" in self.raw

    def budgets(self) -> list[YearBudget]:
        return [
            YearBudget(int(b["financial_year"]), str(b["label"]), int(b["budget_pence"]), b["set"])
            for b in self.raw.get("budgets", ())
        ]

    def payment_rule(self, key: str) -> Any:
        if key == "card_number_length":
            return self.raw.get(key)
        return dict(self.raw.get("payments") or {}).get(key)

    def retention(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in dict(self.raw.get("retention_years") or {}).items()}

    def sections(self) -> list[SettingsSection]:
        out: list[SettingsSection] = []
        for key, value in self.raw.items():
            title = _name(key)
            if key == "budgets":
                out.append(
                    SettingsSection(
                        title,
                        tuple(
                            (
                                b.label,
                                money(b.budget_pence)
                                + ("" if b.set else " (the annual figure: none set)"),
                            )
                            for b in self.budgets()
                        ),
                    )
                )
                continue
            if isinstance(value, Mapping):
                out.append(
                    SettingsSection(
                        title, tuple((_name(k), _reading(k, v)) for k, v in value.items())
                    )
                )
            else:
                out.append(SettingsSection(title, ((title, _reading(key, value)),)))
        return out


#: What a setting is called on screen, where its key alone would read oddly.
SETTING_NAMES = {
    "cap_pence": "Cap per carer",
    "window_months": "Cap window (months)",
    "assessment_valid_months": "An assessment counts for (months)",
    "duplicate_purpose_days": "Same-purpose warning within (days)",
    "annual_budget_pence": "Annual budget (years not set)",
    "funder_split": "Funder split",
    "financial_year_start_month": "Financial year starts (month)",
    "financial_year_start_day": "Financial year starts (day)",
    "stale_draft_days": "A draft goes stale after (days)",
    "year_end_attribution": "A payment counts in the year it is",
    "budget_by_year": "Budget by financial year",
    "retention_years": "Years each record is kept",
    "legal_holds": "Records under a legal hold",
    "report_suppress_below": "Reports leaving the organisation suppress numbers under",
    "retention_defaults": "Years kept by default",
    "budgets": "Budget of each financial year",
    "card_number_length": "Card number length (digits)",
}


def _name(key: str) -> str:
    return SETTING_NAMES.get(key, key.replace("_", " ").capitalize())


def _reading(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("_pence") and isinstance(value, int):
        return money(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{_name(str(k))}: {_reading(str(k), v)}" for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        if key == "funder_split":  # [[name, percent], ...]
            return "; ".join(f"{name} {share:g}%" for name, share in value) or "none"
        if key == "budget_by_year":  # [[start year, pence], ...]
            return (
                "; ".join(f"{year}/{(year + 1) % 100:02d}: {money(p)}" for year, p in value)
                or "none set: the annual budget applies"
            )
        return ", ".join(_reading(key, v) for v in value) or "none"
    if value is None:
        return "not set"
    return str(value)
