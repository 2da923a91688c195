"""Search and filters over the caseload model (a ``QSortFilterProxyModel``).

The search itself runs in the session (its index knows names, postcodes, phones and
card numbers); this proxy keeps the rows whose ids it returned and that pass the chosen
filter, and sorts by each column's sort value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from carer_desk.services.caseload import CaseloadFilter, Viewer, matches
from ui.models.caseload_model import ROW_ROLE, SORT_ROLE


class CaseloadFilterModel(QSortFilterProxyModel):
    def __init__(self, viewer: Viewer, parent: Any = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.which = CaseloadFilter.ALL
        self.district: str | None = None
        self.hits: frozenset[str] | None = None  # None: no search typed
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, which: CaseloadFilter, district: str | None) -> None:
        self.beginFilterChange()
        self.which, self.district = which, district
        self.endFilterChange()

    def set_hits(self, hits: frozenset[str] | None) -> None:
        self.beginFilterChange()
        self.hits = hits
        self.endFilterChange()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        row = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if row is None:
            return False
        if self.hits is not None and row.carer_id not in self.hits:
            return False
        if self.district and row.district != self.district:
            return False
        return matches(row, self.which, self.viewer)
