"""Wiping the laptop's vault when the server says the device is revoked.

Policy (also in docs/sync.md):

* **Revoked device** (reported lost or stolen): wipe *immediately* on the first contact
  that tells us, even if unsynced changes would be lost. The device is presumed to be in
  the wrong hands, so whatever it still holds is a liability, not work to save.
* **Normal sign-out or decommission**: wipe only once nothing unsynced would be lost
  (:func:`safe_to_decommission`); otherwise refuse and say how many changes still wait.

Overwrite-then-unlink defeats undelete tools on spinning disks and most file systems; on
SSDs with wear levelling old blocks may survive, which is why the real protection is the
encryption at rest — overwriting the vault file destroys the wrapped data key, and
without it the ciphertext that may linger in flash cells is useless.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
# SQLite's companions: write-ahead log, shared memory index, rollback journal.
_SQLITE_SUFFIXES = ("-wal", "-shm", "-journal")


def secure_delete(path: Path) -> bool:
    """Overwrite ``path`` with random bytes, flush it to disk, then unlink it.

    Returns False when the file did not exist. Random rather than zero bytes so a
    compressing or deduplicating file system cannot keep the old blocks aside.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with open(path, "r+b", buffering=0) as fh:
        remaining = size
        while remaining > 0:
            n = min(_CHUNK, remaining)
            fh.write(secrets.token_bytes(n))
            remaining -= n
        os.fsync(fh.fileno())
    path.unlink()
    return True


def vault_files(vault_path: Path) -> list[Path]:
    """The vault file, its SQLite companions, and any backups made before migrations
    (named after the vault file, e.g. ``vault.sqlite.bak-20261123``)."""
    found: dict[Path, None] = {}
    for suffix in ("", *_SQLITE_SUFFIXES):
        candidate = vault_path.with_name(vault_path.name + suffix)
        if candidate.exists():
            found[candidate] = None
    parent = vault_path.parent
    if parent.is_dir():
        for sibling in sorted(parent.iterdir()):
            if sibling.is_file() and sibling.name.startswith(vault_path.name):
                found[sibling] = None
    return list(found)


def wipe_vault_files(vault_path: Path) -> list[Path]:
    """Securely delete every file belonging to the vault at ``vault_path``; returns them.

    The caller must have closed the vault first (an open SQLite handle would recreate the
    WAL file)."""
    wiped = []
    for path in vault_files(vault_path):
        if secure_delete(path):
            wiped.append(path)
    log.warning("vault wiped: %d file(s) overwritten and removed", len(wiped))
    return wiped


def unsynced_count(states: Mapping[str, int]) -> int:
    """How many records still hold work the server has not acknowledged, from a
    ``count_by_state()`` mapping (state name -> count)."""
    unsynced = ("new", "changed", "sending", "conflict", "rejected")
    return sum(int(states.get(state, 0)) for state in unsynced)


def safe_to_decommission(states: Mapping[str, int]) -> bool:
    return unsynced_count(states) == 0
