"""The embedded demo office: a real server on loopback, demo people, invented carers,
kept apart from real work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.config import Settings
from carer_desk.ports import VaultStatus
from carer_desk.roles import Role
from carer_desk.wiring.desk import Launcher


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    launch = Launcher(tmp_path / "real", Settings(), actor="someone", demo_dir=tmp_path / "demo")
    yield launch
    launch.shutdown()


def test_each_demo_person_gets_their_own_laptop_and_what_their_role_may_see(
    launcher: Launcher, tmp_path: Path
):
    worker_env = launcher.demo("demo-worker")
    assert worker_env.vault.status is VaultStatus.ABSENT
    worker = worker_env.set_up_demo()
    assert worker.identity is not None and worker.identity.demo
    assert worker.role is Role.OUTREACH_WORKER
    carers = worker.session.carers.list_carers()
    assert carers and all(str(c.team) == "north" for c in carers)

    facilitator = launcher.demo("demo-facilitator").set_up_demo()
    assert facilitator.role is Role.GROUP_FACILITATOR
    assert facilitator.session.groups.groups()  # the demo groups are theirs

    # Kept apart: nothing in the real data folder, and the demo's own settings carry a
    # fictional 24-hour number.
    assert not (tmp_path / "real").exists()
    assert worker_env.settings.cards.emergency_line_phone.startswith("0808 157")
    assert Settings().cards.emergency_line_phone != worker_env.settings.cards.emergency_line_phone


def test_a_demo_laptop_unlocks_again_with_the_published_passphrase(launcher: Launcher):
    env = launcher.demo("demo-worker")
    first = env.set_up_demo()
    count = len(first.session.carers.list_carers())
    first.session.close()
    env.vault.lock()
    assert env.vault.status is VaultStatus.LOCKED
    assert env.demo_passphrase
    env.vault.unlock(env.demo_passphrase)
    again = env.open_desk()
    assert len(again.session.carers.list_carers()) == count
    assert again.sync.sync_now().pulled == 0


def test_the_window_offers_exactly_the_demo_users_the_office_seeds():
    from carer_desk.wiring.demo_people import DEMO_PEOPLE
    from sync.server.__main__ import DEMO_USERS

    assert [(u.username, u.role.value, u.team) for u in DEMO_PEOPLE] == [
        (name, str(role), str(team) if team else None) for name, role, team in DEMO_USERS
    ]


def test_the_demo_line_has_its_documented_numbers_and_calls(launcher: Launcher):
    """An operator trying the demo types the numbers docs/user-guide.md gives, and the
    office's line answers each as documented; a few calls are in the carers' history."""
    from carer_desk import demo_line
    from carer_desk.rules.card_numbers import is_valid_card_number
    from carer_desk.rules.emergency_line import LineStatus

    assert all(is_valid_card_number(n) for n in demo_line.FIXED_NUMBERS)
    operator = launcher.demo("demo-operator").set_up_demo()
    assert operator.line is not None
    ready = operator.line.look_up(demo_line.READY)
    assert ready.status is LineStatus.READY and ready.contacts
    lost = operator.line.look_up(demo_line.LOST)
    assert lost.status is LineStatus.REVOKED
    assert lost.current_card_number == demo_line.REPLACEMENT
    assert operator.line.look_up(demo_line.REPLACEMENT).status is LineStatus.READY
    withdrawn = operator.line.look_up(demo_line.WITHDRAWN)
    assert withdrawn.status is LineStatus.CONSENT_WITHDRAWN and not withdrawn.contacts

    # The demo worker (north team) finds the ready card's calls in its carer's history.
    worker = launcher.demo("demo-worker").set_up_demo()
    file = worker.session.files.open(ready.carer_id)
    assert len(file.calls) == 2 and {c.operator for c in file.calls} == {"demo-operator"}
    assert any(c.replacement_care_hours == 12 and c.follow_up for c in file.calls)


def test_the_demo_payment_history_goes_through_the_offices_own_decisions(launcher: Launcher):
    """Nothing of the demo is refused: requests reach the office submitted, the demo
    approver decides them through the decision route (never the worker who asked), on
    days spread over the year rather than all today, and the administrator records what
    was paid. The worker and the approver both see every step of the life cycle."""
    from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
    from carer_desk.services.repository import Repository

    worker = launcher.demo("demo-worker").set_up_demo()
    assert launcher.demo_office().refusals == []
    approver = launcher.demo("demo-approver").set_up_demo()
    today = worker.session.clock.today()
    for desk in (worker, approver):
        requests = list(Repository(desk.session.store).all(WellbeingPaymentRequest))
        seen = {r.status for r in requests}
        assert {PaymentStatus.PAID, PaymentStatus.APPROVED, PaymentStatus.DECLINED} <= seen
        decided = [r for r in requests if r.decided_on is not None]
        assert {r.decided_by for r in decided} == {"demo-approver"}
        assert all(r.requested_by != r.decided_by for r in decided)
        assert all(r.submitted_on <= r.decided_on <= today for r in decided)
        assert all(r.decided_on <= r.paid_on <= today for r in requests if r.paid_on)
        # A history, not a day's work: decisions in at least four different months.
        assert len({(r.decided_on.year, r.decided_on.month) for r in decided}) >= 4

    # The approver's queue is recent requests, some for carers already near the cap.
    queue = approver.session.payments.decision_queue("")
    assert queue.items
    assert all((today - i.request.submitted_on).days <= 30 for i in queue.items)
    near = [
        i
        for i in queue.items
        if any(r.status is PaymentStatus.PAID for r in i.carer_requests)
        and approver.session.payments.cap_position(i.request.carer_id).remaining_pence <= 6_000
    ]
    assert near, "no carer in the approver's queue is near the cap"


def test_the_demo_has_plans_overdue_for_review_and_due_soon(launcher: Launcher):
    """The Plans area and the worker's caseload have reviews to do, and the office took
    every plan as it was sent."""
    from carer_desk.services.caseload import PlanState

    cards = launcher.demo("demo-cards").set_up_demo()
    assert launcher.demo_office().refusals == []
    states = [r.state for r in cards.session.plan_reviews.rows()]
    assert states.count(PlanState.OVERDUE) >= 5 and states.count(PlanState.REVIEW_DUE) >= 5
    worker = launcher.demo("demo-worker").set_up_demo()
    mine = {r.plan_state for r in worker.session.caseload.link()}
    assert {PlanState.OVERDUE, PlanState.REVIEW_DUE} <= mine


def test_the_seeding_leaves_no_device_enrolled_but_the_demo_peoples_own(launcher: Launcher):
    """The seeding's administrator laptop (wiped when done) and the approver's connection
    are revoked once the office is filled; each demo person's laptop enrols afresh."""
    worker = launcher.demo("demo-worker").set_up_demo()
    office = launcher.demo_office()
    store = office._app.state.services.store
    devices = store.list_devices()
    seeding = [d for d in devices if d.name.startswith("demo seeding")]
    assert {d.username for d in seeding} == {"demo-admin", "demo-approver"}
    assert all(d.revoked and d.revoked_by == "demo-admin" for d in seeding)
    live = [d for d in devices if not d.revoked]
    assert [d.device_id for d in live] == [worker.identity.device_id]
    revoked = {a.device_id for a in store.iter_audit() if a.action == "revoke-device"}
    assert revoked == {d.device_id for d in seeding}
    # The approver and the administrator still sign in on laptops of their own.
    approver = launcher.demo("demo-approver").set_up_demo()
    assert approver.sync.sync_now().pulled == 0
    admin = launcher.demo("demo-admin").set_up_demo()
    assert admin.identity is not None and admin.identity.device_id not in revoked
