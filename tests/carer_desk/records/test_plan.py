"""Emergency plans (completeness, 2-4 contacts, what may go on a card) and cards."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from carer_desk.config import PlanSettings
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.ids import new_id
from carer_desk.records.plan import (
    CardHolder,
    CardStatus,
    EmergencyCard,
    EmergencyContact,
    EmergencyPlan,
    HomeAccess,
    Medication,
    PlanPerson,
)

CREATED = date(2025, 6, 1)


def _contact(name: str, *, consent: bool = True) -> EmergencyContact:
    return EmergencyContact(
        name=name,
        role="neighbour",
        phone="01993 700100",
        consent_given=consent,
        consent_date=CREATED if consent else None,
    )


def _complete_plan(**fields: object) -> EmergencyPlan:
    base: dict[str, object] = dict(
        carer_id=new_id(),
        cared_for=(
            PlanPerson(
                name="Arthur",
                conditions_and_care_needed="Dementia; needs prompting to eat and wash",
                medication=(
                    Medication(
                        name="Donepezil",
                        dose="10 mg",
                        when="bedtime",
                        where_kept="kitchen cupboard",
                    ),
                ),
                allergies="none known",
                gp="Windrush Health Centre",
            ),
        ),
        access=HomeAccess(key_safe=True, key_safe_code_held_by="The emergency line"),
        emergency_contacts=(_contact("Helen Ward"), _contact("Tom Ward")),
        consent_to_share_with_emergency_service=True,
        consent_date=CREATED,
        review_date=date(2026, 6, 1),
        created_on=CREATED,
    )
    base.update(fields)
    return EmergencyPlan(**base)  # type: ignore[arg-type]


def test_a_filled_in_plan_is_complete() -> None:
    plan = _complete_plan()
    assert plan.missing_sections() == ()
    assert plan.is_complete is True


def test_an_empty_plan_names_every_missing_part_in_plain_words() -> None:
    plan = EmergencyPlan(carer_id=new_id(), created_on=CREATED)
    assert plan.missing_sections() == (
        "who you care for",
        "how to get into the home (keys, key safe or access)",
        "at least 2 emergency contacts (0 so far)",
        "consent to share the plan with the emergency line",
        "a review date",
    )
    assert plan.is_complete is False


def test_each_cared_for_person_names_what_is_missing_for_them() -> None:
    plan = _complete_plan(cared_for=(PlanPerson(name="Arthur"),))
    assert plan.missing_sections() == (
        "Arthur's conditions and the care they need",
        "Arthur's medication (or that they take none)",
        "Arthur's allergies (write 'none known' if there are none)",
        "Arthur's GP",
    )
    no_meds = PlanPerson(
        name="Arthur",
        conditions_and_care_needed="Frail",
        allergies="none",
        gp="Dr Rao",
        takes_no_medication=True,
    )
    assert _complete_plan(cared_for=(no_meds,)).is_complete


def test_fewer_than_two_contacts_is_incomplete_more_than_four_is_invalid() -> None:
    one = _complete_plan(emergency_contacts=(_contact("Helen Ward"),))
    assert one.missing_sections() == ("at least 2 emergency contacts (1 so far)",)
    four = _complete_plan(emergency_contacts=tuple(_contact(f"Person {i}") for i in range(4)))
    assert four.is_complete
    with pytest.raises(ValidationError) as caught:
        _complete_plan(emergency_contacts=tuple(_contact(f"Person {i}") for i in range(5)))
    assert caught.value.problems == (
        (
            "emergency_contacts",
            "has 5 contacts; a plan holds at most 4, so keep the ones to ring first",
        ),
    )


def test_a_service_can_ask_for_three_contacts() -> None:
    plan = _complete_plan()
    assert plan.missing_sections(PlanSettings(min_contacts=3)) == (
        "at least 3 emergency contacts (2 so far)",
    )
    assert not plan.is_complete_under(PlanSettings(min_contacts=3))


def test_a_contact_without_consent_leaves_the_plan_incomplete() -> None:
    plan = _complete_plan(
        emergency_contacts=(_contact("Helen Ward"), _contact("Tom Ward", consent=False))
    )
    assert plan.missing_sections() == ("Tom Ward's consent to be an emergency contact",)


def test_only_a_consenting_listed_contact_can_go_on_the_card() -> None:
    plan = _complete_plan(card_contact_on_back=1, card_first_name_on_back=True)
    assert plan.card_back_contact is not None
    assert plan.card_back_contact.name == "Tom Ward"
    assert plan.card_back_contact.first_name == "Tom"
    with pytest.raises(ValidationError, match="there is no emergency contact number 3"):
        _complete_plan(card_contact_on_back=2)
    with pytest.raises(ValidationError, match="Tom Ward has not agreed to be contacted"):
        _complete_plan(
            card_contact_on_back=1,
            emergency_contacts=(_contact("Helen Ward"), _contact("Tom Ward", consent=False)),
        )


def test_the_key_safe_code_is_never_recorded_only_who_holds_it() -> None:
    with pytest.raises(ValidationError) as caught:
        HomeAccess(key_safe=True)
    assert caught.value.problems == (
        (
            "key_safe_code_held_by",
            "there is a key safe; say who can give the code (never the code itself)",
        ),
    )
    assert "code" not in {
        f for f in HomeAccess.__dataclass_fields__ if f != "key_safe_code_held_by"
    }


def test_plan_dates_and_consent_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        _complete_plan(consent_date=None, review_date=CREATED, updated_on=date(2025, 5, 1))
    assert [p for p, _ in caught.value.problems] == ["consent_date", "updated_on", "review_date"]


def test_emergency_contacts_need_a_number_to_ring() -> None:
    with pytest.raises(ValidationError) as caught:
        EmergencyContact(name="", role="", phone="")
    assert caught.value.problems == (
        ("name", "must not be blank; enter the contact's name"),
        ("role", "must not be blank; enter who they are to the carer"),
        ("phone", "must not be blank; the line needs a number to ring"),
    )


def test_due_for_review() -> None:
    plan = _complete_plan()
    assert not plan.is_due_for_review(date(2026, 5, 31))
    assert plan.is_due_for_review(date(2026, 6, 1))


# --- cards ----------------------------------------------------------------------------------


def _card(**fields: object) -> EmergencyCard:
    base: dict[str, object] = dict(
        plan_id=new_id(), carer_id=new_id(), number="123456789012", issued_on=CREATED
    )
    base.update(fields)
    return EmergencyCard(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", ["1234 5678 9012", "12345678901X", "", "١٢٣٤٥٦٧٨٩٠١٢"])
def test_a_card_number_is_ascii_digits_only(number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _card(number=number)
    assert caught.value.problems == (
        ("number", f"{number!r} is not a card number; it must be digits only"),
    )


def test_a_card_for_a_cared_for_person_says_which_person() -> None:
    with pytest.raises(ValidationError, match="must say which person"):
        _card(holder=CardHolder.CARED_FOR)
    assert _card(holder=CardHolder.CARED_FOR, plan_person_id=new_id()).is_live


def test_card_life_cycle() -> None:
    card = _card()
    assert card.status == CardStatus.PENDING_PRINT
    printed = card.mark_printed(date(2025, 6, 2))
    reprinted = printed.mark_printed(date(2025, 6, 9))  # a reprint of the same card
    assert reprinted.printed_on == date(2025, 6, 9)
    new_card = _card(number="999999999999")
    revoked = printed.revoke(date(2025, 8, 1), "Lost on the bus", replaced_by=new_card.id)
    assert revoked.status == CardStatus.REVOKED
    assert not revoked.is_live
    assert revoked.replaced_by == new_card.id
    with pytest.raises(RuleViolation, match="revoked and cannot be printed"):
        revoked.mark_printed(date(2025, 8, 2))
    with pytest.raises(RuleViolation, match="already revoked"):
        revoked.revoke(date(2025, 8, 2), "again")
    with pytest.raises(RuleViolation, match="Say why"):
        printed.revoke(date(2025, 8, 1), " ")


def test_card_status_fields_must_agree() -> None:
    with pytest.raises(ValidationError) as caught:
        _card(status=CardStatus.REVOKED)
    assert [p for p, _ in caught.value.problems] == ["revoked_on", "revoked_reason"]
    with pytest.raises(ValidationError, match="only a revoked card is replaced"):
        replace(_card(), replaced_by=new_id())
    with pytest.raises(ValidationError, match="printed_on: must not be before"):
        _card().mark_printed(date(2025, 5, 1))
