"""A carer's emergency plan as a page: what it still needs at the top, every section of the
plan, the contacts in the order the line rings them (reordered by keyboard or by drag),
and the carer's cards with what can be done to them and printed.

Layout only; :class:`ui.controllers.plan.PlanController` holds the logic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carer_desk.errors import CarerDeskError
from carer_desk.ids import new_id
from carer_desk.services.printing import Rendered
from ui.controllers.plan import LAYOUTS, PlanController, PlanFile
from ui.events import UserMessage
from ui.forms.plan_form import (
    BACK_KEY,
    CONTACT_FIELDS,
    CONTACTS_KEY,
    PERSON,
    SECTIONS,
    Completeness,
    contact_line,
    contact_values,
)
from ui.print_preview import preview_dialog
from ui.views.form_builder import FieldsBox, ListEditor
from ui.views.widgets import (
    add_row,
    banner,
    button,
    button_row,
    follow_focus,
    form_layout,
    heading,
    hint,
    line_edit,
    paragraph,
)

MOVE_KEYS_HINT = "Ctrl+↑ / Ctrl+↓ move the selected contact; or drag a contact to its place."
CONTACT_ROLE = Qt.ItemDataRole.UserRole


class CallOrderList(QListWidget):
    """The contacts in call order: Ctrl+Up / Ctrl+Down move the current one, a drag too."""

    move_requested = Signal(int)  # -1 up, +1 down

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

    def sizeHint(self) -> QSize:
        # Room for the four contacts a plan holds at most (in text units: it scales).
        rows = max(self.count(), 4)
        line = self.fontMetrics().lineSpacing() + 6
        return QSize(super().sizeHint().width(), line * rows + self.frameWidth() * 2 + 4)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods in (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier) and (
            event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self.move_requested.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        super().keyPressEvent(event)


class ContactsEditor(QGroupBox):
    """Emergency contacts in the order to ring them, each with their consent."""

    def __init__(self, changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__("Emergency contacts, in the order to ring them", parent)
        self.setAccessibleName("Emergency contacts")
        self._changed = changed
        self._filling = False
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "The line rings them from the top. Only contacts who agreed are ever shown "
                f"to the operator. {MOVE_KEYS_HINT}",
                self,
                name="About the emergency contacts",
            )
        )
        self.list = CallOrderList(self)
        self.list.setAccessibleName("Emergency contacts in call order")
        self.list.setAccessibleDescription(MOVE_KEYS_HINT)
        layout.addWidget(self.list)
        self.empty = hint("No contact yet.", self, name="No emergency contacts")
        layout.addWidget(self.empty)
        self.add_button = button(
            "Add a &contact", name="Add an emergency contact", icon_name="add", parent=self
        )
        self.up_button = button(
            "&Move up", name="Move the selected contact up", description="Ctrl+Up", parent=self
        )
        self.down_button = button(
            "Move do&wn",
            name="Move the selected contact down",
            description="Ctrl+Down",
            parent=self,
        )
        self.remove_button = button(
            "Remove this contact",
            name="Remove the selected contact",
            icon_name="remove",
            parent=self,
        )
        layout.addLayout(
            button_row(
                self.add_button,
                self.up_button,
                self.down_button,
                self.remove_button,
                stretch_first=False,
            )
        )
        self.details = FieldsBox("The selected contact", CONTACT_FIELDS, self._detail_edited, self)
        layout.addWidget(self.details)
        self.add_button.clicked.connect(self.add_contact)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.remove_button.clicked.connect(self.remove_current)
        self.list.move_requested.connect(self.move)
        self.list.currentRowChanged.connect(self._selected)
        self.list.model().rowsMoved.connect(self._dropped)
        self._errors: dict[str, str] = {}
        self._show_state()

    # --- values ------------------------------------------------------------------------

    def value(self) -> list[dict[str, Any]]:
        return [self.list.item(r).data(CONTACT_ROLE) for r in range(self.list.count())]

    def set_value(self, values: Sequence[dict[str, Any]]) -> None:
        self._filling = True
        try:
            self.list.clear()
            for v in values or ():
                self.list.addItem(self._item(dict(v)))
            self._renumber()
            self.list.setCurrentRow(0 if self.list.count() else -1)
        finally:
            self._filling = False
        self._selected(self.list.currentRow())

    def _item(self, values: dict[str, Any]) -> QListWidgetItem:
        item = QListWidgetItem()
        item.setData(CONTACT_ROLE, values)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
        return item

    def _renumber(self) -> None:
        for r in range(self.list.count()):
            item = self.list.item(r)
            text = contact_line(r + 1, item.data(CONTACT_ROLE))
            item.setText(text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        self._show_state()

    def _show_state(self) -> None:
        count, row = self.list.count(), self.list.currentRow()
        self.empty.setVisible(count == 0)
        self.list.setVisible(count > 0)
        self.details.setVisible(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.remove_button.setEnabled(row >= 0)

    # --- editing -----------------------------------------------------------------------

    def _selected(self, row: int) -> None:
        if row >= 0:
            self.details.set_values(self.list.item(row).data(CONTACT_ROLE))
            self.details.set_title(f"Contact {row + 1}: ring {self._ordinal(row)}")
            prefix = f"{CONTACTS_KEY}.{row}."
            self.details.set_errors(
                {k[len(prefix) :]: m for k, m in self._errors.items() if k.startswith(prefix)}
            )
        self._show_state()

    @staticmethod
    def _ordinal(row: int) -> str:
        return ("first", "second", "third", "fourth")[row] if row < 4 else f"number {row + 1}"

    def _detail_edited(self) -> None:
        row = self.list.currentRow()
        if row < 0 or self._filling:
            return
        item = self.list.item(row)
        values = {**item.data(CONTACT_ROLE), **self.details.values()}
        item.setData(CONTACT_ROLE, values)
        self._renumber()
        self._changed()

    def add_contact(self) -> None:
        # An id from the start, so the card's back can name the contact before a save.
        self.list.addItem(self._item({**contact_values(), "id": new_id()}))
        self._renumber()
        self.list.setCurrentRow(self.list.count() - 1)
        self.details.first_field().setFocus()
        self._changed()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.list.takeItem(row)
        self._renumber()
        self.list.setCurrentRow(min(row, self.list.count() - 1))
        self.list.setFocus()
        self._changed()

    def move(self, step: int) -> None:
        row = self.list.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(to, item)
        self.list.setCurrentRow(to)
        self._renumber()
        self._changed()

    def _dropped(self, *_: object) -> None:
        self._renumber()
        self._selected(self.list.currentRow())
        self._changed()

    def set_errors(self, problems: dict[str, str]) -> QWidget | None:
        self._errors = {k: m for k, m in problems.items() if k.startswith(f"{CONTACTS_KEY}.")}
        if not self._errors:
            self.details.set_errors({})
            return None
        first = min(int(k.split(".")[1]) for k in self._errors)
        self.list.setCurrentRow(first)
        self._selected(first)
        prefix = f"{CONTACTS_KEY}.{first}."
        key = next(k for k in self._errors if k.startswith(prefix))[len(prefix) :]
        field = self.details.fields.get(key)
        return field.widget if field is not None else self.list

    def set_read_only(self, read_only: bool) -> None:
        for b in (self.add_button, self.up_button, self.down_button, self.remove_button):
            b.setVisible(not read_only)
        self.details.set_read_only(read_only)
        self.list.setDragEnabled(not read_only)


class CompletenessBox(QGroupBox):
    """What the plan still needs, what the card's minimum lacks, and the review."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What the plan still needs", parent)
        self.setAccessibleName("What the plan still needs")
        layout = QVBoxLayout(self)
        self.headline = paragraph("", self, name="Is the plan complete")
        self.headline.setProperty("role", "subheading")
        self.missing = paragraph("", self, name="Still needed")
        self.card = paragraph("", self, name="Can a card be issued")
        self.review = paragraph("", self, name="Review reminder")
        for w in (self.headline, self.missing, self.card, self.review):
            layout.addWidget(w)

    def show_completeness(self, c: Completeness) -> None:
        self.headline.setText(("✓ " if c.complete else "⚠ ") + c.headline())
        # Each line starts left to right whatever script a name in it is written in (a
        # contact's Arabic name first made its line run right to left, bullet at the end).
        listed = "\n".join(f"\u200e• {m}" for m in c.missing)
        self.missing.setText(listed)
        self.missing.setAccessibleDescription("; ".join(c.missing))
        self.missing.setVisible(bool(c.missing))
        self.card.setText(c.card_sentence())

    def show_review(self, sentence: str) -> None:
        self.review.setText(sentence)
        self.review.setVisible(bool(sentence))


