"""Automatic sync: the reachability watcher and the engine wired together.

The app starts one :class:`AutoSync` after unlocking the vault and stops it on lock or
exit. Whenever the server comes back (or at start, if it is reachable) a full sync runs on
the watcher's thread; a sync that loses the connection sends the watcher looking for the
way back. ``on_result`` receives each :class:`SyncSummary` or the error, so the GUI can
show it (it must hop to its own thread to touch widgets).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from carer_desk.errors import CarerDeskError
from sync.client.engine import SyncEngine, SyncSummary
from sync.client.errors import DeviceRevoked, ServerUnreachable
from sync.client.reachability import ReachabilityWatcher, WatchSettings
from sync.client.transport import HttpTransport

log = logging.getLogger(__name__)

Result = SyncSummary | CarerDeskError


class AutoSync:
    def __init__(
        self,
        engine: SyncEngine,
        transport: HttpTransport,
        *,
        settings: WatchSettings | None = None,
        on_result: Callable[[Result], None] | None = None,
        on_reachability: Callable[[bool], None] | None = None,
    ) -> None:
        self.engine = engine
        self._on_result = on_result
        self.watcher = ReachabilityWatcher(
            transport.reachable, self._sync, settings, on_change=on_reachability
        )
        self.revoked = False

    def start(self) -> None:
        self.watcher.start()

    def stop(self) -> None:
        """Stop promptly: no new retries; the request in flight finishes or times out."""
        self.engine.stop()
        self.watcher.stop()

    def sync_now(self) -> SyncSummary:
        """The manual "Sync now": same engine, same lock, so never two syncs at once."""
        try:
            summary = self.engine.sync_now()
        except ServerUnreachable:
            self.watcher.mark_unreachable()
            raise
        return summary

    def _sync(self) -> None:
        if self.revoked:
            return
        result: Result
        try:
            result = self.engine.sync_now()
        except ServerUnreachable as exc:
            self.watcher.mark_unreachable()
            result = exc
        except DeviceRevoked as exc:
            self.revoked = True  # the vault is gone; nothing more to sync
            result = exc
        except CarerDeskError as exc:
            log.warning("automatic sync failed: %s", type(exc).__name__)
            result = exc
        if self._on_result is not None:
            self._on_result(result)
