"""Retention: what the server keeps, for how long, and the job that erases the rest.

The clock starts at a carer's closure date (``Carer.closure.closed_on``, in the report
columns); the years per record kind are the server's ``[retention]`` setting
(:mod:`.retention_policy`, with the documented defaults; docs/data-protection.md).

A **legal hold** on a carer stops the job for the carer and every record of theirs until
it is lifted. The job has a **dry run** that reports what it would erase, and is meant to
be scheduled (a systemd timer; docs/operations.md) after a dry run has been read.

Erasing a record writes a tombstone version (pulled by every laptop that holds it, which
deletes its copy) and then removes everything decryptable the server kept of it: every
earlier version's sealed payload, its stored push results and its conflicts' values. The
version history keeps who changed it when, and field names; the audit log says what was
erased, by policy, with counts, never contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from carer_desk.records.kinds import KIND_TABLE, RecordKind
from carer_desk.rules.financial_year import add_months
from sync.server import schema as t
from sync.server.data_protection.retention_policy import (  # re-exported for callers
    DEFAULT_YEARS,  # noqa: F401
    RetentionPolicy,
)
from sync.server.data_protection.subject_access import forget_erased
from sync.server.errors import BadRequest, NotFound
from sync.server.store import Ownership

ACTOR = "retention-job"


@dataclass(frozen=True)
class Due:
    """A closed carer with records past retention."""

    carer_id: str
    closed_on: date
    records: Mapping[str, int]  # kind -> how many would be erased
    held: bool
    hold_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "carer_id": self.carer_id,
            "closed_on": self.closed_on.isoformat(),
            "records": dict(self.records),
            "held": self.held,
            "hold_reason": self.hold_reason,
        }


def _records_of(conn: Any, carer_id: str) -> list[Any]:
    r = t.records.c
    return conn.execute(
        select(r.record_id, r.kind, r.version, r.team, r.carer_id, r.group_id, r.owner).where(
            r.carer_id == carer_id, r.deleted.is_(False)
        )
    ).all()


def due(store: Any, policy: RetentionPolicy, as_of: date) -> list[Due]:
    """Closed carers with any record past its retention on ``as_of`` (held ones included,
    marked), oldest closure first."""
    f = t.report_facts.c
    shortest = min(policy.years_for(k) for k in KIND_TABLE)
    latest_closure = add_months(as_of, -12 * shortest)
    with store.transaction() as tx:
        holds = {h.carer_id: h.reason for h in tx.conn.execute(select(t.legal_holds))}
        carers = tx.conn.execute(
            select(f.record_id, f.closed_on)
            .where(f.kind == "carer", f.closed_on.is_not(None), f.closed_on <= latest_closure)
            .order_by(f.closed_on, f.record_id)
        ).all()
        out = []
        for carer in carers:
            counts: dict[str, int] = {}
            for row in _records_of(tx.conn, carer.record_id):
                if add_months(carer.closed_on, 12 * policy.years_for(row.kind)) <= as_of:
                    counts[row.kind] = counts.get(row.kind, 0) + 1
            if counts:
                out.append(
                    Due(
                        carer.record_id,
                        carer.closed_on,
                        counts,
                        carer.record_id in holds,
                        holds.get(carer.record_id),
                    )
                )
    return out


def erase_record(tx: Any, row: Any, actor: str) -> None:
    """Tombstone one record and remove every sealed copy of its contents."""
    tx.write_record(
        kind=row.kind,
        record_id=row.record_id,
        payload=None,
        ownership=Ownership(
            team=row.team, carer_id=row.carer_id, group_id=row.group_id, owner=row.owner
        ),
        changed_fields=(),
        actor=actor,
        device_id=None,
        change_id=None,
        previous_version=row.version,
    )
    v = t.record_versions.c
    tx.conn.execute(
        update(t.record_versions)
        .where(v.record_id == row.record_id, v.payload.is_not(None))
        .values(payload=None, key_gen=None)
    )
    tx.conn.execute(delete(t.applied_changes).where(t.applied_changes.c.record_id == row.record_id))
    tx.conn.execute(delete(t.conflicts).where(t.conflicts.c.record_id == row.record_id))


def erase_records(tx: Any, rows: list[Any], actor: str) -> None:
    """Erase these records of one carer (the carer's own record last, so the linked ones
    still route to its team), then every subject-access review's copy of them: a review
    of the carer (by id or by their name) goes, others lose the parts from these records."""
    rows = sorted(rows, key=lambda r: r.kind == RecordKind.CARER.value)
    carer = None
    for row in rows:
        if row.kind == RecordKind.CARER.value:
            stored = tx.get_record(row.record_id)
            carer = (row.record_id, stored.payload) if stored and stored.payload else None
        erase_record(tx, row, actor)
    forget_erased(tx, {r.record_id for r in rows}, carer, actor)


def run(store: Any, policy: RetentionPolicy, as_of: date, *, dry_run: bool) -> list[Due]:
    """Erase what is past retention (not held), or with ``dry_run`` only say what would
    be. One transaction per carer, each audited."""
    plan = due(store, policy, as_of)
    if dry_run:
        store.audit(
            actor=ACTOR,
            action="retention-dry-run",
            details={"carers": len(plan), "as_of": as_of.isoformat()},
        )
        return plan
    for item in plan:
        if item.held:
            continue
        with store.transaction(write=True) as tx:
            if tx.conn.execute(
                select(t.legal_holds.c.carer_id).where(t.legal_holds.c.carer_id == item.carer_id)
            ).first():
                continue  # a hold placed since the plan was made
            erased: dict[str, int] = {}
            closed = item.closed_on
            past = [
                row
                for row in _records_of(tx.conn, item.carer_id)
                if add_months(closed, 12 * policy.years_for(row.kind)) <= as_of
            ]
            for row in past:
                erased[row.kind] = erased.get(row.kind, 0) + 1
            erase_records(tx, past, ACTOR)
            tx.audit(
                actor=ACTOR,
                action="retention-erase",
                kind="carer",
                record_id=item.carer_id,
                details={
                    "erased": erased,
                    "closed_on": closed.isoformat(),
                    "policy_years": {k: policy.years_for(k) for k in erased},
                },
            )
    return plan


def place_hold(store: Any, carer_id: str, reason: str, by: str) -> None:
    reason = reason.strip()
    if not reason:
        raise BadRequest("Give the reason for the legal hold (e.g. the claim or request).")
    with store.transaction(write=True) as tx:
        if tx.get_record(carer_id) is None:
            raise NotFound(f"No carer with id {carer_id!r} on the server.")
        tx.conn.execute(delete(t.legal_holds).where(t.legal_holds.c.carer_id == carer_id))
        tx.conn.execute(
            insert(t.legal_holds).values(
                carer_id=carer_id, reason=reason, placed_by=by, placed_at=datetime.now(UTC)
            )
        )
        tx.audit(
            actor=by,
            action="legal-hold",
            kind="carer",
            record_id=carer_id,
            details={"reason": reason},
        )


def lift_hold(store: Any, carer_id: str, by: str) -> None:
    with store.transaction(write=True) as tx:
        gone = tx.conn.execute(
            delete(t.legal_holds).where(t.legal_holds.c.carer_id == carer_id)
        ).rowcount
        if not gone:
            raise NotFound(f"There is no legal hold on {carer_id!r}.")
        tx.audit(actor=by, action="legal-hold-lifted", kind="carer", record_id=carer_id)
