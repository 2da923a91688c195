"""Where each table keeps its ciphertext, what binds every blob to its row, and what the
MAC of each row's clear bookkeeping covers.

Data-key rotation and the integrity check both walk these descriptors, so a sealed column
added to a table is re-encrypted and checked by adding it here once. (The audit log is
not listed: its keyed hash chain makes it a case of its own, in
:mod:`storage.vault.audit`.)

Every records and outbox row carries ``mac``: HMAC-SHA256 (under a key derived from the
row's data-key generation) of its clear columns and of the authentication tag of each
sealed blob, so no column that changes behaviour — a version, a sync state, a deleted
flag, an outbox operation or base version — can be edited without the passphrase, and no
blob can be swapped for another one of the same row. :data:`MACED_TABLES` says which
columns, in which order; :mod:`storage.vault.tree` makes the set of rows authentic too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.sealing import conflict_ad, outbox_ad, reason_ad, record_ad, summary_ad

Row = tuple[Any, ...]


@dataclass(frozen=True)
class SealedColumn:
    name: str
    # (clear columns of the row, generation, the row's blobs under that generation, in
    # column order) -> AD. A column may be bound to a blob before it (a record's summary
    # to its payload), which is why rotation seals a row's columns in order.
    ad: Callable[[Row, int, Sequence[bytes | None]], bytes]
    # Made from another column (a summary from its payload): if it does not open it is
    # dropped, and built again from that column, rather than the row reported damaged.
    derived: bool = False


@dataclass(frozen=True)
class SealedTable:
    table: str
    key: str  # a column that orders and identifies rows, for batches that resume
    clear: tuple[str, ...]  # the clear columns the associated data is built from
    sealed: tuple[SealedColumn, ...]
    owner: Callable[[Row], tuple[str, str]]  # (record id, kind) to report when damaged

    def select(self, where: str = "") -> str:
        """``key, key_gen, *clear, *sealed`` of every row matching ``where``."""
        columns = ", ".join((self.key, "key_gen", *self.clear, *(c.name for c in self.sealed)))
        return f"SELECT {columns} FROM {self.table} {where}"

    def update_sealed(self) -> str:
        """Re-seal one row, only if it is still under the generation it was read with:
        parameters ``(new_gen, *blobs, key, old_gen)``."""
        assignments = ", ".join(f"{c.name} = ?" for c in self.sealed)
        return (
            f"UPDATE {self.table} SET key_gen = ?, {assignments} "
            f"WHERE {self.key} = ? AND key_gen = ?"
        )


TAG_BYTES = 16  # AES-GCM's tag: what identifies one sealed blob among all others


def tag(blob: bytes | None) -> bytes | None:
    return None if blob is None else blob[-TAG_BYTES:]


def record_message(
    record_id: str,
    kind: str,
    version: int,
    server_version: int | None,
    sync_state: str,
    deleted: int,
    key_gen: int,
    sealed_tag: bytes | None,
    conflict_tag: bytes | None,
) -> bytes:
    """What a records row's MAC covers. Inlined (no generic encoder): this runs once per
    record in a bulk import. Text is length-prefixed; the columns holding numbers are
    INTEGER, so SQLite's type affinity keeps them numbers."""
    sv = "~" if server_version is None else server_version
    return (
        f"R|{len(record_id)}:{record_id}|{len(kind)}:{kind}|{version}|{sv}|{sync_state}|"
        f"{deleted}|{key_gen}|"
    ).encode() + _tags(sealed_tag, conflict_tag)


def _tags(first: bytes | None, second: bytes | None) -> bytes:
    # Each tag is absent or 16 bytes; the marker byte keeps the encoding unambiguous.
    return (b"\x00" if first is None else b"\x01" + first) + (
        b"\x00" if second is None else b"\x01" + second
    )


