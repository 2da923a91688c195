"""The encrypted local vault: ``Vault`` implements ``carer_desk.ports.RecordStore``.

One SQLite file per user per laptop. Each record payload, outbox payload, rejection reason,
conflict description and audit entry is sealed with AES-256-GCM under a random data key
(DK); the DK is wrapped by an Argon2id key derived from the passphrase and, optionally, by
RSA-OAEP to the organisation's recovery key. Clear columns hold only sync bookkeeping.
See docs/security.md for the scheme and docs/threat-model.md for what it does not stop.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_utils import Database

from carer_desk.errors import (
    NotFoundError,
    RecordIntegrityError,
    UnlockThrottled,
    ValidationError,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from carer_desk.ports import (
    AuditEntry,
    IntegrityReport,
    JSONDict,
    OutboxChange,
    Priority,
    RecordMeta,
    RecordWrite,
    SyncState,
)
from storage import recovery, schema, throttle
from storage.kdf import KEY_BYTES, KdfParams, derive_key
from storage.keyring import Keyring, zero
from storage.sealing import (
    SealBroken,
    audit_ad,
    conflict_ad,
    encode_json,
    outbox_ad,
    reason_ad,
    record_ad,
    seal,
    seal_json,
    secret_ad,
    unseal,
    unseal_json,
    wrap_ad,
)

logger = logging.getLogger(__name__)

MIN_PASSPHRASE_LENGTH = 8
GENESIS_CHAIN = bytes(32)
_SQL_CHUNK = 500  # ids per IN (...) query, well below SQLite's variable limit

P = ParamSpec("P")
R = TypeVar("R")

Clock = Callable[[], float]


class PulledRecordLike(Protocol):
    """What apply_remote_page reads from each pulled record (the sync protocol's
    PulledRecord fits; storage does not import sync)."""

    kind: str
    record_id: str
    payload: Mapping[str, Any] | None
    server_version: int
    deleted: bool


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Serialise access (the UI runs vault work off the GUI thread) and turn SQLite's
    low-level errors into a VaultError a person can act on, never a traceback."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        self = args[0]
        with self._lock:  # type: ignore[attr-defined]
            try:
                return method(*args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise _damaged(self._path, exc) from exc  # type: ignore[attr-defined]

    return wrapper


def _damaged(path: Path, exc: BaseException) -> VaultError:
    if isinstance(exc, OSError) or "unable to open" in str(exc) or "readonly" in str(exc):
        return VaultError(
            f"Carer Desk cannot read and write the vault at {path} ({exc}). Check that the "
            "folder exists, that you may write to it, and that the disk is not full."
        )
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return VaultError(
            f"The vault {path} is busy: another Carer Desk window or command is writing to "
            "it. Wait a moment and try again."
        )
    return VaultError(
        f"The vault file {path} is damaged ({exc}). Restore it from your latest backup "
        f"(the {path.name}.bak-* files beside it, or your IT backup) or ask your "
        "administrator; synced records can be downloaded again from the server."
    )


def _check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(
            [
                (
                    "passphrase",
                    f"must be at least {MIN_PASSPHRASE_LENGTH} characters; "
                    "a short sentence you can remember is best",
                )
            ]
        )


def _check_ids(kind: str, record_id: str) -> None:
    problems = []
    if not isinstance(kind, str) or not kind:
        problems.append(("kind", "must be a non-empty text"))
    if not isinstance(record_id, str) or not record_id:
        problems.append(("id", "must be a non-empty text"))
    if problems:
        raise ValidationError(problems)


def _chunks(items: list[Any], size: int = _SQL_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _new_change_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs, built in one pass: uuid.uuid4() per row was a
    visible share of a 10,000-record import."""
    raw = bytearray(os.urandom(16 * count))
    ids = []
    for i in range(0, len(raw), 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw[i : i + 16].hex()
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def _reseal(
    keys: Keyring, blob: bytes | None, old: int, new: int, ad: Callable[[int], bytes]
) -> bytes | None:
    """``blob`` opened under generation ``old`` and sealed again under ``new``; ``ad``
    gives the associated data for a generation. Raises SealBroken / KeyError if the blob
    does not open (the caller reports the record as damaged)."""
    if blob is None:
        return None
    return seal(keys.aead[new], unseal(keys.aead[old], blob, ad(old)), ad(new))


def _chain(previous: bytes, seq: int, sealed: bytes) -> bytes:
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + sealed).digest()


def _connect(path: Path) -> Database:
    """A connection with no pragmas yet: a file is checked to be a vault before anything
    (such as switching it to WAL) is written to it."""
    # isolation_level=None: no implicit transactions; every multi-row change is an explicit
    # db.atomic() block, so what is committed together is visible in the code.
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    return Database(conn, execute_plugins=False)


def _configure(db: Database) -> None:
    conn = db.conn
    # WAL lets readers continue during a write and makes a commit one append.
    # synchronous=FULL (not NORMAL): an outreach worker's battery can die mid-visit, and
    # with NORMAL the last commits before a power cut may be lost; FULL costs one fsync per
    # commit, and bulk writes are one commit.
    # temp_store=MEMORY: sorts and temp indexes never spill plaintext-derived pages to
    # files in TMPDIR. secure_delete: freed pages (old ciphertext, retired keys) are
    # zeroed rather than left in the file.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA busy_timeout=5000")


