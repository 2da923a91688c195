"""The card administrator's print queue: every card issued and not yet printed, with who
it is for and whether it can be printed now (a card whose plan the line could not use is
held back by the printing service, and the queue says why, in the same words).

Rows carry names and numbers only, never the plan; reading the queue is audited as one
view of the list, not as a view of each carer's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.ports import RecordStore
from carer_desk.records.carer import Carer
from carer_desk.records.plan import CardHolder, EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.base import Service
from carer_desk.services.printing import PrintService


@dataclass(frozen=True, slots=True)
class QueuedCard:
    card_id: str
    carer_id: str
    number: str  # grouped, as printed
    carer_name: str
    holder: str  # "The carer" or the person cared for's name
    issued_on: date
    held_back: str | None  # why it cannot be printed yet; None: ready


class PrintQueueService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        printing: PrintService,
    ) -> None:
        super().__init__(store, settings, clock)
        self.printing = printing

    def rows(self) -> list[QueuedCard]:
        """The queue, oldest first (the order a sheet of pending cards prints them)."""
        cards = self.printing.pending_cards()
        plans: dict[str, EmergencyPlan | None] = {}
        carers: dict[str, Carer | None] = {}
        rows = []
        for card in cards:
            if card.plan_id not in plans:
                plans[card.plan_id] = self.repo.find(EmergencyPlan, card.plan_id)
            if card.carer_id not in carers:
                carers[card.carer_id] = self.repo.find(Carer, card.carer_id)
            rows.append(self._row(card, plans[card.plan_id], carers[card.carer_id]))
        self.store.audit("view", kind="card", details={"list": "print queue", "cards": len(rows)})
        return rows

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
            number=number,
            carer_name=carer.display_name if carer is not None else "Not on this laptop",
            holder=holder,
            issued_on=card.issued_on,
            held_back=held,
        )
