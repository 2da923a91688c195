"""The three-stage guided conversation (BRIEF §2) and the carer's assessment inside it.

Stage 1 "Listen and connect" is always there; stage 2 "Urgent support" only when the carer
is in crisis; stage 3 "Build a good life" is the Care Act carer's assessment proper. A
conversation keeps the template id and version it was held with, so its prompts can be
shown as they were asked even after the template changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from carer_desk.ids import new_id
from carer_desk.records.plausible_dates import NOT_IN_FUTURE
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text

logger = logging.getLogger(__name__)


class ConversationStatus(LabelledEnum):
    DRAFT = ("draft", "Draft")
    COMPLETE = ("complete", "Complete")


class ConversationMode(LabelledEnum):
    """How the conversation was held (the contract report separates self-assessments)."""

    IN_PERSON = ("in_person", "In person")
    PHONE = ("phone", "By phone")
    VIDEO = ("video", "By video call")
    SELF_ASSESSMENT = ("self_assessment", "Self-assessment (online portal)")


class CarerOutcome(LabelledEnum):
    """The eight carer outcomes of the Care and Support (Eligibility Criteria) Regulations
    2015, reg. 3(3)(a)-(h), in the regulation's order."""

    CARING_FOR_A_CHILD = (
        "caring_for_a_child",
        "Carrying out any caring responsibilities the carer has for a child",
    )
    CARING_FOR_OTHERS = (
        "caring_for_others",
        "Providing care to other persons for whom the carer provides care",
    )
    HABITABLE_HOME = ("habitable_home", "Maintaining a habitable home environment")
    NUTRITION = ("nutrition", "Managing and maintaining nutrition")
    RELATIONSHIPS = (
        "relationships",
        "Developing and maintaining family or other personal relationships",
    )
    WORK_TRAINING_EDUCATION = (
        "work_training_education",
        "Engaging in work, training, education or volunteering",
    )
    LOCAL_FACILITIES = (
        "local_facilities",
        "Making use of necessary facilities or services in the local community, "
        "including recreational facilities or services",
    )
    RECREATION = ("recreation", "Engaging in recreational activities")

    @property
    def letter(self) -> str:
        """The regulation's paragraph letter, "a" to "h"."""
        return "abcdefgh"[list(CarerOutcome).index(self)]


class UnableReason(LabelledEnum):
    """Reg. 3(4): a carer counts as unable to achieve an outcome when they can only do so
    with help, with significant pain, distress or anxiety, or by endangering someone."""

    ONLY_WITH_HELP = ("only_with_help", "Only with help")
    SIGNIFICANT_PAIN_DISTRESS_ANXIETY = (
        "significant_pain_distress_anxiety",
        "With significant pain, distress or anxiety",
    )
    ENDANGERS_SELF_OR_OTHERS = (
        "endangers_self_or_others",
        "Endangers their own or others' health or safety",
    )


class WellbeingScale(LabelledEnum):
    NEVER = ("never", "Never")
    SOMETIMES = ("sometimes", "Sometimes")
    MOST_OF_THE_TIME = ("most_of_the_time", "Most of the time")
    ALWAYS = ("always", "Always")

    @property
    def score(self) -> int:
        """0-3, so a carer's answers over time can be charted as a trajectory."""
        return list(WellbeingScale).index(self)


class GoalAttainment(LabelledEnum):
    NOT_ACHIEVED = ("not_achieved", "Not achieved")
    PARTLY_ACHIEVED = ("partly_achieved", "Partly achieved")
    ACHIEVED = ("achieved", "Achieved")
    EXCEEDED = ("exceeded", "Better than hoped")


class ActionTag(LabelledEnum):
    PREVENT = ("prevent", "Prevent")
    REDUCE = ("reduce", "Reduce")
    DELAY = ("delay", "Delay")
    SUPPORT_NOW = ("support_now", "Support now")


