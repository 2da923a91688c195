"""Settings: this laptop, display, and the passphrase."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QGroupBox, QLabel, QVBoxLayout, QWidget

from ui.controllers.settings import LaptopFacts, SettingsController
from ui.views.widgets import (
    add_row,
    button,
    button_row,
    form_layout,
    hint,
    line_edit,
    paragraph,
)


class SettingsDialog(QDialog):
    def __init__(self, controller: SettingsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        layout = QVBoxLayout(self)

        laptop = QGroupBox("This laptop", self)
        laptop.setAccessibleName("This laptop")
        facts = form_layout()
        self.fact_labels: dict[str, QLabel] = {}
        for key, caption in (
            ("who", "Signed in as"),
            ("office", "Office server"),
            ("vault", "Encrypted vault"),
            ("recovery", "Forgotten passphrase"),
            ("idle_lock", "Locks by itself"),
        ):
            value = paragraph("…", laptop, name=caption)
            facts.addRow(caption, value)
            self.fact_labels[key] = value
        laptop.setLayout(facts)
        layout.addWidget(laptop)

        display = QGroupBox("Display", self)
        display.setAccessibleName("Display")
        d_layout = QVBoxLayout(display)
        self.large_text = QCheckBox("&Larger text everywhere", display)
        self.large_text.setAccessibleName("Larger text everywhere")
        self.large_text.setChecked(controller.large_text)
        d_layout.addWidget(self.large_text)
        d_layout.addWidget(
            hint(
                "Carer Desk follows your system's text size, light or dark mode and scaling; "
                "this makes text larger still.",
                display,
                name="About display",
            )
        )
        layout.addWidget(display)

        passphrase = QGroupBox("Change the passphrase", self)
        passphrase.setAccessibleName("Change the passphrase")
        p_form = form_layout()
        self.old = line_edit(name="Current passphrase", password=True)
        self.new = line_edit(name="New passphrase", password=True)
        self.again = line_edit(name="New passphrase again", password=True)
        self.rows = {
            "old": add_row(p_form, "C&urrent", self.old),
            "new": add_row(p_form, "&New", self.new),
            "again": add_row(p_form, "A&gain", self.again),
        }
        self.strength = hint("", passphrase, name="New passphrase strength")
        p_form.addRow("", self.strength)
        self.change_button = button(
            "Change &passphrase", name="Change passphrase", parent=passphrase
        )
        p_form.addRow("", self.change_button)
        self.outcome = paragraph("", passphrase, name="Passphrase change result")
        p_form.addRow("", self.outcome)
        passphrase.setLayout(p_form)
        layout.addWidget(passphrase)

        self.note_button = button(
            "Recovery &note…",
            name="Show the recovery note",
            description="What to do if the passphrase is forgotten (no passphrase in it)",
            parent=self,
        )
        close = button("&Close", name="Close settings", primary=True, parent=self)
        layout.addLayout(button_row(self.note_button, close))
        close.clicked.connect(self.accept)
        self.large_text.toggled.connect(controller.set_large_text)
        self.new.textChanged.connect(self._strength)
        self.change_button.clicked.connect(
            lambda: controller.change_passphrase(
                self.old.text(), self.new.text(), self.again.text()
            )
        )
        controller.facts_ready.connect(self.show_facts)
        controller.passphrase_errors.connect(self._errors)
        controller.passphrase_changed.connect(self._changed)
        controller.load()

    def show_facts(self, facts: LaptopFacts) -> None:
        for key, label in self.fact_labels.items():
            label.setText(getattr(facts, key))

    def _strength(self, text: str) -> None:
        s = self.controller.strength(text)
        self.strength.setText(s.label if not s.advice else f"{s.label}. {s.advice}")

    def _errors(self, problems: dict) -> None:
        for name, row in self.rows.items():
            row.set_error(problems.get(name))
        self.outcome.setText("")

    def _changed(self, sentence: str) -> None:
        for edit in (self.old, self.new, self.again):
            edit.clear()
        self.outcome.setText(sentence)
