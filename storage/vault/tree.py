"""The set of records and outbox rows made authentic: a two-level hash tree over row MACs.

A MAC per row (:mod:`storage.vault.layout`) stops a row being edited, but not an old,
genuinely MACed row being put back, or a row being copied in from an older copy of the
file. So the rows of each table are grouped in blocks of 256 consecutive rowids; a
block's digest is SHA-256 over its rows' ``(rowid, mac)``, kept in the ``digests`` table;
the table's root is SHA-256 over its block digests, and the root is sealed in the header
(:mod:`storage.vault.seal`) under the data key. Any row added, removed, moved or rolled
back changes its block's digest, and so the root, which nobody can re-seal without the
passphrase. A write touches one block or a few, so it costs a few hundred rows of
hashing, never the whole table.

Writes must never "bless" an edit made behind the vault's back by folding it into a new
digest. So every transaction first proves that the blocks it touches were intact before
it began: TEMP triggers (in this connection's memory only, never in the file) keep the
first image of every row a statement updates or deletes (and which rows it inserted, as
a new row may take a rowid freed in the same transaction), and at commit each touched
block's digest is recomputed *as it was* and compared with the stored one, and each old
image's MAC is checked, before the new MACs and digests are written.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from carer_desk.errors import VaultTampered
from storage.vault.connection import chunks, marks
from storage.vault.context import VaultContext
from storage.vault.layout import MACED_TABLES, MacedTable

BLOCK_BITS = 8  # 256 rowids per block

_DIRTY = "vault_dirty"


def before_table(spec: MacedTable) -> str:
    return f"vault_{spec.table}_before"


def inserted_table(spec: MacedTable) -> str:
    return f"vault_{spec.table}_inserted"


def install(conn: sqlite3.Connection) -> None:
    """The TEMP tables and triggers that record, for the transaction in progress, the
    first image of each row changed and which rows a statement left without a new MAC.
    TEMP objects live in this connection only (``temp_store=MEMORY``): the file holds
    none of them, and a program editing the file does not run them."""
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_DIRTY} "
        "(tbl TEXT NOT NULL, rid INTEGER NOT NULL, needs INTEGER NOT NULL, "
        "PRIMARY KEY (tbl, rid)) WITHOUT ROWID"
    )
    for spec in MACED_TABLES:
        before = before_table(spec)
        width = len(spec.values)
        columns = ", ".join(f"v{i}" for i in range(width))
        conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {before} "
            f"(rid INTEGER PRIMARY KEY, {columns}, mac BLOB)"
        )
        inserted = inserted_table(spec)
        # SQLite gives a new row the highest rowid + 1, so a transaction that removes the
        # last rows and then adds one reuses a rowid that existed when it began. Such a
        # row is this transaction's, not a row of the file as it was: it is listed here,
        # and an image taken of it later is not "before" the transaction.
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {inserted} (rid INTEGER PRIMARY KEY)")
        old = f"OLD.rowid, {spec.expressions('OLD.')}, OLD.mac"
        first_image = (
            f"INSERT OR IGNORE INTO {before} SELECT {old} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {inserted} WHERE rid = OLD.rowid); "
        )
        conn.execute(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {spec.table}_vault_update "
            f"AFTER UPDATE OF {', '.join(spec.columns)} ON main.{spec.table} BEGIN "
            f"{first_image}"
            f"INSERT OR REPLACE INTO {_DIRTY} VALUES "
            f"('{spec.table}', NEW.rowid, NEW.mac IS OLD.mac); "
            "END"
        )
        conn.execute(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {spec.table}_vault_delete "
            f"AFTER DELETE ON main.{spec.table} BEGIN "
            f"{first_image}"
            "END"
        )
        conn.execute(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {spec.table}_vault_insert "
            f"AFTER INSERT ON main.{spec.table} BEGIN "
            f"INSERT OR IGNORE INTO {inserted} VALUES (NEW.rowid); "
            "END"
        )


def leftovers(conn: sqlite3.Connection) -> bool:
    """Whether a write happened outside a sealed transaction (a bug: it would not be
    sealed)."""
    tables = [
        _DIRTY,
        *(before_table(s) for s in MACED_TABLES),
        *(inserted_table(s) for s in MACED_TABLES),
    ]
    return any(conn.execute(f"SELECT 1 FROM temp.{t} LIMIT 1").fetchone() for t in tables)


def forget(conn: sqlite3.Connection) -> None:
    conn.execute(f"DELETE FROM temp.{_DIRTY}")
    for spec in MACED_TABLES:
        conn.execute(f"DELETE FROM temp.{before_table(spec)}")
        conn.execute(f"DELETE FROM temp.{inserted_table(spec)}")


def block_of(rowid: int) -> int:
    return rowid >> BLOCK_BITS


def block_span(block: int) -> tuple[int, int]:
    return block << BLOCK_BITS, ((block + 1) << BLOCK_BITS) - 1


def block_digest(rows: Sequence[tuple[int, bytes | None]]) -> bytes:
    """SHA-256 over ``(rowid, mac)`` in rowid order: the count, every rowid (8 bytes,
    big-endian), every MAC's length, then the MACs, so a missing or short MAC cannot line
    up with another row. (Packed in whole columns: this runs over every row a bulk
    import writes.)"""
    rowids = array("q", [rid for rid, _ in rows])
    if sys.byteorder == "little":
        rowids.byteswap()
    macs = [mac or b"" for _, mac in rows]
    return hashlib.sha256(
        len(rows).to_bytes(8, "big")
        + rowids.tobytes()
        + bytes(len(mac) for mac in macs)
        + b"".join(macs)
    ).digest()


def _runs(blocks: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Consecutive blocks as (first, last): one query per run, not per block."""
    ordered = sorted(blocks)
    if not ordered:
        return
    first = last = ordered[0]
    for block in ordered[1:]:
        if block != last + 1:
            yield first, last
            first = block
        last = block
    yield first, last


