"""The approver's home, *Requests to decide*: the submitted requests with the carer's
context (name and last assessment only), the cap position as the server will check it,
the same-purpose warning, and the year's budget position per funder half.

A decision is made on the office server (``SyncGateway.decide_payment``): it alone holds
every request, the budget and the assessments, so a laptop never approves by itself. A
sync follows, so the decided request leaves the queue here, and it reaches the worker's
laptop at their next sync. A refusal comes back as the server's own sentence.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.errors import OfficeUnreachable, VaultLocked
from carer_desk.formatting import money
from carer_desk.payment_decisions import DECLINE_REASON_MAX, DecisionOutcome, DecisionRefused
from carer_desk.services.payment_queue import DecisionQueue, QueueItem
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.controllers.payment_request import knowledge_of, while_alive
from ui.models.payments_model import QueueModel
from ui.operations import NetworkOp, QueryOp, VaultTask, describe_failure

UNREACHABLE = (
    "The office server could not be reached, so nothing was decided: decisions are made at "
    "the office, where every request and the budget are known. Try again when this laptop "
    "is connected."
)


class ApprovalsController(QObject):
    ready_changed = Signal()
    budget_ready = Signal(list)  # sentences: the year, then one per funder
    reason_ready = Signal(str)  # a reason kept as a draft
    decided = Signal(str)  # the server's sentence
    refused = Signal(str)  # why the server (or the form) did not take the decision
    problem = Signal(object)  # UserMessage
    deciding_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.desk = desk
        self.session: DeskSession = desk.session
        self.model = QueueModel(self)
        self.ready = False
        self.deciding = False
        self.draft = FormDraft(ctx, self.session, "payment-decision", self)
        ctx.hub.changes_applied.connect(self._changes)

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        sync, key = self.desk.sync, self.draft.key

        def read(s: DeskSession) -> tuple[DecisionQueue, dict | None]:
            return s.payments.decision_queue(knowledge_of(sync)), s.drafts.load(key)

        QueryOp(self.ctx.runner, self.session, read).success(
            while_alive(self, self._loaded)
        ).failure(while_alive(self, self._load_failed)).busy("Reading the requests…").run()

    def _loaded(self, result: tuple[DecisionQueue, dict | None]) -> None:
        queue, draft = result
        self.model.set_rows(queue.items)
        self.ready = True
        self.ready_changed.emit()
        self.budget_ready.emit(list(queue.budget))
        if draft and not self.draft.dirty:
            self.draft.values, self.draft.dirty = dict(draft), True
            self.reason_ready.emit(str(draft.get("reason") or ""))

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        if changes.touches("payment_request", "carer_summary", "carer", "conversation"):
            self.load()

    # --- the queue ---------------------------------------------------------------------

    def item(self, row: int) -> QueueItem | None:
        return self.model.row_at(row)

    def reason_edited(self, request_id: str | None, reason: str) -> None:
        self.draft.edited({"request_id": request_id, "reason": reason})

    # --- deciding ----------------------------------------------------------------------

    def decide(self, row: int, *, approve: bool, reason: str) -> None:
        item = self.item(row)
        if item is None or self.deciding:
            return
        reason = reason.strip()
        if not approve and not reason:
            self.refused.emit(
                "Not declined: give the reason for declining. The carer will be told it."
            )
            return
        if len(reason) > DECLINE_REASON_MAX:
            self.refused.emit(f"Not decided: keep the reason to {DECLINE_REASON_MAX:,} characters.")
            return
        sync = self.desk.sync
        payment_id, version = item.request.id, item.server_version
        self.deciding = True
        self.deciding_changed.emit(True)

        def call() -> DecisionOutcome:
            return sync.decide_payment(
                payment_id,
                approve=approve,
                reason=reason or None,
                expected_version=version,
            )

        # The queue moves on to the next request at once: the sentence names which
        # request was decided, or it reads as said of the one now shown.
        which = f"{money(item.request.amount_pence)} for {item.carer.display_name}"
        NetworkOp(self.ctx.runner, call).success(
            while_alive(self, lambda outcome: self._decided(outcome, which))
        ).failure(while_alive(self, self._failed)).busy("Asking the office…").run()

    def _done_deciding(self) -> None:
        self.deciding = False
        self.deciding_changed.emit(False)

    def _decided(self, outcome: DecisionOutcome, which: str) -> None:
        self._done_deciding()
        self.draft.discard()
        self.reason_ready.emit("")
        note = (
            ""
            if outcome.report is not None
            else " This laptop could not sync just now; the list catches up at the next sync."
        )
        self.decided.emit(f"{which}: {outcome.message}{note}")
        report = outcome.report
        if report is None:
            self.load()
            return
        session = self.session

        def absorb() -> None:
            session.absorb(report.changes)

        # As after any sync: the caches take the pull in, then every screen hears of it.
        VaultTask(self.ctx.runner, absorb).success(
            lambda _none: self.ctx.hub.changes_applied.emit(report.changes)
        ).run()

    def _failed(self, exc: BaseException) -> None:
        self._done_deciding()
        if isinstance(exc, DecisionRefused):
            self.refused.emit(f"Not decided: {exc}")
            self.load()  # what the server holds may have moved on
            return
        if isinstance(exc, OfficeUnreachable):
            self.refused.emit(UNREACHABLE)
            return
        if isinstance(exc, VaultLocked):
            return
        self.problem.emit(describe_failure(exc))
