"""Helpers for the use-case service tests: settings, and records to build on, made with
the shared builders (carer_desk.factories). The vault is the suite's one fixture."""

from __future__ import annotations

from datetime import date

from carer_desk import factories as make
from carer_desk.config import CardSettings, Settings
from carer_desk.records.carer import Carer
from carer_desk.records.plan import EmergencyPlan
from carer_desk.services.repository import Repository

# A fixed day in the past, the day the builders date their records by.
TODAY = make.DAY
LINE = "0345 050 8725"


def make_settings() -> Settings:
    return Settings(cards=CardSettings(emergency_line_phone=LINE))


def add_carer(store, given: str = "Ann", family: str = "Lee", **changes) -> Carer:
    carer = make.carer(given_name=given, family_name=family, **changes)
    Repository(store).save(carer, action="create")
    return carer


def complete_assessment(store, settings, clock, carer_id: str):
    """Hold a guided conversation through stage 3 and complete it on the clock's day."""
    from carer_desk.records.conversation import ActionTag
    from carer_desk.services.conversations import ConversationService

    service = ConversationService(store, settings, clock)
    conversation = service.start(carer_id)
    # What the law asks of an assessment: every outcome, the impact decision, the
    # wellbeing check, and (the current template) able and willing to continue caring.
    service.save_stage3(conversation.id, make.assessment(goals=(), actions=()))
    service.add_goal(conversation.id, "Get a full night's sleep once a week")
    service.add_action(conversation.id, "Book a sitting service", ActionTag.SUPPORT_NOW)
    return service.complete(conversation.id)


def full_plan(carer_id: str, created_on: date = TODAY, **changes) -> EmergencyPlan:
    """A plan with every required section filled in and consent to share it."""
    return make.plan(carer_id, created_on=created_on, **changes)
