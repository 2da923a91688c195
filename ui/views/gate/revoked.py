"""A revoked laptop: say what happened, then wipe (after a countdown, or at once)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.controllers.session import SessionController
from ui.views.widgets import button, button_row, centred_panel, heading, paragraph


class RevokedView(QWidget):
    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("This laptop has been revoked")
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.addWidget(heading("This laptop has been revoked", panel))
        self.text = paragraph("", panel, name="What happened")
        layout.addWidget(self.text)
        self.countdown = paragraph("", panel, name="Time before the records are removed")
        layout.addWidget(self.countdown)
        self.wipe_button = button(
            "&Remove the records now",
            name="Remove the records now",
            primary=True,
            parent=panel,
        )
        layout.addLayout(button_row(self.wipe_button))
        outer = QVBoxLayout(self)
        outer.addWidget(centred_panel(panel, self, max_em=34))
        self.wipe_button.clicked.connect(controller.wipe_now)
        controller.revoked.connect(self._revoked)
        controller.revoked_tick.connect(self._tick)

    def _revoked(self, message: str, seconds: int) -> None:
        self.text.setText(message)
        self._tick(seconds)
        self.wipe_button.setFocus()

    def _tick(self, seconds: int) -> None:
        self.countdown.setText(f"The records on this laptop will be removed in {seconds} s.")
