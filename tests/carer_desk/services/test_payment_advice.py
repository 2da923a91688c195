"""What the payment screens say of a request, in sentences: the cap position and its
window, whether the amount fits, the same-purpose warning, how current the laptop is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk.config import PaymentSettings
from carer_desk.factories.conversations import completed_conversation
from carer_desk.factories.payments import payment_request
from carer_desk.ids import new_id
from carer_desk.records.payment import PaymentPurpose
from carer_desk.rules.payment_cap import check_payment_cap
from carer_desk.services.payment_advice import advise, knowledge_sentence

CARER = new_id()
RULES = PaymentSettings()
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _submitted(amount: int, on: date, purpose=PaymentPurpose.SHORT_BREAK):
    return payment_request(
        CARER, amount_pence=amount, requested_on=on, conversation_id=new_id(), purpose=purpose
    ).submit(on)


def _advice(requests, amount=None, purpose=None, on=date(2026, 6, 1), conversations=None):
    return advise(
        carer_id=CARER,
        amount_pence=amount,
        purpose=purpose,
        on=on,
        requests=requests,
        conversations=conversations,
        rules=RULES,
        knowledge="",
    )


def test_the_position_says_what_is_used_since_when_and_what_is_left_until_when():
    advice = _advice([_submitted(18_000, date(2026, 3, 3))])
    assert advice.position == (
        "£180.00 used since 3 March 2026; £120.00 left until 3 March 2027 (then up to £300.00)."
    )
    assert advice.counted == "Counted: £180.00 waiting for a decision, dated 3 March 2026."
    assert advice.fits is None


def test_nothing_counted_says_the_whole_cap_is_there():
    assert _advice([]).position == (
        "Nothing used in the last 12 months: the full £300.00 can be requested."
    )


def test_an_amount_over_what_is_left_is_refused_with_each_counted_request_named():
    advice = _advice([_submitted(18_000, date(2026, 3, 3))], amount=15_000)
    assert advice.fits is False
    assert advice.verdict.startswith("£150.00 is more than the £120.00 left of the £300.00")
    assert "£180.00 waiting for a decision, dated 3 March 2026" in advice.verdict
    assert "fits from 3 March 2027" in advice.verdict


def test_the_same_purpose_soon_after_is_a_warning_never_a_refusal():
    advice = _advice(
        [_submitted(5_000, date(2026, 5, 20))], amount=5_000, purpose=PaymentPurpose.SHORT_BREAK
    )
    assert advice.fits is True
    assert advice.warning is not None and "12 days before this one" in advice.warning
    other = _advice(
        [_submitted(5_000, date(2026, 5, 20))], amount=5_000, purpose=PaymentPurpose.DAY_OUT
    )
    assert other.warning is None


def test_no_recent_assessment_is_said_and_none_judged_without_conversations():
    old = completed_conversation(CARER, started_on=date(2024, 1, 10))
    advice = _advice([], conversations=[old])
    assert advice.assessment_problem is not None
    assert "more than 12 months" in advice.assessment_problem
    assert _advice([], conversations=None).assessment_problem is None


def test_the_laptop_says_how_long_ago_it_last_synced():
    assert "synced within the last day" in knowledge_sentence(
        NOW - timedelta(hours=3), NOW, enrolled=True
    )
    four = knowledge_sentence(NOW - timedelta(days=4, hours=2), NOW, enrolled=True)
    assert four.startswith("This laptop last synced 4 days ago, so it may not know everything")
    assert "not synced yet" in knowledge_sentence(None, NOW, enrolled=True)
    assert "not connected to an office" in knowledge_sentence(None, NOW, enrolled=False)


# A shared machine can be slow to build examples; the rule itself is quick.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 300), st.integers(1, 150)),  # days before today, pounds
        min_size=1,
        max_size=4,
    )
)
def test_the_until_day_is_the_first_day_more_than_what_is_left_fits(requests):
    today = date(2026, 6, 1)
    made = [_submitted(pounds * 100, today - timedelta(days=ago)) for ago, pounds in requests]
    advice = _advice(made, on=today)
    left = advice.remaining_pence
    if left == RULES.cap_pence:
        return
    until = _until(advice.position)

    def fits(day: date) -> bool:
        return check_payment_cap(
            carer_id=CARER, amount_pence=left + 1, requested_on=day, others=made
        ).allowed

    assert fits(until)
    assert not fits(until - timedelta(days=1))


def _until(position: str) -> date:
    words = position.split(" until ")[1].split(" (")[0].rstrip(".")
    return datetime.strptime(words, "%d %B %Y").date()
