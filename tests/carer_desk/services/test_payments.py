"""Wellbeing-payment use cases against a real vault."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.clock import SettableClock
from carer_desk.errors import RuleViolation
from carer_desk.formatting import long_date
from carer_desk.records.payment import PaidTo, PaymentPurpose, PaymentStatus
from carer_desk.roles import Role
from carer_desk.rules.financial_year import add_months, financial_year_starting
from carer_desk.rules.payment_steps import MARK_PAID_REFUSAL, MARKS_PAID
from carer_desk.services.payments import APPROVER_ROLE, PaymentService
from tests.carer_desk.services.service_support import TODAY, add_carer, complete_assessment

CAP = 30_000


@pytest.fixture
def assessed(vault, settings, clock, carer):
    """The carer, with a carer's assessment completed today."""
    complete_assessment(vault, settings, clock, carer.id)
    return carer


@pytest.fixture
def service(vault, settings, clock):
    return PaymentService(vault, settings, clock)


def _request(service, carer_id, pence, purpose=PaymentPurpose.SHORT_BREAK):
    return service.create_request(
        carer_id,
        amount_pence=pence,
        purpose=purpose,
        wellbeing_outcome="A few days' rest away from caring",
    )


def _as(vault, user):
    vault.actor = user  # the same request seen on the approver's own vault, after sync


def test_no_request_without_a_completed_assessment(service, carer):
    with pytest.raises(RuleViolation, match="no completed carer's assessment"):
        _request(service, carer.id, 10_000)


def test_an_assessment_older_than_the_window_must_be_reviewed_first(vault, settings, carer):
    clock = SettableClock(date(2024, 3, 15))
    complete_assessment(vault, settings, clock, carer.id)
    clock.day = date(2025, 3, 15)
    with pytest.raises(RuleViolation, match="review the assessment"):
        _request(PaymentService(vault, settings, clock), carer.id, 10_000)
    clock.day = date(2025, 3, 14)
    assert _request(PaymentService(vault, settings, clock), carer.id, 10_000).status == "draft"


def test_a_draft_is_linked_to_the_latest_assessment_and_records_who_asked(
    vault, settings, clock, service, carer
):
    first = complete_assessment(vault, settings, clock, carer.id)
    clock.day = TODAY + timedelta(days=10)
    latest = complete_assessment(vault, settings, clock, carer.id)
    draft = _request(service, carer.id, 12_500)
    assert draft.conversation_id == latest.id != first.id
    assert (draft.requested_by, draft.requested_on, draft.status) == (
        "tester",
        TODAY + timedelta(days=10),
        PaymentStatus.DRAFT,
    )
    with pytest.raises(RuleViolation, match="not a completed carer's assessment"):
        service.create_request(
            carer.id,
            amount_pence=1_000,
            purpose=PaymentPurpose.DAY_OUT,
            wellbeing_outcome="A day out",
            conversation_id="a" * 32,
        )


def test_submitting_within_the_cap_says_what_will_be_left(service, assessed):
    result = service.submit(_request(service, assessed.id, 20_000).id)
    assert result.request.status == PaymentStatus.SUBMITTED
    assert result.request.submitted_on == TODAY
    assert result.cap.allowed
    assert "leaving £100.00" in result.cap.message
    assert "based on what this laptop knows" in result.cap.message
    assert result.warning is None
    assert service.get(result.request.id).status == PaymentStatus.SUBMITTED


def test_a_request_over_the_cap_is_refused_with_the_remaining_amount(service, assessed):
    service.submit(_request(service, assessed.id, 20_000).id)
    second = _request(service, assessed.id, 15_000, PaymentPurpose.EQUIPMENT)
    with pytest.raises(RuleViolation, match=r"more than the £100\.00 left of the £300\.00 limit"):
        service.submit(second.id)
    assert service.get(second.id).status == PaymentStatus.DRAFT


def test_a_cancelled_request_frees_its_share_of_the_cap(service, assessed):
    first = service.submit(_request(service, assessed.id, 25_000).id).request
    second = _request(service, assessed.id, 10_000, PaymentPurpose.EQUIPMENT)
    with pytest.raises(RuleViolation):
        service.submit(second.id)
    service.cancel(first.id, "The carer found a cheaper break")
    assert service.submit(second.id).request.status == PaymentStatus.SUBMITTED


def test_a_second_request_for_the_same_purpose_is_submitted_with_a_warning(
    service, clock, assessed
):
    service.submit(_request(service, assessed.id, 5_000).id)
    clock.day = TODAY + timedelta(days=20)
    result = service.submit(_request(service, assessed.id, 5_000).id)
    assert result.request.status == PaymentStatus.SUBMITTED
    assert "20 days before this one" in result.warning
    assert "short break" in result.warning
    other = service.submit(_request(service, assessed.id, 5_000, PaymentPurpose.DAY_OUT).id)
    assert other.warning is None


