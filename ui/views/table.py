"""A list shown as a table the same way on every groups screen: whole rows selected, read
by keyboard (arrows move, Tab leaves), columns as wide as their header or a typical value
at the text size in use — measured, so they hold at 200 % and with large text."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyle,
    QTableView,
    QWidget,
)

from ui.views.widgets import paragraph


class SizedTable(QTableView):
    """A table whose columns are sized from typical values, again whenever the text size
    changes (larger text, another screen's scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: Mapping[int, str] = {}
        self.boxes: Collection[int] = ()

    def size_columns(self, samples: Mapping[int, str], *, boxes: Collection[int] = ()) -> None:
        self.samples, self.boxes = samples, boxes
        fit_columns(self, samples, boxes=boxes)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.samples:
            fit_columns(self, self.samples, boxes=self.boxes)


def setup_table(table: QTableView, model: QAbstractItemModel, name: str) -> QTableView:
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


def list_table(model: QAbstractItemModel, name: str, parent: QWidget | None = None) -> SizedTable:
    table = SizedTable(parent)
    setup_table(table, model, name)
    return table


def open_on_enter(
    table: QTableView, id_at: Callable[[int], str | None], open_record: Callable[[str], None]
) -> Callable[[], None]:
    """Enter or a double click opens the record of the current row; returns that action
    (for an Open button)."""

    def open_current() -> None:
        index = table.currentIndex()
        record_id = id_at(index.row()) if index.isValid() else None
        if record_id:
            open_record(record_id)

    table.activated.connect(lambda _index: open_current())
    QShortcut(QKeySequence(Qt.Key.Key_Return), table, open_current)
    return open_current


def fit_columns(
    table: QTableView, samples: Mapping[int, str], *, boxes: Collection[int] = ()
) -> None:
    """Each column as wide as the widest of: its header as the header draws it (its own
    font, margins and sort arrow), ``samples[column]`` with the column's icon if it draws
    one, and the rows the table holds now; and room for the check box in the columns that
    draw one (``boxes``). Measured at the text size and scaling in use."""
    fm = table.fontMetrics()
    header = table.horizontalHeader()
    pad = fm.averageCharWidth() * 4
    for column, sample in samples.items():
        box = fm.height() + 8 if column in boxes else 0
        width = max(
            fm.horizontalAdvance(sample) + decoration_width(table, column) + pad + box,
            header.sectionSizeHint(column),  # with its margins (and a sort arrow's room)
            table.sizeHintForColumn(column),  # with the cells' margins and icons
        )
        header.resizeSection(column, width)


def decoration_width(table: QTableView, column: int) -> int:
    """The room an icon takes in ``column``'s cells (none when its first row has none)."""
    model = table.model()
    if model is None or not model.rowCount():
        return 0
    icon = model.data(model.index(0, column), Qt.ItemDataRole.DecorationRole)
    if icon is None:
        return 0
    style = table.style()
    size = table.iconSize()
    side = size.width() if size.isValid() and size.width() > 0 else 0
    if not side:
        side = style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, table)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    return side + 2 * margin


class ListStates(QStackedWidget):
    """A list's three states in one place: loading, the table, or a sentence saying why
    there is nothing to show (DESIGN.md, "States every screen handles")."""

    def __init__(self, table: QTableView, loading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        table.setParent(self)
        self.table = table
        self.empty: QLabel = paragraph("", self, name="Nothing to show")
        self.loading: QLabel = paragraph(loading, self, name="Loading")
        for label in (self.empty, self.loading):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.loading, table, self.empty):
            self.addWidget(w)

    def show_table(self) -> None:
        self.setCurrentWidget(self.table)

    def show_empty(self, sentence: str) -> None:
        self.empty.setText(sentence)
        self.setCurrentWidget(self.empty)

    def show_rows(self, count: int, empty_sentence: str) -> None:
        """The table with a row chosen (the first, unless one already is), so Enter and
        the buttons act at once; or, with no rows, the sentence saying why."""
        if not count:
            self.show_empty(empty_sentence)
            return
        self.show_table()
        if not self.table.currentIndex().isValid():
            self.table.selectRow(0)
