"""The quarterly contract-monitoring report (BRIEF §7, issue 11), as SQL over the report
columns (``report_facts``): for a financial-year quarter and the year to date.

Every figure is a population of report rows (carers, conversations, payments...) and an
aggregate over it; :meth:`ContractFigures.drill` returns the population behind a figure
key, so a figure and its drill-down cannot disagree. Counts, sums and groupings run in
the database; the working-day KPIs and the waits are computed in Python over the dates
of the period's rows only (the working-day calendar is the core's, England bank
holidays), so the cost follows the period's activity, not the years held.

Definitions (docs/reports.md says the same for a reader):

* referrals — carers whose referral date is in the period, by source; self-referrals
  are the ``self`` source;
* assessments — conversations completed in the period that hold a lawful assessment and
  are not reviews, by how they were held; reviews — review conversations completed;
* carers supported in groups — distinct carers marked present at a session in the period;
* parent carers registered — parent carers referred in the period;
* contingency plans in place — carers with a plan made by the period's end whose record
  was open then;
* GP — open carers at the period's end registered as a carer with their GP (the current
  answer), and carers encouraged to register during the period;
* wellbeing payments — requests paid in the period: count, total, by purpose;
* self-assessments — received in the period, reviewed within 2 working days, late, not
  reviewed and overdue, or not yet due; the percentage is of those whose deadline passed
  or that were reviewed;
* waiting list — carers referred in the period, contacted within 5 working days, late,
  not contacted and overdue, or not yet due;
* waits — carers whose first assessment was completed in the period: calendar days from
  referral, average, median and longest;
* wellbeing improved — carers whose latest wellbeing check in the period scored higher
  (as a share of the maximum) than their check before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.sql import Select

from carer_desk.records.carer import ReferralSource
from carer_desk.records.conversation import ConversationMode
from carer_desk.records.payment import PaymentPurpose, PaymentStatus
from carer_desk.rules.reporting import Figure, Period, Report, Unit, median, quarter_periods
from carer_desk.rules.working_days import BankHolidayCalendar, add_working_days, within_working_days
from sync.server import schema as t

F = t.report_facts
c = F.c
FIRST_CONTACT_DAYS = 5
SELF_ASSESSMENT_DAYS = 2
TITLE = "Contract monitoring report"


class UnknownFigure(KeyError):
    """A drill-down asked for a figure key the report does not have."""


def _in(column: Any, period: Period) -> Any:
    return column.between(period.start, period.end)


def _open_at(end: date) -> Any:
    return or_(c.closed_on.is_(None), c.closed_on > end)


@dataclass(frozen=True)
class _Timed:
    """A dated row of a working-day KPI and how it came out."""

    record_id: str
    outcome: str  # within | late | overdue | pending


class ContractFigures:
    """The figures of one period, read through ``conn``."""

    def __init__(
        self, conn: Connection, period: Period, calendar: BankHolidayCalendar, as_of: date
    ) -> None:
        self.conn = conn
        self.period = period
        self.calendar = calendar
        self.as_of = as_of
        self.rows_read = 0
        # Counts of the state at a day (plans in place, GP registration at the period's
        # end): the quarter and the year to date end on the same day, so the report
        # shares one dict between its two columns and each count is read once.
        self.at_end: dict[tuple[str, date], int] = {}

    # --- populations (each a SELECT of report rows; record_id first) -----------------

    # Populations select only the columns a figure groups or sums by: a count over every
    # report column made SQLite read each whole row.
    def _rows(self) -> Select:
        return select(c.record_id, c.carer_id, c.referral_source, c.mode, c.purpose, c.amount_pence)

    def _carers_referred(self) -> Select:
        return self._rows().where(c.kind == "carer", _in(c.referral_on, self.period))

    def _assessments(self) -> Select:
        return self._rows().where(
            c.kind == "conversation",
            c.assessment.is_(True),
            c.is_review.is_(False),
            _in(c.completed_on, self.period),
        )

    def _reviews(self) -> Select:
        return self._rows().where(
            c.kind == "conversation", c.is_review.is_(True), _in(c.completed_on, self.period)
        )

    def _paid(self) -> Select:
        return self._rows().where(
            c.kind == "payment_request",
            c.status == PaymentStatus.PAID.value,
            _in(c.paid_on, self.period),
        )

    def _group_attenders(self) -> Select:
        session = F.alias("session")
        return (
            select(c.carer_id.label("record_id"))
            .select_from(F.join(session, session.c.record_id == c.session_id))
            .where(
                c.kind == "attendance",
                c.attended.is_(True),
                session.c.kind == "session",
                _in(session.c.session_on, self.period),
            )
            .distinct()
        )

    def _plans_in_place(self) -> Select:
        carer = F.alias("carer")
        end = self.period.end
        return (
            select(c.carer_id.label("record_id"))
            .select_from(F.join(carer, carer.c.record_id == c.carer_id))
            .where(
                c.kind == "plan",
                c.created_on <= end,
                or_(carer.c.closed_on.is_(None), carer.c.closed_on > end),
            )
            .distinct()
        )

    def _gp_registered(self) -> Select:
        end = self.period.end
        return self._rows().where(
            c.kind == "carer",
            c.referral_on <= end,
            _open_at(end),
            c.gp_registered.is_(True),
        )

    def _gp_encouraged(self) -> Select:
        return self._rows().where(c.kind == "carer", _in(c.gp_encouraged_on, self.period))

    def _self_assessments(self) -> Select:
        return select(c.record_id, c.started_on, c.reviewed_on).where(
            c.kind == "conversation",
            c.mode == ConversationMode.SELF_ASSESSMENT.value,
            _in(c.started_on, self.period),
        )

    # --- running them -------------------------------------------------------------------

    def _count_at_end(self, name: str, population: Callable[[], Select]) -> int:
        key = (name, self.period.end)
        if key not in self.at_end:
            self.at_end[key] = self._count(population())
        return self.at_end[key]

    def _count(self, population: Select) -> int:
        n = int(
            self.conn.execute(select(func.count()).select_from(population.subquery())).scalar_one()
        )
        self.rows_read += n
        return n

    def _grouped(self, population: Select, column: str) -> dict[str, int]:
        sub = population.subquery()
        rows = self.conn.execute(select(sub.c[column], func.count()).group_by(sub.c[column])).all()
        self.rows_read += sum(n for _, n in rows)
        return {str(key): int(n) for key, n in rows}

    def _ids(self, population: Select) -> list[str]:
        sub = population.subquery()
        ids = [str(r) for r in self.conn.execute(select(sub.c.record_id)).scalars()]
        self.rows_read += len(ids)
        return ids

    def _timed(self, rows: Sequence[tuple[str, date, date | None]], days: int) -> list[_Timed]:
        """Each (id, start, done) as within / late / overdue / pending ``days`` working
        days after start, as of the report's day."""
        out = []
        for record_id, start, done in rows:
            if done is not None:
                ok = within_working_days(start, done, days, self.calendar)
                out.append(_Timed(record_id, "within" if ok else "late"))
            elif add_working_days(start, days, self.calendar) < self.as_of:
                out.append(_Timed(record_id, "overdue"))
            else:
                out.append(_Timed(record_id, "pending"))
        return out

    def self_assessment_outcomes(self) -> list[_Timed]:
        rows = self.conn.execute(self._self_assessments()).all()
        self.rows_read += len(rows)
        return self._timed(
            [(r.record_id, r.started_on, r.reviewed_on) for r in rows], SELF_ASSESSMENT_DAYS
        )

    def first_contact_outcomes(self) -> list[_Timed]:
        query = select(c.record_id, c.referral_on, c.contacted_on).where(
            c.kind == "carer", _in(c.referral_on, self.period)
        )
        rows = self.conn.execute(query).all()
        self.rows_read += len(rows)
        return self._timed(
            [(r.record_id, r.referral_on, r.contacted_on) for r in rows], FIRST_CONTACT_DAYS
        )

    def waits(self) -> list[tuple[str, int]]:
        """(carer id, calendar days from referral to first assessment) for carers whose
        first assessment was completed in the period."""
        rows = self.conn.execute(
            select(c.record_id, c.first_assessed_on, c.referral_on).where(
                c.kind == "carer",
                _in(c.first_assessed_on, self.period),
                c.referral_on.is_not(None),
            )
        ).all()
        self.rows_read += len(rows)
        return sorted(
            (r.record_id, (_as_date(r.first_assessed_on) - _as_date(r.referral_on)).days)
            for r in rows
        )

    def wellbeing_changes(self) -> list[tuple[str, bool]]:
        """(carer id, improved) for carers whose latest wellbeing check in the period
        follows an earlier check (``previous_score``, kept by the store)."""
        latest = (
            select(
                c.carer_id,
                c.wellbeing_score.label("score"),
                c.wellbeing_max.label("most"),
                c.previous_score.label("before"),
                c.previous_max.label("before_most"),
                func.row_number()
                .over(partition_by=c.carer_id, order_by=(c.completed_on.desc(), c.record_id.desc()))
                .label("latest"),
            )
            .where(
                c.kind == "conversation",
                c.wellbeing_score.is_not(None),
                _in(c.completed_on, self.period),
            )
            .subquery()
        )
        rows = self.conn.execute(
            select(latest).where(latest.c.latest == 1, latest.c.before.is_not(None))
        ).all()
        self.rows_read += len(rows)
        # Compared as shares of each check's maximum (a template may change its statements).
        return sorted(
            (r.carer_id, r.score * r.before_most > r.before * r.most)
            for r in rows
            if r.most and r.before_most
        )

    # --- the figures ----------------------------------------------------------------------

    def figures(self) -> tuple[Figure, ...]:
        figs: list[Figure] = []

        def add(key: str, section: str, label: str, value: Any, unit: Unit = Unit.COUNT, **kw):
            base = kw.pop("base", value if unit is Unit.COUNT else 0)
            figs.append(Figure(key, section, label, unit, value, int(base or 0), **kw))

        s = "Referrals"
        by_source = self._grouped(self._carers_referred(), "referral_source")
        add("referrals.total", s, "Referrals received", sum(by_source.values()))
        for source in ReferralSource:
            add(f"referrals.source.{source.value}", s, source.label, by_source.get(source.value, 0))
        add("referrals.self", s, "Self-referrals", by_source.get(ReferralSource.SELF.value, 0))

        s = "Assessments and reviews"
        by_mode = self._grouped(self._assessments(), "mode")
        add("assessments.total", s, "Assessments completed", sum(by_mode.values()))
        for mode in ConversationMode:
            add(f"assessments.route.{mode.value}", s, mode.label, by_mode.get(mode.value, 0))
        add("reviews.total", s, "Reviews completed", self._count(self._reviews()))

        s = "Carers supported"
        add("groups.carers", s, "Carers supported in groups", self._count(self._group_attenders()))
        parents = self._carers_referred().where(c.parent_carer.is_(True))
        add("carers.parent_registered", s, "Parent carers registered", self._count(parents))
        add(
            "plans.in_place",
            s,
            "Contingency plans in place",
            self._count_at_end("plans", self._plans_in_place),
        )
        add(
            "gp.registered",
            s,
            "Registered as a carer with their GP",
            self._count_at_end("gp", self._gp_registered),
        )
        add(
            "gp.encouraged",
            s,
            "Encouraged to register with their GP",
            self._count(self._gp_encouraged()),
        )

        s = "Wellbeing payments"
        paid = self._paid().subquery()
        by_purpose = {
            str(p): (int(n), int(total or 0))
            for p, n, total in self.conn.execute(
                select(paid.c.purpose, func.count(), func.sum(paid.c.amount_pence)).group_by(
                    paid.c.purpose
                )
            ).all()
        }
        count = sum(n for n, _ in by_purpose.values())
        self.rows_read += count
        add("payments.count", s, "Payments made", count)
        add(
            "payments.total",
            s,
            "Paid in total",
            sum(v for _, v in by_purpose.values()),
            Unit.PENCE,
            base=count,
        )
        for purpose in PaymentPurpose:
            n, total = by_purpose.get(purpose.value, (0, 0))
            add(f"payments.purpose.{purpose.value}.count", s, f"{purpose.label}: payments", n)
            add(
                f"payments.purpose.{purpose.value}.total",
                s,
                f"{purpose.label}: paid",
                total,
                Unit.PENCE,
                base=n,
            )

        self._timed_figures(
            add,
            "Self-assessments (2 working days)",
            "self_assessments",
            self.self_assessment_outcomes(),
            ("received", "Self-assessments received"),
            ("within", "Reviewed within 2 working days"),
            ("late", "Reviewed later"),
            ("overdue", "Not reviewed, overdue"),
        )
        self._timed_figures(
            add,
            "Waiting list (5 working days)",
            "waiting_list",
            self.first_contact_outcomes(),
            ("received", "Carers referred"),
            ("within", "Contacted within 5 working days"),
            ("late", "Contacted later"),
            ("overdue", "Not contacted, overdue"),
        )

        s = "Referral to assessment"
        waits = [days for _, days in self.waits()]
        n = len(waits)
        add("waits.assessed", s, "Carers assessed for the first time", n)
        add(
            "waits.average_days",
            s,
            "Average wait (days)",
            round(sum(waits) / n, 1) if n else None,
            Unit.DAYS,
            base=n,
        )
        add("waits.median_days", s, "Median wait (days)", median(waits), Unit.DAYS, base=n)
        add(
            "waits.longest_days",
            s,
            "Longest wait (days)",
            max(waits) if n else None,
            Unit.DAYS,
            base=n,
        )

        s = "Outcomes"
        changes = self.wellbeing_changes()
        add("wellbeing.compared", s, "Carers with two wellbeing checks", len(changes))
        add("wellbeing.improved", s, "Wellbeing check improved", sum(1 for _, up in changes if up))
        return tuple(figs)

    @staticmethod
    def _timed_figures(
        add: Callable[..., None],
        section: str,
        prefix: str,
        outcomes: list[_Timed],
        *labels: tuple[str, str],
    ) -> None:
        counts = {k: sum(1 for o in outcomes if o.outcome == k) for k in _OUTCOMES}
        (_, received_label), *rest = labels
        add(f"{prefix}.received", section, received_label, len(outcomes))
        for outcome, label in rest:
            add(f"{prefix}.{outcome}", section, label, counts[outcome])
        add(f"{prefix}.pending", section, "Not yet due", counts["pending"])
        decided = len(outcomes) - counts["pending"]
        add(
            f"{prefix}.within_percent",
            section,
            "Within the deadline (%)",
            round(100 * counts["within"] / decided, 1) if decided else None,
            Unit.PERCENT,
            base=decided,
        )

    # --- drill-down -----------------------------------------------------------------------

    def drill(self, key: str) -> list[str]:
        """The ids of the records (or carers) behind a figure key."""
        simple: dict[str, Callable[[], Select]] = {
            "referrals.total": self._carers_referred,
            "referrals.self": lambda: self._carers_referred().where(
                c.referral_source == ReferralSource.SELF.value
            ),
            "assessments.total": self._assessments,
            "reviews.total": self._reviews,
            "groups.carers": self._group_attenders,
            "carers.parent_registered": lambda: self._carers_referred().where(
                c.parent_carer.is_(True)
            ),
            "plans.in_place": self._plans_in_place,
            "gp.registered": self._gp_registered,
            "gp.encouraged": self._gp_encouraged,
            "payments.count": self._paid,
            "payments.total": self._paid,
        }
        for source in ReferralSource:
            simple[f"referrals.source.{source.value}"] = lambda v=source.value: (
                self._carers_referred().where(c.referral_source == v)
            )
        for mode in ConversationMode:
            simple[f"assessments.route.{mode.value}"] = lambda v=mode.value: (
                self._assessments().where(c.mode == v)
            )
        for purpose in PaymentPurpose:
            for part in ("count", "total"):
                simple[f"payments.purpose.{purpose.value}.{part}"] = lambda v=purpose.value: (
                    self._paid().where(c.purpose == v)
                )
        if key in simple:
            return sorted(self._ids(simple[key]()))
        prefix, _, outcome = key.partition(".")
        timed = {
            "self_assessments": self.self_assessment_outcomes,
            "waiting_list": self.first_contact_outcomes,
        }
        if prefix in timed and outcome in (*_OUTCOMES, "received", "within_percent"):
            rows = timed[prefix]()
            keep = {
                "received": _OUTCOMES,
                "within_percent": ("within", "late", "overdue"),
            }.get(outcome, (outcome,))
            return sorted(r.record_id for r in rows if r.outcome in keep)
        if prefix == "waits":
            return [carer_id for carer_id, _ in self.waits()]
        if key == "wellbeing.compared":
            return [carer_id for carer_id, _ in self.wellbeing_changes()]
        if key == "wellbeing.improved":
            return [carer_id for carer_id, up in self.wellbeing_changes() if up]
        raise UnknownFigure(key)


