"""Pull (``GET /v1/changes``): pages of the records a device's user may see, in the order
of their latest change.

* **What**: the pull scope of the user's role (:mod:`sync.server.pull_scope`), and for a
  role that must not see a whole record, a view of it instead (:data:`VIEW_BUILDERS`),
  as the table of record kinds says (``KindSpec.views``), or the record cut down to the
  fields the role needs (:data:`CUT_DOWN`: a card and plan administrator's carers).
* **Order and completeness**: records are paged by ``seq``, the sequence number of their
  latest change. Writers hold the writers' lock from the moment they take sequence
  numbers until they commit, so numbers become visible in order; a page reads the counter
  (the *watermark*) first and returns nothing above it, so a change still being
  committed can never be passed over by a cursor. The cursor is the last number looked
  at (:mod:`sync.server.cursor`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType

from carer_desk.records.kinds import RecordKind, View, pulled_by
from sync.protocol import MAX_PULL_LIMIT, PullResponse, Role
from sync.server import canonical_json, projections
from sync.server.access import Principal, pull_scope
from sync.server.cursor import decode_cursor, encode_cursor
from sync.server.store import JSONDict, PageRow, ServerStore, StoredRecord, StoreTransaction


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


#: Records a role receives as the record itself, but only the fields it needs: a card and
#: plan administrator's laptop reads a carer as a carer (plans and cards are built on it),
#: so it gets the record cut down rather than a view.
CUT_DOWN: Mapping[tuple[Role, str], Callable[[JSONDict], JSONDict]] = MappingProxyType(
    {(Role.CARD_ADMINISTRATOR, RecordKind.CARER.value): projections.plan_keeper_carer}
)


class PullService:
    def __init__(self, store: ServerStore):
        self.store = store

    def pull_json(
        self, principal: Principal, since: str | None, limit: int, *, count: bool = False
    ) -> bytes:
        """One page after the cursor ``since``, as the JSON of a :class:`PullResponse`;
        ``count`` adds how many records remain. Fields at their default are left out (a
        laptop of an earlier version refuses fields it does not know: it never sees
        ``remaining``)."""
        scope = pull_scope(principal)
        after = decode_cursor(since)
        limit = max(1, min(limit, MAX_PULL_LIMIT))
        with self.store.transaction() as tx:
            watermark = tx.max_seq()
            rows = [r for r in tx.page_since(after, limit + 1, scope) if r.seq <= watermark]
            more = len(rows) > limit
            rows = rows[:limit]
            next_seq = rows[-1].seq if more else max(after, watermark)
            remaining = tx.count_since(next_seq, watermark, scope) if count and more else 0
            page = _Page(tx, principal.role)
            for row in rows:
                page.add(row)
            body = page.json()
        tail = {"next_cursor": encode_cursor(next_seq), "more": more}
        if count:
            tail["remaining"] = remaining
        return b'{"records":' + body + b"," + canonical_json.dumps(tail)[1:]

    def pull(
        self, principal: Principal, since: str | None, limit: int, *, count: bool = False
    ) -> PullResponse:
        """The same page as a model (for callers inside the server and its tests)."""
        return PullResponse.model_validate_json(
            self.pull_json(principal, since, limit, count=count)
        )


class _Page:
    """One page's records, as this role receives them, written as JSON.

    A whole record goes out as the very JSON it was sealed as: the server passes it on
    without parsing it. A view (a register entry, a carer summary) is built from the
    carer's stored record. Each (kind, id) appears once, with the open conflict on it, if
    any, that this laptop raised or must see.
    """

    def __init__(self, tx: StoreTransaction, role: Role) -> None:
        self.tx = tx
        self.role = role
        self._entries: dict[tuple[str, str], tuple[int, bool, bytes | None]] = {}
        self._carers: dict[str, StoredRecord | None] = {}

    def add(self, row: PageRow) -> None:
        how = pulled_by(self.role, row.kind)
        if how.as_view is None:
            payload = row.payload_json
            cut = CUT_DOWN.get((self.role, row.kind))
            if cut is not None and payload is not None:
                payload = canonical_json.dumps(cut(json.loads(payload)))
            self._entries[(row.kind, row.record_id)] = (row.version, row.deleted, payload)
        view = how.as_view or how.with_carer
        if view is not None:
            self._add_view(view, row.record_id if row.kind == RecordKind.CARER else row.carer_id)

    def _add_view(self, view: View, carer_id: str | None) -> None:
        if not carer_id or (view, carer_id) in self._entries:
            return
        if carer_id not in self._carers:
            found = self.tx.get_record(carer_id)
            is_carer = found is not None and found.kind == RecordKind.CARER
            self._carers[carer_id] = found if is_carer else None
        carer = self._carers[carer_id]
        if carer is None:
            return
        payload = (
            None
            if carer.payload is None
            else canonical_json.dumps(VIEW_BUILDERS[view](self.tx, carer_id, carer.payload))
        )
        self._entries[(view, carer_id)] = (carer.version, carer.deleted, payload)

    def json(self) -> bytes:
        open_conflicts = self.tx.open_conflict_ids(list({rid for _, rid in self._entries}))
        entries = []
        for (kind, record_id), (version, deleted, payload) in self._entries.items():
            head = {
                "kind": kind,
                "record_id": record_id,
                "server_version": version,
                "deleted": deleted,
            }
            if record_id in open_conflicts:
                head["open_conflict_id"] = open_conflicts[record_id]
            entries.append(
                canonical_json.dumps(head)[:-1] + b',"payload":' + (payload or b"null") + b"}"
            )
        return b"[" + b",".join(entries) + b"]"
