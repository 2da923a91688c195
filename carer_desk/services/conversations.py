"""Guided-conversation use cases: start, answer, add goals and actions, record the
wellbeing check, complete, and read back (list, wellbeing trajectory, eligibility).

Every change is one write through the :class:`Repository`, so a conversation holding a
safeguarding concern is queued with safeguarding priority the moment it is saved. A
completed conversation is a record of what was agreed: it is not edited afterwards; a
review is held as a new conversation (``is_review=True``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.formatting import long_date
from carer_desk.ports import RecordStore
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    ConversationMode,
    ConversationStatus,
    EligibilityDetermination,
    Goal,
    GoalAttainment,
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
from carer_desk.records.plan import EmergencyPlan
from carer_desk.rules.assessment import NO_STAGE_3, completion_gaps, determine, legal_route
from carer_desk.rules.eligibility import EligibilityResult, assess_eligibility
from carer_desk.rules.financial_year import add_months
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService
from carer_desk.templates import ConversationTemplate, Root, latest_template, template_for

logger = logging.getLogger(__name__)

KIND = "conversation"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WellbeingPoint:
    """One completed wellbeing check, as a point on the carer's trajectory."""

    conversation_id: str
    on: date  # the day the conversation was completed
    score: int  # sum of the answers' scores (never 0, sometimes 1, most of the time 2, always 3)
    max_score: int  # 3 x the number of statements answered, so partial checks compare fairly
    answered: int
    scores: tuple[tuple[str, int], ...]  # (statement id, 0-3) in the order answered