_OUTCOMES = ("within", "late", "overdue", "pending")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def quarterly_report(
    store: Any,
    fy_start_year: int,
    quarter: int,
    calendar: BankHolidayCalendar,
    *,
    as_of: date,
    now: datetime | None = None,
) -> Report:
    """The report for quarter ``quarter`` of the financial year starting in
    ``fy_start_year``, with the year to date beside it, read in one transaction."""
    _, q, ytd = quarter_periods(fy_start_year, quarter)
    columns = []
    rows_read = 0
    at_end: dict[tuple[str, date], int] = {}
    with store.transaction() as tx:
        for period in (q, ytd):
            figures = ContractFigures(tx.conn, period, calendar, as_of)
            figures.at_end = at_end
            columns.append(figures.figures())
            rows_read += figures.rows_read
    notes = (
        "Working days are Monday to Friday less England bank holidays; the referral or "
        "arrival day itself is not counted.",
        "Waits are calendar days from the referral date to the first completed assessment.",
        "GP registration is each carer's current answer, for carers open at the period's end.",
        f"Figures as of {as_of.isoformat()}: a deadline not yet reached is 'not yet due'.",
    )
    return Report(
        title=TITLE,
        periods=(q, ytd),
        columns=tuple(columns),
        generated_at=now or datetime.now(UTC),
        notes=notes,
        rows_read=rows_read,
    )


def drill_down(
    store: Any,
    fy_start_year: int,
    quarter: int,
    key: str,
    calendar: BankHolidayCalendar,
    *,
    as_of: date,
    year_to_date: bool = False,
) -> tuple[Period, list[dict[str, Any]]]:
    """The report rows behind one figure: each record's clear report columns (ids, team,
    district, dates, codes), never its sealed contents."""
    _, q, ytd = quarter_periods(fy_start_year, quarter)
    period = ytd if year_to_date else q
    with store.transaction() as tx:
        ids = ContractFigures(tx.conn, period, calendar, as_of).drill(key)
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found = tx.conn.execute(select(F).where(c.record_id.in_(chunk))).all()
            rows.extend(
                {k: _jsonable(v) for k, v in r._asdict().items() if v is not None} for r in found
            )
    rows.sort(key=lambda r: r["record_id"])
    return period, rows


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
