"""Deciding wellbeing-payment requests: the authoritative cap and budget check.

A laptop checks the cap from what it knows and says so; only here, with every request in
front of it, is the decision final. The rules themselves are the core's pure functions
(:mod:`carer_desk.rules.payment_cap`, :mod:`carer_desk.rules.budget`), fed with every
request the server holds, so laptop and server can never disagree about what the rule is.

The decision runs in one writing transaction, which serialises it with every other write:
two approvers approving two requests for the same carer at once cannot both slip under
the cap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.rules.budget import budget_position
from carer_desk.rules.financial_year import financial_year_of
from carer_desk.rules.payment_cap import (
    CapCheck,
    check_request_cap,
    duplicate_purpose_warning,
    format_pounds,
    requires_recent_assessment,
)
from carer_desk.rules.payment_rules import PaymentRules
from carer_desk.rules.payment_steps import DECIDE_REFUSAL, may_decide
from sync.protocol import (
    Decision,
    PaymentDecisionRequest,
    PaymentDecisionResponse,
    RecordKind,
)
from sync.server.access import Principal
from sync.server.errors import BadRequest, Forbidden, NotFound, Refused
from sync.server.merge import changed_fields
from sync.server.service_day import SERVICE_TZ, service_today
from sync.server.store import ServerStore, StoreTransaction

log = logging.getLogger(__name__)

__all__ = ["SERVICE_TZ", "PaymentDecisions", "service_today"]


class PaymentDecisions:
    def __init__(
        self,
        store: ServerStore,
        rules: PaymentRules,
        today: Callable[[], date] = service_today,
    ) -> None:
        self.store = store
        self.rules = rules.payments
        self.today = today

    def decide(
        self, principal: Principal, payment_id: str, request: PaymentDecisionRequest
    ) -> PaymentDecisionResponse:
        if not may_decide(principal.role):
            raise Forbidden(DECIDE_REFUSAL)
        if request.decision == Decision.DECLINE and not (request.reason or "").strip():
            raise BadRequest("Give the reason for declining; the carer will be told it.")
        today = self.today()
        with self.store.transaction(write=True) as tx:
            record = tx.get_record(payment_id)
            if record is None or record.kind != RecordKind.PAYMENT_REQUEST or record.deleted:
                raise NotFound(f"No wellbeing payment request {payment_id} on the server.")
            if request.expected_version is not None and request.expected_version != record.version:
                raise Refused(
                    f"The request has changed since you looked at it (version "
                    f"{request.expected_version}, now {record.version}). Look at it again."
                )
            assert record.payload is not None
            payment = _decode_payment(record.payload, payment_id)
            if payment.status != PaymentStatus.SUBMITTED:
                raise Refused(
                    f"Only a request waiting for a decision can be decided; this one is "
                    f"{payment.status.label.lower()}."
                )
            all_requests = [
                _decode_payment(r.payload, r.record_id)
                for r in tx.records_of_kind(RecordKind.PAYMENT_REQUEST)
                if r.payload is not None and not r.deleted
            ]
            others = [r for r in all_requests if r.carer_id == payment.carer_id]
            cap = check_request_cap(
                payment,
                others,
                cap_pence=self.rules.cap_pence,
                window_months=self.rules.window_months,
                stale_draft_days=self.rules.stale_draft_days,
            )
            fy = financial_year_of(
                today, self.rules.financial_year_start_month, self.rules.financial_year_start_day
            )
            # The budget of the year the decision falls in: a figure set for another year
            # never changes this year's position (payments.budget_by_year).
            position = budget_position(
                all_requests,
                fy,
                as_of=today,
                annual_budget_pence=self.rules.budget_for(fy.start.year),
                funder_split=self.rules.funder_split,
                attribution=self.rules.year_end_attribution,
            )
            # The same-purpose warning the approver must see: the server's own from every
            # request it holds, on its own days of submission (a laptop that knew less,
            # dated differently or left the warning out cannot hide it), else the one
            # stored at submission.
            warning = (
                duplicate_purpose_warning(others, payment, self.rules.duplicate_purpose_days)
                or payment.duplicate_purpose_warning
            )
            try:
                if request.decision == Decision.APPROVE:
                    self._check_approval(tx, payment, cap, position.remaining_pence)
                    decided = payment.approve(by=principal.username, on=today)
                    budget_after = position.remaining_pence - payment.amount_pence
                    remaining_after = cap.remaining_pence - payment.amount_pence
                else:
                    decided = payment.decline(
                        by=principal.username, on=today, reason=request.reason or ""
                    )
                    budget_after = position.remaining_pence
                    remaining_after = cap.remaining_pence
            except RuleViolation as exc:
                # Audited after the transaction ends (below), as the refusal is raised.
                refusal: str | None = str(exc)
            else:
                refusal = None
                payload = to_payload(decided)
                written = tx.write_record(
                    kind=RecordKind.PAYMENT_REQUEST,
                    record_id=payment_id,
                    payload=payload,
                    ownership=record.ownership,
                    changed_fields=changed_fields(record.payload, payload),
                    actor=principal.username,
                    device_id=principal.device_id,
                    change_id=None,
                    previous_version=record.version,
                )
                tx.audit(
                    actor=principal.username,
                    action=f"payment-{request.decision}",
                    device_id=principal.device_id,
                    kind=RecordKind.PAYMENT_REQUEST,
                    record_id=payment_id,
                    details={"amount_pence": payment.amount_pence, "version": written.version},
                )
        if refusal is not None:
            self.store.audit(
                actor=principal.username,
                action="payment-refused",
                device_id=principal.device_id,
                kind=RecordKind.PAYMENT_REQUEST,
                record_id=payment_id,
                details={"decision": str(request.decision), "reason": refusal},
            )
            raise Refused(refusal)
        message = (
            f"Approved {format_pounds(payment.amount_pence)}. {cap.message}"
            if request.decision == Decision.APPROVE
            else f"Declined: {request.reason}"
        )
        log.info("payment %s %sd by %s", payment_id, request.decision, principal.username)
        return PaymentDecisionResponse(
            payment_id=payment_id,
            status=str(decided.status),
            server_version=written.version,
            message=message,
            cap_pence=cap.cap_pence,
            already_committed_pence=cap.already_committed_pence,
            remaining_pence=max(0, remaining_after),
            budget_remaining_pence=budget_after,
            duplicate_purpose_warning=warning,
        )

    def _check_approval(
        self,
        tx: StoreTransaction,
        payment: WellbeingPaymentRequest,
        cap: CapCheck,
        budget_remaining: int,
    ) -> None:
        if not cap.allowed:
            raise RuleViolation(cap.message)
        conversations = []
        for r in tx.records_for_carer(RecordKind.CONVERSATION, payment.carer_id):
            if r.payload is not None and not r.deleted:
                try:
                    conversations.append(
                        from_payload(RecordKind.CONVERSATION, {**r.payload, "id": r.record_id})
                    )
                except ValidationError:
                    log.warning("conversation %s does not decode; left out", r.record_id)
        assessment = requires_recent_assessment(
            conversations,
            # The server's own day of submission (stamped), not a date the laptop wrote.
            payment.counted_on,
            self.rules.assessment_valid_months,
            carer_id=payment.carer_id,
        )
        if not assessment.ok:
            raise RuleViolation(assessment.message)
        if payment.amount_pence > budget_remaining:
            raise RuleViolation(
                f"Approving {format_pounds(payment.amount_pence)} would take the wellbeing "
                f"payment budget over: {format_pounds(max(0, budget_remaining))} is left this "
                "financial year. Ask the service manager before approving."
            )


def _decode_payment(payload: dict[str, Any], record_id: str) -> WellbeingPaymentRequest:
    try:
        return from_payload(RecordKind.PAYMENT_REQUEST, {**payload, "id": record_id})
    except ValidationError as exc:
        raise Refused(
            f"Payment request {record_id} on the server is not valid ({exc}); an administrator "
            "must correct it before it can be decided."
        ) from None
