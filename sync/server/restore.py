"""After a restore from a backup, the server knows it was restored, and so do the laptops.

A backup is the database as it was when it was taken. Laptops that synced after that hold
what the restored database lacks: work they sent (acknowledged, so they would never send it
again), versions they pulled, and a pull cursor past sequence numbers the restored database
will hand out again for other records. So a restored database starts a new *generation*:

* ``counters.generation`` becomes a new random number. Every laptop asks for it before it
  pushes (``GET /v1/generation``); a laptop that sees a new one lists what it holds
  (``POST /v1/versions``), sends again, as ordinary edits, every record the server lacks
  or holds an older version of, and pulls again from the beginning (sync.client.engine).
* ``counters.version_floor`` jumps to the time of the restore in microseconds (above any
  version stored): every version written from then on is above it, so a version number a
  laptop holds from before the loss never names different content, and what a laptop
  sends again is merged field by field like any edit made at the same time as another.

The database is marked restored by ``carer-desk-server mark-restored`` (the documented step
of a restore), and on its own when the server notices:

* at start-up (:func:`notice_at_start_up`), from the marker it keeps in its data directory
  (``database-generation.json``: the generation and the sequence number it last saw): a
  database behind its marker, of another generation, or with records but no marker (the
  data directory was lost with it) is a restored one. A database migrated to this schema
  by this very start is an upgrade, not a restore. The marker is written at start-up, at
  a clean stop, and while serving after every write that handed out sequence numbers
  (:class:`MarkerKeeper`): so a server that did not stop cleanly still knows how far the
  database had gone, and a backup restored under a surviving data directory is behind it;
* when a laptop asks with a pull cursor past the database's last sequence number
  (:func:`generation_for`): the laptop saw numbers this database never handed out.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.protocol import GenerationResponse, VersionsRequest, VersionsResponse
from sync.server.access import Principal, pull_scope
from sync.server.cursor import decode_cursor
from sync.server.store import SqlStore

log = logging.getLogger(__name__)

MARKER_FILE = "database-generation.json"
#: The migration that brought generations: a database migrated past it by a start-up was
#: upgraded, not restored.
RESTORE_REVISION = "0005_restore_generation"
_GENERATION_BITS = 62  # fits PostgreSQL's signed BIGINT, never 0


@dataclass(frozen=True)
class RestoreMark:
    generation: int
    version_floor: int
    reason: str


def _new_generation(current: int) -> int:
    while True:
        value = secrets.randbits(_GENERATION_BITS)
        if value not in (0, current):
            return value


def mark_restored(store: SqlStore, *, by: str, reason: str) -> RestoreMark:
    """Start a new generation of the database (one writing transaction, audited)."""
    with store.transaction(write=True) as tx:
        mark = _mark(tx, by=by, reason=reason)
    log.warning("database marked restored (%s): generation %d", reason, mark.generation)
    return mark


def _mark(tx: Any, *, by: str, reason: str) -> RestoreMark:
    now_us = time.time_ns() // 1000
    floor = max(now_us, tx.max_version(), tx.version_floor + 1)
    mark = RestoreMark(_new_generation(tx.generation()), floor, reason)
    tx.mark_restored(mark.generation, mark.version_floor)
    tx.audit(
        actor=by,
        action="mark-restored",
        details={
            "generation": str(mark.generation),
            "version_floor": mark.version_floor,
            "reason": reason,
        },
    )
    return mark


def generation_for(
    store: SqlStore, cursor_seq: int, *, known: str | None = None, username: str
) -> int:
    """The database's generation, as a laptop whose pull cursor is at ``cursor_seq`` is
    told it. A cursor past the last sequence number handed out was issued by a database
    this one was restored from: it is marked restored first, unless the laptop already
    knows of another generation than this one (``known``: it follows that restore, and its
    cursor goes back to the beginning)."""
    with store.transaction() as tx:
        generation, watermark = tx.generation(), tx.max_seq()
    if cursor_seq <= watermark or (known and known != str(generation)):
        return generation
    with store.transaction(write=True) as tx:
        # Another request may have marked it meanwhile, or new work caught up.
        if tx.generation() != generation or cursor_seq <= tx.max_seq():
            return tx.generation()
        reason = (
            f"a laptop of {username} had received sequence number {cursor_seq}; this "
            f"database had handed out {watermark}"
        )
        mark = _mark(tx, by="server", reason=reason)
    log.warning("database marked restored (%s): generation %d", reason, mark.generation)
    return mark.generation


class Generations:
    """The two calls a laptop makes to follow a restore (``/v1/generation``, ``/v1/versions``)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def generation(
        self, principal: Principal, since: str | None, known: str | None = None
    ) -> GenerationResponse:
        seq = decode_cursor(since)
        found = generation_for(self.store, seq, known=known, username=principal.username)
        return GenerationResponse(generation=str(found))

    def versions(self, principal: Principal, request: VersionsRequest) -> VersionsResponse:
        scope = pull_scope(principal)
        with self.store.transaction() as tx:
            held = tx.held_versions(request.record_ids, scope)
            generation = tx.generation()
        return VersionsResponse(versions=held, generation=str(generation))