def outbox_message(
    change_id: str,
    record_id: str,
    kind: str,
    op: str,
    base_version: int | None,
    priority: int,
    state: str,
    key_gen: int,
    sealed_tag: bytes | None,
    reason_tag: bytes | None,
) -> bytes:
    """What an outbox row's MAC covers (its sequence number is bound by the block
    digests, since SQLite assigns it only when the row is inserted)."""
    base = "~" if base_version is None else base_version
    return (
        f"O|{len(change_id)}:{change_id}|{len(record_id)}:{record_id}|{len(kind)}:{kind}|"
        f"{op}|{base}|{priority}|{state}|{key_gen}|"
    ).encode() + _tags(sealed_tag, reason_tag)


@dataclass(frozen=True)
class MacedTable:
    """A table whose rows carry a MAC of their clear bookkeeping."""

    table: str
    key: str  # the column that names a row (what writers report the MACs they wrote by)
    # SQL for each value the message is built from, in order, with ``{t}`` where the
    # row's name goes ("" in a query, "OLD." in a trigger).
    values: tuple[str, ...]
    message: Callable[..., bytes]
    key_gen: int  # index of the key generation among ``values``
    owner: Callable[[Row], tuple[str, str]]  # (record id, kind) of a row's values
    describe: Callable[[Row], str]  # how a person is told which row it is

    def expressions(self, row: str = "") -> str:
        return ", ".join(v.format(t=row) for v in self.values)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the MAC covers, and the MAC: an update of no other column (a
        record's summary, which is bound to its payload another way) changes nothing
        the MAC or the block digests vouch for."""
        names = (re.search(r"\{t\}(\w+)", v).group(1) for v in self.values)  # type: ignore[union-attr]
        return (*names, "mac")

    def select(self, where: str = "") -> str:
        """``rowid, *values, mac`` of every row matching ``where``."""
        return f"SELECT rowid, {self.expressions()}, mac FROM {self.table} {where}"


MACED_RECORDS = MacedTable(
    table="records",
    key="id",
    values=(
        "{t}id",
        "{t}kind",
        "{t}version",
        "{t}server_version",
        "{t}sync_state",
        "{t}deleted",
        "{t}key_gen",
        "substr({t}sealed, -16)",
        "substr({t}conflict_sealed, -16)",
    ),
    message=record_message,
    key_gen=6,
    owner=lambda v: (v[0], v[1]),
    describe=lambda v: f"the {v[1]} record {v[0]}",
)

MACED_OUTBOX = MacedTable(
    table="outbox",
    key="change_id",
    values=(
        "{t}change_id",
        "{t}record_id",
        "{t}kind",
        "{t}op",
        "{t}base_version",
        "{t}priority",
        "{t}state",
        "{t}key_gen",
        "substr({t}sealed, -16)",
        "substr({t}reason_sealed, -16)",
    ),
    message=outbox_message,
    key_gen=7,
    owner=lambda v: (v[1], v[2]),
    describe=lambda v: f"the outbox change {v[0]} ({v[3]} of {v[2]} {v[1]})",
)

MACED_TABLES = (MACED_RECORDS, MACED_OUTBOX)

RECORDS = SealedTable(
    table="records",
    key="rowid",
    clear=("id", "kind", "version"),
    sealed=(
        SealedColumn("sealed", lambda r, gen, _b: record_ad(r[0], r[1], r[2], gen)),
        SealedColumn("conflict_sealed", lambda r, gen, _b: conflict_ad(r[0], gen)),
        SealedColumn(
            "summary_sealed",
            lambda r, gen, b: summary_ad(r[0], r[1], r[2], gen, b[0][-TAG_BYTES:]),  # type: ignore[index]
            derived=True,
        ),
    ),
    owner=lambda r: (r[0], r[1]),
)

OUTBOX = SealedTable(
    table="outbox",
    key="seq",
    clear=("change_id", "record_id", "kind"),
    sealed=(
        SealedColumn("sealed", lambda r, gen, _b: outbox_ad(r[0], r[1], r[2], gen)),
        SealedColumn("reason_sealed", lambda r, gen, _b: reason_ad(r[0], gen)),
    ),
    owner=lambda r: (r[1], r[2]),
)

SEALED_TABLES = (RECORDS, OUTBOX)  # in the order rotation re-seals them