# --- stage 1 --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ListenAndConnect:
    # (prompt_id, text) pairs in the order they were answered; prompt ids come from the
    # conversation's template version.
    answers: tuple[tuple[str, str], ...] = ()
    what_matters: str | None = None
    strengths: str | None = None
    circle_of_support: str | None = None
    community_assets: str | None = None
    signposting_given: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(
            self,
            "what_matters",
            "strengths",
            "circle_of_support",
            "community_assets",
            "signposting_given",
        )
        problems = Problems()
        if not isinstance(self.answers, tuple):
            problems.add("answers", "must be a tuple of (prompt id, answer) pairs")
        else:
            seen: set[str] = set()
            for index, pair in enumerate(self.answers):
                if (
                    not isinstance(pair, tuple)
                    or len(pair) != 2
                    or not all(isinstance(p, str) for p in pair)
                ):
                    problems.add(f"answers[{index}]", "must be a (prompt id, answer) pair")
                    continue
                if not pair[0].strip():
                    problems.add(f"answers[{index}]", "has no prompt id")
                if pair[0] in seen:
                    problems.add(f"answers[{index}]", f"prompt {pair[0]!r} is answered twice")
                seen.add(pair[0])
        problems.raise_if_any()

    def answer_to(self, prompt_id: str) -> str | None:
        for pid, text in self.answers:
            if pid == prompt_id:
                return text
        return None

    def with_answer(self, prompt_id: str, text: str) -> ListenAndConnect:
        """A copy with ``prompt_id`` answered (replacing an earlier answer in place)."""
        from dataclasses import replace

        pairs = list(self.answers)
        for index, (pid, _) in enumerate(pairs):
            if pid == prompt_id:
                pairs[index] = (prompt_id, text)
                break
        else:
            pairs.append((prompt_id, text))
        return replace(self, answers=tuple(pairs))


# --- stage 2 --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UrgentSupport:
    what_must_change_now: str | None = None
    immediate_help: str | None = None
    emergency_plan_needed: bool = False
    safeguarding_concern: bool = False
    safeguarding_details: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "what_must_change_now", "immediate_help", "safeguarding_details")
        problems = Problems()
        problems.require_bool("emergency_plan_needed", self.emergency_plan_needed)
        problems.require_bool("safeguarding_concern", self.safeguarding_concern)
        if self.safeguarding_concern is True and self.safeguarding_details is None:
            problems.add(
                "safeguarding_details",
                "a safeguarding concern is raised; describe what was seen or said",
            )
        problems.raise_if_any()


# --- stage 3 --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeAssessment:
    outcome: CarerOutcome
    unable: bool = False
    reasons: tuple[UnableReason, ...] = ()
    notes: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "notes")
        problems = Problems()
        problems.require_enum("outcome", self.outcome, CarerOutcome)
        problems.require_bool("unable", self.unable)
        problems.require_enum_tuple("reasons", self.reasons, UnableReason)
        if self.unable is False and self.reasons:
            problems.add(
                "reasons",
                "reasons are only recorded when the carer is unable to achieve "
                "the outcome; tick 'unable' or clear the reasons",
            )
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class WellbeingAnswer:
    statement_id: str
    answer: WellbeingScale

    def __post_init__(self) -> None:
        clean_text(self, "statement_id")
        problems = Problems()
        problems.require_text("statement_id", self.statement_id, "the statement id")
        problems.require_enum("answer", self.answer, WellbeingScale)
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    id: str = field(default_factory=new_id)
    description: str
    attainment: GoalAttainment | None = None

    def __post_init__(self) -> None:
        clean_text(self, "description")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_text("description", self.description, "the goal in the carer's words")
        problems.require_enum("attainment", self.attainment, GoalAttainment, optional=True)
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportAction:
    id: str = field(default_factory=new_id)
    description: str
    tag: ActionTag
    owner: str | None = None  # who will do it: the carer, the worker, a named service
    due: date | None = None
    done_on: date | None = None

    def __post_init__(self) -> None:
        clean_text(self, "description")
        clean_optional_text(self, "owner")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_text("description", self.description, "what will be done")
        problems.require_enum("tag", self.tag, ActionTag)
        problems.require_date("due", self.due, optional=True)
        problems.require_date("done_on", self.done_on, optional=True)
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildAGoodLife:
    outcomes: tuple[OutcomeAssessment, ...] = ()
    health_deteriorating_or_at_risk: bool = False
    significant_impact_on_wellbeing: bool = False
    wellbeing_check: tuple[WellbeingAnswer, ...] = ()
    goals: tuple[Goal, ...] = ()
    actions: tuple[SupportAction, ...] = ()
    payment_recommended: bool = False

    def __post_init__(self) -> None:
        problems = Problems()
        if problems.require_tuple_of("outcomes", self.outcomes, OutcomeAssessment):
            problems.unique_ids("outcomes", self.outcomes, "outcome")
        problems.require_bool(
            "health_deteriorating_or_at_risk", self.health_deteriorating_or_at_risk
        )
        problems.require_bool(
            "significant_impact_on_wellbeing", self.significant_impact_on_wellbeing
        )
        if problems.require_tuple_of("wellbeing_check", self.wellbeing_check, WellbeingAnswer):
            problems.unique_ids("wellbeing_check", self.wellbeing_check, "statement_id")
        if problems.require_tuple_of("goals", self.goals, Goal):
            problems.unique_ids("goals", self.goals)
        if problems.require_tuple_of("actions", self.actions, SupportAction):
            problems.unique_ids("actions", self.actions)
        problems.require_bool("payment_recommended", self.payment_recommended)
        problems.raise_if_any()

    def assessment_for(self, outcome: CarerOutcome) -> OutcomeAssessment | None:
        for item in self.outcomes:
            if item.outcome == outcome:
                return item
        return None


