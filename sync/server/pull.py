"""Pull (``GET /v1/changes``): pages of the records a device's user may see, in the order
of their latest change.

* **What**: the pull scope of the user's role (:mod:`sync.server.pull_scope`), and for a
  role that must not see a whole record, a view of it instead (:data:`VIEW_BUILDERS`),
  as the table of record kinds says (``KindSpec.views``).
* **Order and completeness**: records are paged by ``seq``, the sequence number of their
  latest change. Writers hold the writers' lock from the moment they take sequence
  numbers until they commit, so numbers become visible in order; a page reads the counter
  (the *watermark*) first and returns nothing above it, so a change still being
  committed can never be passed over by a cursor. The cursor is the last number looked
  at (:mod:`sync.server.cursor`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from carer_desk.records.kinds import RecordKind, View, pulled_by
from sync.protocol import MAX_PULL_LIMIT, PulledRecord, PullResponse
from sync.server import projections
from sync.server.access import Principal, pull_scope
from sync.server.cursor import decode_cursor, encode_cursor
from sync.server.store import JSONDict, ServerStore, StoredRecord, StoreTransaction


def _register_entry(tx: StoreTransaction, carer_id: str, carer: JSONDict) -> JSONDict:
    return projections.register_entry(carer_id, carer)


def _carer_summary(tx: StoreTransaction, carer_id: str, carer: JSONDict) -> JSONDict:
    conversations = [
        c.payload
        for c in tx.records_for_carer(RecordKind.CONVERSATION, carer_id)
        if c.payload is not None
    ]
    return projections.carer_summary(carer_id, carer, conversations)


#: How each view of a carer is built from the carer's stored payload.
VIEW_BUILDERS: Mapping[View, Callable[[StoreTransaction, str, JSONDict], JSONDict]] = (
    MappingProxyType({View.REGISTER_ENTRY: _register_entry, View.CARER_SUMMARY: _carer_summary})
)


def view_of(tx: StoreTransaction, view: View, carer: StoredRecord) -> PulledRecord:
    return PulledRecord(
        kind=view,
        record_id=carer.record_id,
        server_version=carer.version,
        deleted=carer.deleted,
        payload=None
        if carer.payload is None
        else VIEW_BUILDERS[view](tx, carer.record_id, carer.payload),
    )


class PullService:
    def __init__(self, store: ServerStore):
        self.store = store

    def pull(
        self, principal: Principal, since: str | None, limit: int, *, count: bool = False
    ) -> PullResponse:
        """One page after the cursor ``since``; ``count`` adds how many records remain."""
        scope = pull_scope(principal)
        after = decode_cursor(since)
        limit = max(1, min(limit, MAX_PULL_LIMIT))
        extra: dict[str, int] = {}
        with self.store.transaction() as tx:
            watermark = tx.max_seq()
            rows = [r for r in tx.changes_since(after, limit + 1, scope) if r.seq <= watermark]
            more = len(rows) > limit
            rows = rows[:limit]
            next_seq = rows[-1].seq if more else max(after, watermark)
            if count:
                extra["remaining"] = tx.count_since(next_seq, watermark, scope) if more else 0
            records = present(tx, principal, rows)
            conflicts = {
                c.record_id: c.conflict_id
                for c in tx.open_conflicts([r.record_id for r in records])
            }
        out = [
            r.model_copy(update={"open_conflict_id": conflicts.get(r.record_id)})
            if r.record_id in conflicts
            else r
            for r in records
        ]
        # Fields left unset are left out of the answer (see app.changes).
        return PullResponse(records=out, next_cursor=encode_cursor(next_seq), more=more, **extra)


def present(
    tx: StoreTransaction, principal: Principal, rows: list[StoredRecord]
) -> list[PulledRecord]:
    """Turn stored rows into what this role receives: whole records, or views."""
    out: dict[tuple[str, str], PulledRecord] = {}
    carers: dict[str, StoredRecord | None] = {}

    def carer_of(row: StoredRecord) -> StoredRecord | None:
        if row.kind == RecordKind.CARER:
            return row
        carer_id = row.ownership.carer_id
        if not carer_id:
            return None
        if carer_id not in carers:
            found = tx.get_record(carer_id)
            is_carer = found is not None and found.kind == RecordKind.CARER
            carers[carer_id] = found if is_carer else None
        return carers[carer_id]

    def add(record: PulledRecord) -> None:
        out[(record.kind, record.record_id)] = record

    def add_view(view: View, row: StoredRecord) -> None:
        carer = carer_of(row)
        if carer is not None and (view, carer.record_id) not in out:
            add(view_of(tx, view, carer))

    for row in rows:
        how = pulled_by(principal.role, row.kind)
        if how.as_view is not None:
            add_view(how.as_view, row)
            continue
        add(whole(row))
        if how.with_carer is not None:
            add_view(how.with_carer, row)
    return list(out.values())


def whole(row: StoredRecord) -> PulledRecord:
    return PulledRecord(
        kind=row.kind,
        record_id=row.record_id,
        server_version=row.version,
        deleted=row.deleted,
        payload=row.payload,
    )
