"""Re-dating the steps of payment requests stored before the server dated them itself
(issue 10 High 2; migration ``0007_payment_redating`` marks a database that needs it).

Until the server stamped a request's step dates
(:func:`~sync.server.payment_life_cycle.stamp_payment`), it kept the ``submitted_on``,
``cancelled_on`` and ``paid_on`` a laptop wrote, bounded to ``payment_date_allowance_days``;
the cap counted the laptop's day of submission. The server has its own evidence of when it
accepted each step: every stored version carries the server's time of writing
(``record_versions.at``), which no laptop sets. A step's evidence
is the first version in which the request has that step's status (for the submission, the
first in which it has reached submitted: submitted, approved, declined or paid). Its day
(in the service's time zone, as the stamps) replaces the laptop's date; a ``requested_on``
after that day is brought back to it, as the stamp brings one a day ahead back to today.
The request is written once more as a new version (laptops pull the corrected copy), by
``carer-desk-server``, and audited with the old and new dates.

Left as they are, and counted in the log: requests with no trustworthy evidence — a
version whose sealed copy was erased, a record a laptop re-sent after the database was
restored from a backup (its versions were written again at the re-send, not when the step
was first accepted), or a re-dated copy the core's rules would refuse.

Runs once, at start-up with the key, in one transaction: a crash part-way leaves the
counter pending and the next start does it again.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from carer_desk.errors import ValidationError
from carer_desk.records.codec import from_payload
from sync.protocol import RecordKind
from sync.server import schema as t
from sync.server.payment_life_cycle import APPROVED, DECLINED, PAID, STAMPED_STEP_DATES, SUBMITTED
from sync.server.service_day import SERVICE_TZ

log = logging.getLogger(__name__)

COUNTER = "payment_redating"  # as migration 0007 writes it: 0 pending, 1 done
DONE = 1
ACTOR = "carer-desk-server"
KIND = RecordKind.PAYMENT_REQUEST.value
#: Statuses in which a request has been submitted (a cancelled one may never have been).
_REACHED = {SUBMITTED: frozenset({SUBMITTED, APPROVED, DECLINED, PAID})}


def service_day_of(at: datetime) -> date:
    """The service's day (Europe/London) of a time the server stored (UTC)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return at.astimezone(SERVICE_TZ).date()


def pending(store: Any) -> bool:
    counter = t.counters.c
    with store.transaction() as tx:
        value = tx.conn.execute(select(counter.value).where(counter.name == COUNTER)).scalar()
    return value is not None and value != DONE


def redate_payment_steps(store: Any) -> dict[str, int]:
    """Re-date the requests migration 0007 found (module docstring); returns how many
    were ``redated``, already ``agreed`` with the evidence, and ``left`` without it.
    Does nothing once done (or on a database created after the change)."""
    counts = {"redated": 0, "agreed": 0, "left": 0}
    if not pending(store):
        return counts
    with store.transaction(write=True) as tx:
        conn = tx.conn
        resent = set(conn.execute(select(t.recovered.c.record_id)).scalars())
        for record in tx.records_of_kind(KIND):
            if record.deleted or record.payload is None:
                continue
            if record.record_id in resent:
                counts["left"] += 1
                continue
            evidence = _evidence(tx, record.record_id)
            dated = _redated(record.payload, evidence)
            if dated is None:
                counts["left"] += 1
                continue
            changed = sorted(k for k in dated if dated[k] != record.payload.get(k))
            if not changed:
                counts["agreed"] += 1
                continue
            try:
                from_payload(KIND, dated)
            except ValidationError as exc:
                log.warning("payment request %s not re-dated: %s", record.record_id, exc)
                counts["left"] += 1
                continue
            tx.write_record(
                kind=KIND,
                record_id=record.record_id,
                payload=dated,
                ownership=record.ownership,
                changed_fields=changed,
                actor=ACTOR,
                device_id=None,
                change_id=None,
                previous_version=record.version,
            )
            tx.audit(
                actor=ACTOR,
                action="redate-payment",
                kind=KIND,
                record_id=record.record_id,
                details={
                    "why": "dated from the server's own time of accepting each step",
                    **{k: {"was": record.payload.get(k), "now": dated[k]} for k in changed},
                },
            )
            counts["redated"] += 1
        conn.execute(delete(t.counters).where(t.counters.c.name == COUNTER))
        conn.execute(insert(t.counters).values(name=COUNTER, value=DONE))
    log.info(
        "payment requests re-dated from the server's evidence: %(redated)d re-dated, "
        "%(agreed)d already agreed, %(left)d left without evidence",
        counts,
    )
    return counts


def _evidence(tx: Any, record_id: str) -> dict[str, date | None]:
    """For each stamped step, the service day of the first version in which the request
    has that step's status; None where a version on the way could not be read (erased)."""
    found: dict[str, date | None] = {}
    v = t.record_versions.c
    rows = tx.conn.execute(
        select(t.record_versions).where(v.record_id == record_id).order_by(v.version)
    )
    for row in rows:
        if row.payload is None:
            if not row.deleted:  # erased: what it held is not known
                for _, step in STAMPED_STEP_DATES:
                    found.setdefault(step, None)
            continue
        payload = tx._open_payload(row)
        status = payload.get("status") if payload is not None else None
        for _, step in STAMPED_STEP_DATES:
            if step not in found and status in _REACHED.get(step, frozenset({step})):
                found[step] = service_day_of(row.at)
    return found


def _redated(payload: dict[str, Any], evidence: dict[str, date | None]) -> dict[str, Any] | None:
    """The payload with each step date it holds replaced by its evidence; None when a date
    it holds has none."""
    dated = dict(payload)
    days = []
    for name, step in STAMPED_STEP_DATES:
        if payload.get(name) is None:
            continue
        if step not in evidence and payload.get("status") not in _REACHED.get(step, {step}):
            # Made, submitted and cancelled on a laptop before it ever synced: the server
            # never accepted a submission (and stamps none for such a request either).
            continue
        day = evidence.get(step)
        if day is None:
            return None
        dated[name] = day.isoformat()
        days.append(day)
    requested = payload.get("requested_on")
    if days and isinstance(requested, str) and requested > min(days).isoformat():
        dated["requested_on"] = min(days).isoformat()
    return dated
