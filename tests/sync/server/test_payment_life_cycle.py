"""Issue 10 High 2 and Medium 6: the ways round the payment rules that were seen working,
each performed against the real server app (real store, real HTTP handling) on SQLite
and PostgreSQL, and each refused now; with the steps that must still work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.records.duplicates import DuplicateOutcome
from carer_desk.records.payment import (
    PaidTo,
    PaymentPurpose,
    PaymentStatus,
    WellbeingPaymentRequest,
)
from carer_desk.rules.payment_steps import MARK_PAID_REFUSAL
from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness
from tests.sync.server.test_payments import decide

TODAY = date(2026, 3, 15)


@pytest.fixture
def h(tmp_path: Path, database_url: str) -> Iterator[Harness]:
    harness = Harness(tmp_path / "server", database_url, today=lambda: TODAY)
    yield harness
    harness.close()


@pytest.fixture
def admin(h: Harness) -> Device:
    return h.device("office-admin", Role.ADMIN)


def new_carer(worker: Device) -> tuple[str, str]:
    carer = r.carer("north")
    conversation = r.assessment(carer.id)
    results = worker.push(r.change(carer), r.change(conversation))
    assert {x["status"] for x in results} == {"applied"}, results
    return carer.id, conversation.id


def submitted(worker: Device, amount: int = 30000, **changes: object) -> WellbeingPaymentRequest:
    carer_id, conversation_id = new_carer(worker)
    request = r.payment(carer_id, conversation_id, amount, requested_on=date(2026, 3, 10))
    request = replace(request, **changes) if changes else request
    result = worker.push_one(r.change(request))
    assert result["status"] == "applied", result
    # As the server holds it (the laptop takes the server's copy at its pull): the
    # server's day of submission, not the laptop's.
    return replace(request, submitted_on=TODAY) if request.submitted_on else request


def server_copy(h: Harness, request_id: str) -> dict:
    with h.store.transaction() as tx:
        record = tx.get_record(request_id)
    assert record is not None and record.payload is not None
    return record.payload


def pushed_edit(device: Device, record: object, version: int) -> dict:
    return device.push_one(r.change(record, base_version=version))


def approved(worker: Device, approver: Device, amount: int = 30000) -> WellbeingPaymentRequest:
    request = submitted(worker, amount)
    assert decide(approver, request.id).status_code == 200
    return request.approve(by="manager", on=TODAY)


# --- High 2: the state machine and the protected fields -----------------------------------


def test_the_payee_of_an_approved_request_cannot_be_changed_to_a_supplier(
    h: Harness, worker: Device, approver: Device
) -> None:
    request = approved(worker, approver)
    to_supplier = replace(request, paid_to=PaidTo.SUPPLIER, supplier_name="Mallory's Holidays")
    result = pushed_edit(worker, to_supplier, 2)
    assert result["status"] == "rejected"
    assert "paid_to cannot change once a request is submitted" in result["reason"]
    assert server_copy(h, request.id)["paid_to"] == "carer"


@pytest.mark.parametrize("field", ["amount_pence", "purpose", "requested_on", "supplier_name"])
def test_what_a_submitted_request_asks_for_is_fixed(h: Harness, worker: Device, field: str) -> None:
    request = submitted(worker, 20000)
    changed = {
        "amount_pence": 25000,
        "purpose": PaymentPurpose.EQUIPMENT,
        "requested_on": date(2026, 3, 9),
        "supplier_name": "Someone Else",
    }[field]
    result = pushed_edit(worker, replace(request, **{field: changed}), 1)
    assert result["status"] == "rejected" and f"{field} cannot change" in result["reason"]
    assert "cancel it and make a new request" in result["reason"]


def test_a_paid_request_cannot_be_cancelled_to_free_the_cap(
    h: Harness, worker: Device, approver: Device, admin: Device
) -> None:
    request = approved(worker, approver)
    paid = request.mark_paid(TODAY)
    assert pushed_edit(admin, paid, 2)["status"] == "applied"  # an admin marks it paid
    cancelled = replace(
        paid, status=PaymentStatus.CANCELLED, paid_on=None, cancelled_on=TODAY, cancel_reason="oops"
    )
    for device in (worker, admin):
        result = pushed_edit(device, cancelled, 3)
        assert result["status"] == "rejected" and "paid, which is final" in result["reason"]
    # So a second £300 for the same carer within the year stays refused.
    second = r.payment(request.carer_id, request.conversation_id, 30000, requested_on=TODAY)
    assert worker.push_one(r.change(second))["status"] == "applied"
    refused = decide(approver, second.id)
    assert refused.status_code == 409 and "£300" in refused.json()["detail"]
    assert server_copy(h, request.id)["status"] == "paid"


def test_an_approved_request_not_yet_paid_can_still_be_cancelled(
    h: Harness, worker: Device, approver: Device
) -> None:
    request = approved(worker, approver)
    cancelled = request.cancel(TODAY, "The carer went into hospital")
    assert pushed_edit(worker, cancelled, 2)["status"] == "applied"
    assert server_copy(h, request.id)["status"] == "cancelled"


def test_only_an_admin_marks_a_request_paid(
    worker: Device, approver: Device, admin: Device
) -> None:
    request = approved(worker, approver)
    # The laptop's rule, from the core (carer_desk.rules.payment_steps), is the server's.
    result = pushed_edit(worker, request.mark_paid(TODAY), 2)
    assert result == {**result, "status": "rejected", "reason": MARK_PAID_REFUSAL}
    assert pushed_edit(admin, request.mark_paid(TODAY), 2)["status"] == "applied"


def test_nothing_goes_back_to_draft(h: Harness, worker: Device) -> None:
    request = submitted(worker, 10000)
    back = replace(request, status=PaymentStatus.DRAFT, submitted_on=None)
    result = pushed_edit(worker, back, 1)
    assert result["status"] == "rejected" and "cannot become draft" in result["reason"]


def test_back_dating_a_request_out_of_the_cap_window_is_refused(
    h: Harness, worker: Device, approver: Device
) -> None:
    first = approved(worker, approver)
    back = TODAY - timedelta(days=400)
    old = r.payment(first.carer_id, first.conversation_id, 30000, requested_on=back)
    result = worker.push_one(r.change(old))
    assert result["status"] == "rejected"
    assert "more than 31 days before today" in result["reason"]
    with h.store.transaction() as tx:
        assert tx.get_record(old.id) is None


@pytest.fixture
def clock() -> dict[str, date]:
    return {"today": TODAY}


@pytest.fixture
def clocked(tmp_path: Path, database_url: str, clock: dict[str, date]) -> Iterator[Harness]:
    harness = Harness(tmp_path / "clocked", database_url, today=lambda: clock["today"])
    yield harness
    harness.close()


def test_back_dating_within_the_allowance_does_not_move_the_cap_window(
    clocked: Harness, clock: dict[str, date]
) -> None:
    # The attack: a tampered laptop dates its first £300 thirty days early (inside the
    # 31-day allowance), so that a year later the window would have let the next £300
    # through a month early: £600 within twelve months of the money actually asked for.
    worker = clocked.device("worker-north", Role.OUTREACH_WORKER, "north")
    approver = clocked.device("manager", Role.PAYMENTS_APPROVER)
    carer_id, conversation_id = new_carer(worker)
    early = TODAY - timedelta(days=30)
    first = r.payment(carer_id, conversation_id, 30000, requested_on=early)
    assert first.submitted_on == early
    result = worker.push_one(r.change(first))
    assert result["status"] == "applied" and result["merged"] is True
    held = server_copy(clocked, first.id)
    # The day the worker recorded stays, for display; the day that counts is the server's.
    assert held["requested_on"] == early.isoformat()
    assert held["submitted_on"] == TODAY.isoformat()
    assert decide(approver, first.id).status_code == 200

    # Eleven months and a week after the server received it (but more than twelve months
    # after the laptop's date), a second £300 is asked for.
    clock["today"] = date(2027, 2, 20)
    talk = r.assessment(carer_id, date(2027, 2, 1))
    second = r.payment(carer_id, talk.id, 30000, requested_on=date(2027, 2, 20))
    assert [x["status"] for x in worker.push(r.change(talk), r.change(second))] == [
        "applied",
        "applied",
    ]
    refused = decide(approver, second.id)
    assert refused.status_code == 409, refused.text
    assert "15 March 2026" in refused.json()["detail"]  # the server's day, named
    assert server_copy(clocked, second.id)["status"] == "submitted"
    declined = decide(approver, second.id, "decline", reason="Over the limit until 15 March")
    assert declined.status_code == 200
    # From the day the first leaves the window (counted from the server's day), it fits.
    clock["today"] = date(2027, 3, 15)
    again = r.payment(carer_id, talk.id, 30000, requested_on=date(2027, 3, 15))
    assert worker.push_one(r.change(again))["status"] == "applied"
    assert decide(approver, again.id).status_code == 200


def test_a_request_made_offline_counts_from_the_day_the_server_receives_it(
    clocked: Harness, clock: dict[str, date]
) -> None:
    worker = clocked.device("worker-north", Role.OUTREACH_WORKER, "north")
    carer_id, conversation_id = new_carer(worker)
    monday = date(2026, 3, 9)
    offline = r.payment(carer_id, conversation_id, 10000, requested_on=monday)
    clock["today"] = date(2026, 3, 12)  # synced on Thursday
    assert worker.push_one(r.change(offline))["status"] == "applied"
    pulled = worker.pull_all()[("payment_request", offline.id)]["payload"]
    assert pulled["requested_on"] == "2026-03-09"  # what the worker recorded
    assert pulled["submitted_on"] == "2026-03-12"  # what the cap counts


def test_a_draft_submitted_later_is_dated_by_the_server_at_submission(
    clocked: Harness, clock: dict[str, date]
) -> None:
    worker = clocked.device("worker-north", Role.OUTREACH_WORKER, "north")
    carer_id, conversation_id = new_carer(worker)
    draft = r.payment(carer_id, conversation_id, 10000, requested_on=TODAY, submitted=False)
    assert worker.push_one(r.change(draft))["status"] == "applied"
    assert server_copy(clocked, draft.id)["submitted_on"] is None
    clock["today"] = TODAY + timedelta(days=5)
    # The laptop submits it, claiming the day it was first written.
    sent = draft.submit(on=TODAY)
    assert worker.push_one(r.change(sent, base_version=1))["status"] == "applied"
    assert server_copy(clocked, draft.id)["submitted_on"] == "2026-03-20"


def test_the_server_dates_the_payment_and_the_cancellation_itself(
    clocked: Harness, clock: dict[str, date]
) -> None:
    worker = clocked.device("worker-north", Role.OUTREACH_WORKER, "north")
    approver = clocked.device("manager", Role.PAYMENTS_APPROVER)
    admin = clocked.device("office-admin", Role.ADMIN)
    request = approved(worker, approver, 10000)
    other = approved(worker, approver, 5000)
    clock["today"] = TODAY + timedelta(days=3)
    # An admin's laptop dates the payment back to the decision day: the server's day wins.
    paid = request.mark_paid(TODAY)
    assert admin.push_one(r.change(paid, base_version=2))["status"] == "applied"
    assert server_copy(clocked, request.id)["paid_on"] == "2026-03-18"
    cancelled = other.cancel(on=TODAY, reason="The carer changed their mind")
    assert worker.push_one(r.change(cancelled, base_version=2))["status"] == "applied"
    assert server_copy(clocked, other.id)["cancelled_on"] == "2026-03-18"


def test_a_future_dated_request_is_refused(worker: Device) -> None:
    carer_id, conversation_id = new_carer(worker)
    ahead = r.payment(carer_id, conversation_id, 5000, requested_on=TODAY + timedelta(days=30))
    result = worker.push_one(r.change(ahead))
    assert result["status"] == "rejected" and "after today" in result["reason"]


def test_a_future_dated_record_of_any_kind_is_refused(worker: Device) -> None:
    carer = r.carer("north")
    ahead = replace(carer, consent=replace(carer.consent, date=TODAY + timedelta(days=60)))
    result = worker.push_one(r.change(ahead))
    assert result["status"] == "rejected" and "must not be in the future" in result["reason"]


def test_a_request_above_the_cap_is_refused_when_pushed(worker: Device) -> None:
    carer_id, conversation_id = new_carer(worker)
    big = r.payment(carer_id, conversation_id, 90000, requested_on=TODAY)
    result = worker.push_one(r.change(big))
    assert result["status"] == "rejected" and "more than the £300.00 limit" in result["reason"]


def test_the_server_stamps_who_made_the_request(
    h: Harness, worker: Device, approver: Device
) -> None:
    # The worker names the approver as requester, hoping the approver's colleague
    # would not notice; the four-eyes rule must then judge the real requester.
    request = submitted(worker, 10000, requested_by="manager")
    assert server_copy(h, request.id)["requested_by"] == "worker-north"
    assert decide(approver, request.id).status_code == 200
    # And an edit cannot rename the requester later.
    decided = replace(request, requested_by="worker-north").approve(by="manager", on=TODAY)
    note = replace(decided, requested_by="someone-else", office_flag="Phone the carer")
    result = pushed_edit(worker, note, 2)
    assert result["status"] == "applied"
    assert server_copy(h, request.id)["requested_by"] == "worker-north"


def test_a_stamped_request_reaches_the_laptop_as_the_server_holds_it(
    h: Harness, worker: Device
) -> None:
    carer_id, conversation_id = new_carer(worker)
    request = r.payment(carer_id, conversation_id, 5000, requested_on=TODAY, requested_by="x")
    result = worker.push_one(r.change(request))
    # "merged": the laptop must take the server's copy at its pull.
    assert result["status"] == "applied" and result["merged"] is True
    pulled = worker.pull_all()[("payment_request", request.id)]["payload"]
    assert pulled["requested_by"] == "worker-north"


# --- Medium 6: only the decision endpoint decides, for every role ---------------------------


@pytest.mark.parametrize("role", ["worker", "admin"])
def test_pushing_a_request_marked_approved_is_refused(
    h: Harness, worker: Device, admin: Device, role: str
) -> None:
    device = {"worker": worker, "admin": admin}[role]
    request = submitted(worker, 30000)
    decided = request.approve(by="manager", on=TODAY)
    result = pushed_edit(device, decided, 1)
    assert result["status"] == "rejected"
    assert "only by a payments approver's decision" in result["reason"]
    assert server_copy(h, request.id)["status"] == "submitted"


def test_a_new_request_cannot_arrive_already_approved(h: Harness, admin: Device) -> None:
    carer_id, conversation_id = new_carer(admin)
    request = r.payment(carer_id, conversation_id, 30000, requested_on=TODAY)
    result = admin.push_one(r.change(request.approve(by="office-admin", on=TODAY)))
    assert result["status"] == "rejected"
    assert "only by a payments approver's decision" in result["reason"]
    declined = r.payment(carer_id, conversation_id, 100, requested_on=TODAY)
    result = admin.push_one(r.change(declined.decline(by="x", on=TODAY, reason="no")))
    assert result["status"] == "rejected"


def test_an_approval_pushed_over_the_cap_never_lands(
    h: Harness, worker: Device, approver: Device, admin: Device
) -> None:
    first = approved(worker, approver)
    second = r.payment(first.carer_id, first.conversation_id, 30000, requested_on=TODAY)
    assert worker.push_one(r.change(second))["status"] == "applied"
    result = pushed_edit(admin, second.approve(by="office-admin", on=TODAY), 1)
    assert result["status"] == "rejected"
    assert server_copy(h, second.id)["status"] == "submitted"


# --- a request stays with its carer, except through a merge ---------------------------------


def test_moving_an_approved_request_to_another_carer_is_refused(
    h: Harness, worker: Device, approver: Device
) -> None:
    # Moving the spending off a carer who is still there would free their cap.
    request = approved(worker, approver)
    other_id, _ = new_carer(worker)
    result = pushed_edit(worker, replace(request, carer_id=other_id), 2)
    assert result["status"] == "rejected" and "stays with its carer" in result["reason"]
    assert server_copy(h, request.id)["carer_id"] == request.carer_id


def test_a_merge_of_two_records_of_one_carer_moves_the_requests(
    h: Harness, worker: Device, approver: Device
) -> None:
    absorbed = approved(worker, approver)
    kept_id, _ = new_carer(worker)
    decision = make.duplicate_decision(
        kept_id,
        absorbed.carer_id,
        decision=DuplicateOutcome.MERGED,
        kept_id=kept_id,
        decided_on=TODAY,
    )
    moved = replace(absorbed, carer_id=kept_id)
    results = worker.push(
        r.change(moved, base_version=2),
        r.change(decision),
        {
            **r.change(r.carer("north")),
            "record_id": absorbed.carer_id,
            "op": "delete",
            "payload": None,
            "base_version": 1,
        },
    )
    assert [x["status"] for x in results] == ["applied"] * 3, results
    assert server_copy(h, absorbed.id)["carer_id"] == kept_id
    # The kept carer now carries the spending: a second £300 stays refused.
    talk = r.assessment(kept_id)
    second = r.payment(kept_id, talk.id, 30000, requested_on=TODAY)
    worker.push(r.change(talk), r.change(second))
    assert decide(approver, second.id).status_code == 409


# --- a conflict resolved later is stamped as a push on that day would be ------------------


@pytest.fixture
def office(clocked: Harness) -> dict[str, Device]:
    """The worker, the approver and the office's admin, on the clocked server."""
    return {
        "worker": clocked.device("worker-north", Role.OUTREACH_WORKER, "north"),
        "approver": clocked.device("manager", Role.PAYMENTS_APPROVER),
        "admin": clocked.device("office-admin", Role.ADMIN),
    }


