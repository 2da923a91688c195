"""The wellbeing budget on the server (BRIEF §3, issue 11): committed and paid per
financial year, quarter, funder half, purpose and district, the forecast outturn from the
year's run rate against that year's budget, and a warning when the forecast exceeds it.

The money rules are the core's (:func:`carer_desk.rules.budget.budget_position`: which
year a request counts in, the largest-remainder funder split, the straight-line
forecast), fed from the report columns: only the year's payment rows and their carers'
districts are read, never a payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from carer_desk.formatting import money
from carer_desk.rules.budget import BudgetLine, BudgetPosition, budget_position
from carer_desk.rules.financial_year import financial_year_starting
from sync.server import schema as t

F = t.report_facts
c = F.c


@dataclass(frozen=True)
class _Request:
    """A payment request as the budget rules read it, from its report row."""

    id: str
    carer_id: str
    amount_pence: int
    status: str
    requested_on: date
    purpose: str
    decided_on: date | None
    paid_on: date | None
    submitted_on: date | None

    @property
    def counted_on(self) -> date:
        # As the record's own: the server's day of submission, else the day recorded.
        return self.submitted_on or self.requested_on


def budget_for_year(
    store: Any,
    fy_start_year: int,
    *,
    as_of: date,
    annual_budget_pence: int,
    start_month: int = 4,
    start_day: int = 1,
) -> BudgetPosition:
    fy = financial_year_starting(fy_start_year, start_month, start_day)
    # A request counts in the year of its approval (or submission, while waiting); a paid one
    # approved the year before is found by its decision date, so every date is looked at.
    # The rows of the year and a margin either side are all the rules can count.
    low, high = fy.start - timedelta(days=1), fy.end + timedelta(days=1)
    in_year = [
        col.between(low, high) for col in (c.requested_on, c.submitted_on, c.decided_on, c.paid_on)
    ]
    carer = F.alias("carer")
    query = (
        select(
            c.record_id,
            c.carer_id,
            c.amount_pence,
            c.status,
            c.requested_on,
            c.purpose,
            c.decided_on,
            c.paid_on,
            c.submitted_on,
            carer.c.district,
        )
        .select_from(
            F.outerjoin(carer, and_(carer.c.record_id == c.carer_id, carer.c.kind == "carer"))
        )
        .where(c.kind == "payment_request", or_(*in_year))
    )
    with store.transaction() as tx:
        rows = tx.conn.execute(query).all()
    requests = [
        _Request(
            r.record_id,
            r.carer_id or "",
            int(r.amount_pence or 0),
            r.status or "",
            r.requested_on,
            r.purpose or "other",
            r.decided_on,
            r.paid_on,
            r.submitted_on,
        )
        for r in rows
        if r.requested_on is not None
    ]
    districts = {r.carer_id: r.district for r in rows if r.carer_id and r.district}
    return budget_position(
        requests,
        fy,
        as_of=as_of,
        annual_budget_pence=annual_budget_pence,
        district_of=districts,
    )


def warning(position: BudgetPosition) -> str | None:
    """The sentence an approver and the service manager see when the year is heading
    over budget (or is over already); None when it is not."""
    if position.over_budget:
        return (
            f"Over budget: {money(-position.remaining_pence)} more is paid or committed "
            f"than the {position.financial_year.label} budget of "
            f"{money(position.budget_pence)}."
        )
    forecast = position.forecast_outturn_pence
    if forecast is not None and forecast > position.budget_pence:
        return (
            f"Forecast to exceed the budget: at this year's rate {position.financial_year.label} "
            f"ends at {money(forecast)}, {money(forecast - position.budget_pence)} over the "
            f"budget of {money(position.budget_pence)}."
        )
    return None


def _line(line: BudgetLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "label": line.label,
        "paid_pence": line.spent_pence,
        "committed_pence": line.committed_pence,
        "waiting_pence": line.requested_pence,
        "paid_count": line.paid_count,
        "approved_count": line.approved_count,
        "waiting_count": line.waiting_count,
    }


def budget_json(position: BudgetPosition) -> dict[str, Any]:
    fy = position.financial_year
    return {
        "financial_year": {
            "label": fy.label,
            "start": fy.start.isoformat(),
            "end": fy.end.isoformat(),
        },
        "as_of": position.as_of.isoformat(),
        "budget_pence": position.budget_pence,
        "paid_pence": position.spent_pence,
        "committed_pence": position.committed_pence,
        "waiting_pence": position.requested_pence,
        "remaining_pence": position.remaining_pence,
        "remaining_if_all_approved_pence": position.remaining_if_all_approved_pence,
        "forecast_outturn_pence": position.forecast_outturn_pence,
        "forecast_variance_pence": position.forecast_variance_pence,
        "warning": warning(position),
        "by_funder": [
            {
                "name": f.name,
                "percent": float(f.percent),
                "budget_pence": f.budget_pence,
                "paid_pence": f.spent_pence,
                "committed_pence": f.committed_pence,
                "remaining_pence": f.remaining_pence,
            }
            for f in position.by_funder
        ],
        "by_quarter": [_line(q) for q in position.by_quarter],
        "by_purpose": [_line(p) for p in position.by_purpose],
        "by_district": [_line(d) for d in position.by_district],
    }
