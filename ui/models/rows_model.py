"""A small read-only table over a list of Qt-free rows: the shape every short list of the
groups screens takes (groups, sessions, a register). Subclasses say what each cell reads
as, on screen and to a screen reader; the rows come from a controller."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
SPOKEN = Qt.ItemDataRole.AccessibleTextRole


class RowsModel(QAbstractTableModel, Generic[R]):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, key: Callable[[R], Hashable], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []
        self._key = key

    # --- contents ----------------------------------------------------------------------

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows; the same records in the same order only redraw what changed
        (so the selection and the keyboard position stay where the person left them)."""
        rows = list(rows)
        if [self._key(r) for r in rows] == [self._key(r) for r in self._rows]:
            for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)):
                if old != new:
                    self.replace_row(i, new)
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def replace_row(self, i: int, row: R) -> None:
        self._rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, i: int) -> R | None:
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def position(self, key: Hashable) -> int | None:
        return next((i for i, r in enumerate(self._rows) if self._key(r) == key), None)

    def clear(self) -> None:
        self.set_rows([])

    # --- what a cell says --------------------------------------------------------------

    def text(self, row: R, column: int, *, spoken: bool) -> str:
        raise NotImplementedError

    def extra(self, row: R, column: int, role: int) -> Any:
        """Other roles (a check box, an icon, a tooltip); None by default."""
        return None

    # --- Qt ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            SPOKEN,
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, SPOKEN):
            return self.text(row, index.column(), spoken=role == SPOKEN)
        return self.extra(row, index.column(), role)
