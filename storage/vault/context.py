"""What every part of the vault shares: the connection, the lock, the header, the keys held
while unlocked, and the one way a sealed blob is opened.

Each job of the vault (records, outbox, audit log, secrets, keys, rotation, integrity) is a
small class holding this context; :class:`storage.vault.facade.Vault` puts them together.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils import Database

from carer_desk.errors import VaultLocked
from carer_desk.ports import HeldBackChange
from storage.keyring import Keyring
from storage.sealing import SealBroken, decode_json, seal, unseal
from storage.vault.connection import damaged
from storage.vault.header import Header

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


class TransactionHooks(Protocol):
    """What runs around every write transaction (:class:`storage.vault.seal.Sealer`):
    ``begin`` right after ``BEGIN IMMEDIATE``, ``before_commit`` just before ``COMMIT``
    (it re-seals the bookkeeping, or raises to roll everything back), ``end`` after the
    transaction either way."""

    def begin(self) -> None: ...

    def before_commit(self) -> None: ...

    def end(self) -> None: ...


class VaultContext:
    """Shared state of one open vault file."""

    def __init__(self, path: Path, db: Database, *, actor: str, clock: Clock) -> None:
        self.path = path
        self.db = db
        self.actor = actor
        self.clock = clock
        # Serialises access: the UI runs vault work off the GUI thread.
        self.lock = threading.RLock()
        self.header = Header(db)
        self.keyring: Keyring | None = None
        # Records found damaged since the last unlock, for damaged_records().
        self.damaged: dict[str, str] = {}
        # Outbox changes refused to a push since last asked (outbox_held_back()).
        self.held_back: dict[str, HeldBackChange] = {}
        # What the last unlock found altered (reported again by check()).
        self.unlock_findings: list[str] = []
        self.hooks: TransactionHooks | None = None
        # The MACs this transaction's writers gave the rows they wrote, by table and row
        # key, so sealing need not read back what was just written (a bulk import).
        self.written: dict[str, dict[str, bytes]] = {"records": {}, "outbox": {}}
        if not self.header.is_vault():
            raise damaged(path, ValueError("no Carer Desk vault header"))
        self.vault_id = self.header.vault_id()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Hold the lock, and turn SQLite's low-level errors into a VaultError a person can
        act on, never a traceback."""
        with self.lock:
            try:
                yield
            except sqlite3.DatabaseError as exc:
                raise damaged(self.path, exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction of the vault. Every write goes through here: it takes
        SQLite's write lock at once (``BEGIN IMMEDIATE``, so what it reads first is still
        true when it writes), and re-seals the bookkeeping before committing
        (:attr:`hooks`). Nested, it is a savepoint of the transaction around it."""
        conn = self.conn
        if conn.in_transaction:
            try:
                with self.db.atomic():
                    yield
            except BaseException:
                self._forget_written()  # what the savepoint wrote is gone again
                raise
            return
        conn.execute("BEGIN IMMEDIATE")
        hooks = self.hooks
        try:
            if hooks is not None:
                hooks.begin()
            yield
            if hooks is not None:
                hooks.before_commit()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._forget_written()
            if hooks is not None:
                hooks.end()

    def _forget_written(self) -> None:
        for macs in self.written.values():
            macs.clear()

    # ------------------------------------------------------------------ keys in memory

    def keys(self) -> Keyring:
        if self.keyring is None:
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")
        return self.keyring

    def write_gen(self) -> int:
        # During a rotation new writes already use the new key, so they need no second pass.
        return max(self.keys().aead)

    def adopt(self, keys: dict[int, bytearray], kek: bytearray) -> None:
        """Hold ``keys`` (by generation) and ``kek`` from now on, wiping what was held."""
        if self.keyring is not None:
            self.keyring.wipe()
        self.keyring = Keyring(kek=kek)
        for gen, key in keys.items():
            self.keyring.add(gen, key)

    def drop_keys(self) -> None:
        if self.keyring is not None:
            self.keyring.wipe()
        self.keyring = None
        self.damaged.clear()
        self.held_back.clear()
        self.unlock_findings = []

    # ------------------------------------------------------------------ sealing

    def seal(self, gen: int, plaintext: bytes | bytearray, ad: bytes) -> bytes:
        return seal(self.keys().aead[gen], plaintext, ad)

    def open(self, gen: int, blob: bytes | None, ad: bytes) -> bytes | None:
        """The plaintext of ``blob`` sealed under generation ``gen`` with associated data
        ``ad``; None when it does not open (altered, moved to another row, too short, or
        sealed under a generation this vault no longer holds). Every sealed read of the
        vault goes through here, so what "does not open" means is decided once."""
        aead = self.keys().aead.get(gen)
        if aead is None or blob is None:
            return None
        try:
            return unseal(aead, blob, ad)
        except SealBroken:
            return None

    def open_json(self, gen: int, blob: bytes | None, ad: bytes) -> Any | None:
        """As :meth:`open`, decoded from JSON. Everything the vault seals as JSON is an
        object or a text, never ``null``, so None still means "does not open"; a blob that
        authenticates but is not JSON was not written by the vault and does not open."""
        raw = self.open(gen, blob, ad)
        if raw is None:
            return None
        try:
            return decode_json(raw)
        except ValueError:
            return None

    def reseal(
        self, blob: bytes | None, old: int, new: int, ad: Callable[[int], bytes]
    ) -> bytes | None:
        """``blob`` opened under generation ``old`` and sealed again under ``new``; ``ad``
        gives the associated data for a generation. Raises :class:`SealBroken` when the blob
        does not open (the caller reports its record as damaged)."""
        if blob is None:
            return None
        plain = self.open(old, blob, ad(old))
        if plain is None:
            raise SealBroken("does not open under its own generation")
        return self.seal(new, plain, ad(new))

    def note_damaged(self, record_id: str, kind: str) -> None:
        self.damaged[record_id] = kind
