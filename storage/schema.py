"""The vault's SQLite schema as append-only, named migrations, and the pre-migration backup.

Never edit or reorder a released migration: add a new ``mNNN_...`` function instead. Every
released schema gets an upgrade test in tests/storage/test_schema_upgrade.py.

Clear columns hold only sync bookkeeping (ids, kind, versions, states, flags, key
generation, outbox order). Everything a person wrote lives in the ``sealed`` blobs.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from carer_desk.errors import VaultError

logger = logging.getLogger(__name__)

MIGRATIONS = Migrations("carer_desk_vault")
BACKUPS_KEPT = 3


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE header (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- One row per live data-key generation: 'active', or 'pending' during rotation.
        -- A retired key's row is deleted (secure_delete zeroes its page).
        CREATE TABLE data_keys (
            generation INTEGER PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('active', 'pending')),
            passphrase_wrapped BLOB NOT NULL,
            recovery_wrapped BLOB
        );
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            server_version INTEGER,
            sync_state TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            key_gen INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            conflict_sealed BLOB
        );
        CREATE INDEX records_kind ON records (kind, deleted);
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            change_id TEXT NOT NULL UNIQUE,
            record_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
            base_version INTEGER,
            priority INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'rejected')),
            key_gen INTEGER NOT NULL,
            sealed BLOB,
            reason_sealed BLOB
        );
        CREATE INDEX outbox_record ON outbox (record_id);
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            key_gen INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            chain BLOB NOT NULL
        );
        """
    )


@MIGRATIONS()
def m002_outbox_drain_index(db: Database) -> None:
    # outbox_pending() drains by (priority, seq) skipping rejected changes; without this
    # index every sync round scans the whole outbox after a large offline import.
    db.execute("CREATE INDEX outbox_drain ON outbox (state, priority, seq)")


@MIGRATIONS()
def m003_authenticated_bookkeeping(db: Database) -> None:
    # The clear bookkeeping becomes authentic (docs/security.md, "Authentic bookkeeping"):
    # each record and outbox row gets an HMAC of its clear columns, rows are grouped in
    # blocks of 256 rowids whose digests sit in ``digests`` (their roots are sealed in the
    # header), and each data key gets a check value that recovery compares. The MACs need
    # the data key, so this migration only makes room: the next unlock fills them in
    # (storage.vault.seal), before anything else is written.
    db.executescript(
        """
        ALTER TABLE records ADD COLUMN mac BLOB;
        ALTER TABLE outbox ADD COLUMN mac BLOB;
        ALTER TABLE data_keys ADD COLUMN check_value BLOB;
        CREATE TABLE digests (
            tbl TEXT NOT NULL,
            block INTEGER NOT NULL,
            digest BLOB NOT NULL,
            PRIMARY KEY (tbl, block)
        ) WITHOUT ROWID;
        """
    )


@MIGRATIONS()
def m004_record_summaries(db: Database) -> None:
    # Each record's list summary (carer_desk.records.summaries), sealed beside its payload
    # so a list of 20,000 carers opens a few hundred bytes per row, not every record
    # (docs/security.md, "Record summaries"). Sealing needs the data key, so this only
    # makes room: the next unlock builds the summaries of the records already held, in
    # batches that resume (storage.vault.summaries), and every write keeps them current.
    db.execute("ALTER TABLE records ADD COLUMN summary_sealed BLOB")


def migration_names() -> list[str]:
    return [m.name for m in MIGRATIONS._migrations]


def pending_names(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.pending(db)]


def backup_database(db: Database, path: Path, *, now: datetime | None = None) -> Path:
    """Consistent copy of the vault via the SQLite backup API; keeps the newest three.

    The copy holds the same ciphertext as the vault and is created readable by its owner
    only (0600), before a byte is written. It opens with the passphrase that was current
    when it was taken, which is why changing the passphrase removes the backups
    (:func:`remove_backups`).
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(target, 0o600)  # whatever the umask
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    except BaseException:
        dest.close()
        target.unlink(missing_ok=True)
        raise
    dest.close()
    logger.info("backed up vault before migrating to %s", target.name)
    for old in backups(path)[:-BACKUPS_KEPT]:
        _remove_copy(old)
    return target


def backups(path: Path) -> list[Path]:
    """The pre-migration copies of the vault at ``path``, oldest first."""
    return sorted(p for p in path.parent.glob(f"{path.name}.bak-*") if p.is_file())


def remove_backups(path: Path, *, unsealed_only: bool = False) -> list[Path]:
    """Delete the vault's backup copies; returns those removed.

    A backup opens with the passphrase that was current when it was taken, so after a
    passphrase change it would still open with the old one; and a copy from before the
    bookkeeping was authenticated (``unsealed_only``) is the one file whose edits the
    vault could not tell from the real thing (docs/threat-model.md).
    """
    removed = []
    for copy in backups(path):
        if unsealed_only and _is_sealed(copy):
            continue
        _remove_copy(copy)
        removed.append(copy)
    if removed:
        logger.info("removed %d backup copies of the vault", len(removed))
    return removed


def _is_sealed(copy: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        try:
            return (
                conn.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? AND name = ?",
                    (MIGRATIONS.name, "m003_authenticated_bookkeeping"),
                ).fetchone()
                is not None
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _remove_copy(copy: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)


def migrate(
    db: Database, path: Path | None, *, stop_before: str | list[str] | None = None
) -> list[str]:
    """Apply pending migrations, backing the file up first when it already holds a schema.

    Returns the names applied.
    """
    known = set(migration_names())
    unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    if unknown:
        raise VaultError(
            "This vault was last opened by a newer version of Carer Desk (its schema has "
            f"{', '.join(unknown)}). Update Carer Desk on this laptop before opening it."
        )
    pending = pending_names(db)
    if not pending:
        return []
    if path is not None and MIGRATIONS.applied(db):
        backup_database(db, path)
    MIGRATIONS.apply(db, stop_before=stop_before)
    applied = [n for n in pending if n not in pending_names(db)]
    if applied:
        logger.info("applied vault migrations: %s", ", ".join(applied))
    return applied
