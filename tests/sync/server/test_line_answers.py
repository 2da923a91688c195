"""What the server's card look-up tells the 24-hour line, on SQLite and PostgreSQL: the
same answer as the laptop's (carer_desk.rules.emergency_line) — a plan below the minimum
says what it lacks and what to do; withdrawn consent suspends the plan with its date;
contacts who did not agree are never sent; where care is needed comes with the carer's
phone; a revoked number names, or by policy opens, the current card (issue 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.config import REVOKED_OPENS_CURRENT, EmergencyLineSettings
from carer_desk.records.plan import EmergencyPlan
from carer_desk.rules.card_numbers import format_card_number
from sync.protocol import Role
from sync.server.store import NewVersion, Ownership
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness

ROUTE = "the emergency carers' support service (0345 000 1122)"


def _plan_with_a_refusing_contact(carer_id: str) -> EmergencyPlan:
    plan = r.plan(carer_id)
    refusing = make.emergency_contact(
        name="Rob Refused", phone="01865 999000", consent_given=False, consent_date=None
    )
    return replace(plan, emergency_contacts=(*plan.emergency_contacts, refusing))


def _registered(admin: Device, plan_of=r.plan, **carer_changes):
    carer = replace(r.carer("north"), **carer_changes)
    plan = plan_of(carer.id)
    card = r.card(plan)
    assert {x["status"] for x in admin.push(r.change(carer), r.change(plan), r.change(card))} == {
        "applied"
    }
    return carer, plan, card


def _line(harness: Harness) -> tuple[Device, Device]:
    return harness.device("admin", Role.ADMIN), harness.device("op", Role.EMERGENCY_OPERATOR)


@pytest.fixture
def devices(any_harness: Harness) -> tuple[Device, Device]:
    return _line(any_harness)


def test_a_ready_plan_gives_where_care_is_needed_the_carers_phone_and_consented_contacts(
    any_harness, devices
) -> None:
    admin, operator = devices
    carer, _, card = _registered(admin, _plan_with_a_refusing_contact)
    body = operator.get(f"/v1/cards/{card.number}").json()
    assert body["line_status"] == "ready" and body["missing"] == []
    assert body["message"] == "Plan found: ring the emergency contacts in the order listed."
    assert body["carer_phone"] == "01295 000111"
    [person] = body["people"]
    assert person["name"] == "Joe Smith"
    assert person["address"] == list(carer.address.lines())  # lives with the carer
    assert person["address_note"] == "Lives with the carer (the carer's address)"
    assert [c["name"] for c in body["contacts"]] == ["Bob Smith", "Cath Jones"]
    # The contact who never agreed is in neither the contacts nor the plan sent.
    assert "Rob Refused" not in str(body)
    assert [c["name"] for c in body["plan"]["emergency_contacts"]] == ["Bob Smith", "Cath Jones"]


def test_a_distance_carers_card_gives_the_cared_for_persons_own_address(any_harness, devices):
    admin, operator = devices
    home = make.address(line1="9 Mill Lane", town="Thame", postcode="OX9 2AB", district=None)

    def far_plan(carer_id: str) -> EmergencyPlan:
        plan = r.plan(carer_id)
        return replace(plan, cared_for=(replace(plan.cared_for[0], address=home),))

    _, _, card = _registered(admin, far_plan, lives_with_cared_for=False)
    [person] = operator.get(f"/v1/cards/{card.number}").json()["people"]
    assert person["address"] == list(home.lines())
    assert person["address_note"] == "Their own address"


def test_a_plan_fallen_below_the_minimum_says_what_is_missing_and_what_to_do(
    any_harness, devices
) -> None:
    admin, operator = devices
    _, plan, card = _registered(admin)
    thin = replace(plan, emergency_contacts=())
    assert admin.push_one(r.change(thin, base_version=1))["status"] == "applied"
    body = operator.get(f"/v1/cards/{card.number}").json()
    assert body["line_status"] == "incomplete"
    assert body["message"].startswith("This plan is not complete enough to rely on. Missing:")
    assert body["missing"] == [
        "at least 1 emergency contact with a phone number who agreed to be rung (0 so far)"
    ]
    assert body["what_to_do"].startswith("Use only what is shown")
    assert "There is no contact to ring" in body["what_to_do"]
    assert (
        "arrange replacement care via the emergency replacement care service"
        in (body["what_to_do"])
    )
    assert body["contacts"] == []


def test_withdrawn_consent_suspends_the_plan_with_its_date(any_harness, devices) -> None:
    admin, operator = devices
    _, plan, card = _registered(admin)
    withdrawn = replace(
        plan, consent_to_share_with_emergency_service=False, consent_withdrawn_on=date(2026, 2, 3)
    )
    assert admin.push_one(r.change(withdrawn, base_version=1))["status"] == "applied"
    body = operator.get(f"/v1/cards/{card.number}").json()
    assert body["line_status"] == "consent-withdrawn"
    assert body["message"] == (
        "Consent withdrawn on 3 February 2026: do not use this plan; arrange replacement "
        "care via the emergency replacement care service (up to 48 hours; 72 in "
        "exceptional cases)."
    )
    assert body["consent_withdrawn_on"] == "2026-02-03"
    # Nothing of the plan is sent: no contacts, people, access or plan.
    assert body["plan"] is None and body["contacts"] == [] and body["people"] == []
    assert body["access"] is None and "Bob Smith" not in str(body)
    audit = [row.details for row in any_harness.store.iter_audit() if row.action == "card-lookup"]
    assert audit[-1]["result"] == "consent-withdrawn"


def _revoked_pair(admin: Device):
    _, plan, old = _registered(admin)
    new = r.card(plan)
    revoked = old.revoke(old.issued_on, "Lost on the bus", replaced_by=new.id)
    results = admin.push(r.change(new), r.change(revoked, base_version=1))
    assert {x["status"] for x in results} == {"applied"}
    return plan, old, new


def test_a_revoked_number_only_names_the_current_card_by_default(any_harness, devices) -> None:
    admin, operator = devices
    _, old, new = _revoked_pair(admin)
    body = operator.get(f"/v1/cards/{old.number}").json()
    assert body["revoked"] is True and body["line_status"] == "revoked"
    assert body["plan"] is None and body["contacts"] == [] and body["carer_phone"] is None
    assert body["current_card_number"] == new.number
    assert body["what_to_do"] == f"Look up card {format_card_number(new.number)}."


def test_a_revoked_number_opens_the_current_cards_plan_when_configured(
    tmp_path: Path, database_url: str
) -> None:
    line = EmergencyLineSettings(revoked_number=REVOKED_OPENS_CURRENT, replacement_care_route=ROUTE)
    harness = Harness(tmp_path / "server", database_url, emergency_line=line)
    try:
        admin, operator = _line(harness)
        plan, old, new = _revoked_pair(admin)
        body = operator.get(f"/v1/cards/{old.number}").json()
        assert body["revoked"] is True and body["line_status"] == "ready"
        assert (
            body["message"].startswith("Card ")
            and "was revoked on 6 January 2026" in (body["message"])
        )
        assert body["current_card_number"] == new.number
        assert body["plan"] == r.payload(plan)
        assert [c["name"] for c in body["contacts"]] == ["Bob Smith", "Cath Jones"]
        assert body["replacement_care_route"] == ROUTE
        audit = [row.details for row in harness.store.iter_audit() if row.action == "card-lookup"]
        assert audit[-1] | {"current_card": None} == {
            "number": old.number,
            "result": "revoked",
            "current_card": None,
            "shown": "found",
        }
    finally:
        harness.close()


def test_two_cards_already_sharing_a_number_open_neither_plan(any_harness, devices) -> None:
    # Data from before numbers were checked at push: written to the store directly.
    admin, operator = devices
    _, _, card = _registered(admin)
    other_carer, other_plan, _ = _registered(admin)
    clash = r.card(other_plan, number=card.number)
    with any_harness.store.transaction(write=True) as tx:
        tx.write_versions(
            [
                NewVersion(
                    kind="card",
                    record_id=clash.id,
                    payload=r.payload(clash),
                    ownership=Ownership(
                        "north", other_carer.id, None, None, tx.lookup_key(card.number)
                    ),
                    changed_fields=("number",),
                    actor="old-server",
                    device_id=None,
                    change_id=None,
                    previous_version=None,
                )
            ]
        )
    response = operator.get(f"/v1/cards/{card.number}")
    assert response.status_code == 409
    assert "do not use either" in response.json()["detail"]
    assert "Bob Smith" not in response.text
    audit = [row.details for row in any_harness.store.iter_audit() if row.action == "card-lookup"]
    assert audit[-1]["result"] == "duplicate-number"