def test_the_same_purpose_warning_compares_the_days_of_submission(vault, settings, clock, carer):
    # A draft recorded 100 days ago and submitted (reaching the office) 10 days ago, then a
    # second for the same purpose today: 10 days apart where it counts, not 100.
    clock.day = TODAY - timedelta(days=100)
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    first = _request(service, carer.id, 5_000)
    clock.day = TODAY - timedelta(days=10)
    assert service.submit(first.id).warning is None
    clock.day = TODAY
    second = service.submit(_request(service, carer.id, 5_000).id)
    assert second.warning is not None and "10 days before this one" in second.warning
    assert f"dated {long_date(TODAY - timedelta(days=10))}" in second.warning


def test_the_approvers_queue_compares_the_days_of_submission(vault, settings, clock, carer):
    # Two workers' laptops, each not knowing the other's request (none kept a warning):
    # the approver's queue finds them by the days the office received them.
    clock.day = TODAY - timedelta(days=100)
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    early = _request(service, carer.id, 5_000)  # recorded 100 days ago ...
    clock.day = TODAY - timedelta(days=5)
    early = service.submit(early.id).request  # ... received 5 days ago
    recent = _request(service, carer.id, 5_000)
    clock.day = TODAY
    recent = service.submit(recent.id).request
    apart = _request(service, carer.id, 5_000, PaymentPurpose.EQUIPMENT)  # recorded today
    for request in (early, recent):
        service.repo.save(replace(request, duplicate_purpose_warning=None), action="edit")
    _as(vault, "manager")
    queue = {item.request.id: item for item in service.decision_queue("synced today").items}
    assert "5 days after this one" in (queue[early.id].warning or "")
    assert "5 days before this one" in (queue[recent.id].warning or "")
    # Recorded on the same day as another equipment request, received 95 days after it.
    _as(vault, "tester")
    other = service.submit(_request(service, carer.id, 2_000, PaymentPurpose.EQUIPMENT).id)
    clock.day = TODAY + timedelta(days=95)
    late = service.submit(apart.id)
    assert late.warning is None
    _as(vault, "manager")
    queue = {item.request.id: item for item in service.decision_queue("synced today").items}
    assert queue[late.request.id].warning is None
    # The one submitted while the other was a draft that day keeps the warning it was given
    # (a warning is never a refusal: one that no longer applies costs the approver a look).
    assert other.warning is not None and queue[other.request.id].warning == other.warning


def test_only_an_approver_records_a_decision_here(vault, service, assessed):
    request = service.submit(_request(service, assessed.id, 10_000).id).request
    with pytest.raises(RuleViolation, match="Only a payments approver"):
        service.approve(request.id, role="outreach-worker")
    with pytest.raises(RuleViolation, match="cannot approve it"):
        service.approve(request.id, role=APPROVER_ROLE)  # the requester themself
    _as(vault, "manager")
    approved = service.approve(request.id, role=APPROVER_ROLE)
    assert (approved.status, approved.decided_by) == (PaymentStatus.APPROVED, "manager")
    paid = service.mark_paid(request.id, role="admin")
    assert (paid.status, paid.paid_on) == (PaymentStatus.PAID, TODAY)


@pytest.mark.parametrize("role", sorted(set(Role) - MARKS_PAID))
def test_only_the_office_marks_a_request_paid_here_as_on_the_server(vault, service, assessed, role):
    # The same table the server's push rule reads (carer_desk.rules.payment_steps).
    request = service.submit(_request(service, assessed.id, 10_000).id).request
    _as(vault, "manager")
    service.approve(request.id, role=APPROVER_ROLE)
    with pytest.raises(RuleViolation) as refused:
        service.mark_paid(request.id, role=str(role))
    assert str(refused.value) == MARK_PAID_REFUSAL
    assert "Only an administrator" in str(refused.value)
    assert service.get(request.id).status == PaymentStatus.APPROVED  # nothing saved


def test_the_office_lists_approved_requests_to_pay_and_each_leaves_once_paid(
    vault, service, assessed, clock
):
    first = service.submit(_request(service, assessed.id, 10_000).id).request
    second = service.submit(_request(service, assessed.id, 5_000, PaymentPurpose.DAY_OUT).id)
    waiting = service.submit(_request(service, assessed.id, 2_500, PaymentPurpose.EQUIPMENT).id)
    _as(vault, "manager")
    service.approve(first.id, role=APPROVER_ROLE)
    clock.day = TODAY + timedelta(days=1)
    service.approve(second.request.id, role=APPROVER_ROLE)
    to_make = service.payments_to_make()
    # Oldest decision first; a request still waiting for a decision is not money to pay.
    assert [p.request.id for p in to_make] == [first.id, second.request.id]
    assert waiting.request.id not in {p.request.id for p in to_make}
    assert to_make[0].carer_name == assessed.display_name
    assert to_make[0].sentence().startswith(f"£100.00 for {assessed.display_name}: ")
    assert "paid to the carer. Approved by manager on" in to_make[0].sentence()
    service.mark_paid(first.id, role="admin")
    assert [p.request.id for p in service.payments_to_make()] == [second.request.id]


