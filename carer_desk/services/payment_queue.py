"""The approver's queue: each submitted request with what deciding it needs, and the
budget position of the year per funder — from the approver's laptop, which holds every
request but of each carer only the server's ``carer_summary`` (name, last assessment).

Nothing of a carer beyond that summary is read here, so the queue cannot show more than
an approver may see, on their laptop or a worker's (where the whole record is read down
to the same two fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from carer_desk.config import PaymentSettings
from carer_desk.errors import NotFoundError
from carer_desk.formatting import long_date, money
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.kinds import View
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.rules.budget import BudgetPosition
from carer_desk.services.payment_advice import RequestAdvice, advise
from carer_desk.services.repository import Repository

SUMMARY_KIND = View.CARER_SUMMARY.value


@dataclass(frozen=True, slots=True)
class CarerContext:
    """What an approver may know of the carer: their name and last assessment."""

    carer_id: str
    display_name: str
    last_assessment_on: date | None

    def sentence(self) -> str:
        if self.last_assessment_on is None:
            return "No completed carer's assessment is known for this carer."
        return f"Carer's assessment completed on {long_date(self.last_assessment_on)}."


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One request waiting for a decision, with the cap position and its warnings."""

    request: WellbeingPaymentRequest
    carer: CarerContext
    advice: RequestAdvice
    warning: str | None  # the same-purpose warning (kept at submission, or found now)
    server_version: int | None  # what the approver looked at (the server refuses a newer)
    sync_state: SyncState


def carer_context(repo: Repository, store: RecordStore, carer_id: str) -> CarerContext:
    """From the whole record where this laptop has it, else the server's summary."""
    carer = repo.find(Carer, carer_id)
    if carer is not None:
        done = [
            c.completed_on
            for c in repo.where(GuidedConversation, carer_id=carer_id)
            if c.assessment_completed and c.completed_on is not None
        ]
        return CarerContext(carer_id, carer.display_name, max(done) if done else None)
    try:
        summary = store.get(SUMMARY_KIND, carer_id)
    except NotFoundError:
        return CarerContext(carer_id, "(carer not synced to this laptop)", None)
    raw = summary.get("last_assessment_completed_on")
    try:
        last = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        last = None
    return CarerContext(carer_id, str(summary.get("display_name") or "(no name)"), last)


def queue_items(
    *,
    waiting: Iterable[WellbeingPaymentRequest],
    every_request: Sequence[WellbeingPaymentRequest],
    repo: Repository,
    store: RecordStore,
    rules: PaymentSettings,
    knowledge: str,
) -> list[QueueItem]:
    states = store.sync_states("payment_request")
    contexts: dict[str, CarerContext] = {}
    items = []
    for request in waiting:
        context = contexts.get(request.carer_id)
        if context is None:
            context = contexts[request.carer_id] = carer_context(repo, store, request.carer_id)
        # Checked as the server checks it: the request's own amount on its own date.
        advice = advise(
            carer_id=request.carer_id,
            amount_pence=request.amount_pence,
            purpose=request.purpose,
            on=request.requested_on,
            requests=every_request,
            conversations=None,
            rules=rules,
            knowledge=knowledge,
            request_id=request.id,
        )
        try:
            server_version = store.meta(request.id).server_version
        except NotFoundError:
            server_version = None
        items.append(
            QueueItem(
                request=request,
                carer=context,
                advice=advice,
                warning=request.duplicate_purpose_warning or advice.warning,
                server_version=server_version,
                sync_state=states.get(request.id, SyncState.SYNCED),
            )
        )
    return items


def funder_sentences(position: BudgetPosition) -> list[str]:
    """The year's budget position per funder half, one sentence each."""
    year = position.financial_year
    lines = []
    for share in position.by_funder:
        left = (
            f"{money(share.remaining_pence)} left"
            if share.remaining_pence >= 0
            else f"{money(-share.remaining_pence)} over budget"
        )
        lines.append(
            f"{share.name}: {money(share.spent_pence)} paid and "
            f"{money(share.committed_pence)} approved of {money(share.budget_pence)}; "
            f"{left}; {money(share.requested_pence)} waiting for a decision."
        )
    total = (
        f"Financial year {year.label}: {money(position.remaining_pence)} of "
        f"{money(position.budget_pence)} left after what is paid and approved"
    )
    if position.waiting_count:
        total += (
            f"; {money(max(position.remaining_if_all_approved_pence, 0))} if everything "
            "waiting were approved"
        )
    return [total + ".", *lines]
