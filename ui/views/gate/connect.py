"""Connect this laptop to the office server and choose the passphrase (first run)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from carer_desk.passphrase_strength import Strength
from ui.controllers.first_run import ConnectForm, FirstRunController
from ui.events import UserMessage
from ui.views.widgets import (
    FormRow,
    add_row,
    banner,
    button,
    button_row,
    centred_panel,
    form_layout,
    heading,
    hint,
    line_edit,
    paragraph,
    subheading,
)


class ConnectView(QWidget):
    back = Signal()

    def __init__(self, controller: FirstRunController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Connect this laptop")
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setSpacing(10)
        layout.addWidget(heading("Connect this laptop to your office", panel))
        self.problem = banner(name="Why it did not connect", parent=panel)
        self.problem.setVisible(False)
        layout.addWidget(self.problem)

        form = form_layout()
        self.server = line_edit(
            name="Office server address", placeholder="https://carerdesk.example.org"
        )
        self.username = line_edit(name="User name")
        self.password = line_edit(name="Password for the office server", password=True)
        self.rows: dict[str, FormRow] = {
            "server": add_row(form, "&Server address", self.server),
            "username": add_row(form, "&User name", self.username),
            "password": add_row(form, "&Password", self.password),
        }
        layout.addLayout(form)

        layout.addWidget(subheading("Choose a passphrase for this laptop", panel))
        layout.addWidget(
            hint(
                "It unlocks your records on this laptop. A short sentence you will remember "
                "is best, like four unrelated words.",
                panel,
                name="About the passphrase",
            )
        )
        layout.addWidget(paragraph(controller.forgotten_sentence(), panel, name="If you forget it"))
        pform = form_layout()
        self.passphrase = line_edit(name="New passphrase", password=True)
        self.confirm = line_edit(name="New passphrase again", password=True)
        self.rows["passphrase"] = add_row(pform, "Pass&phrase", self.passphrase)
        self.strength_bar = QProgressBar(panel)
        self.strength_bar.setRange(0, 4)
        self.strength_bar.setTextVisible(False)
        self.strength_bar.setAccessibleName("Passphrase strength")
        self.strength_label = QLabel(panel)
        self.strength_label.setAccessibleName("Passphrase strength in words")
        self.strength_label.setWordWrap(True)
        pform.addRow("", self.strength_bar)
        pform.addRow("", self.strength_label)
        self.rows["confirm"] = add_row(pform, "&Again", self.confirm)
        layout.addLayout(pform)

        self.working = hint("", panel, name="Progress")
        layout.addWidget(self.working)
        self.back_button = button("&Back", name="Back to the welcome screen", parent=panel)
        self.connect_button = button(
            "Connect and &set up",
            name="Connect and set up",
            description="Enrol this laptop and create its encrypted vault",
            primary=True,
            parent=panel,
        )
        layout.addLayout(button_row(self.back_button, self.connect_button))
        outer = QVBoxLayout(self)
        outer.addWidget(centred_panel(panel, self, max_em=40))

        self.back_button.clicked.connect(self.back)
        self.connect_button.clicked.connect(self._connect)
        self.passphrase.textChanged.connect(self._passphrase_changed)
        for edit in (self.server, self.username, self.password, self.passphrase, self.confirm):
            edit.returnPressed.connect(self._connect)
        controller.field_errors.connect(self.show_field_errors)
        controller.failed.connect(self.show_problem)
        controller.working.connect(self._working)
        self._passphrase_changed("")

    def _passphrase_changed(self, text: str) -> None:
        self.show_strength(self.controller.strength(text, self.username.text()))

    def show_strength(self, strength: Strength) -> None:
        self.strength_bar.setValue(strength.score)
        words = strength.label if not strength.advice else f"{strength.label}. {strength.advice}"
        self.strength_label.setText(words)
        self.strength_bar.setAccessibleDescription(words)

    def _connect(self) -> None:
        self.problem.setVisible(False)
        self.controller.connect(
            ConnectForm(
                server=self.server.text(),
                username=self.username.text(),
                password=self.password.text(),
                passphrase=self.passphrase.text(),
                confirm=self.confirm.text(),
            )
        )

    def show_field_errors(self, problems: dict) -> None:
        first = None
        for name, row in self.rows.items():
            row.set_error(problems.get(name))
            if first is None and name in problems:
                first = row.field
        if first is not None:
            first.setFocus()

    def show_problem(self, message: UserMessage) -> None:
        self.problem.setText(message.text)
        self.problem.setVisible(True)
        self.connect_button.setEnabled(True)

    def _working(self, text: str) -> None:
        self.working.setText(text)
        self.connect_button.setEnabled(not text)

    def clear_secrets(self) -> None:
        for edit in (self.password, self.passphrase, self.confirm):
            edit.clear()
