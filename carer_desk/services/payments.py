"""Wellbeing-payment use cases: draft, submit, cancel, decide, mark paid, and the cap and
budget positions the screens show.

The laptop's cap check is advisory: it only knows the requests synced to it, and every
message says so (``complete_knowledge=False``). The server enforces the cap at approval.
Approval normally happens on the server and reaches this laptop as a synced record; a
payments approver working offline may record a decision here, which the server checks
again when it syncs (money and approvals are never merged automatically).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import PaymentSettings, Settings
from carer_desk.errors import NotFoundError, RuleViolation
from carer_desk.formatting import long_date, money
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.carer import Carer
from carer_desk.records.codec import from_payload
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.payment import (
    COMMITTED_STATUSES,
    OPEN_STATUSES,
    PaidTo,
    PaymentPurpose,
    PaymentStatus,
    WellbeingPaymentRequest,
)
from carer_desk.roles import Role
from carer_desk.rules.budget import BudgetPosition, budget_position
from carer_desk.rules.financial_year import FinancialYear, financial_year_of
from carer_desk.rules.payment_cap import (
    LAPTOP_CAVEAT,
    CapCheck,
    check_payment_cap,
    check_request_cap,
    counted_summary,
    duplicate_purpose_warning,
    first_day_allowed,
    is_stale_draft,
    requires_recent_assessment,
)
from carer_desk.rules.payment_steps import may_decide, require_may_mark_paid
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.payment_advice import RequestAdvice, advise
from carer_desk.services.payment_queue import DecisionQueue, funder_sentences, queue_items
from carer_desk.services.payments_to_make import PaymentToMake, payments_to_make

logger = logging.getLogger(__name__)

KIND = "payment_request"
_DRAFT, _SUBMITTED = str(PaymentStatus.DRAFT), str(PaymentStatus.SUBMITTED)
#: Statuses whose money the budget counts (the cap counts drafts besides).
_MONEY = frozenset(str(s) for s in (PaymentStatus.SUBMITTED, *COMMITTED_STATUSES))
T = TypeVar("T")

# The payments approver's role name (the server's too); callers pass the role as a string.
APPROVER_ROLE = str(Role.PAYMENTS_APPROVER)


@dataclass(frozen=True, slots=True)
class Submitted:
    """A submitted request, the advisory cap check it passed, and any warning to show."""

    request: WellbeingPaymentRequest
    cap: CapCheck
    warning: str | None  # a request for the same purpose soon before or after this one


@dataclass(frozen=True, slots=True)
class CapPosition:
    """What is left of a carer's cap on a day, as this laptop knows it."""

    carer_id: str
    on: date
    cap_pence: int
    counted_pence: int
    remaining_pence: int
    # The first day more than ``remaining_pence`` can be requested (a counted request
    # drops out of the window); None when nothing is counted.
    until: date | None
    message: str
    # What can be requested from ``until`` (None with it).
    available_then_pence: int | None = None
    # The check behind the position: each counted request, and old drafts left out.
    check: CapCheck | None = None


