"""Care Act eligibility for carers: the Care and Support (Eligibility Criteria)
Regulations 2015, reg. 3.

A carer has eligible needs when, because of the necessary care they provide,
  (their physical or mental health is, or is at risk of, deteriorating
   OR they are unable to achieve ANY ONE of the eight outcomes in reg. 3(3)),
  AND as a consequence there is, or is likely to be, a significant impact on their
  wellbeing.

One outcome is enough. Adults who need care must be unable to achieve two or more of
theirs (reg. 2); that rule must never be applied to carers, and the tests say so.

What was not recorded is never taken as an answer: outcomes not yet assessed are named
as such (never reported as "can achieve all eight"), and a significant-impact decision
not yet made is "not decided", not "no impact". A determination can be final only when
every outcome is assessed and the impact decided (:attr:`EligibilityResult.final`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from carer_desk.records.conversation import BuildAGoodLife, CarerOutcome


def outcome_words(outcome: CarerOutcome) -> str:
    """ "(c) maintaining a habitable home environment" """
    return f"({outcome.letter}) {outcome.label.lower()}"


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityResult:
    eligible: bool
    reasons: tuple[str, ...]  # plain-English sentences, shown to the worker and carer
    outcomes_not_achieved: tuple[CarerOutcome, ...]  # in the regulation's order
    outcomes_not_assessed: tuple[CarerOutcome, ...] = ()
    significant_impact: bool | None = None  # None: not decided yet

    @property
    def impact_decided(self) -> bool:
        return self.significant_impact is not None

    @property
    def final(self) -> bool:
        """Whether this is a determination rather than a draft's provisional view: the
        carer is eligible, the impact was decided against, or every outcome is assessed
        and the impact decided."""
        if self.eligible or self.significant_impact is False:
            return True
        return self.significant_impact is True and not self.outcomes_not_assessed


def assess_eligibility(stage3: BuildAGoodLife) -> EligibilityResult:
    """Apply reg. 3 to what was recorded in stage 3 of a guided conversation."""
    unable = {item.outcome for item in stage3.outcomes if item.unable}
    not_achieved = tuple(outcome for outcome in CarerOutcome if outcome in unable)
    not_assessed = stage3.outcomes_not_assessed
    health = stage3.health_deteriorating_or_at_risk
    impact = stage3.significant_impact_on_wellbeing

    reasons: list[str] = []
    if health:
        reasons.append(
            "Caring is harming, or putting at risk, the carer's physical or mental health."
        )
    for outcome in not_achieved:
        reasons.append(
            f"The carer is unable to achieve outcome ({outcome.letter}): {outcome.label.lower()}."
        )
    needs_condition = health or bool(not_achieved)
    if not needs_condition and not not_assessed:
        reasons.append(
            "The carer's health is not at risk and they can achieve all eight outcomes, "
            "so the first condition of reg. 3 is not met."
        )
    elif not needs_condition:
        reasons.append(
            "No outcome the carer cannot achieve has been recorded yet, and these outcomes "
            f"are not yet assessed: {'; '.join(outcome_words(o) for o in not_assessed)}."
        )
    if impact is True:
        reasons.append(
            "As a consequence there is, or is likely to be, a significant impact "
            "on the carer's wellbeing."
        )
    elif impact is False:
        reasons.append(
            "No significant impact on the carer's wellbeing was recorded, so the "
            "second condition of reg. 3 is not met."
        )
    else:
        reasons.append(
            "Whether there is a significant impact on the carer's wellbeing has not been "
            "decided yet."
        )
    return EligibilityResult(
        eligible=needs_condition and impact is True,
        reasons=tuple(reasons),
        outcomes_not_achieved=not_achieved,
        outcomes_not_assessed=not_assessed,
        significant_impact=impact,
    )
