"""Wellbeing payment requests: validation and every life-cycle step, legal or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.ids import new_id
from carer_desk.records.payment import (
    PaidTo,
    PaymentPurpose,
    PaymentStatus,
    WellbeingPaymentRequest,
)

DAY = date(2025, 5, 1)


def _draft(**fields: object) -> WellbeingPaymentRequest:
    base: dict[str, object] = dict(
        carer_id=new_id(),
        conversation_id=new_id(),
        amount_pence=15_000,
        purpose=PaymentPurpose.SHORT_BREAK,
        wellbeing_outcome="Two nights away to rest",
        requested_by="amy.outreach",
        requested_on=DAY,
    )
    base.update(fields)
    return WellbeingPaymentRequest(**base)  # type: ignore[arg-type]


Action = Callable[[WellbeingPaymentRequest], WellbeingPaymentRequest]
ACTIONS: dict[str, Action] = {
    "submit": lambda r: r.submit(DAY + timedelta(days=1)),
    "approve": lambda r: r.approve("sue.manager", DAY + timedelta(days=2)),
    "decline": lambda r: r.decline("sue.manager", DAY + timedelta(days=2), "Cap reached"),
    "mark_paid": lambda r: r.mark_paid(DAY + timedelta(days=5)),
    "cancel": lambda r: r.cancel(DAY + timedelta(days=3), "Carer no longer needs it"),
}
# The life cycle of BRIEF §3: which action leads from which status to which.
LEGAL = {
    (PaymentStatus.DRAFT, "submit"): PaymentStatus.SUBMITTED,
    (PaymentStatus.DRAFT, "cancel"): PaymentStatus.CANCELLED,
    (PaymentStatus.SUBMITTED, "approve"): PaymentStatus.APPROVED,
    (PaymentStatus.SUBMITTED, "decline"): PaymentStatus.DECLINED,
    (PaymentStatus.SUBMITTED, "cancel"): PaymentStatus.CANCELLED,
    (PaymentStatus.APPROVED, "mark_paid"): PaymentStatus.PAID,
    (PaymentStatus.APPROVED, "cancel"): PaymentStatus.CANCELLED,
}
PATH_TO = {
    PaymentStatus.DRAFT: [],
    PaymentStatus.SUBMITTED: ["submit"],
    PaymentStatus.APPROVED: ["submit", "approve"],
    PaymentStatus.DECLINED: ["submit", "decline"],
    PaymentStatus.PAID: ["submit", "approve", "mark_paid"],
    PaymentStatus.CANCELLED: ["cancel"],
}


def _in_status(status: PaymentStatus) -> WellbeingPaymentRequest:
    request = _draft()
    for action in PATH_TO[status]:
        request = ACTIONS[action](request)
    assert request.status == status
    return request


@pytest.mark.parametrize("status", list(PaymentStatus))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_as_the_life_cycle_says(
    status: PaymentStatus, action: str
) -> None:
    request = _in_status(status)
    expected = LEGAL.get((status, action))
    if expected is None:
        with pytest.raises(RuleViolation) as caught:
            ACTIONS[action](request)
        message = str(caught.value)
        assert message.startswith("Cannot ")
        assert status.label.lower() in message  # says where the request stands
        assert "you can" in message  # and what can be done instead
    else:
        after = ACTIONS[action](request)
        assert after.status == expected
        assert request.status == status  # the original is untouched


def test_steps_record_who_and_when() -> None:
    paid = _in_status(PaymentStatus.PAID)
    assert paid.submitted_on == DAY + timedelta(days=1)
    assert (paid.decided_by, paid.decided_on) == ("sue.manager", DAY + timedelta(days=2))
    assert paid.paid_on == DAY + timedelta(days=5)
    declined = _in_status(PaymentStatus.DECLINED)
    assert declined.decline_reason == "Cap reached"
    cancelled = _in_status(PaymentStatus.CANCELLED)
    assert cancelled.cancel_reason == "Carer no longer needs it"


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_and_cancelling_need_a_reason(reason: str) -> None:
    submitted = _in_status(PaymentStatus.SUBMITTED)
    with pytest.raises(RuleViolation, match="Give a reason when declining"):
        submitted.decline("sue.manager", DAY, reason)
    with pytest.raises(RuleViolation, match="Give a reason when cancelling"):
        submitted.cancel(DAY, reason)


def test_the_requester_cannot_approve_their_own_request() -> None:
    with pytest.raises(RuleViolation, match="cannot approve it"):
        _in_status(PaymentStatus.SUBMITTED).approve("amy.outreach", DAY)


def test_a_request_without_an_assessment_cannot_be_submitted() -> None:
    with pytest.raises(RuleViolation, match="link the assessment"):
        _draft(conversation_id=None).submit(DAY)


def test_a_step_dated_before_the_one_before_it_is_refused() -> None:
    submitted = _in_status(PaymentStatus.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        submitted.approve("sue.manager", DAY - timedelta(days=3))
    assert caught.value.problems == (("decided_on", "must not be before submitted on"),)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "must be more than £0"),
        (-500, "must be more than £0"),
        (150.0, "must be a whole number of pence (e.g. 15000 for £150)"),
        (True, "must be a whole number of pence (e.g. 15000 for £150)"),
    ],
)
def test_amounts_are_positive_whole_pence(amount: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _draft(amount_pence=amount)
    assert caught.value.problems == (("amount_pence", message),)


def test_every_missing_detail_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        _draft(
            carer_id="",
            wellbeing_outcome=" ",
            paid_to=PaidTo.SUPPLIER,
            requested_by="",
            purpose="holiday",
        )
    assert [p for p, _ in caught.value.problems] == [
        "carer_id",
        "purpose",
        "wellbeing_outcome",
        "supplier_name",
        "requested_by",
    ]


def test_a_status_must_carry_what_it_implies() -> None:
    with pytest.raises(ValidationError) as caught:
        _draft(status=PaymentStatus.DECLINED)
    assert [p for p, _ in caught.value.problems] == [
        "submitted_on",
        "decided_by",
        "decided_on",
        "decline_reason",
    ]
    with pytest.raises(ValidationError, match="only a paid request has a payment date"):
        replace(_in_status(PaymentStatus.APPROVED), paid_on=DAY)


@given(st.lists(st.sampled_from(list(ACTIONS)), max_size=8))
def test_any_sequence_of_actions_follows_the_life_cycle(actions: list[str]) -> None:
    """Model-based: the record's status always equals the model's, and refusals happen
    exactly when the model has no such step."""
    request = _draft()
    status = PaymentStatus.DRAFT
    for action in actions:
        expected = LEGAL.get((status, action))
        if expected is None:
            with pytest.raises(RuleViolation):
                ACTIONS[action](request)
        else:
            request = ACTIONS[action](request)
            status = expected
        assert request.status == status
    terminal = {PaymentStatus.DECLINED, PaymentStatus.PAID, PaymentStatus.CANCELLED}
    if status in terminal:
        for action in ACTIONS.values():
            with pytest.raises(RuleViolation):
                action(request)
