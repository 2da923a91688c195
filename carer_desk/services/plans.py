"""Emergency / contingency plan use cases: create, update, mark reviewed, find plans due
for review.

A carer has one plan (the emergency line opens "the" plan of a card); it is updated in
place rather than replaced, so cards issued against it stay valid. The printing service
picks the latest plan of a carer the same way (:meth:`PlanService.plan_for_carer`) in case
two laptops each created one before syncing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta

from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.carer import Carer
from carer_desk.records.plan import EmergencyPlan, latest_plan
from carer_desk.rules.financial_year import add_months
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

KIND = "plan"


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A saved plan and, in plain words, what it still needs to count as complete."""

    plan: EmergencyPlan
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


class PlanService(Service):
    # --- reading ---------------------------------------------------------------------

    def _load(self, plan_id: str) -> EmergencyPlan:
        try:
            return self.repo.get(EmergencyPlan, plan_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no emergency plan with id {plan_id} on this laptop; it may not "
                "have synced yet."
            ) from None

    def get(self, plan_id: str) -> EmergencyPlan:
        plan = self._load(plan_id)
        self.store.audit("view", record_id=plan_id, kind=KIND, details={"carer": plan.carer_id})
        return plan

    def find_for_carer(self, carer_id: str) -> EmergencyPlan | None:
        """The carer's plan without auditing (for deciding what to show, not showing it)."""
        return latest_plan(self.repo.where(EmergencyPlan, carer_id=carer_id))

    def plan_for_carer(self, carer_id: str) -> EmergencyPlan:
        plan = self.find_for_carer(carer_id)
        if plan is None:
            raise NotFoundError("This carer has no emergency plan yet; write one first.")
        self.store.audit("view", record_id=plan.id, kind=KIND, details={"carer": carer_id})
        return plan

    def missing_sections(self, plan: EmergencyPlan) -> tuple[str, ...]:
        return plan.missing_sections(self.settings.plans)

    def due_for_review(self, within_days: int | None = None) -> list[EmergencyPlan]:
        """Plans whose review date falls within ``within_days`` of today (default: the
        ``plans.reminder_days_before`` setting), overdue ones included, soonest first."""
        days = self.settings.plans.reminder_days_before if within_days is None else within_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError([("within_days", "must be a whole number of days, 0 or more")])
        horizon = self.clock.today() + timedelta(days=days)
        due = [p for p in self.repo.all(EmergencyPlan) if p.is_due_for_review(horizon)]
        return sorted(due, key=lambda p: (p.review_date, p.id))

    # --- writing ---------------------------------------------------------------------

    def _check(self, plan: EmergencyPlan) -> None:
        limit = self.settings.plans.max_contacts
        if len(plan.emergency_contacts) > limit:
            raise ValidationError(
                [
                    (
                        "emergency_contacts",
                        f"has {len(plan.emergency_contacts)} contacts; this service's plans "
                        f"hold at most {limit}, so keep the ones to ring first",
                    )
                ]
            )

    def _default_review(self, plan: EmergencyPlan, from_day: date) -> EmergencyPlan:
        if plan.review_date is not None:
            return plan
        return replace(plan, review_date=add_months(from_day, self.settings.plans.review_months))

    def create(self, plan: EmergencyPlan) -> SavedPlan:
        """Save a new plan (half-filled is fine); the review date defaults to
        ``plans.review_months`` after it was created."""
        try:
            self.repo.get(Carer, plan.carer_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no carer with id {plan.carer_id} on this laptop; register the "
                "carer before writing their plan."
            ) from None
        if self.find_for_carer(plan.carer_id) is not None:
            raise RuleViolation(
                "This carer already has an emergency plan; update it instead, so the cards "
                "issued against it stay valid."
            )
        if self.repo.find(EmergencyPlan, plan.id) is not None:
            raise RuleViolation(f"A plan with id {plan.id} already exists.")
        self._check(plan)
        plan = self._default_review(plan, plan.created_on)
        self.repo.save(plan, action="create")
        logger.info("plan %s created", plan.id)
        return SavedPlan(plan, self.missing_sections(plan))

    def update(self, plan: EmergencyPlan) -> SavedPlan:
        """Save changes to an existing plan; ``updated_on`` becomes today.

        Consent to share taken away in an edit is a withdrawal like any other: it is dated
        today, and the plan's cards are suspended until consent is given again."""
        stored = self._load(plan.id)
        if stored.carer_id != plan.carer_id:
            raise RuleViolation("A plan cannot be moved to another carer; write a new plan.")
        self._check(plan)
        today = self.clock.today()
        plan = self._consent_dated(stored, plan, today)
        updated = self._default_review(replace(plan, updated_on=max(today, plan.created_on)), today)
        self.repo.save(updated, action="edit")
        return SavedPlan(updated, self.missing_sections(updated))

    @staticmethod
    def _consent_dated(stored: EmergencyPlan, plan: EmergencyPlan, today: date) -> EmergencyPlan:
        was = stored.consent_to_share_with_emergency_service
        now = plan.consent_to_share_with_emergency_service
        if was and not now and plan.consent_withdrawn_on is None:
            return replace(plan, consent_withdrawn_on=today)
        if now and plan.consent_withdrawn_on is not None:
            return replace(plan, consent_withdrawn_on=None)
        return plan

    def withdraw_consent(self, plan_id: str) -> SavedPlan:
        """The carer withdrew consent to share the plan with the emergency line (today):
        every card of the plan is suspended — a look-up says "consent withdrawn on DATE:
        do not use this plan" — until consent is given again. The cards are not revoked,
        so the carer's wallet card works again the day they agree."""
        plan = self._load(plan_id)
        if plan.consent_withdrawn:
            raise RuleViolation(
                f"Consent to share this plan was already withdrawn on "
                f"{long_date(plan.consent_withdrawn_on)}."
            )
        today = self.clock.today()
        saved = self._save_consent(plan, given=False, consent_withdrawn_on=today)
        logger.info("plan %s: consent to share withdrawn", plan_id)
        return saved

    def give_consent(self, plan_id: str) -> SavedPlan:
        """The carer agreed (again) today to share the plan with the emergency line; its
        cards work again."""
        plan = self._load(plan_id)
        if plan.consent_to_share_with_emergency_service:
            raise RuleViolation(
                f"Consent to share this plan is already recorded (given on "
                f"{long_date(plan.consent_date)})."
            )
        today = self.clock.today()
        return self._save_consent(plan, given=True, consent_date=today, consent_withdrawn_on=None)

    def _save_consent(self, plan: EmergencyPlan, *, given: bool, **dates: date | None) -> SavedPlan:
        today = self.clock.today()
        changed = replace(
            plan,
            consent_to_share_with_emergency_service=given,
            updated_on=max(today, plan.created_on),
            **dates,
        )
        self.repo.save(changed, action="edit")
        return SavedPlan(changed, self.missing_sections(changed))

    def mark_reviewed(self, plan_id: str) -> SavedPlan:
        """The plan was gone through with the carer today: the next review is
        ``plans.review_months`` from now."""
        plan = self._load(plan_id)
        today = self.clock.today()
        reviewed = replace(
            plan,
            updated_on=max(today, plan.created_on),
            review_date=add_months(max(today, plan.created_on), self.settings.plans.review_months),
        )
        self.repo.save(reviewed, action="edit")
        return SavedPlan(reviewed, self.missing_sections(reviewed))
