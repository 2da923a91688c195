"""Noticing that the server is back, and syncing by itself.

Outreach workers close the laptop lid in a village with no signal and open it again in
the office car park. The watcher probes the server from its own thread: slowly while it
answers, with jittered backoff while it does not, and when it goes from unreachable to
reachable it calls ``on_reachable`` (normally the engine's sync). A sync that fails for
want of a connection calls :meth:`ReachabilityWatcher.mark_unreachable`, so the watcher
starts looking for the way back at once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sync.client.backoff import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchSettings:
    #: Probe interval while the server answers (a cheap GET /v1/me).
    online_interval: float = 60.0
    #: Backoff between probes while it does not; capped so a returning worker waits
    #: at most ``offline.cap`` seconds for the automatic sync.
    offline: Backoff = field(
        default_factory=lambda: Backoff(base=2.0, factor=2.0, cap=60.0, max_attempts=1)
    )


class ReachabilityWatcher:
    """Background thread: ``probe()`` -> bool; ``on_reachable()`` when the server returns.

    ``on_reachable`` runs on the watcher's thread; a GUI passes a function that posts the
    sync to its own worker instead. Exceptions from it are logged (type only) and the
    watcher keeps going: one failed sync must not end automatic sync for the day.
    """

    def __init__(
        self,
        probe: Callable[[], bool],
        on_reachable: Callable[[], None],
        settings: WatchSettings | None = None,
        *,
        sync_at_start: bool = True,
        on_change: Callable[[bool], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._probe = probe
        self._on_reachable = on_reachable
        self._settings = settings or WatchSettings()
        self._on_change = on_change
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reachable: bool | None = None
        # None means "not known yet": the first successful probe counts as a return when
        # sync_at_start is set, so opening the laptop online syncs straight away.
        self._sync_at_start = sync_at_start
        self._failures = 0
        self.triggered = 0  # how many times on_reachable was called

    @property
    def reachable(self) -> bool | None:
        return self._reachable

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("watcher already started")
        self._thread = threading.Thread(target=self._run, name="sync-reachability", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and join; returns promptly even in the middle of a long wait."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("reachability watcher did not stop within %.1fs", timeout)
            self._thread = None

    def mark_unreachable(self) -> None:
        """A sync just failed for want of a connection: start probing for the return."""
        self._set(False)
        self._wake.set()

    def poke(self) -> None:
        """Probe now (e.g. the operating system reports a new network)."""
        self._wake.set()

    # --- thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._check_once()
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _check_once(self) -> None:
        try:
            ok = bool(self._probe())
        except Exception as exc:  # a probe must never kill the thread
            log.info("reachability probe failed: %s", type(exc).__name__)
            ok = False
        was = self._reachable
        self._set(ok)
        if ok:
            self._failures = 0
            returned = was is False or (was is None and self._sync_at_start)
            if returned and not self._stopping.is_set():
                self._trigger()
        else:
            self._failures += 1

    def _trigger(self) -> None:
        self.triggered += 1
        log.info("server reachable again; starting a sync")
        try:
            self._on_reachable()
        except Exception as exc:
            log.warning("automatic sync failed: %s", type(exc).__name__)

    def _set(self, ok: bool) -> None:
        if ok != self._reachable:
            self._reachable = ok
            if self._on_change is not None:
                try:
                    self._on_change(ok)
                except Exception as exc:
                    log.warning("reachability listener failed: %s", type(exc).__name__)

    def _next_wait(self) -> float:
        if self._reachable:
            return self._settings.online_interval
        # At least a tenth of the ceiling so a jitter of ~0 does not turn into a busy loop.
        ceiling = self._settings.offline.ceiling(max(0, self._failures - 1))
        return max(ceiling / 10, self._rng.uniform(0.0, ceiling))
