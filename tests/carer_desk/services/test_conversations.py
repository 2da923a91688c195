"""Guided-conversation use cases against a real vault."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carer_desk.clock import SettableClock
from carer_desk.config import PaymentSettings, Settings, TemplateSettings
from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.factories.conversations import WELLBEING_STATEMENTS
from carer_desk.ports import Priority
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    ConversationStatus,
    GoalAttainment,
    OutcomeAssessment,
    UnableReason,
    UrgentSupport,
    WellbeingScale,
)
from carer_desk.services.conversations import ConversationService
from carer_desk.templates import default_root
from tests.carer_desk.services.service_support import TODAY, add_carer

STATEMENTS = WELLBEING_STATEMENTS  # the eight statements of the shipped templates


@pytest.fixture
def service(vault, settings, clock):
    return ConversationService(vault, settings, clock)


def _assess(service: ConversationService, conversation_id: str, *, check: bool = True) -> None:
    """What completing an assessment needs besides goals: every outcome, the impact
    decision, the wellbeing check (unless already recorded) and, as the current template
    asks, whether the carer is able and willing to continue caring."""
    for outcome in CarerOutcome:
        service.assess_outcome(conversation_id, outcome, unable=outcome is CarerOutcome.RECREATION)
    service.decide_impact(conversation_id, True)
    if check:
        service.record_wellbeing_check(conversation_id, dict.fromkeys(STATEMENTS, "sometimes"))
    service.record_continuing_to_care(conversation_id, able=True, willing=True)


def _copy_template(root, version: int, title: str) -> None:
    shipped = json.loads(
        default_root().joinpath("guided-conversation").joinpath("v1.json").read_text("utf-8")
    )
    shipped["version"] = version
    shipped["title"] = title
    folder = root / "guided-conversation"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"v{version}.json").write_text(json.dumps(shipped), encoding="utf-8")


def test_start_uses_the_latest_template_and_the_conversation_keeps_its_version(
    vault, settings, clock, carer, tmp_path
):
    root = tmp_path / "templates"
    _copy_template(root, 1, "First wording")
    _copy_template(root, 2, "Second wording")
    service = ConversationService(vault, settings, clock, template_root=root)
    conversation = service.start(carer.id)
    assert (conversation.template_id, conversation.template_version) == ("guided-conversation", 2)
    assert conversation.started_on == TODAY
    assert conversation.worker == "tester"
    assert conversation.status == ConversationStatus.DRAFT
    # A new wording ships later; the saved conversation still reads as it was asked.
    _copy_template(root, 3, "Third wording")
    reopened = service.get(conversation.id)
    assert service.template(reopened).title == "Second wording"
    assert service.start(carer.id).template_version == 3


def test_start_follows_the_configured_default_template(vault, clock, carer, tmp_path):
    root = tmp_path / "templates"
    _copy_template(root, 1, "Shipped")
    other = Settings(templates=TemplateSettings(default_conversation_template="no-such-template"))
    with pytest.raises(NotFoundError, match="no-such-template"):
        ConversationService(vault, other, clock, template_root=root).start(carer.id)


def test_start_for_a_carer_not_on_the_laptop_says_to_register_them(service):
    with pytest.raises(NotFoundError, match="register the carer"):
        service.start("0" * 32)


def test_answers_are_kept_per_prompt_and_survive_reopening(vault, settings, clock, carer):
    service = ConversationService(vault, settings, clock)
    conversation = service.start(carer.id)
    service.answer(conversation.id, "what_matters", "Seeing my grandchildren")
    service.answer(conversation.id, "strengths", "My sister helps on Sundays")
    service.answer(conversation.id, "what_matters", "Seeing my grandchildren and walking")
    reopened = ConversationService(vault, settings, clock).get(conversation.id)
    assert reopened.stage1.answers == (
        ("what_matters", "Seeing my grandchildren and walking"),
        ("strengths", "My sister helps on Sundays"),
    )


def test_an_answer_to_a_prompt_the_template_does_not_have_is_refused(service, carer):
    conversation = service.start(carer.id)
    with pytest.raises(ValidationError, match="'favourite_colour' is not a stage 1 prompt"):
        service.answer(conversation.id, "favourite_colour", "blue")
    with pytest.raises(ValidationError, match="blank"):
        service.answer(conversation.id, "what_matters", "   ")


def test_completing_needs_stage_3_or_stage_1_recorded_as_enough(service, carer):
    conversation = service.start(carer.id)
    with pytest.raises(RuleViolation, match="fill in stage 3"):
        service.complete(conversation.id)
    done = service.complete(conversation.id, stage1_sufficient=True)
    assert done.status == ConversationStatus.COMPLETE
    assert done.completed_on == TODAY
    assert done.review_date == date(2026, 6, 2)
    # Listening was enough: it is not a carer's assessment (no payment can follow).
    assert not done.assessment_completed


def test_completed_assessment_gets_the_configured_review_date_and_is_then_read_only(vault, carer):
    clock = SettableClock(date(2025, 1, 31))
    six_months = Settings(payments=PaymentSettings(assessment_valid_months=6))
    service = ConversationService(vault, six_months, clock)
    conversation = service.start(carer.id)
    service.add_goal(conversation.id, "Have an evening out each month")
    _assess(service, conversation.id)
    clock.day = date(2025, 2, 3)
    done = service.complete(conversation.id)
    assert done.assessment_completed
    assert done.completed_on == date(2025, 2, 3)
    assert done.review_date == date(2025, 8, 3)
    with pytest.raises(RuleViolation, match="start a review conversation"):
        service.add_goal(conversation.id, "Another goal")
    assert service.get(conversation.id) == done


def test_goals_and_tagged_actions_build_the_support_plan(service, carer):
    conversation = service.start(carer.id)
    goal = service.add_goal(conversation.id, "  Get back to choir  ")
    service.add_action(conversation.id, "Find a sitter for Tuesdays", ActionTag.PREVENT)
    service.add_action(
        conversation.id,
        "Refer to the falls team",
        ActionTag.REDUCE,
        owner="worker",
        due=date(2025, 6, 30),
    )
    service.rate_goal(conversation.id, goal.id, GoalAttainment.PARTLY_ACHIEVED)
    stage3 = service.get(conversation.id).stage3
    assert [(g.description, g.attainment) for g in stage3.goals] == [
        ("Get back to choir", GoalAttainment.PARTLY_ACHIEVED)
    ]
    assert [(a.description, a.tag, a.due) for a in stage3.actions] == [
        ("Find a sitter for Tuesdays", ActionTag.PREVENT, None),
        ("Refer to the falls team", ActionTag.REDUCE, date(2025, 6, 30)),
    ]
    with pytest.raises(ValidationError, match="tag"):
        service.add_action(conversation.id, "No tag", "someday")


def test_a_safeguarding_concern_is_queued_ahead_of_everything_else(vault, service, carer):
    other = add_carer(vault, "Bob", "Day")
    conversation = service.start(carer.id)
    service.start(other.id)
    service.save_stage2(
        conversation.id,
        UrgentSupport(
            what_must_change_now="Night-time help",
            safeguarding_concern=True,
            safeguarding_details="Bruising seen on the cared-for person's arm",
        ),
    )
    first = vault.outbox_pending(limit=1)[0]
    assert first.record_id == conversation.id
    assert first.priority == Priority.SAFEGUARDING


def test_wellbeing_trajectory_lists_completed_checks_in_date_order(vault, settings, carer):
    clock = SettableClock(date(2024, 3, 1))
    service = ConversationService(vault, settings, clock)

    def held(day: date, answer: WellbeingScale, complete: bool = True) -> str:
        clock.day = day
        conversation = service.start(carer.id, is_review=day > date(2024, 3, 1))
        service.record_wellbeing_check(conversation.id, dict.fromkeys(STATEMENTS, answer))
        if complete:
            _assess(service, conversation.id, check=False)
            service.complete(conversation.id)
        return conversation.id

    later = held(date(2025, 3, 3), WellbeingScale.MOST_OF_THE_TIME)
    first = held(date(2024, 3, 1), WellbeingScale.NEVER)
    held(date(2025, 5, 1), WellbeingScale.ALWAYS, complete=False)  # a draft is not a result
    points = service.wellbeing_trajectory(carer.id)
    assert [(p.conversation_id, p.on, p.score, p.max_score) for p in points] == [
        (first, date(2024, 3, 1), 0, 24),
        (later, date(2025, 3, 3), 16, 24),
    ]


def test_wellbeing_check_refuses_statements_and_answers_the_template_does_not_have(service, carer):
    conversation = service.start(carer.id)
    with pytest.raises(ValidationError, match="'often' is not one of"):
        service.record_wellbeing_check(conversation.id, {"care_safely": "often"})
    with pytest.raises(ValidationError, match="not a statement"):
        service.record_wellbeing_check(conversation.id, {"likes_cats": "always"})
    partial = service.record_wellbeing_check(conversation.id, {"care_safely": "sometimes"})
    assert [(a.statement_id, a.answer) for a in partial.stage3.wellbeing_check] == [
        ("care_safely", WellbeingScale.SOMETIMES)
    ]


def test_eligibility_needs_one_outcome_not_two_for_a_carer(service, carer):
    conversation = service.start(carer.id)
    with pytest.raises(RuleViolation, match="fill in stage 3"):
        service.eligibility(conversation.id)
    service.save_stage3(
        conversation.id,
        BuildAGoodLife(
            outcomes=(
                OutcomeAssessment(
                    outcome=CarerOutcome.RECREATION,
                    unable=True,
                    reasons=(UnableReason.SIGNIFICANT_PAIN_DISTRESS_ANXIETY,),
                ),
            ),
            significant_impact_on_wellbeing=True,
        ),
    )
    result = service.eligibility(conversation.id)
    assert result.eligible
    assert result.outcomes_not_achieved == (CarerOutcome.RECREATION,)


def test_reading_a_conversation_is_audited_and_lists_only_that_carers(vault, service, carer):
    other = add_carer(vault, "Bob", "Day")
    mine = service.start(carer.id)
    service.start(other.id)
    service.get(mine.id)
    views = [e for e in vault.audit_entries() if e.action == "view"]
    assert views[-1].record_id == mine.id and views[-1].actor == "tester"
    assert [c.id for c in service.list_for_carer(carer.id)] == [mine.id]
    with pytest.raises(NotFoundError, match="may not have synced"):
        service.get("f" * 32)


_steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("answer"),
            st.sampled_from(["what_matters", "strengths", "community"]),
            st.text("abc xyz", min_size=1, max_size=8).filter(str.strip),
        ),
        st.tuples(st.just("goal"), st.text("abcdef ", min_size=1, max_size=8).filter(str.strip)),
        st.tuples(st.just("action"), st.sampled_from(list(ActionTag))),
    ),
    max_size=12,
)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_steps)
def test_interleaved_edits_keep_every_goal_action_and_latest_answer(vault, settings, carer, steps):
    service = ConversationService(vault, settings, SettableClock(TODAY))
    conversation = service.start(carer.id)
    answers: dict[str, str] = {}
    goals: list[str] = []
    actions: list[ActionTag] = []
    for step in steps:
        if step[0] == "answer":
            service.answer(conversation.id, step[1], step[2])
            answers[step[1]] = step[2].strip()
        elif step[0] == "goal":
            goals.append(service.add_goal(conversation.id, step[1]).description)
        else:
            service.add_action(conversation.id, "Do it", step[1])
            actions.append(step[1])
    saved = service.get(conversation.id)
    assert dict(saved.stage1.answers) == answers
    stage3 = saved.stage3 or BuildAGoodLife()
    assert [g.description for g in stage3.goals] == goals
    assert [a.tag for a in stage3.actions] == actions


# --- what the window's conversation page uses --------------------------------------------


def test_save_draft_writes_every_part_in_one_go_and_keeps_identity_and_status(service, carer):
    from dataclasses import replace

    from carer_desk.records.conversation import ListenAndConnect, UrgentSupport

    draft = service.start(carer.id)
    typed = replace(
        draft,
        seen_alone=True,
        stage1=ListenAndConnect(answers=(("going_well", "My sister rings"),), strengths="Calm"),
        stage2=UrgentSupport(what_must_change_now="Respite"),
        status=ConversationStatus.DRAFT,
    )
    saved = service.save_draft(typed)
    again = service.get(draft.id)
    assert again == saved
    assert again.stage1.answer_to("going_well") == "My sister rings"
    assert again.stage2.what_must_change_now == "Respite" and again.seen_alone is True
    with pytest.raises(RuleViolation, match="another carer or template"):
        service.save_draft(replace(typed, template_version=1))
    with pytest.raises(ValidationError, match="not a stage 1 prompt"):
        service.save_draft(replace(typed, stage1=ListenAndConnect(answers=(("cats", "x"),))))
    _assess(service, draft.id)
    service.complete(draft.id)
    with pytest.raises(RuleViolation, match="kept as it was agreed"):
        service.save_draft(typed)


def test_a_review_starts_with_last_times_goals_to_rate_and_knows_the_previous_one(
    vault, settings, carer
):
    clock = SettableClock(date(2025, 3, 3))
    service = ConversationService(vault, settings, clock)
    first = service.start(carer.id)
    goal = service.add_goal(first.id, "Rejoin the choir")
    _assess(service, first.id)
    service.complete(first.id)
    clock.day = date(2025, 9, 3)
    review = service.start(carer.id, is_review=True)
    assert [(g.id, g.description, g.attainment) for g in review.stage3.goals] == [
        (goal.id, "Rejoin the choir", None)
    ]
    assert service.previous(review).id == first.id
    assert service.previous(service.get(first.id)) is None
    assert service.start(carer.id).stage3 is None  # not a review: nothing carried


def test_complete_keeps_an_earlier_review_date_agreed_with_the_carer_never_a_later_one(
    service, carer
):
    draft = service.start(carer.id)
    _assess(service, draft.id)
    with pytest.raises(ValidationError, match="no later than"):
        service.complete(draft.id, review_date=date(2040, 1, 1))
    with pytest.raises(ValidationError, match="after today"):
        service.complete(draft.id, review_date=TODAY)
    agreed = TODAY + timedelta(days=90)
    assert service.complete(draft.id, review_date=agreed).review_date == agreed
