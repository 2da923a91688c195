"""Ports: what the core needs from the outside world, declared here and implemented
elsewhere (``storage.vault.Vault`` implements :class:`RecordStore`).

Records cross this boundary as plain JSON-compatible dicts tagged with a *kind*; the
codec in :mod:`carer_desk.records.codec` turns them into frozen dataclasses and back.
Keeping the port dict-shaped lets the storage layer stay ignorant of the domain model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

JSONDict = dict[str, Any]


class SyncState(StrEnum):
    """Per-record sync state, shown next to each record."""

    NEW = "new"  # created here, never sent
    CHANGED = "changed"  # edited here since the last acknowledged version
    SENDING = "sending"  # in a push that has not been acknowledged yet
    SYNCED = "synced"  # the server holds exactly this version
    CONFLICT = "conflict"  # the server found a field both sides changed
    REJECTED = "rejected"  # the server refused it; the reason is kept


class Priority:
    """Outbox priorities: lower sorts first. Safeguarding concerns always go first."""

    SAFEGUARDING = 0
    NORMAL = 100


@dataclass(frozen=True)
class RecordMeta:
    """The clear bookkeeping a store keeps beside each sealed payload."""

    id: str
    kind: str
    version: int  # local version, +1 on every write
    server_version: int | None  # last version acknowledged by the server
    sync_state: SyncState
    deleted: bool = False


@dataclass(frozen=True)
class RecordWrite:
    """One record to write in a batch (``RecordStore.put_many``)."""

    kind: str
    id: str
    payload: JSONDict
    priority: int = Priority.NORMAL


@dataclass(frozen=True)
class OutboxChange:
    """A local change waiting to be pushed (client-generated ``change_id``)."""

    change_id: str
    record_id: str
    kind: str
    op: str  # "upsert" | "delete"
    base_version: int | None  # server version the edit was based on
    payload: JSONDict | None
    priority: int
    seq: int  # order of creation, for stable draining


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the append-only, hash-chained audit log."""

    seq: int
    at: datetime
    actor: str
    action: str  # "view" | "create" | "edit" | "delete" | "print" | "export" | "import" | ...
    record_id: str | None
    kind: str | None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntegrityReport:
    """Result of ``RecordStore.check``: how many records are sound, which are not."""

    records_checked: int
    damaged: tuple[tuple[str, str], ...]  # (record_id, kind)
    audit_entries_checked: int
    audit_chain_ok: bool
    audit_problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.damaged and self.audit_chain_ok


@runtime_checkable
class RecordStore(Protocol):
    """The encrypted local record store the services work against.

    Every write is one transaction that also appends the outbox change and the audit
    entry, so a crash can never leave a record without its outbox entry or vice versa.
    """

    actor: str  # who is using the store (username), written into the audit log

    def put(
        self,
        kind: str,
        record_id: str,
        payload: JSONDict,
        *,
        priority: int = Priority.NORMAL,
        action: str = "edit",
    ) -> int:
        """Create or replace a record; returns the new local version."""
        ...

    def put_many(
        self,
        writes: Iterable[RecordWrite],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        """Write many records in ONE transaction (all or nothing); one audit entry."""
        ...

    def get(self, kind: str, record_id: str) -> JSONDict:
        """The decrypted payload; NotFoundError / RecordIntegrityError otherwise."""
        ...

    def meta(self, record_id: str) -> RecordMeta: ...

    def iter_kind(self, kind: str) -> Iterator[tuple[str, JSONDict]]:
        """Every live record of a kind as (id, payload); damaged ones are skipped and
        reported through ``damaged_records``."""
        ...

    def damaged_records(self) -> list[tuple[str, str]]: ...

    def delete(self, kind: str, record_id: str) -> None:
        """Tombstone the record (kept until the server acknowledges the delete)."""
        ...

    def audit(
        self,
        action: str,
        *,
        record_id: str | None = None,
        kind: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Append an audit entry (views, prints, exports...)."""
        ...

    def audit_entries(self) -> list[AuditEntry]: ...

    def check(self) -> IntegrityReport: ...
