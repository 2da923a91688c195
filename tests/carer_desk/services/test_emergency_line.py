"""The emergency line through the services and a real vault: no card for a plan below
the minimum, consent withdrawn and given again, contacts who never agreed, the address
where care is needed, and calls recorded in the carer's history (issue 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.config import EmergencyLineSettings, Settings
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.calls import ContactAttempt
from carer_desk.records.plan import EmergencyPlan, HomeAccess
from carer_desk.rules.emergency_line import LineStatus
from carer_desk.services.calls import CallService
from carer_desk.services.cards import CardService, CardState, PlanNotReadyForCard
from carer_desk.services.carer_file import CarerFileService
from carer_desk.services.carers import CarerService
from carer_desk.services.groups import GroupService
from carer_desk.services.plans import PlanService
from carer_desk.services.printing import PrintService
from tests.carer_desk.services.service_support import TODAY, add_carer, full_plan, make_settings

ROUTE = "the emergency carers' support service (0345 000 1122)"


@pytest.fixture
def settings(settings) -> Settings:
    return replace(settings, emergency_line=EmergencyLineSettings(replacement_care_route=ROUTE))


@pytest.fixture
def plans(vault, settings, clock):
    return PlanService(vault, settings, clock)


@pytest.fixture
def cards(vault, settings, clock):
    return CardService(vault, settings, clock)


def _plan_with_a_refusing_contact(carer_id: str) -> EmergencyPlan:
    refusing = make.emergency_contact(
        name="Rob Refused", phone="01865 999000", consent_given=False, consent_date=None
    )
    base = full_plan(carer_id)
    return replace(base, emergency_contacts=(*base.emergency_contacts, refusing))


def test_no_card_for_a_plan_that_lacks_what_the_line_needs(vault, plans, cards, carer):
    thin = plans.create(full_plan(carer.id, emergency_contacts=(), access=HomeAccess())).plan
    with pytest.raises(PlanNotReadyForCard) as refused:
        cards.issue_card(thin.id)
    assert refused.value.missing == (
        "at least 1 emergency contact with a phone number who agreed to be rung (0 so far)",
        "how to get into the home (keys, key safe or access)",
    )
    assert "Complete the plan before issuing a card" in str(refused.value)
    assert cards.pending_cards() == []


def test_a_plan_that_has_since_fallen_below_the_minimum_says_so_on_the_line(plans, cards, carer):
    plan = plans.create(full_plan(carer.id)).plan
    card = cards.issue_card(plan.id)
    plans.update(replace(plan, emergency_contacts=()))
    found = cards.lookup(card.number)
    assert found.status is LineStatus.INCOMPLETE
    assert found.answer.missing[0].startswith("at least 1 emergency contact")
    assert "arrange replacement care via " + ROUTE in found.answer.what_to_do


def test_withdrawn_consent_suspends_every_card_until_it_is_given_again(
    vault, settings, clock, plans, cards, carer
):
    plan = plans.create(full_plan(carer.id)).plan
    card = cards.issue_card(plan.id)
    clock.day = date(2025, 6, 20)
    plans.withdraw_consent(plan.id)
    found = cards.lookup(card.number)
    assert found.status is LineStatus.CONSENT_WITHDRAWN
    assert found.message.startswith(
        f"Consent withdrawn on 20 June 2025: do not use this plan; arrange replacement care "
        f"via {ROUTE}"
    )
    assert found.plan is None and found.answer.contacts == ()
    assert cards.standing(card).state is CardState.SUSPENDED
    assert "withdrawn on 20 June 2025" in cards.standing(card).reason
    with pytest.raises(RuleViolation, match="withdrawn on 20 June 2025"):
        PrintService(vault, settings, clock).card(carer.id)
    with pytest.raises(PlanNotReadyForCard, match="not agreed to share"):
        cards.issue_card(plan.id, "cared_for", plan.cared_for[0].id)
    looks = [e for e in vault.audit_entries() if e.action == "card-lookup"]
    assert looks[-1].details["result"] == "consent-withdrawn"
    plans.give_consent(plan.id)
    assert cards.lookup(card.number).status is LineStatus.READY
    assert cards.standing(card).state is CardState.LIVE


def test_consent_taken_away_in_an_edit_is_dated_and_suspends_the_card(plans, cards, carer):
    plan = plans.create(full_plan(carer.id)).plan
    card = cards.issue_card(plan.id)
    saved = plans.update(replace(plan, consent_to_share_with_emergency_service=False))
    assert saved.plan.consent_withdrawn_on == TODAY
    assert cards.lookup(card.number).status is LineStatus.CONSENT_WITHDRAWN


_consent_steps = st.lists(st.sampled_from(["withdraw", "give", "look"]), min_size=1, max_size=12)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_consent_steps)
def test_consent_on_and_off_with_look_ups_in_between(vault, settings, clock, steps):
    carer = add_carer(vault, "Con", "Sent")
    plans = PlanService(vault, settings, clock)
    cards = CardService(vault, settings, clock)
    plan = plans.create(_plan_with_a_refusing_contact(carer.id)).plan
    card = cards.issue_card(plan.id)
    given_now = True
    for step in steps:
        if step == "withdraw":
            if given_now:
                plans.withdraw_consent(plan.id)
                given_now = False
            else:
                with pytest.raises(RuleViolation, match="already withdrawn"):
                    plans.withdraw_consent(plan.id)
        elif step == "give":
            if not given_now:
                plans.give_consent(plan.id)
                given_now = True
            else:
                with pytest.raises(RuleViolation, match="already recorded"):
                    plans.give_consent(plan.id)
        found = cards.lookup(card.number)
        assert (found.status is LineStatus.READY) == given_now
        assert (found.status is LineStatus.CONSENT_WITHDRAWN) == (not given_now)
        # Whatever the state, the contact who never agreed is never shown.
        names = [c.name for c in found.answer.contacts]
        assert "Rob Refused" not in names
        if found.plan is not None:
            assert "Rob Refused" not in [c.name for c in found.plan.emergency_contacts]


def test_the_look_up_never_holds_a_contact_who_did_not_agree(plans, cards, carer):
    plan = plans.create(_plan_with_a_refusing_contact(carer.id)).plan
    found = cards.lookup(cards.issue_card(plan.id).number)
    assert [c.name for c in found.answer.contacts] == ["Mary Lee", "Tom Hill"]
    assert [c.name for c in found.plan.emergency_contacts] == ["Mary Lee", "Tom Hill"]


def test_a_distance_carers_card_leads_to_where_care_is_needed(vault, settings, clock):
    carer = add_carer(vault, "Dee", "Stance", lives_with_cared_for=False)
    plans = PlanService(vault, settings, clock)
    cards = CardService(vault, settings, clock)
    home = make.address(line1="4 Bridge St", town="Bampton", postcode="OX18 2HA")
    without = plans.create(full_plan(carer.id)).plan
    with pytest.raises(PlanNotReadyForCard, match="where Joe Lee lives"):
        cards.issue_card(without.id)
    with_address = replace(without, cared_for=(replace(without.cared_for[0], address=home),))
    plans.update(with_address)
    found = cards.lookup(cards.issue_card(without.id).number)
    assert found.answer.people[0].address == ("4 Bridge St", "Bampton", "OX18 2HA")
    assert found.answer.carer_phone == carer.contact.best_phone


def test_a_revoked_number_can_lead_to_the_current_cards_plan_by_policy(vault, clock, carer):
    opens = replace(
        make_settings(), emergency_line=EmergencyLineSettings(revoked_number="opens-current")
    )
    plan = PlanService(vault, opens, clock).create(full_plan(carer.id)).plan
    cards = CardService(vault, opens, clock)
    old = cards.issue_card(plan.id)
    new = cards.reissue_card(old.id, "lost in town")
    found = cards.lookup(old.number)
    assert found.revoked and found.current_card == new
    assert found.status is LineStatus.READY and found.answer.contacts
    assert "its replacement is card" in found.message


def test_a_call_is_recorded_audited_and_kept_in_the_carers_history(
    vault, settings, clock, plans, cards, carer
):
    plan = plans.create(full_plan(carer.id)).plan
    lookup = cards.lookup(cards.issue_card(plan.id).number)
    calls = CallService(vault, settings, clock)
    first = lookup.answer.contacts[0]
    with pytest.raises(ValidationError, match="more than the usual 48"):
        calls.record_call(lookup, caller="A neighbour", replacement_care_hours=49)
    with pytest.raises(ValidationError, match="not one of the contacts the line showed"):
        calls.record_call(
            lookup,
            caller="A neighbour",
            contacts_tried=(ContactAttempt(contact_id="9" * 32, name="Someone", reached=True),),
        )
    call = calls.record_call(
        lookup,
        caller="A neighbour",
        contacts_tried=(
            ContactAttempt(contact_id=first.contact_id, name=first.name, reached=False),
        ),
        replacement_care_hours=60,
        exceptional_reason="Carer admitted to hospital overnight",
        follow_up="Ring the daughter about a longer-term plan",
    )
    assert (call.replacement_care_hours, call.exceptional, call.line_status) == (60, True, "ready")
    assert call.operator == "tester"
    assert calls.open_follow_ups() == [call]
    assert calls.mark_followed_up(call.id).followed_up_on == TODAY
    assert calls.open_follow_ups() == []
    carers = CarerService(vault, settings, clock)
    file = CarerFileService(
        vault, settings, clock, caseload=carers.caseload, groups=GroupService(vault, settings)
    ).open(carer.id)
    assert [c.id for c in file.calls] == [call.id]
    assert {(e.action, e.record_id) for e in file.history} >= {("create", call.id)}


def test_the_print_queue_holds_back_a_card_whose_plan_the_line_cannot_use(
    vault, settings, clock, plans, cards
):
    good = add_carer(vault, "Gwen", "Good")
    gone = add_carer(vault, "Wil", "Drawn")
    cards.issue_card(plans.create(full_plan(good.id)).plan.id)
    withdrawn = plans.create(full_plan(gone.id)).plan
    cards.issue_card(withdrawn.id)
    plans.withdraw_consent(withdrawn.id)
    sheet = PrintService(vault, settings, clock).card_sheet(all_pending=True)
    assert sheet.carer_ids == (good.id,)
    assert (
        len(sheet.held_back) == 1
        and "consent to share the plan was withdrawn" in (sheet.held_back[0][1])
    )
