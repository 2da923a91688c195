"""The office's list of payments to make: approved requests waiting to be paid.

The approver decides; the office (the administrator, :mod:`carer_desk.rules.payment_steps`)
makes the payment and records it. This is what the administrator's *Payments to make*
area lists, oldest decision first, with who is paid and the carer's name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carer_desk.formatting import long_date, money
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.codec import from_payload
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.services.payment_queue import carer_context, summaries_of
from carer_desk.services.repository import Repository

KIND = "payment_request"
_APPROVED = str(PaymentStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class PaymentToMake:
    """One approved request, as the office pays it."""

    request: WellbeingPaymentRequest
    carer_name: str
    sync_state: SyncState

    @property
    def payee(self) -> str:
        r = self.request
        return f"{r.supplier_name} (a supplier)" if r.supplier_name else "the carer"

    @property
    def decided_on(self) -> date | None:
        return self.request.decided_on

    def sentence(self) -> str:
        r = self.request
        approved = (
            f" Approved by {r.decided_by} on {long_date(r.decided_on)}."
            if r.decided_on is not None
            else ""
        )
        return (
            f"{money(r.amount_pence)} for {self.carer_name}: {r.purpose.label}, paid to "
            f"{self.payee}.{approved}"
        )


def payments_to_make(repo: Repository, store: RecordStore) -> list[PaymentToMake]:
    """Every approved request on this laptop, oldest decision first. Only approved
    payloads are decoded (one pass over the requests with their sync states)."""
    approved = [
        (from_payload(KIND, payload), state)
        for _, payload, state in store.iter_kind_states(KIND)
        if payload.get("status") == _APPROVED
    ]
    summaries = summaries_of(store)
    names: dict[str, str] = {}
    found = []
    for request, state in approved:
        name = names.get(request.carer_id)
        if name is None:
            name = names[request.carer_id] = carer_context(
                repo, store, request.carer_id, summaries
            ).display_name
        found.append(PaymentToMake(request, name, state))
    found.sort(key=lambda p: (p.decided_on or p.request.counted_on, p.request.id))
    return found
