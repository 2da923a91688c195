"""Closing a carer's record (caring ended, bereavement, moved away, no longer wants
support) and reopening it.

Closing is one transaction: the carer's record holds the closure (date, reason, who), every
live card is revoked (a card in a drawer must not lead the line to a closed record), and
every payment request still in progress is flagged for the office, which decides what
happens to it — money is never cancelled or changed automatically. The closure date
starts the retention clock (the retention job is the reports and data-protection work).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from carer_desk.errors import NotFoundError, RuleViolation, UnknownCarer, ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.carer import Carer, Closure, ClosureReason
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyCard
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

#: Requests a closure flags for the office: not yet decided, or approved and not paid.
IN_PROGRESS = frozenset({PaymentStatus.DRAFT, PaymentStatus.SUBMITTED, PaymentStatus.APPROVED})


@dataclass(frozen=True, slots=True)
class Closed:
    """A closed record and what the closure did to the carer's other records."""

    carer: Carer
    revoked_cards: tuple[EmergencyCard, ...]
    flagged_payments: tuple[WellbeingPaymentRequest, ...]

    @property
    def summary(self) -> str:
        closure = self.carer.closure
        assert closure is not None
        parts = [
            f"{self.carer.display_name}'s record is closed from {long_date(closure.closed_on)} "
            f"({closure.reason.label.lower()})."
        ]
        if self.revoked_cards:
            n = len(self.revoked_cards)
            parts.append(f"{n} card{'s' if n != 1 else ''} revoked.")
        if self.flagged_payments:
            n = len(self.flagged_payments)
            parts.append(
                f"{n} payment request{'s' if n != 1 else ''} in progress flagged for the "
                "office to decide."
            )
        return " ".join(parts)


class ClosureService(Service):
    def _carer(self, carer_id: str) -> Carer:
        try:
            return self.repo.get(Carer, carer_id)
        except NotFoundError:
            raise UnknownCarer(carer_id) from None

    def close(
        self,
        carer_id: str,
        reason: ClosureReason,
        *,
        on: date | None = None,
        note: str | None = None,
    ) -> Closed:
        """Close the carer's record on ``on`` (default today; never in the future)."""
        carer = self._carer(carer_id)
        if carer.closure is not None:
            raise RuleViolation(
                f"{carer.display_name}'s record was already closed on "
                f"{long_date(carer.closure.closed_on)}."
            )
        today = self.clock.today()
        closed_on = on or today
        if closed_on > today:
            raise ValidationError([("closed_on", "a record is closed today or on a past day")])
        if closed_on < carer.referral.date:
            raise ValidationError(
                [("closed_on", f"is before the referral on {long_date(carer.referral.date)}")]
            )
        closure = Closure(
            closed_on=closed_on, reason=ClosureReason(reason), closed_by=self.store.actor, note=note
        )
        why = f"record closed ({closure.reason.label.lower()})"
        cards = tuple(
            card.revoke(max(today, card.issued_on), why)
            for card in self.repo.where(EmergencyCard, carer_id=carer_id)
            if card.is_live
        )
        flag = (
            f"The carer's record was closed on {long_date(closed_on)} "
            f"({closure.reason.label.lower()}): decide whether this request goes ahead."
        )
        payments = tuple(
            replace(request, office_flag=flag)
            for request in self.repo.where(WellbeingPaymentRequest, carer_id=carer_id)
            if request.status in IN_PROGRESS
        )
        closed = replace(carer, closure=closure)
        self.repo.save_many(
            [closed, *cards, *payments],
            action="edit",
            audit_details={
                "reason": "record closed",
                "carer": carer_id,
                "closure": str(closure.reason),
                "cards_revoked": len(cards),
                "payments_flagged": len(payments),
            },
        )
        logger.info("carer %s: record closed", carer_id)
        return Closed(closed, cards, payments)

    def reopen(self, carer_id: str) -> Carer:
        """Reopen a closed record (the carer came back). Revoked cards stay revoked: issue
        new ones once the plan is checked."""
        carer = self._carer(carer_id)
        if carer.closure is None:
            raise RuleViolation(f"{carer.display_name}'s record is not closed.")
        reopened = replace(carer, closure=None)
        self.repo.save(reopened, action="edit")
        return reopened

    def closed_records(self) -> list[tuple[str, date]]:
        """``(carer id, closed on)`` of every closed record, oldest closure first: where
        each retention period starts."""
        found = [(c.id, c.closure.closed_on) for c in self.repo.all(Carer) if c.closure]
        return sorted(found, key=lambda item: (item[1], item[0]))
