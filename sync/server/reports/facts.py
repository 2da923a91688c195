"""The clear report columns (``schema.report_facts``) the server derives from a record as
it stores it, so a report is SQL over indexed columns and never opens every payload.

:func:`derive` is pure: a payload in, the row out (None for kinds no report counts). The
store calls :func:`write_facts` inside the transaction that writes the versions, so a
record and its facts commit together; a tombstone deletes the row, so what an erased
record leaves behind is nothing. :func:`ensure_current` fills the table for records stored
before it existed, or again after :data:`FACTS_VERSION` changes what is derived.

What the columns reveal, and what they never hold, is in docs/threat-model.md.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from carer_desk.records.conversation import WellbeingScale
from carer_desk.records.kinds import RecordKind
from sync.server import schema as t
from sync.server.bulk import DriverMany

log = logging.getLogger(__name__)

#: Raise when :func:`derive` changes: servers rebuild the table at their next start.
FACTS_VERSION = 1
VERSION_COUNTER = "report_facts_version"
COLUMNS = tuple(col.name for col in t.report_facts.columns)
c = t.report_facts.c
_OUTCOMES = 8  # reg. 3(3)(a)-(h): a lawful assessment assesses every one
_ATTAINED = frozenset({"achieved", "exceeded"})
_SCORES = {s.value: s.score for s in WellbeingScale}
_PAGE = 2000


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _adult_on(born: date | None, today: date) -> date | None:
    """The 18th birthday, kept only while the carer is under 18 (the "approaching 18"
    queue needs nothing else; an adult's date of birth stays in the sealed payload)."""
    if born is None:
        return None
    try:
        adult = born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February
        adult = date(born.year + 18, 3, 1)
    return adult if adult > today else None


def _carer(p: Mapping[str, Any], today: date) -> dict[str, Any]:
    referral = p.get("referral") or {}
    closure = p.get("closure") or {}
    address = p.get("address") or {}
    return {
        "district": address.get("district"),
        "worker": p.get("worker"),
        "referral_on": _day(referral.get("date")),
        "referral_source": referral.get("source"),
        "contacted_on": _day(referral.get("contacted_on")),
        "parent_carer": "parent_carer" in (p.get("carer_types") or ()),
        "gp_registered": p.get("registered_with_gp_as_carer"),
        "gp_encouraged_on": _day(p.get("encouraged_to_register_with_gp_on")),
        "closed_on": _day(closure.get("closed_on")),
        "adult_on": _adult_on(_day(p.get("date_of_birth")), today),
    }


def _conversation(p: Mapping[str, Any]) -> dict[str, Any]:
    complete = p.get("status") == "complete"
    stage3 = p.get("stage3") or {}
    checks = stage3.get("wellbeing_check") or ()
    lawful = (
        len({o.get("outcome") for o in stage3.get("outcomes") or ()}) >= _OUTCOMES
        and stage3.get("significant_impact_on_wellbeing") is not None
        and bool(checks)
    )
    goals = stage3.get("goals") or ()
    scored = complete and bool(checks)
    return {
        "worker": p.get("worker"),
        "started_on": _day(p.get("started_on")),
        "completed_on": _day(p.get("completed_on")) if complete else None,
        "mode": p.get("mode"),
        "is_review": bool(p.get("is_review")),
        "assessment": complete and bool(stage3) and lawful,
        "reviewed_on": _day(p.get("reviewed_on")),
        "review_due_on": _day(p.get("review_date")),
        "status": p.get("status"),
        "wellbeing_score": sum(_SCORES.get(a.get("answer"), 0) for a in checks) if scored else None,
        "wellbeing_max": 3 * len(checks) if scored else None,
        "goals_total": len(goals) if stage3 else None,
        "goals_attained": sum(1 for g in goals if g.get("attainment") in _ATTAINED)
        if stage3
        else None,
    }


def _payment(p: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "worker": p.get("requested_by"),
        "amount_pence": p.get("amount_pence"),
        "purpose": p.get("purpose"),
        "status": p.get("status"),
        "requested_on": _day(p.get("requested_on")),
        "submitted_on": _day(p.get("submitted_on")),
        "decided_on": _day(p.get("decided_on")),
        "paid_on": _day(p.get("paid_on")),
    }


_DERIVERS = {
    RecordKind.CONVERSATION.value: _conversation,
    RecordKind.PAYMENT_REQUEST.value: _payment,
    RecordKind.PLAN.value: lambda p: {
        "created_on": _day(p.get("created_on")),
        "review_due_on": _day(p.get("review_date")),
    },
    RecordKind.CARD.value: lambda p: {
        "status": p.get("status"),
        "created_on": _day(p.get("issued_on")),
    },
    RecordKind.SESSION.value: lambda p: {"session_on": _day(p.get("on"))},
    RecordKind.ATTENDANCE.value: lambda p: {
        "session_id": p.get("session_id"),
        "attended": bool(p.get("attended", True)),
    },
    RecordKind.GROUP_MEMBER.value: lambda p: {
        "joined_on": _day(p.get("joined_on")),
        "left_on": _day(p.get("left_on")),
    },
}


def derive(
    kind: str,
    record_id: str,
    payload: Mapping[str, Any] | None,
    *,
    team: str | None,
    carer_id: str | None,
    today: date,
) -> dict[str, Any] | None:
    """The report row for a record (every column present), or None: a tombstone, or a
    kind no report counts."""
    if payload is None:
        return None
    if kind == RecordKind.CARER.value:
        values = _carer(payload, today)
        carer_id = record_id
    elif kind in _DERIVERS:
        values = _DERIVERS[kind](payload)
    else:
        return None
    row = dict.fromkeys(COLUMNS)
    row.update(values)
    row.update(record_id=record_id, kind=kind, carer_id=carer_id, team=team)
    return row


def _upsert(dialect: Dialect) -> Any:
    """Insert a record's facts, or replace them in place: one statement for new and
    edited records alike (a delete then an insert touched all ten indexes twice)."""
    insert_into = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
    statement = insert_into(t.report_facts)
    return statement.on_conflict_do_update(
        index_elements=[c.record_id],
        set_={name: statement.excluded[name] for name in COLUMNS if name != "record_id"},
    )


_UPSERT = DriverMany.per_dialect(_upsert, t.report_facts)


def write_facts(conn: Connection, rows: Mapping[str, dict[str, Any] | None]) -> None:
    """Replace the facts of these records (``record_id -> row``; None removes it)."""
    gone = [rid for rid, row in rows.items() if row is None]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(delete(t.report_facts).where(t.report_facts.c.record_id.in_(chunk)))
    _UPSERT.execute(conn, [row for row in rows.values() if row is not None])


def relink(conn: Connection, carer_ids: Iterable[str | None]) -> None:
    """Recompute the columns that look across a carer's records: the carer's first
    completed assessment, and each wellbeing check's previous check. Run after every
    write touching a carer or a conversation, so a report reads them from the period's
    rows alone (waits and improvement without scanning every carer's history)."""
    ids = sorted({i for i in carer_ids if i})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(
                c.record_id,
                c.carer_id,
                c.kind,
                c.completed_on,
                c.assessment,
                c.is_review,
                c.wellbeing_score,
                c.wellbeing_max,
                c.previous_score,
                c.previous_max,
                c.first_assessed_on,
            ).where(c.carer_id.in_(chunk), c.kind.in_(("carer", "conversation")))
        ).all()
        by_carer: dict[str, list[Any]] = {}
        for row in rows:
            by_carer.setdefault(row.carer_id, []).append(row)
        firsts, previous = [], []
        for items in by_carer.values():
            talks = sorted(
                (r for r in items if r.kind == "conversation" and r.completed_on is not None),
                key=lambda r: (r.completed_on, r.record_id),
            )
            first = min(
                (r.completed_on for r in talks if r.assessment and not r.is_review), default=None
            )
            firsts.extend(
                {"rid": r.record_id, "first": first}
                for r in items
                if r.kind == "carer" and r.first_assessed_on != first
            )
            before: tuple[int | None, int | None] = (None, None)
            for r in talks:
                if r.wellbeing_score is None:
                    continue
                if (r.previous_score, r.previous_max) != before:
                    previous.append({"rid": r.record_id, "ps": before[0], "pm": before[1]})
                before = (r.wellbeing_score, r.wellbeing_max)
        if firsts:
            conn.execute(_SET_FIRST, firsts)
        if previous:
            conn.execute(_SET_PREVIOUS, previous)


