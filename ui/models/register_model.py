"""A session's attendance register as a Qt table: register fields only (name, contact,
access needs) beside what was marked — here or not, and a follow-up asked for.

The two marks are check boxes a person can tick with the mouse; the model never writes
them itself: it asks (``mark_requested``) and the controller marks, on the vault lane.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from carer_desk.services.groups import RegisterRow
from ui.models.rows_model import RowsModel

Index = QModelIndex | QPersistentModelIndex


class RegisterColumn(IntEnum):
    NAME = 0
    HERE = 1
    FOLLOW_UP = 2
    PHONE = 3
    EMAIL = 4
    ACCESS = 5


def here_word(attended: bool | None) -> str:
    return {True: "Here", False: "Not here", None: "Not marked"}[attended]


class RegisterModel(RowsModel[RegisterRow]):
    HEADERS = ("Name", "Here", "Follow-up", "Phone", "Email", "Access needs")
    #: (row, column): the person ticked or unticked a mark with the mouse.
    mark_requested = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.entry.carer_id, parent)

    def text(self, row: RegisterRow, column: int, *, spoken: bool) -> str:
        e = row.entry
        match RegisterColumn(column):
            case RegisterColumn.NAME:
                return e.display_name + (" (new today)" if row.newcomer else "")
            case RegisterColumn.HERE:
                return here_word(row.attended)
            case RegisterColumn.FOLLOW_UP:
                if row.follow_up_requested:
                    return "Asked for"
                return "no follow-up asked for" if spoken else ""
            case RegisterColumn.PHONE:
                return e.phone or ("no phone" if spoken else "")
            case RegisterColumn.EMAIL:
                return e.email or ("no email" if spoken else "")
            case RegisterColumn.ACCESS:
                return ", ".join(e.access_needs) or ("none recorded" if spoken else "")
        return ""

    def extra(self, row: RegisterRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole:
            if column == RegisterColumn.HERE:
                return Qt.CheckState.Checked if row.attended else Qt.CheckState.Unchecked
            if column == RegisterColumn.FOLLOW_UP:
                return Qt.CheckState.Checked if row.follow_up_requested else Qt.CheckState.Unchecked
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.column() in (RegisterColumn.HERE, RegisterColumn.FOLLOW_UP):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.CheckStateRole and index.isValid():
            self.mark_requested.emit(index.row(), index.column())
        return False  # nothing changes until the mark is written
