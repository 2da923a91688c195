"""The unlocked workspace: the navigation list of the role's work areas and the page area.

Built when the vault unlocks, for that person's role, and destroyed when it locks — so
no page, model or field holding a decrypted value outlives the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from carer_desk.environment import OpenDesk
from carer_desk.roles import Area
from ui.controllers.window import Place, WindowController
from ui.icons import icon

PageFactory = Callable[["Workspace"], QWidget]
# (workspace, record id, tab, the page shown for this kind last time or None) -> page
RecordFactory = Callable[["Workspace", str, str | None, QWidget | None], QWidget]


class Workspace(QWidget):
    def __init__(
        self,
        desk: OpenDesk,
        window: WindowController,
        pages: Mapping[Area, PageFactory],
        records: Mapping[str, RecordFactory],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.window_controller = window
        # Only the record pages this role may open: the others cannot be reached at all.
        self._record_factories = {
            kind: factory for kind, factory in records.items() if window.may_open(desk, kind)
        }
        self.setAccessibleName("Workspace")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Work areas")
        self.nav.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Expanding)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        self.stack.setAccessibleName("Page")
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.areas = window.areas(desk)
        self._page_factories = dict(pages)
        # Built when first shown: unlocking opens one page, not every page of the role.
        self.area_pages: dict[Area, QWidget] = {}
        for area in self.areas:
            label = window.label(area)
            item = QListWidgetItem(icon(area.value), label)
            item.setData(Qt.ItemDataRole.UserRole, area.value)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, label)
            self.nav.addItem(item)
        self._fit_navigation()
        self.record_page: QWidget | None = None
        # One page per record kind, kept (bound to the next record) while unlocked.
        self._record_pages: dict[str, QWidget] = {}
        self.nav.currentRowChanged.connect(self._nav_changed)

    def _fit_navigation(self) -> None:
        """Wide enough for the longest label at the text size in use (the style sheet's
        navigation font included): no fixed pixel widths that clip at 200 % or large text."""
        self.nav.ensurePolished()
        fm = self.nav.fontMetrics()
        widest = max(
            (fm.horizontalAdvance(self.window_controller.label(a)) for a in self.areas), default=0
        )
        self.nav.setFixedWidth(widest + self.nav.iconSize().width() + fm.averageCharWidth() * 8)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_navigation()

    # --- moving around -----------------------------------------------------------------

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self.areas):
            self.go(Place(self.areas[row]))

    def go(self, place: Place) -> None:
        if place.area not in self.areas:
            return
        row = self.areas.index(place.area)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        if place.record_id is not None and place.record_kind in self._record_factories:
            self.open_record(place.record_kind, place.record_id, place.tab, area=place.area)
            return
        self._close_record()
        page = self.page_for(place.area)
        self.stack.setCurrentWidget(page)
        self.window_controller.arrived(place)
        shown = getattr(page, "shown", None)
        if callable(shown):
            shown()

    def open_record(
        self, kind: str, record_id: str, tab: str | None = None, *, area: Area | None = None
    ) -> None:
        if kind not in self._record_factories:
            return  # not this role's (a facilitator never opens a carer's record)
        area = area or (
            self.window_controller.place.area if self.window_controller.place else self.areas[0]
        )
        self._close_record()
        existing = self._record_pages.get(kind)
        page = self._record_factories[kind](self, record_id, tab, existing)
        if page is not existing:
            self._record_pages[kind] = page
            self.stack.addWidget(page)
        self.record_page = page
        self.stack.setCurrentWidget(page)
        self.window_controller.arrived(Place(area, kind, record_id, tab))

    def back(self) -> None:
        place = self.window_controller.place
        self.go(Place(place.area if place else self.areas[0]))

    def _close_record(self) -> None:
        # A page that binds to the next record stays (hidden) for it; the workspace, and
        # it with it, goes at lock. A page built for one record (a group, a session's
        # register) goes now, so its controller stops reading that record.
        page, self.record_page = self.record_page, None
        if page is not None and not callable(getattr(page, "bind", None)):
            for kind, kept in list(self._record_pages.items()):
                if kept is page:
                    del self._record_pages[kind]
            self.stack.removeWidget(page)
            page.deleteLater()

    def prepare_record_page(self, kind: str, build: Callable[[], QWidget]) -> None:
        """Build a kind's record page ahead of time, so the first open is quick."""
        if kind not in self._record_pages:
            page = build()
            self._record_pages[kind] = page
            self.stack.addWidget(page)

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def page_for(self, area: Area) -> QWidget | None:
        """The area's page, built the first time it is asked for."""
        if area not in self.areas:
            return None
        page = self.area_pages.get(area)
        if page is None:
            page = self._page_factories[area](self)
            self.area_pages[area] = page
            self.stack.addWidget(page)
        return page

    def opens(self) -> frozenset[str]:
        """The kinds of record this workspace opens as pages."""
        return frozenset(self._record_factories)

    def tab_changed(self, tab: str) -> None:
        """A record page moved to another tab: remember it for after a lock."""
        if self.window_controller.place is not None:
            self.window_controller.arrived(self.window_controller.place.with_tab(tab))
