"""Widgets for form fields described as data (``ui.forms.fields``): one widget per kind,
each with its label as accessible name and an error line under it.

Layout only: values go in and out as the plain values the form's rules expect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.forms.fields import DATE_HINT, FieldSpec, Kind, ListSpec
from ui.views.widgets import FormRow, add_row, button, form_layout, hint

NOT_RECORDED = "Not recorded"


class ChoicesBox(QWidget):
    """Any of a vocabulary: a grid of tick boxes (readable by keyboard and screen reader)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(spec.label)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        columns = 2
        for pos, (value, label) in enumerate(spec.choices):
            box = QCheckBox(label, self)
            box.setAccessibleName(f"{spec.label}: {label}")
            grid.addWidget(box, pos // columns, pos % columns)
            self.boxes[value] = box

    def value(self) -> list[str]:
        return [v for v, box in self.boxes.items() if box.isChecked()]

    def set_value(self, values: Sequence[str]) -> None:
        wanted = set(values or ())
        for v, box in self.boxes.items():
            box.setChecked(v in wanted)


class FieldWidget:
    """One field's widget, with a uniform way to read, write and watch it."""

    def __init__(self, spec: FieldSpec, parent: QWidget) -> None:
        self.spec = spec
        kind = spec.kind
        name = spec.label + (" (needed)" if spec.required else "")
        if kind is Kind.LONG_TEXT:
            w: QWidget = QPlainTextEdit(parent)
            w.setTabChangesFocus(True)
            w.setMaximumHeight(w.fontMetrics().height() * 5)
        elif kind in (Kind.TEXT, Kind.DATE, Kind.NUMBER):
            w = QLineEdit(parent)
            if kind is Kind.DATE:
                # Neutral for every date (a birth, a review): an example year fits only one.
                w.setPlaceholderText("day/month/year")
                w.setAccessibleDescription(DATE_HINT)
            if spec.placeholder:
                w.setPlaceholderText(spec.placeholder)
            if kind is Kind.NUMBER:
                w.setValidator(QIntValidator(0, 168, w))
            w.setMaxLength(spec.max_length)
        elif kind is Kind.CHOICE:
            w = QComboBox(parent)
            w.addItem(NOT_RECORDED if not spec.required else "Choose…", None)
            for value, label in spec.choices:
                w.addItem(label, value)
        elif kind is Kind.YES_NO:
            w = QComboBox(parent)
            for label, value in (("Not known", None), ("Yes", True), ("No", False)):
                w.addItem(label, value)
        elif kind is Kind.CHOICES:
            w = ChoicesBox(spec, parent)
        else:
            w = QCheckBox(spec.label, parent)
        w.setAccessibleName(name)
        if spec.hint:
            w.setToolTip(spec.hint)
            if not w.accessibleDescription():
                w.setAccessibleDescription(spec.hint)
        self.widget = w
        self.row: FormRow | None = None

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QLineEdit):
            return w.text()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, ChoicesBox):
            return w.value()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        return None

    def set_value(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        try:
            if isinstance(w, QPlainTextEdit):
                w.setPlainText(value or "")
            elif isinstance(w, QLineEdit):
                w.setText("" if value is None else str(value))
            elif isinstance(w, QComboBox):
                index = w.findData(value)
                w.setCurrentIndex(index if index >= 0 else 0)
            elif isinstance(w, ChoicesBox):
                w.set_value(value or [])
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
        finally:
            w.blockSignals(False)

    def watch(self, changed: Callable[[], None]) -> None:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            w.textChanged.connect(changed)
        elif isinstance(w, QLineEdit):
            w.textEdited.connect(lambda _t: changed())
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(lambda _i: changed())
        elif isinstance(w, ChoicesBox):
            for box in w.boxes.values():
                box.toggled.connect(lambda _on: changed())
        elif isinstance(w, QCheckBox):
            w.toggled.connect(lambda _on: changed())

    def set_read_only(self, read_only: bool) -> None:
        w = self.widget
        if isinstance(w, QLineEdit | QPlainTextEdit):
            w.setReadOnly(read_only)
        else:
            w.setEnabled(not read_only)

    def set_error(self, message: str | None) -> None:
        if self.row is not None:
            self.row.set_error(message)

    def clear(self) -> None:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            w.clear()
            w.document().clearUndoRedoStacks()
        elif isinstance(w, QLineEdit):
            w.clear()


def build_fields(
    form: QFormLayout, specs: Sequence[FieldSpec], parent: QWidget
) -> dict[str, FieldWidget]:
    fields: dict[str, FieldWidget] = {}
    for spec in specs:
        field = FieldWidget(spec, parent)
        label = spec.label + (" *" if spec.required else "")
        if spec.kind is Kind.TICK:
            field.row = FormRow(field.widget, spec.label)
            form.addRow("", field.row)
        else:
            field.row = add_row(form, label, field.widget)
        fields[spec.key] = field
    return fields


def show_problems(fields: dict[str, FieldWidget], problems: dict[str, str]) -> QWidget | None:
    """Each problem under its field (the others cleared); returns the first field with one,
    for the keyboard to go to."""
    first = None
    for key, f in fields.items():
        message = problems.get(key)
        f.set_error(message)
        if message and first is None:
            first = f.widget
    return first


class ListItemBox(QGroupBox):
    """One item of a list (a person cared for, a contact) with its Remove button."""

    def __init__(self, spec: ListSpec, number: int, parent: QWidget | None = None) -> None:
        super().__init__(f"{spec.item_title} {number}", parent)
        self.setAccessibleName(f"{spec.item_title} {number}")
        layout = QVBoxLayout(self)
        form = form_layout()
        self.fields = build_fields(form, spec.fields, self)
        layout.addLayout(form)
        self.remove_button = button(
            f"Remove {spec.item_title.lower()} {number}",
            name=f"Remove {spec.item_title.lower()} {number}",
            icon_name="remove",
            parent=self,
        )
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)
        self.item_id: str | None = None

    def value(self) -> dict[str, Any]:
        values = {key: f.value() for key, f in self.fields.items()}
        if self.item_id:
            values["id"] = self.item_id
        return values

    def set_value(self, values: dict[str, Any]) -> None:
        self.item_id = values.get("id")
        for key, f in self.fields.items():
            f.set_value(values.get(key))


