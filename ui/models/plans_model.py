"""Plans under review as a Qt table: each carer, their plan's state (icon + word), its
review date, what an incomplete plan still needs, and their cards waiting to print."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from carer_desk.formatting import iso_date
from carer_desk.services.caseload import PlanState
from carer_desk.services.plan_reviews import PlanReviewRow
from ui.icons import item_icon
from ui.models.rows_model import RowsModel


class PlansColumn(IntEnum):
    CARER = 0
    STATE = 1
    REVIEW = 2
    CARDS = 3
    MISSING = 4


# An icon beside the word, never colour alone (DESIGN.md).
_STATE_ICONS = {
    PlanState.OVERDUE: "state-rejected",
    PlanState.REVIEW_DUE: "state-conflict",
    PlanState.INCOMPLETE: "state-conflict",
    PlanState.NONE: "state-rejected",
    PlanState.IN_PLACE: "state-synced",
}


class PlansModel(RowsModel[PlanReviewRow]):
    HEADERS = ("Carer", "Plan", "Review date", "Cards to print", "What it still needs")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda r: r.carer_id, parent)

    def text(self, row: PlanReviewRow, column: int, *, spoken: bool) -> str:
        if column == PlansColumn.CARER:
            return row.carer_name
        if column == PlansColumn.STATE:
            return row.state.label
        if column == PlansColumn.REVIEW:
            if row.review_date is None:
                return "No date" if spoken else ""
            return iso_date(row.review_date)
        if column == PlansColumn.CARDS:
            return str(row.cards_waiting) if row.cards_waiting else ("None" if spoken else "")
        if row.state is PlanState.NONE:
            return "A plan"
        return "; ".join(row.missing) if row.missing else ("Nothing" if spoken else "")

    def extra(self, row: PlanReviewRow, column: int, role: int) -> Any:
        if column == PlansColumn.STATE and role == Qt.ItemDataRole.DecorationRole:
            return item_icon(_STATE_ICONS[row.state])
        if column == PlansColumn.MISSING and role == Qt.ItemDataRole.ToolTipRole and row.missing:
            return "; ".join(row.missing)
        return None
