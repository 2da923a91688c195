"""Care Act eligibility for carers (Eligibility Criteria Regulations 2015, reg. 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk.records.conversation import (
    BuildAGoodLife,
    CarerOutcome,
    OutcomeAssessment,
    UnableReason,
)
from carer_desk.rules.eligibility import assess_eligibility


def _stage3(
    *, unable: tuple[CarerOutcome, ...] = (), health: bool = False, impact: bool = False
) -> BuildAGoodLife:
    outcomes = tuple(OutcomeAssessment(outcome=o, unable=o in unable) for o in CarerOutcome)
    return BuildAGoodLife(
        outcomes=outcomes,
        health_deteriorating_or_at_risk=health,
        significant_impact_on_wellbeing=impact,
    )


@pytest.mark.parametrize("outcome", list(CarerOutcome))
def test_one_outcome_not_achieved_is_enough_for_a_carer(outcome: CarerOutcome) -> None:
    # Adults needing care must fail two outcomes; carers need fail only one. Each of the
    # eight outcomes on its own, with a significant impact, makes the carer eligible.
    result = assess_eligibility(_stage3(unable=(outcome,), impact=True))
    assert result.eligible is True
    assert result.outcomes_not_achieved == (outcome,)
    assert any(f"({outcome.letter})" in reason for reason in result.reasons)


def test_the_two_outcome_rule_for_adults_is_never_applied() -> None:
    one = assess_eligibility(_stage3(unable=(CarerOutcome.RECREATION,), impact=True))
    two = assess_eligibility(
        _stage3(unable=(CarerOutcome.RECREATION, CarerOutcome.NUTRITION), impact=True)
    )
    assert one.eligible is two.eligible is True


def test_health_at_risk_alone_meets_the_first_condition() -> None:
    result = assess_eligibility(_stage3(health=True, impact=True))
    assert result.eligible is True
    assert result.outcomes_not_achieved == ()
    assert "health" in result.reasons[0]


def test_no_significant_impact_means_not_eligible_however_many_outcomes() -> None:
    result = assess_eligibility(_stage3(unable=tuple(CarerOutcome), health=True, impact=False))
    assert result.eligible is False
    assert len(result.outcomes_not_achieved) == 8
    assert "second condition" in result.reasons[-1]


def test_significant_impact_without_a_need_is_not_eligible() -> None:
    result = assess_eligibility(_stage3(impact=True))
    assert result.eligible is False
    assert any("first condition" in reason for reason in result.reasons)


def test_outcomes_not_assessed_count_as_achieved() -> None:
    stage3 = BuildAGoodLife(
        outcomes=(
            OutcomeAssessment(
                outcome=CarerOutcome.HABITABLE_HOME,
                unable=True,
                reasons=(UnableReason.ONLY_WITH_HELP,),
            ),
        ),
        significant_impact_on_wellbeing=True,
    )
    result = assess_eligibility(stage3)
    assert result.eligible is True
    assert result.outcomes_not_achieved == (CarerOutcome.HABITABLE_HOME,)


def test_outcomes_not_achieved_are_listed_in_the_regulations_order() -> None:
    stage3 = BuildAGoodLife(
        outcomes=(
            OutcomeAssessment(outcome=CarerOutcome.RECREATION, unable=True),
            OutcomeAssessment(outcome=CarerOutcome.CARING_FOR_A_CHILD, unable=True),
        ),
        significant_impact_on_wellbeing=True,
    )
    assert assess_eligibility(stage3).outcomes_not_achieved == (
        CarerOutcome.CARING_FOR_A_CHILD,
        CarerOutcome.RECREATION,
    )


@given(
    unable=st.sets(st.sampled_from(CarerOutcome)),
    health=st.booleans(),
    impact=st.booleans(),
)
def test_eligibility_matches_regulation_3(
    unable: set[CarerOutcome], health: bool, impact: bool
) -> None:
    result = assess_eligibility(_stage3(unable=tuple(unable), health=health, impact=impact))
    assert result.eligible == ((health or len(unable) >= 1) and impact)
    assert set(result.outcomes_not_achieved) == unable
    assert result.reasons  # the worker is always told why


@given(
    unable=st.sets(st.sampled_from(CarerOutcome), min_size=1), more=st.sampled_from(CarerOutcome)
)
def test_more_unmet_outcomes_never_make_a_carer_less_eligible(
    unable: set[CarerOutcome], more: CarerOutcome
) -> None:
    before = assess_eligibility(_stage3(unable=tuple(unable), impact=True))
    after = assess_eligibility(_stage3(unable=tuple(unable | {more}), impact=True))
    assert before.eligible and after.eligible
