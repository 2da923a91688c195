"""The carer's assessment as a lawful record (Care Act 2014, BRIEF §2).

* **What completion needs.** A conversation with an assessment (stage 3) is complete only
  when every reg. 3 outcome is assessed, the significant-impact decision is made and the
  wellbeing check is recorded — and, for templates that ask it, whether the carer is
  able and willing to continue caring (s.10(5)). :func:`completion_gaps` names what is
  missing, in plain words.
* **Which law applies.** Reg. 3 eligibility is for adult carers of adults. A carer under
  18 is a young carer (Children Act 1989 s.17ZA); a parent caring for a disabled child is
  a parent carer (s.17ZD). :func:`legal_route` says which, from the carer's record.
* **The written determination** (s.13(2)): :func:`determine` makes the record of the
  decision and its reasons, kept with the conversation when it is completed.
"""

from __future__ import annotations

from datetime import date

from carer_desk.config import AgeBandSettings, LegalRouteSettings
from carer_desk.records.carer import Carer, CarerType
from carer_desk.records.conversation import (
    BuildAGoodLife,
    CarerOutcome,
    EligibilityDetermination,
    GuidedConversation,
    LegalRoute,
)
from carer_desk.rules.eligibility import assess_eligibility, outcome_words

#: Completion requirements a template version may add (its ``completion_requires`` list).
CONTINUING_TO_CARE = "continuing_to_care"
KNOWN_REQUIREMENTS = frozenset({CONTINUING_TO_CARE})
#: What :func:`completion_gaps` says when there is no stage 3 and stage 1 was not enough.
NO_STAGE_3 = (
    "stage 3 (the carer's assessment), or a record that listening and connecting was all "
    "the carer needed",
)


def _age_on(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def legal_route(carer: Carer, bands: AgeBandSettings, on: date) -> LegalRoute:
    """The law the carer's assessment is held under on ``on``."""
    age = carer.age_on(on)
    if age is not None and age < bands.young_carer_under:
        return LegalRoute.YOUNG_CARER
    if CarerType.PARENT_CARER in carer.carer_types and any(
        p.date_of_birth is not None and _age_on(p.date_of_birth, on) < bands.young_carer_under
        for p in carer.cared_for
    ):
        return LegalRoute.PARENT_CARER
    return LegalRoute.ADULT_CARER


def route_wording(route: LegalRoute, wording: LegalRouteSettings) -> str:
    return {
        LegalRoute.ADULT_CARER: wording.adult_carer,
        LegalRoute.YOUNG_CARER: wording.young_carer,
        LegalRoute.PARENT_CARER: wording.parent_carer,
    }[route]


def assessment_gaps(
    stage3: BuildAGoodLife, requirements: frozenset[str] = frozenset()
) -> list[str]:
    """What a stage 3 still needs to count as a carer's assessment."""
    missing = []
    not_assessed = stage3.outcomes_not_assessed
    if len(not_assessed) == len(CarerOutcome):
        missing.append("the eight outcomes (none is assessed yet)")
    elif len(not_assessed) > 3:
        letters = ", ".join(f"({o.letter})" for o in not_assessed)
        missing.append(f"outcomes {letters}, not yet assessed")
    elif not_assessed:
        missing.append(
            "outcomes not yet assessed: " + "; ".join(outcome_words(o) for o in not_assessed)
        )
    if stage3.significant_impact_on_wellbeing is None:
        missing.append(
            "the decision on whether there is a significant impact on the carer's wellbeing"
        )
    if not stage3.wellbeing_check:
        missing.append("the wellbeing check")
    if CONTINUING_TO_CARE in requirements:
        if stage3.able_to_continue_caring is None:
            missing.append("whether the carer is able to continue caring (Care Act s.10(5))")
        if stage3.willing_to_continue_caring is None:
            missing.append("whether the carer is willing to continue caring (Care Act s.10(5))")
    return missing


def completion_gaps(
    conversation: GuidedConversation,
    *,
    stage1_sufficient: bool = False,
    requirements: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """What ``conversation`` needs before it can be completed (empty: it can be).

    Without stage 3 it can be completed only when the worker records that listening and
    connecting was all the carer needed (``stage1_sufficient``); it then is not an
    assessment and unlocks no payment.
    """
    stage3 = conversation.stage3
    if stage3 is None:
        if stage1_sufficient or conversation.stage1_sufficient:
            return ()
        return NO_STAGE_3
    return tuple(assessment_gaps(stage3, requirements))


def determine(
    stage3: BuildAGoodLife,
    *,
    route: LegalRoute,
    wording: LegalRouteSettings,
    on: date,
    by: str,
) -> EligibilityDetermination:
    """The written determination and its reasons, as kept with the conversation."""
    result = assess_eligibility(stage3)
    words = route_wording(route, wording)
    if route is LegalRoute.ADULT_CARER:
        return EligibilityDetermination(
            determined_on=on,
            determined_by=by,
            route=route,
            route_wording=words,
            eligible=result.eligible,
            reasons=result.reasons,
            outcomes_not_achieved=result.outcomes_not_achieved,
        )
    # Not reg. 3: the record says which law applies and what the assessment found,
    # without reg. 3's conclusions.
    found = [f"This carer's needs are assessed under {words}."]
    if stage3.health_deteriorating_or_at_risk:
        found.append(
            "Caring is harming, or putting at risk, the carer's physical or mental health."
        )
    found.extend(
        f"The carer finds this hard to achieve: {outcome_words(o)}."
        for o in result.outcomes_not_achieved
    )
    if stage3.significant_impact_on_wellbeing:
        found.append("There is, or is likely to be, a significant impact on the carer's wellbeing.")
    return EligibilityDetermination(
        determined_on=on,
        determined_by=by,
        route=route,
        route_wording=words,
        eligible=None,
        reasons=tuple(found),
        outcomes_not_achieved=result.outcomes_not_achieved,
    )