def root_of(table: str, digests: Mapping[int, bytes]) -> bytes:
    h = hashlib.sha256(f"{len(table)}:{table}".encode())
    for block in sorted(digests):
        h.update(block.to_bytes(8, "big") + digests[block])
    return h.digest()


@dataclass(frozen=True)
class Settled:
    """What a transaction did to one table's tree."""

    root_before: bytes  # the root of the digests as stored before the transaction
    root: bytes  # the root after it


class Tree:
    """One table's blocks and digests."""

    def __init__(self, ctx: VaultContext, spec: MacedTable) -> None:
        self._ctx = ctx
        self.spec = spec

    @property
    def table(self) -> str:
        return self.spec.table

    # ------------------------------------------------------------------ reading

    def digests(self) -> dict[int, bytes]:
        return dict(
            self._ctx.conn.execute(
                "SELECT block, digest FROM digests WHERE tbl = ?", (self.table,)
            ).fetchall()
        )

    def root(self) -> bytes:
        return root_of(self.table, self.digests())

    def rows_of(self, block: int) -> list[tuple[int, bytes | None]]:
        lo, hi = block_span(block)
        return self._ctx.conn.execute(
            f"SELECT rowid, mac FROM {self.table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
            (lo, hi),
        ).fetchall()

    def computed(self) -> dict[int, bytes]:
        """Every block's digest recomputed from the rows (a full scan: for check())."""
        blocks: dict[int, list[tuple[int, bytes | None]]] = {}
        for rowid, mac in self._ctx.conn.execute(
            f"SELECT rowid, mac FROM {self.table} ORDER BY rowid"
        ):
            blocks.setdefault(block_of(rowid), []).append((rowid, mac))
        return {block: block_digest(rows) for block, rows in blocks.items()}

    def block_is_intact(self, block: int, stored: Mapping[int, bytes]) -> bool:
        rows = self.rows_of(block)
        return (block_digest(rows) if rows else None) == stored.get(block)

    def mac_matches(self, values: tuple[object, ...], mac: bytes | None) -> bool:
        rows = self._ctx.keys().rows
        macer = rows.get(values[self.spec.key_gen])  # type: ignore[call-overload]
        return macer is not None and macer.matches(self.spec.message(*values), mac)

    def mac_of(self, values: tuple[object, ...]) -> bytes:
        return self._ctx.keys().rows[values[self.spec.key_gen]](  # type: ignore[index]
            self.spec.message(*values)
        )

    def names_in(self, block: int, limit: int = 5) -> str:
        """Who the rows of a block are, for a person reading ``vault check``."""
        lo, hi = block_span(block)
        found = [
            self.spec.describe(tuple(v))
            for _rowid, *v, _mac in self._ctx.conn.execute(
                self.spec.select("WHERE rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?"),
                (lo, hi, limit + 1),
            )
        ]
        more = ", and others" if len(found) > limit else ""
        return ", ".join(found[:limit]) + more if found else "no rows left"

    def block_problem(self, block: int) -> str:
        return (
            f"{self.table} rows {block_span(block)[0]}–{block_span(block)[1]} were added to, "
            "removed or replaced by older copies (they hold "
            f"{self.names_in(block)})"
        )

    # ------------------------------------------------------------------ a transaction

    def max_rowid(self) -> int:
        return self._ctx.conn.execute(f"SELECT max(rowid) FROM {self.table}").fetchone()[0] or 0

    def settle(self, max_before: int, written: Mapping[str, bytes]) -> Settled | None:
        """Inside the transaction, before it commits: prove the blocks it touched were
        intact before it began (raises :class:`VaultTampered` otherwise), MAC the rows a
        statement left without one, and store the new digests. ``written`` holds the MACs
        this transaction's writers gave rows, by key, so a bulk import is not read back.
        None when the transaction did not touch this table."""
        conn = self._ctx.conn
        spec = self.spec
        before = {
            rid: tuple(rest)
            for rid, *rest in conn.execute(f"SELECT * FROM temp.{before_table(spec)}")
            # A row inserted by this transaction and then changed is not "before" it.
            if rid <= max_before
        }
        inserted = {
            rid
            for (rid,) in conn.execute(f"SELECT rid FROM temp.{inserted_table(spec)}")
            if rid <= max_before and rid not in before
        }
        max_now = self.max_rowid()
        touched = {block_of(rid) for rid in before} | {block_of(rid) for rid in inserted}
        if max_now > max_before:
            touched.update(range(block_of(max_before + 1), block_of(max_now) + 1))
        dirty = {
            rid
            for (rid,) in conn.execute(
                f"SELECT rid FROM temp.{_DIRTY} WHERE tbl = ? AND needs", (self.table,)
            )
        }
        if not touched and not dirty:
            return None
        touched.update(block_of(rid) for rid in dirty)
        stored = self.digests()
        current = self._current(touched, written, dirty)
        self._prove_unchanged(before, current, max_before, stored, inserted)
        remaced = self._mac_rows(current, dirty)
        new = dict(stored)
        for block, rows in current.items():
            if rows:
                new[block] = block_digest([(rid, remaced.get(rid, mac)) for rid, mac in rows])
            else:
                new.pop(block, None)
        self._store(stored, new)
        return Settled(root_of(self.table, stored), root_of(self.table, new))

    def _current(
        self, blocks: set[int], written: Mapping[str, bytes], dirty: set[int]
    ) -> dict[int, list[tuple[int, bytes | None]]]:
        """``(rowid, mac)`` of every row now in ``blocks`` (None for a row a later statement
        changed without a MAC: :meth:`_mac_rows` gives it one).

        Two ways to one answer. A bulk import gave most of these rows their MACs itself
        (``written``), so rowids and keys are read (the start of each row: cheap) and a MAC
        is read from the file only for the rows it did not write. A single save wrote one
        row or two of the few hundred in its blocks, so every MAC is read with its rowid
        in the same pass: reading keys first and then the other MACs by rowid was two
        queries and a second walk over the block, most of what a save cost."""
        conn = self._ctx.conn
        current: dict[int, list[tuple[int, bytes | None]]] = {b: [] for b in blocks}
        if len(written) * 2 < len(blocks) << BLOCK_BITS:
            for lo, hi in _runs(blocks):
                for rowid, mac in conn.execute(
                    f"SELECT rowid, mac FROM {self.table} WHERE rowid BETWEEN ? AND ? "
                    "ORDER BY rowid",
                    (block_span(lo)[0], block_span(hi)[1]),
                ):
                    current[rowid >> BLOCK_BITS].append((rowid, None if rowid in dirty else mac))
            return current
        unknown: list[int] = []
        for lo, hi in _runs(blocks):
            for rowid, key in conn.execute(
                f"SELECT rowid, {self.spec.key} FROM {self.table} "
                "WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                (block_span(lo)[0], block_span(hi)[1]),
            ):
                mac = None if rowid in dirty else written.get(key)
                if mac is None:
                    unknown.append(rowid)
                current[block_of(rowid)].append((rowid, mac))
        if unknown:
            read: dict[int, bytes | None] = {}
            for chunk in chunks(unknown):
                read.update(
                    conn.execute(
                        f"SELECT rowid, mac FROM {self.table} WHERE rowid IN ({marks(len(chunk))})",
                        chunk,
                    ).fetchall()
                )
            for block, rows in current.items():
                current[block] = [
                    (rid, mac if mac is not None else read.get(rid)) for rid, mac in rows
                ]
        return current

    def _prove_unchanged(
        self,
        before: Mapping[int, tuple[object, ...]],
        current: Mapping[int, list[tuple[int, bytes | None]]],
        max_before: int,
        stored: Mapping[int, bytes],
        inserted: set[int],
    ) -> None:
        """``inserted``: rows this transaction added at rowids up to ``max_before`` that
        were free when it began (reused rowids), which the file as it was did not hold."""
        problems = []
        for values_and_mac in before.values():
            *values, mac = values_and_mac
            if not self.mac_matches(tuple(values), mac):  # type: ignore[arg-type]
                problems.append(f"{self.spec.describe(tuple(values))} was altered")
        by_block: dict[int, list[tuple[int, bytes | None]]] = {}
        for rid, values_and_mac in before.items():
            by_block.setdefault(block_of(rid), []).append((rid, values_and_mac[-1]))  # type: ignore[arg-type]
        for block in sorted(current):
            kept = [
                (rid, mac)
                for rid, mac in current[block]
                if rid <= max_before and rid not in before and rid not in inserted
            ]
            was = sorted(kept + by_block.get(block, []))
            if (block_digest(was) if was else None) != stored.get(block):
                problems.append(self.block_problem(block))
        if problems:
            raise VaultTampered(problems)

    def _mac_rows(
        self, current: Mapping[int, list[tuple[int, bytes | None]]], dirty: set[int]
    ) -> dict[int, bytes]:
        """MAC what statements changed without giving a MAC (sync states, acknowledged
        versions, outbox states...), and any row that came without one (a writer that
        forgot: never left unsealed). Returns the new MACs by rowid."""
        conn = self._ctx.conn
        spec = self.spec
        targets = sorted(
            dirty | {rid for rows in current.values() for rid, mac in rows if mac is None}
        )
        macs: dict[int, bytes] = {}
        for chunk in chunks(targets):
            for rowid, *values, _mac in conn.execute(
                spec.select(f"WHERE rowid IN ({marks(len(chunk))})"), chunk
            ):
                macs[rowid] = self.mac_of(tuple(values))
        conn.executemany(
            f"UPDATE {self.table} SET mac = ? WHERE rowid = ?",
            [(mac, rowid) for rowid, mac in macs.items()],
        )
        return macs

    def _store(self, old: Mapping[int, bytes], new: Mapping[int, bytes]) -> None:
        conn = self._ctx.conn
        gone = [(self.table, b) for b in old if b not in new]
        changed = [(self.table, b, d) for b, d in new.items() if old.get(b) != d]
        conn.executemany("DELETE FROM digests WHERE tbl = ? AND block = ?", gone)
        conn.executemany(
            "INSERT INTO digests (tbl, block, digest) VALUES (?, ?, ?) "
            "ON CONFLICT(tbl, block) DO UPDATE SET digest = excluded.digest",
            changed,
        )

    # ------------------------------------------------------------------ from scratch

    def seal_all(self) -> bytes:
        """MAC every row and rebuild every digest (a new vault, or the first unlock after
        the upgrade that added MACs). Returns the root."""
        conn = self._ctx.conn
        updates = [
            (self.mac_of(tuple(values)), rowid)
            for rowid, *values, _mac in conn.execute(self.spec.select()).fetchall()
        ]
        conn.executemany(f"UPDATE {self.table} SET mac = ? WHERE rowid = ?", updates)
        conn.execute("DELETE FROM digests WHERE tbl = ?", (self.table,))
        digests = self.computed()
        conn.executemany(
            "INSERT INTO digests (tbl, block, digest) VALUES (?, ?, ?)",
            [(self.table, b, d) for b, d in digests.items()],
        )
        return root_of(self.table, digests)
