"""Recording what the contract's figures are counted from (BRIEF §7, issue 11).

Two KPIs had inputs nothing recorded: a carer on the waiting list contacted within 5
working days of referral, and a self-assessment reviewed within 2 working days of
arriving. This service records those, and the GP question ("registered as a carer with
their GP", or at least encouraged to register). Reviews are conversations started with
``is_review``; referral-to-assessment waits come from the referral date and the first
completed assessment, which are already recorded.

The waiting list is every open carer whose referral has had no first contact yet, with
the working-day deadline the contract counts to (``rules.working_days``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from carer_desk.errors import NotFoundError, RuleViolation, UnknownCarer, ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import ConversationMode, GuidedConversation
from carer_desk.rules.working_days import (
    BankHolidayCalendar,
    add_working_days,
    calendar_for,
    within_working_days,
)
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

#: The contract's deadlines, in working days (BRIEF §7).
FIRST_CONTACT_WORKING_DAYS = 5
SELF_ASSESSMENT_REVIEW_WORKING_DAYS = 2


@dataclass(frozen=True, slots=True)
class WaitingCarer:
    """A referred carer not contacted yet, and the day the contract expects contact by."""

    carer_id: str
    display_name: str
    team: str | None
    worker: str | None
    referred_on: date
    contact_due_by: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class SelfAssessmentToReview:
    conversation_id: str
    carer_id: str
    received_on: date
    review_due_by: date
    overdue: bool


class ContractInputService(Service):
    """First contacts, self-assessments received and reviewed, and the GP question."""

    def calendar(self) -> BankHolidayCalendar:
        wd = self.settings.working_days
        return calendar_for(wd.bank_holidays_file, wd.extra_holidays)

    def _carer(self, carer_id: str) -> Carer:
        try:
            return self.repo.get(Carer, carer_id)
        except NotFoundError:
            raise UnknownCarer(carer_id) from None

    def _day(self, on: date | None, what: str) -> date:
        day = on or self.clock.today()
        if day > self.clock.today():
            raise ValidationError([(what, "cannot be in the future; give the day it happened")])
        return day

    # --- first contact --------------------------------------------------------------

    def record_first_contact(self, carer_id: str, on: date | None = None) -> Carer:
        """The first contact with a carer on the waiting list (default today). A later
        correction replaces the date; it can never be before the referral."""
        carer = self._carer(carer_id)
        day = self._day(on, "contacted_on")
        if day < carer.referral.date:
            raise ValidationError(
                [
                    (
                        "contacted_on",
                        f"is before the referral on {long_date(carer.referral.date)}; "
                        "check the date",
                    )
                ]
            )
        updated = replace(carer, referral=replace(carer.referral, contacted_on=day))
        self.repo.save(updated, action="edit")
        logger.info("first contact recorded for carer %s", carer_id)
        return updated

    def first_contact_within_deadline(self, carer: Carer) -> bool | None:
        """Whether the first contact met the 5-working-day KPI (None: not contacted)."""
        contacted = carer.referral.contacted_on
        if contacted is None:
            return None
        return within_working_days(
            carer.referral.date, contacted, FIRST_CONTACT_WORKING_DAYS, self.calendar()
        )

    def waiting_list(self) -> list[WaitingCarer]:
        """Open carers referred and not contacted yet, soonest deadline first."""
        cal = self.calendar()
        today = self.clock.today()
        waiting = []
        for carer in self.repo.all(Carer):
            if carer.closure is not None or carer.referral.contacted_on is not None:
                continue
            due = add_working_days(carer.referral.date, FIRST_CONTACT_WORKING_DAYS, cal)
            waiting.append(
                WaitingCarer(
                    carer.id,
                    carer.display_name,
                    carer.team.value if carer.team else None,
                    carer.worker,
                    carer.referral.date,
                    due,
                    due < today,
                )
            )
        return sorted(waiting, key=lambda w: (w.contact_due_by, w.display_name.casefold()))

    # --- the GP question ------------------------------------------------------------

    def record_gp_encouraged(self, carer_id: str, on: date | None = None) -> Carer:
        """The carer was encouraged to register as a carer with their GP (default today)."""
        carer = self._carer(carer_id)
        day = self._day(on, "encouraged_to_register_with_gp_on")
        updated = replace(carer, encouraged_to_register_with_gp_on=day)
        self.repo.save(updated, action="edit")
        return updated

    def record_gp_registered(self, carer_id: str, registered: bool | None) -> Carer:
        """Whether the carer is registered as a carer with their GP (None: not known)."""
        carer = self._carer(carer_id)
        updated = replace(carer, registered_with_gp_as_carer=registered)
        self.repo.save(updated, action="edit")
        return updated

    # --- self-assessments -----------------------------------------------------------

    def self_assessment_received(self, carer_id: str, on: date | None = None) -> GuidedConversation:
        """A self-assessment arrived from the portal on ``on`` (default today): a draft
        conversation in self-assessment mode, started that day, for the office to review."""
        from carer_desk.services.conversations import ConversationService

        day = self._day(on, "received_on")
        carer = self._carer(carer_id)
        if day < carer.referral.date:
            raise ValidationError(
                [("received_on", f"is before the referral on {long_date(carer.referral.date)}")]
            )
        return ConversationService(self.store, self.settings, self.clock).start(
            carer_id, mode=ConversationMode.SELF_ASSESSMENT, started_on=day
        )

    def self_assessment_reviewed(
        self, conversation_id: str, on: date | None = None
    ) -> GuidedConversation:
        """The office reviewed a self-assessment (default today)."""
        try:
            conversation = self.repo.get(GuidedConversation, conversation_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no conversation with id {conversation_id} on this laptop."
            ) from None
        if conversation.mode != ConversationMode.SELF_ASSESSMENT:
            raise RuleViolation(
                "Only a self-assessment is reviewed by the office; this conversation was "
                f"held {conversation.mode.label.lower()}."
            )
        day = self._day(on, "reviewed_on")
        if day < conversation.started_on:
            raise ValidationError(
                [
                    (
                        "reviewed_on",
                        f"is before the self-assessment arrived on "
                        f"{long_date(conversation.started_on)}",
                    )
                ]
            )
        updated = replace(conversation, reviewed_on=day)
        self.repo.save(updated, action="edit")
        return updated

    def self_assessments_to_review(self) -> list[SelfAssessmentToReview]:
        """Self-assessments not reviewed yet, soonest deadline first."""
        cal = self.calendar()
        today = self.clock.today()
        queue = []
        for conv in self.repo.all(GuidedConversation):
            if conv.mode != ConversationMode.SELF_ASSESSMENT or conv.reviewed_on is not None:
                continue
            due = add_working_days(conv.started_on, SELF_ASSESSMENT_REVIEW_WORKING_DAYS, cal)
            queue.append(
                SelfAssessmentToReview(conv.id, conv.carer_id, conv.started_on, due, due < today)
            )
        return sorted(queue, key=lambda q: (q.review_due_by, q.conversation_id))
