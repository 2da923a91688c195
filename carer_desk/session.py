"""One unlocked vault and the services over it: the desktop's (and the CLI's) unit of work.

A :class:`DeskSession` is made at unlock and closed at lock (Anki's ``Collection``). It
owns every service, so closing it drops every decrypted cache they hold; after that any
call through it raises :class:`VaultLocked` — lock means locked.

Every operation runs through :meth:`DeskSession.run`, which returns what it changed as a
:class:`Changes` (Anki's ``OpChanges``). The changes are collected where every write
passes — the store the services are given — so no service has to remember to report
them. Records a pull brought are announced with :meth:`absorb`, which refreshes the
caches that hold them, so an open caseload shows a colleague's new carer without a
restart.

Threading: a session is used from ONE thread (the window's vault worker). The vault
serialises its own access, so the sync engine may write to the vault from a network
thread; it never touches the services' caches, which learn of its writes via ``absorb``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from carer_desk.changes import Changes, ChangeSource
from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import VaultLocked
from carer_desk.ports import (
    AuditEntry,
    DraftStore,
    IntegrityReport,
    JSONDict,
    OutboxChange,
    Priority,
    RecordMeta,
    RecordStore,
    RecordWrite,
    SyncState,
)
from carer_desk.roles import Role
from carer_desk.services.calls import CallService
from carer_desk.services.cards import CardService
from carer_desk.services.carer_file import CarerFileService
from carer_desk.services.carers import CarerService
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.closure import ClosureService
from carer_desk.services.conversations import ConversationService
from carer_desk.services.duplicates import DuplicateService
from carer_desk.services.groups import GroupService
from carer_desk.services.payments import PaymentService
from carer_desk.services.plan_reviews import PlanReviewService
from carer_desk.services.plans import PlanService
from carer_desk.services.print_queue import PrintQueueService
from carer_desk.services.printing import PrintService
from carer_desk.services.refused import RefusedChangeService
from carer_desk.services.subject_access import SubjectAccessService

logger = logging.getLogger(__name__)

T = TypeVar("T")

LOCKED_MESSAGE = "Carer Desk is locked: unlock it with your passphrase to see records."


class SessionStore:
    """The store as a session's services see it: notes every record written, and refuses
    everything once the session is closed."""

    def __init__(self, inner: RecordStore) -> None:
        self._inner: RecordStore | None = inner
        self._written: set[tuple[str, str]] = set()
        self._forbidden: Callable[[], bool] | None = None
        self._audit: list[AuditEntry] = []  # decrypted: dropped at close

    def forbid_when(self, predicate: Callable[[], bool]) -> None:
        """Refuse every call while ``predicate()`` is true (the window: on its GUI
        thread, where a vault call would freeze the screen)."""
        self._forbidden = predicate

    # --- the session's bookkeeping -----------------------------------------------------

    def _store(self) -> RecordStore:
        if self._forbidden is not None and self._forbidden():
            raise RuntimeError("vault work on a forbidden thread (the GUI thread)")
        inner = self._inner
        if inner is None or not getattr(inner, "is_unlocked", True):
            raise VaultLocked(LOCKED_MESSAGE)
        return inner

    def take_written(self) -> set[tuple[str, str]]:
        written, self._written = self._written, set()
        return written

    def close(self) -> None:
        self._inner = None
        self._written.clear()
        self._audit.clear()

    @property
    def is_unlocked(self) -> bool:
        inner = self._inner
        return inner is not None and bool(getattr(inner, "is_unlocked", True))

    # --- RecordStore -------------------------------------------------------------------

    @property
    def actor(self) -> str:
        return self._store().actor

    def put(
        self,
        kind: str,
        record_id: str,
        payload: JSONDict,
        *,
        priority: int = Priority.NORMAL,
        action: str = "edit",
    ) -> int:
        version = self._store().put(kind, record_id, payload, priority=priority, action=action)
        self._written.add((kind, record_id))
        return version

    def put_many(
        self,
        writes: Iterable[RecordWrite],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        writes = list(writes)
        count = self._store().put_many(writes, action=action, audit_details=audit_details)
        self._written.update((w.kind, w.id) for w in writes)
        return count

    def get(self, kind: str, record_id: str) -> JSONDict:
        return self._store().get(kind, record_id)

    def meta(self, record_id: str) -> RecordMeta:
        return self._store().meta(record_id)

    def iter_kind(self, kind: str) -> Iterator[tuple[str, JSONDict]]:
        return self._store().iter_kind(kind)

    def iter_kind_states(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        return self._store().iter_kind_states(kind)

    def iter_kind_summaries(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        return self._store().iter_kind_summaries(kind)

    def damaged_records(self) -> list[tuple[str, str]]:
        return self._store().damaged_records()

    def sync_states(self, kind: str) -> dict[str, SyncState]:
        return self._store().sync_states(kind)

    def delete(self, kind: str, record_id: str) -> None:
        self._store().delete(kind, record_id)
        self._written.add((kind, record_id))

    def audit(
        self,
        action: str,
        *,
        record_id: str | None = None,
        kind: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._store().audit(action, record_id=record_id, kind=kind, details=details)

    def audit_entries(self, after: int = 0) -> list[AuditEntry]:
        """The log is append-only: the entries read once this session are kept (dropped
        at lock), and each later call opens only the ones written since — opening a
        carer's history no longer decrypts the whole log every time."""
        store = self._store()
        read = self._audit
        read.extend(store.audit_entries(read[-1].seq if read else 0))
        if not after:
            return list(read)
        return [e for e in read if e.seq > after]

    def check(self) -> IntegrityReport:
        return self._store().check()

    # --- RefusedChangeStore (the vault's outbox) -------------------------------------

    def rejected_changes(self) -> list[tuple[OutboxChange, str]]:
        return self._store().rejected_changes()  # type: ignore[attr-defined]

    def discard_rejected(self, change_id: str) -> bool:
        inner = self._store()
        record = next(
            (c for c, _ in inner.rejected_changes() if c.change_id == change_id),  # type: ignore[attr-defined]
            None,
        )
        follows = inner.discard_rejected(change_id)  # type: ignore[attr-defined]
        if record is not None:
            self._written.add((record.kind, record.record_id))
        return follows