def _resolve_taking_the_laptops_side(device: Device, result: dict) -> dict:
    assert result["status"] == "conflict", result
    choices = {c["field"]: "client" for c in result["conflicts"]}
    resolved = device.post(f"/v1/conflicts/{result['conflict_id']}/resolve", {"choices": choices})
    assert resolved.status_code == 200, resolved.text
    return resolved.json()


def test_a_submission_resolved_from_a_conflict_counts_from_the_day_it_is_resolved(
    clocked: Harness, clock: dict[str, date], office: dict[str, Device]
) -> None:
    # The office flags a draft while the worker, offline, submits it: the submission
    # conflicts with the flag's version. The server accepts the submission only when the
    # worker resolves the conflict, days later, so that is the day the cap counts.
    worker, admin = office["worker"], office["admin"]
    carer_id, conversation_id = new_carer(worker)
    draft = r.payment(carer_id, conversation_id, 10000, requested_on=TODAY, submitted=False)
    assert worker.push_one(r.change(draft))["status"] == "applied"
    flagged = replace(draft, office_flag="Phone the carer first")
    assert pushed_edit(admin, flagged, 1)["status"] == "applied"
    clock["today"] = TODAY + timedelta(days=1)
    result = pushed_edit(worker, draft.submit(on=TODAY), 1)
    assert server_copy(clocked, draft.id)["status"] == "draft"
    clock["today"] = TODAY + timedelta(days=9)
    _resolve_taking_the_laptops_side(worker, result)
    held = server_copy(clocked, draft.id)
    assert held["status"] == "submitted"
    assert held["submitted_on"] == "2026-03-24"  # the day of the resolution, not of the push
    assert held["office_flag"] == "Phone the carer first"
    assert held["requested_by"] == "worker-north"


