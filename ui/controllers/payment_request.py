"""A carer's wellbeing payments, as the worker keeps them: the requests with their life
cycle and sync state, and a request form checked live against the cap and its window
("£180.00 used since 3 March 2026; £120.00 left until 3 March 2027"), with the
same-purpose warning and how current this laptop's knowledge is.

The check is the core's (``PaymentService.advise``), run on the vault lane at a pause in
typing; the typing itself is kept as a sealed draft. A request over the cap is refused
with the rule's explanation and nothing is written; the approver's decision arrives at a
sync and redraws the list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.changes import Changes, ChangeSource
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.formatting import money
from carer_desk.ports import SyncState
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.roles import EDITS_CARERS
from carer_desk.services.payment_advice import RequestAdvice, knowledge_sentence
from carer_desk.services.payments import Submitted
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.forms.payment_form import (
    blank_values,
    request_fields,
    request_from_values,
    typed_amount,
    typed_purpose,
)
from ui.models.payments_model import RequestRow, RequestsModel
from ui.operations import CoreOp, QueryOp, describe_failure, while_alive

ADVICE_AFTER_MS = 250  # the live check runs at this pause in typing


def knowledge_of(desk_sync: Any) -> str:
    """How current the laptop is, from the vault alone (no network)."""
    status = desk_sync.status()
    return knowledge_sentence(status.last_synced_at, datetime.now(UTC), enrolled=status.enrolled)


def request_rows(session: DeskSession, carer_id: str) -> list[RequestRow]:
    states = session.store.sync_states("payment_request")
    return [
        RequestRow(r, states.get(r.id, SyncState.SYNCED))
        for r in reversed(session.payments.list_for_carer(carer_id))
    ]


class PaymentRequestController(QObject):
    rows_ready = Signal()
    values_ready = Signal(dict, bool)  # form values, whether they came from a draft
    advice_ready = Signal(object)  # RequestAdvice
    field_errors = Signal(dict)
    done = Signal(str)  # what was done, in a sentence
    refused = Signal(str)  # why it was not done (the rule's own explanation)
    problem = Signal(object)  # UserMessage

    def __init__(
        self,
        ctx: AppContext,
        carer_id: str,
        assessments: tuple[tuple[str, str], ...],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.desk = desk
        self.session: DeskSession = desk.session
        self.carer_id = carer_id
        self.assessments = assessments
        self.editable = desk.role in EDITS_CARERS
        self.fields = request_fields(assessments)
        self.model = RequestsModel(self)
        self.knowledge = ""
        self.advice: RequestAdvice | None = None
        self.draft = FormDraft(ctx, self.session, f"payment-request:{carer_id}", self)
        self._advice_timer = QTimer(self)
        self._advice_timer.setSingleShot(True)
        self._advice_timer.setInterval(ADVICE_AFTER_MS)
        self._advice_timer.timeout.connect(self.check)
        # The form takes typing at once; what was typed before the requests and any kept
        # draft came back from the vault is kept, never overwritten by them.
        self._loaded_once = False
        self._typed_early = False
        ctx.hub.changes_applied.connect(self._changes)

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        carer_id, key, sync = self.carer_id, self.draft.key, self.desk.sync

        def read(s: DeskSession) -> tuple[list[RequestRow], str, dict | None]:
            return request_rows(s, carer_id), knowledge_of(sync), s.drafts.load(key)

        QueryOp(self.ctx.runner, self.session, read).success(
            while_alive(self, self._loaded)
        ).failure(while_alive(self, lambda exc: self.problem.emit(describe_failure(exc)))).run()

    def _loaded(self, result: tuple[list[RequestRow], str, dict | None]) -> None:
        rows, knowledge, draft = result
        self.knowledge = knowledge
        self.model.set_rows(rows)
        self.rows_ready.emit()
        self._loaded_once = True
        if self._typed_early:  # the person is already typing: their words stay
            self.check()
            return
        from_draft = bool(draft and self.editable)
        values = dict(draft) if from_draft and draft else blank_values(self.assessments)
        self.draft.values, self.draft.dirty = dict(values), from_draft
        self.values_ready.emit(values, from_draft)
        self.check()

    def _reload_rows(self) -> None:
        carer_id, sync = self.carer_id, self.desk.sync

        def read(s: DeskSession) -> tuple[list[RequestRow], str]:
            return request_rows(s, carer_id), knowledge_of(sync)

        def shown(result: tuple[list[RequestRow], str]) -> None:
            rows, self.knowledge = result
            self.model.set_rows(rows)
            self.rows_ready.emit()
            self.check()

        QueryOp(self.ctx.runner, self.session, read).success(while_alive(self, shown)).run()

    def _changes(self, changes: Changes) -> None:
        """A decision (or another laptop's request) arrived by sync, or a sync moved the
        requests' states: the list and the check are read again; typing stays."""
        # A local write of another kind (a conversation started from the carer page)
        # moves no request's state: only a sync does (its Changes come as a pull).
        moved = changes.sync_states and changes.source is not ChangeSource.LOCAL
        if changes.touches("payment_request") or moved:
            self._reload_rows()

    # --- the form ----------------------------------------------------------------------

    def edited(self, values: dict[str, Any]) -> None:
        if not self.editable:
            return
        if not self._loaded_once:
            self._typed_early = True
        self.draft.edited(values)
        self._advice_timer.start()

    def check(self) -> None:
        """The live check of what is typed (on the vault lane; nothing audited)."""
        self._advice_timer.stop()
        if not self.session.is_open:
            return
        values = self.draft.values or {}
        amount, purpose = typed_amount(values), typed_purpose(values)
        carer_id, knowledge = self.carer_id, self.knowledge
        QueryOp(
            self.ctx.runner,
            self.session,
            lambda s: s.payments.advise(
                carer_id, amount_pence=amount, purpose=purpose, knowledge=knowledge
            ),
        ).success(while_alive(self, self._advised)).run()

    def _advised(self, advice: RequestAdvice) -> None:
        self.advice = advice
        self.advice_ready.emit(advice)

    def submit(self, values: dict[str, Any], *, keep_as_draft: bool = False) -> None:
        """Submit the request for a decision (or keep it as a draft). Over the cap, as
        far as this laptop knows, nothing is written and the rule says why."""
        if not self.editable:
            return
        self.draft.values = dict(values)
        args, problems = request_from_values(values, self.fields)
        self.field_errors.emit(problems)
        if args is None:
            return
        carer_id, key, knowledge = self.carer_id, self.draft.key, self.knowledge

        def write(s: DeskSession) -> tuple[WellbeingPaymentRequest, Submitted | None]:
            advice = s.payments.advise(
                carer_id,
                amount_pence=args.amount_pence,
                purpose=args.purpose,
                knowledge=knowledge,
            )
            if advice.assessment_problem:
                raise RuleViolation(advice.assessment_problem)
            if not keep_as_draft and not advice.fits:
                raise RuleViolation(f"Not submitted: {advice.verdict}")
            request = s.payments.create_request(carer_id, **args.as_kwargs())
            submitted = None if keep_as_draft else s.payments.submit(request.id)
            s.drafts.discard(key)
            return request, submitted

        CoreOp(self.ctx.runner, self.session, write).success(
            while_alive(self, self._written)
        ).failure(while_alive(self, self._failed)).busy("Saving the request…").run()

    def _written(self, result: tuple[WellbeingPaymentRequest, Submitted | None]) -> None:
        request, submitted = result
        self.draft.forget()
        values = blank_values(self.assessments)
        self.draft.values = dict(values)
        self.values_ready.emit(values, False)
        amount = money(request.amount_pence)
        if submitted is None:
            self.done.emit(
                f"Kept as a draft: {amount}. Submit it from the list when it is ready; "
                "it is sent to the office at the next sync."
            )
        else:
            warning = f" {submitted.warning}" if submitted.warning else ""
            self.done.emit(
                f"Submitted {amount} for a decision. It is sent to the office at the next "
                f"sync, and the approver's decision comes back the same way.{warning}"
            )

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and exc.problems:
            self.field_errors.emit({path or "": msg for path, msg in exc.problems})
        if isinstance(exc, RuleViolation):
            self.refused.emit(str(exc))
            return
        self.problem.emit(describe_failure(exc))

    def discard_typing(self) -> None:
        self.draft.discard()
        values = blank_values(self.assessments)
        self.draft.values = dict(values)
        self.values_ready.emit(values, False)
        self.check()

    # --- a request in the list ---------------------------------------------------------

    def row(self, index: int) -> RequestRow | None:
        return self.model.row_at(index)

    def submit_draft(self, request_id: str) -> None:
        def write(s: DeskSession) -> Submitted:
            return s.payments.submit(request_id)

        def submitted(result: Submitted) -> None:
            warning = f" {result.warning}" if result.warning else ""
            self.done.emit(
                f"Submitted {money(result.request.amount_pence)} for a decision; it is sent "
                f"at the next sync.{warning}"
            )

        CoreOp(self.ctx.runner, self.session, write).success(while_alive(self, submitted)).failure(
            while_alive(self, self._failed)
        ).run()

    def cancel(self, request_id: str, reason: str) -> None:
        reason = reason.strip()
        if not reason:
            self.refused.emit("Not cancelled: say why the request is cancelled.")
            return

        def write(s: DeskSession) -> WellbeingPaymentRequest:
            return s.payments.cancel(request_id, reason)

        def cancelled(r: WellbeingPaymentRequest) -> None:
            self.done.emit(
                f"Cancelled the request for {money(r.amount_pence)}; it no longer counts "
                "towards the limit. The cancellation is sent at the next sync."
            )

        CoreOp(self.ctx.runner, self.session, write).success(while_alive(self, cancelled)).failure(
            while_alive(self, self._failed)
        ).run()

    @staticmethod
    def may_submit(row: RequestRow | None) -> bool:
        return row is not None and row.request.status == PaymentStatus.DRAFT

    @staticmethod
    def may_cancel(row: RequestRow | None) -> bool:
        return row is not None and row.request.status in (
            PaymentStatus.DRAFT,
            PaymentStatus.SUBMITTED,
        )
