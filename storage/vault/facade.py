"""``Vault``: the one object the rest of Carer Desk holds. It implements the core's
``RecordStore`` port (carer_desk/ports.py) and what the sync engine needs
(sync/client/vault_port.py), and hands each call to the module that does that job.

Every public call is serialised by the vault's lock and turns SQLite's low-level errors
into a VaultError a person can act on (:meth:`VaultContext.guard`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlite_utils import Database

from carer_desk.errors import ValidationError, VaultTampered
from carer_desk.ports import (
    AuditEntry,
    HeldBackChange,
    IntegrityReport,
    JSONDict,
    OutboxChange,
    Priority,
    RecordMeta,
    RecordWrite,
    SyncState,
)
from storage import recovery
from storage.kdf import KdfParams
from storage.keyring import Keyring
from storage.vault import files
from storage.vault import recover as recovering
from storage.vault.audit import AuditLog
from storage.vault.context import Clock, VaultContext
from storage.vault.edits import LocalEdits
from storage.vault.integrity import IntegrityCheck
from storage.vault.keys import DataKeys, check_passphrase
from storage.vault.outbox import Outbox
from storage.vault.pulls import PulledRecordLike, Pulls
from storage.vault.records import RecordTable
from storage.vault.restores import RestoredServer
from storage.vault.rotation import Progress, Rotation
from storage.vault.seal import Sealer
from storage.vault.secrets import Secrets
from storage.vault.summaries import SummaryBuilder

P = ParamSpec("P")
R = TypeVar("R")


def _guarded(method: Callable[Concatenate[Vault, P], R]) -> Callable[Concatenate[Vault, P], R]:
    @functools.wraps(method)
    def wrapper(self: Vault, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._ctx.guard():
            return method(self, *args, **kwargs)

    return wrapper


class Vault:
    """The encrypted record store. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, path: Path, db: Database, *, actor: str, clock: Clock) -> None:
        ctx = VaultContext(path, db, actor=actor, clock=clock)
        self._ctx = ctx
        self._audit = AuditLog(ctx)
        self._sealer = Sealer(ctx, self._audit)
        ctx.hooks = self._sealer  # every write transaction is checked and sealed
        self._data_keys = DataKeys(ctx, self._audit, self._sealer)
        self._records = RecordTable(ctx)
        self._outbox = Outbox(ctx, self._records, self._sealer)
        self._edits = LocalEdits(ctx, self._records, self._outbox, self._audit)
        self._pulls = Pulls(ctx, self._records, self._outbox)
        self._secrets = Secrets(ctx)
        self._restores = RestoredServer(
            ctx, self._records, self._outbox, self._secrets, self._audit
        )
        self._rotation = Rotation(ctx, self._data_keys, self._audit, self._secrets, self._sealer)
        self._integrity = IntegrityCheck(ctx, self._audit, self._sealer)
        self._summaries = SummaryBuilder(ctx)

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
    ) -> Vault:
        """Create a new vault and return it unlocked."""
        path = Path(path)
        check_passphrase(passphrase)
        if not actor:
            raise ValidationError([("actor", "the user name is required for the audit log")])
        kdf = kdf or KdfParams.default()
        kdf.validate()
        kdf = kdf.with_fresh_salt()
        if recovery_public_key_pem is not None:
            recovery.load_public_key(recovery_public_key_pem)
        with files.creating(path, passphrase, kdf, recovery_public_key_pem) as (
            db,
            data_key,
            kek,
        ):
            vault = cls(path, db, actor=actor, clock=clock)
            with vault._ctx.guard():
                vault._data_keys.start(
                    data_key, kek, {"recovery_key": recovery_public_key_pem is not None}
                )
            vault._summaries.build()  # none to build: marks the summaries up to date
        return vault

    @classmethod
    def open(cls, path: Path, *, actor: str, clock: Clock = time.time) -> Vault:
        """Open an existing vault, locked. Applies pending schema migrations (after a
        backup copy)."""
        path = Path(path)
        with files.opening(path) as db:
            return cls(path, db, actor=actor, clock=clock)

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
        return recovering.recover(
            lambda p: cls.open(p, actor=actor, clock=clock),
            Path(path),
            private_key_pem,
            key_password,
            new_passphrase,
        )

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase. Raises ``UnlockThrottled`` (without trying) while a
        wait is due, ``WrongPassphrase`` for a wrong one."""
        with self._ctx.guard():
            self._data_keys.unlock(passphrase)
        # Once, after the upgrade that added record summaries: a batch per transaction,
        # resumed at the next unlock if this one is interrupted (storage.vault.summaries).
        self._summaries.build()

    @_guarded
    def unlock_with_recovery_key(self, private: rsa.RSAPrivateKey, new_passphrase: str) -> None:
        """Unlock with the organisation's recovery private key, setting ``new_passphrase``
        (and clearing the wrong-passphrase throttle). See :meth:`recover`."""
        self._data_keys.unlock_with_recovery_key(private, new_passphrase)
        self._summaries.build()

    def lock(self) -> None:
        """Drop every key held in memory. (No decrypted payload or summary is cached
        here: the caseload drops what it holds when the session locks.)"""
        with self._ctx.lock:
            self._ctx.drop_keys()

    @property
    def is_unlocked(self) -> bool:
        return self._ctx.keyring is not None

    @property
    def path(self) -> Path:
        return self._ctx.path

    @_guarded
    def has_recovery_key(self) -> bool:
        """Whether the data key is also wrapped to the organisation's recovery key."""
        return self._ctx.header.recovery_pem() is not None

    @_guarded
    def recovery_key_fingerprint(self) -> str | None:
        """SHA-256 of the organisation recovery public key this vault wraps to, for an
        administrator to compare with the organisation's (the seal pins it)."""
        pem = self._ctx.header.recovery_pem()
        return None if pem is None else recovery.fingerprint(pem)

    @property
    def actor(self) -> str:
        return self._ctx.actor

    @actor.setter
    def actor(self, actor: str) -> None:
        self._ctx.actor = actor

    def close(self) -> None:
        with self._ctx.lock:
            self.lock()
            self._ctx.db.close()

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
        return self._edits.put(kind, record_id, payload, priority=priority, action=action)

    @_guarded
    def put_many(
        self,
        writes: Iterable[RecordWrite],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        return self._edits.put_many(writes, action=action, audit_details=audit_details)

    @_guarded
    def get(self, kind: str, record_id: str) -> JSONDict:
        return self._records.get(kind, record_id)

    @_guarded
    def meta(self, record_id: str) -> RecordMeta:
        return self._records.meta(record_id)

    def iter_kind(self, kind: str) -> Iterator[tuple[str, JSONDict]]:
        return self._records.iter_kind(kind)

    def iter_kind_states(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        return self._records.iter_kind_states(kind)

    def iter_kind_summaries(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        return self._records.iter_kind_summaries(kind)

    def damaged_records(self) -> list[tuple[str, str]]:
        with self._ctx.lock:
            return sorted(self._ctx.damaged.items())

    @_guarded
    def delete(self, kind: str, record_id: str) -> None:
        self._edits.delete(kind, record_id)

    @_guarded
    def sync_states(self, kind: str) -> dict[str, SyncState]:
        """Every live record of a kind and its sync state, in one query (for lists)."""
        return self._records.sync_states(kind)

    @_guarded
    def count_by_state(self) -> dict[SyncState, int]:
        return self._records.count_by_state()

    # ------------------------------------------------------------------ audit and integrity

    @_guarded
    def audit(
        self,
        action: str,
        *,
        record_id: str | None = None,
        kind: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._ctx.keys()
        with self._ctx.transaction():
            self._audit.append(action, record_id, kind, dict(details or {}))

    @_guarded
    def audit_entries(self, after: int = 0) -> list[AuditEntry]:
        """Every entry numbered above ``after`` that opens; a damaged one is left out here
        and reported by check()."""
        self._ctx.keys()
        return self._audit.entries(after)

    @_guarded
    def check(self) -> IntegrityReport:
        return self._integrity.run()

    # ------------------------------------------------------------------ outbox and sync

    @_guarded
    def outbox_pending(self, limit: int = 100) -> list[OutboxChange]:
        """Changes to push, safeguarding first, then oldest first.

        Changes marked 'sending' are included: if the app died mid-push they must be sent
        again, and the server's idempotent push returns the stored result for a change id
        it already applied. Rejected changes are held back and never block the rest.
        """
        return self._outbox.pending(limit)

    @_guarded
    def outbox_held_back(self) -> list[HeldBackChange]:
        """Changes outbox_pending() refused since last asked, each with why: they failed
        their integrity check (the file was altered outside Carer Desk), so they stay in
        the outbox and are never sent. ``check()`` names everything that was altered."""
        return self._outbox.held_back()

    @_guarded
    def outbox_mark_sending(self, change_ids: Iterable[str]) -> None:
        with self._ctx.transaction():
            self._outbox.mark_sending(list(change_ids))

    @_guarded
    def outbox_acknowledge(self, change_id: str, server_version: int) -> None:
        """The server applied ``change_id`` as ``server_version``. Acknowledging twice is
        harmless (a retried push)."""
        with self._ctx.transaction():
            self._outbox.acknowledge(change_id, server_version)

    @_guarded
    def outbox_acknowledge_many(self, acks: Iterable[tuple[str, int]]) -> None:
        """Acknowledge a whole push batch in ONE transaction: one disk flush per batch
        instead of one per change. Each ``(change_id, server_version)`` as above."""
        with self._ctx.transaction():
            self._outbox.acknowledge_many(list(acks))

    @_guarded
    def outbox_reject(self, change_id: str, reason: str) -> None:
        self._ctx.keys()
        with self._ctx.transaction():
            self._outbox.reject(change_id, reason)

    @_guarded
    def rejected_changes(self) -> list[tuple[OutboxChange, str]]:
        """Changes the server refused, each with its reason, for the person to fix."""
        return self._outbox.rejected()

    @_guarded
    def discard_rejected(self, change_id: str) -> bool:
        """Drop a refused change and this laptop's copy of its record, in one transaction;
        True when the server holds the record, whose copy the next pull brings back (the
        pull starts again from the beginning; records already held are skipped)."""
        self._ctx.keys()
        with self._ctx.transaction():
            record_id, kind, on_server = self._outbox.discard_rejected(change_id)
            if on_server:
                self._ctx.header.set_sync_cursor("")
            self._audit.append(
                "discard-refused-change",
                record_id,
                kind,
                {"change_id": change_id, "server_copy_follows": on_server},
            )
        return on_server

    @_guarded
    def forget_sent(self) -> int:
        """Drop this laptop's copy of every record the server holds exactly as here (sent
        and acknowledged, nothing waiting, no conflict), in one transaction; returns how
        many. For a laptop that only sends what it records (the 24-hour line's): the server
        never sends those records back, so keeping them would only keep what is sensitive
        on the laptop. Nothing is queued for the server; the audit log notes the count."""
        self._ctx.keys()
        with self._ctx.transaction():
            ids = [
                rid
                for (rid,) in self._ctx.conn.execute(
                    "SELECT id FROM records WHERE sync_state = ? AND conflict_sealed IS NULL",
                    (SyncState.SYNCED.value,),
                )
            ]
            waiting = self._outbox.with_changes(ids) if ids else set()
            sent = [rid for rid in ids if rid not in waiting]
            if sent:
                self._records.remove_many(sent)
                self._audit.append("forget-sent", None, None, {"records": len(sent)})
        return len(sent)

    @_guarded
    def mark_conflict(self, record_id: str, details: Mapping[str, Any]) -> None:
        self._ctx.keys()
        with self._ctx.transaction():
            self._records.mark_conflict(record_id, details)

    @_guarded
    def conflict_details(self, record_id: str) -> dict[str, Any] | None:
        return self._records.conflict_details(record_id)

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
        with self._ctx.transaction():
            return self._pulls.apply(kind, record_id, payload, server_version, deleted)

    @_guarded
    def apply_remote_page(self, records: Iterable[PulledRecordLike], cursor: str) -> list[bool]:
        """Apply one pulled page and save its cursor in ONE transaction (one disk flush for
        the page instead of one per record). Returns, per record, whether it was applied
        (same rules as :meth:`apply_remote`). ``records`` need only the attributes ``kind``,
        ``record_id``, ``payload``, ``server_version`` and ``deleted``."""
        with self._ctx.transaction():
            return self._pulls.apply_page(records, cursor)

    @_guarded
    def sync_cursor(self) -> str:
        """Where the next pull starts. Raises :class:`VaultTampered` when the header does
        not match its seal: an edited position would skip, or re-apply, server changes."""
        if self._ctx.keyring is not None:
            _snap, findings = self._sealer.current()
            if findings:
                raise VaultTampered(findings)
        return self._ctx.header.sync_cursor()

    @_guarded
    def set_sync_cursor(self, cursor: str) -> None:
        self._ctx.keys()
        with self._ctx.transaction():
            self._ctx.header.set_sync_cursor(cursor)

    # ------------------------------------------------------------------ a restored server

    @_guarded
    def server_generation(self) -> str | None:
        """The generation of the server's database this laptop last synced with (None
        before the first sync that asked); it changes when the database is restored."""
        return self._restores.generation()

    @_guarded
    def adopt_server_generation(self, generation: str) -> None:
        """Keep the server's generation without doing anything else (a first sync)."""
        with self._ctx.transaction():
            self._restores.adopt(generation)

    @_guarded
    def held_server_versions(self) -> dict[str, int]:
        """Every record here that the server has held, with the version it had."""
        return self._restores.held()

    @_guarded
    def follow_restored_server(self, server_versions: Mapping[str, int], generation: str) -> int:
        """The server's database was restored (its generation is now ``generation``):
        queue again every record it lacks or holds older (``server_versions``: what it
        holds of :meth:`held_server_versions`), start the pull from the beginning and keep
        the generation, in one transaction (storage.vault.restores). Returns how many
        records are sent again."""
        with self._ctx.transaction():
            return self._restores.follow(server_versions, generation)

    # ------------------------------------------------------------------ small secrets

    @_guarded
    def put_secret(self, name: str, value: str) -> None:
        """Keep a small secret (e.g. the sync device credential) sealed in the vault
        header. It is re-encrypted by rotate_data_key like everything else."""
        with self._ctx.transaction():
            self._secrets.put(name, value)

    @_guarded
    def get_secret(self, name: str) -> str | None:
        """The secret, or None when there is none — or it fails its integrity check (then
        a warning is logged and the caller re-creates it)."""
        return self._secrets.get(name)

    @_guarded
    def delete_secret(self, name: str) -> None:
        self._ctx.keys()
        with self._ctx.transaction():
            self._secrets.delete(name)

    # ------------------------------------------------------------------ keys

    @_guarded
    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key(s) under a new passphrase; no record is re-encrypted. The
        backup copies beside the vault open with the old passphrase, so they are removed."""
        self._data_keys.change_passphrase(old, new)

    @_guarded
    def raise_kdf_cost(self, passphrase: str, kdf: KdfParams) -> None:
        """Re-derive with stronger Argon2id parameters (and a new salt); re-wrap the keys."""
        self._data_keys.raise_kdf_cost(passphrase, kdf)

    @_guarded
    def set_recovery_public_key(self, public_pem: bytes) -> None:
        """Install a new organisation recovery public key: every live data key is wrapped
        to it and the old wrapping is replaced. Follow with rotate_data_key() so a backup
        copy wrapped to the old key no longer matches the data key in use. A recovery key
        that does not match the vault's seal (planted in the file) is refused."""
        self._data_keys.set_recovery_public_key(public_pem)

    def rotate_data_key(self, *, batch_size: int = 500, progress: Progress | None = None) -> int:
        """Re-encrypt everything under a new data key; returns the new generation.

        Crash-safe and resumable (see :mod:`storage.vault.rotation`); other calls may run
        between its batches. ``progress(stage, rows_done)`` is called after each batch
        (for a progress bar).
        """
        return self._rotation.run(batch_size=batch_size, progress=progress)

    # ------------------------------------------------------------------ for tests

    @property
    def _keys(self) -> Keyring | None:
        """The keys held in memory (tests check that lock() zeroes them)."""
        return self._ctx.keyring

    def _kdf(self) -> KdfParams:
        """The Argon2id parameters stored in the header."""
        return self._ctx.header.kdf()
