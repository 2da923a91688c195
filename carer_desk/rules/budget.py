"""The wellbeing-payment budget position for a financial year.

Three kinds of money, all integer pence:

* **spent** — requests that have been paid;
* **committed** — approved and not yet paid (promised, so the budget must hold it);
* **requested** — submitted and waiting for a decision (might be approved).

Drafts, declined and cancelled requests are not money at all. **Remaining** is the budget
less spent and committed; ``remaining_if_all_approved_pence`` also takes off what is
waiting for a decision.

Which year a request belongs to (``attribution``, the setting
``payments.year_end_attribution``): by default the year it was **approved** — committed on
the day it was approved, and still in that year once paid, so money approved on 20 March
and paid on 3 April stays in the old year's figures (the year that agreed to spend it).
With ``"paid"`` a paid request counts on the day it was paid instead: committed in the old
year until it is paid, then spent in the new one. A request waiting for a decision counts
on the day it was submitted (``counted_on``: on the server, the server's own day of
submission, as the cap counts it), never on the laptop's day of recording. Figures
describe the requests as they stand when the position is computed.

Funder shares: each figure is split between the funders by their percentages using the
largest-remainder method, so the shares of every figure add up exactly to the pence of
the whole (£100.01 split 50/50 is £50.01 and £50.00, the odd penny to the first funder
named when the remainders tie).

Forecast outturn: (spent + committed) scaled up by the share of the year that has gone,
counting ``as_of`` as a day gone: forecast = (spent + committed) x days in year / days
elapsed, rounded to the nearest penny. Committed money is included because it will be
paid, and payments lag approvals by weeks. It is a straight-line projection: it assumes
the rest of the year runs at the rate so far, which is least reliable early in the year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Protocol

from carer_desk.config import YEAR_APPROVED, YEAR_END_ATTRIBUTIONS, YEAR_PAID
from carer_desk.errors import ValidationError
from carer_desk.rules.financial_year import FinancialYear
from carer_desk.rules.payment_cap import PaymentLike

log = logging.getLogger(__name__)

DEFAULT_ANNUAL_BUDGET_PENCE = 52_525_000
DEFAULT_FUNDER_SPLIT: tuple[tuple[str, int], ...] = (
    ("Oxfordshire County Council", 50),
    ("NHS Buckinghamshire, Oxfordshire and Berkshire West ICB", 50),
)
UNKNOWN_DISTRICT = "unknown"

# PaymentStatus values (a StrEnum, so its members compare equal to these).
_PAID = "paid"
_APPROVED = "approved"
_SUBMITTED = "submitted"


class BudgetRequestLike(PaymentLike, Protocol):
    """The fields of a wellbeing payment request the budget reads: the cap's, plus the
    dates of the steps that decide which year a request counts in."""

    @property
    def decided_on(self) -> date | None: ...
    @property
    def paid_on(self) -> date | None: ...


@dataclass(frozen=True)
class BudgetLine:
    """Money for one slice of the year: a quarter, a purpose or a district."""

    key: str
    label: str
    spent_pence: int = 0
    committed_pence: int = 0
    requested_pence: int = 0
    paid_count: int = 0
    approved_count: int = 0  # approved, not yet paid
    waiting_count: int = 0  # submitted, waiting for a decision

    @property
    def spent_and_committed_pence(self) -> int:
        return self.spent_pence + self.committed_pence


@dataclass(frozen=True)
class FunderShare:
    """One funder's part of each figure (shares of a figure add up to the whole)."""

    name: str
    percent: Fraction
    budget_pence: int
    spent_pence: int
    committed_pence: int
    requested_pence: int
    remaining_pence: int