class AssessmentIncomplete(RuleViolation):
    """The conversation cannot be completed yet; ``missing`` names each part in words."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        if missing == NO_STAGE_3:
            text = (
                "This conversation cannot be completed yet: fill in stage 3 (the carer's "
                "assessment), or record that listening and connecting was all the carer "
                "needed."
            )
        else:
            text = f"This conversation cannot be completed yet: it needs {'; '.join(missing)}."
        super().__init__(text)


class ConversationService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        template_root: Root | None = None,
        caseload: CaseloadService | None = None,
    ) -> None:
        super().__init__(store, settings, clock)
        self._template_root = template_root
        # The session's index of each carer's records: a carer's few conversations are
        # read by id instead of decoding every conversation on the laptop.
        self._caseload = caseload

    # --- reading ---------------------------------------------------------------------

    def _load(self, conversation_id: str) -> GuidedConversation:
        try:
            return self.repo.get(GuidedConversation, conversation_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no guided conversation with id {conversation_id} on this laptop; "
                "it may not have synced yet."
            ) from None

    def _of_carer(self, cls: type[T], kind: str, carer_id: str) -> list[T]:
        if self._caseload is None:
            return self.repo.where(cls, carer_id=carer_id)
        return self._caseload.records_for(self.repo, cls, kind, carer_id)

    def get(self, conversation_id: str) -> GuidedConversation:
        """One conversation, for reading; the view is audited."""
        conversation = self._load(conversation_id)
        self.store.audit(
            "view", record_id=conversation_id, kind=KIND, details={"carer": conversation.carer_id}
        )
        return conversation

    def template(self, conversation: GuidedConversation) -> ConversationTemplate:
        """The template version the conversation was held with (never a newer one)."""
        return template_for(conversation, self._template_root)

    def list_for_carer(self, carer_id: str) -> list[GuidedConversation]:
        """A carer's conversations, oldest first; audited as one view of the carer."""
        found = sorted(
            self.repo.where(GuidedConversation, carer_id=carer_id),
            key=lambda c: (c.started_on, c.completed_on or c.started_on, c.id),
        )
        self.store.audit(
            "view", record_id=carer_id, kind="carer", details={"list": KIND, "count": len(found)}
        )
        return found

    def wellbeing_trajectory(self, carer_id: str) -> tuple[WellbeingPoint, ...]:
        """The scores of each completed wellbeing check, in date order.

        Drafts are left out: a check half-way through a visit is not a result yet.
        """
        points = []
        for conversation in self._of_carer(GuidedConversation, KIND, carer_id):
            if conversation.status != ConversationStatus.COMPLETE or conversation.stage3 is None:
                continue
            answers = conversation.stage3.wellbeing_check
            if not answers:
                continue
            scores = tuple((a.statement_id, a.answer.score) for a in answers)
            points.append(
                WellbeingPoint(
                    conversation_id=conversation.id,
                    on=conversation.completed_on or conversation.started_on,
                    score=sum(s for _, s in scores),
                    max_score=3 * len(scores),
                    answered=len(scores),
                    scores=scores,
                )
            )
        self.store.audit(
            "view", record_id=carer_id, kind="carer", details={"list": "wellbeing trajectory"}
        )
        return tuple(sorted(points, key=lambda p: (p.on, p.conversation_id)))

    def determination(self, conversation_id: str) -> EligibilityDetermination | None:
        """The written determination kept with a completed assessment (s.13(2)); None
        for a draft, or a conversation completed without an assessment."""
        return self._load(conversation_id).determination

    def reminders(self, conversation_id: str) -> tuple[str, ...]:
        """What the worker should still ask or do, in plain words: a young carer to
        refer, GP carer registration, an emergency plan (asked at every conversation,
        not only in a crisis)."""
        conversation = self._load(conversation_id)
        carer = self.repo.find(Carer, conversation.carer_id)
        found = []
        family = conversation.family
        if family is not None and family.referral_due:
            found.append(
                "A child in the household helps with care and may be a young carer: refer "
                f"them to {self.settings.age_bands.young_carers_service} and record the date."
            )
        if (
            carer is not None
            and carer.registered_with_gp_as_carer is not True
            and (carer.encouraged_to_register_with_gp_on is None)
        ):
            found.append(
                "Ask whether the carer is registered with their GP practice as a carer, and "
                "encourage it if not."
            )
        if carer is not None and not self._of_carer(EmergencyPlan, "plan", carer.id):
            found.append(
                "The carer has no emergency plan: ask what would happen if they could not "
                "care, and offer to write one."
            )
        return tuple(found)

    def eligibility(self, conversation_id: str) -> EligibilityResult:
        """Care Act eligibility (reg. 3) from what stage 3 records."""
        conversation = self._load(conversation_id)
        if conversation.stage3 is None:
            raise RuleViolation(
                "Eligibility is decided from stage 3 (the carer's assessment), which has not "
                "been recorded for this conversation; fill in stage 3 first."
            )
        return assess_eligibility(conversation.stage3)

    # --- starting and answering ------------------------------------------------------

    def start(
        self,
        carer_id: str,
        *,
        mode: ConversationMode = ConversationMode.IN_PERSON,
        is_review: bool = False,
        worker: str | None = None,
        started_on: date | None = None,
    ) -> GuidedConversation:
        """A new draft from the latest version of the configured default template.
        ``started_on`` (default today) is for a self-assessment received on an earlier day:
        the 2-working-day KPI counts from the day it arrived."""
        try:
            carer = self.repo.get(Carer, carer_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no carer with id {carer_id} on this laptop; register the carer "
                "before starting a conversation."
            ) from None
        if carer.closure is not None:
            raise RuleViolation(
                f"{carer.display_name}'s record was closed on "
                f"{long_date(carer.closure.closed_on)}; reopen it before starting a "
                "conversation."
            )
        template = latest_template(
            self.settings.templates.default_conversation_template, self._template_root
        )
        conversation = GuidedConversation(
            carer_id=carer_id,
            template_id=template.id,
            template_version=template.version,
            started_on=started_on or self.clock.today(),
            worker=worker or self.store.actor,
            mode=mode,
            is_review=is_review,
            stage3=self._goals_to_review(carer_id) if is_review else None,
        )
        self.repo.save(conversation, action="create")
        logger.info(
            "conversation %s started (template %s v%d)",
            conversation.id,
            template.id,
            template.version,
        )
        return conversation

    def previous(self, conversation: GuidedConversation) -> GuidedConversation | None:
        """The carer's latest completed conversation before ``conversation`` (what a
        review is compared with), or None."""
        return self._last_completed(
            conversation.carer_id, conversation.started_on, exclude=conversation.id
        )

    def _last_completed(
        self, carer_id: str, on_or_before: date, *, exclude: str | None = None
    ) -> GuidedConversation | None:
        earlier = [
            c
            for c in self._of_carer(GuidedConversation, KIND, carer_id)
            if c.id != exclude
            and c.status == ConversationStatus.COMPLETE
            and (c.completed_on or c.started_on) <= on_or_before
        ]
        if not earlier:
            return None
        return max(earlier, key=lambda c: (c.completed_on or c.started_on, c.started_on, c.id))

    def _goals_to_review(self, carer_id: str) -> BuildAGoodLife | None:
        """A review starts with the goals the carer set last time, to rate how far each
        was achieved (the same ids, so a goal can be followed from one review to the next)."""
        last = self._last_completed(carer_id, self.clock.today())
        if last is None or last.stage3 is None or not last.stage3.goals:
            return None
        return BuildAGoodLife(goals=tuple(replace(g, attainment=None) for g in last.stage3.goals))

    def save_draft(self, conversation: GuidedConversation) -> GuidedConversation:
        """Everything typed into a draft conversation, written in one go (the window's
        Save). The conversation's identity, template, carer and status are the stored
        ones: only what is recorded in the conversation changes."""
        stored = self._draft(conversation.id)
        if (
            conversation.carer_id != stored.carer_id
            or conversation.template_id != stored.template_id
            or conversation.template_version != stored.template_version
        ):
            raise RuleViolation(
                "This conversation was held with another carer or template than the one "
                "stored; reopen it from the carer's record."
            )
        self._check_prompts(stored, conversation.stage1)
        if conversation.stage3 is not None:
            self._check_statements(stored, conversation.stage3.wellbeing_check)
        updated = replace(
            stored,
            mode=conversation.mode,
            seen_alone=conversation.seen_alone,
            stage1=conversation.stage1,
            stage2=conversation.stage2,
            stage3=conversation.stage3,
            family=conversation.family,
            stage1_sufficient=conversation.stage1_sufficient,
            review_date=conversation.review_date,
        )
        if updated == stored:
            return stored
        return self._save(updated)

    def _draft(self, conversation_id: str) -> GuidedConversation:
        conversation = self._load(conversation_id)
        if conversation.status != ConversationStatus.DRAFT:
            raise RuleViolation(
                "This conversation is complete and is kept as it was agreed; start a review "
                "conversation to record what has changed."
            )
        return conversation

    def _save(self, conversation: GuidedConversation) -> GuidedConversation:
        self.repo.save(conversation, action="edit")
        return conversation

    def answer(self, conversation_id: str, prompt_id: str, text: str) -> GuidedConversation:
        """Record the answer to one stage-1 prompt (replacing an earlier answer)."""
        conversation = self._draft(conversation_id)
        stage = self.template(conversation).stage(1)
        known = [p.id for p in stage.prompts]
        if prompt_id not in known:
            raise ValidationError(
                [
                    (
                        "stage1.answers",
                        f"{prompt_id!r} is not a stage 1 prompt of this conversation's "
                        f"template; prompts: {', '.join(known)}",
                    )
                ]
            )
        if not isinstance(text, str) or not text.strip():
            raise ValidationError([("stage1.answers", "the answer is blank; write what was said")])
        return self._save(
            replace(conversation, stage1=conversation.stage1.with_answer(prompt_id, text.strip()))
        )

    def save_stage1(self, conversation_id: str, stage1: ListenAndConnect) -> GuidedConversation:
        conversation = self._draft(conversation_id)
        self._check_prompts(conversation, stage1)
        return self._save(replace(conversation, stage1=stage1))

    def _check_prompts(self, conversation: GuidedConversation, stage1: ListenAndConnect) -> None:
        known = {p.id for p in self.template(conversation).stage(1).prompts}
        unknown = [
            (f"stage1.answers[{i}]", f"{pid!r} is not a stage 1 prompt of this template")
            for i, (pid, _) in enumerate(stage1.answers)
            if pid not in known
        ]
        if unknown:
            raise ValidationError(unknown)

    def save_stage2(self, conversation_id: str, stage2: UrgentSupport | None) -> GuidedConversation:
        """Urgent support; a safeguarding concern makes the save jump the sync queue."""
        conversation = self._draft(conversation_id)
        saved = self._save(replace(conversation, stage2=stage2))
        if saved.has_safeguarding_concern:
            logger.info("conversation %s holds a safeguarding concern: queued first", saved.id)
        return saved

    def save_stage3(
        self, conversation_id: str, stage3: BuildAGoodLife | None
    ) -> GuidedConversation:
        conversation = self._draft(conversation_id)
        if stage3 is not None:
            self._check_statements(conversation, stage3.wellbeing_check)
        return self._save(replace(conversation, stage3=stage3))

    def save_family(self, conversation_id: str, family: WholeFamily | None) -> GuidedConversation:
        """The whole-family view: children in the household, and whether any helps with
        care (then :meth:`reminders` prompts a young-carer referral until it is made)."""
        conversation = self._draft(conversation_id)
        return self._save(replace(conversation, family=family))

    def record_young_carer_referral(self, conversation_id: str) -> GuidedConversation:
        """A child helping with care was referred to the young carers' service today."""
        conversation = self._draft(conversation_id)
        family = conversation.family or WholeFamily()
        return self._save(
            replace(
                conversation,
                family=replace(
                    family,
                    children_in_household=True,
                    children_helping_with_care=True,
                    young_carer_referral_on=self.clock.today(),
                ),
            )
        )

    def set_seen_alone(self, conversation_id: str, seen_alone: bool | None) -> GuidedConversation:
        conversation = self._draft(conversation_id)
        return self._save(replace(conversation, seen_alone=seen_alone))

    def _stage3_of(self, conversation: GuidedConversation) -> BuildAGoodLife:
        return conversation.stage3 if conversation.stage3 is not None else BuildAGoodLife()

    def assess_outcome(
        self,
        conversation_id: str,
        outcome: CarerOutcome,
        *,
        unable: bool = False,
        reasons: tuple[UnableReason, ...] = (),
        notes: str | None = None,
    ) -> GuidedConversation:
        """Record one reg. 3 outcome (replacing an earlier assessment of it). A reason
        ticked means the carer is unable to achieve it (reg. 3(4))."""
        conversation = self._draft(conversation_id)
        item = OutcomeAssessment(
            outcome=CarerOutcome(outcome),
            unable=unable,
            reasons=tuple(UnableReason(r) for r in reasons),
            notes=notes,
        )
        stage3 = self._stage3_of(conversation)
        kept = tuple(o for o in stage3.outcomes if o.outcome != item.outcome)
        order = list(CarerOutcome)
        outcomes = tuple(sorted((*kept, item), key=lambda o: order.index(o.outcome)))
        return self._save(replace(conversation, stage3=replace(stage3, outcomes=outcomes)))

    def decide_impact(
        self,
        conversation_id: str,
        significant: bool,
        *,
        health_at_risk: bool | None = None,
    ) -> GuidedConversation:
        """The worker's decision on whether there is (or is likely to be) a significant
        impact on the carer's wellbeing, and optionally whether caring puts their health
        at risk."""
        conversation = self._draft(conversation_id)
        if not isinstance(significant, bool):
            raise ValidationError([("significant_impact_on_wellbeing", "answer yes or no")])
        stage3 = replace(self._stage3_of(conversation), significant_impact_on_wellbeing=significant)
        if health_at_risk is not None:
            stage3 = replace(stage3, health_deteriorating_or_at_risk=health_at_risk)
        return self._save(replace(conversation, stage3=stage3))

    def record_continuing_to_care(
        self, conversation_id: str, *, able: bool, willing: bool, notes: str | None = None
    ) -> GuidedConversation:
        """Whether the carer is able, and willing, to continue caring (s.10(5))."""
        conversation = self._draft(conversation_id)
        stage3 = replace(
            self._stage3_of(conversation),
            able_to_continue_caring=able,
            willing_to_continue_caring=willing,
            continuing_to_care_notes=notes,
        )
        return self._save(replace(conversation, stage3=stage3))

    def add_goal(self, conversation_id: str, description: str) -> Goal:
        """A goal in the carer's own words (stage 3 is started if it was not)."""
        conversation = self._draft(conversation_id)
        goal = Goal(description=description)
        stage3 = self._stage3_of(conversation)
        self._save(replace(conversation, stage3=replace(stage3, goals=(*stage3.goals, goal))))
        return goal

    def rate_goal(
        self, conversation_id: str, goal_id: str, attainment: GoalAttainment
    ) -> GuidedConversation:
        conversation = self._draft(conversation_id)
        stage3 = self._stage3_of(conversation)
        if goal_id not in {g.id for g in stage3.goals}:
            raise NotFoundError(f"This conversation has no goal with id {goal_id}.")
        goals = tuple(
            replace(g, attainment=GoalAttainment(attainment)) if g.id == goal_id else g
            for g in stage3.goals
        )
        return self._save(replace(conversation, stage3=replace(stage3, goals=goals)))

    def add_action(
        self,
        conversation_id: str,
        description: str,
        tag: ActionTag,
        *,
        owner: str | None = None,
        due: date | None = None,
    ) -> SupportAction:
        """A support-plan action tagged prevent / reduce / delay / support now."""
        conversation = self._draft(conversation_id)
        action = SupportAction(description=description, tag=tag, owner=owner, due=due)
        stage3 = self._stage3_of(conversation)
        self._save(replace(conversation, stage3=replace(stage3, actions=(*stage3.actions, action))))
        return action

    def record_wellbeing_check(
        self, conversation_id: str, answers: Mapping[str, WellbeingScale | str]
    ) -> GuidedConversation:
        """The wellbeing check: statement id -> never / sometimes / most of the time /
        always, for the statements of this conversation's template version. A carer may
        leave a statement out; the trajectory compares scores against what was answered.
        """
        conversation = self._draft(conversation_id)
        problems = []
        check = []
        for statement_id, value in answers.items():
            try:
                scale = WellbeingScale(value)
            except ValueError:
                choices = ", ".join(m.value for m in WellbeingScale)
                problems.append(
                    (f"wellbeing_check.{statement_id}", f"{value!r} is not one of: {choices}")
                )
                continue
            check.append(WellbeingAnswer(statement_id=statement_id, answer=scale))
        if problems:
            raise ValidationError(problems)
        if not check:
            raise ValidationError([("wellbeing_check", "no statements were answered")])
        self._check_statements(conversation, tuple(check))
        stage3 = self._stage3_of(conversation)
        return self._save(
            replace(conversation, stage3=replace(stage3, wellbeing_check=tuple(check)))
        )

    def _check_statements(
        self, conversation: GuidedConversation, check: tuple[WellbeingAnswer, ...]
    ) -> None:
        known = {s.id for s in self.template(conversation).wellbeing_statements}
        unknown = [
            (f"wellbeing_check.{a.statement_id}", "is not a statement of this template's check")
            for a in check
            if a.statement_id not in known
        ]
        if unknown:
            raise ValidationError(unknown)

    # --- completing ------------------------------------------------------------------

    def complete(
        self,
        conversation_id: str,
        *,
        stage1_sufficient: bool = False,
        review_date: date | None = None,
    ) -> GuidedConversation:
        """Mark the conversation complete today, with a review date from the settings.

        Needs stage 3 (the assessment), or ``stage1_sufficient=True``: the worker's record
        that listening and connecting was all the carer needed. An assessment needs every
        outcome assessed, the significant-impact decision and the wellbeing check, and
        whatever its template version adds (whether the carer is able and willing to
        continue caring); :class:`AssessmentIncomplete` names what is missing. The
        eligibility determination and its reasons are kept with it (s.13(2)). The review
        date is ``payments.assessment_valid_months`` after completion, because that is
        when the assessment stops supporting a wellbeing payment; the worker may agree an
        earlier ``review_date`` with the carer (never a later one).
        """
        conversation = self._draft(conversation_id)
        missing = completion_gaps(
            conversation,
            stage1_sufficient=stage1_sufficient,
            requirements=self.template(conversation).completion_requires,
        )
        if missing:
            raise AssessmentIncomplete(missing)
        today = self.clock.today()
        if today < conversation.started_on:
            raise RuleViolation(
                f"This conversation started on {long_date(conversation.started_on)}, after "
                "today's date on this laptop; check the laptop's date before completing it."
            )
        latest_review = add_months(today, self.settings.payments.assessment_valid_months)
        if review_date is not None and not today < review_date <= latest_review:
            raise ValidationError(
                [
                    (
                        "review_date",
                        f"the review date must be after today and no later than "
                        f"{long_date(latest_review)}, when the assessment runs out; leave it "
                        "empty for that date",
                    )
                ]
            )
        determination = None
        if conversation.stage3 is not None:
            carer = self.repo.get(Carer, conversation.carer_id)
            determination = determine(
                conversation.stage3,
                route=legal_route(carer, self.settings.age_bands, today),
                wording=self.settings.legal_routes,
                on=today,
                by=self.store.actor,
            )
        completed = replace(
            conversation,
            stage1_sufficient=bool(stage1_sufficient) or conversation.stage1_sufficient,
            status=ConversationStatus.COMPLETE,
            completed_on=today,
            review_date=review_date or latest_review,
            determination=determination,
        )
        self.repo.save(completed, action="edit")
        logger.info("conversation %s completed", completed.id)
        return completed
