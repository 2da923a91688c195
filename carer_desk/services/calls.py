"""Calls to the 24-hour emergency line: record what happened on a call, list a carer's
calls, and the office's follow-ups.

A call is recorded against the look-up the operator made (:meth:`CardService.lookup` on a
laptop holding the cards, or the office server's answer through the
:class:`~carer_desk.environment.CardLineGateway` in the window), so what the record says the
line showed is what the line showed. Every call is written
through the repository: audited, and kept in the carer's history.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.rules.emergency_line import LineAnswer, replacement_hours_problem
from carer_desk.services.base import Service
from carer_desk.services.cards import CardLookup

logger = logging.getLogger(__name__)

KIND = "emergency_call"


@dataclass(frozen=True, slots=True)
class CallOf:
    """Which card (and so which carer) a call was about, and the number read out."""

    carer_id: str
    card_id: str
    number: str


class CallService(Service):
    def record_call(
        self,
        lookup: CardLookup,
        *,
        caller: str,
        contacts_tried: Sequence[ContactAttempt] = (),
        replacement_care_hours: int | None = None,
        exceptional_reason: str | None = None,
        follow_up: str | None = None,
        notes: str | None = None,
    ) -> EmergencyCall:
        """The call that followed ``lookup``: who rang, which contacts were tried (and
        reached), the hours of replacement care arranged (1 to the usual most, or to the
        exceptional most with ``exceptional_reason``), and what the office must follow up.
        """
        return self._record(
            lookup.answer,
            CallOf(lookup.card.carer_id, lookup.card.id, lookup.number),
            caller=caller,
            contacts_tried=contacts_tried,
            replacement_care_hours=replacement_care_hours,
            exceptional_reason=exceptional_reason,
            follow_up=follow_up,
            notes=notes,
        )

    def record_line_call(
        self,
        answer: LineAnswer,
        *,
        caller: str,
        contacts_tried: Sequence[ContactAttempt] = (),
        replacement_care_hours: int | None = None,
        exceptional_reason: str | None = None,
        follow_up: str | None = None,
        notes: str | None = None,
    ) -> EmergencyCall:
        """The call that followed a look-up on the office server (the window's 24-hour
        line, which holds no card): recorded against the card and carer the answer names,
        with the same checks as :meth:`record_call`."""
        if not answer.carer_id or not answer.card_id:
            raise RuleViolation(
                "The office server did not say whose card this is, so the call cannot be "
                "kept against the carer. Write the outcome down and ring the office."
            )
        return self._record(
            answer,
            CallOf(answer.carer_id, answer.card_id, answer.number),
            caller=caller,
            contacts_tried=contacts_tried,
            replacement_care_hours=replacement_care_hours,
            exceptional_reason=exceptional_reason,
            follow_up=follow_up,
            notes=notes,
        )

    def _record(
        self,
        answer: LineAnswer,
        of: CallOf,
        *,
        caller: str,
        contacts_tried: Sequence[ContactAttempt],
        replacement_care_hours: int | None,
        exceptional_reason: str | None,
        follow_up: str | None,
        notes: str | None,
    ) -> EmergencyCall:
        offered = {c.contact_id for c in answer.contacts}
        problems = [
            (f"contacts_tried[{i}].contact_id", "is not one of the contacts the line showed")
            for i, attempt in enumerate(contacts_tried)
            if attempt.contact_id is not None and attempt.contact_id not in offered
        ]
        exceptional = exceptional_reason is not None and bool(exceptional_reason.strip())
        hours_problem = replacement_hours_problem(
            replacement_care_hours, exceptional, self.settings.emergency_line
        )
        if hours_problem is not None:
            problems.append(("replacement_care_hours", hours_problem))
        if problems:
            raise ValidationError(problems)
        call = EmergencyCall(
            carer_id=of.carer_id,
            card_id=of.card_id,
            plan_id=answer.plan_id,
            card_number=of.number,
            received_at=self.clock.now(),
            operator=self.store.actor,
            caller=caller,
            line_status=str(answer.status),
            contacts_tried=tuple(contacts_tried),
            replacement_care_arranged=replacement_care_hours is not None,
            replacement_care_hours=replacement_care_hours,
            exceptional=exceptional,
            exceptional_reason=exceptional_reason if exceptional else None,
            follow_up=follow_up,
            notes=notes,
            created_at=self.clock.now(),
        )
        self.repo.save(call, action="create")
        logger.info("emergency call %s recorded", call.id)
        return call

    def corrected(
        self,
        call: EmergencyCall,
        *,
        replacement_care_hours: int | None,
        exceptional_reason: str | None,
        follow_up: str | None,
    ) -> EmergencyCall:
        """A call the office refused, with its outcome corrected (the hours of replacement
        care, why they are exceptional, the follow-up), checked as recording it was. What
        happened on the call (who rang, which contacts were tried, when) stays as
        recorded: only the office changes that."""
        # Only arranged care can be exceptional: no hours, no reason kept.
        exceptional = replacement_care_hours is not None and bool(
            (exceptional_reason or "").strip()
        )
        problem = replacement_hours_problem(
            replacement_care_hours, exceptional, self.settings.emergency_line
        )
        if problem is not None:
            raise ValidationError([("replacement_care_hours", problem)])
        return replace(
            call,
            replacement_care_arranged=replacement_care_hours is not None,
            replacement_care_hours=replacement_care_hours,
            exceptional=exceptional,
            exceptional_reason=(exceptional_reason or "").strip() if exceptional else None,
            follow_up=(follow_up or "").strip() or None,
        )

    def _load(self, call_id: str) -> EmergencyCall:
        try:
            return self.repo.get(EmergencyCall, call_id)
        except NotFoundError:
            raise NotFoundError(f"There is no record of a call with id {call_id} here.") from None

    def calls_of(self, carer_id: str) -> list[EmergencyCall]:
        """A carer's calls to the line, newest first; audited as one view of the carer."""
        found = sorted(
            self.repo.where(EmergencyCall, carer_id=carer_id),
            key=lambda c: (c.received_at, c.id),
            reverse=True,
        )
        self.store.audit(
            "view", record_id=carer_id, kind="carer", details={"list": KIND, "count": len(found)}
        )
        return found

    def open_follow_ups(self) -> list[EmergencyCall]:
        """Calls the office still has to follow up, oldest first."""
        return sorted(
            (c for c in self.repo.all(EmergencyCall) if c.follow_up_open),
            key=lambda c: (c.received_at, c.id),
        )

    def mark_followed_up(self, call_id: str) -> EmergencyCall:
        call = self._load(call_id)
        if not call.follow_up_open:
            raise RuleViolation(
                "This call has nothing left to follow up."
                if call.follow_up is None
                else "This call was already followed up."
            )
        done = replace(call, followed_up_on=self.clock.today(), followed_up_by=self.store.actor)
        self.repo.save(done, action="edit")
        return done
