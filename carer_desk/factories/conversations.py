"""Guided conversations and their three stages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from carer_desk.factories.defaults import DAY, WORKER, with_defaults
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    ConversationStatus,
    Goal,
    GuidedConversation,
    ListenAndConnect,
    OutcomeAssessment,
    SupportAction,
    UnableReason,
    UrgentSupport,
    WellbeingAnswer,
    WellbeingScale,
)
from carer_desk.rules.financial_year import add_months

TEMPLATE_ID = "guided-conversation"
TEMPLATE_VERSION = 1
#: The wellbeing statements of the shipped templates (v1 and v2 ask the same eight).
WELLBEING_STATEMENTS = (
    "recognised_and_respected",
    "care_safely",
    "balance_caring_and_life",
    "make_most_of_income",
    "remain_in_work",
    "health_and_wellbeing",
    "manage_stress",
    "relationships",
)
#: The outcomes the built assessment finds the carer unable to achieve.
UNABLE = (CarerOutcome.RELATIONSHIPS, CarerOutcome.RECREATION)


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


def outcomes(unable: Iterable[CarerOutcome] = UNABLE) -> tuple[OutcomeAssessment, ...]:
    """All eight reg. 3 outcomes assessed; those in ``unable`` only with significant
    distress (reg. 3(4))."""
    cannot = set(unable)
    return tuple(
        OutcomeAssessment(
            outcome=o,
            unable=o in cannot,
            reasons=(UnableReason.SIGNIFICANT_PAIN_DISTRESS_ANXIETY,) if o in cannot else (),
        )
        for o in CarerOutcome
    )


def assessment(**changes: Any) -> BuildAGoodLife:
    """Stage 3, a lawful carer's assessment: every outcome assessed (two not achieved), a
    significant impact on wellbeing, the wellbeing check answered, the carer able and
    willing to continue caring, one goal and one support action."""
    defaults = dict(
        outcomes=outcomes(),
        significant_impact_on_wellbeing=True,
        wellbeing_check=wellbeing_check(WELLBEING_STATEMENTS),
        able_to_continue_caring=True,
        willing_to_continue_caring=True,
        goals=(goal(),),
        actions=(action(),),
    )
    return BuildAGoodLife(**with_defaults(defaults, changes))


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