@dataclass(frozen=True)
class BudgetPosition:
    financial_year: FinancialYear
    as_of: date
    budget_pence: int
    spent_pence: int
    committed_pence: int
    requested_pence: int
    remaining_pence: int  # budget - spent - committed; negative when over budget
    remaining_if_all_approved_pence: int  # also less everything waiting for a decision
    paid_count: int
    approved_count: int
    waiting_count: int
    by_funder: tuple[FunderShare, ...]
    by_quarter: tuple[BudgetLine, ...]  # always four, Q1 to Q4
    by_purpose: tuple[BudgetLine, ...]  # purposes with any money, by key
    by_district: tuple[BudgetLine, ...]  # empty unless districts were given
    days_elapsed: int
    forecast_outturn_pence: int | None  # None before the year starts
    forecast_variance_pence: int | None  # forecast - budget; positive means overspend

    @property
    def over_budget(self) -> bool:
        return self.remaining_pence < 0


def split_by_largest_remainder(
    amount_pence: int, percents: Sequence[int | Fraction | str]
) -> tuple[int, ...]:
    """Split whole pence by percentages so the parts add up exactly.

    Each part gets the whole pence of its exact share; the pence left over go one each to
    the largest fractional remainders, ties to the earlier part. A negative amount (an
    overspend) is split as its size and then negated, so it mirrors the positive split.
    """
    weights = [Fraction(p) for p in percents]
    if not weights or any(w < 0 for w in weights) or sum(weights) != 100:
        raise ValidationError(
            [("payments.funder_split", "funder percentages must be 0 or more and add up to 100")]
        )
    if amount_pence < 0:
        return tuple(-part for part in split_by_largest_remainder(-amount_pence, weights))
    exact = [amount_pence * w / 100 for w in weights]
    parts = [int(share) for share in exact]  # floor: shares are never negative here
    left_over = amount_pence - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left_over]:
        parts[i] += 1
    return tuple(parts)


def _attribution_date(request: BudgetRequestLike, attribution: str = YEAR_APPROVED) -> date | None:
    """The day that decides which year the request counts in (module docstring)."""
    status = request.status
    if status == _PAID and attribution == YEAR_PAID:
        return request.paid_on or request.decided_on or request.counted_on
    if status == _PAID:
        return request.decided_on or request.paid_on or request.counted_on
    if status == _APPROVED:
        return request.decided_on or request.counted_on
    if status == _SUBMITTED:
        return request.counted_on
    return None  # draft, declined, cancelled: not money


def _label(value: object) -> str:
    label = getattr(value, "label", None)
    return str(label) if label else str(value).replace("_", " ").capitalize()


class _Tally:
    """Running totals for one slice, turned into a BudgetLine at the end."""

    def __init__(self, key: str, label: str) -> None:
        self.key, self.label = key, label
        self.spent = self.committed = self.requested = 0
        self.paid = self.approved = self.waiting = 0

    def add(self, status: str, amount: int) -> None:
        if status == _PAID:
            self.spent += amount
            self.paid += 1
        elif status == _APPROVED:
            self.committed += amount
            self.approved += 1
        else:
            self.requested += amount
            self.waiting += 1

    def line(self) -> BudgetLine:
        return BudgetLine(
            self.key,
            self.label,
            self.spent,
            self.committed,
            self.requested,
            self.paid,
            self.approved,
            self.waiting,
        )


def forecast_outturn(spent_and_committed_pence: int, fy: FinancialYear, as_of: date) -> int | None:
    """Straight-line forecast for the year (module docstring); None before it starts."""
    elapsed = fy.days_elapsed(as_of)
    if elapsed == 0:
        return None
    # Integer round-half-up of spent_and_committed * days / elapsed: no floats in money.
    return (2 * spent_and_committed_pence * fy.days + elapsed) // (2 * elapsed)


