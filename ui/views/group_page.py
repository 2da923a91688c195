"""One group as a page with tabs: Sessions (the list, the register of each, scheduling or
moving one) and About the group (its details). A new group opens on its details alone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carer_desk.records.groups import PeerGroup
from ui.controllers.group import GroupController
from ui.events import UserMessage
from ui.models.groups_model import SessionColumn
from ui.views.form_builder import FieldsBox
from ui.views.table import list_table, open_on_enter
from ui.views.widgets import banner, button, button_row, follow_focus, heading, hint, paragraph


def _scrolling(content: QWidget, name: str, parent: QWidget) -> QScrollArea:
    """``content`` at a readable width, scrolling rather than squeezing its fields."""
    area = follow_focus(QScrollArea(parent))
    area.setWidgetResizable(True)
    area.setAccessibleName(name)
    area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    content.setMaximumWidth(content.fontMetrics().averageCharWidth() * 100)
    area.setWidget(content)
    return area


class GroupPage(QWidget):
    def __init__(
        self,
        controller: GroupController,
        *,
        back: Callable[[], None],
        open_session: Callable[[str], None],
        open_group: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        editable = controller.editable
        self.setAccessibleName("New group" if controller.is_new else "Group")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = button("&Back", name="Back to the groups", icon_name="back", parent=self)
        self.back_button.clicked.connect(back)
        top.addWidget(self.back_button)
        self.title = heading(controller.title if controller.is_new else "Opening…", self)
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        self.notice = banner(name="Notice about this group", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Parts of the group")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        # --- sessions ---
        sessions = QWidget(self.tabs)
        sessions.setAccessibleName("Sessions")
        split = QSplitter(Qt.Orientation.Horizontal, sessions)
        left = QWidget(split)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.sessions_table = list_table(controller.sessions, "Sessions", left)
        self.sessions_table.setAccessibleDescription("Press Enter to open the session's register")
        self.no_sessions = paragraph(
            "No sessions yet: schedule the first one.", left, name="No sessions"
        )
        self.open_register = button(
            "Open the &register",
            name="Open the register of the selected session",
            icon_name="groups",
            primary=True,
            parent=left,
        )
        self.change_session = button(
            "&Change this session…",
            name="Change the date, time or place of the selected session",
            icon_name="edit",
            parent=left,
        )
        left_layout.addWidget(self.sessions_table, 1)
        left_layout.addWidget(self.no_sessions)
        left_layout.addLayout(button_row(self.change_session, self.open_register))

        self.session_form = FieldsBox(
            "Schedule a session",
            controller.session_fields,
            self._session_edited,
        )
        self.schedule_button = button(
            "&Schedule",
            name="Schedule this session",
            icon_name="save",
            parent=self.session_form,
        )
        self.new_session_button = button(
            "&Another new session",
            name="Clear the form to schedule another new session",
            icon_name="add",
            parent=self.session_form,
        )
        self.session_result = hint("", self.session_form, name="Session result")
        self.session_form.layout_.addLayout(
            button_row(self.new_session_button, self.schedule_button)
        )
        self.session_form.layout_.addWidget(self.session_result)
        self.session_form.layout_.addStretch(1)
        self.session_scroll = _scrolling(self.session_form, "Schedule a session", split)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        QVBoxLayout(sessions).addWidget(split)

        # --- about the group ---
        details = QWidget(self.tabs)
        details_layout = QVBoxLayout(details)
        self.details = FieldsBox("About the group", controller.fields, self._edited, details)
        self.save_button = button(
            "&Add the group" if controller.is_new else "&Save",
            name="Add the group" if controller.is_new else "Save the group",
            description="Ctrl+S; your typing is also kept as a draft as you go",
            icon_name="save",
            primary=True,
            parent=details,
        )
        self.discard_button = button(
            "&Undo my changes", name="Undo my unsaved changes", parent=details
        )
        self.saved_label = hint("", details, name="Save result")
        details_layout.addWidget(self.details)
        details_layout.addLayout(button_row(self.discard_button, self.save_button))
        details_layout.addWidget(self.saved_label)
        details_layout.addStretch(1)
        self.details_scroll = _scrolling(details, "About the group", self.tabs)

        if not controller.is_new:
            self.tabs.addTab(sessions, "S&essions")
        self.tabs.addTab(self.details_scroll, "About the &group")

        self.discard_button.setVisible(False)
        for w in (self.save_button, self.session_scroll, self.change_session):
            w.setVisible(editable)
        self.details.set_read_only(not editable)

        self.save_button.clicked.connect(lambda: controller.save(self.details.values()))
        self.discard_button.clicked.connect(controller.discard_changes)
        self.schedule_button.clicked.connect(self._schedule)
        self.new_session_button.clicked.connect(controller.new_session)
        self._open_current = open_on_enter(
            self.sessions_table, controller.session_id_at, open_session
        )
        self.open_register.clicked.connect(self._open_current)
        self.change_session.clicked.connect(
            lambda: controller.edit_session(self.sessions_table.currentIndex().row())
        )
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, back)

        controller.loaded.connect(self._loaded)
        controller.values_ready.connect(self._values)
        controller.field_errors.connect(self._errors)
        controller.saved.connect(self._saved)
        controller.created.connect(open_group)
        controller.sessions_ready.connect(self._sessions)
        controller.session_values_ready.connect(self._session_values)
        controller.session_errors.connect(self._session_errors)
        controller.session_saved.connect(
            lambda sentence, _id: self.session_result.setText(sentence)
        )
        controller.problem.connect(self.show_problem)
        controller.load()

    def _size_columns(self) -> None:
        self.sessions_table.size_columns(
            {
                SessionColumn.WHEN: "2026-12-02 18:30",
                SessionColumn.WHERE: "Abingdon Village Hall and online",
            },
        )

    # --- showing -----------------------------------------------------------------------

    def _loaded(self, group: PeerGroup | None) -> None:
        self.title.setText(self.controller.title)
        self.title.setAccessibleName(self.controller.title)
        self.session_form.set_note(self.controller.session_note())

    def _values(self, values: dict, from_draft: bool) -> None:
        self.details.set_values(values)
        self.discard_button.setVisible(from_draft)
        if from_draft:
            self.notice.setText(
                "Your unsaved changes to this group were kept while Carer Desk was locked or "
                "closed. Save them, or undo them."
            )
            self.notice.setVisible(True)

    def _sessions(self) -> None:
        self._size_columns()
        has = self.controller.sessions.rowCount() > 0
        self.sessions_table.setVisible(has)
        self.no_sessions.setVisible(not has)
        self.open_register.setEnabled(has)
        self.change_session.setEnabled(has)
        if has and not self.sessions_table.currentIndex().isValid():
            row = self.controller.next_session_row()
            self.sessions_table.selectRow(row if row is not None else 0)
            self.sessions_table.scrollTo(self.sessions_table.currentIndex())
            self.sessions_table.setFocus()

    def _session_values(self, values: dict, title: str) -> None:
        self.session_form.set_values(values)
        self.session_form.set_errors({})
        self.session_form.set_title(title)
        self.session_scroll.setAccessibleName(title)
        moving = self.controller.editing_session is not None
        self.schedule_button.setText("&Move the session" if moving else "&Schedule")
        self.schedule_button.setAccessibleName(
            "Save the session's new date, time or place" if moving else "Schedule this session"
        )
        self.new_session_button.setVisible(moving)
        if moving:
            self.session_form.first_field().setFocus()

    def _errors(self, problems: dict) -> None:
        first = self.details.set_errors(problems)
        if problems:
            self.tabs.setCurrentWidget(self.details_scroll)
            self.saved_label.setText(
                f"Not saved: {len(problems)} thing(s) to correct, each marked in red."
            )
            if first is not None:
                first.setFocus()

    def _session_errors(self, problems: dict) -> None:
        first = self.session_form.set_errors(problems)
        if problems:
            self.session_result.setText(
                f"Not scheduled: {len(problems)} thing(s) to correct, each marked in red."
            )
            if first is not None:
                first.setFocus()

    def _saved(self, sentence: str) -> None:
        self.saved_label.setText(sentence)
        self.discard_button.setVisible(False)
        self.notice.setVisible(False)

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)

    # --- doing -------------------------------------------------------------------------

    def _edited(self) -> None:
        self.controller.edited(self.details.values())
        self.discard_button.setVisible(True)
        self.saved_label.setText("Draft kept on this laptop; not saved yet.")

    def _session_edited(self) -> None:
        self.controller.session_edited(self.session_form.values())

    def save_now(self) -> None:
        """Ctrl+S: the form in front of the person (a session typed but not scheduled is
        scheduled), else the group's details."""
        on_sessions = self.tabs.currentWidget() is not self.details_scroll
        if on_sessions and self.controller.session_draft.dirty:
            self._schedule()
            return
        self.controller.save(self.details.values())

    def _schedule(self) -> None:
        self.controller.schedule(self.session_form.values())
