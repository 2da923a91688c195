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
from carer_desk.validation import Problems, clean_optional_text, clean_text, set_field

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


class LegalRoute(LabelledEnum):
    """The law a carer's assessment is held under (BRIEF §2). Reg. 3 eligibility is for
    adult carers of adults; young carers and parent carers of disabled children are
    assessed under the Children Act 1989. The settings hold the wording printed."""

    ADULT_CARER = ("adult_carer", "Adult carer (Care Act 2014)")
    YOUNG_CARER = ("young_carer", "Young carer (Children Act 1989, s.17ZA)")
    PARENT_CARER = ("parent_carer", "Parent carer of a disabled child (Children Act 1989, s.17ZD)")


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
        if self.unable is False and isinstance(self.reasons, tuple) and self.reasons:
            # Reg. 3(4): achieving an outcome only with help, with significant pain,
            # distress or anxiety, or by endangering someone IS being unable to achieve
            # it. A reason ticked therefore means "unable"; it is never refused.
            set_field(self, "unable", True)
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


def _optional_bool(problems: Problems, path: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        problems.add(path, "must be yes, no or not decided yet")


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildAGoodLife:
    outcomes: tuple[OutcomeAssessment, ...] = ()
    health_deteriorating_or_at_risk: bool = False
    # The worker's decision (yes or no); None until it is made, so "not decided" is never
    # mistaken for "no impact".
    significant_impact_on_wellbeing: bool | None = None
    wellbeing_check: tuple[WellbeingAnswer, ...] = ()
    goals: tuple[Goal, ...] = ()
    actions: tuple[SupportAction, ...] = ()
    payment_recommended: bool = False
    # Care Act s.10(5): whether the carer is able, and willing, to continue caring.
    able_to_continue_caring: bool | None = None
    willing_to_continue_caring: bool | None = None
    continuing_to_care_notes: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "continuing_to_care_notes")
        problems = Problems()
        if problems.require_tuple_of("outcomes", self.outcomes, OutcomeAssessment):
            problems.unique_ids("outcomes", self.outcomes, "outcome")
        problems.require_bool(
            "health_deteriorating_or_at_risk", self.health_deteriorating_or_at_risk
        )
        _optional_bool(
            problems, "significant_impact_on_wellbeing", self.significant_impact_on_wellbeing
        )
        _optional_bool(problems, "able_to_continue_caring", self.able_to_continue_caring)
        _optional_bool(problems, "willing_to_continue_caring", self.willing_to_continue_caring)
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

    @property
    def outcomes_not_assessed(self) -> tuple[CarerOutcome, ...]:
        """The reg. 3 outcomes with no assessment yet, in the regulation's order."""
        assessed = {item.outcome for item in self.outcomes}
        return tuple(o for o in CarerOutcome if o not in assessed)

    @property
    def is_lawful_assessment(self) -> bool:
        """Whether this records what a carer's assessment must (BRIEF §2): every outcome
        assessed, the significant-impact decision made, and the wellbeing check."""
        return (
            not self.outcomes_not_assessed
            and self.significant_impact_on_wellbeing is not None
            and bool(self.wellbeing_check)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityDetermination:
    """The written record of the eligibility determination and its reasons (Care Act
    2014 s.13(2)), made when the conversation is completed and kept with it unchanged."""

    determined_on: date
    determined_by: str
    route: LegalRoute
    route_wording: str  # the legal route in the words the settings held at the time
    # None when the assessment is not held under reg. 3 (a young or parent carer).
    eligible: bool | None
    reasons: tuple[str, ...]
    outcomes_not_achieved: tuple[CarerOutcome, ...] = ()

    def __post_init__(self) -> None:
        clean_text(self, "determined_by", "route_wording")
        problems = Problems()
        problems.require_date("determined_on", self.determined_on)
        problems.require_text("determined_by", self.determined_by, "who made the decision")
        problems.require_enum("route", self.route, LegalRoute)
        problems.require_text("route_wording", self.route_wording, "the legal route")
        _optional_bool(problems, "eligible", self.eligible)
        if not isinstance(self.reasons, tuple) or not all(
            isinstance(r, str) and r.strip() for r in self.reasons
        ):
            problems.add("reasons", "must be the reasons, in words")
        elif not self.reasons:
            problems.add("reasons", "a determination gives its reasons")
        problems.require_enum_tuple(
            "outcomes_not_achieved", self.outcomes_not_achieved, CarerOutcome
        )
        problems.raise_if_any()

    @property
    def summary(self) -> str:
        """One sentence for the carer's file and letters."""
        if self.eligible is None:
            return f"Assessed under {self.route_wording}."
        return (
            "The carer has eligible needs for support."
            if self.eligible
            else "The carer does not have eligible needs under reg. 3."
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WholeFamily:
    """The whole-family view (BRIEF §2): children in the household who help with care
    may be young carers, and are referred to the young carers' service."""

    children_in_household: bool | None = None
    children_helping_with_care: bool | None = None
    young_carer_referral_on: date | None = field(default=None, metadata=NOT_IN_FUTURE)
    notes: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "notes")
        problems = Problems()
        _optional_bool(problems, "children_in_household", self.children_in_household)
        _optional_bool(problems, "children_helping_with_care", self.children_helping_with_care)
        problems.require_date(
            "young_carer_referral_on", self.young_carer_referral_on, optional=True
        )
        if self.children_helping_with_care is True and self.children_in_household is False:
            problems.add(
                "children_in_household",
                "a child helps with care, so there is a child in the household",
            )
        problems.raise_if_any()

    @property
    def referral_due(self) -> bool:
        return self.children_helping_with_care is True and self.young_carer_referral_on is None


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
    family: WholeFamily | None = None
    # Written when the conversation is completed with an assessment (s.13(2)).
    determination: EligibilityDetermination | None = None

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
        if self.family is not None and not isinstance(self.family, WholeFamily):
            problems.add("family", "must be WholeFamily or absent")
        if self.determination is not None and not isinstance(
            self.determination, EligibilityDetermination
        ):
            problems.add("determination", "must be an EligibilityDetermination or absent")
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
        """Whether a carer's assessment was completed (payments depend on one): complete,
        with a stage 3 that records what the law asks of an assessment — every outcome
        assessed, the significant-impact decision and the wellbeing check."""
        return (
            self.status == ConversationStatus.COMPLETE
            and self.stage3 is not None
            and self.stage3.is_lawful_assessment
        )

    @property
    def has_safeguarding_concern(self) -> bool:
        """Safeguarding concerns sync first (storage gives them the top priority)."""
        return self.stage2 is not None and self.stage2.safeguarding_concern
