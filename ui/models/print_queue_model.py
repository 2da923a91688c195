"""The print queue as a Qt table: each card waiting to be printed, for whom, since when,
and whether it can be printed now (a held-back card says why, in words and an icon)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from carer_desk.formatting import iso_date
from carer_desk.services.print_queue import QueuedCard
from ui.icons import item_icon
from ui.models.rows_model import RowsModel


class QueueColumn(IntEnum):
    NUMBER = 0
    CARER = 1
    HOLDER = 2
    ISSUED = 3
    READY = 4


READY_WORD = "Ready to print"
CHECKING_WORD = "Checking…"


class PrintQueueModel(RowsModel[QueuedCard]):
    HEADERS = ("Card number", "Carer", "For", "Issued", "Can it print?")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.card_id, parent)

    def text(self, row: QueuedCard, column: int, *, spoken: bool) -> str:
        if column == QueueColumn.NUMBER:
            return row.number
        if column == QueueColumn.CARER:
            return row.carer_name
        if column == QueueColumn.HOLDER:
            return row.holder
        if column == QueueColumn.ISSUED:
            return iso_date(row.issued_on)
        if not row.checked:
            return CHECKING_WORD
        if row.held_back is None:
            return READY_WORD
        return f"Held back: {row.held_back}"

    def extra(self, row: QueuedCard, column: int, role: int) -> Any:
        if column != QueueColumn.READY or not row.checked:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return item_icon("state-synced" if row.held_back is None else "state-rejected")
        if role == Qt.ItemDataRole.ToolTipRole and row.held_back:
            return row.held_back
        return None
