"""Settings: this laptop (and connecting it to the office), display, and the passphrase."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.controllers.settings import LaptopFacts, SettingsController
from ui.views.widgets import (
    Dialog,
    add_row,
    button,
    button_row,
    form_layout,
    hint,
    line_edit,
    paragraph,
)


class SettingsDialog(Dialog):
    def __init__(self, controller: SettingsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        # The sections scroll inside the dialog: with large text, at 200 % or once error
        # lines appear, nothing is squeezed or cut off (wrapped sentences get the height
        # they need), and the buttons stay in view.
        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName("Settings sections")
        body = QWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)

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

        # Only for a laptop set up without an office (from the command line): shown once
        # the facts say it is not connected.
        self.office_box = office = QGroupBox("Connect to your office", self)
        office.setAccessibleName("Connect to your office")
        o_form = form_layout()
        o_form.addRow(
            hint(
                "This laptop keeps its records only here. Connect it to your office's "
                "server to share them with colleagues; nothing on it is lost.",
                office,
                name="About connecting",
            )
        )
        self.server = line_edit(
            name="Office server address", placeholder="https://carerdesk.example.org"
        )
        self.username = line_edit(name="User name")
        self.password = line_edit(name="Password for the office server", password=True)
        self.office_rows = {
            "server": add_row(o_form, "Office &server", self.server),
            "username": add_row(o_form, "User &name", self.username),
            "password": add_row(o_form, "Pass&word", self.password),
        }
        self.connect_button = button(
            "&Connect this laptop",
            name="Connect this laptop",
            description="Enrol this laptop with the office server",
            parent=office,
        )
        o_form.addRow("", self.connect_button)
        self.office_outcome = paragraph("", office, name="Connecting result")
        o_form.addRow("", self.office_outcome)
        office.setLayout(o_form)
        office.setVisible(False)
        layout.addWidget(office)

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
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        outer.addLayout(button_row(self.note_button, close))
        self._fit(body)
        close.clicked.connect(self.accept)
        self.large_text.toggled.connect(controller.set_large_text)
        self.new.textChanged.connect(self._strength)
        self.change_button.clicked.connect(
            lambda: controller.change_passphrase(
                self.old.text(), self.new.text(), self.again.text()
            )
        )
        self.connect_button.clicked.connect(
            lambda: controller.connect_to_office(
                self.server.text(), self.username.text(), self.password.text()
            )
        )
        controller.connect_errors.connect(self._connect_errors)
        controller.connected.connect(self._connected)
        controller.facts_ready.connect(self.show_facts)
        controller.passphrase_errors.connect(self._errors)
        controller.passphrase_changed.connect(self._changed)
        controller.load()

    def _fit(self, body: QWidget) -> None:
        """Wide enough for easy lines of text in the font in force; as tall as the
        sections, up to most of the screen (then they scroll)."""
        width = self.fontMetrics().averageCharWidth() * 76
        height = body.heightForWidth(width) if body.hasHeightForWidth() else -1
        height = max(height, body.sizeHint().height()) + self.fontMetrics().height() * 4
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            width = min(width, int(screen.width() * 0.9))
            height = min(height, int(screen.height() * 0.85))
        self.resize(width, height)

    def show_facts(self, facts: LaptopFacts) -> None:
        for key, label in self.fact_labels.items():
            label.setText(getattr(facts, key))
        self.office_box.setVisible(not facts.enrolled)

    def _connect_errors(self, problems: dict) -> None:
        for name, row in self.office_rows.items():
            row.set_error(problems.get(name))
        self.office_outcome.setText(problems.get("", ""))
        first = next((self.office_rows[n].field for n in self.office_rows if n in problems), None)
        if first is not None:
            first.setFocus()

    def _connected(self, sentence: str) -> None:
        self.password.clear()
        self.office_outcome.setText(sentence)
        self.accept()  # the window reopens for the person's role behind the dialog

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
