"""The server store: one interface (:class:`ServerStore`) and its SQLAlchemy Core
implementation (:class:`SqlStore`) that runs on SQLite (the embedded default) and on
PostgreSQL (production). The contract test suite runs against both.

The store seals and opens payloads with the server :class:`~sync.server.keyring.Keyring`,
so callers deal in plain dicts and nothing above this module sees ciphertext. It knows
nothing of roles; authorisation decides a :class:`PullScope` and the store turns that into
SQL.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from sync.server import canonical_json
from sync.server import schema as t
from sync.server.bulk import DriverMany
from sync.server.errors import AdminError
from sync.server.keyring import KeyFileError, Keyring, SealedDataError
from sync.server.migrate import upgrade
from sync.server.pull_scope import PullScope
from sync.server.reports.facts import retag_facts, store_facts
from sync.server.settings import DatabasePool

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    # SQLite hands timestamps back naive; every one we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


class DatabaseUnavailable(AdminError):
    """The database could not be opened or reached."""


class DuplicateChange(Exception):
    """A change id was recorded by a concurrent transaction first (unique constraint)."""


# --- rows handed out by the store -----------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str
    team: str | None
    password_hash: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    username: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class Ownership:
    """Clear routing columns written beside a record, used to authorise and to pull."""

    team: str | None = None
    carer_id: str | None = None
    group_id: str | None = None
    owner: str | None = None
    lookup: str | None = None


@dataclass(frozen=True)
class StoredRecord:
    record_id: str
    kind: str
    version: int
    deleted: bool
    seq: int
    payload: JSONDict | None  # None for a tombstone
    ownership: Ownership
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class PageRow:
    """A record as a pull page needs it: the payload left as the JSON it was sealed as
    (a pull passes it on; parsing it only to write it out again was half a pull)."""

    record_id: str
    kind: str
    version: int
    deleted: bool
    seq: int
    carer_id: str | None
    payload_json: bytes | None  # None for a tombstone


@dataclass(frozen=True)
class VersionInfo:
    record_id: str
    kind: str
    version: int
    deleted: bool
    changed_fields: tuple[str, ...]
    actor: str
    device_id: str | None
    change_id: str | None
    at: datetime


@dataclass(frozen=True)
class StoredConflict:
    conflict_id: str
    record_id: str
    kind: str
    server_version: int
    change_id: str
    raised_by: str
    raised_at: datetime
    details: JSONDict
    resolved_at: datetime | None
    resolved_by: str | None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    device_id: str | None
    action: str
    kind: str | None
    record_id: str | None
    details: JSONDict


@dataclass(frozen=True)
class NewVersion:
    """One version to store (see :meth:`SqlTransaction.write_versions`)."""

    kind: str
    record_id: str
    payload: JSONDict | None  # None: a tombstone
    ownership: Ownership
    changed_fields: tuple[str, ...]
    actor: str
    device_id: str | None
    change_id: str | None
    previous_version: int | None  # the version read in this transaction; None: new
    #: Versions written after a restore start above this (the transaction's
    #: ``version_floor``), so no number a laptop holds from before is reused.
    floor: int = 0

    @property
    def version(self) -> int:
        return max(self.previous_version or 0, self.floor) + 1


@dataclass(frozen=True)
class LedgerEntry:
    """A processed change's result, kept under its change id (the idempotency ledger)."""

    change_id: str
    username: str
    device_id: str
    record_id: str
    result: JSONDict


@dataclass(frozen=True)
class NewConflict:
    conflict_id: str
    record_id: str
    kind: str
    server_version: int
    change_id: str
    raised_by: str
    details: JSONDict


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    device_id: str | None = None
    kind: str | None = None
    record_id: str | None = None
    details: Mapping[str, Any] | None = None


def new_conflict_id() -> str:
    return uuid.uuid4().hex


#: Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits.
_IN_CHUNK = 500
#: The audit entry, under the account, of an administrator's reset ending its lockout.
LOCKOUT_CLEARED = "enrol-lockout-cleared"


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


# --- the interface ----------------------------------------------------------------------


