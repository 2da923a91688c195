"""The ``records`` table: each record's clear bookkeeping beside its sealed payload.

Every write of a record's payload (a local edit, a tombstone, a pulled version) goes
through the one statement :data:`UPSERT`, and every sync state written comes from
:mod:`storage.vault.transitions`. This module does
not know the outbox; :mod:`storage.vault.edits` and :mod:`storage.vault.outbox` combine the
two.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from carer_desk.errors import NotFoundError, RecordIntegrityError, ValidationError, VaultLocked
from carer_desk.ports import JSONDict, RecordMeta, SyncState
from carer_desk.records.summaries import summarise
from storage.keyring import Keyring
from storage.sealing import (
    SealBroken,
    conflict_ad,
    decode_json,
    encode_json,
    encode_summary,
    record_ad,
    summary_ad,
    unseal,
)
from storage.vault.connection import chunks, damaged, marks
from storage.vault.context import VaultContext
from storage.vault.layout import TAG_BYTES, record_message, tag
from storage.vault.transitions import RecordEvent, sync_state_after

logger = logging.getLogger(__name__)

_STATE_OF = {state.value: state for state in SyncState}

# The one statement that writes a record row: a local edit, a tombstone, a pulled version.
# Parameters: id, kind, version, server_version, sync_state, deleted, key_gen, sealed,
# summary_sealed, mac. An edit passes the row's own kind and server version, so updating
# them changes nothing.
UPSERT = (
    "INSERT INTO records (id, kind, version, server_version, sync_state, deleted, key_gen, "
    "sealed, summary_sealed, conflict_sealed, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) "
    "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, version = excluded.version, "
    "server_version = excluded.server_version, sync_state = excluded.sync_state, "
    "deleted = excluded.deleted, key_gen = excluded.key_gen, sealed = excluded.sealed, "
    "summary_sealed = excluded.summary_sealed, conflict_sealed = NULL, mac = excluded.mac"
)


@dataclass(frozen=True)
class StoredRow:
    """The clear columns of a record row, as an edit needs them."""

    kind: str
    version: int
    server_version: int | None
    sync_state: SyncState
    deleted: bool


def check_ids(kind: str, record_id: str) -> None:
    problems = []
    if not isinstance(kind, str) or not kind:
        problems.append(("kind", "must be a non-empty text"))
    if not isinstance(record_id, str) or not record_id:
        problems.append(("id", "must be a non-empty text"))
    if problems:
        raise ValidationError(problems)


def check_same_kind(record_id: str, held: str, kind: str) -> None:
    if held != kind:
        raise ValidationError([("id", f"{record_id} already holds a {held} record, not a {kind}")])


def edit_event(server_version: int | None) -> RecordEvent:
    return RecordEvent.EDITED_UNSEEN if server_version is None else RecordEvent.EDITED


class RecordTable:
    def __init__(self, ctx: VaultContext) -> None:
        self._ctx = ctx

    # ------------------------------------------------------------------ writes

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Upsert rows shaped as :data:`UPSERT`'s parameters (their MAC last)."""
        rows = list(rows)
        self._ctx.conn.executemany(UPSERT, rows)
        self._ctx.written["records"].update((row[0], row[-1]) for row in rows)

    def sealed_row(
        self,
        record_id: str,
        kind: str,
        version: int,
        server_version: int | None,
        state: SyncState,
        plaintext: bytes | bytearray,
        *,
        deleted: bool = False,
        listed: Mapping[str, Any] | None = None,
    ) -> tuple[Any, ...]:
        """One :data:`UPSERT` parameter row, the payload sealed under the write key, its
        summary (of ``listed``, the payload as a dict; a tombstone has none) sealed beside
        it, and the row's bookkeeping MACed (storage.vault.layout)."""
        ctx = self._ctx
        gen = ctx.write_gen()
        sealed = ctx.seal(gen, plaintext, record_ad(record_id, kind, version, gen))
        summary = None if deleted or listed is None else summarise(kind, listed)
        summary_sealed = (
            None
            if summary is None
            else ctx.seal(
                gen, encode_summary(summary), summary_ad(record_id, kind, version, gen, tag(sealed))
            )
        )
        clear = (record_id, kind, version, server_version, state.value, int(deleted), gen)
        mac = ctx.keys().rows[gen](record_message(*clear, tag(sealed), None))
        return (*clear, sealed, summary_sealed, mac)

    def remove(self, record_id: str) -> None:
        self.remove_many([record_id])

    def remove_many(self, record_ids: Iterable[str]) -> None:
        self._ctx.conn.executemany(
            "DELETE FROM records WHERE id = ?", [(rid,) for rid in record_ids]
        )

    def set_sync_states(self, states: Iterable[tuple[str, SyncState]]) -> None:
        self._ctx.conn.executemany(
            "UPDATE records SET sync_state = ? WHERE id = ?",
            [(state.value, record_id) for record_id, state in states],
        )

    def acknowledged(self, record_id: str, server_version: int, *, more_waiting: bool) -> None:
        """The server applied a change of ``record_id`` as ``server_version``."""
        self.acknowledged_many([(record_id, server_version, more_waiting)])

    def acknowledged_many(self, acks: list[tuple[str, int, bool]]) -> None:
        """``(record_id, server_version, more_waiting)`` for records the server applied a
        change of, each record once, in a few statements per 500 whatever their number."""
        conn = self._ctx.conn
        wanted = {rid: (version, more) for rid, version, more in acks}
        gone: list[str] = []
        updates: list[tuple[int, str, str]] = []
        for chunk in chunks(list(wanted)):
            for record_id, state, deleted, conflict_open in conn.execute(
                "SELECT id, sync_state, deleted, conflict_sealed IS NOT NULL FROM records "
                f"WHERE id IN ({marks(len(chunk))})",
                chunk,
            ).fetchall():
                server_version, more_waiting = wanted[record_id]
                if more_waiting:
                    # Later local edits were built on top of the change just acknowledged.
                    event = RecordEvent.PARTLY_ACKNOWLEDGED
                elif deleted:
                    gone.append(record_id)  # the server has the delete: nothing left to keep
                    continue
                else:
                    # An open conflict stays visible until the person resolves it.
                    event = (
                        RecordEvent.ACKNOWLEDGED_IN_CONFLICT
                        if conflict_open
                        else RecordEvent.ACKNOWLEDGED
                    )
                after = sync_state_after(SyncState(state), event)
                updates.append((server_version, after.value, record_id))
        self.remove_many(gone)
        conn.executemany(
            "UPDATE records SET server_version = ?, sync_state = ? WHERE id = ?", updates
        )

    def move_many(self, record_ids: list[str], event: RecordEvent) -> None:
        """Move the sync state of each of ``record_ids`` held here on ``event``."""
        conn = self._ctx.conn
        for chunk in chunks(record_ids):
            rows = conn.execute(
                f"SELECT id, sync_state FROM records WHERE id IN ({marks(len(chunk))})", chunk
            ).fetchall()
            self.set_sync_states(
                (rid, sync_state_after(SyncState(state), event)) for rid, state in rows
            )

    # ------------------------------------------------------------------ reads

    def stored(self, record_id: str) -> StoredRow | None:
        row = self._ctx.conn.execute(
            "SELECT kind, version, server_version, sync_state, deleted FROM records WHERE id = ?",
            (record_id,),
        ).fetchone()
        return (
            None
            if row is None
            else StoredRow(row[0], row[1], row[2], SyncState(row[3]), bool(row[4]))
        )

    def stored_many(self, record_ids: list[str]) -> dict[str, StoredRow]:
        found: dict[str, StoredRow] = {}
        conn = self._ctx.conn
        for chunk in chunks(record_ids):
            for rid, kind, version, server_version, state, deleted in conn.execute(
                "SELECT id, kind, version, server_version, sync_state, deleted FROM records "
                f"WHERE id IN ({marks(len(chunk))})",
                chunk,
            ):
                found[rid] = StoredRow(
                    kind, version, server_version, SyncState(state), bool(deleted)
                )
        return found

    def _live(self, record_id: str, kind: str) -> tuple[int, int, bytes] | None:
        return self._ctx.conn.execute(
            "SELECT version, key_gen, sealed FROM records WHERE id = ? AND kind = ? "
            "AND deleted = 0",
            (record_id, kind),
        ).fetchone()

    def payload_plaintext(self, record_id: str, kind: str) -> bytes | None:
        """The live payload's plaintext, or None if it does not open (or there is none)."""
        row = self._live(record_id, kind)
        if row is None:
            return None
        version, gen, sealed = row
        return self._ctx.open(gen, sealed, record_ad(record_id, kind, version, gen))

    def live_payload(self, record_id: str, kind: str) -> Any | None:
        """The live payload, or None if it does not open (or there is none)."""
        row = self._live(record_id, kind)
        if row is None:
            return None
        version, gen, sealed = row
        return self._ctx.open_json(gen, sealed, record_ad(record_id, kind, version, gen))

    def get(self, kind: str, record_id: str) -> JSONDict:
        self._ctx.keys()
        row = self._live(record_id, kind)
        if row is None:
            raise NotFoundError(f"There is no {kind} record with id {record_id}.")
        version, gen, sealed = row
        payload = self._ctx.open_json(gen, sealed, record_ad(record_id, kind, version, gen))
        if payload is None:
            raise self._damaged(record_id, kind)
        return payload

    def meta(self, record_id: str) -> RecordMeta:
        row = self._ctx.conn.execute(
            "SELECT kind, version, server_version, sync_state, deleted FROM records WHERE id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no record with id {record_id}.")
        return RecordMeta(record_id, row[0], row[1], row[2], SyncState(row[3]), bool(row[4]))

    def iter_kind(self, kind: str) -> Iterator[tuple[str, JSONDict]]:
        """Every live record of ``kind`` as (id, payload), in the order they were first
        written; a damaged one is skipped and reported through damaged_records()."""
        return self._iter(kind, with_states=False)

    def iter_kind_states(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        """As :meth:`iter_kind`, each record with its sync state, read in the same query
        (a list of carers then needs no second pass over the table for :meth:`sync_states`)."""
        return self._iter(kind, with_states=True)

    def _iter(self, kind: str, *, with_states: bool) -> Iterator[Any]:
        """Every live record of ``kind``, as :meth:`iter_kind` or :meth:`iter_kind_states`.

        One query fetches every row (no query per record), under the lock only while it
        runs; payloads are opened as the caller iterates, and each sealed blob is let go
        as soon as its payload is handed out, so a listing of 20,000 carers never holds
        every ciphertext beside every decoded payload.
        """
        ctx = self._ctx
        keys, rows = self._live_rows("sealed", (kind,))
        # The loop below is what listing 20,000 carers spends its time in, so it opens each
        # blob with the cipher of its generation looked up once per generation rather than
        # through open_json's calls per row; what "does not open" means is unchanged
        # (storage.sealing.unseal and decode_json, as VaultContext.open_json).
        ciphers = keys.aead
        state_of = _STATE_OF
        while rows:
            record_id, version, gen, sealed, state = rows.pop()
            if ctx.keyring is not keys:
                # Locked (idle auto-lock) while the caller was still iterating: stop, rather
                # than report every remaining record as damaged.
                raise VaultLocked("The vault was locked: unlock it with your passphrase first.")
            payload = None
            aead = ciphers.get(gen)
            if aead is not None and sealed is not None:
                try:
                    payload = decode_json(
                        unseal(aead, sealed, record_ad(record_id, kind, version, gen))
                    )
                except (SealBroken, ValueError):
                    payload = None
            if payload is None:
                self._damaged(record_id, kind)
                continue
            if with_states:
                yield record_id, payload, state_of.get(state) or SyncState(state)
            else:
                yield record_id, payload

    def iter_kind_summaries(self, kind: str) -> Iterator[tuple[str, JSONDict, SyncState]]:
        """Every live record of ``kind`` as (id, summary, sync state), in the order they
        were first written: the payload cut down to what a list shows
        (:func:`carer_desk.records.summaries.summarise`), read from the summary sealed
        beside it, so the payload itself is not opened. A record whose summary is missing
        (not built yet) or does not open has it made from its payload instead; a damaged
        record is skipped and reported through damaged_records(). An empty summary for a
        kind no list shows."""
        ctx = self._ctx
        keys, rows = self._live_rows("summary_sealed, substr(sealed, ?)", (-TAG_BYTES, kind))
        ciphers = keys.aead
        state_of = _STATE_OF
        listed = summarise(kind, {}) is not None
        while rows:
            record_id, version, gen, blob, sealed_tag, state = rows.pop()
            if ctx.keyring is not keys:
                raise VaultLocked("The vault was locked: unlock it with your passphrase first.")
            summary = None
            aead = ciphers.get(gen)
            if aead is not None and blob is not None and sealed_tag is not None:
                try:
                    summary = decode_json(
                        unseal(aead, blob, summary_ad(record_id, kind, version, gen, sealed_tag))
                    )
                except (SealBroken, ValueError):
                    summary = None
            if summary is None:
                with ctx.lock:
                    payload = self.live_payload(record_id, kind)
                if payload is None:
                    self._damaged(record_id, kind)
                    continue
                summary = summarise(kind, payload) if listed else {}
            yield record_id, summary, state_of.get(state) or SyncState(state)

    def _live_rows(self, blobs: str, params: tuple[Any, ...]) -> tuple[Keyring, list[Any]]:
        """The keys held, and ``id, version, key_gen, <blobs>, sync_state`` of every live
        record of a kind (the last parameter) in reverse rowid order, so pop() from the end
        hands them out as first written: one query, under the lock only while it runs."""
        ctx = self._ctx
        with ctx.lock:
            keys = ctx.keys()
            try:
                rows = ctx.conn.execute(
                    f"SELECT id, version, key_gen, {blobs}, sync_state FROM records "
                    "WHERE kind = ? AND deleted = 0 ORDER BY rowid",
                    params,
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise damaged(ctx.path, exc) from exc
        rows.reverse()
        return keys, rows

    def sync_states(self, kind: str) -> dict[str, SyncState]:
        """Every live record of a kind and its sync state, in one query (for lists)."""
        state_of = _STATE_OF  # a dict look-up: SyncState(value) per row was a tenth of a list
        return {
            record_id: state_of.get(state) or SyncState(state)
            for record_id, state in self._ctx.conn.execute(
                "SELECT id, sync_state FROM records WHERE kind = ? AND deleted = 0", (kind,)
            )
        }

    def count_by_state(self) -> dict[SyncState, int]:
        counts = dict.fromkeys(SyncState, 0)
        for state, n in self._ctx.conn.execute(
            "SELECT sync_state, COUNT(*) FROM records GROUP BY sync_state"
        ):
            counts[SyncState(state)] = n
        return counts

    # ------------------------------------------------------------------ conflicts

    def mark_conflict(self, record_id: str, details: Mapping[str, Any]) -> None:
        row = self._ctx.conn.execute(
            "SELECT key_gen, sync_state FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no record with id {record_id}.")
        gen = row[0]  # sealed under the row's own generation, like its payload
        if gen not in self._ctx.keys().aead:
            raise RecordIntegrityError(record_id)
        state = sync_state_after(SyncState(row[1]), RecordEvent.CONFLICT_FOUND)
        self._ctx.conn.execute(
            "UPDATE records SET sync_state = ?, conflict_sealed = ? WHERE id = ?",
            (
                state.value,
                self._ctx.seal(gen, encode_json(dict(details)), conflict_ad(record_id, gen)),
                record_id,
            ),
        )

    def conflict_details(self, record_id: str) -> dict[str, Any] | None:
        self._ctx.keys()
        row = self._ctx.conn.execute(
            "SELECT kind, key_gen, conflict_sealed FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no record with id {record_id}.")
        kind, gen, sealed = row
        if sealed is None:
            return None
        details = self._ctx.open_json(gen, sealed, conflict_ad(record_id, gen))
        if details is None:
            self._ctx.note_damaged(record_id, kind)
            raise RecordIntegrityError(record_id, kind)
        return details

    def _damaged(self, record_id: str, kind: str) -> RecordIntegrityError:
        self._ctx.note_damaged(record_id, kind)
        logger.warning("record %s (%s) failed its integrity check", record_id, kind)
        return RecordIntegrityError(record_id, kind)
