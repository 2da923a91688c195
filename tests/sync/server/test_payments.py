"""Wellbeing-payment decisions on the server: the cap over any 12 months, a recent
assessment and the annual budget, enforced authoritatively, with reasons people can act on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from carer_desk.config import PaymentSettings
from carer_desk.records.codec import from_payload
from carer_desk.rules.payment_rules import PaymentRules
from sync.protocol import Decision, PaymentDecisionRequest, RecordKind, Role
from sync.server.access import Principal
from sync.server.errors import Refused
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness

TODAY = date(2026, 3, 15)


def make(tmp_path: Path, database_url: str | None = None, **rules: int) -> Harness:
    return Harness(
        tmp_path / "server",
        database_url,
        today=lambda: TODAY,
        payments=PaymentRules(payments=PaymentSettings(**rules)),
    )


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = make(tmp_path)
    yield harness
    harness.close()


def setup_carer(worker: Device, *amounts: int, assessed: bool = True) -> list:
    carer = r.carer("north")
    conversation = r.assessment(carer.id, date(2026, 2, 1) if assessed else None)
    requests = [r.payment(carer.id, conversation.id, a) for a in amounts]
    results = worker.push(*[r.change(x) for x in (carer, conversation, *requests)])
    assert {x["status"] for x in results} == {"applied"}, results
    # As a laptop holds them after its pull: the server stamps the day of submission.
    pulled = worker.pull_all()
    return [
        from_payload(
            RecordKind.PAYMENT_REQUEST,
            {**pulled[("payment_request", x.id)]["payload"], "id": x.id},
        )
        for x in requests
    ]


def decide(device: Device, request_id: str, decision: str = "approve", **extra: object):
    return device.post(f"/v1/payments/{request_id}/decision", {"decision": decision, **extra})


def test_an_approval_within_the_cap_is_recorded_and_synced_back(worker, approver) -> None:
    (request,) = setup_carer(worker, 12000)
    response = decide(approver, request.id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved" and body["server_version"] == 2
    assert body["already_committed_pence"] == 0 and body["remaining_pence"] == 18000
    pulled = worker.pull_all()[("payment_request", request.id)]["payload"]
    assert pulled["status"] == "approved" and pulled["decided_by"] == "manager"
    assert pulled["decided_on"] == "2026-03-15"


def test_going_over_the_cap_in_any_12_months_is_refused_with_the_reason(worker, approver) -> None:
    (first,) = setup_carer(worker, 20000)
    assert decide(approver, first.id).status_code == 200
    second = r.payment(first.carer_id, first.conversation_id, 15000, requested_on=date(2026, 3, 10))
    worker.push_one(r.change(second))
    refused = decide(approver, second.id)
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "£300" in detail and "£100" in detail  # the cap and what is left
    assert worker.pull_all()[("payment_request", second.id)]["payload"]["status"] == "submitted"


def test_requests_in_flight_count_towards_the_cap(worker, approver) -> None:
    # Two requests waiting together ask for more than the cap: neither can be approved
    # until one is declined or cancelled.
    first, second = setup_carer(worker, 20000, 15000)
    assert decide(approver, first.id).status_code == 409
    assert decide(approver, second.id, "decline", reason="Over the cap").status_code == 200
    assert decide(approver, first.id).status_code == 200


def test_declining_needs_a_reason(worker, approver) -> None:
    (request,) = setup_carer(worker, 5000)
    assert decide(approver, request.id, "decline").status_code == 400
    declined = decide(approver, request.id, "decline", reason="Not for this purpose")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"


def test_only_payments_approvers_decide(h: Harness, worker) -> None:
    (request,) = setup_carer(worker, 5000)
    admin = h.device("admin", Role.ADMIN)
    for device in (worker, admin):
        response = decide(device, request.id)
        assert response.status_code == 403 and "payments approver" in response.json()["detail"]


def test_a_request_not_waiting_for_a_decision_cannot_be_decided(worker, approver) -> None:
    (request,) = setup_carer(worker, 5000)
    assert decide(approver, request.id).status_code == 200
    again = decide(approver, request.id)
    assert again.status_code == 409 and "approved" in again.json()["detail"]


def test_a_request_needs_a_completed_assessment(worker, approver) -> None:
    (request,) = setup_carer(worker, 5000, assessed=False)
    refused = decide(approver, request.id)
    assert refused.status_code == 409 and "assessment" in refused.json()["detail"]


def test_the_requester_cannot_approve_their_own_request(h: Harness) -> None:
    h.user("manager", Role.PAYMENTS_APPROVER)
    admin = h.device("admin", Role.ADMIN)
    carer = r.carer("north")
    conversation = r.assessment(carer.id)
    request = r.payment(carer.id, conversation.id, 5000, requested_by="manager")
    admin.push(r.change(carer), r.change(conversation), r.change(request))
    refused = decide(h.device("manager"), request.id)
    assert refused.status_code == 409


def test_a_stale_view_is_asked_to_look_again(worker, approver) -> None:
    (request,) = setup_carer(worker, 5000)
    # (What a submitted request asks for is fixed; a note for the office may still change.)
    edit = r.replace(request, office_flag="Carer moved house")
    assert worker.push_one(r.change(edit, base_version=1))["status"] == "applied"
    stale = decide(approver, request.id, expected_version=1)
    assert stale.status_code == 409 and "changed since" in stale.json()["detail"]


def test_unknown_requests_are_404(approver) -> None:
    assert decide(approver, "0" * 32).status_code == 404


def test_the_annual_budget_is_enforced(tmp_path: Path) -> None:
    h = make(tmp_path, annual_budget_pence=20000)
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        approver = h.device("manager", Role.PAYMENTS_APPROVER)
        (a,) = setup_carer(worker, 15000)
        (b,) = setup_carer(worker, 10000)
        assert decide(approver, a.id).json()["budget_remaining_pence"] == 5000
        refused = decide(approver, b.id)
        assert refused.status_code == 409 and "budget" in refused.json()["detail"]
    finally:
        h.close()


def test_simultaneous_approvals_cannot_both_slip_under_the_budget(
    tmp_path: Path, database_url: str
) -> None:
    h = make(tmp_path, database_url, annual_budget_pence=30000)
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        approver = h.device("manager", Role.PAYMENTS_APPROVER)
        requests = [setup_carer(worker, 20000)[0] for _ in range(3)]
        decisions = h.app.state.services.payments
        who = Principal("manager", Role.PAYMENTS_APPROVER, None, approver.device_id)
        outcomes: list[str] = []
        start = threading.Barrier(len(requests))

        def approve(request_id: str) -> None:
            start.wait()
            try:
                decisions.decide(who, request_id, PaymentDecisionRequest(decision=Decision.APPROVE))
                outcomes.append("approved")
            except Refused:
                outcomes.append("refused")

        threads = [threading.Thread(target=approve, args=(x.id,)) for x in requests]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(outcomes) == ["approved", "refused", "refused"]
    finally:
        h.close()


def test_refusals_and_decisions_are_in_the_audit_log(h: Harness, worker, approver) -> None:
    (request,) = setup_carer(worker, 5000, assessed=False)
    decide(approver, request.id)
    (ok,) = setup_carer(worker, 5000)
    decide(approver, ok.id)
    actions = [
        (row.action, row.record_id)
        for row in h.store.iter_audit()
        if row.action.startswith("payment-")
    ]
    assert actions == [("payment-refused", request.id), ("payment-approve", ok.id)]
