"""The card administrator's print queue: every card issued and not yet printed, with who
it is for and whether it can be printed now (a card whose plan the line could not use is
held back by the printing service, and the queue says why, in the same words).

Rows carry names and numbers only, never the plan; reading the queue is audited as one
view of the list, not as a view of each carer's record. Thousands of cards can wait after
a campaign, so the queue is listed at once from the stored cards (:meth:`listed`), and
each card is then checked as printing will check it (:meth:`checked`: that decodes its
plan and carer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.ports import RecordStore
from carer_desk.records.carer import Carer
from carer_desk.records.codec import payload_date
from carer_desk.records.plan import CardHolder, CardStatus, EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.printing import PrintService

NOT_HERE = "Not on this laptop"


@dataclass(frozen=True, slots=True)
class QueuedCard:
    card_id: str
    carer_id: str
    plan_id: str
    number: str  # grouped, as printed
    carer_name: str
    holder: str  # "The carer" or the person cared for's name
    issued_on: date
    held_back: str | None  # why it cannot be printed yet; None: ready (or not checked)
    checked: bool = True  # False: listed from the stored cards, not checked yet


class PrintQueueService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        printing: PrintService,
        caseload: CaseloadService,
    ) -> None:
        super().__init__(store, settings, clock)
        self.printing = printing
        self.caseload = caseload

    def listed(self) -> list[QueuedCard]:
        """The queue at once, oldest first, from the stored cards and the caseload's rows
        (nothing else decoded): each card not checked yet (:meth:`checked` does that)."""
        size = self.settings.cards.group_size
        rows = []
        for card_id, payload in self.store.iter_kind("card"):
            if payload.get("status") != str(CardStatus.PENDING_PRINT):
                continue
            carer_id = str(payload.get("carer_id"))
            row = self.caseload.row(carer_id)
            cared_for = payload.get("holder") == str(CardHolder.CARED_FOR)
            rows.append(
                QueuedCard(
                    card_id=card_id,
                    carer_id=carer_id,
                    plan_id=str(payload.get("plan_id")),
                    number=format_card_number(str(payload.get("number")), size),
                    carer_name=row.display_name if row is not None else NOT_HERE,
                    holder=CardHolder.CARED_FOR.label if cared_for else "The carer",
                    issued_on=payload_date(payload.get("issued_on")) or date.min,
                    held_back=None,
                    checked=False,
                )
            )
        rows.sort(key=lambda r: (r.issued_on, r.card_id))
        self.store.audit("view", kind="card", details={"list": "print queue", "cards": len(rows)})
        return rows

    def checked(self, listed: list[QueuedCard]) -> list[QueuedCard]:
        """The same cards, each checked as the printing service will: held back (and why)
        when the line could not use its plan, and the cared-for person named."""
        plans: dict[str, EmergencyPlan | None] = {}
        carers: dict[str, Carer | None] = {}
        out = []
        for row in listed:
            card = self.repo.find(EmergencyCard, row.card_id)
            if card is None or card.status != CardStatus.PENDING_PRINT:
                continue  # printed or revoked meanwhile
            if card.plan_id not in plans:
                plans[card.plan_id] = self.repo.find(EmergencyPlan, card.plan_id)
            if card.carer_id not in carers:
                carers[card.carer_id] = self.repo.find(Carer, card.carer_id)
            out.append(self._row(card, plans[card.plan_id], carers[card.carer_id]))
        return out

    def rows(self) -> list[QueuedCard]:
        """The queue, listed and checked, oldest first (the order a sheet prints them)."""
        return self.checked(self.listed())

    def _row(
        self, card: EmergencyCard, plan: EmergencyPlan | None, carer: Carer | None
    ) -> QueuedCard:
        if plan is None or carer is None:
            held: str | None = "its plan or carer has not reached this laptop yet; sync (F5)"
        else:
            held = self.printing.why_not_printable(card, plan, carer)
        holder = "The carer"
        if card.holder == CardHolder.CARED_FOR and plan is not None:
            holder = next(
                (p.name for p in plan.cared_for if p.id == card.plan_person_id),
                "A person cared for",
            )
        number = format_card_number(card.number, self.settings.cards.group_size)
        if held is not None:  # the row shows the number already
            held = held.removeprefix(f"card {number}: ")
        return QueuedCard(
            card_id=card.id,
            carer_id=card.carer_id,
            plan_id=card.plan_id,
            number=number,
            carer_name=carer.display_name if carer is not None else NOT_HERE,
            holder=holder,
            issued_on=card.issued_on,
            held_back=held,
        )
