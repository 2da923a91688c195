"""What the 24-hour line may read out: the minimum a plan needs, the answer for each state
of a plan, and the number printed on cards (issue 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given

from carer_desk import factories as make
from carer_desk.config import CardSettings, EmergencyLineSettings
from carer_desk.records.carer import CarerType
from carer_desk.records.plan import EmergencyPlan, HomeAccess
from carer_desk.rules.emergency_line import (
    LineStatus,
    answer_for_card,
    answer_for_revoked,
    care_address,
    line_gaps,
    replacement_hours_problem,
)
from carer_desk.rules.line_number import emergency_line_problem, is_drama_number
from tests.carer_desk.records.strategies import plans

LINE = EmergencyLineSettings(replacement_care_route="the Oxfordshire emergency carers' service")
TODAY = date(2025, 6, 2)
CARER = make.carer()


def _answer(plan: EmergencyPlan | None, carer=CARER, settings=LINE):
    card = make.card(plan if plan is not None else make.plan(carer))
    return answer_for_card(card, plan, carer, settings, today=TODAY)


# --- the minimum ------------------------------------------------------------------------


def test_an_empty_plan_says_everything_it_lacks() -> None:
    empty = EmergencyPlan(carer_id=CARER.id, created_on=TODAY)
    assert line_gaps(empty, CARER, LINE) == (
        "the carer's consent to share the plan with the emergency line",
        "at least 1 emergency contact with a phone number who agreed to be rung (0 so far)",
        "who is cared for",
        "how to get into the home (keys, key safe or access)",
    )


def test_a_full_plan_meets_the_minimum() -> None:
    assert line_gaps(make.plan(CARER), CARER, LINE) == ()


def test_contacts_who_did_not_agree_do_not_count() -> None:
    refused = make.emergency_contact(consent_given=False, consent_date=None)
    plan = make.plan(CARER, emergency_contacts=(refused,))
    assert line_gaps(plan, CARER, LINE) == (
        "at least 1 emergency contact with a phone number who agreed to be rung (0 so far)",
    )


def test_the_minimum_is_configurable() -> None:
    strict = EmergencyLineSettings(min_consented_contacts=3)
    assert "at least 3 emergency contacts" in line_gaps(make.plan(CARER), CARER, strict)[0]
    relaxed = EmergencyLineSettings(require_way_in=False, require_cared_for_needs=False)
    bare = make.plan(CARER, cared_for=(), access=HomeAccess())
    assert line_gaps(bare, CARER, relaxed) == ()


def test_a_distance_carers_plan_must_say_where_care_is_needed() -> None:
    apart = make.carer(lives_with_cared_for=False)
    plan = make.plan(apart)
    assert line_gaps(plan, apart, LINE) == (
        "where Joe Lee lives (the address where care is needed)",
    )
    distance = make.carer(carer_types=(CarerType.DISTANCE,))
    assert care_address(plan.cared_for[0], distance) == ()
    there = make.address(line1="9 Mill Lane", town="Bampton", postcode="OX18 2HA")
    moved = make.plan(apart, cared_for=(make.plan_person(address=there),))
    assert line_gaps(moved, apart, LINE) == ()
    assert care_address(moved.cared_for[0], apart) == ("9 Mill Lane", "Bampton", "OX18 2HA")
    # Living together (or not known otherwise), care is needed at the carer's address.
    assert care_address(plan.cared_for[0], CARER) == CARER.address.lines()


# --- the answers --------------------------------------------------------------------------


def test_a_good_plan_reads_out_the_contacts_in_order_and_where_care_is_needed() -> None:
    answer = _answer(make.plan(CARER))
    assert answer.status is LineStatus.READY and answer.usable
    assert answer.message == "Plan found: ring the emergency contacts in the order listed."
    assert [(c.position, c.name) for c in answer.contacts] == [(1, "Mary Lee"), (2, "Tom Hill")]
    assert answer.people[0].address == CARER.address.lines()
    assert answer.carer_phone == CARER.contact.best_phone
    assert "arrange replacement care via the Oxfordshire emergency carers' service" in (
        answer.what_to_do
    )
    assert "up to 48 hours; 72 in exceptional cases" in answer.what_to_do


def test_withdrawn_consent_suspends_the_plan_and_shows_nothing_of_it() -> None:
    withdrawn = make.plan(
        CARER,
        consent_to_share_with_emergency_service=False,
        consent_date=date(2025, 1, 6),
        consent_withdrawn_on=date(2025, 3, 3),
    )
    answer = _answer(withdrawn)
    assert answer.status is LineStatus.CONSENT_WITHDRAWN and not answer.usable
    assert answer.message == (
        "Consent withdrawn on 3 March 2025: do not use this plan; arrange replacement care "
        "via the Oxfordshire emergency carers' service (up to 48 hours; 72 in exceptional "
        "cases)."
    )
    assert answer.contacts == () and answer.people == () and answer.access is None
    assert answer.consent_withdrawn_on == date(2025, 3, 3)


def test_a_plan_fallen_below_the_minimum_says_what_is_missing_and_what_to_do() -> None:
    thin = make.plan(CARER, emergency_contacts=(), access=HomeAccess())
    answer = _answer(thin)
    assert answer.status is LineStatus.INCOMPLETE
    assert answer.missing == (
        "at least 1 emergency contact with a phone number who agreed to be rung (0 so far)",
        "how to get into the home (keys, key safe or access)",
    )
    assert "not complete enough to rely on" in answer.message
    assert "There is no contact to ring" in answer.what_to_do
    assert "Tell the office the plan needs completing" in answer.what_to_do


def test_no_plan_held_says_to_arrange_care_and_ring_the_office() -> None:
    answer = _answer(None)
    assert answer.status is LineStatus.NO_PLAN
    assert "ring the office" in answer.what_to_do


def test_a_revoked_card_names_its_replacement_or_opens_it_by_policy() -> None:
    plan = make.plan(CARER)
    old = make.card(plan).revoke(TODAY, "lost", replaced_by="f" * 32)
    new = make.card(plan, id="f" * 32)
    named = answer_for_revoked(old, CARER, LINE, current=new)
    assert named.status is LineStatus.REVOKED and named.contacts == ()
    assert "look that one up for the plan" in named.message
    opened = answer_for_revoked(old, CARER, LINE, current=new, current_answer=_answer(plan))
    assert opened.status is LineStatus.READY and opened.contacts
    assert opened.message.startswith("Card ") and "its replacement is card" in opened.message
    gone = answer_for_revoked(old, CARER, LINE, current=None)
    assert "no replacement on record" in gone.message


@given(plan=plans())
def test_a_contact_who_has_not_agreed_is_never_in_an_answer(plan: EmergencyPlan) -> None:
    answer = _answer(plan)
    agreed = {c.id for c in plan.emergency_contacts if c.consent_given}
    assert {c.contact_id for c in answer.contacts} <= agreed
    if not plan.consent_to_share_with_emergency_service:
        assert answer.contacts == () and answer.people == ()
        assert answer.status is LineStatus.CONSENT_WITHDRAWN


# --- replacement care hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "exceptional", "problem"),
    [
        (1, False, None),
        (48, False, None),
        (49, False, "more than the usual 48"),
        (72, True, None),
        (73, True, "more than the 72 allowed even in exceptional cases"),
        (0, False, "whole number from 1"),
        (None, False, None),
    ],
)
def test_replacement_care_hours_are_bounded_by_the_settings(hours, exceptional, problem) -> None:
    found = replacement_hours_problem(hours, exceptional, LINE)
    assert (found is None) if problem is None else (problem in found)


# --- the number on the card ------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["0808 157 0192", "07700 900123", "020 7946 0999", "01632 960001", "+44 113 496 0555"],
)
def test_drama_numbers_are_recognised(number: str) -> None:
    assert is_drama_number(number)


@pytest.mark.parametrize("number", ["0345 050 8725", "07700 901000", "01865 123456"])
def test_real_looking_numbers_are_not_drama_numbers(number: str) -> None:
    assert not is_drama_number(number)


def test_cards_need_a_number_that_rings_someone() -> None:
    assert "placeholder" in emergency_line_problem(CardSettings())
    drama = CardSettings(emergency_line_phone="0808 157 0192")
    assert "fictional number" in emergency_line_problem(drama)
    assert emergency_line_problem(drama, invented_data=True) is None  # the demo's own
    assert emergency_line_problem(CardSettings(emergency_line_phone="0345 050 8725")) is None


def test_the_answer_is_plain_data_a_window_can_show() -> None:
    answer = _answer(replace(make.plan(CARER), pets="A cat"))
    assert isinstance(answer.number_display, str) and " " in answer.number_display
    assert all(isinstance(p.medication, tuple) for p in answer.people)
