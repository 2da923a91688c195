"""Guided conversations and their three stages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from carer_desk.factories.defaults import DAY, WORKER, with_defaults
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    ConversationStatus,
    Goal,
    GuidedConversation,
    ListenAndConnect,
    SupportAction,
    UrgentSupport,
    WellbeingAnswer,
    WellbeingScale,
)
from carer_desk.rules.financial_year import add_months

TEMPLATE_ID = "guided-conversation"
TEMPLATE_VERSION = 1


def listen_and_connect(**changes: Any) -> ListenAndConnect:
    """Stage 1: what matters to the carer, in their words."""
    defaults = dict(
        what_matters="Keeping well enough to keep caring, and seeing my friends.",
        strengths="Organised; good neighbours.",
        circle_of_support="Daughter nearby; a neighbour holds a key.",
    )
    return ListenAndConnect(**with_defaults(defaults, changes))


def urgent_support(**changes: Any) -> UrgentSupport:
    """Stage 2: what must change now."""
    defaults = dict(what_must_change_now="Respite this week; the carer is exhausted.")
    return UrgentSupport(**with_defaults(defaults, changes))


def goal(**changes: Any) -> Goal:
    return Goal(**with_defaults({"description": "Get a full night's sleep once a week"}, changes))


def action(**changes: Any) -> SupportAction:
    defaults = dict(description="Book a sitting service", tag=ActionTag.SUPPORT_NOW)
    return SupportAction(**with_defaults(defaults, changes))


def wellbeing_check(
    statement_ids: Iterable[str], answer: WellbeingScale = WellbeingScale.SOMETIMES
) -> tuple[WellbeingAnswer, ...]:
    return tuple(WellbeingAnswer(statement_id=s, answer=answer) for s in statement_ids)


def assessment(**changes: Any) -> BuildAGoodLife:
    """Stage 3, the carer's assessment: one goal and one support action."""
    return BuildAGoodLife(**with_defaults({"goals": (goal(),), "actions": (action(),)}, changes))


def conversation(carer: Carer | str, **changes: Any) -> GuidedConversation:
    """A draft conversation with ``carer`` (a carer or their id), started on :data:`DAY`."""
    defaults = dict(
        carer_id=carer if isinstance(carer, str) else carer.id,
        template_id=TEMPLATE_ID,
        template_version=TEMPLATE_VERSION,
        started_on=DAY,
        worker=WORKER,
    )
    return GuidedConversation(**with_defaults(defaults, changes))


def completed_conversation(carer: Carer | str, **changes: Any) -> GuidedConversation:
    """A conversation completed the day it started, with an assessment (stage 3) and a
    review date a year on: what a wellbeing payment follows from."""
    started = changes.get("started_on", DAY)
    completed = changes.get("completed_on", started)
    defaults = dict(
        stage1=listen_and_connect(),
        stage3=assessment(),
        status=ConversationStatus.COMPLETE,
        completed_on=completed,
        review_date=add_months(completed, 12),
    )
    return conversation(carer, **with_defaults(defaults, changes))