_SET_FIRST = (
    update(t.report_facts)
    .where(c.record_id == bindparam("rid"))
    .values(first_assessed_on=bindparam("first"))
)
_SET_PREVIOUS = (
    update(t.report_facts)
    .where(c.record_id == bindparam("rid"))
    .values(previous_score=bindparam("ps"), previous_max=bindparam("pm"))
)


def relink_all(conn: Connection) -> None:
    carers = conn.execute(select(c.record_id).where(c.kind == "carer")).scalars().all()
    relink(conn, carers)


def store_facts(conn: Connection, versions: Sequence[Any], today: date) -> None:
    """The report rows of a batch of :class:`~sync.server.store.NewVersion` (the last
    version of a record wins), then the cross-record columns of the carers they touch.

    Only rows that change are written: most edits (a phone number, a note) change no
    column a report reads, and rewriting a row touched its ten indexes. For the same
    reason only the carers of changed rows are relinked: what relink reads is then as it
    was."""
    rows = facts_rows(versions, today)
    stored_before = {v.record_id for v in versions if v.previous_version is not None}
    rows, carers_before = _changed(conn, rows, stored_before)
    write_facts(conn, rows)
    # A conversation moved to another carer, or removed, changes what its carer before had
    # as well: both are relinked.
    relink(
        conn,
        chain(
            carers_before,
            (
                v.record_id if v.kind == RecordKind.CARER.value else v.ownership.carer_id
                for v in versions
                if v.record_id in rows
                and v.kind in (RecordKind.CARER.value, RecordKind.CONVERSATION.value)
            ),
        ),
    )


