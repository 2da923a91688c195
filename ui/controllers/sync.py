"""Sync from the window: "Sync now" (F5), automatic sync when the office answers again,
progress that never blocks the window, and the status bar's sentence.

A sync runs on the network pool. What the pull brought is then absorbed by the session on
the vault lane (its caches refresh there) and broadcast as ``Changes``, so an open
caseload shows a colleague's new carer at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.environment import OpenDesk
from carer_desk.errors import LaptopRevoked, OfficeUnreachable, VaultLocked
from carer_desk.roles import RECEIVES_RECORDS, SENDS, SYNCS_RECORDS
from carer_desk.sync_status import SyncProgress, SyncReport, SyncStatus
from ui.context import AppContext
from ui.controllers.session import SessionController
from ui.events import UserMessage
from ui.operations import NetworkOp, VaultTask, describe_failure

log = logging.getLogger(__name__)

STATUS_REFRESH_MS = 30_000  # "synced 2 minutes ago" moves on by itself
_LOOK_UP_ONLY = {
    True: "Online: card look-ups work",
    False: "Offline: card look-ups need the connection",
    None: "Checking the connection to the office…",
}


class _Relay(QObject):
    """Carries calls from the sync and watcher threads to the GUI thread."""

    progress = Signal(object)
    reachable_again = Signal()
    reachability = Signal(bool)


class SyncController(QObject):
    #: The status bar's sentence.
    status_text = Signal(str)
    running_changed = Signal(bool)

    def __init__(
        self, ctx: AppContext, session: SessionController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.running = False
        self.online: bool | None = None
        self.status: SyncStatus | None = None
        self.last_report: SyncReport | None = None
        self._relay = _Relay()
        self._relay.progress.connect(ctx.hub.sync_progress)
        self._relay.reachable_again.connect(lambda: self.sync_now(automatic=True))
        self._relay.reachability.connect(self._reachability)
        self._again = False  # a sync was asked for while one ran: run another after it
        self._ticker = QTimer(self)
        self._ticker.setInterval(STATUS_REFRESH_MS)
        self._ticker.timeout.connect(self._say)
        hub = ctx.hub
        hub.unlocked.connect(self._unlocked)
        hub.locked.connect(self._locked)
        hub.changes_applied.connect(self._changes)
        hub.sync_wanted.connect(self._wanted)

    # --- life cycle --------------------------------------------------------------------

    def _unlocked(self, desk: OpenDesk) -> None:
        self.refresh_status()
        self._ticker.start()
        relay = self._relay
        # Watching runs its own thread; its callbacks only post signals to this one. It is
        # started on the vault lane (it reads the enrolment), so a lock queued after it
        # always stops it: started on another thread, a lock could overtake the start and
        # leave a watcher posting to a window that is gone.
        VaultTask(
            self.ctx.runner,
            lambda: desk.sync.watch(relay.reachable_again.emit, relay.reachability.emit),
        ).run()

    def _locked(self) -> None:
        self._again = False
        self._ticker.stop()
        self.status = None
        self.online = None
        self.running = False
        self.running_changed.emit(False)
        self.status_text.emit("Locked")

    def _changes(self, changes: object) -> None:
        if getattr(changes, "sync_states", False):
            self.refresh_status()

    # --- status ------------------------------------------------------------------------

    def refresh_status(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        VaultTask(self.ctx.runner, desk.sync.status).success(self._status).failure(
            lambda _exc: None
        ).run()

    def _status(self, status: SyncStatus) -> None:
        self.status = status
        self.ctx.hub.status_changed.emit(status)
        self._say()

    def _reachability(self, ok: bool) -> None:
        self.online = ok
        self.ctx.hub.reachability_changed.emit(ok)
        self._say()

    def _say(self) -> None:
        desk = self.ctx.desk
        if desk is not None and desk.role not in RECEIVES_RECORDS:
            # A laptop that looks up on the server and only sends what it records:
            # whether look-ups work now, then what waits to be sent (or when it went).
            parts = [_LOOK_UP_ONLY.get(self.online, _LOOK_UP_ONLY[None])]
            if self.status is not None and self.status.enrolled:
                one, many = SENDS.get(desk.role, ("change", "changes"))
                parts += self.status.describe_sending(datetime.now(UTC), one, many)
            self.status_text.emit(" · ".join(parts))
            return
        if self.status is None or self.running:
            return
        self.status_text.emit(self.status.describe(datetime.now(UTC), online=self.online))

    # --- syncing -----------------------------------------------------------------------

    def sync_now(self, *, automatic: bool = False) -> None:
        desk = self.ctx.desk
        if desk is None or self.running or desk.role not in SYNCS_RECORDS:
            return
        if desk.identity is None:
            if not automatic:
                self.ctx.hub.problem.emit(
                    UserMessage(
                        "This laptop is not connected to an office server, so there is "
                        "nothing to sync with. Your records stay on this laptop."
                    )
                )
            return
        self.running = True
        self.running_changed.emit(True)
        self.ctx.hub.sync_started.emit()
        self.status_text.emit("Syncing…")
        relay = self._relay

        def run() -> SyncReport:
            return desk.sync.sync_now(lambda p: relay.progress.emit(p))

        NetworkOp(self.ctx.runner, run).success(self._synced).failure(self._failed).run()

    def _synced(self, report: SyncReport) -> None:
        desk = self.ctx.desk
        self.last_report = report
        self.online = True
        self.ctx.hub.reachability_changed.emit(True)
        if desk is None:  # locked while the sync ran: the next unlock reads afresh
            self._finish()
            return

        def absorb() -> None:
            desk.session.absorb(report.changes)

        def absorbed(_none: None) -> None:
            self._finish()
            self.ctx.hub.changes_applied.emit(report.changes)
            self.ctx.hub.sync_finished.emit(report)

        VaultTask(self.ctx.runner, absorb).success(absorbed).failure(
            lambda _exc: self._finish()
        ).run()

    def _wanted(self) -> None:
        """A screen has something the office should have at once (a call to the line):
        sync now, or straight after the sync already running."""
        if self.running:
            self._again = True
            return
        self.sync_now(automatic=True)

    def _finish(self) -> None:
        self.running = False
        self.running_changed.emit(False)
        self.refresh_status()
        if self._again:
            self._again = False
            self.sync_now(automatic=True)

    def _failed(self, exc: BaseException) -> None:
        self._again = False  # the watcher syncs when the office answers again
        self.running = False
        self.running_changed.emit(False)
        if isinstance(exc, VaultLocked):
            return
        if isinstance(exc, LaptopRevoked):
            self.session.laptop_revoked(str(exc))
            return
        if isinstance(exc, OfficeUnreachable):
            self.online = False
            self.ctx.hub.reachability_changed.emit(False)
            desk = self.ctx.desk
            if desk is not None:
                NetworkOp(self.ctx.runner, desk.sync.poke).run()
        message = describe_failure(exc)
        log.info("sync did not finish: %s", message.details)
        self.ctx.hub.sync_failed.emit(message)
        self.refresh_status()

    def progress_text(self, progress: SyncProgress) -> str:
        return progress.describe()
