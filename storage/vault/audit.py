"""The append-only audit log: each entry sealed, and all of them chained with a keyed hash
so a removed, reordered or edited entry is found by ``Vault.check``.

Entry *n* stores ``HMAC(chain key, chain(n-1) ‖ n ‖ sealed entry n)``, the chain key
derived from the data key (:mod:`storage.macs`), so nobody without the passphrase can
rebuild the chain over an edit. The chain cannot show that its newest entries were
erased, so the header seal (:mod:`storage.vault.seal`) holds the number of entries and the
last link: truncating the log, or emptying it, no longer matches the seal.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from carer_desk.errors import VaultError
from carer_desk.ports import AuditEntry
from storage.macs import Mac
from storage.sealing import audit_ad, encode_json
from storage.vault.context import VaultContext

logger = logging.getLogger(__name__)

GENESIS_CHAIN = bytes(32)


def chain_link(mac: Mac, previous: bytes, seq: int, sealed: bytes) -> bytes:
    return mac(previous + seq.to_bytes(8, "big") + sealed)


def legacy_chain_link(previous: bytes, seq: int, sealed: bytes) -> bytes:
    """The unkeyed link vaults used before m003 (checked once, when they are sealed)."""
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
            (seq, gen, sealed, chain_link(ctx.keys().chain[gen], previous, seq, sealed)),
        )

    def tail(self) -> tuple[int, bytes]:
        """(number of the newest entry, its chain link); (0, genesis) for an empty log."""
        last = self._ctx.conn.execute(
            "SELECT seq, chain FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (last[0], bytes(last[1])) if last else (0, GENESIS_CHAIN)

    def entries(self, after: int = 0) -> list[AuditEntry]:
        """Every entry numbered above ``after`` that opens; a damaged one is left out here
        and reported by check()."""
        ctx = self._ctx
        entries = []
        for seq, gen, sealed in ctx.conn.execute(
            "SELECT seq, key_gen, sealed FROM audit WHERE seq > ? ORDER BY seq", (after,)
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

    def verify(self, sealed_tail: tuple[int, bytes] | None = None) -> tuple[int, str | None]:
        """(entries checked, the first problem found or None). ``sealed_tail`` is what
        the header seal says the log ends with; without it, erasing the newest entries
        (or all of them) could not be seen."""
        ctx = self._ctx
        chains = ctx.keys().chain
        previous = GENESIS_CHAIN
        expected_seq = 1
        count = 0
        for seq, gen, sealed, chain in ctx.conn.execute(
            "SELECT seq, key_gen, sealed, chain FROM audit ORDER BY seq"
        ):
            count += 1
            if seq != expected_seq:
                return count, f"audit entry {expected_seq} is missing (next is {seq})"
            mac = chains.get(gen)
            if mac is None or chain_link(mac, previous, seq, sealed) != chain:
                return count, f"audit entry {seq} does not follow from the one before it"
            if ctx.open(gen, sealed, audit_ad(seq, gen)) is None:
                return count, f"audit entry {seq} has been altered or damaged"
            previous = chain
            expected_seq += 1
        if sealed_tail is not None:
            problem = tail_problem(sealed_tail, (expected_seq - 1, previous))
            if problem is not None:
                return count, problem
        return count, None

    def legacy_problem(self) -> str | None:
        """The first break in an unkeyed (pre-m003) chain, or None."""
        previous = GENESIS_CHAIN
        expected_seq = 1
        for seq, sealed, chain in self._ctx.conn.execute(
            "SELECT seq, sealed, chain FROM audit ORDER BY seq"
        ):
            if seq != expected_seq:
                return f"audit entry {expected_seq} is missing (next is {seq})"
            if legacy_chain_link(previous, seq, sealed) != chain:
                return f"audit entry {seq} does not follow from the one before it"
            previous = chain
            expected_seq += 1
        return None

    def rechain(self, gen: int) -> None:
        """Every entry sealed under ``gen`` and the keyed chain rebuilt under ``gen``'s
        chain key. The caller has checked the log first (an edit must never be blessed
        by a fresh chain)."""
        ctx = self._ctx
        mac = ctx.keys().chain[gen]
        previous = GENESIS_CHAIN
        updates = []
        for seq, old, sealed in ctx.conn.execute(
            "SELECT seq, key_gen, sealed FROM audit ORDER BY seq"
        ).fetchall():
            if old != gen:
                sealed = ctx.reseal(sealed, old, gen, lambda g, seq=seq: audit_ad(seq, g))
            chain = chain_link(mac, previous, seq, sealed)
            updates.append((gen, sealed, chain, seq))
            previous = chain
        ctx.conn.executemany(
            "UPDATE audit SET key_gen = ?, sealed = ?, chain = ? WHERE seq = ?", updates
        )

    def reseal_all(self, gen: int, sealed_tail: tuple[int, bytes] | None) -> None:
        """Inside the rotation's final transaction: every entry sealed under ``gen`` and the
        chain rebuilt. Refuses a log that fails its check: rebuilding the chain would also
        "bless" an entry someone edited, so the evidence is kept for whoever investigates."""
        _count, problem = self.verify(sealed_tail)
        if problem is not None:
            raise VaultError(
                f"The audit log fails its integrity check ({problem}), so the data key was "
                "not rotated. Report this to your administrator before changing keys."
            )
        self.rechain(gen)


def tail_problem(sealed: tuple[int, bytes], actual: tuple[int, bytes]) -> str | None:
    """How the log's end differs from what the header seal says it is, or None."""
    count, head = sealed
    last, link = actual
    if last < count:
        if last == 0:
            return f"every audit entry was erased (the log held {count})"
        return f"audit entries {last + 1} to {count} were erased (the log ends at entry {last})"
    if last > count:
        return f"audit entry {count + 1} was not written by Carer Desk (the log ends at {count})"
    if link != head:
        return f"audit entry {last} was replaced (it is not the entry the vault last wrote)"
    return None
