"""The vault's SQLite schema as append-only, named migrations, and the pre-migration backup.

Never edit or reorder a released migration: add a new ``mNNN_...`` function instead. Every
released schema gets an upgrade test in tests/storage/test_schema_upgrade.py.

Clear columns hold only sync bookkeeping (ids, kind, versions, states, flags, key
generation, outbox order). Everything a person wrote lives in the ``sealed`` blobs.
"""

from __future__ import annotations

import logging
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


def migration_names() -> list[str]:
    return [m.name for m in MIGRATIONS._migrations]


def pending_names(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.pending(db)]


def backup_database(db: Database, path: Path, *, now: datetime | None = None) -> Path:
    """Consistent copy of the vault via the SQLite backup API; keeps the newest three.

    The copy holds the same ciphertext as the vault, so it is as safe to leave on disk.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    logger.info("backed up vault before migrating to %s", target.name)
    backups = sorted(path.parent.glob(f"{path.name}.bak-*"))
    for old in backups[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


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