class Vault:
    """The encrypted record store. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, path: Path, db: Database, *, actor: str, clock: Clock) -> None:
        self._path = path
        self._db = db
        self.actor = actor
        self._clock = clock
        self._lock = threading.RLock()
        self._keys: Keyring | None = None
        self._damaged: dict[str, str] = {}
        self._vault_id = self._header("vault_id") or ""
        if not self._vault_id or not (self._header("format") or "").startswith("carer-desk-vault/"):
            raise _damaged(path, ValueError("no Carer Desk vault header"))

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        actor: str,
        recovery_public_key_pem: bytes | None = None,
        kdf: KdfParams | None = None,
        clock: Clock = time.time,
        _stop_before: str | list[str] | None = None,
    ) -> Vault:
        """Create a new vault and return it unlocked.

        ``_stop_before`` is for the schema-upgrade tests only: it builds the vault at an
        older schema.
        """
        path = Path(path)
        _check_passphrase(passphrase)
        if not actor:
            raise ValidationError([("actor", "the user name is required for the audit log")])
        kdf = kdf or KdfParams.default()
        kdf.validate()
        kdf = kdf.with_fresh_salt()
        if recovery_public_key_pem is not None:
            recovery.load_public_key(recovery_public_key_pem)
        if path.exists() and path.stat().st_size > 0:
            raise VaultExists(
                f"A vault already exists at {path}. Open it with your passphrase, or choose "
                "another location."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only before the first byte is written; SQLite gives the -wal and -shm
            # files the same permissions as the database file.
            path.touch(mode=0o600, exist_ok=True)
            os.chmod(path, 0o600)
        except OSError as exc:
            raise _damaged(path, exc) from exc
        db = _connect(path)
        try:
            _configure(db)
            schema.migrate(db, None, stop_before=_stop_before)
            vault_id = str(uuid.uuid4())
            data_key = bytearray(os.urandom(KEY_BYTES))
            kek = derive_key(passphrase, kdf)
            with db.atomic():
                header = {
                    "format": "carer-desk-vault/1",
                    "vault_id": vault_id,
                    "kdf": json.dumps(kdf.to_json()),
                    "failed_unlocks": "0",
                    "last_failed_unlock_at": "",
                    "sync_cursor": "",
                    "recovery_public_key": (recovery_public_key_pem or b"").decode("ascii"),
                }
                db.conn.executemany(
                    "INSERT INTO header (name, value) VALUES (?, ?)", list(header.items())
                )
                cls._insert_data_key(
                    db, vault_id, 1, "active", data_key, kek, recovery_public_key_pem
                )
            vault = cls(path, db, actor=actor, clock=clock)
            vault._keys = Keyring(kek=kek)
            vault._keys.add(1, data_key)
            vault.audit(
                "vault-create", details={"recovery_key": recovery_public_key_pem is not None}
            )
            logger.info("created vault %s", path)
            return vault
        except BaseException:
            db.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path: Path, *, actor: str, clock: Clock = time.time) -> Vault:
        """Open an existing vault, locked. Applies pending schema migrations (after a
        backup copy)."""
        path = Path(path)
        if not path.exists():
            raise VaultNotFound(
                f"There is no vault at {path}. Run `carer-desk vault init` to create one."
            )
        try:
            db = _connect(path)
        except sqlite3.DatabaseError as exc:
            raise _damaged(path, exc) from exc
        try:
            tables = set(db.table_names())
            if "header" not in tables:
                raise VaultError(
                    f"{path} is not a Carer Desk vault, or the vault file is damaged. Check "
                    "the path; if it is your vault, restore it from your latest backup."
                )
            _configure(db)
            schema.migrate(db, path)
            return cls(path, db, actor=actor, clock=clock)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _damaged(path, exc) from exc
        except BaseException:
            db.close()
            raise

    @classmethod
    def recover(
        cls,
        path: Path,
        private_key_pem: bytes,
        key_password: bytes | None,
        new_passphrase: str,
        actor: str,
        *,
        clock: Clock = time.time,
    ) -> Vault:
        """Unlock a vault whose passphrase is lost with the organisation's recovery private
        key, set ``new_passphrase``, and return it unlocked."""
        _check_passphrase(new_passphrase)
        private = recovery.load_private_key(private_key_pem, key_password)
        vault = cls.open(path, actor=actor, clock=clock)
        try:
            with vault._lock:
                rows = vault._db.conn.execute(
                    "SELECT generation, recovery_wrapped FROM data_keys"
                ).fetchall()
                if not rows or any(r[1] is None for r in rows):
                    raise VaultError(
                        "This vault was created without the organisation's recovery key, so "
                        "it cannot be recovered. Synced records can be downloaded again on a "
                        "new vault."
                    )
                keys = {gen: recovery.unwrap_with_private(private, blob) for gen, blob in rows}
                kdf = vault._kdf().with_fresh_salt()
                kek = derive_key(new_passphrase, kdf)
                vault._rewrap(keys, kek, kdf, reset_throttle=True)
                vault._keys = Keyring(kek=kek)
                for gen, key in keys.items():
                    vault._keys.add(gen, key)
            vault.audit("recover")
            logger.info("vault %s recovered with the organisation key", path)
            return vault
        except BaseException:
            vault.close()
            raise

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase. Raises ``UnlockThrottled`` (without trying) while a
        wait is due, ``WrongPassphrase`` for a wrong one."""
        with self._lock:
            keys, kek = self._open_keys(passphrase)
            if self._keys is not None:
                self._keys.wipe()
            self._keys = Keyring(kek=kek)
            for gen, key in keys.items():
                self._keys.add(gen, key)
        self.audit("unlock")

    def lock(self) -> None:
        """Drop every key held in memory. (No decrypted payloads are cached.)"""
        with self._lock:
            if self._keys is not None:
                self._keys.wipe()
            self._keys = None
            self._damaged.clear()

    @property
    def is_unlocked(self) -> bool:
        return self._keys is not None

    @property
    def path(self) -> Path:
        return self._path

    @_guarded
    def has_recovery_key(self) -> bool:
        """Whether the data key is also wrapped to the organisation's recovery key."""
        return self._recovery_pem() is not None

    def close(self) -> None:
        with self._lock:
            self.lock()
            self._db.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ records

    @_guarded
    def put(
        self,
        kind: str,
        record_id: str,
        payload: JSONDict,
        *,
        priority: int = Priority.NORMAL,
        action: str = "edit",
    ) -> int:
        _check_ids(kind, record_id)
        keys = self._require_keys()
        gen = self._write_gen()
        conn = self._db.conn
        with self._db.atomic():
            row = conn.execute(
                "SELECT kind, version, server_version, deleted, key_gen, sealed "
                "FROM records WHERE id = ?",
                (record_id,),
            ).fetchone()
            if row is not None and row[0] != kind:
                raise ValidationError(
                    [("id", f"{record_id} already holds a {row[0]} record, not a {kind}")]
                )
            changed = sorted(payload)
            if row is not None and not row[3]:
                try:
                    old = unseal_json(
                        keys.aead[row[4]], row[5], record_ad(record_id, kind, row[1], row[4])
                    )
                    changed = sorted(
                        k for k in set(old) | set(payload) if old.get(k) != payload.get(k)
                    )
                except (SealBroken, KeyError):
                    pass  # a damaged old version: every field counts as changed
            version = (row[1] + 1) if row is not None else 1
            server_version = row[2] if row is not None else None
            state = SyncState.NEW if server_version is None else SyncState.CHANGED
            plaintext = encode_json(payload)
            self._queue_upserts([(record_id, kind, server_version, priority, row is not None)])
            conn.execute(
                "INSERT INTO records (id, kind, version, server_version, sync_state, deleted, "
                "key_gen, sealed, conflict_sealed) VALUES (?, ?, ?, ?, ?, 0, ?, ?, NULL) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
                "sync_state = excluded.sync_state, deleted = 0, key_gen = excluded.key_gen, "
                "sealed = excluded.sealed, conflict_sealed = NULL",
                (
                    record_id,
                    kind,
                    version,
                    server_version,
                    state.value,
                    gen,
                    seal(keys.aead[gen], plaintext, record_ad(record_id, kind, version, gen)),
                ),
            )
            self._append_audit(action, record_id, kind, {"fields": changed, "version": version})
        return version

    @_guarded
    def put_many(
        self,
        writes: Iterable[RecordWrite],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        batch = list(writes)
        seen: set[str] = set()
        for w in batch:
            _check_ids(w.kind, w.id)
            if w.id in seen:
                raise ValidationError([("id", f"{w.id} appears twice in one batch; write it once")])
            seen.add(w.id)
        if not batch:
            return 0
        keys = self._require_keys()
        gen = self._write_gen()
        aead = keys.aead[gen]
        conn = self._db.conn
        with self._db.atomic():
            existing: dict[str, tuple[str, int, int | None]] = {}
            for chunk in _chunks([w.id for w in batch]):
                marks = ",".join("?" * len(chunk))
                for rid, kind, version, server_version in conn.execute(
                    f"SELECT id, kind, version, server_version FROM records WHERE id IN ({marks})",
                    chunk,
                ):
                    existing[rid] = (kind, version, server_version)
            rows = []
            queued = []
            for w in batch:
                old = existing.get(w.id)
                if old is not None and old[0] != w.kind:
                    raise ValidationError(
                        [("id", f"{w.id} already holds a {old[0]} record, not a {w.kind}")]
                    )
                version = old[1] + 1 if old else 1
                server_version = old[2] if old else None
                state = SyncState.NEW.value if server_version is None else "changed"
                plaintext = encode_json(w.payload)
                rows.append(
                    (
                        w.id,
                        w.kind,
                        version,
                        server_version,
                        state,
                        gen,
                        seal(aead, plaintext, record_ad(w.id, w.kind, version, gen)),
                    )
                )
                queued.append((w.id, w.kind, server_version, w.priority, old is not None))
            self._queue_upserts(queued)
            conn.executemany(
                "INSERT INTO records (id, kind, version, server_version, sync_state, deleted, "
                "key_gen, sealed, conflict_sealed) VALUES (?, ?, ?, ?, ?, 0, ?, ?, NULL) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
                "sync_state = excluded.sync_state, deleted = 0, key_gen = excluded.key_gen, "
                "sealed = excluded.sealed, conflict_sealed = NULL",
                rows,
            )
            details: dict[str, Any] = {
                "count": len(batch),
                "kinds": dict(Counter(w.kind for w in batch)),
            }
            if audit_details:
                details.update(audit_details)
            self._append_audit(action, None, None, details)
        logger.info("wrote %d records in one batch", len(batch))
        return len(batch)

    def _queue_upserts(self, items: list[tuple[str, str, int | None, int, bool]]) -> None:
        """Outbox entries for upserts, inside the caller's transaction, BEFORE the record
        rows are overwritten. ``items`` are ``(record_id, kind, base_version, priority,
        record_exists)``.

        An upsert change does not copy the payload: its payload is the record's current
        sealed payload (``outbox.sealed`` is NULL). That halves what a bulk import writes,
        and is exact because (a) an unsent upsert for the same record is reused — the server
        only needs the latest state, and sending each intermediate edit with the same base
        version would make it see our own edits as conflicting — and (b) a change already
        being sent is given its own sealed snapshot here, before the record moves on.
        A newer edit also supersedes an unsent delete and a rejected change of the record
        (the person is fixing what the server refused).
        """
        conn = self._db.conn
        keys = self._require_keys()
        pending: dict[str, str] = {}
        existing_ids = [rid for rid, _k, _b, _p, exists in items if exists]
        for chunk in _chunks(existing_ids):
            marks = ",".join("?" * len(chunk))
            self._snapshot_in_flight(keys, chunk)
            conn.execute(
                f"DELETE FROM outbox WHERE record_id IN ({marks}) AND "
                f"((state = 'pending' AND op = 'delete') OR state = 'rejected')",
                chunk,
            )
            for change_id, rid in conn.execute(
                f"SELECT change_id, record_id FROM outbox WHERE record_id IN ({marks}) "
                f"AND state = 'pending' AND op = 'upsert'",
                chunk,
            ):
                pending[rid] = change_id
        # Changes of one record must reach the server in the order they were made, whatever
        # their priority: an urgent edit lifts its record's earlier changes to its priority
        # (they then drain by seq), rather than overtaking them.
        lifts = [(priority, rid, priority) for rid, _k, _b, priority, exists in items if exists]
        if lifts:
            conn.executemany(
                "UPDATE outbox SET priority = ? WHERE record_id = ? AND priority > ?", lifts
            )
        gen = self._write_gen()
        inserts = []
        updates = []
        fresh = iter(_new_change_ids(len(items) - len(pending)))
        for rid, kind, base, priority, _exists in items:
            change_id = pending.get(rid)
            if change_id is not None:
                updates.append((base, priority, change_id))
            else:
                inserts.append((next(fresh), rid, kind, base, priority, gen))
        if updates:
            conn.executemany(
                "UPDATE outbox SET base_version = ?, priority = MIN(priority, ?) "
                "WHERE change_id = ?",
                updates,
            )
        if inserts:
            conn.executemany(
                "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, "
                "state, key_gen, sealed) VALUES (?, ?, ?, 'upsert', ?, ?, 'pending', ?, NULL)",
                inserts,
            )

    def _snapshot_in_flight(self, keys: Keyring, record_ids: list[str]) -> None:
        """Give changes being sent their own copy of the payload they were made with."""
        conn = self._db.conn
        marks = ",".join("?" * len(record_ids))
        gen = self._write_gen()
        updates = []
        for change_id, rid, kind, version, old, sealed in conn.execute(
            f"SELECT o.change_id, o.record_id, o.kind, r.version, r.key_gen, r.sealed "
            f"FROM outbox o JOIN records r ON r.id = o.record_id WHERE o.record_id IN ({marks}) "
            f"AND o.state = 'sending' AND o.op = 'upsert' AND o.sealed IS NULL",
            record_ids,
        ).fetchall():
            try:
                plain = unseal(keys.aead[old], sealed, record_ad(rid, kind, version, old))
            except (SealBroken, KeyError):
                self._damaged[rid] = kind
                continue
            updates.append(
                (gen, seal(keys.aead[gen], plain, outbox_ad(change_id, rid, kind, gen)), change_id)
            )
        conn.executemany("UPDATE outbox SET key_gen = ?, sealed = ? WHERE change_id = ?", updates)

    @_guarded
    def get(self, kind: str, record_id: str) -> JSONDict:
        keys = self._require_keys()
        row = self._db.conn.execute(
            "SELECT version, key_gen, sealed FROM records WHERE id = ? AND kind = ? "
            "AND deleted = 0",
            (record_id, kind),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no {kind} record with id {record_id}.")
        return self._open_record(keys, record_id, kind, *row)

    def _open_record(
        self, keys: Keyring, record_id: str, kind: str, version: int, gen: int, sealed: bytes
    ) -> JSONDict:
        try:
            return unseal_json(keys.aead[gen], sealed, record_ad(record_id, kind, version, gen))
        except (SealBroken, KeyError) as exc:
            self._damaged[record_id] = kind
            logger.warning("record %s (%s) failed its integrity check", record_id, kind)
            raise RecordIntegrityError(record_id, kind) from exc

    @_guarded
    def meta(self, record_id: str) -> RecordMeta:
        row = self._db.conn.execute(
            "SELECT kind, version, server_version, sync_state, deleted FROM records WHERE id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no record with id {record_id}.")
        return RecordMeta(record_id, row[0], row[1], row[2], SyncState(row[3]), bool(row[4]))

    def iter_kind(self, kind: str) -> Iterator[tuple[str, JSONDict]]:
        with self._lock:
            keys = self._require_keys()
            try:
                rows = self._db.conn.execute(
                    "SELECT id, version, key_gen, sealed FROM records WHERE kind = ? "
                    "AND deleted = 0 ORDER BY rowid",
                    (kind,),
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise _damaged(self._path, exc) from exc
        for record_id, version, gen, sealed in rows:
            if self._keys is not keys:
                # Locked (idle auto-lock) while the caller was still iterating: stop, rather
                # than report every remaining record as damaged.
                raise VaultLocked("The vault was locked: unlock it with your passphrase first.")
            try:
                payload = self._open_record(keys, record_id, kind, version, gen, sealed)
            except RecordIntegrityError:
                continue
            yield record_id, payload

    def damaged_records(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._damaged.items())

    @_guarded
    def delete(self, kind: str, record_id: str) -> None:
        """Tombstone a record; it is removed when the server acknowledges the delete.

        A record the server has never seen (no server version, nothing in flight) is
        removed at once with its unsent changes: there is nothing to acknowledge.
        """
        keys = self._require_keys()
        gen = self._write_gen()
        conn = self._db.conn
        with self._db.atomic():
            row = conn.execute(
                "SELECT version, server_version, key_gen, sealed FROM records "
                "WHERE id = ? AND kind = ? AND deleted = 0",
                (record_id, kind),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no {kind} record with id {record_id}.")
            version, server_version, old_gen, sealed = row
            self._snapshot_in_flight(keys, [record_id])
            in_flight = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE record_id = ? AND state = 'sending'",
                (record_id,),
            ).fetchone()[0]
            if server_version is None and not in_flight:
                conn.execute("DELETE FROM outbox WHERE record_id = ?", (record_id,))
                conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
            else:
                try:
                    # The payload is kept (re-sealed for the new version) so a delete the
                    # server rejects can be undone without data loss.
                    plaintext = unseal(
                        keys.aead[old_gen], sealed, record_ad(record_id, kind, version, old_gen)
                    )
                except (SealBroken, KeyError):
                    plaintext = b"{}"
                conn.execute(
                    "UPDATE records SET version = ?, sync_state = ?, deleted = 1, key_gen = ?, "
                    "sealed = ?, conflict_sealed = NULL WHERE id = ?",
                    (
                        version + 1,
                        SyncState.CHANGED.value,
                        gen,
                        seal(
                            keys.aead[gen], plaintext, record_ad(record_id, kind, version + 1, gen)
                        ),
                        record_id,
                    ),
                )
                conn.execute(
                    "DELETE FROM outbox WHERE record_id = ? AND state IN ('pending', 'rejected')",
                    (record_id,),
                )
                conn.execute(
                    "INSERT INTO outbox (change_id, record_id, kind, op, base_version, "
                    "priority, state, key_gen, sealed) "
                    "VALUES (?, ?, ?, 'delete', ?, ?, 'pending', ?, NULL)",
                    (str(uuid.uuid4()), record_id, kind, server_version, Priority.NORMAL, gen),
                )
            self._append_audit("delete", record_id, kind, {"version": version + 1})

    # ------------------------------------------------------------------ audit log

    @_guarded
    def audit(
        self,
        action: str,
        *,
        record_id: str | None = None,
        kind: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._require_keys()
        with self._db.atomic():
            self._append_audit(action, record_id, kind, dict(details or {}))

    def _append_audit(
        self, action: str, record_id: str | None, kind: str | None, details: Mapping[str, Any]
    ) -> None:
        keys = self._require_keys()
        gen = self._write_gen()
        last = self._db.conn.execute(
            "SELECT seq, chain FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_CHAIN)
        entry = {
            "at": datetime.fromtimestamp(self._clock(), UTC).isoformat(),
            "actor": self.actor,
            "action": action,
            "record_id": record_id,
            "kind": kind,
            "details": dict(details),
        }
        sealed = seal_json(keys.aead[gen], entry, audit_ad(seq, gen))
        self._db.conn.execute(
            "INSERT INTO audit (seq, key_gen, sealed, chain) VALUES (?, ?, ?, ?)",
            (seq, gen, sealed, _chain(previous, seq, sealed)),
        )

    @_guarded
    def audit_entries(self) -> list[AuditEntry]:
        """Every entry that opens; a damaged one is left out here and reported by check()."""
        keys = self._require_keys()
        entries = []
        for seq, gen, sealed in self._db.conn.execute(
            "SELECT seq, key_gen, sealed FROM audit ORDER BY seq"
        ):
            try:
                e = unseal_json(keys.aead[gen], sealed, audit_ad(seq, gen))
            except (SealBroken, KeyError):
                logger.warning("audit entry %d failed its integrity check", seq)
                continue
            entries.append(
                AuditEntry(
                    seq,
                    datetime.fromisoformat(e["at"]),
                    e["actor"],
                    e["action"],
                    e["record_id"],
                    e["kind"],
                    e["details"],
                )
            )
        return entries

    # ------------------------------------------------------------------ integrity

    @_guarded
    def check(self) -> IntegrityReport:
        keys = self._require_keys()
        conn = self._db.conn
        damaged: dict[str, str] = {}
        checked = 0
        for rid, kind, version, gen, sealed, conflict in conn.execute(
            "SELECT id, kind, version, key_gen, sealed, conflict_sealed FROM records"
        ):
            checked += 1
            try:
                unseal_json(keys.aead[gen], sealed, record_ad(rid, kind, version, gen))
                if conflict is not None:
                    unseal_json(keys.aead[gen], conflict, conflict_ad(rid, gen))
            except (SealBroken, KeyError):
                damaged[rid] = kind
        for change_id, rid, kind, gen, sealed, reason in conn.execute(
            "SELECT change_id, record_id, kind, key_gen, sealed, reason_sealed FROM outbox"
        ):
            try:
                if sealed is not None:
                    unseal_json(keys.aead[gen], sealed, outbox_ad(change_id, rid, kind, gen))
                if reason is not None:
                    unseal_json(keys.aead[gen], reason, reason_ad(change_id, gen))
            except (SealBroken, KeyError):
                damaged[rid] = kind
        self._damaged.update(damaged)
        audit_count, problem = self._verify_audit_chain(keys)
        return IntegrityReport(
            records_checked=checked,
            damaged=tuple(sorted(damaged.items())),
            audit_entries_checked=audit_count,
            audit_chain_ok=problem is None,
            audit_problem=problem,
        )

    def _verify_audit_chain(self, keys: Keyring) -> tuple[int, str | None]:
        previous = GENESIS_CHAIN
        expected_seq = 1
        count = 0
        for seq, gen, sealed, chain in self._db.conn.execute(
            "SELECT seq, key_gen, sealed, chain FROM audit ORDER BY seq"
        ):
            count += 1
            if seq != expected_seq:
                return count, f"audit entry {expected_seq} is missing (next is {seq})"
            if _chain(previous, seq, sealed) != chain:
                return count, f"audit entry {seq} does not follow from the one before it"
            try:
                unseal(keys.aead[gen], sealed, audit_ad(seq, gen))
            except (SealBroken, KeyError):
                return count, f"audit entry {seq} has been altered or damaged"
            previous = chain
            expected_seq += 1
        return count, None

    # ------------------------------------------------------------------ outbox / sync

    _OUTBOX_SELECT = (
        "SELECT o.seq, o.change_id, o.record_id, o.kind, o.op, o.base_version, o.priority, "
        "o.key_gen, o.sealed, o.reason_sealed, r.version, r.key_gen, r.sealed "
        "FROM outbox o LEFT JOIN records r ON r.id = o.record_id "
    )

    def _outbox_rows(
        self, where: str, params: tuple[Any, ...]
    ) -> Iterator[tuple[OutboxChange, str | None]]:
        """Outbox changes with their payloads opened; a damaged one is skipped and
        reported through damaged_records(), so it never blocks the others."""
        keys = self._require_keys()
        rows = self._db.conn.execute(self._OUTBOX_SELECT + where, params).fetchall()
        for (
            seq,
            change_id,
            rid,
            kind,
            op,
            base,
            priority,
            gen,
            sealed,
            reason,
            r_version,
            r_gen,
            r_sealed,
        ) in rows:
            payload = None
            text = None
            try:
                if sealed is not None:
                    payload = unseal_json(
                        keys.aead[gen], sealed, outbox_ad(change_id, rid, kind, gen)
                    )
                elif op == "upsert":
                    if r_sealed is None:
                        raise SealBroken("outbox change without its record")
                    payload = unseal_json(
                        keys.aead[r_gen], r_sealed, record_ad(rid, kind, r_version, r_gen)
                    )
                if reason is not None:
                    text = unseal_json(keys.aead[gen], reason, reason_ad(change_id, gen))
            except (SealBroken, KeyError):
                self._damaged[rid] = kind
                logger.warning("outbox change %s failed its integrity check", change_id)
                continue
            yield OutboxChange(change_id, rid, kind, op, base, payload, priority, seq), text

    @_guarded
    def outbox_pending(self, limit: int = 100) -> list[OutboxChange]:
        """Changes to push, safeguarding first, then oldest first.

        Changes marked 'sending' are included: if the app died mid-push they must be sent
        again, and the server's idempotent push returns the stored result for a change id
        it already applied. Rejected changes are held back and never block the rest.
        """
        return [
            change
            for change, _ in self._outbox_rows(
                "WHERE o.state IN ('pending', 'sending') ORDER BY o.priority, o.seq LIMIT ?",
                (limit,),
            )
        ]

    @_guarded
    def outbox_mark_sending(self, change_ids: Iterable[str]) -> None:
        ids = list(change_ids)
        conn = self._db.conn
        with self._db.atomic():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"UPDATE outbox SET state = 'sending' WHERE change_id IN ({marks}) "
                    f"AND state = 'pending'",
                    chunk,
                )
                # A record shows 'sending' only when nothing newer is waiting behind it, and
                # never hides an open conflict.
                conn.execute(
                    f"UPDATE records SET sync_state = 'sending' WHERE id IN "
                    f"(SELECT record_id FROM outbox WHERE change_id IN ({marks})) "
                    f"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = records.id "
                    f"AND o.state != 'sending') AND conflict_sealed IS NULL",
                    chunk,
                )

    @_guarded
    def outbox_acknowledge(self, change_id: str, server_version: int) -> None:
        """The server applied ``change_id`` as ``server_version``. Acknowledging twice is
        harmless (a retried push)."""
        with self._db.atomic():
            self._acknowledge_tx(change_id, server_version)

    @_guarded
    def outbox_acknowledge_many(self, acks: Iterable[tuple[str, int]]) -> None:
        """Acknowledge a whole push batch in ONE transaction: one disk flush per batch
        instead of one per change. Each ``(change_id, server_version)`` as above."""
        with self._db.atomic():
            for change_id, server_version in acks:
                self._acknowledge_tx(change_id, server_version)

    def _acknowledge_tx(self, change_id: str, server_version: int) -> None:
        conn = self._db.conn
        row = conn.execute(
            "SELECT record_id FROM outbox WHERE change_id = ?", (change_id,)
        ).fetchone()
        if row is None:
            logger.info("acknowledgement for unknown change %s ignored", change_id)
            return
        record_id = row[0]
        conn.execute("DELETE FROM outbox WHERE change_id = ?", (change_id,))
        newer = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE record_id = ?", (record_id,)
        ).fetchone()[0]
        if newer:
            # Later local edits were built on top of the change just acknowledged.
            conn.execute(
                "UPDATE outbox SET base_version = ? WHERE record_id = ? AND state = 'pending'",
                (server_version, record_id),
            )
            conn.execute(
                "UPDATE records SET server_version = ?, sync_state = CASE "
                "WHEN sync_state IN ('sending', 'new') THEN 'changed' ELSE sync_state END "
                "WHERE id = ?",
                (server_version, record_id),
            )
            return
        deleted = conn.execute("SELECT deleted FROM records WHERE id = ?", (record_id,)).fetchone()
        if deleted is not None and deleted[0]:
            conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
        else:
            conn.execute(
                # An open conflict stays visible until the person resolves it.
                "UPDATE records SET server_version = ?, sync_state = CASE "
                "WHEN conflict_sealed IS NOT NULL THEN 'conflict' ELSE 'synced' END "
                "WHERE id = ?",
                (server_version, record_id),
            )

    @_guarded
    def outbox_reject(self, change_id: str, reason: str) -> None:
        keys = self._require_keys()
        gen = self._write_gen()
        conn = self._db.conn
        with self._db.atomic():
            row = conn.execute(
                "SELECT record_id, kind, key_gen, sealed FROM outbox WHERE change_id = ?",
                (change_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no outbox change {change_id}.")
            rid, kind, old_gen, sealed = row
            if sealed is not None and old_gen != gen:
                # Keep the whole row under one key generation.
                sealed = seal(
                    keys.aead[gen],
                    unseal(keys.aead[old_gen], sealed, outbox_ad(change_id, rid, kind, old_gen)),
                    outbox_ad(change_id, rid, kind, gen),
                )
            conn.execute(
                "UPDATE outbox SET state = 'rejected', key_gen = ?, sealed = ?, "
                "reason_sealed = ? WHERE change_id = ?",
                (
                    gen,
                    sealed,
                    seal_json(keys.aead[gen], reason, reason_ad(change_id, gen)),
                    change_id,
                ),
            )
            conn.execute("UPDATE records SET sync_state = 'rejected' WHERE id = ?", (rid,))

    @_guarded
    def rejected_changes(self) -> list[tuple[OutboxChange, str]]:
        """Changes the server refused, each with its reason, for the person to fix."""
        return [
            (change, reason or "")
            for change, reason in self._outbox_rows("WHERE o.state = 'rejected' ORDER BY o.seq", ())
        ]

    @_guarded
    def mark_conflict(self, record_id: str, details: Mapping[str, Any]) -> None:
        keys = self._require_keys()
        with self._db.atomic():
            row = self._db.conn.execute(
                "SELECT key_gen FROM records WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no record with id {record_id}.")
            gen = row[0]  # sealed under the row's own generation, like its payload
            if gen not in keys.aead:
                raise RecordIntegrityError(record_id)
            self._db.conn.execute(
                "UPDATE records SET sync_state = 'conflict', conflict_sealed = ? WHERE id = ?",
                (seal_json(keys.aead[gen], dict(details), conflict_ad(record_id, gen)), record_id),
            )

    @_guarded
    def conflict_details(self, record_id: str) -> dict[str, Any] | None:
        keys = self._require_keys()
        row = self._db.conn.execute(
            "SELECT kind, key_gen, conflict_sealed FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no record with id {record_id}.")
        kind, gen, sealed = row
        if sealed is None:
            return None
        try:
            return unseal_json(keys.aead[gen], sealed, conflict_ad(record_id, gen))
        except (SealBroken, KeyError) as exc:
            self._damaged[record_id] = kind
            raise RecordIntegrityError(record_id, kind) from exc

    @_guarded
    def apply_remote(
        self,
        kind: str,
        record_id: str,
        payload: Mapping[str, Any] | None,
        server_version: int,
        deleted: bool = False,
    ) -> bool:
        """Store a record pulled from the server. Returns False when it was not applied.

        If this record has a local change not yet acknowledged (pending, sending or
        rejected), the local version is kept: the server merges field by field when our
        change arrives, and the merged result comes back on a later pull. A pulled version
        no newer than the one held is ignored (a replayed page).
        """
        with self._db.atomic():
            return self._apply_remote_tx(kind, record_id, payload, server_version, deleted)

    @_guarded
    def apply_remote_page(self, records: Iterable[PulledRecordLike], cursor: str) -> list[bool]:
        """Apply one pulled page and save its cursor in ONE transaction (one disk flush for
        the page instead of one per record). Returns, per record, whether it was applied
        (same rules as :meth:`apply_remote`). ``records`` need only the attributes ``kind``,
        ``record_id``, ``payload``, ``server_version`` and ``deleted``."""
        with self._db.atomic():
            applied = [
                self._apply_remote_tx(r.kind, r.record_id, r.payload, r.server_version, r.deleted)
                for r in records
            ]
            self._set_header({"sync_cursor": cursor})
        return applied

    def _apply_remote_tx(
        self,
        kind: str,
        record_id: str,
        payload: Mapping[str, Any] | None,
        server_version: int,
        deleted: bool,
    ) -> bool:
        _check_ids(kind, record_id)
        keys = self._require_keys()
        gen = self._write_gen()
        conn = self._db.conn
        if conn.execute(
            "SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)
        ).fetchone():
            return False
        row = conn.execute(
            "SELECT kind, version, server_version FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is not None and row[2] is not None and server_version <= row[2]:
            return False
        if deleted:
            conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
            return True
        version = row[1] + 1 if row is not None else 1
        conn.execute(
            "INSERT INTO records (id, kind, version, server_version, sync_state, deleted, "
            "key_gen, sealed, conflict_sealed) VALUES (?, ?, ?, ?, 'synced', 0, ?, ?, NULL) "
            "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, version = excluded.version, "
            "server_version = excluded.server_version, sync_state = 'synced', deleted = 0, "
            "key_gen = excluded.key_gen, sealed = excluded.sealed, conflict_sealed = NULL",
            (
                record_id,
                kind,
                version,
                server_version,
                gen,
                seal_json(
                    keys.aead[gen], dict(payload or {}), record_ad(record_id, kind, version, gen)
                ),
            ),
        )
        return True

    @_guarded
    def sync_cursor(self) -> str:
        return self._header("sync_cursor") or ""

    @_guarded
    def set_sync_cursor(self, cursor: str) -> None:
        self._set_header({"sync_cursor": cursor})

    @_guarded
    def sync_states(self, kind: str) -> dict[str, SyncState]:
        """Every live record of a kind and its sync state, in one query (for lists)."""
        return {
            record_id: SyncState(state)
            for record_id, state in self._db.conn.execute(
                "SELECT id, sync_state FROM records WHERE kind = ? AND deleted = 0", (kind,)
            )
        }

    @_guarded
    def count_by_state(self) -> dict[SyncState, int]:
        counts = dict.fromkeys(SyncState, 0)
        for state, n in self._db.conn.execute(
            "SELECT sync_state, COUNT(*) FROM records GROUP BY sync_state"
        ):
            counts[SyncState(state)] = n
        return counts

    # ------------------------------------------------------------------ small secrets

    @_guarded
    def put_secret(self, name: str, value: str) -> None:
        """Keep a small secret (e.g. the sync device credential) sealed in the vault
        header. It is re-encrypted by rotate_data_key like everything else."""
        keys = self._require_keys()
        gen = self._write_gen()
        blob = seal(keys.aead[gen], value.encode("utf-8"), secret_ad(name, gen))
        self._set_header({f"secret:{name}": json.dumps({"gen": gen, "blob": blob.hex()})})

    @_guarded
    def get_secret(self, name: str) -> str | None:
        """The secret, or None when there is none — or it fails its integrity check, in
        which case a warning is logged and the caller re-creates it (a device credential
        is re-issued by enrolling again)."""
        keys = self._require_keys()
        stored = self._header(f"secret:{name}")
        if not stored:
            return None
        try:
            item = json.loads(stored)
            gen = int(item["gen"])
            raw = unseal(keys.aead[gen], bytes.fromhex(item["blob"]), secret_ad(name, gen))
        except (SealBroken, KeyError, ValueError, TypeError):
            logger.warning("stored secret %r failed its integrity check", name)
            return None
        return raw.decode("utf-8")

    @_guarded
    def delete_secret(self, name: str) -> None:
        with self._db.atomic():
            self._db.conn.execute("DELETE FROM header WHERE name = ?", (f"secret:{name}",))

    def _reseal_secrets(self, keys: Keyring, gen: int) -> None:
        """Inside the rotation's final transaction: move every secret to generation gen."""
        updates = []
        for header_name, stored in self._db.conn.execute(
            "SELECT name, value FROM header WHERE name LIKE 'secret:%'"
        ).fetchall():
            name = header_name[len("secret:") :]
            try:
                item = json.loads(stored)
                old = int(item["gen"])
                if old == gen:
                    continue
                raw = unseal(keys.aead[old], bytes.fromhex(item["blob"]), secret_ad(name, old))
            except (SealBroken, KeyError, ValueError, TypeError):
                logger.warning("stored secret %r failed its integrity check", name)
                continue  # left as is: get_secret reports it missing
            blob = seal(keys.aead[gen], raw, secret_ad(name, gen))
            updates.append((json.dumps({"gen": gen, "blob": blob.hex()}), header_name))
        self._db.conn.executemany("UPDATE header SET value = ? WHERE name = ?", updates)

    # ------------------------------------------------------------------ keys

    @_guarded
    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key(s) under a new passphrase; no record is re-encrypted."""
        _check_passphrase(new)
        keys, old_kek = self._open_keys(old)
        zero(old_kek)
        kdf = self._kdf().with_fresh_salt()
        kek = derive_key(new, kdf)
        self._rewrap(keys, kek, kdf)
        self._adopt(keys, kek)
        self.audit("change-passphrase")

    @_guarded
    def raise_kdf_cost(self, passphrase: str, kdf: KdfParams) -> None:
        """Re-derive with stronger Argon2id parameters (and a new salt); re-wrap the keys."""
        kdf.validate()
        current = self._kdf()
        if kdf.is_weaker_than(current):
            raise ValidationError(
                [
                    (
                        "kdf",
                        "the new cost must be at least the current one in memory, "
                        "iterations and lanes; it can only be raised",
                    )
                ]
            )
        keys, old_kek = self._open_keys(passphrase)
        zero(old_kek)
        kdf = kdf.with_fresh_salt()
        kek = derive_key(passphrase, kdf)
        self._rewrap(keys, kek, kdf)
        self._adopt(keys, kek)
        self.audit(
            "raise-kdf-cost",
            details={
                "memory_kib": kdf.memory_kib,
                "iterations": kdf.iterations,
                "lanes": kdf.lanes,
            },
        )

    @_guarded
    def set_recovery_public_key(self, public_pem: bytes) -> None:
        """Install a new organisation recovery public key: every live data key is wrapped
        to it and the old wrapping is replaced. Follow with rotate_data_key() so a backup
        copy wrapped to the old key no longer matches the data key in use."""
        keys = self._require_keys()
        recovery.load_public_key(public_pem)
        with self._db.atomic():
            self._db.conn.executemany(
                "UPDATE data_keys SET recovery_wrapped = ? WHERE generation = ?",
                [
                    (recovery.wrap_for_recovery(public_pem, key), gen)
                    for gen, key in keys.raw.items()
                ],
            )
            self._set_header({"recovery_public_key": public_pem.decode("ascii")})
            self._append_audit("set-recovery-key", None, None, {})

    def _adopt(self, keys: dict[int, bytearray], kek: bytearray) -> None:
        if self._keys is not None:
            self._keys.wipe()
        self._keys = Keyring(kek=kek)
        for gen, key in keys.items():
            self._keys.add(gen, key)

    def rotate_data_key(
        self,
        *,
        batch_size: int = 500,
        progress: Callable[[str, int], None] | None = None,
    ) -> int:
        """Re-encrypt everything under a new data key; returns the new generation.

        Crash-safe and resumable: (1) the new key is stored, wrapped, as the 'pending'
        generation in one transaction; (2) records and outbox changes are re-encrypted in
        batches, each its own transaction, each row tagged with the generation that seals
        it; (3) one final transaction re-seals the audit log, rebuilds its hash chain and
        retires the old key. Killed anywhere, the next unlock holds both keys, every row
        opens with its own generation, and calling this again resumes.

        ``progress(stage, rows_done)`` is called after each batch (for a progress bar).
        """
        with self._lock:
            keys = self._require_keys()
            pending = self._generation("pending")
            if pending is None:
                active = self._generation("active")
                assert active is not None
                pending = active + 1
                new_key = bytearray(os.urandom(KEY_BYTES))
                try:
                    with self._db.atomic():
                        self._insert_data_key(
                            self._db,
                            self._vault_id,
                            pending,
                            "pending",
                            new_key,
                            keys.kek,
                            self._recovery_pem(),
                        )
                except sqlite3.DatabaseError as exc:
                    raise _damaged(self._path, exc) from exc
                keys.add(pending, new_key)
                logger.info("key rotation started: generation %d", pending)
            else:
                logger.info("resuming key rotation to generation %d", pending)
        self._rotate_table("records", self._rotate_batch_records_tx, pending, batch_size, progress)
        self._rotate_table("outbox", self._rotate_batch_outbox_tx, pending, batch_size, progress)
        self._finish_rotation(pending)
        if progress:
            progress("done", 0)
        return pending

    def _rotate_table(
        self,
        what: str,
        batch_tx: Callable[[int, int, int], tuple[int, int]],
        gen: int,
        batch_size: int,
        progress: Callable[[str, int], None] | None,
    ) -> None:
        """Re-seal one table under generation ``gen``, a batch per transaction, until no
        row of an older generation is left (so a killed rotation simply resumes)."""
        after, done = 0, 0
        while True:
            after, n = self._rotate_batch(batch_tx, gen, after, batch_size)
            if n == 0:
                return
            done += n
            if progress:
                progress(what, done)

    @_guarded
    def _rotate_batch(
        self,
        batch_tx: Callable[[int, int, int], tuple[int, int]],
        gen: int,
        after: int,
        batch_size: int,
    ) -> tuple[int, int]:
        # Read and rewrite in one transaction, so a write from another process between
        # the two cannot be overwritten with the stale copy read here.
        with self._db.atomic():
            return batch_tx(gen, after, batch_size)

    def _rotate_batch_records_tx(self, gen: int, after: int, batch_size: int) -> tuple[int, int]:
        keys = self._require_keys()
        conn = self._db.conn
        rows = conn.execute(
            "SELECT rowid, id, kind, version, key_gen, sealed, conflict_sealed FROM records "
            "WHERE key_gen != ? AND rowid > ? ORDER BY rowid LIMIT ?",
            (gen, after, batch_size),
        ).fetchall()
        updates = []
        for _rowid, rid, kind, version, old, sealed, conflict in rows:
            try:
                updates.append(
                    (
                        gen,
                        _reseal(
                            keys, sealed, old, gen, functools.partial(record_ad, rid, kind, version)
                        ),
                        _reseal(keys, conflict, old, gen, functools.partial(conflict_ad, rid)),
                        rid,
                        old,
                    )
                )
            except (SealBroken, KeyError):
                # Cannot be re-sealed; left as it is and reported by check().
                self._damaged[rid] = kind
        conn.executemany(
            "UPDATE records SET key_gen = ?, sealed = ?, conflict_sealed = ? "
            "WHERE id = ? AND key_gen = ?",
            updates,
        )
        return (rows[-1][0] if rows else after), len(rows)

    def _rotate_batch_outbox_tx(self, gen: int, after: int, batch_size: int) -> tuple[int, int]:
        keys = self._require_keys()
        conn = self._db.conn
        rows = conn.execute(
            "SELECT seq, change_id, record_id, kind, key_gen, sealed, reason_sealed FROM outbox "
            "WHERE key_gen != ? AND seq > ? ORDER BY seq LIMIT ?",
            (gen, after, batch_size),
        ).fetchall()
        updates = []
        for seq, change_id, rid, kind, old, sealed, reason in rows:
            try:
                updates.append(
                    (
                        gen,
                        _reseal(
                            keys,
                            sealed,
                            old,
                            gen,
                            functools.partial(outbox_ad, change_id, rid, kind),
                        ),
                        _reseal(keys, reason, old, gen, functools.partial(reason_ad, change_id)),
                        seq,
                        old,
                    )
                )
            except (SealBroken, KeyError):
                self._damaged[rid] = kind
        conn.executemany(
            "UPDATE outbox SET key_gen = ?, sealed = ?, reason_sealed = ? "
            "WHERE seq = ? AND key_gen = ?",
            updates,
        )
        return (rows[-1][0] if rows else after), len(rows)

    @_guarded
    def _finish_rotation(self, gen: int) -> None:
        keys = self._require_keys()
        # Rebuilding the chain would also "bless" an entry someone edited, so a broken log
        # stops the rotation: the evidence is kept for whoever investigates.
        _count, problem = self._verify_audit_chain(keys)
        if problem is not None:
            raise VaultError(
                f"The audit log fails its integrity check ({problem}), so the data key was "
                "not rotated. Report this to your administrator before changing keys."
            )
        conn = self._db.conn
        with self._db.atomic():
            previous = GENESIS_CHAIN
            updates = []
            for seq, old, sealed in conn.execute(
                "SELECT seq, key_gen, sealed FROM audit ORDER BY seq"
            ).fetchall():
                if old != gen:
                    sealed = seal(
                        keys.aead[gen],
                        unseal(keys.aead[old], sealed, audit_ad(seq, old)),
                        audit_ad(seq, gen),
                    )
                chain = _chain(previous, seq, sealed)
                updates.append((gen, sealed, chain, seq))
                previous = chain
            conn.executemany(
                "UPDATE audit SET key_gen = ?, sealed = ?, chain = ? WHERE seq = ?", updates
            )
            self._reseal_secrets(keys, gen)
            retired = [
                g
                for (g,) in conn.execute(
                    "SELECT generation FROM data_keys WHERE generation != ?", (gen,)
                )
            ]
            conn.execute("DELETE FROM data_keys WHERE generation != ?", (gen,))
            conn.execute("UPDATE data_keys SET state = 'active' WHERE generation = ?", (gen,))
            self._append_audit("rotate-key", None, None, {"generation": gen})
        for old in retired:
            keys.discard(old)
        logger.info("key rotation finished: generation %d active, %s retired", gen, retired)

    # ------------------------------------------------------------------ internals

    def _require_keys(self) -> Keyring:
        if self._keys is None:
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")
        return self._keys

    def _header(self, name: str) -> str | None:
        row = self._db.conn.execute("SELECT value FROM header WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _set_header(self, values: Mapping[str, str]) -> None:
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT INTO header (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def _kdf(self) -> KdfParams:
        return KdfParams.from_json(json.loads(self._header("kdf") or "{}"))

    def _recovery_pem(self) -> bytes | None:
        pem = self._header("recovery_public_key")
        return pem.encode("ascii") if pem else None

    def _generation(self, state: str) -> int | None:
        row = self._db.conn.execute(
            "SELECT generation FROM data_keys WHERE state = ?", (state,)
        ).fetchone()
        return row[0] if row else None

    def _write_gen(self) -> int:
        # During a rotation new writes already use the new key, so they need no second pass.
        keys = self._require_keys()
        return max(keys.aead)

    @staticmethod
    def _insert_data_key(
        db: Database,
        vault_id: str,
        gen: int,
        state: str,
        data_key: bytearray,
        kek: bytearray,
        recovery_pem: bytes | None,
    ) -> None:
        db.conn.execute(
            "INSERT INTO data_keys (generation, state, passphrase_wrapped, recovery_wrapped) "
            "VALUES (?, ?, ?, ?)",
            (
                gen,
                state,
                seal(AESGCM(kek), data_key, wrap_ad(vault_id, gen)),
                recovery.wrap_for_recovery(recovery_pem, data_key) if recovery_pem else None,
            ),
        )

    def _open_keys(self, passphrase: str) -> tuple[dict[int, bytearray], bytearray]:
        """Derive the KEK and unwrap every live key generation, with throttling."""
        try:
            failures = int(self._header("failed_unlocks") or 0)
            last = self._header("last_failed_unlock_at")
            now = self._clock()
            wait = throttle.retry_after(failures, float(last) if last else None, now)
            if wait > 0:
                raise UnlockThrottled(wait)
            kek = derive_key(passphrase, self._kdf())
            wrapper = AESGCM(kek)
            keys: dict[int, bytearray] = {}
            try:
                for gen, blob in self._db.conn.execute(
                    "SELECT generation, passphrase_wrapped FROM data_keys ORDER BY generation"
                ).fetchall():
                    keys[gen] = bytearray(unseal(wrapper, blob, wrap_ad(self._vault_id, gen)))
            except SealBroken:
                zero(kek)
                for key in keys.values():
                    zero(key)
                failures += 1
                self._set_header(
                    {"failed_unlocks": str(failures), "last_failed_unlock_at": repr(now)}
                )
                logger.warning("wrong passphrase (%d consecutive)", failures)
                later = throttle.delay_after(failures)
                hint = (
                    f" You must wait {int(later + 0.999)} seconds before the next try."
                    if later
                    else ""
                )
                raise WrongPassphrase(
                    "That passphrase is not right. Check Caps Lock and the keyboard layout and "
                    f"try again.{hint} If it is forgotten, your administrator can recover the "
                    "vault with the organisation's recovery key.",
                    retry_after=later,
                ) from None
            if not keys:
                raise VaultError(
                    f"The vault {self._path} holds no data key; it is damaged. "
                    "Restore it from a backup."
                )
            if failures:
                self._set_header({"failed_unlocks": "0", "last_failed_unlock_at": ""})
            return keys, kek
        except sqlite3.DatabaseError as exc:
            raise _damaged(self._path, exc) from exc

    def _rewrap(
        self,
        keys: dict[int, bytearray],
        kek: bytearray,
        kdf: KdfParams,
        *,
        reset_throttle: bool = False,
    ) -> None:
        wrapper = AESGCM(kek)
        with self._db.atomic():
            self._db.conn.executemany(
                "UPDATE data_keys SET passphrase_wrapped = ? WHERE generation = ?",
                [
                    (seal(wrapper, key, wrap_ad(self._vault_id, gen)), gen)
                    for gen, key in keys.items()
                ],
            )
            header = {"kdf": json.dumps(kdf.to_json())}
            if reset_throttle:
                header.update({"failed_unlocks": "0", "last_failed_unlock_at": ""})
            self._set_header(header)
