"""*Payments to make*: the office's list of approved requests above, the chosen one below
with who is paid, and the button that records the payment once it has been made, after a
confirmation (a paid request cannot be put back). Layout only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from ui.controllers.payments_to_make import EMPTY, PaymentsToMakeController
from ui.events import UserMessage
from ui.models.payments_model import ToPayColumn, life_cycle
from ui.views.table import ListStates, list_table
from ui.views.widgets import banner, button, button_row, heading, hint, paragraph


class PaymentsToMakePage(QWidget):
    def __init__(self, controller: PaymentsToMakeController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.confirm: QMessageBox | None = None
        self.setAccessibleName("Payments to make")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Payments to make", self))
        layout.addWidget(
            hint(
                "Approved requests waiting to be paid, oldest approval first. Once the "
                "office has made a payment, record it here.",
                self,
                name="About this list",
            )
        )
        self.notice = banner(name="Why it was not recorded", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.table = list_table(controller.model, "Approved requests waiting to be paid")
        self.table.setAccessibleDescription("Oldest approval first; the one chosen is below")
        self.states = ListStates(self.table, "Reading the payments to make…", self)
        layout.addWidget(self.states, 1)
        self.detail = paragraph("", self, name="The chosen payment")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps = hint("", self, name="Its steps so far")
        layout.addWidget(self.detail)
        layout.addWidget(self.steps)
        self.mark = button(
            "&Mark as paid…",
            name="Mark the chosen request as paid",
            description="Asks first; a paid request cannot be put back",
            icon_name="state-synced",
            primary=True,
            parent=self,
        )
        layout.addLayout(button_row(self.mark))
        self.result = hint("", self, name="What happened")
        layout.addWidget(self.result)

        self.mark.clicked.connect(self.ask_mark_paid)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        controller.ready_changed.connect(self._rows)
        controller.paid.connect(self._paid)
        controller.refused.connect(self._refused)
        controller.problem.connect(self._problem)
        self._selected()
        controller.load()

    def _current_row(self) -> int:
        return self.table.currentIndex().row()

    def _rows(self) -> None:
        self.table.size_columns(
            {
                ToPayColumn.APPROVED: "2026-12-02",
                ToPayColumn.CARER: "Margaret Richardson-Smith",
                ToPayColumn.AMOUNT: "£300.00",
                ToPayColumn.PURPOSE: "Equipment (e.g. an orthopaedic mattress)",
                ToPayColumn.PAYEE: "Cotswold Breaks Ltd (a supplier)",
                ToPayColumn.SYNC: "New, waiting",
            },
            boxes={ToPayColumn.SYNC},  # room for its icon
        )
        self.states.show_rows(self.controller.model.rowCount(), EMPTY)
        self._selected()

    def _selected(self) -> None:
        item = self.controller.item(self._current_row())
        self.mark.setVisible(item is not None)
        self.detail.setText(item.sentence() if item else "")
        self.steps.setText(life_cycle(item.request) if item else "")

    def ask_mark_paid(self) -> None:
        item = self.controller.item(self._current_row())
        if item is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Mark as paid?",
            self.controller.question(item),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAccessibleName("Mark as paid?")
        yes = box.addButton("&Mark as paid", QMessageBox.ButtonRole.AcceptRole)
        yes.setAccessibleName("Mark as paid")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        row = self._current_row()

        def answered() -> None:
            if box.clickedButton() is yes:
                self.notice.setVisible(False)
                self.controller.mark_paid(row)
            self.table.setFocus()

        box.finished.connect(lambda _r: answered())
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()

    def _paid(self, sentence: str) -> None:
        self.result.setText(sentence)

    def _refused(self, reason: str) -> None:
        self.notice.setText(reason)
        self.notice.setVisible(True)
        self.result.setText(reason)

    def _problem(self, message: UserMessage) -> None:
        self._refused(message.text)