class CardsBox(QGroupBox):
    """The carer's cards and what can be done with them; the plan's printouts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Cards and printouts", parent)
        self.setAccessibleName("Cards and printouts")
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "A card carries only its number and the 24-hour line's number on the front. "
                "A lost card is reissued: a new number, and the old one revoked.",
                self,
                name="About the cards",
            )
        )
        self.table = QTableWidget(0, 4, self)
        self.table.setAccessibleName("The carer's cards")
        self.table.setHorizontalHeaderLabels(["Card number", "For", "State", "Issued"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table)
        self.no_cards = hint("No card issued yet.", self, name="No cards")
        layout.addWidget(self.no_cards)

        form = form_layout()
        self.holder = QComboBox(self)
        self.holder.setAccessibleName("Card for")
        add_row(form, "Card &given to", self.holder)
        self.reason = line_edit(
            name="Why the card is reissued or revoked",
            placeholder="lost, damaged, no longer wanted…",
            parent=self,
        )
        add_row(form, "Reaso&n (reissue or revoke)", self.reason)
        layout.addLayout(form)
        self.issue_button = button(
            "&Issue a card", name="Issue a card", icon_name="add", parent=self
        )
        self.reissue_button = button(
            "Reissue (&lost card)",
            name="Reissue the selected card: a new number, the old one revoked",
            parent=self,
        )
        self.revoke_button = button(
            "Revoke &the card", name="Revoke the selected card", icon_name="remove", parent=self
        )
        layout.addLayout(
            button_row(
                self.issue_button, self.reissue_button, self.revoke_button, stretch_first=False
            )
        )
        self.print_card_button = button(
            "Print the car&d…", name="Print the carer's card", icon_name="print", parent=self
        )
        self.print_sheet_button = button(
            "On an A&4 sheet…", name="Print the carer's cards on an A4 sheet", parent=self
        )
        self.print_fobs_button = button(
            "&Key-fob insert…", name="Print key-fob inserts", parent=self
        )
        layout.addLayout(
            button_row(
                self.print_card_button,
                self.print_sheet_button,
                self.print_fobs_button,
                stretch_first=False,
            )
        )
        plan_row = QHBoxLayout()
        self.layout_choice = QComboBox(self)
        self.layout_choice.setAccessibleName("Layout of the printed plan")
        for value, label in LAYOUTS:
            self.layout_choice.addItem(label, value)
        self.print_plan_button = button(
            "Print the &plan…", name="Print the plan", icon_name="print", parent=self
        )
        plan_row.addWidget(self.layout_choice)
        plan_row.addWidget(self.print_plan_button)
        plan_row.addStretch(1)
        layout.addLayout(plan_row)

    def show_cards(self, rows: list[tuple[str, str, str, str]]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(rows))
        self.no_cards.setVisible(not rows)
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)
        rows_height = sum(self.table.rowHeight(r) for r in range(len(rows)))
        self.table.setFixedHeight(
            self.table.horizontalHeader().height() + rows_height + self.table.frameWidth() * 2 + 2
        )
        for b in (self.reissue_button, self.revoke_button):
            b.setEnabled(bool(rows))

    def show_holders(self, holders: list[tuple[str, str | None]]) -> None:
        self.holder.clear()
        for label, value in holders:
            self.holder.addItem(label, value)


class PlanPage(QWidget):
    """Built once per unlock and bound to one carer's plan at a time (:meth:`bind`), as the
    carer page is: opening the next plan refills the same sixty fields."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: PlanController | None = None
        self._back: Callable[[], None] = lambda: None
        self.setAccessibleName("Emergency plan")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = button(
            "&Back", name="Back to the carer's record", icon_name="back", parent=self
        )
        self.back_button.clicked.connect(lambda: self._back())
        top.addWidget(self.back_button)
        self.title = heading("Opening the plan…", self)
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        self.state = hint("", self, name="When the plan was changed")
        layout.addWidget(self.state)
        self.notice = banner(name="Notice about this plan", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        body = QWidget(self)
        body.setAccessibleName("The plan")
        inner = QVBoxLayout(body)
        inner.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        self.completeness = CompletenessBox(body)
        inner.addWidget(self.completeness)
        self.people = ListEditor(PERSON, self._edited, body)
        inner.addWidget(self.people)
        self.sections: list[FieldsBox] = []
        for section in SECTIONS:
            if section.title == "Consent and review":
                self.contacts = ContactsEditor(self._edited, body)
                inner.addWidget(self.contacts)
            box = FieldsBox(section.title, section.fields, self._edited, body, note=section.note)
            self.sections.append(box)
            inner.addWidget(box)
        self.back_contact = QComboBox(body)
        self.back_contact.setAccessibleName("Contact on the back of the card")
        add_row(self.sections[-1].form, "Contact &on the card's back", self.back_contact)
        self.back_contact.currentIndexChanged.connect(lambda _i: self._edited())
        self.cards = CardsBox(body)
        inner.addWidget(self.cards)
        self.scroll = follow_focus(QScrollArea(self))
        self.scroll.setWidgetResizable(True)
        self.scroll.setAccessibleName("The plan")
        body.setMaximumWidth(self.fontMetrics().averageCharWidth() * 110)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)

        self.saved_label = hint("", self, name="Save result")
        self.reviewed_button = button(
            "Mark &reviewed today",
            name="Mark the plan reviewed with the carer today",
            parent=self,
        )
        self.discard_button = button(
            "&Undo my changes", name="Undo my unsaved changes to the plan", parent=self
        )
        self.save_button = button(
            "&Save the plan",
            name="Save the plan",
            description="Ctrl+S; your typing is also kept as a draft as you go",
            icon_name="save",
            primary=True,
            parent=self,
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        for b in (self.reviewed_button, self.discard_button, self.save_button):
            bottom.addWidget(b)
        layout.addLayout(bottom)

        self._filling = False
        self.save_button.clicked.connect(self.save_now)
        self.discard_button.clicked.connect(lambda: self._ask("discard_changes"))
        self.reviewed_button.clicked.connect(lambda: self._ask("mark_reviewed"))
        c = self.cards
        c.issue_button.clicked.connect(lambda: self._ask("issue_card", c.holder.currentData()))
        c.reissue_button.clicked.connect(
            lambda: self._ask("reissue_card", c.table.currentRow(), c.reason.text())
        )
        c.revoke_button.clicked.connect(
            lambda: self._ask("revoke_card", c.table.currentRow(), c.reason.text())
        )
        c.print_card_button.clicked.connect(lambda: self._ask("print_card"))
        c.print_sheet_button.clicked.connect(lambda: self._ask("print_card_sheet"))
        c.print_fobs_button.clicked.connect(lambda: self._ask("print_key_fobs"))
        c.print_plan_button.clicked.connect(
            lambda: self._ask("print_plan", c.layout_choice.currentData())
        )
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, lambda: self._back())

    def _ask(self, action: str, *args: Any) -> None:
        if self.controller is not None:
            getattr(self.controller, action)(*args)

    def bind(self, controller: PlanController, back: Callable[[], None]) -> None:
        """Show ``controller``'s plan (the previous controller goes with its signals)."""
        old, self.controller = self.controller, controller
        if old is not None:
            old.draft.save()  # the last seconds of typing in the plan left
            for signal in _signals(old):
                signal.disconnect()  # an answer still on its way is not shown here
            old.deleteLater()
        controller.setParent(self)
        self._back = back
        editable = controller.editable
        for w in (self.save_button, self.reviewed_button):
            w.setVisible(editable)
        self.discard_button.setVisible(False)
        for label in (self.notice, self.completeness.review):
            label.setVisible(False)
        self.saved_label.setText("")
        self.cards.reason.clear()
        self.title.setText("Opening the plan…")
        self.state.setText("")
        self.scroll.verticalScrollBar().setValue(0)
        self._errors({})
        controller.loaded.connect(self._loaded)
        controller.values_ready.connect(self._values)
        controller.checked.connect(self.completeness.show_completeness)
        controller.field_errors.connect(self._errors)
        controller.saved.connect(self._saved)
        controller.done.connect(self._done)
        controller.preview_ready.connect(self._preview)
        controller.problem.connect(self.show_problem)
        controller.load()

    # --- showing -----------------------------------------------------------------------

    def _loaded(self, _file: PlanFile) -> None:
        text = self.controller.heading()
        self.title.setText(text)
        self.title.setAccessibleName(text)
        self.state.setText(self.controller.state_sentence())
        self.completeness.show_review(self.controller.review_sentence())
        self.cards.show_cards(self.controller.card_rows())
        self.cards.show_holders(self.controller.holders())
        self.reviewed_button.setEnabled(self.controller.plan is not None)

    def _values(self, values: dict, from_draft: bool) -> None:
        self._filling = True
        try:
            self.people.set_value(values.get("cared_for") or [])
            self.people.set_read_only(not self.controller.editable)
            for box in self.sections:
                box.set_values(values)
                box.set_read_only(not self.controller.editable)
            self.contacts.set_value(values.get(CONTACTS_KEY) or [])
            self.contacts.set_read_only(not self.controller.editable)
            self._fill_back_contacts(values.get(BACK_KEY))
        finally:
            self._filling = False
        self.discard_button.setVisible(from_draft)
        if from_draft:
            self.notice.setText(
                "Your unsaved changes to the plan were kept while Carer Desk was locked or "
                "closed. Save them, or undo them."
            )
            self.notice.setVisible(True)

    def _fill_back_contacts(self, chosen: str | None) -> None:
        combo = self.back_contact
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem("No contact on the card", None)
            for pos, c in enumerate(self.contacts.value(), start=1):
                if c.get("consent_given") and c.get("id"):
                    combo.addItem(f"{pos}. {c.get('name') or ''}", c["id"])
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(index, 0))
        finally:
            combo.blockSignals(False)

    def _errors(self, problems: dict) -> None:
        first = self.people.set_errors(problems)
        for box in self.sections:
            found = box.set_errors(problems)
            first = first or found
        contact = self.contacts.set_errors(problems)
        first = first or contact
        if problems and self.controller is not None:
            self.saved_label.setText(
                f"Not saved: {len(problems)} thing(s) to correct, each marked in red."
            )
            target = first or self._person_field(problems)
            if target is not None:
                target.setFocus()
                self.scroll.ensureWidgetVisible(target)

    def _person_field(self, problems: dict) -> QWidget | None:
        for pos, box in enumerate(self.people.items):
            for key, f in box.fields.items():
                if f"cared_for.{pos}.{key}" in problems:
                    return f.widget
        return None

    def _saved(self, sentence: str) -> None:
        self.saved_label.setText(sentence)
        self.discard_button.setVisible(False)
        self.notice.setVisible(False)

    def _done(self, sentence: str) -> None:
        self.saved_label.setText(sentence)
        self.cards.reason.clear()
        self.notice.setVisible(False)

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

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for box in self.sections:
            values.update(box.values())
        values["cared_for"] = self.people.value()
        values[CONTACTS_KEY] = self.contacts.value()
        values[BACK_KEY] = self.back_contact.currentData()
        return values

    def _edited(self) -> None:
        if self._filling:
            return
        chosen = self.back_contact.currentData()
        self._filling = True
        try:
            self._fill_back_contacts(chosen)
        finally:
            self._filling = False
        if self.controller is None:
            return
        self.controller.edited(self.values())
        self.discard_button.setVisible(self.controller.editable)
        self.saved_label.setText("Draft kept on this laptop; not saved yet.")

    def save_now(self) -> None:
        if self.controller is not None:
            self.controller.save(self.values())


def _signals(controller: PlanController) -> tuple[Any, ...]:
    c = controller
    return (
        c.loaded,
        c.values_ready,
        c.checked,
        c.field_errors,
        c.saved,
        c.done,
        c.preview_ready,
        c.problem,
    )