class SessionDrafts:
    """The session's drafts: sealed in the vault, refused once the session is closed."""

    def __init__(self, store: SessionStore, drafts: DraftStore) -> None:
        self._store = store
        self._drafts = drafts

    def save(self, key: str, payload: JSONDict) -> None:
        self._store._store()  # the same guards as every record call
        self._drafts.save_draft(key, payload)

    def load(self, key: str) -> JSONDict | None:
        self._store._store()
        return self._drafts.load_draft(key)

    def discard(self, key: str) -> None:
        self._store._store()
        self._drafts.discard_draft(key)


class DeskSession:
    """The services of one unlocked vault, for one person in one role."""

    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        *,
        role: Role,
        drafts: DraftStore,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        self.role = role
        self.clock = clock
        self.store = SessionStore(store)
        s = self.store
        self.drafts = SessionDrafts(s, drafts)
        # One shape for every service: (store, settings, clock), options after. The
        # carers and the caseload share one cache of decrypted carers.
        self.caseload = CaseloadService(s, settings, clock)
        self.carers = CarerService(s, settings, clock, caseload=self.caseload)
        self.conversations = ConversationService(s, settings, clock, caseload=self.caseload)
        self.payments = PaymentService(s, settings, clock, caseload=self.caseload)
        self.plans = PlanService(s, settings, clock)
        self.cards = CardService(s, settings, clock)
        self.calls = CallService(s, settings, clock)
        self.closures = ClosureService(s, settings, clock)
        self.refused = RefusedChangeService(s, settings, clock, outbox=s)
        self.groups = GroupService(s, settings, clock)
        self.files = CarerFileService(
            s, settings, clock, caseload=self.caseload, groups=self.groups
        )
        self.duplicates = DuplicateService(s, settings, clock)
        self.printing = PrintService(s, settings, clock)
        self.print_queue = PrintQueueService(
            s, settings, clock, printing=self.printing, caseload=self.caseload
        )
        self.subject_access = SubjectAccessService(s, settings, clock)
        self.plan_reviews = PlanReviewService(s, settings, clock, caseload=self.caseload)
        self._closed = False

    @property
    def is_open(self) -> bool:
        return not self._closed and self.store.is_unlocked

    @property
    def actor(self) -> str:
        return self.store.actor

    def run(self, operation: Callable[[DeskSession], T]) -> tuple[T, Changes]:
        """Run one operation; returns its result and the records it wrote."""
        if not self.is_open:
            raise VaultLocked(LOCKED_MESSAGE)
        self.store.take_written()  # anything left over from a failed call is not ours
        try:
            result = operation(self)
        finally:
            written = self.store.take_written()
        changes = Changes.of(written, source=ChangeSource.LOCAL)
        self._refresh(changes)
        return result, changes

    def absorb(self, changes: Changes) -> None:
        """Records written behind the services' backs (a pull): refresh what they cache."""
        if not self.is_open:
            raise VaultLocked(LOCKED_MESSAGE)
        self._refresh(changes)

    def _refresh(self, changes: Changes) -> None:
        if changes.everything:
            self.caseload.forget()
            return
        self.caseload.refresh(changes)

    def close(self) -> None:
        """Drop every decrypted cache and refuse every later call (the lock)."""
        if self._closed:
            return
        self._closed = True
        self.caseload.forget()
        self.store.close()
        logger.info("session closed: caches dropped")