# --- the marker in the data directory -----------------------------------------------------


def _read_marker(data_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((data_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s cannot be read (%s); writing it again", MARKER_FILE, exc)
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), int) for k in ("generation", "seq")
    ):
        log.warning("%s is not one this server wrote; writing it again", MARKER_FILE)
        return None
    return data


def remember_database(store: SqlStore, data_dir: Path) -> None:
    """Write the marker: this database's generation and the last sequence number it handed
    out (atomically, owner-only). At start-up and when the server stops."""
    with store.transaction() as tx:
        generation, seq = tx.generation(), tx.max_seq()
    _write_marker(data_dir, generation, seq)


def _write_marker(data_dir: Path, generation: int, seq: int) -> None:
    path = data_dir / MARKER_FILE
    # A name of its own per writer: the threads (and worker processes) of one host write it.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"generation": generation, "seq": seq}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class MarkerKeeper:
    """Keeps the marker current while the server serves: told by the store after every
    committed write that handed out sequence numbers or started a generation
    (``SqlStore.commit_listeners``), it writes the marker when that is further than it
    last wrote. Without it the marker was only as fresh as the last start or clean stop,
    and a nightly backup restored after a crash, under a surviving data directory, looked
    current: work sent after the backup was lost without anyone knowing, and its sequence
    numbers went to other records, which laptops that had seen the old ones then skipped.

    One small file written and synced per writing request (a push is one). With several
    worker processes each writes what it saw committed; the file may then lag by the last
    few writes of another process, never run ahead of the database. A failure to write is
    logged, never the request's: the write is committed."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._written: tuple[int, int] | None = None

    def __call__(self, generation: int, seq: int) -> None:
        with self._lock:
            last = self._written
            if last is not None and last[0] == generation and last[1] >= seq:
                return
            try:
                _write_marker(self.data_dir, generation, seq)
            except OSError as exc:
                log.warning("%s not brought up to date (%s)", MARKER_FILE, exc)
                return
            self._written = (generation, seq)


def restore_reason(store: SqlStore, data_dir: Path, *, upgraded: bool) -> str | None:
    """Why the database looks restored to a server starting on ``data_dir`` (None: it
    does not). ``upgraded``: this start migrated the database to the schema that has
    generations, so a missing marker means an upgrade, not a loss."""
    with store.transaction() as tx:
        generation, seq = tx.generation(), tx.max_seq()
    marker = _read_marker(data_dir)
    if marker is None:
        # A new server has neither records nor laptops yet when it first starts.
        if upgraded or (seq == 0 and not store.list_devices()):
            return None
        return (
            f"the database has laptops or records but {data_dir / MARKER_FILE} was missing "
            "(the data directory was lost with the database)"
        )
    if marker["generation"] != generation:
        return "the database is not the one this data directory last ran with"
    if seq < marker["seq"]:
        return (
            f"the database had handed out sequence number {marker['seq']} and now stands at "
            f"{seq} (it went back in time)"
        )
    return None


def notice_at_start_up(store: SqlStore, data_dir: Path, *, upgraded: bool) -> RestoreMark | None:
    """Mark the database restored when it looks so, then write the marker."""
    reason = restore_reason(store, data_dir, upgraded=upgraded)
    mark = mark_restored(store, by="server", reason=reason) if reason is not None else None
    remember_database(store, data_dir)
    return mark
