"""The demo's invented history: payments in every state with dates a service would have,
and what an office must decide itself kept apart for it; plans with reviews to do."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from carer_desk.clock import FixedClock
from carer_desk.config import Settings
from carer_desk.demo import DEMO_APPROVER, seed_demo
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyCard, EmergencyPlan
from carer_desk.rules.financial_year import add_months
from carer_desk.rules.payment_cap import check_payment_cap
from carer_desk.services.repository import Repository
from tests.carer_desk.services.service_support import TODAY
from tests.vaults import make_vault

CLOCK = FixedClock(TODAY)
SETTINGS = Settings()


def _requests(vault) -> list[WellbeingPaymentRequest]:
    return list(Repository(vault).all(WellbeingPaymentRequest))


def test_a_laptop_seed_holds_payments_in_every_state_dated_in_order(vault):
    seed_demo(vault, SETTINGS, carers=90, seed=7, clock=CLOCK)
    requests = _requests(vault)
    assert {r.status for r in requests} == set(PaymentStatus)
    for r in requests:
        steps = [r.requested_on, r.submitted_on, r.decided_on, r.paid_on]
        known = [d for d in steps if d is not None]
        assert known == sorted(known) and known[-1] <= TODAY
        assert r.decided_by in (None, DEMO_APPROVER)
    # Waiting requests are recent; decided ones reach back months.
    waiting = [r for r in requests if r.status is PaymentStatus.SUBMITTED]
    assert all((TODAY - r.submitted_on).days <= 25 for r in waiting)
    oldest_paid = min(r.paid_on for r in requests if r.paid_on)
    assert (TODAY - oldest_paid).days > 150


def test_some_carers_are_near_the_cap_and_none_over_it(vault):
    seed_demo(vault, SETTINGS, carers=90, seed=7, clock=CLOCK)
    requests = _requests(vault)
    by_carer: dict[str, list[WellbeingPaymentRequest]] = {}
    for r in requests:
        by_carer.setdefault(r.carer_id, []).append(r)
    near = 0
    for carer_id, mine in by_carer.items():
        check = check_payment_cap(
            carer_id=carer_id,
            amount_pence=0,
            requested_on=TODAY,
            others=mine,
            cap_pence=SETTINGS.payments.cap_pence,
            window_months=SETTINGS.payments.window_months,
        )
        assert check.already_committed_pence <= SETTINGS.payments.cap_pence
        if len(mine) > 1 and check.remaining_pence <= 6_000:
            near += 1
    assert near >= 2


def test_for_an_office_decided_requests_are_sent_as_drafts_and_their_decisions_listed(
    vault, tmp_path
):
    plain = make_vault(tmp_path / "plain.sqlite")
    try:
        seed_demo(plain, SETTINGS, carers=90, seed=7, clock=CLOCK)
        states = Counter(r.status for r in _requests(plain))
    finally:
        plain.close()

    summary = seed_demo(vault, SETTINGS, carers=90, seed=7, clock=CLOCK, decided_at_the_office=True)
    stored = {r.id: r for r in _requests(vault)}
    assert not any(r.decided_on or r.paid_on or r.decided_by for r in stored.values())
    # The same history: each decided request waits, a draft, for its listed submission
    # and decision.
    assert Counter(d.approve for d in summary.decisions) == {
        True: states[PaymentStatus.APPROVED] + states[PaymentStatus.PAID],
        False: states[PaymentStatus.DECLINED],
    }
    assert sum(d.paid_on is not None for d in summary.decisions) == states[PaymentStatus.PAID]
    assert [d.on for d in summary.decisions] == sorted(d.on for d in summary.decisions)
    for decision in summary.decisions:
        request = stored[decision.payment_id]
        assert request.status is PaymentStatus.DRAFT and request.submitted_on is None
        assert (
            request.requested_on
            <= decision.submitted_on
            <= decision.on
            <= (decision.paid_on or TODAY)
            <= TODAY
        )
        assert decision.approve or decision.reason
        assert request.requested_by != DEMO_APPROVER
    assert summary.counts["payment_request"] == len(stored)


def test_some_plans_are_overdue_for_review_and_some_due_soon(vault):
    seed_demo(vault, SETTINGS, carers=90, seed=7, clock=CLOCK)
    plans = list(Repository(vault).all(EmergencyPlan))
    reminder = timedelta(days=SETTINGS.plans.reminder_days_before)
    overdue = [p for p in plans if p.is_complete and p.review_date < TODAY]
    soon = [p for p in plans if p.is_complete and TODAY <= p.review_date <= TODAY + reminder]
    assert len(overdue) >= 2 and len(soon) >= 2
    # Plausible: a year's review period after the plan was made, not long overdue.
    for plan in overdue + soon:
        assert add_months(plan.created_on, SETTINGS.plans.review_months) == plan.review_date
        assert (TODAY - plan.review_date).days <= 75
    # A plan's cards are issued after the plan was made.
    made = {p.id: p.created_on for p in plans}
    for card in Repository(vault).all(EmergencyCard):
        assert card.issued_on >= made[card.plan_id]