# --- the conversation -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GuidedConversation:
    id: str = field(default_factory=new_id)
    carer_id: str
    template_id: str
    template_version: int
    started_on: date = field(metadata=NOT_IN_FUTURE)
    worker: str  # username of the person holding the conversation
    mode: ConversationMode = ConversationMode.IN_PERSON
    is_review: bool = False  # a review of an earlier assessment (counted in reports)
    seen_alone: bool | None = None  # seen without the person they care for?
    stage1: ListenAndConnect = field(default_factory=ListenAndConnect)
    stage2: UrgentSupport | None = None
    stage3: BuildAGoodLife | None = None
    # The worker's record that listening and connecting was all the carer needed, so a
    # conversation can be complete without the assessment proper.
    stage1_sufficient: bool = False
    review_date: date | None = None
    reviewed_on: date | None = None  # when the office reviewed a self-assessment
    status: ConversationStatus = ConversationStatus.DRAFT
    completed_on: date | None = None

    def __post_init__(self) -> None:
        clean_text(self, "template_id", "worker")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_id("carer_id", self.carer_id)
        problems.require_text("template_id", self.template_id, "the template id")
        if (
            isinstance(self.template_version, bool)
            or not isinstance(self.template_version, int)
            or self.template_version < 1
        ):
            problems.add("template_version", "must be a whole number from 1")
        started = problems.require_date("started_on", self.started_on)
        problems.require_text("worker", self.worker, "the worker's username")
        problems.require_enum("mode", self.mode, ConversationMode)
        problems.require_bool("is_review", self.is_review)
        if self.seen_alone is not None and not isinstance(self.seen_alone, bool):
            problems.add("seen_alone", "must be yes, no or not recorded")
        if not isinstance(self.stage1, ListenAndConnect):
            problems.add("stage1", "must be ListenAndConnect")
        if self.stage2 is not None and not isinstance(self.stage2, UrgentSupport):
            problems.add("stage2", "must be UrgentSupport or absent")
        if self.stage3 is not None and not isinstance(self.stage3, BuildAGoodLife):
            problems.add("stage3", "must be BuildAGoodLife or absent")
        problems.require_bool("stage1_sufficient", self.stage1_sufficient)
        if (
            problems.require_date("review_date", self.review_date, optional=True)
            and started
            and self.review_date <= self.started_on
        ):  # type: ignore[operator]
            problems.add("review_date", "must be after the conversation started")
        if (
            problems.require_date("reviewed_on", self.reviewed_on, optional=True)
            and started
            and self.reviewed_on < self.started_on
        ):  # type: ignore[operator]
            problems.add("reviewed_on", "must not be before the conversation started")
        problems.require_enum("status", self.status, ConversationStatus)
        has_completed = problems.require_date("completed_on", self.completed_on, optional=True)
        if self.status == ConversationStatus.COMPLETE:
            if self.completed_on is None:
                problems.add("completed_on", "a complete conversation needs the date it ended")
            elif has_completed and started and self.completed_on < self.started_on:
                problems.add("completed_on", "must not be before the conversation started")
            if self.stage3 is None and not self.stage1_sufficient:
                problems.add(
                    "stage3",
                    "a complete conversation needs stage 3 (the assessment), or record that "
                    "listening and connecting (stage 1) was enough",
                )
        elif self.status == ConversationStatus.DRAFT and self.completed_on is not None:
            problems.add("completed_on", "a draft has no completion date; mark it complete")
        problems.raise_if_any()

    @property
    def assessment_completed(self) -> bool:
        """Whether a carer's assessment was completed (payments depend on one)."""
        return self.status == ConversationStatus.COMPLETE and self.stage3 is not None

    @property
    def has_safeguarding_concern(self) -> bool:
        """Safeguarding concerns sync first (storage gives them the top priority)."""
        return self.stage2 is not None and self.stage2.safeguarding_concern
