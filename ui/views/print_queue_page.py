"""The Cards work area: the print queue of cards waiting, printed as an A4 sheet, as
key-fob inserts, or one carer's card at a time; Enter opens the selected carer's plan."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget

from carer_desk.errors import CarerDeskError
from carer_desk.services.printing import Rendered
from ui.controllers.print_queue import PrintQueueController
from ui.events import UserMessage
from ui.models.print_queue_model import QueueColumn
from ui.print_preview import preview_dialog
from ui.views.table import ListStates, list_table, open_on_enter
from ui.views.widgets import banner, button, button_row, focus_when_loaded, heading, hint, paragraph


class PrintQueuePage(QWidget):
    def __init__(
        self,
        controller: PrintQueueController,
        *,
        open_plan: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Cards waiting to be printed")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Cards waiting to be printed", self))
        self.count = hint("", self, name="How many cards wait")
        layout.addWidget(self.count)
        layout.addWidget(
            hint(
                "The print queue, oldest first. A card whose plan the emergency line could "
                "not use is held back, with the reason. Enter opens the carer's plan.",
                self,
                name="About the print queue",
            )
        )
        self.notice = banner(name="Notice about the print queue", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.table = list_table(controller.model, "Cards waiting to be printed")
        self.table.setAccessibleDescription("Press Enter to open the selected carer's plan")
        self.states = ListStates(self.table, "Reading the print queue…", self)
        layout.addWidget(self.states, 1)
        self.why = paragraph("", self, name="Why the selected card is held back")
        self.why.setVisible(False)
        layout.addWidget(self.why)
        self.result = hint("", self, name="Print result")
        layout.addWidget(self.result)

        self.sheet_button = button(
            "Print the A&4 sheet…",
            name="Print every card ready to print on A4 sheets",
            icon_name="print",
            primary=True,
            parent=self,
        )
        self.fobs_button = button(
            "&Key-fob inserts…", name="Print key-fob inserts for the waiting cards", parent=self
        )
        self.card_button = button(
            "Print this &card…", name="Print the selected carer's card", parent=self
        )
        self.open_button = button(
            "&Open the plan", name="Open the selected carer's plan", icon_name="edit", parent=self
        )
        layout.addLayout(
            button_row(self.open_button, self.card_button, self.fobs_button, self.sheet_button)
        )
        self._open = open_on_enter(self.table, controller.carer_id_at, open_plan)
        self.open_button.clicked.connect(self._open)
        self.sheet_button.clicked.connect(controller.print_sheet)
        self.fobs_button.clicked.connect(controller.print_key_fobs)
        self.card_button.clicked.connect(
            lambda: controller.print_card_of(self.table.currentIndex().row())
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection())
        controller.loaded.connect(self._loaded)
        controller.preview_ready.connect(self._preview)
        controller.done.connect(self.result.setText)
        controller.problem.connect(self.show_problem)
        controller.load()

    def _size_columns(self) -> None:
        self.table.size_columns(
            {
                QueueColumn.NUMBER: "4821 7730 5519 6",
                QueueColumn.CARER: "Margaret Fitzgerald-O'Brien",
                QueueColumn.HOLDER: "Person cared for",
                QueueColumn.ISSUED: "2026-12-02",
            }
        )

    def shown(self) -> None:
        if self.controller.ready and self.controller.model.rowCount():
            self.table.setFocus()

    def _loaded(self, count: int) -> None:
        self._size_columns()
        self.count.setText(self.controller.count_sentence() if count else "")
        self.states.show_rows(count, self.controller.empty_sentence())
        ready = any(r.held_back is None for r in self.controller.model.rows())
        self.sheet_button.setEnabled(ready)
        self.fobs_button.setEnabled(ready)
        self._selection()
        if count:
            focus_when_loaded(self.table, self)

    def _selection(self) -> None:
        row = self.controller.row_at(self.table.currentIndex().row())
        self.open_button.setEnabled(row is not None)
        self.card_button.setEnabled(row is not None and row.held_back is None)
        held = row.held_back if row is not None else None
        # The whole reason for the selected card (the column may cut it short).
        self.why.setText(f"⚠ Card {row.number} is held back: {held}." if row and held else "")
        self.why.setVisible(bool(held))

    def _preview(self, rendered: Rendered) -> None:
        try:
            dialog = preview_dialog(
                rendered, lambda: self.controller.record_printed(rendered), self
            )
        except CarerDeskError as exc:
            self.show_problem(UserMessage(str(exc)))
            return
        self.preview = dialog
        dialog.open()

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)
