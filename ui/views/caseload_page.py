"""The caseload: a sortable table of carers with search as you type and filters."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from carer_desk.records.places import District
from ui.controllers.caseload import CaseloadController
from ui.models.caseload_model import Column
from ui.views.table import ListStates, fit_columns
from ui.views.widgets import heading, hint


class CaseloadPage(QWidget):
    def __init__(
        self,
        controller: CaseloadController,
        title: str,
        open_carer: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._open_carer = open_carer
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(title, self))
        top.addStretch(1)
        self.count = hint("", self, name="How many carers are shown")
        top.addWidget(self.count)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Show")
        for which in controller.filters:
            self.filter.addItem(which.label, which)
        show = QLabel("&Show:", self)
        show.setBuddy(self.filter)
        self.district = QComboBox(self)
        self.district.setAccessibleName("District")
        self.district.addItem("All districts", None)
        for value, label in District.choices():
            self.district.addItem(label, value)
        district = QLabel("&District:", self)
        district.setBuddy(self.district)
        for w in (show, self.filter, district, self.district):
            filters.addWidget(w)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.table = QTableView(self)
        self.table.setAccessibleName("Carers")
        self.table.setAccessibleDescription("Press Enter to open the selected carer")
        self.table.setModel(controller.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._sized_with_rows = False  # again once rows (and their icons) are there
        self._size_columns()
        self.states = ListStates(self.table, "Opening the caseload…", self)
        self.empty, self.loading = self.states.empty, self.states.loading
        layout.addWidget(self.states, 1)

        self.table.activated.connect(self._activated)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self._open_current)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.district.currentIndexChanged.connect(self._filter_changed)
        controller.shown_count.connect(self._shown)
        controller.linking.connect(self._linking)
        controller.load()

    def _size_columns(self) -> None:
        """Each column as wide as its header, its rows or a typical value at the current
        text size (measured, so it holds at 200 % scaling and with large text)."""
        samples = {
            Column.NAME: "Margaret Fitzgerald-Ó'Brien",
            Column.PREFERRED: "Margaret",
            Column.DISTRICT: "Vale of White Horse",
            Column.POSTCODE: "OX26 5DBW",
            Column.NEXT_REVIEW: "2026-03-03",
            Column.PLAN: "Review overdue",
            Column.PAYMENT: "Pending",
            Column.SYNC: "Changed, waiting",
        }
        fit_columns(self.table, samples)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_columns()

    def shown(self) -> None:
        """The page came into view."""
        if self.controller.ready:
            self.table.setFocus()

    def set_search(self, text: str) -> None:
        self.controller.set_search(text)

    def _filter_changed(self, _index: int) -> None:
        self.controller.set_filter(self.filter.currentData(), self.district.currentData())

    def _shown(self, shown: int, total: int) -> None:
        if not self.controller.ready:
            return
        self.count.setText(f"{shown} of {total} carers")
        if shown:
            if not self._sized_with_rows:
                self._sized_with_rows = True
                self._size_columns()
            self.states.setCurrentWidget(self.table)
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
        else:
            self.empty.setText(self.controller.empty_sentence())
            self.states.setCurrentWidget(self.empty)

    def _linking(self, busy: bool) -> None:
        if busy:
            self.count.setText(f"{self.controller.total} carers · working out reviews and plans…")
        else:
            self._shown(self.controller.model.rowCount(), self.controller.total)

    def _activated(self, index: QModelIndex) -> None:
        carer_id = self.controller.carer_id_at(index.row())
        if carer_id:
            self._open_carer(carer_id)

    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._activated(index)
