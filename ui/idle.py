"""When to lock by itself: after the configured idle time, and when the operating system
locks the screen or goes to sleep, where it tells us.

Idle time is measured from the last key press, click, scroll or pointer movement in any
Carer Desk window. On Linux desktops the session bus says when the screen locks
(``org.freedesktop.ScreenSaver``, GNOME's ``org.gnome.ScreenSaver``) and logind when the
machine is about to sleep (``PrepareForSleep``); elsewhere Qt's application state is the
signal we have (a suspended application locks).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatch(QObject):
    """Emits :attr:`lock_now` when the person has been away long enough, or the system
    locked or suspended."""

    lock_now = Signal(str)  # why: "idle" | "screen locked" | "sleep"

    def __init__(self, idle_minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._idle_timeout)
        self.set_idle_minutes(idle_minutes)
        self._armed = False
        app = QGuiApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            app.applicationStateChanged.connect(self._app_state)
        self._connect_system_bus()

    @Slot()
    def _idle_timeout(self) -> None:
        if self._armed:
            self.lock_now.emit("idle")

    def set_idle_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def arm(self) -> None:
        """Start counting (after unlock)."""
        self._armed = True
        self._timer.start()

    def disarm(self) -> None:
        self._armed = False
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._armed and event.type() in _ACTIVITY:
            self._timer.start()  # restart the countdown
        return False

    def _app_state(self, state: Qt.ApplicationState) -> None:
        if self._armed and state == Qt.ApplicationState.ApplicationSuspended:
            self.lock_now.emit("sleep")

    # --- the desktop session, where it tells us ----------------------------------------

    def _connect_system_bus(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # not on this platform's Qt build
            return
        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for service, path in (
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
            ):
                session.connect(service, path, service, "ActiveChanged", self, "_screen_saver")
        system = QDBusConnection.systemBus()
        if system.isConnected():
            system.connect(
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                self,
                "_prepare_for_sleep",
            )

    @Slot(bool)
    def _screen_saver(self, active: bool) -> None:
        if active and self._armed:
            self.lock_now.emit("screen locked")

    @Slot(bool)
    def _prepare_for_sleep(self, going: bool) -> None:
        if going and self._armed:
            self.lock_now.emit("sleep")
