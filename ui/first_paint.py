"""Run something once a widget has been painted for the first time.

The unlock window must be on screen within a second of start: what it can do without
(the icon font, the smoke check's report) waits for its first paint. A zero-length timer
is not enough: it can fire before the window has been exposed and painted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._run)  # once this paint has finished
        return False

    def _run(self) -> None:
        callback, self._callback = self._callback, None
        self.deleteLater()
        if callback is not None:
            callback()


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` on the GUI thread, once, after ``widget``'s next paint.

    Watchers added later are told first (Qt calls the newest event filter first)."""
    _FirstPaint(widget, callback)
