"""The append-only audit log: each entry sealed, and all of them hash-chained so a removed,
reordered or edited entry is found by ``Vault.check``.

The chain link is computed in :func:`chain_link` alone, so keying it (the security issue
that follows) changes one function.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from carer_desk.errors import VaultError
from carer_desk.ports import AuditEntry
from storage.sealing import audit_ad, encode_json
from storage.vault.context import VaultContext

logger = logging.getLogger(__name__)

GENESIS_CHAIN = bytes(32)


def chain_link(previous: bytes, seq: int, sealed: bytes) -> bytes:
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + sealed).digest()


class AuditLog:
    def __init__(self, ctx: VaultContext) -> None:
        self._ctx = ctx

    def append(
        self, action: str, record_id: str | None, kind: str | None, details: Mapping[str, Any]
    ) -> None:
        """Add an entry inside the caller's transaction (so it commits with the change it
        describes, or not at all)."""
        ctx = self._ctx
        gen = ctx.write_gen()
        last = ctx.conn.execute("SELECT seq, chain FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_CHAIN)
        entry = {
            "at": datetime.fromtimestamp(ctx.clock(), UTC).isoformat(),
            "actor": ctx.actor,
            "action": action,
            "record_id": record_id,
            "kind": kind,
            "details": dict(details),
        }
        sealed = ctx.seal(gen, encode_json(entry), audit_ad(seq, gen))
        ctx.conn.execute(
            "INSERT INTO audit (seq, key_gen, sealed, chain) VALUES (?, ?, ?, ?)",
            (seq, gen, sealed, chain_link(previous, seq, sealed)),
        )

    def entries(self) -> list[AuditEntry]:
        """Every entry that opens; a damaged one is left out here and reported by check()."""
        ctx = self._ctx
        entries = []
        for seq, gen, sealed in ctx.conn.execute(
            "SELECT seq, key_gen, sealed FROM audit ORDER BY seq"
        ):
            e = ctx.open_json(gen, sealed, audit_ad(seq, gen))
            if e is None:
                logger.warning("audit entry %d failed its integrity check", seq)
                continue
            entries.append(
                AuditEntry(
                    seq,
                    datetime.fromisoformat(e["at"]),
                    e["actor"],
                    e["action"],
                    e["record_id"],
                    e["kind"],
                    e["details"],
                )
            )
        return entries

    def verify(self) -> tuple[int, str | None]:
        """(entries checked, the first problem found or None)."""
        ctx = self._ctx
        previous = GENESIS_CHAIN
        expected_seq = 1
        count = 0
        for seq, gen, sealed, chain in ctx.conn.execute(
            "SELECT seq, key_gen, sealed, chain FROM audit ORDER BY seq"
        ):
            count += 1
            if seq != expected_seq:
                return count, f"audit entry {expected_seq} is missing (next is {seq})"
            if chain_link(previous, seq, sealed) != chain:
                return count, f"audit entry {seq} does not follow from the one before it"
            if ctx.open(gen, sealed, audit_ad(seq, gen)) is None:
                return count, f"audit entry {seq} has been altered or damaged"
            previous = chain
            expected_seq += 1
        return count, None

    def reseal_all(self, gen: int) -> None:
        """Inside the rotation's final transaction: every entry sealed under ``gen`` and the
        chain rebuilt. Refuses a log that fails its check: rebuilding the chain would also
        "bless" an entry someone edited, so the evidence is kept for whoever investigates."""
        _count, problem = self.verify()
        if problem is not None:
            raise VaultError(
                f"The audit log fails its integrity check ({problem}), so the data key was "
                "not rotated. Report this to your administrator before changing keys."
            )
        ctx = self._ctx
        previous = GENESIS_CHAIN
        updates = []
        for seq, old, sealed in ctx.conn.execute(
            "SELECT seq, key_gen, sealed FROM audit ORDER BY seq"
        ).fetchall():
            if old != gen:
                sealed = ctx.reseal(sealed, old, gen, lambda g, seq=seq: audit_ad(seq, g))
            chain = chain_link(previous, seq, sealed)
            updates.append((gen, sealed, chain, seq))
            previous = chain
        ctx.conn.executemany(
            "UPDATE audit SET key_gen = ?, sealed = ?, chain = ? WHERE seq = ?", updates
        )
