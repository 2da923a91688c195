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
from carer_desk.rules.payment_cap import check_request_cap, duplicate_purpose_warning
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
    fits: bool  # within the cap, as the server will check it (the list's column)
    warning: str | None  # the same-purpose warning (found now, or kept at submission)
    server_version: int | None  # what the approver looked at (the server refuses a newer)
    sync_state: SyncState
    # What the full advice is worked out from when the request is chosen (pure: no vault).
    carer_requests: tuple[WellbeingPaymentRequest, ...]
    rules: PaymentSettings
    knowledge: str

    def advice(self) -> RequestAdvice:
        """Everything the panel says of the cap, checked as the server checks it: the
        request's own amount on its own date, the request itself left out."""
        r = self.request
        return advise(
            carer_id=r.carer_id,
            amount_pence=r.amount_pence,
            purpose=r.purpose,
            on=r.counted_on,
            requests=self.carer_requests,
            conversations=None,
            rules=self.rules,
            knowledge=self.knowledge,
            request_id=r.id,
        )


@dataclass(frozen=True, slots=True)
class DecisionQueue:
    items: tuple[QueueItem, ...]
    budget: tuple[str, ...]  # the year's position, then one sentence per funder half


def summaries_of(store: RecordStore) -> dict[str, dict]:
    """Every ``carer_summary`` on this laptop (an approver's), read in one pass."""
    return dict(store.iter_kind(SUMMARY_KIND))


def carer_context(
    repo: Repository, store: RecordStore, carer_id: str, summaries: dict[str, dict]
) -> CarerContext:
    """From the whole record where this laptop has it, else the server's summary."""
    summary = summaries.get(carer_id)
    if summary is not None:
        return _from_summary(carer_id, summary)
    carer = repo.find(Carer, carer_id)
    if carer is not None:
        done = [
            c.completed_on
            for c in repo.where(GuidedConversation, carer_id=carer_id)
            if c.assessment_completed and c.completed_on is not None
        ]
        return CarerContext(carer_id, carer.display_name, max(done) if done else None)
    return CarerContext(carer_id, "(carer not synced to this laptop)", None)


def _from_summary(carer_id: str, summary: dict) -> CarerContext:
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
    states: dict[str, SyncState] | None = None,
) -> list[QueueItem]:
    """Each waiting request with what deciding it needs; ``states`` are the requests'
    sync states when the caller read them with the requests (else read here)."""
    if states is None:
        states = store.sync_states("payment_request")
    by_carer: dict[str, list[WellbeingPaymentRequest]] = {}
    for r in every_request:
        by_carer.setdefault(r.carer_id, []).append(r)
    summaries = summaries_of(store)
    contexts: dict[str, CarerContext] = {}
    items = []
    for request in waiting:
        context = contexts.get(request.carer_id)
        if context is None:
            context = contexts[request.carer_id] = carer_context(
                repo, store, request.carer_id, summaries
            )
        mine = tuple(by_carer.get(request.carer_id, ()))
        # Checked as the server checks it: the request's own amount on its own date.
        check = check_request_cap(
            request,
            mine,
            cap_pence=rules.cap_pence,
            window_months=rules.window_months,
            stale_draft_days=rules.stale_draft_days,
        )
        # Found now, on the days the cap counts (the server's days of submission this
        # laptop holds); the one kept at submission when nothing is found now.
        warning = (
            duplicate_purpose_warning(mine, request, rules.duplicate_purpose_days)
            or request.duplicate_purpose_warning
        )
        try:
            server_version = store.meta(request.id).server_version
        except NotFoundError:
            server_version = None
        items.append(
            QueueItem(
                request=request,
                carer=context,
                fits=check.allowed,
                warning=warning,
                server_version=server_version,
                sync_state=states.get(request.id, SyncState.SYNCED),
                carer_requests=mine,
                rules=rules,
                knowledge=knowledge,
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
