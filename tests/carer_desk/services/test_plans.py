"""Emergency-plan use cases against a real vault."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from carer_desk.config import PlanSettings, Settings
from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.records.plan import EmergencyContact, EmergencyPlan
from carer_desk.services.plans import PlanService
from tests.carer_desk.services.service_support import TODAY, add_carer, full_plan


@pytest.fixture
def service(vault, settings, clock):
    return PlanService(vault, settings, clock)


def test_a_half_filled_plan_is_saved_and_says_what_is_missing(service, carer):
    saved = service.create(EmergencyPlan(carer_id=carer.id, created_on=TODAY))
    assert not saved.complete
    assert "who you care for" in saved.missing
    assert "at least 2 emergency contacts (0 so far)" in saved.missing
    assert "consent to share the plan with the emergency line" in saved.missing
    # The review date defaults from the settings, so it is never what is missing.
    assert saved.plan.review_date == date(2026, 6, 2)
    assert "a review date" not in saved.missing
    assert service.get(saved.plan.id) == saved.plan


def test_a_filled_in_plan_is_complete_and_keeps_a_chosen_review_date(service, carer):
    saved = service.create(full_plan(carer.id, review_date=date(2025, 12, 1)))
    assert saved.complete and saved.missing == ()
    assert service.plan_for_carer(carer.id).review_date == date(2025, 12, 1)


def test_one_plan_per_carer_and_only_for_a_carer_on_the_laptop(service, carer):
    service.create(full_plan(carer.id))
    with pytest.raises(RuleViolation, match="update it instead"):
        service.create(full_plan(carer.id))
    with pytest.raises(NotFoundError, match="register the carer"):
        service.create(full_plan("0" * 32))


def test_the_services_own_contact_rules_apply(vault, clock, carer):
    three = PlanService(vault, Settings(plans=PlanSettings(min_contacts=3)), clock)
    assert "at least 3 emergency contacts (2 so far)" in three.create(full_plan(carer.id)).missing
    other = add_carer(vault, "Bob", "Day")
    two = PlanService(vault, Settings(plans=PlanSettings(max_contacts=2)), clock)
    plan = full_plan(other.id)
    extra = EmergencyContact(name="Sue Day", role="sister", phone="07700 900999")
    with pytest.raises(ValidationError, match="at most 2"):
        two.create(replace(plan, emergency_contacts=(*plan.emergency_contacts, extra)))


def test_an_update_is_dated_today_and_is_the_plan_the_line_reads(service, clock, carer):
    created = service.create(full_plan(carer.id, created_on=date(2025, 1, 6))).plan
    clock.day = TODAY + timedelta(days=3)
    saved = service.update(replace(created, pets="A dog, Rex, fed at 6pm"))
    assert saved.plan.updated_on == TODAY + timedelta(days=3)
    assert service.plan_for_carer(carer.id).pets == "A dog, Rex, fed at 6pm"
    with pytest.raises(RuleViolation, match="another carer"):
        service.update(replace(created, carer_id="1" * 32))
    with pytest.raises(NotFoundError):
        service.update(full_plan(carer.id))  # a new id: never created


def test_plans_due_for_review_soonest_first(vault, settings, clock):
    service = PlanService(vault, settings, clock)
    ids = {}
    for name, review in (
        ("overdue", TODAY - timedelta(days=5)),
        ("soon", TODAY + timedelta(days=10)),
        ("later", TODAY + timedelta(days=40)),
    ):
        carer = add_carer(vault, name.title(), "Lee")
        plan = full_plan(carer.id, created_on=date(2024, 6, 1), review_date=review)
        ids[name] = service.create(plan).plan.id
    assert [p.id for p in service.due_for_review()] == [ids["overdue"], ids["soon"]]
    assert [p.id for p in service.due_for_review(60)] == [ids["overdue"], ids["soon"], ids["later"]]
    reviewed = service.mark_reviewed(ids["overdue"])
    assert reviewed.plan.review_date == date(2026, 6, 2)
    assert [p.id for p in service.due_for_review()] == [ids["soon"]]
    with pytest.raises(ValidationError, match="whole number of days"):
        service.due_for_review(-1)


def test_reading_a_plan_is_audited_for_its_carer(vault, service, carer):
    plan = service.create(full_plan(carer.id)).plan
    service.plan_for_carer(carer.id)
    entry = vault.audit_entries()[-1]
    assert (entry.action, entry.record_id, entry.details["carer"]) == ("view", plan.id, carer.id)
    with pytest.raises(NotFoundError, match="no emergency plan yet"):
        service.plan_for_carer(add_carer(vault, "No", "Plan").id)
