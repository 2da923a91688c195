"""The outbox: local changes waiting for the server, and what each answer does to them.

Every change has a client-generated id, so a push resent after a crash is applied once.
Which state a change moves to on each event is decided by
:data:`storage.vault.transitions.CHANGE_TRANSITIONS`, and the sync state its record shows by
:data:`storage.vault.transitions.SYNC_STATE_TRANSITIONS`; this module reads and writes the
rows accordingly. Every write of an outbox row is in this module.

An upsert change does not copy the payload: its payload is the record's current sealed
payload (``outbox.sealed`` is NULL). That halves what a bulk import writes, and is exact
because an unsent upsert absorbs later edits of its record, and a change already being sent
is given its own sealed snapshot before its record moves on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from carer_desk.errors import NotFoundError
from carer_desk.ports import HeldBackChange, OutboxChange, Priority
from storage.sealing import encode_json, outbox_ad, reason_ad, record_ad
from storage.vault.connection import chunks, insert_rows, marks
from storage.vault.context import VaultContext
from storage.vault.layout import MACED_OUTBOX, MACED_RECORDS, outbox_message
from storage.vault.records import RecordTable
from storage.vault.seal import Sealer, SendCheck
from storage.vault.transitions import (
    ChangeEvent,
    ChangeState,
    RecordEvent,
    allows,
    next_change_state,
    states_allowing,
)

logger = logging.getLogger(__name__)

# (record_id, kind, base_version, priority, record_exists): an upsert to queue.
QueuedUpsert = tuple[str, str, int | None, int, bool]

_INSERT = (
    "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, state, "
    "key_gen, sealed, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)"
)
# Each change with what is needed to check it (rowid, MACed values, MAC) and to open it,
# and the same for its record.
_OUTBOX_WIDTH = len(MACED_OUTBOX.values)
_RECORD_WIDTH = len(MACED_RECORDS.values)
_SELECT = (
    f"SELECT o.rowid, {MACED_OUTBOX.expressions('o.')}, o.mac, "
    "o.seq, o.base_version, o.priority, o.key_gen, o.sealed, o.reason_sealed, "
    f"r.rowid, {MACED_RECORDS.expressions('r.')}, r.mac, r.version, r.key_gen, r.sealed "
    "FROM outbox o LEFT JOIN records r ON r.id = o.record_id "
)


def new_change_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs, built in one pass: uuid.uuid4() per row was a
    visible share of a 10,000-record import."""
    raw = bytearray(os.urandom(16 * count))
    ids = []
    for i in range(0, len(raw), 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw[i : i + 16].hex()
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def _in(states: Sequence[ChangeState]) -> str:
    """A SQL list of state names (constants of this module, never input)."""
    return ", ".join(f"'{s.value}'" for s in states)


class Outbox:
    def __init__(self, ctx: VaultContext, records: RecordTable, sealer: Sealer) -> None:
        self._ctx = ctx
        self._records = records
        self._seal = sealer

    # ------------------------------------------------------------------ local changes

    def queue_upserts(self, items: list[QueuedUpsert]) -> None:
        """Outbox entries for upserts, inside the caller's transaction, BEFORE the record
        rows are overwritten. A newer edit is absorbed by its record's unsent upsert
        (sending each intermediate edit with the same base version would make the server
        see our own edits as conflicting) and supersedes the record's other changes."""
        conn = self._ctx.conn
        absorbed: dict[str, str] = {}
        existing_ids = [rid for rid, _k, _b, _p, exists in items if exists]
        for chunk in chunks(existing_ids):
            absorbed.update(self.supersede(chunk, absorb=True))
        # Changes of one record must reach the server in the order they were made, whatever
        # their priority: an urgent edit lifts its record's earlier changes to its priority
        # (they then drain by seq), rather than overtaking them.
        lifts = [(priority, rid, priority) for rid, _k, _b, priority, exists in items if exists]
        if lifts:
            conn.executemany(
                "UPDATE outbox SET priority = ? WHERE record_id = ? AND priority > ?", lifts
            )
        gen = self._ctx.write_gen()
        mac = self._ctx.keys().rows[gen]
        pending = ChangeState.PENDING.value
        inserts = []
        updates = []
        fresh = iter(new_change_ids(len(items) - len(absorbed)))
        for rid, kind, base, priority, _exists in items:
            change_id = absorbed.get(rid)
            if change_id is not None:
                updates.append((base, priority, change_id))
            else:
                inserts.append((next(fresh), rid, kind, "upsert", base, priority, pending, gen))
        macs = mac.many([outbox_message(*row, None, None) for row in inserts])
        inserts = [(*row, m) for row, m in zip(inserts, macs, strict=True)]
        if updates:
            conn.executemany(
                "UPDATE outbox SET base_version = ?, priority = MIN(priority, ?) "
                "WHERE change_id = ?",
                updates,
            )
        if inserts:
            insert_rows(conn, _INSERT, inserts)
            self._ctx.written["outbox"].update((row[0], row[-1]) for row in inserts)

    def queue_delete(self, record_id: str, kind: str, base_version: int | None) -> None:
        gen = self._ctx.write_gen()
        row = (
            new_change_ids(1)[0],
            record_id,
            kind,
            "delete",
            base_version,
            Priority.NORMAL,
            ChangeState.PENDING.value,
            gen,
        )
        mac = self._ctx.keys().rows[gen](outbox_message(*row, None, None))
        self._ctx.conn.execute(_INSERT, (*row, mac))
        self._ctx.written["outbox"][row[0]] = mac

    def supersede(self, record_ids: Sequence[str], *, absorb: bool) -> dict[str, str]:
        """A newer local change of each record is about to be written: move the changes the
        records already have (ABSORB for an unsent upsert when ``absorb``, SUPERSEDE for the
        rest). Returns, per record, the change id that absorbed the edit."""
        conn = self._ctx.conn
        self._snapshot_in_flight(record_ids)
        moves = []
        absorbed: dict[str, str] = {}
        for change_id, rid, op, state in conn.execute(
            "SELECT change_id, record_id, op, state FROM outbox "
            f"WHERE record_id IN ({marks(len(record_ids))}) ORDER BY seq",
            record_ids,
        ).fetchall():
            current = ChangeState(state)
            event = ChangeEvent.SUPERSEDE
            if (
                absorb
                and op == "upsert"
                and rid not in absorbed
                and allows(current, ChangeEvent.ABSORB)
            ):
                event = ChangeEvent.ABSORB
                absorbed[rid] = change_id
            moves.append((change_id, current, next_change_state(current, event)))
        self._apply(moves)
        return absorbed

    def _snapshot_in_flight(self, record_ids: Sequence[str]) -> None:
        """Give changes being sent their own copy of the payload they were made with."""
        ctx = self._ctx
        gen = ctx.write_gen()
        updates = []
        for change_id, rid, kind, version, old, sealed in ctx.conn.execute(
            "SELECT o.change_id, o.record_id, o.kind, r.version, r.key_gen, r.sealed "
            "FROM outbox o JOIN records r ON r.id = o.record_id "
            f"WHERE o.record_id IN ({marks(len(record_ids))}) "
            f"AND o.state = '{ChangeState.SENDING.value}' AND o.op = 'upsert' "
            "AND o.sealed IS NULL",
            record_ids,
        ).fetchall():
            plain = ctx.open(old, sealed, record_ad(rid, kind, version, old))
            if plain is None:
                ctx.note_damaged(rid, kind)
                continue
            updates.append(
                (gen, ctx.seal(gen, plain, outbox_ad(change_id, rid, kind, gen)), change_id)
            )
        ctx.conn.executemany(
            "UPDATE outbox SET key_gen = ?, sealed = ? WHERE change_id = ?", updates
        )

    def has_changes(self, record_id: str) -> bool:
        return (
            self._ctx.conn.execute(
                "SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)
            ).fetchone()
            is not None
        )

    def with_changes(self, record_ids: Sequence[str]) -> set[str]:
        """Which of these records have a change in the outbox (one query per 500)."""
        found: set[str] = set()
        for chunk in chunks(list(record_ids)):
            query = (
                f"SELECT DISTINCT record_id FROM outbox WHERE record_id IN ({marks(len(chunk))})"
            )
            found.update(rid for (rid,) in self._ctx.conn.execute(query, chunk))
        return found

    def count_in_state(self, record_id: str, state: ChangeState) -> int:
        return self._ctx.conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE record_id = ? AND state = ?",
            (record_id, state.value),
        ).fetchone()[0]

    # ------------------------------------------------------------------ reading

    def pending(self, limit: int) -> list[OutboxChange]:
        """Changes to push, safeguarding first, then oldest first: every change a push may
        take (including ones left 'sending' by an interrupted push: the server's idempotent
        push returns the stored result for a change id it already applied).

        Only changes that are authentic and current are handed out: the change's row and
        its record's row must match their MACs, and the blocks holding them the seal
        (storage.vault.seal.SendCheck). Any other is held back — kept, never sent, and
        reported by held_back() — so an outbox row added to the file, or a record put
        back to an older version, never reaches the server."""
        check = SendCheck(self._seal)
        found = []
        for change, _ in self._rows(
            f"WHERE o.state IN ({_in(states_allowing(ChangeEvent.SEND))}) "
            "ORDER BY o.priority, o.seq",
            (),
            check,
        ):
            found.append(change)
            if len(found) >= limit:
                break
        return found

    def held_back(self) -> list[HeldBackChange]:
        """The changes pending() refused since last asked (and forgets them)."""
        held = list(self._ctx.held_back.values())
        self._ctx.held_back.clear()
        return held

    def rejected(self) -> list[tuple[OutboxChange, str]]:
        return [
            (change, reason or "")
            for change, reason in self._rows(
                f"WHERE o.state = '{ChangeState.REJECTED.value}' ORDER BY o.seq", ()
            )
        ]

    def _rows(
        self, where: str, params: tuple[Any, ...], check: SendCheck | None = None
    ) -> Iterator[tuple[OutboxChange, str | None]]:
        """Outbox changes with their payloads opened; a damaged one is skipped and
        reported through damaged_records(), so it never blocks the others; with
        ``check``, one that is not authentic is held back."""
        ctx = self._ctx
        ctx.keys()
        o_end = 1 + _OUTBOX_WIDTH
        r_start = o_end + 7
        r_end = r_start + 1 + _RECORD_WIDTH
        for row in ctx.conn.execute(_SELECT + where, params):
            o_values = tuple(row[1:o_end])
            change_id, rid, kind, op = o_values[:4]
            seq, base, priority, gen, sealed, reason = row[o_end + 1 : r_start]
            r_rowid = row[r_start]
            r_values = tuple(row[r_start + 1 : r_end])
            r_mac, r_version, r_gen, r_sealed = row[r_end : r_end + 4]
            if check is not None:
                problem = check.problem("outbox", row[0], o_values, row[o_end])
                if problem is None and r_rowid is not None:
                    problem = check.problem("records", r_rowid, r_values, r_mac)
                if problem is not None:
                    ctx.held_back[change_id] = HeldBackChange(change_id, rid, kind, problem)
                    logger.warning("outbox change %s held back: %s", change_id, problem)
                    continue
            opened = True
            payload = text = None
            if sealed is not None:
                payload = ctx.open_json(gen, sealed, outbox_ad(change_id, rid, kind, gen))
                opened = payload is not None
            elif op == "upsert":
                # No snapshot: the payload is the record's own (a change whose record is
                # missing does not open either).
                payload = ctx.open_json(r_gen, r_sealed, record_ad(rid, kind, r_version, r_gen))
                opened = payload is not None
            if opened and reason is not None:
                text = ctx.open_json(gen, reason, reason_ad(change_id, gen))
                opened = text is not None
            if not opened:
                ctx.note_damaged(rid, kind)
                logger.warning("outbox change %s failed its integrity check", change_id)
                continue
            yield OutboxChange(change_id, rid, kind, op, base, payload, priority, seq), text

    # ------------------------------------------------------------------ the server's answers

    def mark_sending(self, change_ids: list[str]) -> None:
        """A push takes these changes. One the table does not let be sent (a rejected
        change, from a push prepared before the rejection) is left as it is."""
        conn = self._ctx.conn
        for chunk in chunks(change_ids):
            rows = conn.execute(
                f"SELECT change_id, state FROM outbox WHERE change_id IN ({marks(len(chunk))})",
                chunk,
            ).fetchall()
            self._apply(
                [
                    (cid, ChangeState(s), next_change_state(ChangeState(s), ChangeEvent.SEND))
                    for cid, s in rows
                    if allows(ChangeState(s), ChangeEvent.SEND)
                ]
            )
            # A record shows 'sending' only when nothing newer is waiting behind it, and
            # never hides an open conflict.
            sending = ChangeState.SENDING.value
            all_sent = conn.execute(
                "SELECT id FROM records WHERE id IN "
                f"(SELECT record_id FROM outbox WHERE change_id IN ({marks(len(chunk))})) "
                "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = records.id "
                "AND o.state != ?) AND conflict_sealed IS NULL",
                (*chunk, sending),
            ).fetchall()
            self._records.move_many([rid for (rid,) in all_sent], RecordEvent.ALL_SENDING)

    def acknowledge(self, change_id: str, server_version: int) -> None:
        """The server applied ``change_id`` as ``server_version``. Acknowledging twice is
        harmless (a retried push)."""
        self.acknowledge_many([(change_id, server_version)])

    def acknowledge_many(self, acks: Sequence[tuple[str, int]]) -> None:
        """Each ``(change_id, server_version)`` as :meth:`acknowledge`, in a few statements
        per 500 changes instead of five per change. Changes of one record are acknowledged
        one after another, in order (each rebases the ones behind it)."""
        found: dict[str, tuple[str, ChangeState]] = {}
        self._read_states(list(dict.fromkeys(change_id for change_id, _ in acks)), found)
        rounds: list[list[tuple[str, int]]] = []
        round_of: dict[str, int] = {}  # record id -> the last round it is in
        for change_id, server_version in acks:
            if change_id not in found:
                logger.info("acknowledgement for unknown change %s ignored", change_id)
                continue
            record_id = found[change_id][0]
            n = round_of[record_id] + 1 if record_id in round_of else 0
            round_of[record_id] = n
            if n == len(rounds):
                rounds.append([])
            rounds[n].append((change_id, server_version))
        for n, round_acks in enumerate(rounds):
            if n:  # a later change of a record: read the state the earlier ones left
                ids = [cid for cid, _ in round_acks]
                for cid in ids:
                    found.pop(cid, None)  # the same id acknowledged twice: gone now
                self._read_states(ids, found)
            self._acknowledge_round(round_acks, found)

    def _read_states(self, change_ids: list[str], into: dict[str, tuple[str, ChangeState]]) -> None:
        for chunk in chunks(change_ids):
            for change_id, record_id, state in self._ctx.conn.execute(
                "SELECT change_id, record_id, state FROM outbox "
                f"WHERE change_id IN ({marks(len(chunk))})",
                chunk,
            ).fetchall():
                into[change_id] = (record_id, ChangeState(state))

    def _acknowledge_round(
        self, acks: list[tuple[str, int]], found: dict[str, tuple[str, ChangeState]]
    ) -> None:
        """Acknowledge changes of distinct records (``found``: each one's record and state)."""
        present = [(cid, version) for cid, version in acks if cid in found]
        self._apply(
            (cid, found[cid][1], next_change_state(found[cid][1], ChangeEvent.ACKNOWLEDGE))
            for cid, _ in present
        )
        versions = {found[cid][0]: version for cid, version in present}
        waiting = self.with_changes(list(versions))
        self._ctx.conn.executemany(
            "UPDATE outbox SET base_version = ? WHERE record_id = ? "
            f"AND state IN ({_in(states_allowing(ChangeEvent.REBASE))})",
            [(versions[rid], rid) for rid in waiting],
        )
        self._records.acknowledged_many(
            [(rid, version, rid in waiting) for rid, version in versions.items()]
        )

    def reject(self, change_id: str, reason: str) -> None:
        ctx = self._ctx
        gen = ctx.write_gen()
        row = ctx.conn.execute(
            "SELECT record_id, kind, state, key_gen, sealed FROM outbox WHERE change_id = ?",
            (change_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no outbox change {change_id}.")
        rid, kind, state, old_gen, sealed = row
        target = next_change_state(ChangeState(state), ChangeEvent.REJECT)
        if sealed is not None and old_gen != gen:
            # Keep the whole row under one key generation.
            sealed = ctx.reseal(sealed, old_gen, gen, lambda g: outbox_ad(change_id, rid, kind, g))
        ctx.conn.execute(
            "UPDATE outbox SET state = ?, key_gen = ?, sealed = ?, reason_sealed = ? "
            "WHERE change_id = ?",
            (
                target.value,
                gen,
                sealed,
                ctx.seal(gen, encode_json(reason), reason_ad(change_id, gen)),
                change_id,
            ),
        )
        self._records.move_many([rid], RecordEvent.REJECTED)

    def discard_rejected(self, change_id: str) -> tuple[str, str, bool]:
        """Inside the caller's transaction: forget a change the server refused, and this
        laptop's copy of its record with it (the person chose to take the server's copy
        back). Returns ``(record id, kind, whether the server holds the record)``."""
        conn = self._ctx.conn
        row = conn.execute(
            "SELECT record_id, kind, state FROM outbox WHERE change_id = ?", (change_id,)
        ).fetchone()
        if row is None or ChangeState(row[2]) is not ChangeState.REJECTED:
            raise NotFoundError(
                f"There is no refused change {change_id} on this laptop; it may have been "
                "corrected or discarded already."
            )
        record_id, kind = row[0], row[1]
        if self.count_in_state(record_id, ChangeState.SENDING):
            raise NotFoundError(
                "A newer change of this record is being sent to the office; sync first, "
                "then look at what is still refused."
            )
        held = self._records.stored(record_id)
        conn.execute("DELETE FROM outbox WHERE record_id = ?", (record_id,))
        self._records.remove(record_id)
        return record_id, kind, held is not None and held.server_version is not None

    # ------------------------------------------------------------------ writing states

    def _apply(self, moves: Iterable[tuple[str, ChangeState, ChangeState]]) -> None:
        """Write ``(change_id, from, to)`` moves: GONE deletes the row."""
        gone, moved = [], []
        for change_id, current, target in moves:
            if target is ChangeState.GONE:
                gone.append(change_id)
            elif target is not current:
                moved.append((target.value, change_id))
        conn = self._ctx.conn
        for chunk in chunks(gone):
            conn.execute(f"DELETE FROM outbox WHERE change_id IN ({marks(len(chunk))})", chunk)
        if moved:
            conn.executemany("UPDATE outbox SET state = ? WHERE change_id = ?", moved)
