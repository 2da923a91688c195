"""The unlock form: the only thing shown while Carer Desk is locked."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.controllers.session import SessionController
from ui.views.widgets import (
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
)


class UnlockView(QWidget):
    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Unlock Carer Desk")
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setSpacing(10)
        layout.addWidget(heading("Carer Desk is locked", panel))
        self.where = hint("", panel, name="Which laptop")
        layout.addWidget(self.where)
        self.message = banner(name="Why it did not unlock", parent=panel)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        form = form_layout()
        self.passphrase = line_edit(name="Passphrase", password=True)
        self.row = add_row(form, "&Passphrase", self.passphrase)
        layout.addLayout(form)
        self.wait = paragraph("", panel, name="Waiting time")
        self.wait.setVisible(False)
        layout.addWidget(self.wait)
        self.unlock_button = button(
            "&Unlock", name="Unlock", icon_name="unlock", primary=True, parent=panel
        )
        layout.addLayout(button_row(self.unlock_button))
        self.recovery = hint("", panel, name="If you have forgotten your passphrase")
        layout.addWidget(self.recovery)
        outer = QVBoxLayout(self)
        outer.addWidget(centred_panel(panel, self, max_em=30))

        self.unlock_button.clicked.connect(self._unlock)
        self.passphrase.returnPressed.connect(self._unlock)
        controller.unlock_refused.connect(self._refused)
        controller.unlock_started.connect(self._started)
        controller.throttle_tick.connect(self._tick)

    def refresh(self, where: str) -> None:
        """Called each time the form is shown."""
        self.where.setText(where)
        self.recovery.setText(self.controller.unlock_hint())
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.passphrase.setFocus()

    def _unlock(self) -> None:
        if self.unlock_button.isEnabled() and self.passphrase.text():
            self.controller.unlock(self.passphrase.text())

    def _started(self) -> None:
        self.message.setVisible(False)
        self.unlock_button.setEnabled(False)

    def _refused(self, text: str, _wait: float) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        self.passphrase.clear()
        self.unlock_button.setEnabled(True)
        self.passphrase.setFocus()

    def _tick(self, seconds: int) -> None:
        waiting = seconds > 0
        self.wait.setVisible(waiting)
        self.wait.setText(f"Try again in {seconds} s" if waiting else "")
        self.passphrase.setEnabled(not waiting)
        self.unlock_button.setEnabled(not waiting)
        if not waiting:
            self.passphrase.setFocus()
