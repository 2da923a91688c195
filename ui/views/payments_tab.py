"""The carer page's Payments tab: the carer's requests (life cycle and sync state), what
can be done with the one selected, and the request form with its live check against the
cap. Layout only; the controller decides."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QInputDialog,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from carer_desk.services.carer_file import CarerFile
from carer_desk.services.payment_advice import RequestAdvice
from ui.context import AppContext
from ui.controllers.payment_request import PaymentRequestController
from ui.events import UserMessage
from ui.forms.payment_form import assessment_choices
from ui.models.payments_model import SYNC_MEANING, RequestColumn, life_cycle
from ui.views.form_builder import FieldsBox
from ui.views.table import list_table
from ui.views.widgets import banner, button, button_row, follow_focus, hint, paragraph, subheading


class CapCheckBox(QGroupBox):
    """The live check: where the carer stands, whether the amount fits, the same-purpose
    warning, and how current this laptop is — sentences, each with its own name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Check against the limit", parent)
        self.setAccessibleName("Check against the limit")
        layout = QVBoxLayout(self)
        self.position = paragraph("", self, name="Cap position")
        self.position.setProperty("role", "subheading")
        self.verdict = paragraph("", self, name="Whether the amount fits")
        self.counted = hint("", self, name="Requests counted")
        self.warning = banner(name="Same-purpose warning", parent=self)
        self.assessment = banner(name="Assessment problem", parent=self)
        self.knowledge = hint("", self, name="What this laptop knows")
        for w in (
            self.position,
            self.verdict,
            self.counted,
            self.warning,
            self.assessment,
            self.knowledge,
        ):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(w)
        self.warning.setVisible(False)
        self.assessment.setVisible(False)

    def show_advice(self, advice: RequestAdvice) -> None:
        self.position.setText(advice.position)
        self.verdict.setText(advice.verdict)
        self.counted.setText(advice.counted)
        self.counted.setVisible(bool(advice.counted))
        self.warning.setText(f"⚠ {advice.warning}" if advice.warning else "")
        self.warning.setVisible(bool(advice.warning))
        self.assessment.setText(advice.assessment_problem or "")
        self.assessment.setVisible(bool(advice.assessment_problem))
        self.knowledge.setText(advice.knowledge)