def test_a_cancellation_resolved_from_a_conflict_is_dated_on_the_day_it_is_resolved(
    clocked: Harness, clock: dict[str, date], office: dict[str, Device]
) -> None:
    worker, admin = office["worker"], office["admin"]
    request = submitted(worker, 10000)
    flagged = replace(request, office_flag="Check the supplier")
    assert pushed_edit(admin, flagged, 1)["status"] == "applied"
    clock["today"] = TODAY + timedelta(days=2)
    result = pushed_edit(worker, request.cancel(on=TODAY, reason="Not needed now"), 1)
    clock["today"] = TODAY + timedelta(days=6)
    _resolve_taking_the_laptops_side(worker, result)
    held = server_copy(clocked, request.id)
    assert held["status"] == "cancelled" and held["cancelled_on"] == "2026-03-21"


def test_a_payment_resolved_from_a_conflict_obeys_the_life_cycle_and_its_date(
    clocked: Harness, clock: dict[str, date], office: dict[str, Device]
) -> None:
    worker, approver, admin = office["worker"], office["approver"], office["admin"]
    request = approved(worker, approver, 10000)
    flagged = replace(request, office_flag="Invoice received")
    assert pushed_edit(worker, flagged, 2)["status"] == "applied"
    clock["today"] = TODAY + timedelta(days=1)
    result = pushed_edit(admin, request.mark_paid(TODAY), 2)
    clock["today"] = TODAY + timedelta(days=4)
    # The worker may resolve conflicts on their carer's records, but only the office marks
    # a request paid: the resolution is judged as that step, by who takes it.
    choices = {c["field"]: "client" for c in result["conflicts"]}
    refused = worker.post(f"/v1/conflicts/{result['conflict_id']}/resolve", {"choices": choices})
    assert refused.status_code == 403 and "administrator" in refused.json()["detail"]
    _resolve_taking_the_laptops_side(admin, result)
    held = server_copy(clocked, request.id)
    assert held["status"] == "paid" and held["paid_on"] == "2026-03-19"
