"""Young carers (referral on registration, the 17½ transition list) and closing a carer's
record (cards revoked, payments in progress flagged, the closure date kept) (issue 9)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.carer import ClosureReason
from carer_desk.records.payment import PaymentPurpose, PaymentStatus
from carer_desk.rules.emergency_line import LineStatus
from carer_desk.services.cards import CardService, RecordClosed
from carer_desk.services.carers import CarerService
from carer_desk.services.closure import ClosureService
from carer_desk.services.conversations import ConversationService
from carer_desk.services.payments import APPROVER_ROLE, PaymentService
from carer_desk.services.plans import PlanService
from tests.carer_desk.services.service_support import (
    TODAY,
    add_carer,
    complete_assessment,
    full_plan,
)

# --- young carers ---------------------------------------------------------------------------


def test_registering_someone_under_18_records_their_young_carer_referral(vault, settings, clock):
    service = CarerService(vault, settings, clock)
    registered = service.register_new(
        make.carer(given_name="Kai", family_name="Young", date_of_birth=date(2010, 9, 1))
    )
    referral = registered.carer.young_carer_referral
    assert referral is not None
    assert (referral.referred_on, referral.to, referral.by) == (
        TODAY,
        "the young carers' service",
        "tester",
    )
    assert "Kai Young is 14: a young carer (under 18)" in registered.notices[0]
    assert "referred to the young carers' service on 2 June 2025" in registered.notices[0]
    assert service.get_carer(registered.carer.id).young_carer_referral == referral
    adult = service.register_new(make.carer(given_name="Ada", date_of_birth=date(1970, 1, 1)))
    assert adult.carer.young_carer_referral is None and adult.notices == ()


def test_carers_approaching_18_are_on_the_transition_list(vault, settings, clock):
    service = CarerService(vault, settings, clock)
    # On 2 June 2025: 17 years 7 months (listed), 17 years 5 months (not yet), 18 (adult).
    listed = service.register(make.carer(given_name="Ten", date_of_birth=date(2007, 11, 2)))
    service.register(make.carer(given_name="Early", date_of_birth=date(2008, 1, 2)))
    service.register(make.carer(given_name="Adult", date_of_birth=date(2007, 6, 1)))
    moving = service.moving_to_adult_services()
    assert [(m.carer_id, m.turns_adult_on) for m in moving] == [(listed.id, date(2025, 11, 2))]
    assert any("turns 18 on 2 November 2025" in n for n in service.notices(listed))


# --- closing a record -------------------------------------------------------------------------


def _request(payments: PaymentService, carer_id: str, amount: int = 5_000):
    return payments.create_request(
        carer_id,
        amount_pence=amount,
        purpose=PaymentPurpose.DAY_OUT,
        wellbeing_outcome="A day at the seaside",
    )


def test_closing_revokes_cards_flags_payments_and_keeps_the_date(vault, settings, clock):
    carer = add_carer(vault, "Clo", "Sure")
    complete_assessment(vault, settings, clock, carer.id)
    plan = PlanService(vault, settings, clock).create(full_plan(carer.id)).plan
    cards = CardService(vault, settings, clock)
    card = cards.issue_card(plan.id)
    payments = PaymentService(vault, settings, clock)
    draft = _request(payments, carer.id)
    waiting = payments.submit(_request(payments, carer.id).id).request
    closed = ClosureService(vault, settings, clock).close(
        carer.id, ClosureReason.BEREAVEMENT, note="The person cared for died in May"
    )
    assert closed.carer.closure.closed_on == TODAY
    assert [c.id for c in closed.revoked_cards] == [card.id]
    assert {r.id for r in closed.flagged_payments} == {draft.id, waiting.id}
    assert "decide whether this request goes ahead" in payments.get(draft.id).office_flag
    assert payments.get(waiting.id).status == PaymentStatus.SUBMITTED  # money never changed
    assert {r.id for r in payments.flagged_for_office()} == {draft.id, waiting.id}
    found = cards.lookup(card.number)
    assert found.status is LineStatus.REVOKED and "record closed (bereavement)" in found.message
    assert ClosureService(vault, settings, clock).closed_records() == [(carer.id, TODAY)]
    assert "Clo Sure's record is closed from 2 June 2025 (bereavement)." in closed.summary


def test_a_closed_record_starts_nothing_new_until_reopened(vault, settings, clock):
    carer = add_carer(vault, "Shut", "Door")
    complete_assessment(vault, settings, clock, carer.id)
    plan = PlanService(vault, settings, clock).create(full_plan(carer.id)).plan
    closures = ClosureService(vault, settings, clock)
    closures.close(carer.id, ClosureReason.MOVED_AWAY)
    with pytest.raises(RuleViolation, match="already closed"):
        closures.close(carer.id, ClosureReason.MOVED_AWAY)
    with pytest.raises(RecordClosed, match="reopen it before issuing a card"):
        CardService(vault, settings, clock).issue_card(plan.id)
    with pytest.raises(RuleViolation, match="reopen it before requesting"):
        _request(PaymentService(vault, settings, clock), carer.id)
    with pytest.raises(RuleViolation, match="reopen it before starting"):
        ConversationService(vault, settings, clock).start(carer.id)
    closures.reopen(carer.id)
    assert CardService(vault, settings, clock).issue_card(plan.id).is_live


def test_a_closure_date_cannot_be_in_the_future_or_before_the_referral(vault, settings, clock):
    carer = add_carer(vault, "Dat", "Ed")
    closures = ClosureService(vault, settings, clock)
    with pytest.raises(ValidationError, match="today or on a past day"):
        closures.close(carer.id, ClosureReason.OTHER, on=date(2025, 7, 1), note="x")
    with pytest.raises(ValidationError, match="before the referral"):
        closures.close(carer.id, ClosureReason.OTHER, on=date(2020, 1, 1), note="x")
    with pytest.raises(ValidationError, match="say why"):
        closures.close(carer.id, ClosureReason.OTHER)


_life = st.lists(
    st.sampled_from(["issue", "reissue", "revoke", "draft", "submit", "approve", "pay", "cancel"]),
    max_size=14,
)


@hsettings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_life)
def test_closure_after_any_mix_of_cards_and_payments(vault, settings, clock, steps):
    carer = add_carer(vault, "Mix", "Ed")
    complete_assessment(vault, settings, clock, carer.id)
    plan = PlanService(vault, settings, clock).create(full_plan(carer.id)).plan
    cards = CardService(vault, settings, clock)
    payments = PaymentService(vault, settings, clock)
    for step in steps:
        live = [c for c in cards.cards_of(carer.id) if c.is_live]
        mine = payments.list_for_carer(carer.id)
        try:
            if step == "issue" and not live:
                cards.issue_card(plan.id)
            elif step == "reissue" and live:
                cards.reissue_card(live[0].id, "lost")
            elif step == "revoke" and live:
                cards.revoke_card(live[0].id, "not wanted")
            elif step == "draft":
                _request(payments, carer.id, 2_000)
            elif step in ("submit", "approve", "pay", "cancel") and mine:
                target = mine[-1]
                vault.actor = "manager" if step in ("approve", "pay") else "tester"
                if step == "submit":
                    payments.submit(target.id)
                elif step == "approve":
                    payments.approve(target.id, role=APPROVER_ROLE)
                elif step == "pay":
                    payments.mark_paid(target.id, role="admin")
                else:
                    payments.cancel(target.id, "changed plans")
        except RuleViolation:
            pass  # a step that does not fit this state is refused, as it should be
        finally:
            vault.actor = "tester"
    before = {r.id: r for r in payments.list_for_carer(carer.id)}
    closed = ClosureService(vault, settings, clock).close(carer.id, ClosureReason.CARING_ENDED)
    assert all(not c.is_live for c in cards.cards_of(carer.id))
    in_progress = {
        rid
        for rid, r in before.items()
        if r.status in (PaymentStatus.DRAFT, PaymentStatus.SUBMITTED, PaymentStatus.APPROVED)
    }
    assert {r.id for r in closed.flagged_payments} == in_progress
    for request in payments.list_for_carer(carer.id):
        was = before[request.id]
        # Money and decisions are never touched by a closure; only the flag is added.
        assert (request.status, request.amount_pence, request.decided_on) == (
            was.status,
            was.amount_pence,
            was.decided_on,
        )
        assert (request.office_flag is not None) == (request.id in in_progress)
