"""The guided conversation: stages, completion, and what it tells payments."""

from __future__ import annotations

from datetime import date

import pytest

from carer_desk import factories as make
from carer_desk.errors import ValidationError
from carer_desk.ids import new_id
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

CARER = new_id()


def _conversation(**fields: object) -> GuidedConversation:
    base: dict[str, object] = dict(
        carer_id=CARER,
        template_id="guided-conversation",
        template_version=1,
        started_on=date(2025, 4, 2),
        worker="amy.outreach",
    )
    base.update(fields)
    return GuidedConversation(**base)  # type: ignore[arg-type]


def test_a_draft_needs_no_assessment() -> None:
    draft = _conversation()
    assert draft.status == ConversationStatus.DRAFT
    assert draft.assessment_completed is False
    assert draft.has_safeguarding_concern is False


def test_a_complete_conversation_needs_stage_3_or_a_note_that_stage_1_was_enough() -> None:
    with pytest.raises(ValidationError) as caught:
        _conversation(status=ConversationStatus.COMPLETE, completed_on=date(2025, 4, 2))
    assert caught.value.problems == (
        (
            "stage3",
            "a complete conversation needs stage 3 (the assessment), or record that "
            "listening and connecting (stage 1) was enough",
        ),
    )
    enough = _conversation(
        status=ConversationStatus.COMPLETE, completed_on=date(2025, 4, 2), stage1_sufficient=True
    )
    assert enough.assessment_completed is False  # no assessment, so no payment follows


def test_a_completed_stage_3_is_a_completed_assessment() -> None:
    # A lawful stage 3: every outcome assessed, the impact decided, the wellbeing check.
    done = _conversation(
        status=ConversationStatus.COMPLETE,
        completed_on=date(2025, 4, 9),
        stage3=make.assessment(),
    )
    assert done.assessment_completed is True
    assert _conversation(stage3=make.assessment()).assessment_completed is False  # still draft


@pytest.mark.parametrize(
    "gap",
    [
        {"outcomes": make.outcomes()[:7]},
        {"significant_impact_on_wellbeing": None},
        {"wellbeing_check": ()},
    ],
    ids=["an outcome not assessed", "no impact decision", "no wellbeing check"],
)
def test_a_stage_3_missing_what_the_law_asks_is_no_assessment(gap: dict[str, object]) -> None:
    # Completed by an older or modified laptop without them, it still unlocks no payment.
    done = _conversation(
        status=ConversationStatus.COMPLETE,
        completed_on=date(2025, 4, 9),
        stage3=make.assessment(**gap),
    )
    assert done.assessment_completed is False
    empty = _conversation(
        status=ConversationStatus.COMPLETE, completed_on=date(2025, 4, 9), stage3=BuildAGoodLife()
    )
    assert empty.assessment_completed is False


def test_completion_dates_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        _conversation(status=ConversationStatus.COMPLETE, stage3=BuildAGoodLife())
    assert caught.value.problems == (
        ("completed_on", "a complete conversation needs the date it ended"),
    )
    with pytest.raises(ValidationError, match="completed_on: must not be before"):
        _conversation(
            status=ConversationStatus.COMPLETE,
            stage3=BuildAGoodLife(),
            completed_on=date(2025, 4, 1),
        )
    with pytest.raises(ValidationError, match="a draft has no completion date"):
        _conversation(completed_on=date(2025, 4, 3))
    with pytest.raises(ValidationError, match="review_date: must be after"):
        _conversation(review_date=date(2025, 4, 2))


def test_every_bad_field_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        _conversation(
            carer_id="x", template_id=" ", template_version=0, worker="", status="finished"
        )
    assert [p for p, _ in caught.value.problems] == [
        "carer_id",
        "template_id",
        "template_version",
        "worker",
        "status",
    ]


def test_a_safeguarding_concern_needs_details_and_is_flagged() -> None:
    with pytest.raises(ValidationError) as caught:
        UrgentSupport(safeguarding_concern=True)
    assert caught.value.problems == (
        (
            "safeguarding_details",
            "a safeguarding concern is raised; describe what was seen or said",
        ),
    )
    urgent = UrgentSupport(safeguarding_concern=True, safeguarding_details="Bruising seen")
    assert _conversation(stage2=urgent).has_safeguarding_concern is True


def test_answers_are_kept_by_prompt_and_replaced_in_place() -> None:
    stage1 = ListenAndConnect().with_answer("going_well", "Garden").with_answer("good_life", "X")
    stage1 = stage1.with_answer("going_well", "The garden and my sister")
    assert stage1.answers == (("going_well", "The garden and my sister"), ("good_life", "X"))
    assert stage1.answer_to("good_life") == "X"
    assert stage1.answer_to("strengths") is None
    with pytest.raises(ValidationError, match="prompt 'a' is answered twice"):
        ListenAndConnect(answers=(("a", "1"), ("a", "2")))


def test_a_reason_ticked_means_the_carer_is_unable_to_achieve_the_outcome() -> None:
    # Reg. 3(4): "only with help" (or with distress, or endangering someone) IS unable.
    # Issue 9 turned the old refusal ("tick 'unable' or clear the reasons") into this.
    ticked = OutcomeAssessment(
        outcome=CarerOutcome.NUTRITION, reasons=(UnableReason.ONLY_WITH_HELP,)
    )
    assert ticked.unable is True
    assert ticked.reasons == (UnableReason.ONLY_WITH_HELP,)
    assert OutcomeAssessment(outcome=CarerOutcome.NUTRITION, unable=True).unable  # plainly
    assert not OutcomeAssessment(outcome=CarerOutcome.NUTRITION).unable


def test_stage_3_refuses_duplicates() -> None:
    item = OutcomeAssessment(outcome=CarerOutcome.RECREATION, unable=True)
    answer = WellbeingAnswer(statement_id="manage_stress", answer=WellbeingScale.SOMETIMES)
    goal = Goal(description="A weekend away")
    action = SupportAction(description="Join the Witney group", tag=ActionTag.PREVENT)
    with pytest.raises(ValidationError) as caught:
        BuildAGoodLife(
            outcomes=(item, item),
            wellbeing_check=(answer, answer),
            goals=(goal, goal),
            actions=(action, action),
        )
    assert [p for p, _ in caught.value.problems] == [
        "outcomes[1].outcome",
        "wellbeing_check[1].statement_id",
        "goals[1].id",
        "actions[1].id",
    ]


def test_the_eight_outcomes_are_the_regulations_in_order() -> None:
    assert [o.letter for o in CarerOutcome] == list("abcdefgh")
    assert CarerOutcome.CARING_FOR_A_CHILD.label.startswith("Carrying out any caring")
    assert CarerOutcome.RECREATION.label == "Engaging in recreational activities"
    assert [s.score for s in WellbeingScale] == [0, 1, 2, 3]
