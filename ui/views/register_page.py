"""A session's page: the attendance register, a newcomer's quick-add and the sign-in sheet.

Built for a hall with people arriving: the arrow keys move down the register, Space marks
the person here or not here, F asks for a follow-up; Enter only moves on (it opens
nothing). Register fields only: name, phone, email, access needs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from carer_desk.errors import CarerDeskError
from carer_desk.services.printing import Rendered
from ui.controllers.register import RegisterController
from ui.events import UserMessage
from ui.models.register_model import RegisterColumn
from ui.print_preview import preview_dialog
from ui.views.check_delegate import CheckIconDelegate
from ui.views.form_builder import FieldsBox
from ui.views.table import SizedTable, setup_table
from ui.views.widgets import banner, button, button_row, follow_focus, heading, hint, paragraph

KEYS_HINT = (
    "↑ ↓ move · Space: here or not here · F: ask for a follow-up · "
    "marks are kept as you go, even offline."
)


class RegisterTable(SizedTable):
    """The register's keys: Space and F mark the current person, Enter moves on."""

    toggle_here = Signal(int)
    toggle_follow_up = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, row = event.key(), self.currentIndex().row()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and key in (Qt.Key.Key_Space, Qt.Key.Key_Select) and row >= 0:
            self.toggle_here.emit(row)
        elif plain and key == Qt.Key.Key_F and row >= 0:
            self.toggle_follow_up.emit(row)
        elif plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Nothing is opened from the register: Enter goes to the next person.
            below = self.model().index(min(row + 1, self.model().rowCount() - 1), 0)
            if below.isValid():
                self.setCurrentIndex(below)
        else:
            super().keyPressEvent(event)
            return
        event.accept()


