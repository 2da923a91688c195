"""Wellbeing payment requests (BRIEF §3) and their life cycle.

draft -> submitted -> approved | declined (with reason) -> paid (from approved); a request
can be cancelled (with reason) until it is paid, declined or already cancelled. Every step
returns a new record; an illegal step raises :class:`RuleViolation` saying what is allowed.
The 12-month cap and the budget are checked by :mod:`carer_desk.rules.payment_cap`.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field, replace
from datetime import date

from carer_desk.errors import RuleViolation
from carer_desk.ids import new_id
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text

logger = logging.getLogger(__name__)


class PaymentStatus(LabelledEnum):
    DRAFT = ("draft", "Draft")
    SUBMITTED = ("submitted", "Waiting for a decision")
    APPROVED = ("approved", "Approved")
    DECLINED = ("declined", "Declined")
    PAID = ("paid", "Paid")
    CANCELLED = ("cancelled", "Cancelled")


# Money committed against the budget once approved; still counted towards the cap while
# waiting, so two requests in flight cannot together exceed it.
COMMITTED_STATUSES = frozenset({PaymentStatus.APPROVED, PaymentStatus.PAID})
OPEN_STATUSES = frozenset({PaymentStatus.DRAFT, PaymentStatus.SUBMITTED})


class PaymentPurpose(LabelledEnum):
    SHORT_BREAK = ("short_break", "A short break or holiday")
    DAY_OUT = ("day_out", "Days out")
    EQUIPMENT = ("equipment", "Equipment (e.g. an orthopaedic mattress)")
    DRIVING_LESSONS = ("driving_lessons", "Driving lessons")
    COURSE_OR_HOBBY = ("course_or_hobby", "A course or hobby")
    HOUSEHOLD_HELP = ("household_help", "Help at home (laundry, cleaning)")
    HEALTH_AND_FITNESS = ("health_and_fitness", "Health and fitness (gym, spa)")
    HOUSEHOLD_BILLS = ("household_bills", "Cost of living: household bills")
    OTHER = ("other", "Something else")


def _a(status: PaymentStatus) -> str:
    """The status with its article, for messages: "an approved", "a paid"."""
    return f"{'an' if status.value[0] in 'aeiou' else 'a'} {status.value}"


class PaidTo(LabelledEnum):
    CARER = ("carer", "The carer")
    SUPPLIER = ("supplier", "A supplier")


_ALLOWED = {
    PaymentStatus.DRAFT: "submit or cancel it",
    PaymentStatus.SUBMITTED: "approve, decline or cancel it",
    PaymentStatus.APPROVED: "mark it paid or cancel it",
    PaymentStatus.DECLINED: "nothing further; make a new request if circumstances change",
    PaymentStatus.PAID: "nothing further; it has been paid",
    PaymentStatus.CANCELLED: "nothing further; make a new request if needed",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WellbeingPaymentRequest:
    id: str = field(default_factory=new_id)
    carer_id: str
    conversation_id: str | None = None  # the assessment the payment follows from
    amount_pence: int
    purpose: PaymentPurpose
    wellbeing_outcome: str  # what it will achieve for the carer's wellbeing
    paid_to: PaidTo = PaidTo.CARER
    supplier_name: str | None = None
    requested_by: str
    requested_on: date
    status: PaymentStatus = PaymentStatus.DRAFT
    submitted_on: date | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    decline_reason: str | None = None
    paid_on: date | None = None
    cancelled_on: date | None = None
    cancel_reason: str | None = None
    # The same-purpose warning given when the request was submitted, kept so the approver
    # sees it too (a warning, never a refusal).
    duplicate_purpose_warning: str | None = None
    # Something the office must look at before deciding or paying (the carer's record was
    # closed while the request was in progress).
    office_flag: str | None = None

    def __post_init__(self) -> None:
        clean_text(self, "wellbeing_outcome", "requested_by")
        clean_optional_text(
            self,
            "supplier_name",
            "decided_by",
            "decline_reason",
            "cancel_reason",
            "duplicate_purpose_warning",
            "office_flag",
        )
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("carer_id", self.carer_id)
        p.require_id("conversation_id", self.conversation_id, optional=True)
        amount = self.amount_pence
        if isinstance(amount, bool) or not isinstance(amount, int):
            p.add("amount_pence", "must be a whole number of pence (e.g. 15000 for £150)")
        elif amount <= 0:
            p.add("amount_pence", "must be more than £0")
        p.require_enum("purpose", self.purpose, PaymentPurpose)
        p.require_text(
            "wellbeing_outcome",
            self.wellbeing_outcome,
            "what the payment will achieve for the carer's wellbeing",
        )
        p.require_enum("paid_to", self.paid_to, PaidTo)
        if self.paid_to == PaidTo.SUPPLIER and self.supplier_name is None:
            p.add("supplier_name", "the payment goes to a supplier; name the supplier")
        p.require_text("requested_by", self.requested_by, "who made the request")
        requested = p.require_date("requested_on", self.requested_on)
        p.require_enum("status", self.status, PaymentStatus)
        dates = {
            name: p.require_date(name, getattr(self, name), optional=True)
            for name in ("submitted_on", "decided_on", "paid_on", "cancelled_on")
        }
        self._check_status_fields(p)
        # Each step happens on or after the one before it.
        order = [
            ("requested_on", requested),
            ("submitted_on", dates["submitted_on"]),
            ("decided_on", dates["decided_on"]),
            ("paid_on", dates["paid_on"]),
        ]
        known = [(n, getattr(self, n)) for n, ok in order if ok]
        for (earlier, d1), (later, d2) in itertools.pairwise(known):
            if d2 < d1:
                p.add(later, f"must not be before {earlier.replace('_', ' ')}")
        cancelled = dates["cancelled_on"] and requested
        if cancelled and self.cancelled_on < self.requested_on:  # type: ignore[operator]
            p.add("cancelled_on", "must not be before requested on")
        p.raise_if_any()

    def _check_status_fields(self, p: Problems) -> None:
        """The dates and names a status implies must be there, and no others."""
        s = self.status
        reached_submitted = s in (
            PaymentStatus.SUBMITTED,
            PaymentStatus.APPROVED,
            PaymentStatus.DECLINED,
            PaymentStatus.PAID,
        )
        decided = s in (PaymentStatus.APPROVED, PaymentStatus.DECLINED, PaymentStatus.PAID)
        if reached_submitted and self.submitted_on is None:
            p.add("submitted_on", f"{_a(s)} request needs the date it was submitted")
        if decided:
            if self.decided_by is None:
                p.add("decided_by", f"{_a(s)} request needs who decided it")
            if self.decided_on is None:
                p.add("decided_on", f"{_a(s)} request needs the date it was decided")
        elif s != PaymentStatus.CANCELLED and (self.decided_by or self.decided_on):
            p.add("decided_on", f"{_a(s)} request has not been decided yet")
        if s == PaymentStatus.DECLINED and self.decline_reason is None:
            p.add("decline_reason", "say why the request was declined")
        if s != PaymentStatus.DECLINED and self.decline_reason is not None:
            p.add("decline_reason", "only a declined request has a decline reason")
        if s == PaymentStatus.PAID and self.paid_on is None:
            p.add("paid_on", "a paid request needs the date it was paid")
        if s != PaymentStatus.PAID and self.paid_on is not None:
            p.add("paid_on", "only a paid request has a payment date")
        if s == PaymentStatus.CANCELLED:
            if self.cancelled_on is None:
                p.add("cancelled_on", "a cancelled request needs the date it was cancelled")
            if self.cancel_reason is None:
                p.add("cancel_reason", "say why the request was cancelled")
        elif self.cancelled_on is not None or self.cancel_reason is not None:
            p.add("cancelled_on", "only a cancelled request has a cancellation")

    @property
    def counted_on(self) -> date:
        """The day the 12-month cap counts this request on: the day it was submitted (on
        the server, the day the server accepted the submission, which it stamps itself),
        or, while it is a draft, the day it was recorded. ``requested_on`` stays the day
        the worker recorded it (perhaps offline) and is shown, never counted."""
        return self.submitted_on or self.requested_on

    # --- life cycle ------------------------------------------------------------------

    def _refuse(self, action: str) -> RuleViolation:
        return RuleViolation(
            f"Cannot {action} a payment request that is {self.status.label.lower()}; "
            f"you can {_ALLOWED[self.status]}."
        )

    def submit(self, on: date) -> WellbeingPaymentRequest:
        if self.status != PaymentStatus.DRAFT:
            raise self._refuse("submit")
        if self.conversation_id is None:
            raise RuleViolation(
                "Cannot submit a payment request without a completed carer's assessment; "
                "link the assessment (guided conversation) it follows from."
            )
        return replace(self, status=PaymentStatus.SUBMITTED, submitted_on=on)

    def approve(self, by: str, on: date) -> WellbeingPaymentRequest:
        if self.status != PaymentStatus.SUBMITTED:
            raise self._refuse("approve")
        if by.strip() == self.requested_by:
            raise RuleViolation(
                "The person who requested a payment cannot approve it; "
                "ask another approver to decide."
            )
        return replace(self, status=PaymentStatus.APPROVED, decided_by=by, decided_on=on)

    def decline(self, by: str, on: date, reason: str) -> WellbeingPaymentRequest:
        if self.status != PaymentStatus.SUBMITTED:
            raise self._refuse("decline")
        if not reason or not reason.strip():
            raise RuleViolation(
                "Give a reason when declining a payment request; the carer and worker will see it."
            )
        return replace(
            self, status=PaymentStatus.DECLINED, decided_by=by, decided_on=on, decline_reason=reason
        )

    def mark_paid(self, on: date) -> WellbeingPaymentRequest:
        if self.status != PaymentStatus.APPROVED:
            raise self._refuse("mark as paid")
        return replace(self, status=PaymentStatus.PAID, paid_on=on)

    def cancel(self, on: date, reason: str) -> WellbeingPaymentRequest:
        if self.status not in (
            PaymentStatus.DRAFT,
            PaymentStatus.SUBMITTED,
            PaymentStatus.APPROVED,
        ):
            raise self._refuse("cancel")
        if not reason or not reason.strip():
            raise RuleViolation("Give a reason when cancelling a payment request.")
        return replace(self, status=PaymentStatus.CANCELLED, cancelled_on=on, cancel_reason=reason)
