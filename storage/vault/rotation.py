"""Data-key rotation: everything re-encrypted under a new data key, crash-safe and
resumable.

(1) The new key is stored, wrapped, as the 'pending' generation in one transaction;
(2) each sealed table (:data:`storage.vault.layout.SEALED_TABLES`) is re-encrypted in
batches, each its own transaction, each row tagged with the generation that seals it;
(3) one final transaction re-seals the audit log, rebuilds its keyed chain, moves the
secrets and retires the old key. Killed anywhere, the next unlock holds both keys, every
row opens with its own generation, and rotating again resumes. Each batch is an ordinary
vault transaction: the rows it re-seals are proved intact first and MACed again under
the new generation's key, and the header seal is renewed (storage.vault.seal), so keys
derived from the old data key stop vouching for anything once it is retired.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from storage.kdf import KEY_BYTES
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.keys import DataKeys
from storage.vault.layout import SEALED_TABLES, SealedTable
from storage.vault.seal import Sealer
from storage.vault.secrets import Secrets

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


class Rotation:
    def __init__(
        self,
        ctx: VaultContext,
        keys: DataKeys,
        audit: AuditLog,
        secrets: Secrets,
        sealer: Sealer,
    ) -> None:
        self._ctx = ctx
        self._keys = keys
        self._audit = audit
        self._secrets = secrets
        self._seal = sealer

    def run(self, *, batch_size: int, progress: Progress | None) -> int:
        """Rotate (or resume a rotation); returns the new generation. ``progress(stage,
        rows_done)`` is called after each batch. Other work may run between batches."""
        gen = self._start()
        for table in SEALED_TABLES:
            done = 0
            for n in self._batches(table, gen, batch_size):
                done += n
                if progress:
                    progress(table.table, done)
        self._finish(gen)
        if progress:
            progress("done", 0)
        return gen

    def _start(self) -> int:
        with self._ctx.guard():
            self._ctx.keys()
            pending = self._keys.generation("pending")
            if pending is not None:
                logger.info("resuming key rotation to generation %d", pending)
                return pending
            active = self._keys.generation("active")
            assert active is not None
            pending = active + 1
            self._keys.add_pending(pending, bytearray(os.urandom(KEY_BYTES)))
            logger.info("key rotation started: generation %d", pending)
            return pending

    def _batches(self, table: SealedTable, gen: int, batch_size: int) -> Iterator[int]:
        """Re-seal ``table`` under ``gen`` a batch per transaction, until no row of an older
        generation is left (so a killed rotation simply resumes); yields rows per batch."""
        after = 0
        while True:
            # Read and rewrite in one transaction, so a write from another thread or
            # process between the two cannot be overwritten with the stale copy.
            with self._ctx.guard(), self._ctx.transaction():
                after, n = self._batch(table, gen, after, batch_size)
            if n == 0:
                return
            yield n

    def _batch(self, table: SealedTable, gen: int, after: int, batch_size: int) -> tuple[int, int]:
        ctx = self._ctx
        rows = ctx.conn.execute(
            table.select(f"WHERE key_gen != ? AND {table.key} > ? ORDER BY {table.key} LIMIT ?"),
            (gen, after, batch_size),
        ).fetchall()
        width = len(table.clear)
        updates = []
        for key, old, *rest in rows:
            clear = tuple(rest[:width])
            blobs = _resealed(ctx, table, clear, rest[width:], old, gen)
            if blobs is None:
                # Cannot be re-sealed; left as it is and reported by check().
                ctx.note_damaged(*table.owner(clear))
                continue
            updates.append((gen, *blobs, key, old))
        ctx.conn.executemany(table.update_sealed(), updates)
        return (rows[-1][0] if rows else after), len(rows)

    def _finish(self, gen: int) -> None:
        ctx = self._ctx
        with self._ctx.guard():
            keyring = ctx.keys()
            with ctx.transaction():
                self._audit.reseal_all(gen, self._seal.sealed_audit_tail())
                self._secrets.reseal_all(gen)
                retired = self._keys.retire_all_but(gen)
                self._audit.append("rotate-key", None, None, {"generation": gen})
            for old in retired:
                keyring.discard(old)
        logger.info("key rotation finished: generation %d active, %s retired", gen, retired)


def _resealed(
    ctx: VaultContext,
    table: SealedTable,
    clear: tuple[object, ...],
    blobs: list[bytes | None],
    old: int,
    gen: int,
) -> list[bytes | None] | None:
    """A row's blobs opened under ``old`` and sealed under ``gen``, column by column in
    the descriptor's order (a column's associated data may name a blob before it: a
    record's summary is bound to its payload's new blob). A derived column that does not
    open is dropped (None: built again from its source); None when any other does not."""
    new: list[bytes | None] = []
    for column, blob in zip(table.sealed, blobs, strict=True):
        if blob is None:
            new.append(None)
            continue
        plain = ctx.open(old, blob, column.ad(clear, old, blobs))
        if plain is None:
            if column.derived:
                new.append(None)
                continue
            return None
        new.append(ctx.seal(gen, plain, column.ad(clear, gen, new)))
    return new
