"""The print queue (the card administrator's Cards area): the cards issued and waiting to
be printed, an A4 sheet of every printable one, their key-fob inserts, or one carer's
card; held-back cards say why. Printing marks the cards printed only once the preview
really sent them to the printer; then they leave the queue."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.services.print_queue import QueuedCard
from carer_desk.services.printing import Rendered
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.print_queue_model import PrintQueueModel
from ui.operations import CoreOp, QueryOp, describe_failure

QUEUE_KINDS = ("card", "plan", "carer")


class PrintQueueController(QObject):
    loaded = Signal(int)  # how many cards wait
    preview_ready = Signal(object)  # Rendered
    done = Signal(str)
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session: DeskSession = ctx.open_desk().session
        self.model = PrintQueueModel(self)
        self.ready = False
        self.checked = False  # each card checked as printing will check it
        ctx.hub.changes_applied.connect(self._changes)
        ctx.hub.locked.connect(self.model.clear)

    def load(self) -> None:
        """List the queue at once, then check each card (which reads its plan and carer)
        in a second trip, so a queue of thousands is on screen without waiting for it."""
        QueryOp(self.ctx.runner, self.session, lambda s: s.print_queue.listed()).success(
            self._listed
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Reading the print queue…"
        ).run()

    def _listed(self, rows: list[QueuedCard]) -> None:
        self.ready = True
        self.checked = False
        self.model.set_rows(rows)
        self.loaded.emit(len(rows))
        QueryOp(self.ctx.runner, self.session, lambda s: s.print_queue.checked(rows)).success(
            self._checked
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).run()

    def _checked(self, rows: list[QueuedCard]) -> None:
        self.checked = True
        self.model.set_rows(rows)
        self.loaded.emit(len(rows))

    def _changes(self, changes: Changes) -> None:
        if self.ready and changes.touches(*QUEUE_KINDS):
            self.load()

    # --- what the page says ------------------------------------------------------------

    def count_sentence(self) -> str:
        rows = self.model.rows()
        held = sum(1 for r in rows if r.held_back)
        text = f"{len(rows)} card(s) waiting to be printed"
        if not self.checked:
            return text + "; checking each card's plan…"
        return text + (f"; {held} held back until their plan can be used" if held else "")

    def empty_sentence(self) -> str:
        return (
            "No card is waiting to be printed. A card issued from a carer's plan comes "
            "here until it is printed."
        )

    def row_at(self, row: int) -> QueuedCard | None:
        return self.model.row_at(row)

    def carer_id_at(self, row: int) -> str | None:
        found = self.model.row_at(row)
        return found.carer_id if found else None

    # --- printing ----------------------------------------------------------------------

    def _print(self, make, busy: str) -> None:
        QueryOp(self.ctx.runner, self.session, make).success(self._rendered).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).busy(busy).run()

    def _rendered(self, rendered: Rendered) -> None:
        if rendered.held_back:
            self.done.emit(
                f"{len(rendered.held_back)} card(s) held back: "
                + "; ".join(reason for _, reason in rendered.held_back)
                + "."
            )
        self.preview_ready.emit(rendered)

    def print_sheet(self) -> None:
        self._print(lambda s: s.printing.card_sheet(all_pending=True), "Preparing the sheet…")

    def print_key_fobs(self) -> None:
        self._print(lambda s: s.printing.key_fobs(all_pending=True), "Preparing the inserts…")

    def print_card_of(self, row: int) -> None:
        carer_id = self.carer_id_at(row)
        if carer_id is None:
            return
        self._print(lambda s: s.printing.card(carer_id), "Preparing the card…")

    def record_printed(self, rendered: Rendered) -> None:
        count = len(rendered.cards)
        sentence = (
            f"Printed; {count} card(s) marked printed and out of the queue."
            if count
            else "Printed; the print is noted."
        )
        CoreOp(
            self.ctx.runner, self.session, lambda s: s.printing.record_printed(rendered)
        ).success(lambda _r: self.done.emit(sentence)).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()
