"""The service manager's *Reports*: the quarterly contract report (a quarter and its year
to date) with the records behind each figure, the wellbeing budget with its forecast, and
the work queues per team and worker.

Everything is worked out on the office server, which holds every laptop's records; this
laptop asks (``OfficeGateway`` on the network lane), shows the answer while the page is
open and keeps none of it. The server decides who may see what (a drill-down is for the
service manager only) and audits every report; its refusals are shown in its own words.
A saved file (PDF with charts, CSV, JSON) is the server's rendering, written where the
person chose, atomically, and noted in this laptop's audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from carer_desk.environment import OfficeGateway
from carer_desk.errors import LaptopRevoked, OfficeUnreachable, VaultLocked
from carer_desk.office import (
    Audience,
    BudgetPosition,
    ContractReport,
    DrillDown,
    OfficeRefused,
    ReportChart,
    ReportFormat,
    WorkQueues,
)
from carer_desk.rules.financial_year import financial_year_of, financial_year_starting
from carer_desk.rules.reporting import DEFAULT_SUPPRESS_BELOW
from carer_desk.services.printing import write_file_atomically
from ui.context import AppContext
from ui.controllers.payment_request import while_alive
from ui.operations import NetworkOp, QueryOp, describe_failure

T = TypeVar("T")

OFFLINE = (
    "The office server could not be reached, so {what} cannot be shown: {why} Nothing on "
    "this laptop is affected. Try again when it is connected."
)
WHY = "they are worked out at the office, from every laptop's records."
#: How many financial years back the year choices go (the server holds them all).
YEARS_OFFERED = 6


@dataclass(frozen=True)
class PeriodChoice:
    """A financial year (by the calendar year it starts in) and a quarter, or the year to
    date: then the report is asked for the latest quarter begun, its second column read."""

    fy: int
    quarter: int
    year_to_date: bool

    @property
    def column(self) -> int:
        return 1 if self.year_to_date else 0


def year_choices(today: date) -> list[tuple[int, str]]:
    """(start year, label) of this financial year and those before it, newest first."""
    current = financial_year_of(today).start.year
    return [
        (y, financial_year_starting(y).label) for y in range(current, current - YEARS_OFFERED, -1)
    ]


def quarters_begun(fy: int, today: date) -> list[tuple[int, str]]:
    """The quarters of ``fy`` that have begun by ``today``, as (number, "Q1 (Apr–Jun)")."""
    out = []
    for q in financial_year_starting(fy).quarters():
        if q.start <= today:
            out.append((q.number, f"Q{q.number} ({q.start:%b}–{q.end:%b})"))
    return out


def latest_quarter(fy: int, today: date) -> int:
    begun = quarters_begun(fy, today)
    return begun[-1][0] if begun else 1


def file_name(report_fy: int, quarter: int, fmt: ReportFormat, audience: Audience) -> str:
    who = "for-commissioners" if audience is Audience.EXTERNAL else "internal"
    return f"contract-report-{report_fy}-q{quarter}-{who}.{fmt.value}"


class ReportsController(QObject):
    report_ready = Signal(object)  # ContractReport
    drill_ready = Signal(object)  # DrillDown
    budget_ready = Signal(object)  # BudgetPosition
    queues_ready = Signal(object)  # WorkQueues
    pdf_ready = Signal(bytes, str)  # the PDF to preview, its title
    saved = Signal(str)  # a sentence: where the file went
    # (which part: "report" | "drill" | "budget" | "queues" | "file", the sentence)
    refused = Signal(str, str)
    cleared = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session = desk.session
        self.office: OfficeGateway | None = desk.office
        self.today = self.session.clock.today()
        self.choice: PeriodChoice | None = None
        self.report: ContractReport | None = None
        self.charts: list[ReportChart] = []  # the report's, as its PDF draws them
        self.drill_down: DrillDown | None = None
        ctx.hub.locked.connect(self.clear)

    # --- choices -----------------------------------------------------------------------

    def years(self) -> list[tuple[int, str]]:
        return year_choices(self.today)

    def quarters(self, fy: int) -> list[tuple[int, str]]:
        return quarters_begun(fy, self.today)

    def choose(self, fy: int, quarter: int | None) -> PeriodChoice:
        """``quarter`` None: the year to date (to the end of the latest quarter begun)."""
        if quarter is None:
            return PeriodChoice(fy, latest_quarter(fy, self.today), True)
        return PeriodChoice(fy, quarter, False)

    # --- the office's answers ----------------------------------------------------------

    def _ask(
        self,
        part: str,
        what: str,
        call: Callable[[OfficeGateway], T],
        done: Callable[[T], None],
        busy: str,
    ) -> None:
        office = self.office
        if office is None:
            self.refused.emit(part, "Reports are for the service manager's laptop.")
            return
        NetworkOp(self.ctx.runner, lambda: call(office)).success(while_alive(self, done)).failure(
            while_alive(self, lambda exc: self._failed(part, what, exc))
        ).busy(busy).run()

    def _failed(self, part: str, what: str, exc: BaseException) -> None:
        if isinstance(exc, OfficeRefused):
            self.refused.emit(part, f"The office server refused: {exc}")
        elif isinstance(exc, OfficeUnreachable):
            self.refused.emit(part, OFFLINE.format(what=what, why=WHY))
        elif isinstance(exc, LaptopRevoked):
            self.ctx.hub.laptop_revoked.emit(str(exc))
        elif not isinstance(exc, VaultLocked):
            self.refused.emit(part, describe_failure(exc).text)
            self.ctx.hub.problem.emit(describe_failure(exc))

    def load_report(self, choice: PeriodChoice) -> None:
        self.choice = choice

        def shown(report: ContractReport) -> None:
            self.report = report
            self.charts = report.charts()
            self.drill_down = None
            self.report_ready.emit(report)

        self._ask(
            "report",
            "the contract report",
            lambda o: o.quarterly(choice.fy, choice.quarter),
            shown,
            "Asking the office for the report…",
        )

    def drill(self, key: str, *, year_to_date: bool | None = None) -> None:
        """The records behind one figure of the report shown (its quarter, or the year to
        date: by default the column the person chose)."""
        choice = self.choice
        if choice is None or not key:
            return
        ytd = choice.year_to_date if year_to_date is None else year_to_date

        def shown(drill: DrillDown) -> None:
            self.drill_down = drill
            self.drill_ready.emit(drill)

        self._ask(
            "drill",
            "the records behind the figure",
            lambda o: o.drill(choice.fy, choice.quarter, key, year_to_date=ytd),
            shown,
            "Asking the office for the records…",
        )

    def load_budget(self, fy: int | None) -> None:
        def shown(position: BudgetPosition) -> None:
            self.budget_ready.emit(position)

        self._ask(
            "budget",
            "the wellbeing budget",
            lambda o: o.budget(fy),
            shown,
            "Asking the office for the budget…",
        )

    def load_queues(self, team: str | None) -> None:
        def shown(queues: WorkQueues) -> None:
            self.queues_ready.emit(queues)

        self._ask(
            "queues",
            "the work queues",
            lambda o: o.queues(team),
            shown,
            "Asking the office for the work queues…",
        )

    # --- files -------------------------------------------------------------------------

    def preview_pdf(self, audience: Audience, suppress_below: int = DEFAULT_SUPPRESS_BELOW):
        choice = self.choice
        if choice is None:
            return
        title = f"Contract report {self._label(choice)}"
        self._ask(
            "file",
            "the report's PDF",
            lambda o: o.quarterly_file(
                choice.fy, choice.quarter, ReportFormat.PDF, audience, suppress_below
            ),
            lambda pdf: self.pdf_ready.emit(pdf, title),
            "Asking the office for the PDF…",
        )

    def suggested_name(self, fmt: ReportFormat, audience: Audience) -> str:
        choice = self.choice
        if choice is None:
            return f"contract-report.{fmt.value}"
        return file_name(choice.fy, choice.quarter, fmt, audience)

    def save(
        self,
        path: Path,
        fmt: ReportFormat,
        audience: Audience,
        suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    ) -> None:
        """The server's rendering written to ``path`` (atomically: the old file or the
        new one, never a fragment), then noted in this laptop's audit log."""
        choice = self.choice
        if choice is None:
            return
        path = Path(path)

        def fetch_and_write(office: OfficeGateway) -> Path:
            body = office.quarterly_file(choice.fy, choice.quarter, fmt, audience, suppress_below)
            write_file_atomically(path, body)
            return path

        def written(where: Path) -> None:
            details = {
                "document": "contract-report",
                "file": where.name,
                "format": fmt.value,
                "audience": audience.value,
                "financial_year": str(choice.fy),
                "quarter": str(choice.quarter),
            }
            QueryOp(
                self.ctx.runner, self.session, lambda s: s.store.audit("export", details=details)
            ).run()
            suppressed = (
                f", numbers under {suppress_below} suppressed"
                if audience is Audience.EXTERNAL
                else ", every number shown"
            )
            self.saved.emit(f"Saved {self._label(choice)} as {where}{suppressed}.")

        self._ask("file", "the report's file", fetch_and_write, written, "Saving the report…")

    def _label(self, choice: PeriodChoice) -> str:
        if self.report is not None and len(self.report.periods) > choice.column:
            return self.report.periods[choice.column].label
        return f"Q{choice.quarter} {financial_year_starting(choice.fy).label}"

    def chart(self, section: str | None) -> ReportChart | None:
        """The report's chart of ``section`` (the first one for None)."""
        if section is None:
            return self.charts[0] if self.charts else None
        return next((c for c in self.charts if c.section == section), None)

    # --- lock --------------------------------------------------------------------------

    def clear(self) -> None:
        """Nothing the office sent stays in memory once the window locks."""
        self.report = None
        self.charts = []
        self.drill_down = None
        self.cleared.emit()
