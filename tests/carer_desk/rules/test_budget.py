"""Financial years, quarters and the budget position the payments approver and the
service manager read."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.errors import ValidationError
from carer_desk.records.payment import PaymentPurpose
from carer_desk.records.places import District
from carer_desk.rules.budget import (
    UNKNOWN_DISTRICT,
    budget_position,
    forecast_outturn,
    split_by_largest_remainder,
)
from carer_desk.rules.financial_year import (
    financial_year_of,
    financial_year_starting,
    quarter_of,
)

CARER_A = "a" * 32
CARER_B = "b" * 32
FY_2024 = financial_year_starting(2024)


@dataclass(frozen=True)
class Req:
    id: str
    amount_pence: int
    status: str
    requested_on: date
    decided_on: date | None = None
    paid_on: date | None = None
    purpose: str = "short_break"
    carer_id: str = CARER_A
    submitted_on: date | None = None

    @property
    def counted_on(self) -> date:  # as the record's: the day submitted, else recorded
        return self.submitted_on or self.requested_on


# --- financial years and quarters ---------------------------------------------------


def test_the_financial_year_runs_april_to_march() -> None:
    assert financial_year_of(date(2024, 3, 31)).label == "2023/24"
    fy = financial_year_of(date(2024, 4, 1))
    assert (fy.start, fy.end, fy.label) == (date(2024, 4, 1), date(2025, 3, 31), "2024/25")
    assert financial_year_of(date(2025, 3, 31)) == fy
    assert fy.days == 365


def test_leap_day_falls_in_2023_24_which_has_366_days() -> None:
    fy = financial_year_of(date(2024, 2, 29))
    assert fy.label == "2023/24"
    assert fy.days == 366


@pytest.mark.parametrize(
    ("day", "label", "quarter"),
    [
        (date(2024, 4, 1), "2024/25", 1),
        (date(2024, 6, 30), "2024/25", 1),
        (date(2024, 7, 1), "2024/25", 2),
        (date(2024, 9, 30), "2024/25", 2),
        (date(2024, 10, 1), "2024/25", 3),
        (date(2024, 12, 31), "2024/25", 3),
        (date(2025, 1, 1), "2024/25", 4),
        (date(2025, 3, 31), "2024/25", 4),
        (date(1999, 12, 31), "1999/00", 3),
    ],
)
def test_quarters_are_apr_jun_jul_sep_oct_dec_jan_mar(day: date, label: str, quarter: int) -> None:
    fy, q = quarter_of(day)
    assert (fy.label, q) == (label, quarter)


def test_quarter_boundaries_and_labels() -> None:
    q4 = FY_2024.quarter(4)
    assert (q4.start, q4.end, q4.label) == (date(2025, 1, 1), date(2025, 3, 31), "Q4 2024/25")
    with pytest.raises(ValidationError):
        FY_2024.quarter(5)


def test_a_calendar_year_configuration_is_labelled_by_its_year() -> None:
    fy = financial_year_of(date(2025, 7, 1), start_month=1, start_day=1)
    assert (fy.start, fy.end, fy.label) == (date(2025, 1, 1), date(2025, 12, 31), "2025")
    assert quarter_of(date(2025, 7, 1), start_month=1)[1] == 3


def test_a_start_day_not_every_year_has_is_refused() -> None:
    with pytest.raises(ValidationError, match="every year has"):
        financial_year_of(date(2025, 1, 1), start_month=2, start_day=29)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(1, 12),
    st.integers(1, 28),
)
def test_every_date_lies_in_its_year_and_quarter(day: date, month: int, start_day: int) -> None:
    fy, number = quarter_of(day, month, start_day)
    assert fy.contains(day)
    assert fy.quarter(number).contains(day)
    quarters = fy.quarters()
    assert quarters[0].start == fy.start and quarters[-1].end == fy.end
    for before, after in itertools.pairwise(quarters):
        assert after.start == before.end + timedelta(days=1)


# --- splitting pence between funders ------------------------------------------------


def test_an_odd_penny_goes_to_the_first_funder() -> None:
    assert split_by_largest_remainder(10001, [50, 50]) == (5001, 5000)
    assert split_by_largest_remainder(52_525_000, [50, 50]) == (26_262_500, 26_262_500)


def test_thirds_add_up_and_the_largest_remainder_wins() -> None:
    assert split_by_largest_remainder(100, [33, 33, 34]) == (33, 33, 34)
    assert split_by_largest_remainder(10, [30, 30, 40]) == (3, 3, 4)
    assert split_by_largest_remainder(11, [30, 30, 40]) == (3, 3, 5)


def test_an_overspend_splits_as_a_mirror_of_the_positive() -> None:
    assert split_by_largest_remainder(-10001, [50, 50]) == (-5001, -5000)


def test_percentages_that_do_not_add_up_to_100_are_refused() -> None:
    with pytest.raises(ValidationError, match="add up to 100"):
        split_by_largest_remainder(100, [50, 40])


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5).filter(
        lambda ps: sum(ps) <= 100
    ),
)
def test_shares_always_add_up_and_stay_within_a_penny(amount: int, head: list[int]) -> None:
    percents = [*head, 100 - sum(head)]
    parts = split_by_largest_remainder(amount, percents)
    assert sum(parts) == amount
    for part, percent in zip(parts, percents, strict=True):
        assert isinstance(part, int)
        assert abs(part - Fraction(amount * percent, 100)) < 1


# --- the budget position ------------------------------------------------------------


def _mixed_year() -> list[Req]:
    return [
        Req("p1", 15000, "paid", date(2024, 4, 3), date(2024, 4, 5), date(2024, 4, 20)),
        Req(
            "p2",
            30000,
            "paid",
            date(2024, 8, 1),
            date(2024, 8, 2),
            date(2024, 8, 9),
            purpose="equipment",
            carer_id=CARER_B,
        ),
        Req("a1", 20001, "approved", date(2024, 12, 1), date(2024, 12, 3)),
        Req("s1", 9900, "submitted", date(2025, 2, 14), purpose="day_out"),
        Req("d1", 25000, "draft", date(2024, 6, 1)),
        Req("x1", 25000, "declined", date(2024, 6, 1), date(2024, 6, 2)),
        Req("c1", 25000, "cancelled", date(2024, 6, 1)),
        # Approved on 20 March 2024 (the old year), paid 3 April 2024: spent this year.
        Req("y1", 12000, "paid", date(2024, 3, 15), date(2024, 3, 20), date(2024, 4, 3)),
        # Approved on 31 March 2025, not yet paid: committed this year.
        Req("y2", 5000, "approved", date(2025, 3, 28), date(2025, 3, 31)),
        # Next year's: ignored.
        Req("n1", 7000, "paid", date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 2)),
    ]


# The tests below were written for the year paid money is paid in ("paid"); the default
# since issue 9 is the year it was approved (tested after them).


def test_spent_committed_and_waiting_are_told_apart() -> None:
    position = budget_position(_mixed_year(), FY_2024, as_of=date(2025, 3, 31), attribution="paid")
    assert position.spent_pence == 15000 + 30000 + 12000
    assert position.committed_pence == 20001 + 5000
    assert position.requested_pence == 9900
    assert (position.paid_count, position.approved_count, position.waiting_count) == (3, 2, 1)
    assert position.remaining_pence == 52_525_000 - 57000 - 25001
    assert position.remaining_if_all_approved_pence == position.remaining_pence - 9900
    assert not position.over_budget


def test_a_waiting_request_counts_in_the_year_it_was_submitted_not_recorded() -> None:
    # Recorded offline on 30 March 2025 (the old year), submitted when the laptop synced on
    # 2 April: the new year is asked for the money, as the cap counts it on that day too.
    late = Req("s9", 8000, "submitted", date(2025, 3, 30), submitted_on=date(2025, 4, 2))
    old = budget_position([late], FY_2024, as_of=date(2025, 3, 31))
    new = budget_position([late], financial_year_starting(2025), as_of=date(2025, 4, 30))
    assert (old.requested_pence, new.requested_pence) == (0, 8000)


def test_quarters_purposes_and_districts_add_up_to_the_whole() -> None:
    districts = {CARER_A: District.CHERWELL}
    position = budget_position(
        _mixed_year(), FY_2024, as_of=date(2025, 3, 31), district_of=districts, attribution="paid"
    )
    q1, q2, q3, q4 = position.by_quarter
    assert (q1.spent_pence, q2.spent_pence, q3.committed_pence, q4.committed_pence) == (
        27000,
        30000,
        20001,
        5000,
    )
    assert q4.requested_pence == 9900
    assert q1.label == "Q1 2024/25"
    purposes = {line.key: line for line in position.by_purpose}
    assert purposes["equipment"].spent_pence == 30000
    assert purposes["day_out"].requested_pence == 9900
    assert purposes["short_break"].spent_and_committed_pence == 15000 + 12000 + 20001 + 5000
    by_district = {line.key: line for line in position.by_district}
    assert by_district["cherwell"].label == "Cherwell"
    assert by_district[UNKNOWN_DISTRICT].spent_pence == 30000
    for lines in (position.by_quarter, position.by_purpose, position.by_district):
        assert sum(line.spent_pence for line in lines) == position.spent_pence
        assert sum(line.committed_pence for line in lines) == position.committed_pence
        assert sum(line.requested_pence for line in lines) == position.requested_pence


def test_funder_halves_add_up_to_the_penny() -> None:
    position = budget_position(_mixed_year(), FY_2024, as_of=date(2025, 3, 31))
    council, icb = position.by_funder
    assert council.name == "Oxfordshire County Council"
    assert council.percent == 50
    assert council.committed_pence == 12501 and icb.committed_pence == 12500
    assert council.budget_pence + icb.budget_pence == 52_525_000
    assert council.remaining_pence + icb.remaining_pence == position.remaining_pence


def test_an_overspent_year_shows_a_negative_remainder_split_between_funders() -> None:
    # 2022/23 spent £530,382 against £525,250.
    spent = [Req("big", 53_038_200, "paid", date(2022, 5, 1), date(2022, 5, 2), date(2022, 5, 3))]
    position = budget_position(spent, financial_year_starting(2022), as_of=date(2023, 3, 31))
    assert position.over_budget
    assert position.remaining_pence == -513_200
    assert [f.remaining_pence for f in position.by_funder] == [-256_600, -256_600]
    assert position.forecast_outturn_pence == 53_038_200
    assert position.forecast_variance_pence == 513_200


def test_forecast_scales_spend_and_commitments_by_the_year_gone() -> None:
    # 183 days of 2024/25 have gone by 30 September; £183 spent and committed.
    requests = [
        Req("p", 10000, "paid", date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)),
        Req("a", 8300, "approved", date(2024, 9, 1), date(2024, 9, 2)),
        Req("s", 99999, "submitted", date(2024, 9, 3)),  # waiting: not in the forecast
    ]
    position = budget_position(
        requests, FY_2024, as_of=date(2024, 9, 30), annual_budget_pence=30000
    )
    assert position.days_elapsed == 183
    assert position.forecast_outturn_pence == 36500
    assert position.forecast_variance_pence == 6500


def test_forecast_rounds_to_the_nearest_penny_and_is_none_before_the_year() -> None:
    assert forecast_outturn(1, FY_2024, date(2024, 4, 1)) == 365
    assert forecast_outturn(1, FY_2024, date(2024, 4, 2)) == 183  # 182.5 rounds up
    assert forecast_outturn(1, FY_2024, date(2024, 4, 3)) == 122  # 121.67
    assert forecast_outturn(500, FY_2024, date(2024, 3, 31)) is None
    assert forecast_outturn(500, FY_2024, date(2026, 1, 1)) == 500


def test_q1_2023_24_spend_from_the_council_papers() -> None:
    q1 = [Req("q1", 11_890_000, "paid", date(2023, 5, 1), date(2023, 5, 2), date(2023, 5, 3))]
    position = budget_position(q1, financial_year_starting(2023), as_of=date(2023, 6, 30))
    assert position.by_quarter[0].spent_pence == 11_890_000
    # 91 of the year's 366 days gone: £118,900 x 366 / 91 = £478,213.19.
    assert position.forecast_outturn_pence == 47_821_319


def test_real_requests_through_their_life_cycle() -> None:
    base = make.payment_request(
        CARER_A,
        conversation_id="e" * 32,
        amount_pence=25000,
        purpose=PaymentPurpose.DRIVING_LESSONS,
        wellbeing_outcome="Independence to get to appointments",
        requested_by="worker1",
        requested_on=date(2024, 10, 1),
    )
    submitted = base.submit(date(2024, 10, 1))
    approved = submitted.approve("manager", date(2024, 10, 4))
    paid = approved.mark_paid(date(2025, 1, 10))
    for request, field in (
        (submitted, "requested_pence"),
        (approved, "committed_pence"),
        (paid, "spent_pence"),
    ):
        position = budget_position([request, base], FY_2024, as_of=date(2025, 1, 31))
        assert getattr(position, field) == 25000
        assert position.spent_pence + position.committed_pence + position.requested_pence == 25000
    paid_position = budget_position([paid], FY_2024, as_of=date(2025, 1, 31), attribution="paid")
    assert paid_position.by_quarter[3].spent_pence == 25000  # paid in January: Q4
    assert paid_position.by_purpose[0].label == "Driving lessons"
    # By default money counts in the quarter and year it was approved (October: Q3).
    by_approval = budget_position([paid], FY_2024, as_of=date(2025, 1, 31))
    assert by_approval.by_quarter[2].spent_pence == 25000


def test_by_default_money_approved_before_the_year_end_stays_in_that_year_once_paid() -> None:
    # Approved on 20 March 2024 (2023/24), paid on 3 April 2024 (2024/25).
    late = Req("y1", 12000, "paid", date(2024, 3, 15), date(2024, 3, 20), date(2024, 4, 3))
    old_year = financial_year_starting(2023)
    assert budget_position([late], old_year, as_of=date(2024, 4, 30)).spent_pence == 12000
    assert budget_position([late], FY_2024, as_of=date(2024, 4, 30)).spent_pence == 0
    # Configured the other way, it moves to the year it was paid in.
    assert (
        budget_position([late], FY_2024, as_of=date(2024, 4, 30), attribution="paid").spent_pence
        == 12000
    )
    assert (
        budget_position([late], old_year, as_of=date(2024, 4, 30), attribution="paid").spent_pence
        == 0
    )
    with pytest.raises(ValidationError, match="year_end_attribution"):
        budget_position([late], FY_2024, as_of=date(2024, 4, 30), attribution="whenever")


def test_bad_budget_settings_are_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="annual budget"):
        budget_position([], FY_2024, as_of=date(2024, 5, 1), annual_budget_pence=-1)
    with pytest.raises(ValidationError, match="named twice"):
        budget_position([], FY_2024, as_of=date(2024, 5, 1), funder_split=(("A", 50), ("A", 50)))


statuses = st.sampled_from(["draft", "submitted", "approved", "declined", "paid", "cancelled"])


@st.composite
def requests_strategy(draw: st.DrawFn) -> Req:
    requested = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 6, 30)))
    status = draw(statuses)
    decided = requested + timedelta(days=draw(st.integers(0, 40)))
    paid = decided + timedelta(days=draw(st.integers(0, 40)))
    return Req(
        id=str(draw(st.integers(0, 10**6))),
        amount_pence=draw(st.integers(1, 30000)),
        status=status,
        requested_on=requested,
        decided_on=decided if status in ("approved", "paid", "declined") else None,
        paid_on=paid if status == "paid" else None,
        purpose=draw(st.sampled_from(["short_break", "day_out", "equipment"])),
        carer_id=draw(st.sampled_from([CARER_A, CARER_B])),
    )


@given(st.lists(requests_strategy(), max_size=30), st.integers(0, 3))
def test_every_breakdown_adds_up_to_the_totals(requests: list[Req], split: int) -> None:
    funders = [
        (("A", 50), ("B", 50)),
        (("A", 33), ("B", 33), ("C", 34)),
        (("Only", 100),),
        (("A", 1), ("B", 99)),
    ][split]
    position = budget_position(
        requests,
        FY_2024,
        as_of=date(2024, 11, 1),
        funder_split=funders,
        district_of={CARER_A: "cherwell"},
    )
    for total in ("spent_pence", "committed_pence", "requested_pence"):
        whole = getattr(position, total)
        assert isinstance(whole, int)
        for lines in (
            position.by_quarter,
            position.by_purpose,
            position.by_district,
            position.by_funder,
        ):
            assert sum(getattr(line, total) for line in lines) == whole
    assert sum(f.remaining_pence for f in position.by_funder) == position.remaining_pence
    assert sum(f.budget_pence for f in position.by_funder) == position.budget_pence
    live = [r for r in requests if r.status in ("paid", "approved", "submitted")]
    assert position.spent_pence + position.committed_pence + position.requested_pence <= sum(
        r.amount_pence for r in live
    )
