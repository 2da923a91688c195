"""The Plans work area: the plans across the caseload this laptop holds, most urgent
first — overdue for review, due soon, incomplete (what is missing, in words), carers with
no plan, cards waiting to print. A list to choose, a name to find; Enter opens the plan
editor on the selected carer's plan."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from carer_desk.services.plan_reviews import PlanFilter
from ui.controllers.plans import PlansController
from ui.events import UserMessage
from ui.models.plans_model import PlansColumn
from ui.views.table import ListStates, list_table, open_on_enter
from ui.views.widgets import (
    banner,
    button,
    button_row,
    focus_when_loaded,
    heading,
    hint,
    line_edit,
    paragraph,
)

# A typical value for each column but the last (which stretches): with the header and the
# rows shown, what each column is sized to (ui/views/table.py).
COLUMN_SAMPLES = {
    PlansColumn.CARER: "Margaret Fitzgerald-O'Brien",
    PlansColumn.STATE: "Review overdue",
    PlansColumn.REVIEW: "2026-12-02",
    PlansColumn.CARDS: "Cards to print",
}


class PlansPage(QWidget):
    def __init__(
        self,
        controller: PlansController,
        *,
        open_plan: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Plans under review")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Plans under review", self))
        self.count = hint("", self, name="How the plans stand")
        self.count.setWordWrap(True)
        layout.addWidget(self.count)
        self.notice = banner(name="Notice about the plans", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        filters = QHBoxLayout()
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Show")
        for which in PlanFilter:
            self.filter.addItem(which.label, which)
        show = QLabel("&Show:", self)
        show.setBuddy(self.filter)
        self.search = line_edit(name="Find a carer by name", placeholder="Name…", parent=self)
        self.search.setClearButtonEnabled(True)
        find = QLabel("Find a &name:", self)
        find.setBuddy(self.search)
        for w in (show, self.filter, find, self.search):
            filters.addWidget(w)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.table = list_table(controller.model, "Plans")
        self.table.setAccessibleDescription("Press Enter to open the selected carer's plan")
        self.states = ListStates(self.table, "Reading the plans…", self)
        layout.addWidget(self.states, 1)
        self.detail = paragraph("", self, name="The selected carer's plan")
        layout.addWidget(self.detail)
        self.open_button = button(
            "&Open the plan",
            name="Open the selected carer's plan",
            icon_name="edit",
            primary=True,
            parent=self,
        )
        layout.addLayout(button_row(self.open_button))

        self._open = open_on_enter(self.table, controller.carer_id_at, open_plan)
        self.open_button.clicked.connect(self._open)
        self.filter.currentIndexChanged.connect(
            lambda _i: controller.choose(self.filter.currentData())
        )
        self.search.textChanged.connect(controller.search)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection())
        controller.loaded.connect(self._loaded)
        controller.problem.connect(self.show_problem)
        controller.ctx.hub.locked.connect(self.clear)
        controller.load()

    def _size_columns(self) -> None:
        self.table.size_columns(COLUMN_SAMPLES)

    def shown(self) -> None:
        if self.controller.ready and self.controller.model.rowCount():
            self.table.setFocus()

    def _loaded(self, count: int) -> None:
        self._size_columns()
        self.count.setText(self.controller.count_sentence())
        self.states.show_rows(count, self.controller.empty_sentence())
        self._selection()
        if count:
            focus_when_loaded(self.table, self)

    def _selection(self) -> None:
        row = self.controller.row_at(self.table.currentIndex().row())
        self.open_button.setEnabled(row is not None)
        self.detail.setText(self.controller.detail_of(row))

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)

    def clear(self) -> None:
        """Lock means locked: no name stays typed or shown."""
        self.search.clear()
        self.detail.clear()
        self.count.clear()
