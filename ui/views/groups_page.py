"""The Groups work area: the groups on this laptop with each one's next session; open a
group, add one, or go straight to the register of the next session."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ui.controllers.groups import GroupsController
from ui.models.groups_model import GroupColumn
from ui.views.table import ListStates, list_table, open_on_enter
from ui.views.widgets import button, button_row, focus_when_loaded, heading, hint


class GroupsPage(QWidget):
    def __init__(
        self,
        controller: GroupsController,
        *,
        open_group: Callable[[str], None],
        open_session: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._open_session = open_session
        self.setAccessibleName("Groups")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Groups", self))
        top.addStretch(1)
        self.count = hint("", self, name="How many groups are shown")
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(
            hint(
                "Peer-support groups and their next session. Enter opens a group; "
                "“Take the register” opens its next session.",
                self,
                name="About groups",
            )
        )

        self.table = list_table(controller.model, "Groups")
        self.table.setAccessibleDescription(
            "Press Enter to open the selected group and its sessions"
        )
        self.states = ListStates(self.table, "Opening the groups…", self)
        self.empty = self.states.empty
        layout.addWidget(self.states, 1)

        self.register_button = button(
            "Take the &register",
            name="Take the register of the next session",
            description="Opens the register of the selected group's next session",
            icon_name="groups",
            primary=True,
            parent=self,
        )
        self.open_button = button(
            "&Open the group", name="Open the selected group", icon_name="edit", parent=self
        )
        self.new_button = button("&New group", name="Add a new group", icon_name="add", parent=self)
        self.new_button.setVisible(controller.keeps_groups)
        self.register_button.setVisible(controller.keeps_groups)
        layout.addLayout(button_row(self.new_button, self.open_button, self.register_button))

        self._open_current = open_on_enter(self.table, controller.group_id_at, open_group)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection())
        self.open_button.clicked.connect(self._open_current)
        self.register_button.clicked.connect(self._take_register)
        self.new_button.clicked.connect(lambda: open_group(""))
        controller.loaded.connect(self._loaded)
        controller.load()

    def _size_columns(self) -> None:
        self.table.size_columns(
            {
                GroupColumn.NAME: "Banbury carers' coffee morning",
                GroupColumn.KIND: "General carers' group",
                GroupColumn.FORMAT: "In person and online",
                GroupColumn.VENUE: "Abingdon Village Hall",
                GroupColumn.TOWN: "Chipping Norton",
                GroupColumn.NEXT: "2026-12-02 18:30 (today)",
            },
        )

    def shown(self) -> None:
        """The page came into view."""
        if self.controller.ready and self.controller.model.rowCount():
            self.table.setFocus()

    def _loaded(self, count: int) -> None:
        self._size_columns()
        self.count.setText(self.controller.count_sentence() if count else "")
        self.states.show_rows(count, self.controller.empty_sentence())
        self._selection()
        if count:
            focus_when_loaded(self.table, self)

    def _selection(self) -> None:
        row = self.table.currentIndex().row()
        self.open_button.setEnabled(self.controller.group_id_at(row) is not None)
        self.register_button.setEnabled(self.controller.next_session_at(row) is not None)

    def _take_register(self) -> None:
        session_id = self.controller.next_session_at(self.table.currentIndex().row())
        if session_id:
            self._open_session(session_id)
