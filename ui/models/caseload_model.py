"""The caseload as a Qt table: one row per carer, columns as DESIGN.md lists them.

The model holds light ``CaseloadRow`` values only (no full records): the rows the
controller's search and filter let through, sorted here by the column the person chose.
Sorting and filtering are plain Python over the list — a proxy model would call ``data()``
hundreds of thousands of times for 20,000 carers on every keystroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from carer_desk.services.caseload import CaseloadRow, district_label
from ui.icons import icon
from ui.models.sync_state import state_icon_name, state_word

CARER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    PREFERRED = 1
    DISTRICT = 2
    POSTCODE = 3
    NEXT_REVIEW = 4
    PLAN = 5
    PAYMENT = 6
    SYNC = 7


HEADERS = {
    Column.NAME: "Name",
    Column.PREFERRED: "Preferred name",
    Column.DISTRICT: "District",
    Column.POSTCODE: "Postcode",
    Column.NEXT_REVIEW: "Next review",
    Column.PLAN: "Plan",
    Column.PAYMENT: "Payment",
    Column.SYNC: "Sync",
}


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""  # sortable in a table (DESIGN.md)


class CaseloadModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseloadRow] = []
        self._pos: dict[str, int] = {}
        self._sort_column = Column.NAME
        self._descending = False

    # --- contents ----------------------------------------------------------------------

    def _sorted(self, rows: Sequence[CaseloadRow], *, in_name_order: bool) -> list[CaseloadRow]:
        column = self._sort_column
        if column is Column.NAME and in_name_order:
            # The caseload arrives in name order (the service keeps it sorted): no need
            # to fold 40,000 names again on every keystroke.
            return list(reversed(rows)) if self._descending else list(rows)
        return sorted(rows, key=lambda r: self._sort_value(r, column), reverse=self._descending)

    def set_rows(self, rows: Sequence[CaseloadRow]) -> None:
        """Replace the rows (given in name order), sorted by the current column; when
        the same carers are listed in the same order, only the changed rows are redrawn
        (selection and scroll stay put)."""
        rows = self._sorted(rows, in_name_order=True)
        if [r.carer_id for r in rows] == [r.carer_id for r in self._rows]:
            for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)):
                if old != new:
                    self._rows[i] = new
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self._pos = {r.carer_id: i for i, r in enumerate(rows)}
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = Column(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self._rows = self._sorted(self._rows, in_name_order=False)
        self._pos = {r.carer_id: i for i, r in enumerate(self._rows)}
        self.layoutChanged.emit()

    def row_of(self, carer_id: str) -> int | None:
        return self._pos.get(carer_id)

    def carer_at(self, row: int) -> CaseloadRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- Qt ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column, spoken=role == Qt.ItemDataRole.AccessibleTextRole)
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == CARER_ID_ROLE:
            return row.carer_id
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DecorationRole:
            if column is Column.SYNC:
                return icon(state_icon_name(row.sync_state))
            if column is Column.NAME and row.safeguarding:
                return icon("warning")
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.NAME and row.safeguarding:
            return "Safeguarding concern recorded"
        return None

    def _text(self, row: CaseloadRow, column: Column, *, spoken: bool) -> str:
        match column:
            case Column.NAME:
                return row.name + (", safeguarding concern" if spoken and row.safeguarding else "")
            case Column.PREFERRED:
                return row.preferred_name or ""
            case Column.DISTRICT:
                return district_label(row.district)
            case Column.POSTCODE:
                return row.postcode or ""
            case Column.NEXT_REVIEW:
                return _iso(row.next_review) or ("no review date" if spoken else "")
            case Column.PLAN:
                return row.plan_state.label
            case Column.PAYMENT:
                return "Pending" if row.payment_pending else ("none pending" if spoken else "")
            case Column.SYNC:
                return state_word(row.sync_state)
        return ""

    def _sort_value(self, row: CaseloadRow, column: Column) -> Any:
        match column:
            case Column.NAME:
                return "\x00".join(row.sort_key)
            case Column.NEXT_REVIEW:
                return _iso(row.next_review) or "9999"  # no date sorts last
            case Column.PAYMENT:
                return 0 if row.payment_pending else 1
            case _:
                return self._text(row, column, spoken=False).casefold()
