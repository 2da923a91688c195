"""The server checks the card minimum when a card is pushed, not only at look-up (issue
9): a card issued against a plan below the configured minimum is refused with a sentence
that says what the plan lacks and what to do, whoever pushes it; a card issued while the
carer agreed, whose withdrawal reaches the server first, is kept (suspended). On SQLite
and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from carer_desk.config import EmergencyLineSettings
from carer_desk.records.plan import HomeAccess
from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness


@pytest.fixture
def admin(any_harness: Harness) -> Device:
    return any_harness.device("office-admin", Role.ADMIN)


@pytest.fixture
def worker(any_harness: Harness) -> Device:
    return any_harness.device("worker-north", Role.OUTREACH_WORKER, "north")


def _statuses(results: list[dict]) -> list[str]:
    return [x["status"] for x in results]


def test_a_card_for_a_thin_plan_is_refused_with_what_the_plan_lacks(any_harness, worker):
    carer = r.carer("north")
    thin = replace(r.plan(carer.id), emergency_contacts=(), access=HomeAccess())
    card = r.card(thin)
    results = worker.push(r.change(carer), r.change(thin), r.change(card))
    assert _statuses(results) == ["applied", "applied", "rejected"]
    reason = results[2]["reason"]
    assert reason.startswith("The card cannot be issued: its plan on the server does not meet")
    assert "at least 1 emergency contact with a phone number who agreed to be rung" in reason
    assert "how to get into the home" in reason
    assert "Complete the plan and sync it, then issue the card again" in reason
    with any_harness.store.transaction() as tx:
        assert tx.get_record(card.id) is None
    # The number opens nothing on the line.
    operator = any_harness.device("op", Role.EMERGENCY_OPERATOR)
    assert operator.get(f"/v1/cards/{card.number}").status_code == 404


def test_the_server_does_not_trust_an_administrators_laptop_either(any_harness, admin):
    carer = r.carer("north")
    unshared = replace(
        r.plan(carer.id), consent_to_share_with_emergency_service=False, consent_date=None
    )
    results = admin.push(r.change(carer), r.change(unshared), r.change(r.card(unshared)))
    assert _statuses(results) == ["applied", "applied", "rejected"]
    assert "the carer's consent to share the plan with the emergency line" in results[2]["reason"]


def test_a_card_for_a_plan_meeting_the_minimum_is_taken(any_harness, worker):
    carer = r.carer("north")
    plan = r.plan(carer.id)
    results = worker.push(r.change(carer), r.change(plan), r.change(r.card(plan)))
    assert _statuses(results) == ["applied"] * 3


def test_the_minimum_is_the_servers_own_setting(tmp_path: Path, database_url: str):
    strict = EmergencyLineSettings(min_consented_contacts=3)
    h = Harness(tmp_path / "server", database_url, emergency_line=strict)
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        carer = r.carer("north")
        plan = r.plan(carer.id)  # two consented contacts: enough by default, not here
        results = worker.push(r.change(carer), r.change(plan), r.change(r.card(plan)))
        assert _statuses(results) == ["applied", "applied", "rejected"]
        assert "at least 3 emergency contacts" in results[2]["reason"]
        assert "(2 so far)" in results[2]["reason"]
    finally:
        h.close()


def test_a_plan_that_falls_below_later_keeps_its_card_and_edits_to_it(any_harness, worker):
    carer = r.carer("north")
    plan = r.plan(carer.id)
    card = r.card(plan)
    worker.push(r.change(carer), r.change(plan), r.change(card))
    thin = replace(plan, emergency_contacts=())
    assert worker.push_one(r.change(thin, base_version=1))["status"] == "applied"
    printed = card.mark_printed(date(2026, 1, 7))
    assert worker.push_one(r.change(printed, base_version=1))["status"] == "applied"
    # Revoking is always allowed: it stops a card working.
    revoked = printed.revoke(date(2026, 1, 8), "lost")
    assert worker.push_one(r.change(revoked, base_version=2))["status"] == "applied"
    # A new card for the thin plan is refused.
    assert worker.push_one(r.change(r.card(thin)))["status"] == "rejected"


def test_consent_withdrawn_after_the_card_was_issued_keeps_the_card_suspended(any_harness, worker):
    """Offline, a worker issued a card, then the carer withdrew consent; the sync sends the
    plan (withdrawn) before the card. The card is kept: the line says consent withdrawn."""
    carer = r.carer("north")
    plan = r.plan(carer.id)
    card = r.card(plan)  # issued 6 January 2026
    withdrawn = replace(
        plan, consent_to_share_with_emergency_service=False, consent_withdrawn_on=date(2026, 1, 9)
    )
    results = worker.push(r.change(carer), r.change(withdrawn), r.change(card))
    assert _statuses(results) == ["applied"] * 3
    operator = any_harness.device("op", Role.EMERGENCY_OPERATOR)
    body = operator.get(f"/v1/cards/{card.number}").json()
    assert body["line_status"] == "consent-withdrawn" and body["contacts"] == []

    # Withdrawn before the card's issue date: a card issued against an unshared plan.
    late = replace(r.card(withdrawn), issued_on=date(2026, 1, 10))
    refused = worker.push_one(r.change(late))
    assert refused["status"] == "rejected"
    assert "consent to share the plan" in refused["reason"]
