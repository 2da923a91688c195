"""The reports as the server offers them, to the command line and the HTTP API alike:
who may ask, in which format, and the audit entry every report and drill-down leaves.

Reports are for the service manager (the ``admin`` role); the wellbeing budget is also
for payments approvers, who decide against it. A drill-down names records, so it is
for the service manager only and each one is audited with the figure and the count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from carer_desk.rules.budget import DEFAULT_ANNUAL_BUDGET_PENCE
from carer_desk.rules.financial_year import financial_year_of
from carer_desk.rules.reporting import (
    DEFAULT_SUPPRESS_BELOW,
    Audience,
    Report,
    check_threshold,
    report_csv,
    report_json,
)
from carer_desk.rules.working_days import BankHolidayCalendar, calendar_for
from sync.protocol import Role
from sync.server.errors import BadRequest, Forbidden, NotFound
from sync.server.reports.budget import budget_for_year, budget_json
from sync.server.reports.quarterly import UnknownFigure, drill_down, quarterly_report
from sync.server.reports.queues import queue_counts, work_queues

REPORT_ROLES = frozenset({Role.ADMIN})
BUDGET_ROLES = frozenset({Role.ADMIN, Role.PAYMENTS_APPROVER})
#: Financial years a report may ask for: the bank-holiday data covers 2010 to 2030.
EARLIEST_YEAR = 2010


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


MEDIA_TYPES = {
    Format.JSON: "application/json",
    Format.CSV: "text/csv",
    Format.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    filename: str


def require_role(role: Role | str, allowed: frozenset[Role], what: str) -> None:
    if Role(role) not in allowed:
        names = " or ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"{what} are for the {names} role; ask the service manager.")


def render(report: Report, fmt: Format, stem: str) -> Rendered:
    if fmt is Format.CSV:
        body = report_csv(report)
    elif fmt is Format.PDF:
        from carer_desk.printing.report_pdf import render_report

        body = render_report(report)
    else:
        import json

        body = json.dumps(report_json(report), ensure_ascii=False, indent=1).encode("utf-8")
    return Rendered(body, MEDIA_TYPES[fmt], f"{stem}.{fmt.value}")


class ReportDesk:
    def __init__(
        self,
        store: Any,
        today: Callable[[], date],
        calendar: BankHolidayCalendar | None = None,
        *,
        annual_budget_pence: int = DEFAULT_ANNUAL_BUDGET_PENCE,
        budget_for: Callable[[int], int] | None = None,
    ) -> None:
        self.store = store
        self.today = today
        self.calendar = calendar or calendar_for()
        # The budget of the financial year starting in a given calendar year: the server's
        # per-year figures when given, else one figure for every year.
        self.budget_for = budget_for or (lambda _year: annual_budget_pence)

    def _check_period(self, fy: int, quarter: int) -> None:
        latest = financial_year_of(self.today()).start.year
        if not EARLIEST_YEAR <= fy <= latest:
            raise BadRequest(
                f"Give a financial year from {EARLIEST_YEAR} to {latest} (the year it starts "
                f"in: 2024 for 2024/25)."
            )
        if quarter not in (1, 2, 3, 4):
            raise BadRequest("A quarter is 1 (Apr–Jun), 2 (Jul–Sep), 3 (Oct–Dec) or 4 (Jan–Mar).")

    def quarterly(
        self,
        actor: str,
        role: Role | str,
        fy: int,
        quarter: int,
        *,
        audience: Audience = Audience.INTERNAL,
        suppress_below: int = DEFAULT_SUPPRESS_BELOW,
        fmt: Format = Format.JSON,
        device_id: str | None = None,
    ) -> Rendered:
        require_role(role, REPORT_ROLES, "Contract reports")
        self._check_period(fy, quarter)
        try:
            threshold = check_threshold(suppress_below)
        except Exception as exc:
            raise BadRequest(str(exc)) from None
        report = quarterly_report(self.store, fy, quarter, self.calendar, as_of=self.today())
        report = report.for_audience(audience, threshold)
        self.store.audit(
            actor=actor,
            action="report",
            device_id=device_id,
            details={
                "report": "quarterly",
                "financial_year": fy,
                "quarter": quarter,
                "audience": audience.value,
                "format": fmt.value,
            },
        )
        return render(report, fmt, f"contract-report-{fy}-q{quarter}-{audience.value}")

    def drill(
        self,
        actor: str,
        role: Role | str,
        fy: int,
        quarter: int,
        key: str,
        *,
        year_to_date: bool = False,
        device_id: str | None = None,
    ) -> dict[str, Any]:
        require_role(role, REPORT_ROLES, "Drill-downs to records")
        self._check_period(fy, quarter)
        try:
            period, rows = drill_down(
                self.store,
                fy,
                quarter,
                key,
                self.calendar,
                as_of=self.today(),
                year_to_date=year_to_date,
            )
        except UnknownFigure:
            raise NotFound(
                f"The report has no figure {key!r}; the figure keys are in the report's JSON."
            ) from None
        self.store.audit(
            actor=actor,
            action="report-drill",
            device_id=device_id,
            details={"figure": key, "period": period.label, "records": len(rows)},
        )
        return {"figure": key, "period": period.to_json(), "records": rows}

    def budget(
        self, actor: str, role: Role | str, fy: int | None = None, *, device_id: str | None = None
    ) -> dict[str, Any]:
        """The wellbeing budget of a financial year (default: the current one), with the
        forecast and its warning: for approvers and the service manager."""
        require_role(role, BUDGET_ROLES, "The wellbeing budget figures")
        today = self.today()
        year = fy if fy is not None else financial_year_of(today).start.year
        self._check_period(year, 1)
        position = budget_for_year(
            self.store, year, as_of=today, annual_budget_pence=self.budget_for(year)
        )
        self.store.audit(
            actor=actor,
            action="report",
            device_id=device_id,
            details={"report": "budget", "financial_year": year},
        )
        return budget_json(position)

    def queues(
        self,
        actor: str,
        role: Role | str,
        user_team: str | None,
        team: str | None = None,
        *,
        device_id: str | None = None,
    ) -> dict[str, Any]:
        """Work queues: every team for the service manager; an outreach worker's own team."""
        if Role(role) == Role.OUTREACH_WORKER:
            if user_team is None or (team is not None and team != user_team):
                raise Forbidden("Outreach workers see their own team's work queues only.")
            team = user_team
        else:
            require_role(role, REPORT_ROLES, "Work queues across teams")
        items = work_queues(self.store, self.calendar, as_of=self.today(), team=team)
        self.store.audit(
            actor=actor,
            action="report",
            device_id=device_id,
            details={"report": "queues", "team": team, "items": len(items)},
        )
        return {
            "as_of": self.today().isoformat(),
            "team": team,
            "counts": queue_counts(items),
            "items": [i.to_json() for i in items],
        }
