"""Emergency-card use cases against a real vault: issuing, reissuing a lost card,
revoking, and the emergency line's look-up."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.records.plan import CardHolder, CardStatus, EmergencyCard
from carer_desk.rules.card_numbers import format_card_number, is_valid_card_number
from carer_desk.services.cards import CardService
from carer_desk.services.plans import PlanService
from carer_desk.services.printing import PrintService
from carer_desk.services.repository import Repository
from tests.carer_desk.services.service_support import TODAY, add_carer, full_plan


@pytest.fixture
def plan(vault, settings, clock, carer):
    return PlanService(vault, settings, clock).create(full_plan(carer.id)).plan


@pytest.fixture
def service(vault, settings, clock):
    return CardService(vault, settings, clock)


def _swap_neighbours(number: str) -> str:
    i = next(i for i in range(len(number) - 1) if number[i] != number[i + 1])
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def test_an_issued_card_waits_in_the_print_queue_with_a_checkable_number(
    vault, settings, clock, service, plan
):
    card = service.issue_card(plan.id)
    assert card.status == CardStatus.PENDING_PRINT
    assert (card.carer_id, card.plan_id, card.issued_on) == (plan.carer_id, plan.id, TODAY)
    assert len(card.number) == settings.cards.number_length
    assert is_valid_card_number(card.number)
    assert service.pending_cards() == [card]
    # The print queue the administrator sees is the same one the printer takes.
    assert PrintService(vault, settings, clock).pending_cards() == [card]


def test_a_holder_has_one_live_card_at_a_time(service, plan):
    card = service.issue_card(plan.id)
    with pytest.raises(
        RuleViolation, match=f"already a live card {format_card_number(card.number)}"
    ):
        service.issue_card(plan.id)
    person = plan.cared_for[0].id
    second = service.issue_card(plan.id, CardHolder.CARED_FOR, person)
    assert second.number != card.number
    with pytest.raises(RuleViolation, match="already a live card"):
        service.issue_card(plan.id, CardHolder.CARED_FOR, person)


def test_a_card_for_the_person_cared_for_names_someone_on_the_plan(service, plan):
    with pytest.raises(ValidationError, match="people cared for listed on the plan"):
        service.issue_card(plan.id, CardHolder.CARED_FOR, "9" * 32)
    with pytest.raises(ValidationError, match="not for a person cared for"):
        service.issue_card(plan.id, CardHolder.CARER, plan.cared_for[0].id)


def test_no_card_until_the_carer_agrees_to_share_the_plan(vault, settings, clock, service):
    carer = add_carer(vault, "Una", "Agreed")
    plan = (
        PlanService(vault, settings, clock)
        .create(
            full_plan(carer.id, consent_to_share_with_emergency_service=False, consent_date=None)
        )
        .plan
    )
    with pytest.raises(RuleViolation, match="not agreed to share this plan"):
        service.issue_card(plan.id)
    assert service.pending_cards() == []


def test_a_reissued_cards_old_number_looks_up_as_revoked_and_points_to_the_new_card(service, plan):
    old = service.issue_card(plan.id)
    new = service.reissue_card(old.id, "Lost in town")
    assert new.number != old.number and new.status == CardStatus.PENDING_PRINT
    found = service.lookup(format_card_number(old.number))
    assert found.revoked and found.plan is None
    assert found.current_card == new
    assert found.card.replaced_by == new.id
    assert "revoked" in found.message and format_card_number(new.number) in found.message
    assert "Lost in town" in found.message
    assert service.pending_cards() == [new]


def test_a_card_lost_twice_points_to_the_card_in_use_now(service, plan):
    first = service.issue_card(plan.id)
    second = service.reissue_card(first.id, "lost")
    third = service.reissue_card(second.id, "lost again")
    assert service.lookup(first.number).current_card == third
    with pytest.raises(RuleViolation, match="already revoked"):
        service.reissue_card(first.id, "lost")


def test_reissuing_writes_both_cards_in_one_audited_transaction(vault, service, plan):
    old = service.issue_card(plan.id)
    before = len(vault.audit_entries())
    new = service.reissue_card(old.id, "lost")
    entries = vault.audit_entries()[before:]
    assert len(entries) == 1
    assert entries[0].details["old_card"] == old.id and entries[0].details["new_card"] == new.id
    assert {c.record_id for c in vault.outbox_pending()} >= {old.id, new.id}


def test_a_revoked_card_says_there_is_no_replacement(service, plan):
    card = service.issue_card(plan.id)
    service.revoke_card(card.id, "Carer moved out of the county")
    found = service.lookup(card.number)
    assert found.revoked and found.current_card is None
    assert "no replacement" in found.message
    with pytest.raises(RuleViolation, match="Say why"):
        service.revoke_card(service.issue_card(plan.id).id, "  ")


def test_the_line_sees_the_plan_of_a_live_card_and_every_look_up_is_logged(vault, service, plan):
    card = service.issue_card(plan.id)
    spoken = "-".join(format_card_number(card.number).split())
    found = service.lookup(f"  {spoken} ")
    assert not found.revoked
    assert found.plan == plan
    assert [c.name for c in found.plan.emergency_contacts] == ["Mary Lee", "Tom Hill"]
    with pytest.raises(ValidationError, match="check digit does not match"):
        service.lookup(_swap_neighbours(card.number))
    looks = [e for e in vault.audit_entries() if e.action == "card-lookup"]
    assert [e.details["result"] for e in looks] == ["found", "invalid-number"]
    assert looks[0].record_id == card.id and looks[0].actor == "tester"


def test_a_well_formed_number_nobody_holds_is_logged_and_refused(vault, service, plan):
    from carer_desk.rules.card_numbers import generate_card_number

    number = generate_card_number()
    with pytest.raises(NotFoundError, match="arrange replacement care"):
        service.lookup(number)
    assert vault.audit_entries()[-1].details == {"number": number, "result": "not-found"}


_ops = st.lists(
    st.tuples(
        st.sampled_from(["issue", "reissue", "revoke"]),
        st.sampled_from(["carer", "cared_for_0", "cared_for_1"]),
    ),
    min_size=1,
    max_size=14,
)


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_ops)
def test_any_sequence_keeps_at_most_one_live_card_per_holder_and_never_reuses_a_number(
    vault, settings, clock, ops
):
    from carer_desk.records.plan import PlanPerson

    carer = add_carer(vault, "Ray", "Shuffle")
    base = full_plan(carer.id)
    # Both people with the care they need written down: the line's minimum for a card.
    ivy = PlanPerson(name="Ivy Lee", takes_no_medication=True, conditions_and_care_needed="Frail")
    people = (base.cared_for[0], ivy)
    plan = PlanService(vault, settings, clock).create(full_plan(carer.id, cared_for=people)).plan
    service = CardService(vault, settings, clock)
    holders = {
        "carer": (CardHolder.CARER, None),
        "cared_for_0": (CardHolder.CARED_FOR, people[0].id),
        "cared_for_1": (CardHolder.CARED_FOR, people[1].id),
    }
    expected_live: set[str] = set()
    for op, who in ops:
        holder, person = holders[who]
        live = service.live_card_for(plan.id, holder, person)
        if op == "issue":
            if live is None:
                service.issue_card(plan.id, holder, person)
                expected_live.add(who)
            else:
                with pytest.raises(RuleViolation):
                    service.issue_card(plan.id, holder, person)
        elif live is not None:
            if op == "reissue":
                service.reissue_card(live.id, "lost")
            else:
                service.revoke_card(live.id, "no longer needed")
                expected_live.discard(who)
    cards: list[EmergencyCard] = service.cards_of(carer.id)
    live_per_holder = Counter(
        next(k for k, v in holders.items() if v == (c.holder, c.plan_person_id))
        for c in cards
        if c.is_live
    )
    assert set(live_per_holder) == expected_live
    assert all(n == 1 for n in live_per_holder.values())
    all_numbers = [c.number for c in Repository(vault).all(EmergencyCard)]
    assert len(all_numbers) == len(set(all_numbers))
    for card in cards:
        assert service.lookup(card.number).revoked == (not card.is_live)
