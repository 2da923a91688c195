"""Each role gets exactly what it should and nothing else, on pull and on push.

One world of records (two teams' carers with their linked records, two facilitators'
groups) is built by an admin; then every role × record kind × operation is tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from carer_desk import factories as make
from carer_desk.records.carer import CarerType, EmploymentStatus, EqualityMonitoring, Gender
from carer_desk.records.codec import from_payload
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome
from carer_desk.rules.payment_steps import MARK_PAID_REFUSAL, MARKS_PAID
from sync.protocol import Role
from sync.server.projections import plan_keeper_carer
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness

KINDS = [
    "carer",
    "conversation",
    "payment_request",
    "plan",
    "card",
    "group",
    "session",
    "attendance",
    "group_member",
    "duplicate_decision",
    "emergency_call",
]
ROLES = ["worker", "facilitator", "approver", "operator", "cards", "admin"]
USERS = {
    "worker": ("worker-north", Role.OUTREACH_WORKER, "north"),
    "facilitator": ("fay", Role.GROUP_FACILITATOR, None),
    "approver": ("approver", Role.PAYMENTS_APPROVER, None),
    "operator": ("operator", Role.EMERGENCY_OPERATOR, None),
    "cards": ("cara", Role.CARD_ADMINISTRATOR, None),
    "admin": ("admin", Role.ADMIN, None),
}
REGISTER_FIELDS = {"carer_id", "display_name", "phone", "email", "access_needs"}
SUMMARY_FIELDS = {"carer_id", "display_name", "last_assessment_completed_on"}


@dataclass
class World:
    harness: Harness
    devices: dict[str, Device]
    # (kind, id) of every record, and whose side it is on
    north: dict[str, str]  # kind -> id of the north carer's records (the worker's team)
    south: dict[str, str]  # kind -> id of the south carer's records (fay's group)
    groups: dict[str, str]  # "fay"/"gil" -> group id
    sessions: dict[str, str]
    # "north"/"south" -> a second carer of that team, kept apart from the first by the
    # side's duplicate_decision (a decision needs both carers in the worker's caseload).
    twins: dict[str, str]


def _decision(a: str, b: str) -> DuplicateDecision:
    return DuplicateDecision(
        carer_ids=(a, b),
        decision=DuplicateOutcome.KEEP_APART,
        decided_by="worker-north",
        decided_on=date(2026, 2, 1),
        note="Mother and daughter",
    )


def _push_all(device: Device, *records: object) -> None:
    results = device.push(*[r.change(x) for x in records])
    assert {x["status"] for x in results} == {"applied"}, results


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    harness = Harness(tmp_path_factory.mktemp("matrix"))
    devices = {role: harness.device(*USERS[role]) for role in ROLES}
    admin = devices["admin"]
    g_fay, g_gil = r.group("fay"), r.group("gil")
    s_fay, s_gil = r.session(g_fay.id), r.session(g_gil.id)
    _push_all(admin, g_fay, g_gil, s_fay, s_gil)
    sides = {}
    twins = {}
    for team, session_id, group_id in (
        ("north", s_gil.id, g_gil.id),
        ("south", s_fay.id, g_fay.id),
    ):
        carer = r.carer(team, given=team.title())
        conversation = r.assessment(carer.id)
        plan = r.plan(carer.id)
        card = r.card(plan)
        linked = [
            conversation,
            r.payment(carer.id, conversation.id, 10000, requested_by="worker-north"),
            plan,
            card,
            r.attendance(session_id, carer.id),
            r.member(group_id, carer.id),
            r.call(card, "operator"),
        ]
        twin = r.carer(team, given=team.title(), preferred="Twin")
        decision = _decision(carer.id, twin.id)
        _push_all(admin, carer, *linked, twin, decision)
        twins[team] = twin.id
        sides[team] = {"carer": carer.id, "duplicate_decision": decision.id} | {
            kind: rec.id
            for kind, rec in zip(
                [
                    "conversation",
                    "payment_request",
                    "plan",
                    "card",
                    "attendance",
                    "group_member",
                    "emergency_call",
                ],
                linked,
                strict=True,
            )
        }
    yield World(
        harness,
        devices,
        sides["north"],
        sides["south"],
        {"fay": g_fay.id, "gil": g_gil.id},
        {"fay": s_fay.id, "gil": s_gil.id},
        twins,
    )
    harness.close()


def expected_pull(world: World, role: str) -> set[tuple[str, str]]:
    n, s = world.north, world.south
    everything = {(k, v) for side in (n, s) for k, v in side.items()}
    everything |= {("group", g) for g in world.groups.values()}
    everything |= {("session", x) for x in world.sessions.values()}
    everything |= {("carer", x) for x in world.twins.values()}
    if role == "admin":
        return everything
    if role == "worker":
        return {(k, v) for k, v in n.items()} | {("carer", world.twins["north"])}
    if role == "facilitator":
        return {
            ("group", world.groups["fay"]),
            ("session", world.sessions["fay"]),
            ("attendance", s["attendance"]),
            ("group_member", s["group_member"]),
            ("register_entry", s["carer"]),
        }
    if role == "cards":  # every team's carers, plans and cards; nothing else
        return {(k, v) for k, v in everything if k in ("carer", "plan", "card")}
    if role == "approver":
        return {
            ("payment_request", n["payment_request"]),
            ("payment_request", s["payment_request"]),
            ("carer_summary", n["carer"]),
            ("carer_summary", s["carer"]),
        }
    return set()


@pytest.mark.parametrize("role", ROLES)
def test_pull_gives_each_role_exactly_its_records(world: World, role: str) -> None:
    device = world.devices[role]
    if role == "operator":
        response = device.pull_page()
        assert response.status_code == 403 and "card number" in response.json()["detail"]
        return
    assert set(device.pull_all()) == expected_pull(world, role)


def test_facilitators_see_only_register_fields(world: World) -> None:
    pulled = world.devices["facilitator"].pull_all()
    entry = pulled[("register_entry", world.south["carer"])]["payload"]
    assert set(entry) == REGISTER_FIELDS
    assert entry == {
        "carer_id": world.south["carer"],
        "display_name": "South Smith",
        "phone": "01295 000111",
        "email": "ann@example.org",
        "access_needs": ["Large print"],
    }


def test_approvers_see_what_a_decision_needs_and_no_more(world: World) -> None:
    pulled = world.devices["approver"].pull_all()
    summary = pulled[("carer_summary", world.north["carer"])]["payload"]
    assert set(summary) == SUMMARY_FIELDS
    assert summary["display_name"] == "North Smith"
    assert summary["last_assessment_completed_on"] == "2026-02-01"


#: What a card and plan administrator's pull never holds of a carer (issue 8).
NOT_FOR_PLAN_KEEPERS = {
    "date_of_birth",
    "registered_with_gp_as_carer",
    "encouraged_to_register_with_gp_on",
    "employment_status",
    "hours_of_care_per_week",
    "equality",
    "safeguarding_flag",
    "young_carer_referral",
}


def test_card_administrators_pull_carers_cut_down_to_what_plans_and_cards_need(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path / "server")
    try:
        admin = harness.device("admin", Role.ADMIN)
        cards = harness.device("cara", Role.CARD_ADMINISTRATOR)
        carer = replace(
            r.carer("south"),
            employment_status=EmploymentStatus.EMPLOYED_PART_TIME,
            carer_types=(CarerType.PARENT_CARER, CarerType.SIBLING),
            hours_of_care_per_week=35,
            lives_with_cared_for=True,
            equality=EqualityMonitoring(gender=Gender.WOMAN),
            safeguarding_flag=True,
            registered_with_gp_as_carer=True,
            referral=make.referral(date(2026, 1, 5), source_detail="Dr Patel, Horsefair"),
            consent=make.consent(date(2026, 1, 5), notes="Happy for the GP to be told"),
            cared_for=(make.cared_for_person(name="Joe Lee", relationship="father"),),
        )
        conversation = r.assessment(carer.id)
        plan = r.plan(carer.id)
        linked = [
            conversation,
            r.payment(carer.id, conversation.id, 10000, requested_by="worker-north"),
            plan,
            r.card(plan),
        ]
        _push_all(admin, carer, *linked)
        pulled = cards.pull_all()
        # Plans and cards whole; no conversations (their notes), payments or calls.
        assert {kind for kind, _ in pulled} == {"carer", "plan", "card"}
        payload = pulled[("carer", carer.id)]["payload"]
        assert not NOT_FOR_PLAN_KEEPERS & set(payload), payload
        # Of the carer types only "distance" (where care is needed) would be kept.
        assert payload["carer_types"] == []
        assert "source_detail" not in payload["referral"]
        assert "notes" not in payload["consent"]
        assert "Patel" not in str(payload) and "GP to be told" not in str(payload)
        # Still a carer on the laptop, with all a plan and a card need.
        held = from_payload("carer", {**payload, "id": carer.id})
        assert (held.given_name, held.family_name, held.address) == (
            carer.given_name,
            carer.family_name,
            carer.address,
        )
        assert held.contact == carer.contact and held.cared_for == carer.cared_for
        assert held.lives_with_cared_for is True and held.safeguarding_flag is False
        # The office's own pull still has the whole record.
        assert admin.pull_all()[("carer", carer.id)]["payload"]["safeguarding_flag"] is True
    finally:
        harness.close()


# --- push -----------------------------------------------------------------------------------


def _build(kind: str, world: World, role: str, in_scope: bool) -> object:
    """A new record of ``kind`` inside (or outside) what ``role`` looks after."""
    side = world.south if role == "facilitator" else world.north
    other = world.north if role == "facilitator" else world.south
    links = side if in_scope else other
    mine = "fay" if role == "facilitator" else "gil"
    theirs = "gil" if mine == "fay" else "fay"
    group_key = mine if in_scope else theirs
    carer_id = links["carer"]
    match kind:
        case "carer":
            team = None if role == "facilitator" else ("north" if in_scope else "south")
            return r.carer(team)
        case "conversation":
            return r.assessment(carer_id, None)
        case "payment_request":
            return r.payment(carer_id, links["conversation"], 5000, submitted=False)
        case "plan":
            return r.plan(carer_id)
        case "card":
            return r.card(replace(r.plan(carer_id), id=links["plan"]))
        case "group":
            return r.group(USERS["facilitator"][0] if in_scope and role == "facilitator" else "gil")
        case "session":
            return r.session(world.groups[group_key])
        case "attendance":
            return r.attendance(world.sessions[group_key], carer_id)
        case "group_member":
            return r.member(world.groups[group_key], carer_id)
        case "duplicate_decision":
            team = "south" if links is world.south else "north"
            return _decision(carer_id, world.twins[team])
        case "emergency_call":
            plan = replace(r.plan(carer_id), id=links["plan"])
            return r.call(replace(r.card(plan), id=links["card"]), USERS[role][0])
    raise AssertionError(kind)


def _edited(record: Any) -> object:
    field = {
        "Carer": {"preferred_name": "Nan"},
        "GuidedConversation": {"is_review": True},
        "WellbeingPaymentRequest": {"wellbeing_outcome": "A rest"},
        "EmergencyPlan": {"pets": "None now"},
        "PeerGroup": {"name": "Renamed"},
        "GroupSession": {"notes": "Room 2"},
        "Attendance": {"follow_up_requested": True},
        "GroupMember": {"wants_buddy": True},
        "DuplicateDecision": {"note": "Checked again at the next visit"},
        "EmergencyCall": {"notes": "Rang back at 3am"},
    }
    if type(record).__name__ == "EmergencyCard":
        return record.mark_printed(record.issued_on)
    return replace(record, **field[type(record).__name__])


def allowed(role: str, kind: str, op: str, in_scope: bool) -> bool:
    if role == "admin":
        return True
    if role == "worker":
        return in_scope and kind not in ("group", "session")
    if role == "facilitator":
        if kind == "carer":
            return op == "create"
        return in_scope and kind in ("group", "session", "attendance", "group_member")
    if role == "operator":
        return kind == "emergency_call" and op == "create"  # the calls they take
    if role == "cards":  # plans and cards of every team, never deleted by them
        return kind in ("plan", "card") and op != "delete"
    return False


CASES = [
    (role, kind, op, scope)
    for role in ROLES
    for kind in KINDS
    for op in ("create", "update", "delete")
    for scope in (True, False)
    if scope or role in ("worker", "facilitator", "cards")
]


@pytest.mark.parametrize(
    ("role", "kind", "op", "in_scope"),
    CASES,
    ids=[f"{a}-{b}-{c}-{'own' if d else 'other'}" for a, b, c, d in CASES],
)
def test_push_allows_each_role_exactly_its_changes(
    world: World, role: str, kind: str, op: str, in_scope: bool
) -> None:
    record = _build(kind, world, role, in_scope)
    device = world.devices[role]
    if op == "create":
        change = r.change(record)
    else:
        _push_all(world.devices["admin"], record)
        change = (
            r.change(_edited(record), base_version=1)
            if op == "update"
            else r.change(record, base_version=1, op="delete")
        )
    result = device.push_one(change)
    if allowed(role, kind, op, in_scope):
        assert result["status"] == "applied", result
        assert result["server_version"] == (1 if op == "create" else 2)
    else:
        assert result["status"] == "rejected", result
        assert not result["reason"].startswith("The record is not valid"), result["reason"]
        with world.harness.store.transaction() as tx:
            stored = tx.get_record(record.id)  # type: ignore[attr-defined]
        # Nothing changed on the server.
        assert stored is None if op == "create" else stored.version == 1


def test_a_worker_cannot_move_a_carer_out_of_their_team(world: World) -> None:
    carer = r.carer("north")
    _push_all(world.devices["worker"], carer)
    result = world.devices["worker"].push_one(
        r.change(replace(carer, team=r.LocalityTeam("south")), base_version=1)
    )
    assert result["status"] == "rejected" and "team" in result["reason"]


def test_a_worker_cannot_approve_a_payment_by_editing_it(world: World) -> None:
    worker = world.devices["worker"]
    request = r.payment(world.north["carer"], world.north["conversation"], 2000)
    _push_all(worker, request)
    approved = request.approve("worker-boss", request.requested_on)
    result = worker.push_one(r.change(approved, base_version=1))
    assert result["status"] == "rejected" and "approver" in result["reason"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_roles_the_core_names_mark_a_request_paid(world: World, role: str) -> None:
    # carer_desk.rules.payment_steps is the one rule: the laptop refuses by it, and so
    # does the server, for every role.
    admin = world.devices["admin"]
    carer = r.carer("north")  # their own (the shared carers' caps are spent elsewhere)
    talk = r.assessment(carer.id)
    request = r.payment(carer.id, talk.id, 1000)
    _push_all(admin, carer, talk, request)
    decided = world.devices["approver"].post(
        f"/v1/payments/{request.id}/decision", {"decision": "approve"}
    )
    assert decided.status_code == 200, decided.text
    with world.harness.store.transaction() as tx:
        held = tx.get_record(request.id)
    assert held is not None and held.payload is not None
    approved = from_payload("payment_request", held.payload)
    paid = approved.mark_paid(approved.decided_on)
    result = world.devices[role].push_one(r.change(paid, base_version=held.version))
    if USERS[role][1] in MARKS_PAID:
        assert result["status"] == "applied", result
    else:
        assert result["status"] == "rejected", result
        with world.harness.store.transaction() as tx:
            stored = tx.get_record(request.id)
        assert stored is not None and stored.payload is not None
        assert stored.payload["status"] == "approved"
        if role == "worker":  # who may write the record, but not take this step
            assert result["reason"] == MARK_PAID_REFUSAL


def test_a_credential_only_acts_as_its_own_user(world: World) -> None:
    # The worker's device pushes a record of the south team: it acts as worker-north, so
    # it is refused even though an admin could make the same change.
    south_plan = r.plan(world.south["carer"])
    result = world.devices["worker"].push_one(r.change(south_plan))
    assert result["status"] == "rejected"
    assert "not in your team" in result["reason"]


def test_a_worker_cannot_decide_a_pair_of_carers_across_teams(world: World) -> None:
    # One carer in the worker's team, one in another: an administrator's decision.
    across = _decision(world.north["carer"], world.south["carer"])
    result = world.devices["worker"].push_one(r.change(across))
    assert result["status"] == "rejected"
    assert "Both carers" in result["reason"] and "administrator" in result["reason"]
    assert world.devices["admin"].push_one(r.change(across))["status"] == "applied"


def test_a_distance_carer_keeps_the_carer_type_that_says_where_care_is_needed() -> None:
    cut = plan_keeper_carer({"carer_types": ["distance", "parent_carer"], "hours_of_care": 9})
    assert cut == {"carer_types": ["distance"]}
