"""Where each table keeps its ciphertext, and what binds every blob to its row.

Data-key rotation and the integrity check both walk these descriptors, so a sealed column
added to a table is re-encrypted and checked by adding it here once. (The audit log is
not listed: its hash chain makes it a case of its own, in :mod:`storage.vault.audit`.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.sealing import conflict_ad, outbox_ad, reason_ad, record_ad

Row = tuple[Any, ...]


@dataclass(frozen=True)
class SealedColumn:
    name: str
    ad: Callable[[Row, int], bytes]  # (clear columns of the row, generation) -> AD


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


RECORDS = SealedTable(
    table="records",
    key="rowid",
    clear=("id", "kind", "version"),
    sealed=(
        SealedColumn("sealed", lambda r, gen: record_ad(r[0], r[1], r[2], gen)),
        SealedColumn("conflict_sealed", lambda r, gen: conflict_ad(r[0], gen)),
    ),
    owner=lambda r: (r[0], r[1]),
)

OUTBOX = SealedTable(
    table="outbox",
    key="seq",
    clear=("change_id", "record_id", "kind"),
    sealed=(
        SealedColumn("sealed", lambda r, gen: outbox_ad(r[0], r[1], r[2], gen)),
        SealedColumn("reason_sealed", lambda r, gen: reason_ad(r[0], gen)),
    ),
    owner=lambda r: (r[1], r[2]),
)

SEALED_TABLES = (RECORDS, OUTBOX)  # in the order rotation re-seals them
