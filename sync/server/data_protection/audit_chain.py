"""The server audit log's hash chain, its verification, and its export with filters.

Each audit entry gets a link: ``HMAC(index key, "audit-chain|" + previous link + the
entry's canonical JSON)``, kept in ``audit_chain`` beside it. The key is the server key
file's index key (it survives key rotation), so someone holding only a database dump can
neither alter an entry nor rebuild the chain after removing one. Links are appended by
:func:`seal`, in order, inside a writing transaction (writers are serialised), so the hot
path that writes audit entries is untouched; sealing runs before every export and
verification and with the retention job. Entries newer than the last seal are reported as
not yet sealed rather than as verified.

:func:`verify` walks the chain in order and names the first entry that no longer matches:
altered (its content changed), removed (a link without its entry), or out of chain (an
entry removed or changed before it broke every link after).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, insert, select

from sync.server import canonical_json
from sync.server import schema as t

_GENESIS = "0" * 64
_PAGE = 5000


def _entry(row: Any) -> bytes:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return canonical_json.dumps(
        {
            "seq": int(row.seq),
            "at": at.astimezone(UTC).isoformat(),
            "actor": row.actor,
            "device_id": row.device_id,
            "action": row.action,
            "kind": row.kind,
            "record_id": row.record_id,
            "details": canonical_json.loads(row.details),
        }
    )


def link(key: bytes, previous: str, row: Any) -> str:
    mac = hmac.new(key, b"audit-chain|" + previous.encode("ascii") + b"|", hashlib.sha256)
    mac.update(_entry(row))
    return mac.hexdigest()


def seal(store: Any) -> int:
    """Append the links of every entry not sealed yet; returns how many."""
    key = store.keyring.index_key
    sealed = 0
    with store.transaction(write=True) as tx:
        conn = tx.conn
        last = conn.execute(
            select(t.audit_chain).order_by(t.audit_chain.c.seq.desc()).limit(1)
        ).first()
        previous, after = (last.link, last.seq) if last else (_GENESIS, 0)
        while True:
            rows = conn.execute(
                select(t.audit).where(t.audit.c.seq > after).order_by(t.audit.c.seq).limit(_PAGE)
            ).all()
            if not rows:
                break
            links = []
            for row in rows:
                previous = link(key, previous, row)
                links.append({"seq": row.seq, "link": previous})
            conn.execute(insert(t.audit_chain), links)
            sealed += len(links)
            after = rows[-1].seq
    return sealed


@dataclass(frozen=True)
class ChainCheck:
    checked: int  # sealed entries verified
    unsealed: int  # entries after the last seal (not verified)
    first_broken: int | None  # seq of the first entry that fails
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None

    @property
    def message(self) -> str:
        if self.ok:
            tail = f"; {self.unsealed} newer not sealed yet" if self.unsealed else ""
            return f"The audit chain is intact: {self.checked} entries verified{tail}."
        return f"The audit chain is broken at entry {self.first_broken}: {self.problem}"


def verify(store: Any) -> ChainCheck:
    key = store.keyring.index_key
    previous = _GENESIS
    checked = 0
    with store.transaction() as tx:
        conn = tx.conn
        after = 0
        while True:
            links = conn.execute(
                select(t.audit_chain)
                .where(t.audit_chain.c.seq > after)
                .order_by(t.audit_chain.c.seq)
                .limit(_PAGE)
            ).all()
            if not links:
                break
            entries = {
                r.seq: r
                for r in conn.execute(
                    select(t.audit).where(t.audit.c.seq.between(links[0].seq, links[-1].seq))
                )
            }
            expected_seq = links[0].seq
            for chained in links:
                row = entries.get(chained.seq)
                if row is None:
                    return ChainCheck(
                        checked, 0, chained.seq, "the entry was removed (its link remains)."
                    )
                missing = [s for s in entries if expected_seq <= s < chained.seq]
                if missing:
                    return ChainCheck(
                        checked, 0, missing[0], "the entry was added outside the chain."
                    )
                if link(key, previous, row) != chained.link:
                    return ChainCheck(
                        checked,
                        0,
                        chained.seq,
                        "the entry was altered, or an entry before it was removed with its link.",
                    )
                previous = chained.link
                checked += 1
                expected_seq = chained.seq + 1
            after = links[-1].seq
        unsealed = int(
            conn.execute(
                select(func.count()).select_from(t.audit).where(t.audit.c.seq > after)
            ).scalar_one()
        )
    return ChainCheck(checked, unsealed, None, None)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    record_id: str | None = None
    action: str | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    record_ids: tuple[str, ...] = ()  # any of these records (a subject-access copy)

    def clauses(self) -> list[Any]:
        a = t.audit.c
        out = []
        if self.actor:
            out.append(a.actor == self.actor)
        if self.record_id:
            out.append(a.record_id == self.record_id)
        if self.action:
            out.append(a.action == self.action)
        if self.record_ids:
            out.append(a.record_id.in_(self.record_ids))
        if self.since:
            out.append(a.at >= datetime.combine(self.since, time.min, tzinfo=UTC))
        if self.until:
            out.append(a.at <= datetime.combine(self.until, time.max, tzinfo=UTC))
        return out

    def to_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v and k != "record_ids"}


def export(store: Any, where: AuditFilter) -> Iterator[dict[str, Any]]:
    """The audit entries matching the filter, oldest first, each with its chain link
    (null when not sealed yet)."""
    a = t.audit.c
    query = (
        select(t.audit, t.audit_chain.c.link)
        .select_from(t.audit.outerjoin(t.audit_chain, t.audit_chain.c.seq == a.seq))
        .where(*where.clauses())
        .order_by(a.seq)
    )
    with store.transaction() as tx:
        for row in tx.conn.execute(query):
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
            yield {
                "seq": row.seq,
                "at": at.isoformat(),
                "actor": row.actor,
                "device_id": row.device_id,
                "action": row.action,
                "kind": row.kind,
                "record_id": row.record_id,
                "details": canonical_json.loads(row.details),
                "link": row.link,
            }
