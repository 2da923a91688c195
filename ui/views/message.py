"""A sentence for the person, with the log line behind a "Show details" disclosure."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ui.events import UserMessage


def show_message(parent: QWidget, message: UserMessage) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(message.title)
    box.setText(message.text)
    box.setAccessibleName(message.title)
    box.setAccessibleDescription(message.text)
    if message.details:
        box.setDetailedText(message.details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    # Window-modal and asynchronous: the window keeps drawing, and a lock can close it.
    box.open()
    return box