class PaymentsTab(QScrollArea):
    def __init__(self, controller: PaymentRequestController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        controller.setParent(self)
        self.setAccessibleName("Wellbeing payments")
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        body = QWidget(self)
        body.setMaximumWidth(body.fontMetrics().averageCharWidth() * 120)
        layout = QVBoxLayout(body)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(subheading("Wellbeing payments", body))
        self.notice = banner(name="Why it was not done", parent=body)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        # --- the carer's requests ---
        self.table = list_table(controller.model, "The carer's payment requests", body)
        self.table.setAccessibleDescription(
            "Each request with where it is and whether the office has it"
        )
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 7)
        self.empty = paragraph(
            "No wellbeing-payment request yet.", body, name="No payment requests"
        )
        self.detail = paragraph("", body, name="The selected request's life cycle")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.submit_draft = button(
            "Submit this draf&t",
            name="Submit the selected draft for a decision",
            icon_name="save",
            parent=body,
        )
        self.cancel_request = button(
            "Cancel this re&quest…",
            name="Cancel the selected request, with a reason",
            icon_name="remove",
            parent=body,
        )
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addWidget(self.detail)
        layout.addLayout(button_row(self.cancel_request, self.submit_draft))

        # --- a new request ---
        self.form = FieldsBox(
            "Ask for a wellbeing payment",
            controller.fields,
            self._edited,
            body,
            note=(
                "The check below runs as you type; your typing is kept as a draft on this "
                "laptop until you submit it."
            ),
        )
        self.check_box = CapCheckBox(body)
        self.form.layout_.addWidget(self.check_box)
        self.keep_draft = button(
            "&Keep as a draft",
            name="Keep the request as a draft, not submitted",
            parent=self.form,
        )
        self.undo_typing = button(
            "Clea&r the form", name="Clear the request form and its draft", parent=self.form
        )
        self.submit_button = button(
            "Submit for a decisi&on",
            name="Submit the request for a decision",
            description="The office's approver decides; the decision comes back at a sync",
            icon_name="requests",
            primary=True,
            parent=self.form,
        )
        self.result = hint("", self.form, name="What happened to the request")
        self.form.layout_.addLayout(
            button_row(self.undo_typing, self.keep_draft, self.submit_button)
        )
        self.form.layout_.addWidget(self.result)
        layout.addWidget(self.form)
        layout.addStretch(1)
        self.setWidget(body)
        follow_focus(self)

        editable = controller.editable
        for w in (self.form, self.submit_draft, self.cancel_request):
            w.setVisible(editable)
        if not editable:
            layout.addWidget(
                hint(
                    "Requests are made by the carer's worker; this laptop shows them to read.",
                    body,
                    name="About payments",
                )
            )

        self.submit_button.clicked.connect(lambda: controller.submit(self.form.values()))
        self.keep_draft.clicked.connect(
            lambda: controller.submit(self.form.values(), keep_as_draft=True)
        )
        self.undo_typing.clicked.connect(controller.discard_typing)
        self.submit_draft.clicked.connect(self._submit_selected)
        self.cancel_request.clicked.connect(self._cancel_selected)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())

        controller.rows_ready.connect(self._rows)
        controller.values_ready.connect(self._values)
        controller.advice_ready.connect(self.check_box.show_advice)
        controller.field_errors.connect(self._errors)
        controller.done.connect(self._done)
        controller.refused.connect(self._refused)
        controller.problem.connect(self._problem)
        controller.load()

    # --- showing -----------------------------------------------------------------------

    def _rows(self) -> None:
        self.table.size_columns(
            {
                RequestColumn.REQUESTED: "2026-12-02",
                RequestColumn.AMOUNT: "£1,300.00",
                RequestColumn.PURPOSE: "Help at home (laundry, cleaning)",
                RequestColumn.STATUS: "Waiting for a decision",
            }
        )
        has = self.controller.model.rowCount() > 0
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        # A request's own buttons only beside a list of requests to act on.
        for b in (self.submit_draft, self.cancel_request):
            b.setVisible(has and self.controller.editable)
        if has and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._selected()

    def _selected(self) -> None:
        row = self.controller.row(self.table.currentIndex().row())
        if row is None:
            self.detail.setText("")
        else:
            self.detail.setText(f"{life_cycle(row.request)} Sync: {SYNC_MEANING[row.sync_state]}.")
        self.submit_draft.setEnabled(self.controller.may_submit(row))
        self.cancel_request.setEnabled(self.controller.may_cancel(row))

    def _values(self, values: dict, from_draft: bool) -> None:
        self.form.set_values(values)
        self.form.set_errors({})
        if from_draft:
            self.result.setText(
                "Your unsaved request was kept while Carer Desk was locked or closed."
            )

    def _errors(self, problems: dict) -> None:
        first = self.form.set_errors(problems)
        if problems:
            self.result.setText(
                f"Not submitted: {len(problems)} thing(s) to correct, each marked in red."
            )
            if first is not None:
                first.setFocus()

    def _done(self, sentence: str) -> None:
        self.notice.setVisible(False)
        self.result.setText(sentence)

    def _refused(self, reason: str) -> None:
        self.notice.setText(reason)
        self.notice.setVisible(True)
        self.result.setText(reason)
        self.ensureWidgetVisible(self.notice)

    def _problem(self, message: UserMessage) -> None:
        self._refused(message.text)

    # --- doing -------------------------------------------------------------------------

    def _edited(self) -> None:
        self.controller.edited(self.form.values())
        self.result.setText("Draft kept on this laptop; not submitted yet.")

    def _submit_selected(self) -> None:
        row = self.controller.row(self.table.currentIndex().row())
        if self.controller.may_submit(row):
            assert row is not None
            self.controller.submit_draft(row.request.id)

    def _cancel_selected(self) -> None:
        row = self.controller.row(self.table.currentIndex().row())
        if not self.controller.may_cancel(row):
            return
        assert row is not None
        reason, ok = QInputDialog.getText(
            self, "Cancel the request", "Why is the request cancelled? (the carer may be told)"
        )
        if ok:
            self.controller.cancel(row.request.id, reason)


def payments_tab_for(ctx: AppContext, record: CarerFile) -> PaymentsTab:
    """The tab for the carer of ``record`` (its completed assessments offered to link)."""
    choices = assessment_choices(record.conversations)
    return PaymentsTab(PaymentRequestController(ctx, record.carer.id, choices))
