"""A lock file that tells admin commands a server process is using the data directory.

Serving processes hold a *shared* lock on ``server.lock``; ``rotate-key`` needs the
*exclusive* lock. A server that kept running through a rotation would keep sealing new
rows with the old key after it has been dropped from the key file, and those rows could
never be read again, so rotation refuses to start until every server is stopped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from sync.server.errors import AdminError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; the server runs on Linux
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "server.lock"


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