class RegisterPage(QWidget):
    def __init__(
        self,
        controller: RegisterController,
        *,
        back: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        editable = controller.editable
        self.setAccessibleName("Session register")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = button("&Back", name="Back to the group", icon_name="back", parent=self)
        self.back_button.clicked.connect(back)
        top.addWidget(self.back_button)
        self.title = heading("Opening the register…", self)
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        line = QHBoxLayout()
        self.details = hint("", self, name="When and where")
        line.addWidget(self.details, 1)
        self.count = hint("", self, name="How many are here")
        self.count.setWordWrap(False)  # the details beside it wrap instead
        line.addWidget(self.count, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(line)
        self.keys = hint(KEYS_HINT, self, name="Keys for the register")
        layout.addWidget(self.keys)
        self.notice = banner(name="Notice about this register", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        self.split = split = QSplitter(Qt.Orientation.Vertical, self)
        upper = QWidget(split)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        self.table = setup_table(RegisterTable(upper), controller.model, "Register")
        self.table.setItemDelegate(CheckIconDelegate(self.table))
        self.table.setAccessibleDescription(KEYS_HINT)
        self.empty = paragraph(controller.empty_sentence(), upper, name="Nobody on the register")
        self.empty.setVisible(False)
        self.last_mark = hint("", upper, name="Last mark")
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.empty)
        upper_layout.addWidget(self.last_mark)

        self.follow_up_button = button(
            "Ask for a follo&w-up",
            name="Ask the office for a follow-up conversation with the selected person",
            description="F in the register; press again to take the request back",
            parent=upper,
        )
        self.newcomer_button = button(
            "Add a &newcomer…",
            name="Add a newcomer to the register",
            description="Someone here for the first time: a few details and their consent",
            icon_name="new-carer",
            parent=upper,
        )
        self.print_button = button(
            "&Print the sign-in sheet…",
            name="Print the sign-in sheet",
            description="Ctrl+P; a paper register with spaces for newcomers",
            icon_name="print",
            parent=upper,
        )
        upper_layout.addLayout(
            button_row(self.follow_up_button, self.newcomer_button, self.print_button)
        )

        self.newcomer = FieldsBox(
            "A newcomer",
            controller.newcomer_fields,
            self._newcomer_edited,
            None,
            note=(
                "Only a name and a way to get in touch, and only with their agreement. "
                "They are marked here today and join the group's register."
            ),
        )
        self.add_button = button(
            "&Add to the register",
            name="Add the newcomer to the register",
            icon_name="add",
            primary=True,
            parent=self.newcomer,
        )
        self.cancel_button = button("Cance&l", name="Close the newcomer form", parent=self.newcomer)
        self.newcomer.layout_.addLayout(button_row(self.cancel_button, self.add_button))
        # Scrolls rather than squeezing its lines (large text, a short screen).
        self.newcomer_area = follow_focus(QScrollArea(split))
        self.newcomer_area.setWidgetResizable(True)
        self.newcomer_area.setAccessibleName("A newcomer")
        self.newcomer_area.setWidget(self.newcomer)
        self.newcomer_area.setVisible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)  # neither the register nor the form vanishes
        layout.addWidget(split, 1)

        for w in (self.follow_up_button, self.newcomer_button):
            w.setVisible(editable)
        self.table.toggle_here.connect(controller.toggle_here)
        self.table.toggle_follow_up.connect(controller.toggle_follow_up)
        self.follow_up_button.clicked.connect(
            lambda: controller.toggle_follow_up(self.table.currentIndex().row())
        )
        self.newcomer_button.clicked.connect(self.open_newcomer)
        self.cancel_button.clicked.connect(self._close_newcomer)
        self.add_button.clicked.connect(self._add)
        self.print_button.clicked.connect(controller.print_sign_in)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, controller.print_sign_in)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        # Enter in the newcomer form adds them, as its blue button says: typing a name
        # and a phone number at the door and pressing Enter did nothing.
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            add = QShortcut(QKeySequence(key), self.newcomer)
            add.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            add.activated.connect(self._add)
        self._back = back
        self._problem_row: QWidget | None = None

        controller.loaded.connect(self._loaded)
        controller.rows_ready.connect(self._rows)
        controller.counts_changed.connect(lambda: self.count.setText(controller.count_sentence()))
        controller.marked.connect(self.last_mark.setText)
        controller.newcomer_values.connect(self._newcomer_values)
        controller.newcomer_errors.connect(self._newcomer_errors)
        controller.newcomer_added.connect(self._added)
        controller.preview_ready.connect(self._preview)
        controller.printed.connect(self.last_mark.setText)
        controller.problem.connect(self.show_problem)
        controller.load()

    def _size_columns(self) -> None:
        self.table.size_columns(
            {
                RegisterColumn.NAME: "Margaret Fitzgerald-Ó'Brien (new today)",
                RegisterColumn.HERE: "Not marked",
                RegisterColumn.FOLLOW_UP: "Asked for",
                RegisterColumn.PHONE: "01865 123456",
                RegisterColumn.EMAIL: "carer12345@example.org",
            },
            boxes=(RegisterColumn.HERE, RegisterColumn.FOLLOW_UP),
        )

    # --- showing -----------------------------------------------------------------------

    def _loaded(self, *_: object) -> None:
        heading_text = self.controller.heading()
        self.title.setText(heading_text)
        self.title.setAccessibleName(f"Register of {heading_text}")
        self.details.setText(self.controller.details())

    def _rows(self, select: str | None) -> None:
        self._size_columns()
        has = self.controller.model.rowCount() > 0
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        self.follow_up_button.setEnabled(has)
        if not has:
            return
        row = self.controller.model.position(select) if select else None
        if row is not None:
            self.table.selectRow(row)
        elif not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self.table.scrollTo(self.table.currentIndex())
        if not self.newcomer_area.isVisible():
            self.table.setFocus()

    def _newcomer_values(self, values: dict, from_draft: bool) -> None:
        self.newcomer.set_values(values)
        if from_draft:
            self._show_newcomer()
            self.notice.setText(
                "The newcomer you were adding was kept while Carer Desk was locked or closed."
            )
            self.notice.setVisible(True)

    def _newcomer_errors(self, problems: dict) -> None:
        first = self.newcomer.set_errors(problems)
        if first is not None:
            self._show_newcomer()
            first.setFocus()
            self._problem_row = first.parentWidget() or first  # the field and its message
            QTimer.singleShot(0, self._show_problem_row)  # once the message has its place

    def _show_problem_row(self) -> None:
        if self._problem_row is not None:
            self._fit_newcomer()  # the messages made it taller
            self.newcomer_area.ensureWidgetVisible(self._problem_row)

    def _added(self, sentence: str, _carer_id: str) -> None:
        self.newcomer.set_errors({})
        self.newcomer_area.setVisible(False)
        self.last_mark.setText(sentence)
        self.table.setFocus()

    def _preview(self, rendered: Rendered) -> None:
        try:
            dialog = preview_dialog(
                rendered, lambda: self.controller.record_printed(rendered), self
            )
        except CarerDeskError as exc:
            self.show_problem(UserMessage(str(exc)))
            return
        self.preview = dialog
        dialog.open()

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)

    # --- doing -------------------------------------------------------------------------

    def open_newcomer(self) -> None:
        self._show_newcomer()
        self.newcomer.first_field().setFocus()

    def _show_newcomer(self) -> None:
        """The form in full (the register keeps a few rows above it, and scrolls)."""
        if not self.newcomer_area.isVisible():
            self.newcomer_area.setVisible(True)
            self._fit_newcomer()

    def _fit_newcomer(self) -> None:
        total = sum(self.split.sizes())
        wanted = self.newcomer.sizeHint().height() + self.newcomer_area.frameWidth() * 2
        rows = self.table.verticalHeader().defaultSectionSize()
        least = self.split.widget(0).minimumSizeHint().height() + rows * 4
        form = min(wanted, max(total - least, total // 2))
        self.split.setSizes([total - form, form])

    def _close_newcomer(self) -> None:
        self.newcomer_area.setVisible(False)
        self.table.setFocus()

    def _escape(self) -> None:
        if self.newcomer_area.isVisible():
            self._close_newcomer()  # typed text stays in the form (and its draft)
        else:
            self._back()

    def _newcomer_edited(self) -> None:
        self.controller.newcomer_edited(self.newcomer.values())

    def _add(self) -> None:
        self.controller.add_newcomer(self.newcomer.values())

    def save_now(self) -> None:
        """Ctrl+S: an open newcomer form is added; marks are saved as they are made."""
        if self.newcomer_area.isVisible():
            self._add()
