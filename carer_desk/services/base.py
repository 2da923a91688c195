"""The one shape every service is built in: ``Service(store, settings, clock)``.

A composition root (the CLI, the desktop session, a test) makes any service the same way,
and swaps any of the three without knowing which service it is: a session's store that
refuses reads once locked, a test's settings, a clock stopped on a fixed day. Options a
single service needs (the printing service's letter sender, say) are keyword-only, after
the three.
"""

from __future__ import annotations

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.ports import RecordStore
from carer_desk.services.repository import Repository


class Service:
    """What every service is given, and the typed repository over its store."""

    def __init__(self, store: RecordStore, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.repo = Repository(store, clock, settings.age_bands)
