"""The vault's SQLite connection: how a file is opened, the pragmas every connection gets,
and how SQLite's low-level errors become a message a person can act on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from carer_desk.errors import VaultError

SQL_CHUNK = 500  # ids per IN (...) query, well below SQLite's variable limit

T = TypeVar("T")


def connect(path: Path) -> Database:
    """A connection with no pragmas yet: a file is checked to be a vault before anything
    (such as switching it to WAL) is written to it."""
    # isolation_level=None: no implicit transactions; every multi-row change is an explicit
    # db.atomic() block, so what is committed together is visible in the code.
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    return Database(conn, execute_plugins=False)


def configure(db: Database) -> None:
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


def damaged(path: Path, exc: BaseException) -> VaultError:
    """The VaultError to show for a low-level failure reading or writing ``path``."""
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


def chunks(items: Sequence[T], size: int = SQL_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(conn: sqlite3.Connection, insert: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run ``insert`` (an ``INSERT ... VALUES`` with one ``(...)`` group) for every row,
    many rows per statement. For a table with AUTOINCREMENT this is far cheaper than one
    statement per row (SQLite updates the sequence once per statement), and rows are still
    inserted, and numbered, in the order given."""
    if not rows:
        return
    head, group = insert.rsplit("VALUES", 1)
    width = len(rows[0])
    per_statement = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    for chunk in chunks(rows, per_statement):
        conn.execute(
            f"{head}VALUES {','.join([group.strip()] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def marks(count: int) -> str:
    """``?, ?, ?`` placeholders for an IN (...) list of ``count`` values."""
    return ",".join("?" * count)
