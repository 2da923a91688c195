"""Consent to share a plan given and withdrawn, in any order, with look-ups in between on
the laptop and on the server: both always give the same answer — suspended, with the
date, while consent is withdrawn; the plan and its consented contacts once it is given
again — and neither ever shows a contact who did not agree (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.clock import SettableClock
from carer_desk.formatting import long_date
from carer_desk.records.plan import EmergencyPlan
from carer_desk.rules.emergency_line import LineStatus
from carer_desk.services.cards import CardService
from carer_desk.services.plans import PlanService
from sync.protocol import Role
from sync.server.settings_file import CardLookupLimits
from tests.carer_desk.services.service_support import TODAY, add_carer, full_plan, make_settings
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness
from tests.vaults import make_vault

REFUSING = "Rob Refused"


@dataclass
class Both:
    plans: PlanService
    cards: CardService
    vault: object
    admin: Device
    operator: Device


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    root = tmp_path_factory.mktemp("line-consent")
    vault = make_vault(Path(root) / "laptop" / "vault.db", actor="worker")
    settings, clock = make_settings(), SettableClock(TODAY)
    # Hundreds of look-ups of one card from one device: the limits that stop enumeration
    # would (rightly) stop this test, so they are raised for it.
    many = CardLookupLimits(per_device=100_000, per_user=100_000)
    harness = Harness(Path(root) / "server", card_lookups=many)
    try:
        yield Both(
            PlanService(vault, settings, clock),
            CardService(vault, settings, clock),
            vault,
            harness.device("admin", Role.ADMIN),
            harness.device("operator", Role.EMERGENCY_OPERATOR),
        )
    finally:
        harness.close()
        vault.close()


def _plan(carer_id: str) -> EmergencyPlan:
    base = full_plan(carer_id)
    refusing = make.emergency_contact(
        name=REFUSING, phone="01865 999000", consent_given=False, consent_date=None
    )
    return replace(base, emergency_contacts=(*base.emergency_contacts, refusing))


_steps = st.lists(
    st.sampled_from(["withdraw", "give", "look-laptop", "look-server"]), min_size=1, max_size=10
)


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_steps)
def test_laptop_and_server_agree_whatever_the_order(both: Both, steps: list[str]) -> None:
    carer = add_carer(both.vault, "Con", "Sent")
    plan = both.plans.create(_plan(carer.id)).plan
    card = both.cards.issue_card(plan.id)
    results = both.admin.push(r.change(carer), r.change(plan), r.change(card))
    assert {x["status"] for x in results} == {"applied"}
    server_version = 1
    given_now = True
    for step in steps:
        if step in ("withdraw", "give") and given_now == (step == "give"):
            continue  # already in that state (the service refuses it: tested on the laptop)
        if step == "withdraw":
            plan = both.plans.withdraw_consent(plan.id).plan
            given_now = False
        elif step == "give":
            plan = both.plans.give_consent(plan.id).plan
            given_now = True
        if step in ("withdraw", "give"):
            pushed = both.admin.push_one(r.change(plan, base_version=server_version))
            assert pushed["status"] == "applied", pushed
            server_version = pushed["server_version"]
        laptop = both.cards.lookup(card.number)
        server = both.operator.get(f"/v1/cards/{card.number}").json()
        expected = LineStatus.READY if given_now else LineStatus.CONSENT_WITHDRAWN
        assert laptop.status is expected
        assert server["line_status"] == str(expected)
        assert server["message"] == laptop.message
        assert server["what_to_do"] == laptop.answer.what_to_do
        assert [c["name"] for c in server["contacts"]] == [c.name for c in laptop.answer.contacts]
        if given_now:
            assert server["plan"] is not None and laptop.plan is not None
        else:
            assert laptop.message.startswith(f"Consent withdrawn on {long_date(TODAY)}:")
            assert server["plan"] is None and laptop.plan is None
            assert server["contacts"] == [] and server["people"] == []
        # Whatever the state, the contact who never agreed is shown by neither.
        assert REFUSING not in str(server)
        assert REFUSING not in [c.name for c in laptop.answer.contacts]
        if laptop.plan is not None:
            assert REFUSING not in [c.name for c in laptop.plan.emergency_contacts]
