"""Shown while a laptop is being set up (the demo office, the first pull)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QProgressBar, QVBoxLayout, QWidget

from ui.events import UserMessage
from ui.views.widgets import banner, button, button_row, centred_panel, heading, paragraph


class SettingUpView(QWidget):
    back = Signal()
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Setting up")
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.addWidget(heading("Setting up Carer Desk", panel))
        self.text = paragraph("", panel, name="What is happening")
        layout.addWidget(self.text)
        self.bar = QProgressBar(panel)
        self.bar.setRange(0, 0)  # busy
        self.bar.setAccessibleName("Setting up, please wait")
        layout.addWidget(self.bar)
        self.problem = banner(name="What went wrong", parent=panel)
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        self.back_button = button("&Back", name="Back to the welcome screen", parent=panel)
        self.retry_button = button("Try &again", name="Try again", primary=True, parent=panel)
        self.back_button.setVisible(False)
        self.retry_button.setVisible(False)
        layout.addLayout(button_row(self.back_button, self.retry_button))
        outer = QVBoxLayout(self)
        outer.addWidget(centred_panel(panel, self, max_em=32))
        self.back_button.clicked.connect(self.back)
        self.retry_button.clicked.connect(self.retry)

    def show_message(self, text: str) -> None:
        self.text.setText(text)
        self.problem.setVisible(False)
        self.bar.setVisible(True)
        self.back_button.setVisible(False)
        self.retry_button.setVisible(False)

    def show_failure(self, message: UserMessage) -> None:
        self.problem.setText(message.text)
        self.problem.setVisible(True)
        self.bar.setVisible(False)
        self.back_button.setVisible(True)
        self.retry_button.setVisible(True)
        self.retry_button.setFocus()