class StoreTransaction(Protocol):
    """Reads and writes inside one database transaction."""

    write_count: int  # rows written so far in this transaction
    version_floor: int  # every version written is above it (see NewVersion.floor)

    def savepoint(self) -> Any: ...  # context manager: roll back inside on error

    def lookup_key(self, value: str) -> str: ...

    def get_record(self, record_id: str) -> StoredRecord | None: ...

    def get_records(self, record_ids: Iterable[str]) -> dict[str, StoredRecord]: ...

    def version_payloads(
        self, wanted: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], JSONDict | None]: ...

    def version_payload(self, record_id: str, version: int) -> JSONDict | None: ...

    def version_payload_before(self, record_id: str, version: int) -> JSONDict | None: ...

    def note_recovered(self, through: Mapping[str, int]) -> None: ...

    def records_for_carer(self, kind: str, carer_id: str) -> list[StoredRecord]: ...

    def records_of_kind(self, kind: str) -> list[StoredRecord]: ...

    def records_in_group(self, kind: str, group_id: str) -> list[StoredRecord]: ...

    def find_by_lookup(
        self, kind: str, lookup: str, *, excluding: str | None = None
    ) -> StoredRecord | None: ...

    def write_record(
        self,
        *,
        kind: str,
        record_id: str,
        payload: JSONDict | None,
        ownership: Ownership,
        changed_fields: Sequence[str],
        actor: str,
        device_id: str | None,
        change_id: str | None,
        previous_version: int | None,
    ) -> StoredRecord: ...

    def write_versions(self, versions: Sequence[NewVersion]) -> list[StoredRecord]: ...

    def retag_carer_records(self, carer_id: str, team: str | None) -> int: ...

    def resend_group_records(self, group_id: str) -> int: ...

    def applied_result(self, change_id: str) -> tuple[str, JSONDict] | None: ...

    def applied_results(self, change_ids: Sequence[str]) -> dict[str, tuple[str, JSONDict]]: ...

    def save_applied_many(self, entries: Sequence[LedgerEntry]) -> None: ...

    def add_conflicts(self, conflicts: Sequence[NewConflict]) -> None: ...

    def audit_many(self, entries: Sequence[AuditEntry]) -> None: ...

    def known_change_ids(self, change_ids: Sequence[str]) -> set[str]: ...

    def save_applied(
        self, *, change_id: str, username: str, device_id: str, record_id: str, result: JSONDict
    ) -> None: ...

    def add_conflict(
        self,
        *,
        record_id: str,
        kind: str,
        server_version: int,
        change_id: str,
        raised_by: str,
        details: JSONDict,
    ) -> str: ...

    def get_conflict(self, conflict_id: str) -> StoredConflict | None: ...

    def open_conflicts(self, record_ids: Sequence[str] | None = None) -> list[StoredConflict]: ...

    def open_conflict_ids(self, record_ids: Sequence[str]) -> dict[str, str]: ...

    def resolve_conflict(self, conflict_id: str, resolved_by: str) -> None: ...

    def changes_since(self, since: int, limit: int, scope: PullScope) -> list[StoredRecord]: ...

    def page_since(self, since: int, limit: int, scope: PullScope) -> list[PageRow]: ...

    def max_seq(self) -> int: ...

    def generation(self) -> int: ...

    def held_versions(self, record_ids: Sequence[str], scope: PullScope) -> dict[str, int]: ...

    def count_since(self, since: int, up_to: int, scope: PullScope) -> int: ...

    def versions(self, record_id: str) -> list[VersionInfo]: ...

    def first_author(self, record_id: str) -> str | None: ...

    def recent_audit(
        self, action: str, since: datetime, *, actor: str, device_id: str | None
    ) -> list[AuditRow]: ...

    def audit(
        self,
        *,
        actor: str,
        action: str,
        device_id: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None: ...


class ServerStore(Protocol):
    """Everything the server keeps. ``transaction(write=True)`` serialises writers."""

    def transaction(self, *, write: bool = False) -> Any: ...  # context manager -> tx

    def create_user(
        self, username: str, role: str, team: str | None, password_hash: str, by: str = ...
    ) -> UserRow: ...

    def get_user(self, username: str) -> UserRow | None: ...

    def list_users(self) -> list[UserRow]: ...

    def add_device(self, username: str, name: str, credential_hash: str) -> DeviceRow: ...

    def device_by_credential(self, credential_hash: str) -> DeviceRow | None: ...

    def get_device(self, device_id: str) -> DeviceRow | None: ...

    def list_devices(self) -> list[DeviceRow]: ...

    def revoke_device(self, device_id: str, by: str) -> DeviceRow: ...

    def touch_device(self, device_id: str) -> None: ...

    def set_user_disabled(self, username: str, disabled: bool, by: str) -> list[DeviceRow]: ...

    def set_password(self, username: str, password_hash: str, by: str) -> None: ...

    def reserve_enrolment_attempt(self, username: str, since: datetime, limit: int) -> bool: ...

    def audit(
        self,
        *,
        actor: str,
        action: str,
        device_id: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None: ...

    def iter_audit(self) -> Iterator[AuditRow]: ...

    def count_audit(self, action: str, actor: str, since: datetime) -> int: ...

    def iter_versions(self) -> Iterator[VersionInfo]: ...

    def rotate_key(self) -> int: ...

    def close(self) -> None: ...


def open_store(database_url: str, key_file: Path, *, pool: DatabasePool | None = None) -> SqlStore:
    """Open (and migrate) the database with its key file, creating the key file only for
    a database that holds nothing encrypted yet: a new key for old data would make the
    server write records nobody could read alongside ones it cannot read. A key file that
    is not the one the database was written with is refused (:meth:`SqlStore.check_key`)."""
    if not key_file.exists():
        probe = SqlStore(database_url, Keyring.unsaved(key_file), pool=pool)
        try:
            if probe.holds_sealed_data():
                raise KeyFileError(
                    f"The server key file {key_file} is missing but the database holds "
                    "encrypted records. Restore server.key from its backup; do not start the "
                    "server without it."
                )
        finally:
            probe.close()
    store = SqlStore(database_url, Keyring.load_or_create(key_file), pool=pool)
    try:
        store.check_key()
    except BaseException:
        store.close()
        raise
    return store


# --- SQLAlchemy implementation ------------------------------------------------------------


def normalise_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver we ship), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL (None for another database or memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])


