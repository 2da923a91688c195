"""Read-only tables of the office's answers (the report's figures, a drill-down, the
budget's lines, the work queues, users and laptops): rows of ready-made text, so the
views and the controllers agree on what a cell says. Each table keeps the value behind a
row (a figure key, a username, a laptop id) for the action the person takes on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ui.models.rows_model import RowsModel


@dataclass(frozen=True)
class TextRow:
    cells: tuple[str, ...]
    key: str = ""  # what the row stands for (a figure key, a username, a laptop id)
    spoken: tuple[str, ...] = ()  # what a screen reader says instead, where it differs


class TextTable(RowsModel[TextRow]):
    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(lambda r: (r.key, r.cells[:1]), parent)
        self.set_headers(headers)

    def set_headers(self, headers: Sequence[str]) -> None:
        """New column headings (a drill-down's columns depend on the figure)."""
        self.beginResetModel()
        self.HEADERS = tuple(headers)
        self._rows = []
        self.endResetModel()

    def text(self, row: TextRow, column: int, *, spoken: bool) -> str:
        if spoken and column < len(row.spoken) and row.spoken[column]:
            return row.spoken[column]
        return row.cells[column] if column < len(row.cells) else ""

    def key_at(self, row: int) -> str | None:
        found = self.row_at(row)
        return found.key if found is not None else None
