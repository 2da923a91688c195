"""The vault file: creating one (owner-only, schema, header, first data key) and opening
one (pending schema migrations applied after a backup copy)."""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from carer_desk.errors import VaultError, VaultExists, VaultNotFound
from storage import schema
from storage.kdf import KEY_BYTES, KdfParams, derive_key
from storage.vault.connection import configure, connect, damaged
from storage.vault.header import Header
from storage.vault.keys import insert_data_key

logger = logging.getLogger(__name__)

FIRST_GENERATION = 1


@contextmanager
def creating(
    path: Path,
    passphrase: str,
    kdf: KdfParams,
    recovery_public_key_pem: bytes | None,
) -> Iterator[tuple[Database, bytearray, bytearray]]:
    """A new vault file at ``path``: yields ``(db, data_key, kek)`` for the caller to
    finish setting up. If anything fails before the block ends, the file is removed: a
    half-made vault is never left behind. ``kdf`` must carry its fresh salt."""
    if path.exists() and path.stat().st_size > 0:
        raise VaultExists(
            f"A vault already exists at {path}. Open it with your passphrase, or choose "
            "another location."
        )
    try:
        # The folder too is the owner's only (0700) when this creates it: it will hold the
        # WAL, the backups and the logs beside the vault.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Owner-only before the first byte is written; SQLite gives the -wal and -shm
        # files the same permissions as the database file.
        path.touch(mode=0o600, exist_ok=True)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise damaged(path, exc) from exc
    db = connect(path)
    try:
        configure(db)
        schema.migrate(db, None)
        vault_id = str(uuid.uuid4())
        data_key = bytearray(os.urandom(KEY_BYTES))
        kek = derive_key(passphrase, kdf)
        with db.atomic():
            Header(db).write_initial(Header.initial(vault_id, kdf, recovery_public_key_pem))
            insert_data_key(
                db, vault_id, FIRST_GENERATION, "active", data_key, kek, recovery_public_key_pem
            )
        yield db, data_key, kek
        logger.info("created vault %s", path)
    except BaseException:
        db.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise


@contextmanager
def opening(path: Path) -> Iterator[Database]:
    """The existing vault file at ``path``, migrated to the current schema. Closed again
    if the block fails; SQLite's errors become a VaultError a person can act on."""
    if not path.exists():
        raise VaultNotFound(
            f"There is no vault at {path}. Run `carer-desk vault init` to create one."
        )
    try:
        db = connect(path)
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc
    try:
        if "header" not in set(db.table_names()):
            raise VaultError(
                f"{path} is not a Carer Desk vault, or the vault file is damaged. Check "
                "the path; if it is your vault, restore it from your latest backup."
            )
        configure(db)
        schema.migrate(db, path)
        yield db
    except sqlite3.DatabaseError as exc:
        db.close()
        raise damaged(path, exc) from exc
    except BaseException:
        db.close()
        raise
