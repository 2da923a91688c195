"""The £300-in-any-12-months cap, the assessment it needs, and the duplicate-purpose flag."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.rules.financial_year import add_months
from carer_desk.rules.payment_cap import (
    LAPTOP_CAVEAT,
    check_payment_cap,
    check_request_cap,
    duplicate_purpose_warning,
    requires_recent_assessment,
)

CARER = "c" * 32
OTHER_CARER = "d" * 32
STATUSES = ("draft", "submitted", "approved", "declined", "paid", "cancelled")


@dataclass(frozen=True)
class Req:
    id: str
    amount_pence: int
    requested_on: date
    status: str = "approved"
    purpose: str = "short_break"
    carer_id: str = CARER

    @property
    def counted_on(self) -> date:
        return self.requested_on


@dataclass(frozen=True)
class Conv:
    completed_on: date | None
    assessment_completed: bool = True
    carer_id: str = CARER


def check(amount: int, on: date, others: list[Req], **kwargs: object) -> object:
    return check_payment_cap(
        carer_id=CARER, amount_pence=amount, requested_on=on, others=others, **kwargs
    )


# --- months ---------------------------------------------------------------


def test_month_arithmetic_clamps_at_month_ends() -> None:
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2025, 1, 31), -13) == date(2023, 12, 31)


# --- the rolling window -------------------------------------------------------------


def test_a_first_request_within_the_cap_is_allowed() -> None:
    result = check(15000, date(2025, 3, 15), [])
    assert result.allowed
    assert result.remaining_pence == 30000
    assert result.window_start == date(2024, 3, 16)
    assert result.window_end == date(2025, 3, 15)
    assert "£150.00 is within the £300.00 limit" in result.message


def test_over_the_cap_is_refused_saying_how_much_is_left() -> None:
    others = [Req("a", 20000, date(2024, 9, 1))]
    result = check(15000, date(2025, 3, 15), others)
    assert not result.allowed
    assert result.already_committed_pence == 20000
    assert result.remaining_pence == 10000
    assert result.counted_request_ids == ("a",)
    assert "The most that can be requested is £100.00" in result.message
    with pytest.raises(RuleViolation, match=re.escape("£100.00")):
        result.raise_if_refused()


def test_exactly_up_to_the_cap_is_allowed() -> None:
    others = [Req("a", 20000, date(2024, 9, 1))]
    assert check(10000, date(2025, 3, 15), others).allowed
    assert not check(10001, date(2025, 3, 15), others).allowed


def test_a_request_exactly_twelve_months_after_another_starts_a_fresh_period() -> None:
    others = [Req("a", 30000, date(2024, 3, 15))]
    assert check(30000, date(2025, 3, 15), others).allowed
    # One day earlier the first request is still inside the 12 months.
    assert not check(1, date(2025, 3, 14), others).allowed


def test_leap_day_request_and_the_window_a_year_later() -> None:
    others = [Req("leap", 30000, date(2024, 2, 29))]
    # The window ending 28 Feb 2025 starts 29 Feb 2024: the leap-day request counts.
    on_28_feb = check(100, date(2025, 2, 28), others)
    assert not on_28_feb.allowed
    assert on_28_feb.window_start == date(2024, 2, 29)
    # From 1 March 2025 it has dropped out.
    assert check(30000, date(2025, 3, 1), others).allowed


def test_a_window_ending_on_leap_day_reaches_back_to_1_march() -> None:
    result = check(100, date(2024, 2, 29), [Req("a", 30000, date(2023, 2, 28))])
    assert result.window_start == date(2023, 3, 1)
    assert result.allowed


def test_declined_and_cancelled_requests_free_the_cap_but_drafts_do_not() -> None:
    on = date(2025, 6, 1)
    freed = [
        Req("x", 30000, date(2025, 1, 1), status="declined"),
        Req("y", 30000, date(2025, 2, 1), status="cancelled"),
    ]
    assert check(30000, on, freed).allowed
    draft = [Req("z", 25000, date(2025, 5, 1), status="draft")]
    assert not check(10000, on, draft).allowed


def test_the_request_being_checked_is_not_counted_against_itself() -> None:
    mine = Req("mine", 30000, date(2025, 6, 1), status="submitted")
    result = check_request_cap(mine, [mine])
    assert result.allowed
    assert result.counted_request_ids == ()


def test_other_carers_requests_are_ignored() -> None:
    others = [Req("a", 30000, date(2025, 5, 1), carer_id=OTHER_CARER)]
    assert check(30000, date(2025, 6, 1), others).allowed


def test_a_back_dated_request_must_fit_the_later_periods_it_falls_in() -> None:
    # £300 already given on 1 June 2025. A request dated 1 May 2025 (entered late from a
    # laptop) fits the 12 months ending 1 May, but would push the 12 months ending
    # 1 June over the cap, so it is refused and that period is named.
    others = [Req("june", 30000, date(2025, 6, 1))]
    result = check(10000, date(2025, 5, 1), others)
    assert not result.allowed
    assert result.window_end == date(2025, 6, 1)
    assert result.counted_request_ids == ("june",)
    assert "2 June 2024 to 1 June 2025" in result.message


def test_the_laptop_says_its_answer_is_advisory() -> None:
    result = check(10000, date(2025, 6, 1), [], complete_knowledge=False)
    assert not result.complete_knowledge
    assert result.message.endswith(LAPTOP_CAVEAT)
    assert "office will confirm at approval" in result.message
    assert LAPTOP_CAVEAT not in check(10000, date(2025, 6, 1), []).message


def test_amount_zero_asks_what_is_left() -> None:
    result = check(0, date(2025, 6, 1), [Req("a", 12000, date(2025, 1, 1))])
    assert result.allowed
    assert result.remaining_pence == 18000
    assert result.message.startswith("£180.00 of the £300.00 limit is left")


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_a_bad_amount_is_refused_clearly(amount: object) -> None:
    with pytest.raises(ValidationError, match="whole number of pence"):
        check(amount, date(2025, 6, 1), [])  # type: ignore[arg-type]


def test_configured_cap_and_window_are_used() -> None:
    others = [Req("a", 40000, date(2024, 1, 10))]
    assert not check(20000, date(2025, 6, 1), others, cap_pence=50000, window_months=24).allowed
    assert check(10000, date(2025, 6, 1), others, cap_pence=50000, window_months=24).allowed


# --- with the real record class -----------------------------------------------------


def _request(amount: int, on: date, **changes: object) -> WellbeingPaymentRequest:
    base = make.payment_request(
        CARER,
        conversation_id="e" * 32,
        amount_pence=amount,
        wellbeing_outcome="A weekend away to rest",
        requested_by="worker1",
        requested_on=on,
    )
    return replace(base, **changes) if changes else base


def test_the_statuses_that_free_the_cap_are_real_payment_statuses() -> None:
    from carer_desk.rules.payment_cap import NOT_COUNTED_STATUSES

    assert {PaymentStatus(s) for s in NOT_COUNTED_STATUSES} == {
        PaymentStatus.DECLINED,
        PaymentStatus.CANCELLED,
    }


def test_real_requests_through_their_life_cycle() -> None:
    first = _request(20000, date(2025, 1, 10)).submit(date(2025, 1, 10))
    approved = first.approve("manager", date(2025, 1, 12))
    second = _request(15000, date(2025, 4, 1))
    assert not check_request_cap(second, [approved, second]).allowed
    cancelled = approved.cancel(date(2025, 2, 1), "carer no longer needs it")
    assert check_request_cap(second, [cancelled, second]).allowed
    paid = approved.mark_paid(date(2025, 1, 20))
    result = check_request_cap(second, [paid], complete_knowledge=False)
    assert not result.allowed
    assert result.counted_request_ids == (paid.id,)


def test_real_duplicate_purpose_is_flagged_with_the_label() -> None:
    first = _request(10000, date(2025, 1, 10))
    again = _request(5000, date(2025, 3, 1))
    warning = duplicate_purpose_warning([first, again], again)
    assert warning is not None
    assert "A short break or holiday" in warning
    assert "50 days before this one" in warning


def test_the_same_purpose_is_compared_on_the_servers_days_of_submission() -> None:
    # Recorded a day apart (requested_on, laptop dates) but received by the office 120
    # days apart (submitted_on, the server's): not a duplicate by the days that count.
    first = _request(10000, date(2025, 1, 10)).submit(date(2025, 1, 10))
    later = _request(5000, date(2025, 1, 11)).submit(date(2025, 5, 10))
    assert duplicate_purpose_warning([first, later], later) is None
    # Recorded 130 days apart, but the first reached the office late (a laptop offline,
    # or back-dated): 10 days apart where it counts, so flagged, naming that day.
    old = _request(10000, date(2025, 1, 1)).submit(date(2025, 5, 1))
    new = _request(5000, date(2025, 5, 11)).submit(date(2025, 5, 11))
    warning = duplicate_purpose_warning([old, new], new)
    assert warning is not None and "10 days before this one" in warning
    assert "dated 1 May 2025" in warning
    # A draft not yet submitted is compared on the day it was recorded.
    draft = _request(5000, date(2025, 5, 20))
    assert "9 days after this one" in (duplicate_purpose_warning([draft], new) or "")


def test_real_conversations_decide_whether_the_assessment_is_recent() -> None:
    from carer_desk.records.conversation import BuildAGoodLife, ConversationStatus

    conversation = make.completed_conversation(
        CARER,
        started_on=date(2025, 1, 5),
        worker="worker1",
        stage3=make.assessment(),
        status=ConversationStatus.COMPLETE,
        completed_on=date(2025, 1, 6),
    )
    assert requires_recent_assessment([conversation], date(2025, 6, 1)).ok
    assert not requires_recent_assessment([conversation], date(2026, 1, 6)).ok
    # A stage 3 that holds no assessment (nothing assessed, no decision) counts for none.
    hollow = replace(conversation, stage3=BuildAGoodLife())
    assert not requires_recent_assessment([hollow], date(2025, 6, 1)).ok


# --- the assessment rule ------------------------------------------------------------


def test_an_assessment_within_twelve_months_is_current() -> None:
    ok, message = requires_recent_assessment([Conv(date(2024, 3, 15))], date(2025, 3, 14))
    assert ok
    assert "15 March 2024" in message


def test_an_assessment_exactly_twelve_months_old_has_lapsed() -> None:
    ok, message = requires_recent_assessment([Conv(date(2024, 3, 15))], date(2025, 3, 15))
    assert not ok
    assert "review the assessment" in message


def test_no_completed_assessment_says_what_to_do() -> None:
    conversations = [Conv(None, assessment_completed=False), Conv(date(2025, 1, 1), False)]
    ok, message = requires_recent_assessment(conversations, date(2025, 3, 1))
    assert not ok
    assert "complete stage 3" in message


def test_an_assessment_after_the_request_date_does_not_count() -> None:
    assert not requires_recent_assessment([Conv(date(2025, 4, 1))], date(2025, 3, 1)).ok


def test_another_carers_assessment_does_not_count() -> None:
    conversations = [Conv(date(2025, 1, 1), carer_id=OTHER_CARER)]
    assert not requires_recent_assessment(conversations, date(2025, 3, 1), carer_id=CARER).ok


# --- the duplicate-purpose flag -----------------------------------------------------


def test_same_purpose_within_ninety_days_is_flagged_not_refused() -> None:
    first = Req("a", 10000, date(2025, 1, 1))
    second = Req("b", 10000, date(2025, 4, 1))  # 90 days later
    assert duplicate_purpose_warning([first], second) is not None
    later = Req("c", 10000, date(2025, 4, 2))  # 91 days later
    assert duplicate_purpose_warning([first], later) is None


def test_different_purpose_or_declined_or_other_carer_is_not_flagged() -> None:
    new = Req("n", 10000, date(2025, 2, 1))
    assert (
        duplicate_purpose_warning([Req("a", 1, date(2025, 1, 1), purpose="day_out")], new) is None
    )
    assert (
        duplicate_purpose_warning([Req("a", 1, date(2025, 1, 1), status="declined")], new) is None
    )
    assert (
        duplicate_purpose_warning([Req("a", 1, date(2025, 1, 1), carer_id=OTHER_CARER)], new)
        is None
    )
    assert duplicate_purpose_warning([new], new) is None


# --- properties ---------------------------------------------------------------------

EPOCH = date(2023, 1, 1)

attempts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1200),  # day offset: 2023 to 2026, leap day included
        st.integers(min_value=1, max_value=30000),
        st.sampled_from(STATUSES),
    ),
    max_size=25,
)


def _window_total(requests: list[Req], end: date) -> int:
    start = add_months(end, -12)
    return sum(
        r.amount_pence
        for r in requests
        if start < r.requested_on <= end and r.status not in ("declined", "cancelled")
    )


@settings(max_examples=200)
@given(attempts)
def test_no_sequence_of_allowed_requests_puts_any_window_over_the_cap(
    steps: list[tuple[int, int, str]],
) -> None:
    accepted: list[Req] = []
    for n, (offset, amount, status) in enumerate(steps):
        on = EPOCH + timedelta(days=offset)
        if check(amount, on, accepted).allowed:
            accepted.append(Req(str(n), amount, on, status=status))
    ends = {r.requested_on for r in accepted} | {
        EPOCH + timedelta(days=k) for k in range(0, 1300, 7)
    }
    for end in ends:
        assert _window_total(accepted, end) <= 30000


@given(attempts, st.integers(min_value=0, max_value=1200), st.integers(1, 30000))
def test_declined_and_cancelled_requests_never_change_the_answer(
    steps: list[tuple[int, int, str]], offset: int, amount: int
) -> None:
    requests = [
        Req(str(n), a, EPOCH + timedelta(days=o), status=s) for n, (o, a, s) in enumerate(steps)
    ]
    live = [r for r in requests if r.status not in ("declined", "cancelled")]
    on = EPOCH + timedelta(days=offset)
    assert check(amount, on, requests) == check(amount, on, live)


@given(attempts, st.integers(min_value=0, max_value=1200), st.integers(1, 30000), st.randoms())
def test_the_answer_does_not_depend_on_the_order_requests_are_listed(
    steps: list[tuple[int, int, str]], offset: int, amount: int, rnd: object
) -> None:
    requests = [
        Req(str(n), a, EPOCH + timedelta(days=o), status=s) for n, (o, a, s) in enumerate(steps)
    ]
    shuffled = list(requests)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    on = EPOCH + timedelta(days=offset)
    assert check(amount, on, requests) == check(amount, on, shuffled)


@given(attempts, st.integers(min_value=0, max_value=1200), st.integers(1, 30000))
def test_allowed_exactly_when_the_amount_fits_what_is_left(
    steps: list[tuple[int, int, str]], offset: int, amount: int
) -> None:
    requests = [
        Req(str(n), a, EPOCH + timedelta(days=o), status=s) for n, (o, a, s) in enumerate(steps)
    ]
    result = check(amount, EPOCH + timedelta(days=offset), requests)
    assert result.allowed == (amount <= result.remaining_pence)
    assert result.remaining_pence == max(0, 30000 - result.already_committed_pence)
    assert result.already_committed_pence == sum(
        r.amount_pence for r in requests if r.id in set(result.counted_request_ids)
    )


# --- when money frees up again (issue 9) -----------------------------------------------


def test_money_from_a_leap_day_request_frees_on_1_march_not_28_february() -> None:
    from carer_desk.rules.payment_cap import first_day_allowed

    others = [Req("leap", 30000, date(2024, 2, 29))]
    day = first_day_allowed(carer_id=CARER, amount_pence=30000, on=date(2024, 2, 29), others=others)
    assert day == date(2025, 3, 1)
    assert not check(30000, date(2025, 2, 28), others).allowed
    assert check(30000, day, others).allowed
    refused = check(30000, date(2024, 6, 1), others)
    assert refused.allowed_from == date(2025, 3, 1)
    assert "A request of £300.00 fits from 1 March 2025." in refused.message


def test_more_than_the_cap_never_fits() -> None:
    from carer_desk.rules.payment_cap import first_day_allowed

    assert (
        first_day_allowed(carer_id=CARER, amount_pence=30001, on=date(2025, 1, 1), others=[])
        is None
    )
    assert check(30001, date(2025, 1, 1), []).allowed_from is None


def test_the_message_names_each_counted_request_with_its_status_and_date() -> None:
    others = [
        Req("d", 10000, date(2025, 5, 20), status="draft"),
        Req("s", 15000, date(2025, 5, 25), status="submitted"),
    ]
    result = check(10000, date(2025, 6, 1), others)
    assert not result.allowed
    assert "£100.00 draft (not yet submitted), dated 20 May 2025" in result.message
    assert "£150.00 waiting for a decision, dated 25 May 2025" in result.message
    assert [c.id for c in result.counted] == ["d", "s"]


def test_a_stale_draft_stops_counting_and_is_listed_to_submit_or_cancel() -> None:
    old = Req("old", 30000, date(2025, 1, 10), status="draft")
    blocked = check(10000, date(2025, 6, 1), [old])
    assert not blocked.allowed  # drafts count when no age limit is given (the server today)
    freed = check(10000, date(2025, 6, 1), [old], stale_draft_days=60)
    assert freed.allowed and freed.counted == ()
    assert [d.id for d in freed.stale_drafts] == ["old"]
    assert "Not counted: £300.00 draft (not yet submitted), dated 10 January 2025" in freed.message
    assert "submit it or cancel it" in freed.message
    # Within the age limit it still counts.
    fresh = Req("fresh", 30000, date(2025, 5, 1), status="draft")
    assert not check(10000, date(2025, 6, 1), [fresh], stale_draft_days=60).allowed


until_cases = st.tuples(
    attempts,
    st.integers(min_value=0, max_value=1200),
    st.integers(1, 30000),
    st.sampled_from([None, 30, 60]),
)


@settings(max_examples=150, deadline=None)
@given(until_cases)
def test_the_day_named_is_the_first_day_a_request_of_that_size_is_allowed(case) -> None:
    from carer_desk.rules.payment_cap import first_day_allowed

    steps, offset, amount, stale = case
    requests = [
        Req(str(n), a, EPOCH + timedelta(days=o), status=s) for n, (o, a, s) in enumerate(steps)
    ]
    on = EPOCH + timedelta(days=offset)
    named = first_day_allowed(
        carer_id=CARER, amount_pence=amount, on=on, others=requests, stale_draft_days=stale
    )
    assert named is not None  # within the cap, it always fits in the end
    assert check(amount, named, requests, stale_draft_days=stale).allowed
    day = on
    while day < named:
        assert not check(amount, day, requests, stale_draft_days=stale).allowed, day
        day += timedelta(days=1)
    refused = check(amount, on, requests, stale_draft_days=stale)
    assert refused.allowed or refused.allowed_from == named
