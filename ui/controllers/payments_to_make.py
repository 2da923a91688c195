"""The office's *Payments to make*: approved requests waiting to be paid, and recording
that one has been paid once the office has made the payment.

Marking paid is the administrator's step (:mod:`carer_desk.rules.payment_steps`, which the
server enforces too). It is saved on this laptop like any edit, so it works offline; the
office server stamps the day it accepts it, and the worker's laptop hears at its next sync.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.errors import CarerDeskError, VaultLocked
from carer_desk.formatting import money
from carer_desk.services.payments_to_make import PaymentToMake
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.payments_model import ToPayModel
from ui.operations import CoreOp, QueryOp, describe_failure, while_alive

EMPTY = (
    "No approved request is waiting to be paid. Requests come here once an approver has "
    "approved them and this laptop has synced."
)


class PaymentsToMakeController(QObject):
    ready_changed = Signal()
    paid = Signal(str)  # the sentence saying what was recorded
    refused = Signal(str)  # why it was not recorded
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.role = str(desk.role)
        self.session: DeskSession = desk.session
        self.model = ToPayModel(self)
        self.ready = False
        self.marking = False
        ctx.hub.changes_applied.connect(self._changes)
        ctx.hub.locked.connect(self.model.clear)

    def load(self) -> None:
        QueryOp(self.ctx.runner, self.session, lambda s: s.payments.payments_to_make()).success(
            while_alive(self, self._loaded)
        ).failure(while_alive(self, self._load_failed)).busy("Reading the payments to make…").run()

    def _loaded(self, rows: list[PaymentToMake]) -> None:
        self.model.set_rows(rows)
        self.ready = True
        self.ready_changed.emit()

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        if changes.touches("payment_request", "carer_summary", "carer"):
            self.load()

    def item(self, row: int) -> PaymentToMake | None:
        return self.model.row_at(row)

    def question(self, item: PaymentToMake) -> str:
        """What the confirmation asks: the money, who receives it, and what follows."""
        return (
            f"Record that the office has paid {money(item.request.amount_pence)} to "
            f"{item.payee} for {item.carer_name}? The request becomes paid (this cannot be "
            "undone), and the worker's laptop hears of it at its next sync."
        )

    def mark_paid(self, row: int) -> None:
        item = self.item(row)
        if item is None or self.marking:
            return
        self.marking = True
        request_id, role = item.request.id, self.role

        def change(s: DeskSession):
            return s.payments.mark_paid(request_id, role=role)

        CoreOp(self.ctx.runner, self.session, change).success(
            while_alive(self, lambda _paid: self._marked(item))
        ).failure(while_alive(self, self._failed)).busy("Recording the payment…").run()

    def _marked(self, item: PaymentToMake) -> None:
        self.marking = False
        self.paid.emit(
            f"Recorded as paid: {money(item.request.amount_pence)} to {item.payee} for "
            f"{item.carer_name}. It is sent to the office at the next sync."
        )

    def _failed(self, exc: BaseException) -> None:
        self.marking = False
        if isinstance(exc, VaultLocked):
            return
        if isinstance(exc, CarerDeskError):
            self.refused.emit(f"Not recorded as paid: {exc}")
            self.load()
            return
        self.problem.emit(describe_failure(exc))
