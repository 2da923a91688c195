"""Ports: what the core needs from the outside world, declared here and implemented
elsewhere (``storage.vault.Vault`` implements :class:`RecordStore`).

Records cross this boundary as plain JSON-compatible dicts tagged with a *kind*; the
codec in :mod:`carer_desk.records.codec` turns them into frozen dataclasses and back.
Keeping the port dict-shaped lets the storage layer stay ignorant of the domain model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from carer_desk.payment_decisions import DecisionOutcome
from carer_desk.sync_status import (
    ConflictListing,
    Identity,
    ProgressCallback,
    RefusedChange,
    SyncReport,
    SyncStatus,
)

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
class HeldBackChange:
    """A change the store would not hand to a push because it fails its integrity check
    (the file was altered outside the app): it is kept, never sent, and reported."""

    change_id: str
    record_id: str
    kind: str
    reason: str


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
    # What was altered outside the app, one sentence each: a header field, an outbox
    # change, a record's bookkeeping, rows added or rolled back, the audit log's end.
    tampered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.damaged and self.audit_chain_ok and not self.tampered


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

    def iter_kind_states(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        """As ``iter_kind``, each record with its sync state (one query, for lists)."""
        ...

    def iter_kind_summaries(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        """As ``iter_kind_states``, each record's payload cut down to what a list shows
        (:func:`carer_desk.records.summaries.summarise`), read without opening the whole
        record where the store keeps summaries."""
        ...

    def damaged_records(self) -> list[tuple[str, str]]: ...

    def sync_states(self, kind: str) -> dict[str, SyncState]:
        """Every live record of a kind and its sync state (one query, for lists)."""
        ...

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

    def audit_entries(self, after: int = 0) -> list[AuditEntry]:
        """The entries numbered above ``after`` (all of them by default), oldest first."""
        ...

    def check(self) -> IntegrityReport: ...


@runtime_checkable
class DraftStore(Protocol):
    """Unsaved edits, sealed in the vault (never synced, never in clear on disk), so a
    lock, a crash or a closed window loses at most the last few seconds of typing."""

    def save_draft(self, key: str, payload: JSONDict) -> None: ...

    def load_draft(self, key: str) -> JSONDict | None: ...

    def discard_draft(self, key: str) -> None: ...


@runtime_checkable
class RefusedChangeStore(Protocol):
    """The outbox's refused changes, for a person to correct or discard (the vault)."""

    def rejected_changes(self) -> list[tuple[OutboxChange, str]]:
        """Every change the server refused, with its reason, oldest first."""
        ...

    def discard_rejected(self, change_id: str) -> bool:
        """Drop the refused change and this laptop's copy of its record, in one
        transaction (NotFoundError when it is not a refused change). True when the server
        holds the record: its copy comes back at the next sync."""
        ...


@runtime_checkable
class RulesInForceStore(Protocol):
    """Where a laptop keeps the payment rules the server said are in force (sealed in the
    vault, like the enrolment), so its advice uses the server's numbers offline too."""

    def load_rules_in_force(self) -> JSONDict | None: ...

    def save_rules_in_force(self, rules: JSONDict) -> None: ...


# --- what the window may ask of the vault and of sync ---------------------------------
#
# The desktop (ui/) may not import storage/ or sync/; these two ports are how it reaches
# them. The composition root (carer_desk.wiring) implements both; the types they speak are
# the core's own (carer_desk.sync_status, carer_desk.changes).


class VaultStatus(StrEnum):
    ABSENT = "absent"  # no vault on this laptop yet: the first run
    LOCKED = "locked"
    UNLOCKED = "unlocked"


@runtime_checkable
class VaultHandle(Protocol):
    """The laptop's vault as the window sees it: create, unlock, lock, passphrase."""

    @property
    def status(self) -> VaultStatus: ...

    @property
    def location(self) -> str:
        """Where the vault file lives, for Settings and About (a path, no contents)."""
        ...

    def create(
        self, passphrase: str, *, recovery_public_key_pem: bytes | None = None
    ) -> RecordStore:
        """Create the vault and return it unlocked (VaultExists if there is one)."""
        ...

    def unlock(self, passphrase: str) -> RecordStore:
        """The unlocked store; WrongPassphrase or UnlockThrottled otherwise."""
        ...

    def lock(self) -> None:
        """Drop every key from memory (the store refuses reads until unlocked again)."""
        ...

    def change_passphrase(self, old: str, new: str) -> None: ...

    def has_recovery_key(self) -> bool:
        """Whether the organisation can recover this vault if the passphrase is lost."""
        ...

    def check(self) -> IntegrityReport: ...

    def close(self) -> None: ...


@runtime_checkable
class SyncGateway(Protocol):
    """The central server as the window sees it, bound to one unlocked vault.

    Calls may block on the network: the window runs them on its network pool, never on
    the GUI thread. Values of records never pass through here except inside conflicts,
    where the person must see both to choose.
    """

    def identity(self) -> Identity | None:
        """Who this laptop is enrolled as, or None."""
        ...

    def enrol(self, server: str, username: str, password: str, device_name: str) -> Identity:
        """Log in once; the device credential is kept sealed in the vault."""
        ...

    def sync_now(self, progress: ProgressCallback | None = None) -> SyncReport:
        """Push, then pull; ``progress`` is called as batches and pages go by. The report's
        ``changes`` say which records the pull brought."""
        ...

    def status(self) -> SyncStatus:
        """Where things stand from the vault alone (no network)."""
        ...

    def reachable(self) -> bool: ...

    def conflicts(self) -> ConflictListing:
        """From the server, or offline what this laptop recorded."""
        ...

    def resolve(self, record_id: str, choices: Mapping[str, str]) -> SyncReport:
        """Decide every conflicting field ("mine" | "theirs") on the server, then sync."""
        ...

    def refused(self) -> list[RefusedChange]:
        """Changes the server refused, each with its reason."""
        ...

    def watch(self, on_reachable: Callable[[], None], on_change: Callable[[bool], None]) -> None:
        """Probe the server in the background: ``on_reachable`` when it answers again (a
        sync is due), ``on_change`` when reachability flips. Both run on another thread."""
        ...

    def poke(self) -> None:
        """A sync just failed for want of a connection: probe for the way back."""
        ...

    def stop(self) -> None:
        """Stop retrying and watching (on lock or quit)."""
        ...

    def decide_payment(
        self,
        payment_id: str,
        *,
        approve: bool,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> DecisionOutcome:
        """A payments approver's decision, made on the server (online only), then a sync
        so this laptop holds the decided request. ``DecisionRefused`` carries the
        server's reason (cap, budget, no recent assessment); ``OfficeUnreachable`` when
        it cannot be reached (nothing was decided)."""
        ...