def budget_position(
    requests: Iterable[BudgetRequestLike],
    fy: FinancialYear,
    *,
    as_of: date,
    annual_budget_pence: int = DEFAULT_ANNUAL_BUDGET_PENCE,
    funder_split: Sequence[tuple[str, int | Fraction | str]] = DEFAULT_FUNDER_SPLIT,
    district_of: Mapping[str, str] | None = None,
    attribution: str = YEAR_APPROVED,
) -> BudgetPosition:
    """The budget position of ``fy`` from every request (other years' are ignored).

    ``district_of`` maps carer ids to their district, to break the figures down by
    district; carers missing from it are counted under "unknown". ``attribution`` says
    which year paid money counts in ("approved", the default, or "paid").
    """
    if attribution not in YEAR_END_ATTRIBUTIONS:
        raise ValidationError(
            [("payments.year_end_attribution", f"{attribution!r} is not 'approved' or 'paid'")]
        )
    if (
        isinstance(annual_budget_pence, bool)
        or not isinstance(annual_budget_pence, int)
        or annual_budget_pence < 0
    ):
        raise ValidationError(
            [("payments.annual_budget_pence", "the annual budget must be whole pence, 0 or more")]
        )
    names = [name for name, _ in funder_split]
    if len(set(names)) != len(names):
        raise ValidationError([("payments.funder_split", "a funder is named twice")])
    percents = [Fraction(share) for _, share in funder_split]

    whole = _Tally("total", fy.label)
    quarters = fy.quarters()
    by_quarter = [_Tally(f"Q{q.number}", q.label) for q in quarters]
    by_purpose: dict[str, _Tally] = {}
    by_district: dict[str, _Tally] = {}
    for request in requests:
        on = _attribution_date(request, attribution)
        if on is None or not fy.contains(on):
            continue
        status, amount = request.status, request.amount_pence
        whole.add(status, amount)
        for quarter, tally in zip(quarters, by_quarter, strict=True):
            if quarter.contains(on):
                tally.add(status, amount)
        purpose_key = str(request.purpose)
        by_purpose.setdefault(purpose_key, _Tally(purpose_key, _label(request.purpose))).add(
            status, amount
        )
        if district_of is not None:
            district = district_of.get(request.carer_id) or UNKNOWN_DISTRICT
            key = str(district)
            by_district.setdefault(key, _Tally(key, _label(district))).add(status, amount)

    remaining = annual_budget_pence - whole.spent - whole.committed
    budget_parts = split_by_largest_remainder(annual_budget_pence, percents)
    spent_parts = split_by_largest_remainder(whole.spent, percents)
    committed_parts = split_by_largest_remainder(whole.committed, percents)
    requested_parts = split_by_largest_remainder(whole.requested, percents)
    funders = tuple(
        FunderShare(
            name=name,
            percent=percent,
            budget_pence=budget,
            spent_pence=spent,
            committed_pence=committed,
            requested_pence=requested,
            # From the funder's own parts, so the funders' remainders add up too.
            remaining_pence=budget - spent - committed,
        )
        for name, percent, budget, spent, committed, requested in zip(
            names,
            percents,
            budget_parts,
            spent_parts,
            committed_parts,
            requested_parts,
            strict=True,
        )
    )
    forecast = forecast_outturn(whole.spent + whole.committed, fy, as_of)
    log.debug(
        "budget position %s: %d requests counted",
        fy.label,
        whole.paid + whole.approved + whole.waiting,
    )
    return BudgetPosition(
        financial_year=fy,
        as_of=as_of,
        budget_pence=annual_budget_pence,
        spent_pence=whole.spent,
        committed_pence=whole.committed,
        requested_pence=whole.requested,
        remaining_pence=remaining,
        remaining_if_all_approved_pence=remaining - whole.requested,
        paid_count=whole.paid,
        approved_count=whole.approved,
        waiting_count=whole.waiting,
        by_funder=funders,
        by_quarter=tuple(t.line() for t in by_quarter),
        by_purpose=tuple(by_purpose[k].line() for k in sorted(by_purpose)),
        by_district=tuple(by_district[k].line() for k in sorted(by_district)),
        days_elapsed=fy.days_elapsed(as_of),
        forecast_outturn_pence=forecast,
        forecast_variance_pence=None if forecast is None else forecast - annual_budget_pence,
    )
