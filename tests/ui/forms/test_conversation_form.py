"""The conversation form from the template (Qt-free): every part placed once, under the
prompt that asks it; version 1 read with version 1's questions; values and record agree."""

from __future__ import annotations

from datetime import date

from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    Goal,
    GuidedConversation,
    ListenAndConnect,
    OutcomeAssessment,
    SupportAction,
    UnableReason,
    UrgentSupport,
    WellbeingAnswer,
    WellbeingScale,
    WholeFamily,
)
from carer_desk.templates import load_template
from ui.forms.conversation_form import (
    STAGE_PARTS,
    conversation_from_values,
    layout_for,
    settled_outcome,
    values_of,
)


def _parts(stage) -> list[str]:
    return [p for b in stage.blocks for p in b.parts]


def _conversation(version: int, **parts) -> GuidedConversation:
    return GuidedConversation(
        carer_id="c" * 32,
        template_id="guided-conversation",
        template_version=version,
        started_on=date(2026, 3, 3),
        worker="asha",
        **parts,
    )


def test_every_part_is_placed_once_in_its_stage_in_both_versions():
    for version in (1, 2):
        template = load_template("guided-conversation", version)
        for stage in layout_for(template):
            parts = _parts(stage)
            assert sorted(parts) == sorted(STAGE_PARTS[stage.number]), (version, stage.number)
            prompts = [b.prompt_id for b in stage.blocks if b.prompt_id]
            assert prompts == [p.id for p in template.stage(stage.number).prompts]


def test_version_1_has_no_children_prompt_so_the_family_follows_the_information_given():
    v1 = layout_for(load_template("guided-conversation", 1))[0]
    v2 = layout_for(load_template("guided-conversation", 2))[0]
    family_v2 = next(b for b in v2.blocks if "family" in b.parts)
    assert family_v2.prompt_id == "children_at_home"
    family_v1 = next(i for i, b in enumerate(v1.blocks) if "family" in b.parts)
    assert v1.blocks[family_v1].prompt_id is None
    assert "signposting_given" in v1.blocks[family_v1 - 1].parts


def test_the_wellbeing_check_comes_after_the_impact_question():
    stage3 = layout_for(load_template("guided-conversation", 2))[2]
    order = _parts(stage3)
    assert order.index("wellbeing") == order.index("eligibility") + 1


def test_a_whole_conversation_goes_to_values_and_back_unchanged():
    template = load_template("guided-conversation", 2)
    conversation = _conversation(
        2,
        seen_alone=True,
        stage1=ListenAndConnect(
            answers=(("going_well", "My sister rings"), ("your_caring", "Mum has dementia")),
            what_matters="Sleep",
            circle_of_support="Sister",
        ),
        stage2=UrgentSupport(what_must_change_now="Respite", emergency_plan_needed=True),
        stage3=BuildAGoodLife(
            outcomes=(
                OutcomeAssessment(outcome=CarerOutcome.NUTRITION, unable=False),
                OutcomeAssessment(
                    outcome=CarerOutcome.RECREATION,
                    unable=True,
                    reasons=(UnableReason.ONLY_WITH_HELP,),
                    notes="No time",
                ),
            ),
            significant_impact_on_wellbeing=True,
            wellbeing_check=(
                WellbeingAnswer(statement_id="care_safely", answer=WellbeingScale.SOMETIMES),
            ),
            goals=(Goal(description="Walk weekly"),),
            actions=(SupportAction(description="Sitter", tag=ActionTag.DELAY, owner="worker"),),
            able_to_continue_caring=True,
            willing_to_continue_caring=False,
        ),
        family=WholeFamily(children_in_household=True, children_helping_with_care=False),
        review_date=date(2026, 9, 3),
    )
    built, problems = conversation_from_values(conversation, template, values_of(conversation))
    assert problems == {}
    # Answers come back in the template's order; everything else as it was.
    assert built.stage1.answers == (
        ("your_caring", "Mum has dementia"),
        ("going_well", "My sister rings"),
    )
    assert built.stage2 == conversation.stage2
    assert built.stage3 == conversation.stage3
    assert built.family == conversation.family
    assert (built.seen_alone, built.review_date) == (True, date(2026, 9, 3))


def test_problems_are_named_by_field_and_nothing_is_built():
    template = load_template("guided-conversation", 2)
    conversation = _conversation(2)
    values = {
        "crisis": True,
        "safeguarding_concern": True,
        "review_date": "31/2/2026",
        "actions": [{"description": "Sitter", "tag": None}],
        "outcome.nutrition.notes": "hard",
    }
    built, problems = conversation_from_values(conversation, template, values)
    assert built is None
    assert set(problems) == {
        "safeguarding_details",
        "review_date",
        "actions.0.tag",
        "outcome.nutrition.state",
    }


def test_no_crisis_means_no_stage_2_and_nothing_typed_in_stage_3_means_no_stage_3():
    template = load_template("guided-conversation", 2)
    built, _ = conversation_from_values(
        _conversation(2), template, {"what_must_change_now": "Respite", "crisis": False}
    )
    assert built.stage2 is None and built.stage3 is None


def test_a_reason_ticked_marks_the_outcome_unable_and_can_achieve_clears_the_reasons():
    key = "outcome.nutrition"
    assert settled_outcome(f"{key}.reasons", {f"{key}.reasons": ["only_with_help"]}) == {
        f"{key}.state": "unable"
    }
    assert settled_outcome(
        f"{key}.state", {f"{key}.state": "able", f"{key}.reasons": ["only_with_help"]}
    ) == {f"{key}.reasons": []}
    assert settled_outcome("impact", {"impact": "yes"}) == {}