def test_declining_needs_a_reason(vault, service, assessed):
    request = service.submit(_request(service, assessed.id, 10_000).id).request
    _as(vault, "manager")
    with pytest.raises(RuleViolation, match="Give a reason"):
        service.decline(request.id, " ", role=APPROVER_ROLE)
    declined = service.decline(request.id, "Covered by the council's grant", role=APPROVER_ROLE)
    assert service.get(request.id).decline_reason == "Covered by the council's grant"
    assert declined.status == PaymentStatus.DECLINED


def test_cap_position_names_what_is_left_and_until_when(vault, settings, clock, carer):
    clock.day = date(2025, 5, 3)
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    service.submit(_request(service, carer.id, 18_000).id)
    clock.day = TODAY
    position = service.cap_position(carer.id)
    assert (position.remaining_pence, position.counted_pence) == (12_000, 18_000)
    assert position.until == date(2026, 5, 3)
    assert position.message.startswith("£120.00 left of the £300.00 limit until 3 May 2026")
    assert "based on what this laptop knows" in position.message
    # On the day the old request drops out, the whole cap is back.
    assert service.cap_position(carer.id, date(2026, 5, 3)).remaining_pence == CAP
    fresh = add_carer(vault, "Cy", "New")
    assert service.cap_position(fresh.id).until is None


def test_budget_position_counts_committed_and_spent_money_by_district(vault, service, assessed):
    paid = service.submit(_request(service, assessed.id, 10_000).id).request
    committed = service.submit(_request(service, assessed.id, 5_000, PaymentPurpose.DAY_OUT).id)
    waiting = service.submit(_request(service, assessed.id, 2_500, PaymentPurpose.EQUIPMENT).id)
    _as(vault, "manager")
    service.approve(paid.id, role=APPROVER_ROLE)
    service.mark_paid(paid.id, role="admin")
    service.approve(committed.request.id, role=APPROVER_ROLE)
    position = service.budget_position()
    assert position.financial_year == financial_year_starting(2025)
    assert (position.spent_pence, position.committed_pence, position.requested_pence) == (
        10_000,
        5_000,
        waiting.request.amount_pence,
    )
    assert position.remaining_pence == 52_525_000 - 15_000
    assert [(line.key, line.spent_pence) for line in position.by_district] == [
        ("west_oxfordshire", 10_000)
    ]


def test_a_supplier_payment_needs_the_supplier_named(service, assessed):
    from carer_desk.errors import ValidationError

    with pytest.raises(ValidationError, match="name the supplier"):
        service.create_request(
            assessed.id,
            amount_pence=20_000,
            purpose=PaymentPurpose.EQUIPMENT,
            wellbeing_outcome="Sleep through the night",
            paid_to=PaidTo.SUPPLIER,
        )


_actions = st.lists(
    st.one_of(
        st.tuples(
            st.just("request"),
            # Round sums are what people ask for, and they meet the cap exactly.
            st.sampled_from([5_000, 10_000, 15_000, 20_000, 30_000]) | st.integers(1, 30_000),
            st.sampled_from(list(PaymentPurpose)),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("approve"), st.integers(0, 20)),
        st.tuples(st.just("advance"), st.integers(1, 120)),
    ),
    min_size=1,
    max_size=15,
)


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=_actions)
def test_random_payment_sequences_never_exceed_the_cap_through_the_service(
    vault, settings, actions
):
    clock = SettableClock(date(2022, 1, 10))
    carer = add_carer(vault, "Pat", "Random")
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    made: list[str] = []
    for action in actions:
        if action[0] == "request":
            draft = _request(service, carer.id, action[1], action[2])
            made.append(draft.id)
            try:
                service.submit(draft.id)
            except RuleViolation:
                service.cancel(draft.id, "Over the limit")
        elif action[0] == "advance":
            clock.day += timedelta(days=action[1])
            complete_assessment(vault, settings, clock, carer.id)
        elif made:
            request = service.get(made[action[1] % len(made)])
            try:
                if action[0] == "cancel":
                    service.cancel(request.id, "Changed plans")
                else:
                    _as(vault, "manager")
                    service.approve(request.id, role=APPROVER_ROLE)
            except RuleViolation:
                pass  # not a step this request can take now; the service said so
            finally:
                _as(vault, "tester")
    live = [
        r
        for r in service.list_for_carer(carer.id)
        if r.status in (PaymentStatus.SUBMITTED, PaymentStatus.APPROVED, PaymentStatus.PAID)
    ]
    # Totals only change at request dates, so the windows ending on them are the fullest.
    for end in live:
        start = add_months(end.requested_on, -12)
        total = sum(r.amount_pence for r in live if start < r.requested_on <= end.requested_on)
        assert total <= CAP


