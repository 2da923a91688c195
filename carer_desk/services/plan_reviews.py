"""Plans under review: every carer this laptop holds, with where their emergency plan
stands — overdue for review, due soon, incomplete (and what it still needs), no plan at
all — and how many of their cards wait to be printed.

For the person who "keeps plans under review" (BRIEF §1, the card and plan
administrator; a worker sees their own caseload's). The states are the caseload's own
(:class:`~carer_desk.services.caseload.PlanState`, from the plan's rules), and what an
incomplete plan still needs is :func:`~carer_desk.records.plan.plan_gaps` on the stored
plan, so this list, the caseload's plan column, the plan editor and the card's refusal
never disagree. Nothing is decoded into records: 20,000 carers list from their payloads.
Reading the list is audited as one view of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.ports import RecordStore
from carer_desk.records.codec import payload_date
from carer_desk.records.plan import CardStatus, plan_gaps, plan_recency
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService, PlanState


class PlanFilter(StrEnum):
    """The lists a person chooses between (the page's filter)."""

    NEEDS_ATTENTION = "needs-attention"  # anything but a plan in place with no card waiting
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    INCOMPLETE = "incomplete"
    NO_PLAN = "no-plan"
    CARDS_WAITING = "cards-waiting"
    ALL = "all"

    @property
    def label(self) -> str:
        return _FILTER_LABELS[self]


_FILTER_LABELS = {
    PlanFilter.NEEDS_ATTENTION: "Everything that needs doing",
    PlanFilter.OVERDUE: "Review overdue",
    PlanFilter.DUE_SOON: "Review due soon",
    PlanFilter.INCOMPLETE: "Incomplete plans",
    PlanFilter.NO_PLAN: "Carers without a plan",
    PlanFilter.CARDS_WAITING: "Cards waiting to print",
    PlanFilter.ALL: "Every carer",
}

# The order the list shows them in: what is most urgent first.
_URGENCY = {
    PlanState.OVERDUE: 0,
    PlanState.REVIEW_DUE: 1,
    PlanState.INCOMPLETE: 2,
    PlanState.NONE: 3,
    PlanState.IN_PLACE: 4,
}


@dataclass(frozen=True, slots=True)
class PlanReviewRow:
    carer_id: str
    carer_name: str
    family_name: str
    team: str | None
    state: PlanState
    review_date: date | None
    missing: tuple[str, ...]  # what an incomplete plan still needs, in plain words
    cards_waiting: int  # cards issued and not printed yet

    @property
    def needs_attention(self) -> bool:
        return self.state is not PlanState.IN_PLACE or self.cards_waiting > 0

    def matches(self, chosen: PlanFilter, text: str = "") -> bool:
        if text and text.casefold() not in self.carer_name.casefold():
            return False
        match chosen:
            case PlanFilter.NEEDS_ATTENTION:
                return self.needs_attention
            case PlanFilter.OVERDUE:
                return self.state is PlanState.OVERDUE
            case PlanFilter.DUE_SOON:
                return self.state is PlanState.REVIEW_DUE
            case PlanFilter.INCOMPLETE:
                return self.state is PlanState.INCOMPLETE
            case PlanFilter.NO_PLAN:
                return self.state is PlanState.NONE
            case PlanFilter.CARDS_WAITING:
                return self.cards_waiting > 0
        return True

    @property
    def sort_key(self) -> tuple[Any, ...]:
        # The most urgent first; within a state the oldest review date, then by name.
        return (_URGENCY[self.state], self.review_date or date.max, self.family_name.casefold())


class PlanReviewService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        caseload: CaseloadService,
    ) -> None:
        super().__init__(store, settings, clock)
        self.caseload = caseload

    def rows(self) -> list[PlanReviewRow]:
        """Every carer on this laptop, most urgent first (see :attr:`PlanReviewRow.sort_key`)."""
        carers = self.caseload.link()  # the rows' plan states, by the plan's own rules
        latest: dict[str, tuple[Any, dict[str, Any]]] = {}
        for plan_id, payload in self.store.iter_kind("plan"):
            carer_id = str(payload.get("carer_id"))
            recency = plan_recency(
                str(payload.get("updated_on") or ""), str(payload.get("created_on") or ""), plan_id
            )
            if carer_id not in latest or recency > latest[carer_id][0]:
                latest[carer_id] = (recency, payload)
        waiting: Counter[str] = Counter(
            str(payload.get("carer_id"))
            for _id, payload in self.store.iter_kind("card")
            if payload.get("status") == str(CardStatus.PENDING_PRINT)
        )
        rows = []
        for carer in carers:
            plan = latest.get(carer.carer_id, (None, None))[1]
            missing = plan_gaps(plan, self.settings.plans) if plan is not None else ()
            rows.append(
                PlanReviewRow(
                    carer_id=carer.carer_id,
                    carer_name=carer.display_name,
                    family_name=carer.family_name,
                    team=carer.team,
                    state=carer.plan_state,
                    review_date=payload_date(plan.get("review_date")) if plan else None,
                    missing=missing,
                    cards_waiting=waiting[carer.carer_id],
                )
            )
        rows.sort(key=lambda r: r.sort_key)
        self.store.audit("view", kind="plan", details={"list": "plans under review"})
        return rows
