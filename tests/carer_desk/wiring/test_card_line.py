"""The window's card look-up over the real server (in process): what the operator is
shown is the core's answer — consented contacts only, a withdrawn plan never read out, a
revoked number naming the current card — and each refusal is a sentence, not a code."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError, RuleViolation
from carer_desk.records.plan import HomeAccess
from carer_desk.rules.card_numbers import format_card_number, generate_card_number
from carer_desk.rules.emergency_line import LineStatus
from carer_desk.wiring.card_line import ServerCardLine
from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness

TODAY = date(2026, 3, 1)


@pytest.fixture
def harness(tmp_path: Path):
    h = Harness(tmp_path / "server")
    yield h
    h.close()


@pytest.fixture
def admin(harness: Harness) -> Device:
    return harness.device("admin", Role.ADMIN)


def _line(harness: Harness, username: str = "operator", role: Role = Role.EMERGENCY_OPERATOR):
    device = harness.device(username, role)
    credential = device.headers["Authorization"].removeprefix("Bearer ")
    return ServerCardLine(
        "http://localhost",
        credential,
        Settings(),
        today=lambda: TODAY,
        client=harness.client,
    )


def _register(admin: Device, plan_changes=None):
    carer = r.carer("north", preferred="Annie")
    plan = r.plan(carer.id)
    if plan_changes:
        plan = replace(plan, **plan_changes)
    card = r.card(plan)
    admin.push(r.change(carer), r.change(plan), r.change(card))
    return carer, plan, card


def test_a_card_found_on_the_server_is_the_cores_answer(harness, admin) -> None:
    carer, plan, card = _register(admin)
    refusing = make.emergency_contact(
        name="Refusing Rita", phone="07700 900999", consent_given=False
    )
    # Edited after the card was issued to name nobody cared for and no way in (the
    # shared test plan meets the minimum).
    plan = replace(
        plan,
        cared_for=(),
        access=HomeAccess(),
        emergency_contacts=(*plan.emergency_contacts, refusing),
    )
    admin.push(r.change(plan, base_version=1))
    answer = _line(harness).look_up(card.number)
    assert (answer.card_id, answer.carer_id, answer.plan_id) == (card.id, carer.id, plan.id)
    assert answer.carer_name == "Annie Smith"
    assert answer.number_display == format_card_number(card.number)
    assert "Refusing Rita" not in {c.name for c in answer.contacts}
    assert answer.contacts and answer.contacts[0].position == 1
    # The server's plan names nobody cared for and no way in: below the minimum, said so.
    assert answer.status is LineStatus.INCOMPLETE
    assert "who is cared for" in answer.missing
    audited = [row.details for row in harness.store.iter_audit() if row.action == "card-lookup"]
    assert audited[-1]["number"] == card.number


def test_a_withdrawn_consent_is_never_read_out_whatever_the_server_sends(harness, admin) -> None:
    _, plan, card = _register(admin)
    withdrawn = replace(
        plan,
        consent_to_share_with_emergency_service=False,
        consent_withdrawn_on=date(2026, 2, 20),
    )
    admin.push(r.change(withdrawn, base_version=1))
    answer = _line(harness).look_up(card.number)
    assert answer.status is LineStatus.CONSENT_WITHDRAWN
    assert "20 February 2026" in answer.message and "do not use this plan" in answer.message
    assert answer.contacts == () and answer.people == () and answer.access is None
    assert answer.card_id == card.id  # the call is still recorded against the card


def test_a_revoked_number_names_the_current_card(harness, admin) -> None:
    carer, plan, old = _register(admin)
    new = r.card(plan)
    admin.push(
        r.change(new),
        r.change(old.revoke(old.issued_on, "lost", replaced_by=new.id), base_version=1),
    )
    answer = _line(harness).look_up(old.number)
    assert answer.status is LineStatus.REVOKED
    assert answer.current_card_number == new.number
    assert answer.what_to_do == f"Look up card {format_card_number(new.number)}."
    assert answer.contacts == () and (answer.card_id, answer.carer_id) == (old.id, carer.id)


def test_refusals_are_sentences(harness, admin) -> None:
    line = _line(harness)
    with pytest.raises(NotFoundError, match=r"No card .* is registered"):
        line.look_up(generate_card_number())
    worker = _line(harness, "worker", Role.OUTREACH_WORKER)
    _, _, card = _register(admin)
    with pytest.raises(RuleViolation, match="Only emergency line operators"):
        worker.look_up(card.number)


def test_not_enrolled_or_offline_says_what_to_do() -> None:
    from carer_desk.errors import CarerDeskError, OfficeUnreachable

    with pytest.raises(CarerDeskError, match="not connected to the office server"):
        ServerCardLine(None, None, Settings(), today=lambda: TODAY).look_up("1")
    offline = ServerCardLine("http://127.0.0.1:9", "x" * 20, Settings(), today=lambda: TODAY)
    with pytest.raises(OfficeUnreachable):
        offline.look_up(generate_card_number())