def test_a_request_synced_from_another_laptop_counts_towards_the_cap_here(
    vault, settings, clock, service, carer
):
    from carer_desk.records.codec import to_payload

    assessment = complete_assessment(vault, settings, clock, carer.id)
    # Approved at the office and pulled down: no call on this service is needed.
    elsewhere = make.payment_request(
        carer,
        conversation_id=assessment.id,
        amount_pence=22_000,
        purpose=PaymentPurpose.SHORT_BREAK,
        wellbeing_outcome="A week by the sea",
        requested_by="another.worker",
        requested_on=TODAY - timedelta(days=30),
        status=PaymentStatus.APPROVED,
        submitted_on=TODAY - timedelta(days=30),
        decided_by="manager",
        decided_on=TODAY - timedelta(days=29),
    )
    assert service.cap_position(carer.id).remaining_pence == CAP
    vault.apply_remote("payment_request", elsewhere.id, to_payload(elsewhere), server_version=1)
    assert service.cap_position(carer.id).remaining_pence == 8_000
    with pytest.raises(RuleViolation, match=r"£80\.00 left"):
        service.submit(_request(service, carer.id, 10_000, PaymentPurpose.DAY_OUT).id)
    assert service.get(elsewhere.id).status == PaymentStatus.APPROVED


def test_the_approvers_queue_decodes_only_what_it_reads_and_says_the_same(
    vault, settings, clock, carer, monkeypatch
):
    # Requests in every state, for a carer with a request waiting and for one without.
    import carer_desk.services.payments as payments_module

    quiet = add_carer(vault, "Cy", "Quiet")
    for who in (carer, quiet):
        clock.day = TODAY - timedelta(days=30)
        complete_assessment(vault, settings, clock, who.id)
    service = PaymentService(vault, settings, clock)
    clock.day = TODAY - timedelta(days=20)
    steps = {}
    for who in (carer, quiet):
        paid = service.submit(_request(service, who.id, 4_000).id).request
        approved = service.submit(_request(service, who.id, 3_000, PaymentPurpose.DAY_OUT).id)
        declined = service.submit(_request(service, who.id, 2_000, PaymentPurpose.EQUIPMENT).id)
        cancelled = service.submit(_request(service, who.id, 1_000, PaymentPurpose.OTHER).id)
        draft = _request(service, who.id, 1_500, PaymentPurpose.HOUSEHOLD_HELP)
        steps[who.id] = (paid, approved.request, declined.request, cancelled.request, draft)
    clock.day = TODAY - timedelta(days=10)
    _as(vault, "manager")
    for who in (carer, quiet):
        paid, approved, declined, cancelled, _ = steps[who.id]
        service.approve(paid.id, role=APPROVER_ROLE)
        service.mark_paid(paid.id, role="admin")
        service.approve(approved.id, role=APPROVER_ROLE)
        service.decline(declined.id, "Covered by another fund", role=APPROVER_ROLE)
        _as(vault, "tester")
        service.cancel(cancelled.id, "No longer needed")
        _as(vault, "manager")
    _as(vault, "tester")
    clock.day = TODAY
    waiting = service.submit(_request(service, carer.id, 5_000).id).request
    _as(vault, "manager")

    class EveryRequest(PaymentService):  # the queue as it was: every request decoded
        def _queue_reading(self):
            return self._all(), self.store.sync_states("payment_request")

    before = EveryRequest(vault, settings, clock).decision_queue("synced today")
    decoded = []
    real = payments_module.from_payload
    monkeypatch.setattr(
        payments_module, "from_payload", lambda k, p: decoded.append(p["id"]) or real(k, p)
    )
    after = service.decision_queue("synced today")

    def said(queue):  # everything the queue shows (not the requests it works from)
        return queue.budget, [
            (i.request, i.carer, i.fits, i.warning, i.server_version, i.sync_state, i.advice())
            for i in queue.items
        ]

    assert said(after) == said(before)
    assert [i.request.id for i in after.items] == [waiting.id]
    # Decoded: the waiting carer's requests that count, and the quiet carer's money only.
    paid, approved, declined, cancelled, draft = steps[carer.id]
    q_paid, q_approved, *_ = steps[quiet.id]
    expected = {waiting.id, paid.id, approved.id, draft.id, q_paid.id, q_approved.id}
    assert sorted(decoded) == sorted(expected)