class PaymentService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        caseload: CaseloadService | None = None,
    ) -> None:
        super().__init__(store, settings, clock)
        # The session's index of each carer's records: a carer's few requests and
        # conversations are read by id instead of decoding every one on the laptop.
        self._caseload = caseload

    @property
    def _rules(self) -> PaymentSettings:
        return self.settings.payments

    def _of_carer(self, cls: type[T], kind: str, carer_id: str) -> list[T]:
        if self._caseload is None:
            return self.repo.where(cls, carer_id=carer_id)
        return self._caseload.records_for(self.repo, cls, kind, carer_id)

    # --- reading ---------------------------------------------------------------------

    def _load(self, request_id: str) -> WellbeingPaymentRequest:
        try:
            return self.repo.get(WellbeingPaymentRequest, request_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no payment request with id {request_id} on this laptop; it may "
                "not have synced yet."
            ) from None

    def get(self, request_id: str) -> WellbeingPaymentRequest:
        request = self._load(request_id)
        self.store.audit(
            "view", record_id=request_id, kind=KIND, details={"carer": request.carer_id}
        )
        return request

    def _all(self) -> list[WellbeingPaymentRequest]:
        return list(self.repo.all(WellbeingPaymentRequest))

    def list_for_carer(self, carer_id: str) -> list[WellbeingPaymentRequest]:
        found = sorted(
            self._of_carer(WellbeingPaymentRequest, KIND, carer_id),
            key=lambda r: (r.requested_on, r.id),
        )
        self.store.audit(
            "view", record_id=carer_id, kind="carer", details={"list": KIND, "count": len(found)}
        )
        return found

    def waiting_for_decision(
        self, requests: list[WellbeingPaymentRequest] | None = None
    ) -> list[WellbeingPaymentRequest]:
        """The approver's queue: submitted requests, oldest first (of ``requests`` when
        the caller has read them already)."""
        return sorted(
            (r for r in (requests or self._all()) if r.status == PaymentStatus.SUBMITTED),
            key=lambda r: (r.submitted_on or r.requested_on, r.id),
        )

    # --- drafting and submitting -----------------------------------------------------

    def _assessment_for(self, carer_id: str, on: date, conversation_id: str | None) -> str:
        conversations = self.repo.where(GuidedConversation, carer_id=carer_id)
        check = requires_recent_assessment(
            conversations, on, self._rules.assessment_valid_months, carer_id=carer_id
        )
        if not check.ok:
            raise RuleViolation(check.message)
        if conversation_id is not None:
            linked = next((c for c in conversations if c.id == conversation_id), None)
            if linked is None or not linked.assessment_completed:
                raise RuleViolation(
                    "The linked conversation is not a completed carer's assessment for this "
                    "carer; link the assessment the payment follows from."
                )
            return conversation_id
        completed = [c for c in conversations if c.assessment_completed and c.completed_on <= on]
        return max(completed, key=lambda c: (c.completed_on, c.id)).id

    def create_request(
        self,
        carer_id: str,
        *,
        amount_pence: int,
        purpose: PaymentPurpose,
        wellbeing_outcome: str,
        paid_to: PaidTo = PaidTo.CARER,
        supplier_name: str | None = None,
        conversation_id: str | None = None,
    ) -> WellbeingPaymentRequest:
        """A draft request, linked to the carer's latest completed assessment unless
        ``conversation_id`` names one. Refused without an assessment completed within
        ``payments.assessment_valid_months``."""
        try:
            carer = self.repo.get(Carer, carer_id)
        except NotFoundError:
            raise NotFoundError(f"There is no carer with id {carer_id} on this laptop.") from None
        if carer.closure is not None:
            raise RuleViolation(
                f"{carer.display_name}'s record was closed on "
                f"{long_date(carer.closure.closed_on)}; reopen it before requesting a "
                "wellbeing payment."
            )
        today = self.clock.today()
        linked = self._assessment_for(carer_id, today, conversation_id)
        request = WellbeingPaymentRequest(
            carer_id=carer_id,
            conversation_id=linked,
            amount_pence=amount_pence,
            purpose=purpose,
            wellbeing_outcome=wellbeing_outcome,
            paid_to=paid_to,
            supplier_name=supplier_name,
            requested_by=self.store.actor,
            requested_on=today,
        )
        self.repo.save(request, action="create")
        logger.info("payment request %s drafted", request.id)
        return request

    def amend_draft(
        self,
        request_id: str,
        *,
        amount_pence: int | None = None,
        purpose: PaymentPurpose | None = None,
        wellbeing_outcome: str | None = None,
    ) -> WellbeingPaymentRequest:
        request = self._load(request_id)
        if request.status != PaymentStatus.DRAFT:
            raise RuleViolation(
                "Only a draft can be changed; cancel this request and make a new one."
            )
        changes = {
            k: v
            for k, v in (
                ("amount_pence", amount_pence),
                ("purpose", purpose),
                ("wellbeing_outcome", wellbeing_outcome),
            )
            if v is not None
        }
        amended = replace(request, **changes)
        self.repo.save(amended, action="edit")
        return amended

    def _carers_requests(self, carer_id: str) -> list[WellbeingPaymentRequest]:
        """Every request of one carer on this laptop, read now (a write of this session is
        in it): the others are compared on their payloads and never decoded."""
        return self.repo.where(WellbeingPaymentRequest, carer_id=carer_id)

    def _cap_check(self, request: WellbeingPaymentRequest) -> CapCheck:
        # The cap counts the carer's own requests only (check_request_cap ignores others').
        return check_request_cap(
            request,
            self._carers_requests(request.carer_id),
            cap_pence=self._rules.cap_pence,
            window_months=self._rules.window_months,
            complete_knowledge=False,
            stale_draft_days=self._rules.stale_draft_days,
        )

    def submit(self, request_id: str) -> Submitted:
        """Submit a draft for a decision after the advisory cap check.

        A request that would take the carer over the cap (as far as this laptop knows) is
        refused with the rule's message, which says how much is left. A request for the
        same purpose shortly before or after another is allowed, with a warning to show.
        """
        request = self._load(request_id)
        today = self.clock.today()
        self._assessment_for(request.carer_id, today, request.conversation_id)
        cap = self._cap_check(request)
        if not cap.allowed:
            raise RuleViolation(cap.message)
        submitted = request.submit(today)
        warning = duplicate_purpose_warning(
            self._carers_requests(request.carer_id), submitted, self._rules.duplicate_purpose_days
        )
        # Kept on the request, so the approver sees the same warning at the decision.
        submitted = replace(submitted, duplicate_purpose_warning=warning)
        self.repo.save(submitted, action="edit")
        logger.info("payment request %s submitted", request_id)
        return Submitted(submitted, cap, warning)

    def cancel(self, request_id: str, reason: str) -> WellbeingPaymentRequest:
        cancelled = self._load(request_id).cancel(self.clock.today(), reason)
        self.repo.save(cancelled, action="edit")
        return cancelled

    # --- decisions recorded on this laptop -------------------------------------------

    def _require_approver(self, role: str, what: str) -> None:
        if not may_decide(role):
            raise RuleViolation(
                f"Only a payments approver can {what} a wellbeing payment; the request waits "
                "for the office to decide."
            )

    def approve(self, request_id: str, *, role: str) -> WellbeingPaymentRequest:
        """An approver's decision recorded here (e.g. while offline). The cap is checked
        again from what this laptop knows; the server checks it again authoritatively."""
        self._require_approver(role, "approve")
        request = self._load(request_id)
        cap = self._cap_check(request)
        if not cap.allowed:
            raise RuleViolation(cap.message)
        approved = request.approve(self.store.actor, self.clock.today())
        self.repo.save(approved, action="edit")
        return approved

    def decline(self, request_id: str, reason: str, *, role: str) -> WellbeingPaymentRequest:
        self._require_approver(role, "decline")
        declined = self._load(request_id).decline(self.store.actor, self.clock.today(), reason)
        self.repo.save(declined, action="edit")
        return declined

    def payments_to_make(self) -> list[PaymentToMake]:
        """The office's list: approved requests waiting to be paid, oldest decision
        first (:mod:`carer_desk.services.payments_to_make`). Audited once for the list."""
        found = payments_to_make(self.repo, self.store)
        self.store.audit(
            "view", kind=KIND, details={"list": "payments_to_make", "count": len(found)}
        )
        return found

    def mark_paid(self, request_id: str, *, role: str) -> WellbeingPaymentRequest:
        """Record that the office has paid an approved request: an administrator's step
        (:mod:`carer_desk.rules.payment_steps`, the rule the server enforces too)."""
        require_may_mark_paid(role)
        paid = self._load(request_id).mark_paid(self.clock.today())
        self.repo.save(paid, action="edit")
        return paid

    # --- positions -------------------------------------------------------------------

    def _position_check(self, carer_id: str, on: date, requests: list) -> CapCheck:
        return check_payment_cap(
            carer_id=carer_id,
            amount_pence=0,
            requested_on=on,
            others=requests,
            cap_pence=self._rules.cap_pence,
            window_months=self._rules.window_months,
            complete_knowledge=False,
            stale_draft_days=self._rules.stale_draft_days,
        )

    def cap_position(self, carer_id: str, on: date | None = None) -> CapPosition:
        """ "£120.00 left of the £300.00 limit until 3 May 2027, when up to £300.00 can be
        requested", from what this laptop knows. The day named is the first day a request
        of the larger amount is allowed, by the cap's own rule."""
        on = on or self.clock.today()
        requests = self._all()
        check = self._position_check(carer_id, on, requests)
        rules = self._rules
        until = then = None
        if check.remaining_pence < check.cap_pence:
            until = first_day_allowed(
                carer_id=carer_id,
                amount_pence=check.remaining_pence + 1,
                on=on,
                others=requests,
                cap_pence=rules.cap_pence,
                window_months=rules.window_months,
                stale_draft_days=rules.stale_draft_days,
            )
        if until is not None:
            then = self._position_check(carer_id, until, requests).remaining_pence
        left = f"{money(check.remaining_pence)} left of the {money(check.cap_pence)} limit"
        if until is not None and then is not None:
            text = f"{left} until {long_date(until)}, when up to {money(then)} can be requested."
        else:
            text = f"{left}: nothing is counted in the last {rules.window_months} months."
        detail = counted_summary(check, rules.stale_draft_days)
        message = " ".join(p for p in (text, detail, LAPTOP_CAVEAT) if p)
        return CapPosition(
            carer_id=carer_id,
            on=on,
            cap_pence=check.cap_pence,
            counted_pence=check.already_committed_pence,
            remaining_pence=check.remaining_pence,
            until=until,
            message=message,
            available_then_pence=then,
            check=check,
        )

    def stale_drafts(self, carer_id: str | None = None) -> list[WellbeingPaymentRequest]:
        """Drafts older than ``payments.stale_draft_days``: they no longer count towards
        the cap, and wait for the worker to submit or cancel them. Oldest first."""
        today = self.clock.today()
        days = self._rules.stale_draft_days
        return sorted(
            (
                r
                for r in self._all()
                if (carer_id is None or r.carer_id == carer_id) and is_stale_draft(r, today, days)
            ),
            key=lambda r: (r.requested_on, r.id),
        )

    def flagged_for_office(self) -> list[WellbeingPaymentRequest]:
        """Requests the office must look at (the carer's record was closed while they
        were in progress), oldest first."""
        return sorted(
            (
                r
                for r in self._all()
                if r.office_flag is not None
                and r.status not in (PaymentStatus.CANCELLED, PaymentStatus.DECLINED)
                and r.status != PaymentStatus.PAID
            ),
            key=lambda r: (r.requested_on, r.id),
        )

    def financial_year(self, on: date | None = None) -> FinancialYear:
        return financial_year_of(
            on or self.clock.today(),
            self._rules.financial_year_start_month,
            self._rules.financial_year_start_day,
        )

    def budget_position(self, fy: FinancialYear | None = None) -> BudgetPosition:
        """The budget position of ``fy`` (default: the current year) by funder, quarter,
        purpose and district, from the requests on this laptop."""
        district_of = {
            c.id: c.address.district.value
            for c in self.repo.all(Carer)
            if c.address is not None and c.address.district is not None
        }
        year = fy or self.financial_year()
        return budget_position(
            self._all(),
            year,
            as_of=self.clock.today(),
            annual_budget_pence=self._rules.budget_for(year.start.year),
            funder_split=self._rules.funder_split,
            district_of=district_of,
            attribution=self._rules.year_end_attribution,
        )

    def open_requests(self, carer_id: str) -> list[WellbeingPaymentRequest]:
        """Drafts and requests waiting for a decision (shown on the carer's screen)."""
        return [r for r in self.list_for_carer(carer_id) if r.status in OPEN_STATUSES]

    # --- what the request form and the approver's queue say --------------------------

    def advise(
        self,
        carer_id: str,
        *,
        amount_pence: int | None,
        purpose: PaymentPurpose | None,
        knowledge: str,
        request_id: str | None = None,
    ) -> RequestAdvice:
        """The live check of a request being typed (nothing audited: it runs at every
        pause in typing, and shows only counts and dates of the carer's requests)."""
        return advise(
            carer_id=carer_id,
            amount_pence=amount_pence,
            purpose=purpose,
            on=self.clock.today(),
            # The cap counts this carer's requests only: the others are not decoded.
            requests=self._of_carer(WellbeingPaymentRequest, KIND, carer_id),
            conversations=self._of_carer(GuidedConversation, "conversation", carer_id),
            rules=self._rules,
            knowledge=knowledge,
            request_id=request_id,
        )

    def _queue_reading(self) -> tuple[list[WellbeingPaymentRequest], dict[str, SyncState]]:
        """The requests the approver's queue reads, from one pass over the vault's
        requests (with their sync states): those waiting for a decision, every request of
        their carers the cap can count, and every request that is money for the budget.
        Declined and cancelled requests (neither counted nor money) and drafts of carers
        with nothing waiting are compared on their payloads and never decoded, so the
        queue says exactly what it said when it decoded every request."""
        rows = [(p, state) for _, p, state in self.store.iter_kind_states(KIND)]
        waiting_carers = {p.get("carer_id") for p, _ in rows if p.get("status") == _SUBMITTED}
        keep = []
        states = {}
        for payload, state in rows:
            status = payload.get("status")
            if status in _MONEY or (status == _DRAFT and payload.get("carer_id") in waiting_carers):
                request = from_payload(KIND, payload)
                keep.append(request)
                states[request.id] = state
        return keep, states

    def decision_queue(self, knowledge: str) -> DecisionQueue:
        """The approver's queue, oldest first, each request with the cap as the server
        will check it, and the year's budget per funder half: the requests are read once
        for both (:meth:`_queue_reading`). The view is audited once for the whole list."""
        every, states = self._queue_reading()
        waiting = self.waiting_for_decision(every)
        self.store.audit(
            "view", kind=KIND, details={"list": "decision_queue", "count": len(waiting)}
        )
        items = queue_items(
            waiting=waiting,
            every_request=every,
            repo=self.repo,
            store=self.store,
            rules=self._rules,
            knowledge=knowledge,
            states=states,
        )
        year = self.financial_year()
        rules = self._rules
        # Districts are left out: the queue shows the funders' halves only.
        budget = budget_position(
            every,
            year,
            as_of=self.clock.today(),
            annual_budget_pence=rules.budget_for(year.start.year),
            funder_split=rules.funder_split,
            attribution=rules.year_end_attribution,
        )
        return DecisionQueue(tuple(items), tuple(funder_sentences(budget)))
