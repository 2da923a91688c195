"""The status bar's permanent sync widget: where things stand, in words, with "Sync now"
and a progress bar that shows while a long sync runs (it never blocks the window)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from carer_desk.sync_status import SyncProgress, SyncReport
from ui.controllers.sync import SyncController
from ui.events import UserMessage
from ui.views.widgets import button

IDLE_DESCRIPTION = "Send your changes and fetch your colleagues' (F5)"
RUNNING_DESCRIPTION = "A sync is running: it sends your changes and fetches your colleagues'"


class PassingMessage(QLabel):
    """A passing message in the status bar ("Sync finished: 3 sent"), shown for a few
    seconds beside the sync status.

    A label of its own rather than QStatusBar.showMessage: Qt draws that message in
    whatever room the permanent widgets leave, and the sync status, stretched across the
    bar, left it a letter's width ("S"). A label is laid out as wide as its text at the
    text size in use, at any scaling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setAccessibleName("Message")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_now)

    def show_for(self, text: str, milliseconds: int) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        self._timer.start(milliseconds)

    # Slots of this label itself, so a sync that ends after the window has gone (its
    # report arrives from the hub, which outlives the window) is not shown on a label
    # that is no more: Qt drops a connection when its receiver is destroyed.
    def show_sync_finished(self, report: SyncReport) -> None:
        self.show_for(report.describe(), 8_000)

    def show_sync_failed(self, message: UserMessage) -> None:
        self.show_for(message.text, 15_000)

    def clear_now(self) -> None:
        self._timer.stop()
        self.setText("")
        self.setAccessibleDescription("")
        self.setVisible(False)


class SyncStatusWidget(QWidget):
    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.text = QLabel("Locked", self)
        self.text.setAccessibleName("Sync status")
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.progress.setVisible(False)
        self.sync_button = button(
            "Sync now (F5)",
            name="Sync now",
            description=IDLE_DESCRIPTION,
            icon_name="sync",
            parent=self,
        )
        layout.addWidget(self.text, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.sync_button)
        self.sync_button.clicked.connect(lambda: controller.sync_now())
        controller.status_text.connect(self._status)
        controller.running_changed.connect(self._running)
        controller.ctx.hub.sync_progress.connect(self._progress)

    def _status(self, text: str) -> None:
        self.text.setText(text)
        self.text.setAccessibleDescription(text)

    def _running(self, running: bool) -> None:
        self.progress.setVisible(running)
        # Never disabled while a sync runs: a disabled button leaves the Tab order (a sync
        # starts by itself at any moment), and one disabled while it has the focus (just
        # pressed) sends the focus on to the next control, where the person's next key
        # would land. Pressed during a sync, it leaves that sync to finish, as F5 does.
        description = RUNNING_DESCRIPTION if running else IDLE_DESCRIPTION
        self.sync_button.setAccessibleDescription(description)
        self.sync_button.setToolTip(description)
        if running:
            self.progress.setRange(0, 0)

    def _progress(self, progress: SyncProgress) -> None:
        self.text.setText(self.controller.progress_text(progress))
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        else:
            self.progress.setRange(0, 0)

    def set_unlocked(self, unlocked: bool) -> None:
        self.sync_button.setVisible(unlocked)
