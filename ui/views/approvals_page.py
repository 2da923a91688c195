"""*Requests to decide*: the approver's queue above, the selected request below with
everything deciding it needs, and the year's budget position per funder. Layout only."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from carer_desk.formatting import long_date, money
from carer_desk.payment_decisions import DECLINE_REASON_MAX
from carer_desk.services.payment_queue import QueueItem
from ui.controllers.approvals import ApprovalsController
from ui.events import UserMessage
from ui.models.payments_model import QueueColumn
from ui.views.table import ListStates, list_table
from ui.views.widgets import banner, button, button_row, focus_when_loaded, heading, hint, paragraph


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class BudgetBox(QGroupBox):
    """The financial year's position, then one line per funder half."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Budget this financial year", parent)
        self.setAccessibleName("Budget this financial year")
        self._layout = QVBoxLayout(self)
        self.lines: list[QLabel] = []

    def show_lines(self, sentences: Sequence[str]) -> None:
        for label in self.lines:
            label.deleteLater()
        self.lines = []
        for i, sentence in enumerate(sentences):
            label = _selectable(
                paragraph(sentence, self, name="The year's budget" if i == 0 else "A funder's half")
            )
            self._layout.addWidget(label)
            self.lines.append(label)


class DecisionPanel(QWidget):
    """The selected request: who, what for, the cap, warnings, and the decision."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("The selected request")
        layout = QVBoxLayout(self)
        self.title = heading("Choose a request in the list", self)
        self.carer = _selectable(paragraph("", self, name="The carer"))
        self.request = _selectable(paragraph("", self, name="The request"))
        self.outcome = _selectable(paragraph("", self, name="What it will achieve"))
        self.position = _selectable(paragraph("", self, name="Cap position"))
        self.position.setProperty("role", "subheading")
        self.verdict = _selectable(paragraph("", self, name="Whether it fits the limit"))
        self.counted = _selectable(hint("", self, name="Requests counted"))
        self.warning = banner(name="Same-purpose warning", parent=self)
        self.flag = banner(name="For the office", parent=self)
        self.knowledge = hint("", self, name="What this laptop knows")
        self.reason_label = QLabel("&Reason (needed to decline; the carer is told it):", self)
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for the decision")
        self.reason.setAccessibleDescription(
            f"Needed to decline; up to {DECLINE_REASON_MAX:,} characters"
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(self.reason.fontMetrics().height() * 5)
        self.reason_label.setBuddy(self.reason)
        self.approve = button(
            "&Approve",
            name="Approve the request",
            description="The office checks the cap, the budget and the assessment again",
            icon_name="state-synced",
            primary=True,
            parent=self,
        )
        self.decline = button(
            "&Decline",
            name="Decline the request with the reason given",
            icon_name="state-rejected",
            parent=self,
        )
        self.result = _selectable(hint("", self, name="What happened to the decision"))
        for w in (
            self.title,
            self.carer,
            self.request,
            self.outcome,
            self.position,
            self.verdict,
            self.counted,
            self.warning,
            self.flag,
            self.knowledge,
            self.reason_label,
            self.reason,
        ):
            layout.addWidget(w)
        layout.addLayout(button_row(self.decline, self.approve))
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.show_item(None)

    def show_item(self, item: QueueItem | None) -> None:
        has = item is not None
        for w in (
            self.carer,
            self.request,
            self.outcome,
            self.position,
            self.verdict,
            self.knowledge,
            self.reason_label,
            self.reason,
            self.approve,
            self.decline,
        ):
            w.setVisible(has)
        self.warning.setVisible(bool(item and item.warning))
        self.flag.setVisible(bool(item and item.request.office_flag))
        if item is None:
            self.counted.setVisible(False)
            self.title.setText("No request chosen")
            self.title.setAccessibleName(self.title.text())
            return
        r = item.request
        self.title.setText(f"{money(r.amount_pence)} for {item.carer.display_name}")
        self.title.setAccessibleName(self.title.text())
        self.carer.setText(f"{item.carer.display_name}. {item.carer.sentence()}")
        paid = f"{r.supplier_name} (a supplier)" if r.supplier_name else "the carer"
        self.request.setText(
            f"{r.purpose.label}, {money(r.amount_pence)}, paid to {paid}. Requested by "
            f"{r.requested_by} on {long_date(r.requested_on)}"
            + (f", submitted on {long_date(r.submitted_on)}." if r.submitted_on else ".")
        )
        self.outcome.setText(f"What it will achieve: {r.wellbeing_outcome}")
        advice = item.advice()  # pure and quick: worked out for the one chosen
        before = advice.position
        self.position.setText(f"Before this request: {before[0].lower()}{before[1:]}")
        self.verdict.setText(advice.verdict)
        self.counted.setText(advice.counted)
        self.counted.setVisible(bool(advice.counted))
        self.warning.setText(f"⚠ {item.warning}" if item.warning else "")
        self.flag.setText(r.office_flag or "")
        self.knowledge.setText(advice.knowledge)


class ApprovalsPage(QWidget):
    def __init__(self, controller: ApprovalsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Requests to decide")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Requests to decide", self))
        self.notice = banner(name="Why it was not decided", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.budget = BudgetBox(self)
        layout.addWidget(self.budget)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = list_table(controller.model, "Requests waiting for a decision")
        self.table.setAccessibleDescription("Oldest first; the one selected is shown below")
        self.states = ListStates(self.table, "Reading the requests…", split)
        self.panel = DecisionPanel()
        self.panel_scroll = QScrollArea(split)
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setAccessibleName("The selected request")
        self.panel_scroll.setWidget(self.panel)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)

        self.panel.approve.clicked.connect(lambda: self._decide(approve=True))
        self.panel.decline.clicked.connect(lambda: self._decide(approve=False))
        self.panel.reason.textChanged.connect(self._reason_edited)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        controller.ready_changed.connect(self._rows)
        controller.budget_ready.connect(self.budget.show_lines)
        controller.reason_ready.connect(self._reason)
        controller.decided.connect(self._decided)
        controller.refused.connect(self._refused)
        controller.problem.connect(self._problem)
        controller.deciding_changed.connect(self._deciding)
        controller.load()

    def _current_row(self) -> int:
        return self.table.currentIndex().row()

    def _rows(self) -> None:
        self.table.size_columns(
            {
                QueueColumn.SUBMITTED: "2026-12-02",
                QueueColumn.CARER: "Margaret Richardson-Smith",
                QueueColumn.AMOUNT: "£300.00",
                QueueColumn.PURPOSE: "Help at home (laundry, cleaning)",
                QueueColumn.CAP: "Within the limit",
            },
            boxes={QueueColumn.CAP},  # room for its icon
        )
        count = self.controller.model.rowCount()
        self.states.show_rows(
            count,
            "No requests are waiting for a decision. New ones arrive when workers' laptops sync.",
        )
        if not count:
            self.panel.show_item(None)
            return
        self._selected()
        focus_when_loaded(self.table, self)

    def _selected(self) -> None:
        self.panel.show_item(self.controller.item(self._current_row()))

    def _reason(self, text: str) -> None:
        self.panel.reason.blockSignals(True)
        self.panel.reason.setPlainText(text)
        self.panel.reason.blockSignals(False)

    def _reason_edited(self) -> None:
        item = self.controller.item(self._current_row())
        self.controller.reason_edited(
            item.request.id if item else None, self.panel.reason.toPlainText()
        )

    def _decide(self, *, approve: bool) -> None:
        self.notice.setVisible(False)
        self.controller.decide(
            self._current_row(), approve=approve, reason=self.panel.reason.toPlainText()
        )

    def _deciding(self, busy: bool) -> None:
        self.panel.approve.setEnabled(not busy)
        self.panel.decline.setEnabled(not busy)
        if busy:
            self.panel.result.setText("Asking the office…")

    def _decided(self, sentence: str) -> None:
        self.notice.setVisible(False)
        self.panel.result.setText(sentence)

    def _refused(self, reason: str) -> None:
        self.notice.setText(reason)
        self.notice.setVisible(True)
        self.panel.result.setText(reason)

    def _problem(self, message: UserMessage) -> None:
        self._refused(message.text)