#: The columns :func:`relink` keeps (they look across a carer's records); the others are
#: :func:`derive`'s.
LINKED = frozenset({"first_assessed_on", "previous_score", "previous_max"})
_DERIVED = tuple(name for name in COLUMNS if name not in LINKED)
_DERIVED_OF = operator.itemgetter(*_DERIVED)
_CARER_AT = _DERIVED.index("carer_id")


def _changed(
    conn: Connection, rows: dict[str, dict[str, Any] | None], stored_before: set[str]
) -> tuple[dict[str, dict[str, Any] | None], set[str]]:
    """The rows that differ from what is stored (a new row, a derived column with another
    value, or a row to remove that is there), and the carers the stored rows of those
    records belonged to. Only records the server had before the batch (``stored_before``)
    are looked up; a record new to it has no row yet."""
    ids = [rid for rid in rows if rid in stored_before]
    if not ids:
        return rows, set()
    stored: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):
        query = select(*(c[name] for name in _DERIVED)).where(
            c.record_id.in_(ids[start : start + 500])
        )
        stored.update((row.record_id, tuple(row)) for row in conn.execute(query))
    changed: dict[str, dict[str, Any] | None] = {}
    carers_before: set[str] = set()
    for rid, row in rows.items():
        if rid not in stored_before:
            changed[rid] = row
            continue
        old = stored.get(rid)
        if row is None:
            if old is not None:
                changed[rid] = None
        elif old != _DERIVED_OF(row):
            changed[rid] = row
        if rid in changed and old is not None and old[_CARER_AT] is not None:
            carers_before.add(old[_CARER_AT])
    return changed, carers_before


def retag_facts(conn: Connection, carer_id: str, team: str | None) -> None:
    """A carer moved team: their records' facts move with them."""
    conn.execute(
        update(t.report_facts).where(t.report_facts.c.carer_id == carer_id).values(team=team)
    )


def ensure_current(store: Any) -> int:
    """Derive the facts of every live record when the table is older than this code
    (first start after the upgrade, or a change to :func:`derive`). Returns the number of
    records derived (0 when already current). One transaction: a crash part-way leaves
    the old table and the old version number, and the next start does it again."""
    counter = t.counters.c
    with store.transaction() as tx:
        found = tx.conn.execute(
            select(counter.value).where(counter.name == VERSION_COUNTER)
        ).scalar()
    if found == FACTS_VERSION:
        return 0
    today = date.today()
    derived = 0
    with store.transaction(write=True) as tx:
        conn = tx.conn
        conn.execute(delete(t.report_facts))
        r = t.records.c
        last = ""
        while True:
            page = conn.execute(
                select(t.records)
                .where(r.deleted.is_(False), r.record_id > last)
                .order_by(r.record_id)
                .limit(_PAGE)
            ).all()
            if not page:
                break
            rows: dict[str, dict[str, Any] | None] = {}
            for row in page:
                rows[row.record_id] = derive(
                    row.kind,
                    row.record_id,
                    tx._open_payload(row),
                    team=row.team,
                    carer_id=row.carer_id,
                    today=today,
                )
            write_facts(conn, rows)
            derived += len(page)
            last = page[-1].record_id
        relink_all(conn)
        conn.execute(delete(t.counters).where(counter.name == VERSION_COUNTER))
        conn.execute(insert(t.counters).values(name=VERSION_COUNTER, value=FACTS_VERSION))
    log.info("report columns derived for %d records (version %d)", derived, FACTS_VERSION)
    return derived


def facts_rows(versions: Sequence[Any], today: date) -> dict[str, dict[str, Any] | None]:
    """The facts for a batch of :class:`~sync.server.store.NewVersion` (last one wins)."""
    rows: dict[str, dict[str, Any] | None] = {}
    for v in versions:
        rows[v.record_id] = derive(
            v.kind,
            v.record_id,
            v.payload,
            team=v.ownership.team,
            carer_id=v.ownership.carer_id,
            today=today,
        )
    return rows