def keep_sqlite_private(path: Path) -> None:
    """The database and its WAL and shared-memory files readable by the server's own
    user only (0600). The file is made 0600 before SQLite first opens it, and SQLite
    gives the -wal and -shm files the database's mode; files left by an older server with
    wider modes are narrowed here, at every start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)
        except FileNotFoundError:
            pass


def make_engine(url: str, pool: DatabasePool | None = None) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        file = sqlite_file(url)
        if file is not None:
            keep_sqlite_private(file)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take over transaction control so a writer can BEGIN IMMEDIATE (below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: every commit is synced to disk before the push is acknowledged, so a
            # power cut never loses a change a laptop was told was stored (NORMAL in WAL
            # mode can lose the last commits; the laptop would have dropped them).
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A writer takes the write lock up front: two deferred transactions that both
            # read then write would otherwise deadlock and one would fail with "locked".
            write = conn.get_execution_options().get("carer_desk_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    pool = pool or DatabasePool()
    return create_engine(url, pool_pre_ping=True, pool_size=pool.size, max_overflow=pool.overflow)


def _loads(text: str) -> Any:
    return canonical_json.loads(text)


def _dumps(value: Any) -> str:
    return canonical_json.dumps(value).decode("utf-8")


_SET_SEQ = (
    update(t.counters).where(t.counters.c.name == "change_seq").values(value=bindparam("value"))
)
# What a writer reads first: the sequence counter, the version floor (see NewVersion) and
# the generation (told to the commit listeners). Ordered, because on PostgreSQL the read
# takes the rows' locks: writers that took them in the order the table's pages happened to
# hold them deadlocked each other.
_READ_COUNTERS = (
    select(t.counters.c.name, t.counters.c.value)
    .where(t.counters.c.name.in_(["change_seq", "generation", "version_floor"]))
    .order_by(t.counters.c.name)
)
_ANY_OPEN_CONFLICT = (
    select(t.conflicts.c.conflict_id).where(t.conflicts.c.resolved_at.is_(None)).limit(1)
)
_GET_RECORD = select(t.records).where(t.records.c.record_id == bindparam("rid"))
_APPLIED_RESULT = select(t.applied_changes).where(t.applied_changes.c.change_id == bindparam("cid"))


_INSERT_RECORD = DriverMany(insert(t.records).inline(), t.records)
_UPDATE_RECORD = DriverMany(
    update(t.records).where(t.records.c.record_id == bindparam("rid")), t.records
)
_INSERT_VERSION = DriverMany(insert(t.record_versions).inline(), t.record_versions)
_INSERT_APPLIED = DriverMany(insert(t.applied_changes).inline(), t.applied_changes)
_INSERT_CONFLICT = insert(t.conflicts)
_INSERT_AUDIT = insert(t.audit)
_RETAG_RECORD = (
    update(t.records)
    .where(t.records.c.record_id == bindparam("rid"))
    .values(team=bindparam("team"), seq=bindparam("seq"))
)
_RESEQ_RECORD = (
    update(t.records).where(t.records.c.record_id == bindparam("rid")).values(seq=bindparam("seq"))
)


def _record_ad(kind: str, record_id: str, version: int) -> str:
    return f"record|{kind}|{record_id}|{version}"


class SqlTransaction:
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        *,
        last_seq: int | None = None,
        version_floor: int = 0,
        generation: int = 0,
    ):
        self.conn = conn
        self.keyring = keyring
        #: The database's generation as this writing transaction leaves it.
        self.generation_at_end = generation
        self._generation_changed = False
        #: Every version this transaction writes is above it (set when the database was
        #: restored from a backup: see sync.server.restore).
        self.version_floor = version_floor
        # Sequence numbers are handed out in memory from the counter read when the writing
        # transaction began (it holds the writers' lock) and written back once at the end.
        self._seq = last_seq
        self._seq_taken = False
        #: How many rows this transaction has written: lets a caller check that a change
        #: it refuses left nothing behind.
        self.write_count = 0

    # --- records --------------------------------------------------------------------------

    def _open_payload(self, row: Any) -> JSONDict | None:
        raw = self._open_payload_json(row)
        if raw is None:
            return None
        value = canonical_json.loads(raw)
        assert isinstance(value, dict)
        return value

    def _open_payload_json(self, row: Any) -> bytes | None:
        if row.payload is None:
            return None
        try:
            return self.keyring.open(
                row.payload,
                row.key_gen,
                _record_ad(row.kind, row.record_id, row.version).encode("utf-8"),
            )
        except SealedDataError:
            log.error("record %s version %s failed to decrypt", row.record_id, row.version)
            raise

    def _record(self, row: Any) -> StoredRecord:
        return StoredRecord(
            record_id=row.record_id,
            kind=row.kind,
            version=row.version,
            deleted=row.deleted,
            seq=row.seq,
            payload=self._open_payload(row),
            ownership=Ownership(row.team, row.carer_id, row.group_id, row.owner, row.lookup),
            updated_at=_utc(row.updated_at),
            updated_by=row.updated_by,
        )

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo everything inside when it raises, keep the outer transaction going."""
        with self.conn.begin_nested():
            yield

    def lookup_key(self, value: str) -> str:
        return self.keyring.index(value)

    def get_record(self, record_id: str) -> StoredRecord | None:
        row = self.conn.execute(_GET_RECORD, {"rid": record_id}).first()
        return self._record(row) if row else None

    def get_records(self, record_ids: Iterable[str]) -> dict[str, StoredRecord]:
        """The records with these ids that exist, in one query per 500 ids."""
        ids = list(dict.fromkeys(record_ids))
        found: dict[str, StoredRecord] = {}
        for chunk in _chunks(ids):
            query = select(t.records).where(t.records.c.record_id.in_(chunk))
            for row in self.conn.execute(query):
                found[row.record_id] = self._record(row)
        return found

    def version_payloads(
        self, wanted: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], JSONDict | None]:
        """The payloads of these (record id, version) pairs that exist (None for a
        tombstone version), in one query per 500 pairs."""
        pairs = list(dict.fromkeys(wanted))
        found: dict[tuple[str, int], JSONDict | None] = {}
        v = t.record_versions.c
        for chunk in _chunks(pairs):
            query = select(t.record_versions).where(tuple_(v.record_id, v.version).in_(chunk))
            for row in self.conn.execute(query):
                found[(row.record_id, row.version)] = (
                    None if row.payload is None else self._open_payload(row)
                )
        return found

    def version_payload(self, record_id: str, version: int) -> JSONDict | None:
        row = self.conn.execute(
            select(t.record_versions).where(
                t.record_versions.c.record_id == record_id,
                t.record_versions.c.version == version,
            )
        ).first()
        if row is None or row.payload is None:
            return None
        return self._open_payload(row)

    def version_payload_before(self, record_id: str, version: int) -> JSONDict | None:
        """The payload of the latest version before ``version`` (None: none, or a
        tombstone)."""
        v = t.record_versions.c
        row = self.conn.execute(
            select(t.record_versions)
            .where(v.record_id == record_id, v.version < version)
            .order_by(v.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return self._open_payload(row)

    def note_recovered(self, through: Mapping[str, int]) -> None:
        """Each record's copy now holds what a laptop had of its lost version ``through``
        (after a restore): :meth:`held_versions` answers that number for it, so a laptop
        holding that version or an older one does not send it again."""
        if not through:
            return
        c = t.recovered.c
        known = {}
        for chunk in _chunks(list(through)):
            known.update(
                dict(
                    self.conn.execute(
                        select(c.record_id, c.through).where(c.record_id.in_(chunk))
                    ).all()
                )
            )
        new = [{"record_id": rid, "through": v} for rid, v in through.items() if rid not in known]
        raised = [
            {"rid": rid, "through": v}
            for rid, v in through.items()
            if rid in known and v > known[rid]
        ]
        if new:
            self.conn.execute(insert(t.recovered), new)
        if raised:
            self.conn.execute(
                update(t.recovered)
                .where(c.record_id == bindparam("rid"))
                .values(through=bindparam("through")),
                raised,
            )

    def records_for_carer(self, kind: str, carer_id: str) -> list[StoredRecord]:
        rows = self.conn.execute(
            select(t.records)
            .where(t.records.c.kind == kind, t.records.c.carer_id == carer_id)
            .order_by(t.records.c.seq)
        )
        return [self._record(r) for r in rows]

    def records_of_kind(self, kind: str) -> list[StoredRecord]:
        rows = self.conn.execute(
            select(t.records).where(t.records.c.kind == kind).order_by(t.records.c.seq)
        )
        return [self._record(r) for r in rows]

    def records_in_group(self, kind: str, group_id: str) -> list[StoredRecord]:
        rows = self.conn.execute(
            select(t.records)
            .where(t.records.c.kind == kind, t.records.c.group_id == group_id)
            .order_by(t.records.c.seq)
        )
        return [self._record(r) for r in rows]

    def find_by_lookup(
        self, kind: str, lookup: str, *, excluding: str | None = None
    ) -> StoredRecord | None:
        """The newest record of ``kind`` with this keyed hash (a card by its number),
        other than ``excluding``; tombstones included, so a deleted card's number stays
        taken."""
        query = select(t.records).where(t.records.c.kind == kind, t.records.c.lookup == lookup)
        if excluding is not None:
            query = query.where(t.records.c.record_id != excluding)
        row = self.conn.execute(query.order_by(t.records.c.seq.desc())).first()
        return self._record(row) if row else None

    def _next_seq(self) -> int:
        if self._seq is None:
            raise RuntimeError("records are only written in a transaction(write=True)")
        self._seq += 1
        self._seq_taken = True
        return self._seq

    def finish(self) -> None:
        """Store the last sequence number handed out (before the commit)."""
        if self._seq_taken:
            self.conn.execute(_SET_SEQ, {"value": self._seq})

    def write_record(
        self,
        *,
        kind: str,
        record_id: str,
        payload: JSONDict | None,
        ownership: Ownership,
        changed_fields: Sequence[str],
        actor: str,
        device_id: str | None,
        change_id: str | None,
        previous_version: int | None,
    ) -> StoredRecord:
        """Store a new version. ``previous_version`` is the version the caller read in
        this transaction (None for a new record); the unique (record, version) constraint
        turns a caller's mistake into an error instead of a lost version."""
        version = NewVersion(
            kind=kind,
            record_id=record_id,
            payload=payload,
            ownership=ownership,
            changed_fields=tuple(changed_fields),
            actor=actor,
            device_id=device_id,
            change_id=change_id,
            previous_version=previous_version,
            floor=self.version_floor,
        )
        return self.write_versions([version])[0]

    def write_versions(self, versions: Sequence[NewVersion]) -> list[StoredRecord]:
        """Store new versions in order, in at most three statements whatever their number:
        one insert of the records new to the server, one update of the others, one insert
        of every version. A record may come more than once (edited twice in one push):
        each version is kept and the record's row ends at the last. Sequence numbers are
        handed out in the order given."""
        now = utcnow()
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        version_rows: list[dict[str, Any]] = []
        written: list[StoredRecord] = []
        for v in versions:
            version = v.version
            seq = self._next_seq()
            sealed, gen = (None, None)
            if v.payload is not None:
                sealed, gen = self.keyring.seal_json(
                    v.payload, _record_ad(v.kind, v.record_id, version)
                )
            values = {
                "kind": v.kind,
                "version": version,
                "deleted": v.payload is None,
                "seq": seq,
                "team": v.ownership.team,
                "carer_id": v.ownership.carer_id,
                "group_id": v.ownership.group_id,
                "owner": v.ownership.owner,
                "lookup": v.ownership.lookup,
                "payload": sealed,
                "key_gen": gen,
                "updated_at": now,
                "updated_by": v.actor,
            }
            new_here = v.previous_version is None and v.record_id not in updates
            if v.record_id in inserts or new_here:
                inserts[v.record_id] = {"record_id": v.record_id, **values}
            else:
                updates[v.record_id] = {"rid": v.record_id, **values}
            version_rows.append(
                {
                    "record_id": v.record_id,
                    "kind": v.kind,
                    "version": version,
                    "deleted": v.payload is None,
                    "payload": sealed,
                    "key_gen": gen,
                    "changed_fields": _dumps(sorted(v.changed_fields)),
                    "actor": v.actor,
                    "device_id": v.device_id,
                    "change_id": v.change_id,
                    "at": now,
                }
            )
            written.append(
                StoredRecord(
                    v.record_id,
                    v.kind,
                    version,
                    v.payload is None,
                    seq,
                    v.payload,
                    v.ownership,
                    now,
                    v.actor,
                )
            )
        self.write_count += len(versions)
        # Statements are built once (module level) and executed with parameter lists:
        # building them per row cost more than running them.
        _INSERT_RECORD.execute(self.conn, list(inserts.values()))
        _UPDATE_RECORD.execute(self.conn, list(updates.values()))
        _INSERT_VERSION.execute(self.conn, version_rows)
        # The clear report columns commit with the versions they are derived from.
        store_facts(self.conn, versions, now.date())
        return written

    def retag_carer_records(self, carer_id: str, team: str | None) -> int:
        """Move every record linked to a carer to ``team`` and give each a new sequence
        number, so the new team's devices pull them (the versions do not change)."""
        ids = list(
            self.conn.execute(
                select(t.records.c.record_id)
                .where(t.records.c.carer_id == carer_id, t.records.c.record_id != carer_id)
                .order_by(t.records.c.seq)
            ).scalars()
        )
        if ids:
            self.conn.execute(
                _RETAG_RECORD, [{"rid": rid, "team": team, "seq": self._next_seq()} for rid in ids]
            )
            retag_facts(self.conn, carer_id, team)
        self.write_count += len(ids)
        return len(ids)

    def resend_group_records(self, group_id: str) -> int:
        """Give every record in a group a new sequence number (not a new version), so a
        facilitator who has just taken the group over pulls its sessions and registers."""
        ids = list(
            self.conn.execute(
                select(t.records.c.record_id)
                .where(t.records.c.group_id == group_id, t.records.c.record_id != group_id)
                .order_by(t.records.c.seq)
            ).scalars()
        )
        if ids:
            self.conn.execute(_RESEQ_RECORD, [{"rid": rid, "seq": self._next_seq()} for rid in ids])
        self.write_count += len(ids)
        return len(ids)

    # --- idempotency ledger ---------------------------------------------------------------

    def known_change_ids(self, change_ids: Sequence[str]) -> set[str]:
        """Which of these change ids are already in the ledger (one query per batch)."""
        if not change_ids:
            return set()
        query = select(t.applied_changes.c.change_id).where(
            t.applied_changes.c.change_id.in_(list(change_ids))
        )
        return set(self.conn.execute(query).scalars())

    def applied_results(self, change_ids: Sequence[str]) -> dict[str, tuple[str, JSONDict]]:
        """The stored results of those of these change ids already processed, as
        ``{change_id: (username, result)}``: one query per batch finds every resend."""
        found: dict[str, tuple[str, JSONDict]] = {}
        for chunk in _chunks(list(dict.fromkeys(change_ids))):
            query = select(t.applied_changes).where(t.applied_changes.c.change_id.in_(chunk))
            for row in self.conn.execute(query):
                result = self.keyring.open_json(row.result, row.key_gen, f"change|{row.change_id}")
                assert isinstance(result, dict)
                found[row.change_id] = (row.username, result)
        return found

    def save_applied_many(self, entries: Sequence[LedgerEntry]) -> None:
        """Record many changes' results in one statement; a change id already recorded
        raises :class:`DuplicateChange` (the caller's transaction is then rolled back)."""
        if not entries:
            return
        rows = self._sealed_rows(entries, "result", lambda e: f"change|{e.change_id}", "at")
        try:
            _INSERT_APPLIED.execute(self.conn, rows)
        except IntegrityError:
            raise DuplicateChange(", ".join(e.change_id for e in entries[:3])) from None

    def _sealed_rows(
        self, entries: Sequence[Any], column: str, ad_of: Callable[[Any], str], stamp: str
    ) -> list[dict[str, Any]]:
        """Rows for entries whose fields are their columns, with ``column`` sealed (under
        the associated data ``ad_of`` gives) and ``stamp`` the time now."""
        now = utcnow()
        rows = []
        names = [f.name for f in fields(entries[0])] if entries else []  # one kind of entry
        for entry in entries:
            row = {name: getattr(entry, name) for name in names}
            row[column], row["key_gen"] = self.keyring.seal_json(row[column], ad_of(entry))
            row[stamp] = now
            rows.append(row)
        self.write_count += len(rows)
        return rows

    def applied_result(self, change_id: str) -> tuple[str, JSONDict] | None:
        row = self.conn.execute(_APPLIED_RESULT, {"cid": change_id}).first()
        if row is None:
            return None
        result = self.keyring.open_json(row.result, row.key_gen, f"change|{change_id}")
        assert isinstance(result, dict)
        return row.username, result

    def save_applied(
        self, *, change_id: str, username: str, device_id: str, record_id: str, result: JSONDict
    ) -> None:
        """Record a change's result. A change id already recorded raises
        :class:`DuplicateChange`; the caller's savepoint rolls the change back."""
        self.save_applied_many([LedgerEntry(change_id, username, device_id, record_id, result)])

    # --- conflicts ------------------------------------------------------------------------

    def add_conflict(
        self,
        *,
        record_id: str,
        kind: str,
        server_version: int,
        change_id: str,
        raised_by: str,
        details: JSONDict,
    ) -> str:
        conflict_id = new_conflict_id()
        conflict = NewConflict(
            conflict_id, record_id, kind, server_version, change_id, raised_by, details
        )
        self.add_conflicts([conflict])
        return conflict_id

    def add_conflicts(self, conflicts: Sequence[NewConflict]) -> None:
        if conflicts:
            rows = self._sealed_rows(
                conflicts, "details", lambda c: f"conflict|{c.conflict_id}", "raised_at"
            )
            self.conn.execute(_INSERT_CONFLICT, rows)

    def _conflict(self, row: Any) -> StoredConflict:
        details = self.keyring.open_json(row.details, row.key_gen, f"conflict|{row.conflict_id}")
        assert isinstance(details, dict)
        return StoredConflict(
            row.conflict_id,
            row.record_id,
            row.kind,
            row.server_version,
            row.change_id,
            row.raised_by,
            _utc(row.raised_at),
            details,
            _utc_or_none(row.resolved_at),
            row.resolved_by,
        )

    def get_conflict(self, conflict_id: str) -> StoredConflict | None:
        row = self.conn.execute(
            select(t.conflicts).where(t.conflicts.c.conflict_id == conflict_id)
        ).first()
        return self._conflict(row) if row else None

    def open_conflicts(self, record_ids: Sequence[str] | None = None) -> list[StoredConflict]:
        query = select(t.conflicts).where(t.conflicts.c.resolved_at.is_(None))
        if record_ids is not None:
            if not record_ids:
                return []
            query = query.where(t.conflicts.c.record_id.in_(list(record_ids)))
        return [
            self._conflict(r) for r in self.conn.execute(query.order_by(t.conflicts.c.raised_at))
        ]

    def open_conflict_ids(self, record_ids: Sequence[str]) -> dict[str, str]:
        """``{record_id: conflict_id}`` of the open conflicts on these records (the one
        raised last, where a record has several), without opening their details: what a
        pull page needs. Conflicts are rare, so one cheap query first asks whether any is
        open at all, sparing a page of a thousand records its look-up."""
        c = t.conflicts.c
        if not record_ids or self.conn.execute(_ANY_OPEN_CONFLICT).first() is None:
            return {}
        found: list[tuple[Any, str, str]] = []
        for chunk in _chunks(list(record_ids)):
            found.extend(
                self.conn.execute(
                    select(c.raised_at, c.record_id, c.conflict_id).where(
                        c.resolved_at.is_(None), c.record_id.in_(chunk)
                    )
                ).all()
            )
        found.sort(key=lambda row: _utc(row[0]))
        return {record_id: conflict_id for _at, record_id, conflict_id in found}

    def resolve_conflict(self, conflict_id: str, resolved_by: str) -> None:
        self.conn.execute(
            update(t.conflicts)
            .where(t.conflicts.c.conflict_id == conflict_id)
            .values(resolved_at=utcnow(), resolved_by=resolved_by)
        )

    # --- pull -----------------------------------------------------------------------------

    def _scope_clause(self, scope: PullScope) -> Any:
        r = t.records.c
        if scope.everything:
            return None
        if scope.team is not None:
            return (r.team == scope.team) & r.kind.in_(sorted(scope.team_kinds))
        if scope.facilitator is not None:
            groups = select(t.records.c.record_id).where(
                r.kind.in_(sorted(scope.group_kinds)), r.owner == scope.facilitator
            )
            registers = t.records.alias("registers")
            register_carers = select(registers.c.carer_id).where(
                registers.c.kind.in_(sorted(scope.register_kinds)),
                registers.c.group_id.in_(groups),
            )
            return or_(
                r.kind.in_(sorted(scope.group_kinds)) & (r.owner == scope.facilitator),
                r.kind.in_(sorted(scope.in_group_kinds)) & r.group_id.in_(groups),
                r.kind.in_(sorted(scope.register_carer_kinds)) & r.record_id.in_(register_carers),
            )
        if scope.office_kinds:
            return r.kind.in_(sorted(scope.office_kinds))
        if scope.approver:
            anchors = t.records.alias("anchors")
            with_requests = select(anchors.c.carer_id).where(
                anchors.c.kind.in_(sorted(scope.approver_kinds))
            )
            return or_(
                r.kind.in_(sorted(scope.approver_kinds)),
                r.kind.in_(sorted(scope.summarised_kinds)) & r.carer_id.in_(with_requests),
            )
        return r.record_id.is_(None)  # nothing

    def changes_since(self, since: int, limit: int, scope: PullScope) -> list[StoredRecord]:
        rows = self.conn.execute(self._since(select(t.records), since, limit, scope))
        return [self._record(r) for r in rows]

    def page_since(self, since: int, limit: int, scope: PullScope) -> list[PageRow]:
        """As :meth:`changes_since`, reading only what a pull page needs."""
        c = t.records.c
        columns = select(c.record_id, c.kind, c.version, c.deleted, c.seq, c.carer_id)
        query = self._since(columns.add_columns(c.payload, c.key_gen), since, limit, scope)
        return [
            PageRow(
                r.record_id,
                r.kind,
                r.version,
                r.deleted,
                r.seq,
                r.carer_id,
                self._open_payload_json(r),
            )
            for r in self.conn.execute(query)
        ]

    def _since(self, query: Any, since: int, limit: int, scope: PullScope) -> Any:
        query = query.where(t.records.c.seq > since)
        clause = self._scope_clause(scope)
        if clause is not None:
            query = query.where(clause)
        return query.order_by(t.records.c.seq).limit(limit)

    def count_since(self, since: int, up_to: int, scope: PullScope) -> int:
        """How many records in ``scope`` changed after ``since`` up to ``up_to``."""
        query = select(func.count()).select_from(t.records)
        query = query.where(t.records.c.seq > since, t.records.c.seq <= up_to)
        clause = self._scope_clause(scope)
        if clause is not None:
            query = query.where(clause)
        return int(self.conn.execute(query).scalar_one())

    def max_seq(self) -> int:
        return int(
            self.conn.execute(
                select(t.counters.c.value).where(t.counters.c.name == "change_seq")
            ).scalar_one()
        )

    def generation(self) -> int:
        """Which life of the database this is: it changes each time the database is marked
        restored from a backup (:mod:`sync.server.restore`); 0 until the first time."""
        value = self.conn.execute(
            select(t.counters.c.value).where(t.counters.c.name == "generation")
        ).scalar()
        return int(value or 0)

    def held_versions(self, record_ids: Sequence[str], scope: PullScope) -> dict[str, int]:
        """For each of these records that ``scope`` may see (tombstones too), the latest
        version from before the last restore that the server's copy holds: its version
        when it was not written since; else the latest version before the restore it kept,
        or the latest lost version a laptop sent again (:meth:`note_recovered`), whichever
        is later. Records it does not hold, or the scope may not see, are left out. A few
        queries per 500 ids."""
        found: dict[str, int] = {}
        floor = self.version_floor_in_force()
        clause = self._scope_clause(scope)
        v, c = t.record_versions.c, t.recovered.c
        for chunk in _chunks(list(dict.fromkeys(record_ids))):
            query = select(t.records.c.record_id, t.records.c.version).where(
                t.records.c.record_id.in_(chunk)
            )
            if clause is not None:
                query = query.where(clause)
            rows = {rid: int(version) for rid, version in self.conn.execute(query)}
            # Written since the restore: what it holds from before is the version it kept
            # (none, for a record created since) or a lost one sent again, the later.
            since = [rid for rid, version in rows.items() if version > floor]
            covers = dict.fromkeys(since, 0)
            if since:
                kept = select(v.record_id, func.max(v.version)).where(
                    v.record_id.in_(since), v.version <= floor
                )
                resent = select(c.record_id, c.through).where(c.record_id.in_(since))
                for query in (kept.group_by(v.record_id), resent):
                    for rid, version in self.conn.execute(query):
                        covers[rid] = max(covers[rid], int(version))
            rows.update(covers)
            found.update(rows)
        return found

    def version_floor_in_force(self) -> int:
        value = self.conn.execute(
            select(t.counters.c.value).where(t.counters.c.name == "version_floor")
        ).scalar()
        return int(value or 0)

    def mark_restored(self, generation: int, version_floor: int) -> None:
        """Start a new generation whose versions are all above ``version_floor`` (inside a
        writing transaction, which holds the counters' lock)."""
        for name, value in (("generation", generation), ("version_floor", version_floor)):
            self.conn.execute(
                update(t.counters).where(t.counters.c.name == name).values(value=value)
            )
        self.version_floor = version_floor
        self.generation_at_end = generation
        self._generation_changed = True

    def moved(self) -> tuple[int, int] | None:
        """(generation, last sequence number) when this writing transaction handed out
        sequence numbers or started a generation; None when it did neither."""
        if not (self._seq_taken or self._generation_changed) or self._seq is None:
            return None
        return self.generation_at_end, self._seq

    def max_version(self) -> int:
        """The highest version of any record (0 for an empty database)."""
        return int(self.conn.execute(select(func.max(t.records.c.version))).scalar() or 0)

    def versions(self, record_id: str) -> list[VersionInfo]:
        rows = self.conn.execute(
            select(t.record_versions)
            .where(t.record_versions.c.record_id == record_id)
            .order_by(t.record_versions.c.version)
        )
        return [_version_info(r) for r in rows]

    def first_author(self, record_id: str) -> str | None:
        """Who created the record (the actor of its first stored version)."""
        query = (
            select(t.record_versions.c.actor)
            .where(t.record_versions.c.record_id == record_id)
            .order_by(t.record_versions.c.version)
            .limit(1)
        )
        return self.conn.execute(query).scalar()

    def recent_audit(
        self, action: str, since: datetime, *, actor: str, device_id: str | None
    ) -> list[AuditRow]:
        """Audit entries of ``action`` since ``since`` by ``actor`` or from ``device_id``
        (what the look-up limits count)."""
        who = t.audit.c.actor == actor
        if device_id is not None:
            who = or_(who, t.audit.c.device_id == device_id)
        rows = self.conn.execute(
            select(t.audit)
            .where(
                t.audit.c.seq >= self._first_audit_seq_since(since),
                t.audit.c.action == action,
                t.audit.c.at >= since,
                who,
            )
            .order_by(t.audit.c.seq)
        )
        return [_audit_row(r) for r in rows]

    def _first_audit_seq_since(self, since: datetime) -> int:
        """The first audit entry written at or after ``since``, found by bisecting the
        primary key (entries are numbered in the order they are written, so their times
        rise with it): a look-up then reads only the window's entries, however long the
        audit log has grown, with no index beyond the key."""
        seq, at = t.audit.c.seq, t.audit.c.at
        lo = self.conn.execute(select(func.min(seq))).scalar()
        hi = self.conn.execute(select(func.max(seq))).scalar()
        if lo is None or hi is None:
            return 0
        hi += 1  # the answer is in [lo, hi]; hi means "none yet"
        while lo < hi:
            mid = (lo + hi) // 2
            row = self.conn.execute(
                select(seq, at).where(seq >= mid).order_by(seq).limit(1)
            ).first()
            if row is None or _utc(row.at) >= since:
                hi = mid
            else:
                lo = row.seq + 1
        return lo

    def audit(
        self,
        *,
        actor: str,
        action: str,
        device_id: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.audit_many([AuditEntry(actor, action, device_id, kind, record_id, details)])

    def audit_many(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        now = utcnow()
        self.conn.execute(
            _INSERT_AUDIT,
            [
                {
                    "at": now,
                    "actor": e.actor,
                    "device_id": e.device_id,
                    "action": e.action,
                    "kind": e.kind,
                    "record_id": e.record_id,
                    "details": _dumps(dict(e.details or {})),
                }
                for e in entries
            ],
        )


def _version_info(r: Any) -> VersionInfo:
    return VersionInfo(
        r.record_id,
        r.kind,
        r.version,
        r.deleted,
        tuple(_loads(r.changed_fields)),
        r.actor,
        r.device_id,
        r.change_id,
        _utc(r.at),
    )


def _audit_row(r: Any) -> AuditRow:
    return AuditRow(
        r.seq, _utc(r.at), r.actor, r.device_id, r.action, r.kind, r.record_id, _loads(r.details)
    )


def _user(r: Any) -> UserRow:
    return UserRow(
        r.username,
        r.role,
        r.team,
        r.password_hash,
        _utc(r.created_at),
        r.disabled,
    )


def _device(r: Any) -> DeviceRow:
    return DeviceRow(
        r.device_id,
        r.username,
        r.name,
        _utc(r.enrolled_at),
        _utc_or_none(r.last_seen_at),
        _utc_or_none(r.revoked_at),
        r.revoked_by,
    )


class SqlStore:
    """:class:`ServerStore` on SQLAlchemy Core; migrates the database when opened."""

    def __init__(self, database_url: str, keyring: Keyring, *, pool: DatabasePool | None = None):
        self.keyring = keyring
        self.url = database_url
        #: Called with (generation, last sequence number) after each writing transaction
        #: that handed out sequence numbers or started a generation, once committed.
        self.commit_listeners: list[Callable[[int, int], None]] = []
        self.engine = make_engine(database_url, pool)
        self.dialect = self.engine.dialect.name
        try:
            upgrade(self.engine)
        except (OperationalError, DBAPIError) as exc:
            self.engine.dispose()
            raise DatabaseUnavailable(
                f"Cannot open the server database ({type(exc.orig).__name__}: "
                f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}). "
                "Check --database and that the database server is running."
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def check_key(self) -> None:
        """Refuse a key file this database was not written with.

        Several server hosts share one database, each with a copy of the key file; a host
        with an old copy (from before a rotation) or a key of its own (started before the
        file was copied to it) would seal rows the others cannot read. The database keeps
        a check value for each key generation (a keyed hash, which says nothing about the
        key), written by the first server to use it; every later server must match it."""
        name = f"key_check_{self.keyring.current}"
        mark = self.keyring.check_value()
        with self.transaction(write=True) as tx:
            newest = tx.conn.execute(
                select(t.record_versions.c.key_gen)
                .where(t.record_versions.c.key_gen.is_not(None))
                .order_by(t.record_versions.c.id.desc())
                .limit(1)
            ).scalar()
            if newest is not None and newest not in self.keyring.keys:
                raise KeyFileError(
                    f"The server key file {self.keyring.path} is older than the database "
                    f"(it has no key generation {newest}). Copy server.key from the host "
                    "where rotate-key last ran."
                )
            query = select(t.counters.c.value).where(t.counters.c.name == name)
            known = tx.conn.execute(query).scalar()
            replaceable = known is None or (
                # A new key while nothing is sealed yet, and no server uses the old one.
                not self._sealed_rows_exist(tx.conn) and not self._served_elsewhere()
            )
            if known != mark and replaceable:
                tx.conn.execute(delete(t.counters).where(t.counters.c.name == name))
                tx.conn.execute(insert(t.counters).values(name=name, value=mark))
            elif known != mark:
                raise KeyFileError(
                    f"The server key file {self.keyring.path} is not the one this database "
                    "was written with. Copy server.key from the first server host (every "
                    "host needs the same file) and start this one again."
                )

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[SqlTransaction]:
        moved = None
        with self.engine.connect() as conn:
            conn = conn.execution_options(carer_desk_write=write)
            with conn.begin():
                if not write:
                    yield SqlTransaction(conn, self.keyring)
                    return
                # Writers queue here: SQLite's BEGIN IMMEDIATE (see make_engine) or the
                # counter row's lock on PostgreSQL, taken before anything is read, so what
                # a writer reads is what it writes over, and sequence numbers become
                # visible in the order they were handed out (see schema.counters).
                query = (
                    _READ_COUNTERS if self.dialect == "sqlite" else _READ_COUNTERS.with_for_update()
                )
                counters = {name: int(value) for name, value in conn.execute(query)}
                tx = SqlTransaction(
                    conn,
                    self.keyring,
                    last_seq=counters["change_seq"],
                    version_floor=counters.get("version_floor", 0),
                    generation=counters.get("generation", 0),
                )
                yield tx
                tx.finish()
            moved = tx.moved()
        # Committed: tell who keeps track (sync.server.restore.MarkerKeeper).
        if moved is not None:
            for listener in self.commit_listeners:
                listener(*moved)

    # --- users and devices ----------------------------------------------------------------

    def create_user(
        self,
        username: str,
        role: str,
        team: str | None,
        password_hash: str,
        by: str = "admin-cli",
    ) -> UserRow:
        with self.transaction(write=True) as tx:
            exists = tx.conn.execute(
                select(t.users.c.username).where(t.users.c.username == username)
            ).first()
            if exists:
                raise AdminError(f"A user called {username!r} already exists.")
            tx.conn.execute(
                insert(t.users).values(
                    username=username,
                    role=role,
                    team=team,
                    password_hash=password_hash,
                    created_at=utcnow(),
                    disabled=False,
                )
            )
            tx.audit(
                actor=by,
                action="create-user",
                details={"username": username, "role": role, "team": team},
            )
        user = self.get_user(username)
        assert user is not None
        return user

    def get_user(self, username: str) -> UserRow | None:
        with self.transaction() as tx:
            row = tx.conn.execute(select(t.users).where(t.users.c.username == username)).first()
        return _user(row) if row else None

    def list_users(self) -> list[UserRow]:
        with self.transaction() as tx:
            return [_user(r) for r in tx.conn.execute(select(t.users).order_by(t.users.c.username))]

    def add_device(self, username: str, name: str, credential_hash: str) -> DeviceRow:
        device_id = uuid.uuid4().hex
        with self.transaction(write=True) as tx:
            tx.conn.execute(
                insert(t.devices).values(
                    device_id=device_id,
                    username=username,
                    name=name,
                    credential_hash=credential_hash,
                    enrolled_at=utcnow(),
                )
            )
            tx.audit(
                actor=username, action="enrol", device_id=device_id, details={"device_name": name}
            )
        device = self.get_device(device_id)
        assert device is not None
        return device

    def device_by_credential(self, credential_hash: str) -> DeviceRow | None:
        with self.transaction() as tx:
            row = tx.conn.execute(
                select(t.devices).where(t.devices.c.credential_hash == credential_hash)
            ).first()
        return _device(row) if row else None

    def get_device(self, device_id: str) -> DeviceRow | None:
        with self.transaction() as tx:
            row = tx.conn.execute(
                select(t.devices).where(t.devices.c.device_id == device_id)
            ).first()
        return _device(row) if row else None

    def list_devices(self) -> list[DeviceRow]:
        with self.transaction() as tx:
            rows = tx.conn.execute(
                select(t.devices).order_by(t.devices.c.username, t.devices.c.enrolled_at)
            )
            return [_device(r) for r in rows]

    def revoke_device(self, device_id: str, by: str) -> DeviceRow:
        with self.transaction(write=True) as tx:
            row = tx.conn.execute(
                select(t.devices).where(t.devices.c.device_id == device_id)
            ).first()
            if row is None:
                raise AdminError(
                    f"No device with id {device_id!r}. Run list-devices to see the ids."
                )
            if row.revoked_at is None:
                tx.conn.execute(
                    update(t.devices)
                    .where(t.devices.c.device_id == device_id)
                    .values(revoked_at=utcnow(), revoked_by=by)
                )
                tx.audit(
                    actor=by,
                    action="revoke-device",
                    device_id=device_id,
                    details={"username": row.username, "device_name": row.name},
                )
        device = self.get_device(device_id)
        assert device is not None
        return device

    # --- accounts (sync.server.accounts) ---------------------------------------------------

    def set_user_disabled(self, username: str, disabled: bool, by: str) -> list[DeviceRow]:
        """Disable (or enable) an account; disabling also revokes every device it still
        has, in the same transaction, so no laptop of a leaver syncs again. Returns the
        devices revoked now."""
        with self.transaction(write=True) as tx:
            user = tx.conn.execute(select(t.users).where(t.users.c.username == username)).first()
            if user is None:
                raise AdminError(f"No user called {username!r}. Run list-users to see them.")
            tx.conn.execute(
                update(t.users).where(t.users.c.username == username).values(disabled=disabled)
            )
            active = []
            if disabled:
                active = [
                    _device(r)
                    for r in tx.conn.execute(
                        select(t.devices).where(
                            t.devices.c.username == username, t.devices.c.revoked_at.is_(None)
                        )
                    )
                ]
                if active:
                    tx.conn.execute(
                        update(t.devices)
                        .where(t.devices.c.username == username, t.devices.c.revoked_at.is_(None))
                        .values(revoked_at=utcnow(), revoked_by=by)
                    )
            tx.audit(
                actor=by,
                action="disable-user" if disabled else "enable-user",
                details={"username": username, "devices_revoked": [d.device_id for d in active]},
            )
        return active

    def set_password(self, username: str, password_hash: str, by: str) -> None:
        with self.transaction(write=True) as tx:
            done = tx.conn.execute(
                update(t.users)
                .where(t.users.c.username == username)
                .values(password_hash=password_hash)
            ).rowcount
            if not done:
                raise AdminError(f"No user called {username!r}. Run list-users to see them.")
            tx.audit(actor=by, action="reset-password", details={"username": username})
            # A reset ends a current lockout: attempts before it no longer count (see
            # reserve_enrolment_attempt), and the audit log says who cleared it.
            tx.audit(actor=username, action=LOCKOUT_CLEARED, details={"by": by})

    def reserve_enrolment_attempt(self, username: str, since: datetime, limit: int) -> bool:
        """Count and record one enrolment attempt for ``username`` atomically: False
        (nothing recorded) when ``limit`` attempts since ``since`` have not succeeded.

        Runs as a writer (SQLite's write lock, PostgreSQL's counter row lock), so two
        attempts cannot both see the count below the limit: of forty at once, only
        ``limit`` ever reach the password check. An attempt counts until it succeeds (an
        ``enrol`` entry), so one cut off half way counts as a failure."""
        with self.transaction(write=True) as tx:
            mine = (t.audit.c.actor == username, t.audit.c.at >= since)
            # An administrator's password reset clears a lockout: only what came after the
            # last reset in the window counts.
            cleared = tx.conn.execute(
                select(func.max(t.audit.c.seq)).where(t.audit.c.action == LOCKOUT_CLEARED, *mine)
            ).scalar_one()

            def count(action: str) -> int:
                query = select(func.count()).where(t.audit.c.action == action, *mine)
                if cleared is not None:
                    query = query.where(t.audit.c.seq > cleared)
                return int(tx.conn.execute(query).scalar_one())

            if count("enrol-attempt") - count("enrol") >= limit:
                return False
            tx.audit(actor=username, action="enrol-attempt")
        return True

    def touch_device(self, device_id: str) -> None:
        with self.transaction() as tx:
            tx.conn.execute(
                update(t.devices)
                .where(t.devices.c.device_id == device_id)
                .values(last_seen_at=utcnow())
            )

    # --- audit ----------------------------------------------------------------------------

    def audit(
        self,
        *,
        actor: str,
        action: str,
        device_id: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        with self.transaction() as tx:
            tx.audit(
                actor=actor,
                action=action,
                device_id=device_id,
                kind=kind,
                record_id=record_id,
                details=details,
            )

    def count_audit(self, action: str, actor: str, since: datetime) -> int:
        with self.transaction() as tx:
            query = select(func.count()).where(
                t.audit.c.action == action, t.audit.c.actor == actor, t.audit.c.at >= since
            )
            return int(tx.conn.execute(query).scalar_one())

    def iter_audit(self) -> Iterator[AuditRow]:
        with self.transaction() as tx:
            for r in tx.conn.execute(select(t.audit).order_by(t.audit.c.seq)):
                yield _audit_row(r)

    def iter_versions(self) -> Iterator[VersionInfo]:
        with self.transaction() as tx:
            rows = tx.conn.execute(select(t.record_versions).order_by(t.record_versions.c.id))
            for r in rows:
                yield _version_info(r)

    def holds_sealed_data(self) -> bool:
        """Whether anything here was encrypted with a server key (records, stored
        results, conflicts). Users and devices are hashes and need no key."""
        with self.transaction() as tx:
            return self._sealed_rows_exist(tx.conn)

    def _served_elsewhere(self) -> bool:
        """Whether a server process holds this database's serving lock (PostgreSQL; on
        SQLite every process on the host shares the one key file)."""
        from sync.server.run_lock import DatabaseLock, ServerRunning

        try:
            DatabaseLock(self.url, exclusive=True).close()
        except ServerRunning:
            return True
        return False

    @staticmethod
    def _sealed_rows_exist(conn: Connection) -> bool:
        tables = (t.record_versions, t.applied_changes, t.conflicts, t.subject_access_reviews)
        return any(conn.execute(select(table).limit(1)).first() is not None for table in tables)

    def count(self, table: str) -> int:
        with self.transaction() as tx:
            return int(
                tx.conn.execute(
                    select(func.count()).select_from(t.metadata.tables[table])
                ).scalar_one()
            )

    # --- key rotation ---------------------------------------------------------------------

    def rotate_key(self) -> int:
        """Add a key generation, re-seal every ciphertext with it, then drop the old ones.

        The new key is saved to the key file BEFORE any row is re-sealed, and the old keys
        are dropped only after the re-sealing transaction commits, so a crash at any point
        leaves every row readable. Returns the number of ciphertexts re-sealed.
        """
        rotated = self.keyring.with_new_generation()
        rotated.save()
        count = 0
        with self.engine.connect() as conn:
            conn = conn.execution_options(carer_desk_write=True)
            with conn.begin():
                count += _reseal(
                    conn,
                    t.record_versions,
                    rotated,
                    lambda r: _record_ad(r.kind, r.record_id, r.version),
                    t.record_versions.c.id,
                )
                count += _reseal(
                    conn,
                    t.records,
                    rotated,
                    lambda r: _record_ad(r.kind, r.record_id, r.version),
                    t.records.c.record_id,
                )
                count += _reseal(
                    conn,
                    t.applied_changes,
                    rotated,
                    lambda r: f"change|{r.change_id}",
                    t.applied_changes.c.change_id,
                    column="result",
                )
                count += _reseal(
                    conn,
                    t.conflicts,
                    rotated,
                    lambda r: f"conflict|{r.conflict_id}",
                    t.conflicts.c.conflict_id,
                    column="details",
                )
                count += _reseal(
                    conn,
                    t.subject_access_reviews,
                    rotated,
                    lambda r: f"subject-access|{r.review_id}",
                    t.subject_access_reviews.c.review_id,
                )
                SqlTransaction(conn, rotated).audit(
                    actor="admin-cli",
                    action="rotate-key",
                    details={"generation": rotated.current, "resealed": count},
                )
                # Servers on other hosts must start with this key file (see check_key).
                check = f"key_check_{rotated.current}"
                conn.execute(delete(t.counters).where(t.counters.c.name == check))
                conn.execute(insert(t.counters).values(name=check, value=rotated.check_value()))
        final = rotated.without_old_generations()
        final.save()
        self.keyring = final
        log.info(
            "server key rotated to generation %d; %d ciphertexts re-sealed", final.current, count
        )
        return count


def _reseal(
    conn: Connection, table: Any, keyring: Keyring, ad_of: Any, pk: Any, column: str = "payload"
) -> int:
    count = 0
    rows = conn.execute(
        select(table).where(table.c[column].is_not(None), table.c.key_gen != keyring.current)
    ).all()
    for row in rows:
        ad = ad_of(row).encode("utf-8")
        plain = keyring.open(getattr(row, column), row.key_gen, ad)
        sealed, gen = keyring.seal(plain, ad)
        conn.execute(
            update(table)
            .where(pk == getattr(row, pk.name))
            .values({column: sealed, "key_gen": gen})
        )
        count += 1
    return count
