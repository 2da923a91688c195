"""A call taken on the window's 24-hour line, whose look-up went to the office server:
recorded against the card and carer the server's answer names, with the same checks as a
call after the laptop's own look-up, and refused (in words) when the answer names no
card — even a plan that may not be read out still gets its call recorded."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carer_desk import factories as make
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.calls import ContactAttempt
from carer_desk.rules.emergency_line import LineStatus, answer_for_card
from carer_desk.services.calls import CallService
from tests.carer_desk.services.service_support import TODAY, full_plan, make_settings


def _answer(carer, **plan_changes):
    plan = full_plan(carer.id, **plan_changes)
    card = make.card(plan)
    return card, answer_for_card(card, plan, carer, make_settings().emergency_line, today=TODAY)


def test_a_call_after_a_server_look_up_is_kept_with_the_carer(vault, settings, clock, carer):
    card, answer = _answer(carer)
    calls = CallService(vault, settings, clock)
    first = answer.contacts[0]
    with pytest.raises(ValidationError, match="more than the usual 48"):
        calls.record_line_call(answer, caller="A neighbour", replacement_care_hours=49)
    call = calls.record_line_call(
        answer,
        caller="A neighbour",
        contacts_tried=(
            ContactAttempt(contact_id=first.contact_id, name=first.name, reached=True),
        ),
        follow_up="Ring the daughter",
    )
    assert (call.carer_id, call.card_id, call.card_number) == (carer.id, card.id, card.number)
    assert call.line_status == "ready" and call.follow_up_open
    assert [c.id for c in calls.calls_of(carer.id)] == [call.id]
    assert ("create", call.id) in {(e.action, e.record_id) for e in vault.audit_entries()}


def test_a_withdrawn_plan_still_has_its_call_recorded(vault, settings, clock, carer):
    _, answer = _answer(carer, consent_to_share_with_emergency_service=False)
    assert answer.status is LineStatus.CONSENT_WITHDRAWN and answer.contacts == ()
    call = CallService(vault, settings, clock).record_line_call(
        answer, caller="Paramedic", replacement_care_hours=12
    )
    assert call.line_status == "consent-withdrawn" and call.replacement_care_hours == 12


def test_an_answer_naming_no_card_is_refused_in_words(vault, settings, clock, carer):
    _, answer = _answer(carer)
    with pytest.raises(RuleViolation, match="did not say whose card"):
        CallService(vault, settings, clock).record_line_call(
            replace(answer, carer_id=""), caller="A neighbour"
        )


def test_a_refused_calls_outcome_is_corrected_and_what_happened_kept(vault, settings, clock, carer):
    _, answer = _answer(carer)
    calls = CallService(vault, settings, clock)
    first = answer.contacts[0]
    call = calls.record_line_call(
        answer,
        caller="A neighbour",
        contacts_tried=(
            ContactAttempt(contact_id=first.contact_id, name=first.name, reached=False),
        ),
        replacement_care_hours=30,
    )
    with pytest.raises(ValidationError, match="more than the usual 48"):
        calls.corrected(call, replacement_care_hours=60, exceptional_reason=" ", follow_up=None)
    fixed = calls.corrected(
        call,
        replacement_care_hours=60,
        exceptional_reason=" Daughter abroad ",
        follow_up="  Ring the daughter ",
    )
    assert (fixed.replacement_care_hours, fixed.exceptional) == (60, True)
    assert (fixed.exceptional_reason, fixed.follow_up) == ("Daughter abroad", "Ring the daughter")
    # What happened on the call is as recorded.
    kept = ("id", "caller", "contacts_tried", "received_at", "operator", "card_id")
    assert [getattr(fixed, k) for k in kept] == [getattr(call, k) for k in kept]
    none = calls.corrected(call, replacement_care_hours=None, exceptional_reason="x", follow_up="")
    assert not none.replacement_care_arranged and none.replacement_care_hours is None
    assert not none.exceptional and none.follow_up is None