class ListEditor(QGroupBox):
    """A list of small records edited in place, added to and removed from by keyboard."""

    def __init__(
        self, spec: ListSpec, changed: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(spec.title, parent)
        self.spec = spec
        self.setAccessibleName(spec.title)
        self._changed = changed
        self.layout_ = QVBoxLayout(self)
        if spec.note:
            self.layout_.addWidget(hint(spec.note, self, name=f"About {spec.title.lower()}"))
        self.items_box = QVBoxLayout()
        self.layout_.addLayout(self.items_box)
        self.empty = hint("None recorded yet.", self, name=f"No {spec.title.lower()}")
        self.layout_.addWidget(self.empty)
        self.add_button = button(
            spec.add_label, name=spec.add_label.replace("&", ""), icon_name="add", parent=self
        )
        self.add_button.clicked.connect(self._add_clicked)
        self.layout_.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.items: list[ListItemBox] = []
        self.read_only = False

    def _add_clicked(self) -> None:
        box = self._append({})
        next(iter(box.fields.values())).widget.setFocus()
        self._changed()

    def _append(self, values: dict[str, Any]) -> ListItemBox:
        box = ListItemBox(self.spec, len(self.items) + 1, self)
        box.set_value(values)
        for f in box.fields.values():
            f.watch(self._changed)
            f.set_read_only(self.read_only)
        box.remove_button.setVisible(not self.read_only)
        box.remove_button.clicked.connect(lambda: self._remove(box))
        self.items.append(box)
        self.items_box.addWidget(box)
        self.empty.setVisible(False)
        return box

    def _remove(self, box: ListItemBox) -> None:
        values = [b.value() for b in self.items if b is not box]
        self.set_value(values)
        self.add_button.setFocus()
        self._changed()

    def value(self) -> list[dict[str, Any]]:
        return [b.value() for b in self.items]

    def set_value(self, values: Sequence[dict[str, Any]]) -> None:
        # The boxes already built take the new items (a page bound to the next record
        # would otherwise build every item's fields again); only the count changes.
        # setText/setPlainText clear each field's undo history: nothing of the last
        # record stays behind in a reused box.
        values = list(values or ())
        for box in self.items[len(values) :]:
            self.items_box.removeWidget(box)
            box.deleteLater()
        kept, self.items = self.items[: len(values)], []
        for box, item in zip(kept, values, strict=False):
            box.set_value(item)
            for f in box.fields.values():
                f.set_error(None)
            self.items.append(box)
        for item in values[len(kept) :]:
            self._append(item)
        self.empty.setVisible(not self.items)

    def set_errors(self, problems: dict[str, str]) -> None:
        for pos, box in enumerate(self.items):
            for key, f in box.fields.items():
                f.set_error(problems.get(f"{self.spec.key}.{pos}.{key}"))

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.add_button.setVisible(not read_only)
        for box in self.items:
            box.remove_button.setVisible(not read_only)
            for f in box.fields.values():
                f.set_read_only(read_only)


class FieldsBox(QGroupBox):
    """A titled box of fields described as data: values in and out as a flat dict, each
    problem shown under its field, and one callback for every edit."""

    def __init__(
        self,
        title: str,
        specs: Sequence[FieldSpec],
        changed: Callable[[], None],
        parent: QWidget | None = None,
        *,
        note: str = "",
    ) -> None:
        super().__init__(title, parent)
        self.setAccessibleName(title)
        self.layout_ = QVBoxLayout(self)
        self.note = hint(note, self, name=f"About {title.lower()}")
        self.note.setVisible(bool(note))
        self.layout_.addWidget(self.note)
        self.form = form_layout()
        self.fields = build_fields(self.form, specs, self)
        self.layout_.addLayout(self.form)
        self._changed = changed
        self._filling = False
        for f in self.fields.values():
            f.watch(self._edited)

    def _edited(self) -> None:
        if not self._filling:  # filling the form is not an edit
            self._changed()

    def set_title(self, title: str) -> None:
        self.setTitle(title)
        self.setAccessibleName(title)

    def set_note(self, note: str) -> None:
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def values(self) -> dict[str, Any]:
        return {key: f.value() for key, f in self.fields.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        self._filling = True
        try:
            for key, f in self.fields.items():
                f.set_value(values.get(key))
        finally:
            self._filling = False

    def set_errors(self, problems: dict[str, str]) -> QWidget | None:
        return show_problems(self.fields, problems)

    def set_read_only(self, read_only: bool) -> None:
        for f in self.fields.values():
            f.set_read_only(read_only)

    def first_field(self) -> QWidget:
        return next(iter(self.fields.values())).widget
