"""The 24-hour line's card look-up: check digit first, the plan read-only, revoked cards
pointing to the current one, and every look-up in the audit log."""

from __future__ import annotations

import logging

import pytest

from carer_desk.rules.card_numbers import format_card_number, generate_card_number
from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness


@pytest.fixture
def operator(harness: Harness) -> Device:
    return harness.device("operator", Role.EMERGENCY_OPERATOR)


@pytest.fixture
def admin(harness: Harness) -> Device:
    return harness.device("admin", Role.ADMIN)


def register_card(admin: Device):
    carer = r.carer("north", preferred="Annie")
    plan = r.plan(carer.id)
    card = r.card(plan)
    admin.push(r.change(carer), r.change(plan), r.change(card))
    return carer, plan, card


def lookups(harness: Harness) -> list[dict]:
    return [
        row.details | {"actor": row.actor}
        for row in harness.store.iter_audit()
        if row.action == "card-lookup"
    ]


def test_a_number_read_out_over_the_phone_finds_the_plan(harness, admin, operator) -> None:
    _, plan, card = register_card(admin)
    spoken = format_card_number(card.number).replace(" ", "-")  # as an operator types it
    response = operator.get(f"/v1/cards/{spoken}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["revoked"] is False and body["carer_display_name"] == "Annie Smith"
    assert body["plan"] == r.payload(plan)
    assert lookups(harness) == [
        {"actor": "operator", "number": card.number, "result": "found", "plan_id": plan.id}
    ]


def test_a_misheard_digit_is_caught_by_the_check_digit(harness, admin, operator) -> None:
    _, _, card = register_card(admin)
    wrong = card.number[:3] + str((int(card.number[3]) + 1) % 10) + card.number[4:]
    response = operator.get(f"/v1/cards/{wrong}")
    assert response.status_code == 400 and "read the number again" in response.json()["detail"]
    assert lookups(harness)[-1]["result"] == "invalid-number"


def test_an_unknown_valid_number_says_so_and_is_logged(harness, operator) -> None:
    number = generate_card_number()
    response = operator.get(f"/v1/cards/{number}")
    assert response.status_code == 404 and "replacement care" in response.json()["detail"]
    assert lookups(harness) == [{"actor": "operator", "number": number, "result": "not-found"}]


def test_a_revoked_card_points_to_the_current_one(harness, admin, operator) -> None:
    _, plan, old = register_card(admin)
    new = r.card(plan)
    revoked = old.revoke(old.issued_on, "Lost on the bus", replaced_by=new.id)
    admin.push(r.change(new), r.change(revoked, base_version=1))
    response = operator.get(f"/v1/cards/{old.number}")
    body = response.json()
    assert response.status_code == 200 and body["revoked"] is True
    assert body["plan"] is None  # a lost card does not open the plan
    assert body["current_card_number"] == new.number
    assert format_card_number(new.number) in body["message"]
    assert operator.get(f"/v1/cards/{new.number}").json()["plan"] == r.payload(plan)


def test_only_operators_and_admins_look_cards_up(harness, admin) -> None:
    _, _, card = register_card(admin)
    worker = harness.device("worker", Role.OUTREACH_WORKER, "north")
    assert worker.get(f"/v1/cards/{card.number}").status_code == 403
    assert admin.get(f"/v1/cards/{card.number}").status_code == 200


def test_the_access_log_never_shows_a_card_number(
    harness, admin, operator, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, card = register_card(admin)
    with caplog.at_level(logging.INFO, logger="sync.server.access"):
        operator.get(f"/v1/cards/{card.number}")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "sync.server.access"]
    assert lines and lines[-1].startswith("GET /v1/cards/{number} 200")
    assert card.number not in caplog.text


def test_a_card_number_cannot_be_changed_by_an_edit(harness, admin) -> None:
    worker = harness.device("worker", Role.OUTREACH_WORKER, "north")
    carer = r.carer("north")
    plan = r.plan(carer.id)
    card = r.card(plan)
    worker.push(r.change(carer), r.change(plan), r.change(card))
    result = worker.push_one(
        r.change(r.replace(card, number=generate_card_number()), base_version=1)
    )
    assert result["status"] == "rejected" and "reissue" in result["reason"]
