"""Locks that tell admin commands a server process is using the data: ``rotate-key`` must
never run while any server does.

A server that kept running through a rotation would keep sealing new rows with the old
key after it has been dropped from the key file, and those rows could never be read
again, so rotation refuses to start until every server is stopped. Two locks say so:

* a lock *file* (``server.lock`` in the data directory): serving processes hold it
  shared, ``rotate-key`` needs it exclusive. It covers every process on one host;
* on PostgreSQL, a session *advisory lock* on the database, held the same way on a
  connection of its own by every serving process, wherever it runs. It covers several
  hosts behind one reverse proxy, which share a database but not a data directory.

Servers hold both for as long as they run (the operating system and PostgreSQL release
them when the process or its connection ends, so a crash leaves nothing stale).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from sync.server.errors import AdminError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; the server runs on Linux
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "server.lock"
#: The advisory lock every server process holds shared on its PostgreSQL database
#: ("CDsv"); one number for the whole database, as there is one key file per database.
SERVING_LOCK_KEY = 0x43447376


class ServerRunning(AdminError):
    pass


def _open(data_dir: Path) -> IO[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    return os.fdopen(fd, "r+b")


def hold_shared(data_dir: Path) -> IO[bytes]:
    """Taken by every serving process for as long as it runs (released when it exits)."""
    handle = _open(data_dir)
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    return handle


def hold_exclusive(data_dir: Path) -> IO[bytes]:
    """Taken by ``rotate-key``; fails at once if any server process is running."""
    handle = _open(data_dir)
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ServerRunning(
                "A server is running on this data directory; stop it first "
                "(systemctl stop carer-desk-server), then rotate the key, then start it."
            ) from None
    return handle


class DatabaseLock:
    """A session advisory lock on a PostgreSQL database, on a connection of its own
    (outside the server's pool, in autocommit so it never sits idle in a transaction).
    On SQLite, which only one host can open, it holds nothing: the lock file covers it.
    """

    def __init__(self, database_url: str, *, exclusive: bool) -> None:
        from sync.server.store import normalise_database_url

        self._conn: Connection | None = None
        url = normalise_database_url(database_url)
        if not url.startswith("postgresql"):
            return
        engine = create_engine(url, poolclass=NullPool)
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        how = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
        taken = conn.execute(text(f"SELECT {how}(:key)"), {"key": SERVING_LOCK_KEY}).scalar()
        if not taken:
            conn.close()
            engine.dispose()
            if exclusive:
                raise ServerRunning(
                    "A server is running against this database, on this host or another; "
                    "stop every server process first (systemctl stop carer-desk-server on "
                    "each host), then rotate the key, then start them with the new key file."
                )
            raise ServerRunning(
                "The server key is being rotated (rotate-key is running against this "
                "database); start the server again when it has finished, with the new "
                "key file."
            )
        self._conn = conn
        self._engine = engine

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # ends the session, which releases the lock
            self._engine.dispose()
            self._conn = None

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ServingLocks:
    """What a serving process holds while it runs: the lock file and the database lock."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self._file = hold_shared(data_dir)
        try:
            self._database = DatabaseLock(database_url, exclusive=False)
        except BaseException:
            self._file.close()
            raise

    def close(self) -> None:
        self._database.close()
        self._file.close()
