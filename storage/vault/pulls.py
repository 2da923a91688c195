"""What a pull writes: records as the server holds them, and the cursor to resume from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from storage.sealing import encode_json
from storage.vault.context import VaultContext
from storage.vault.outbox import Outbox
from storage.vault.records import RecordTable, StoredRow, check_ids
from storage.vault.transitions import RecordEvent, sync_state_after

#: ``(kind, record_id, payload, server_version, deleted)``
PulledItem = tuple[str, str, Mapping[str, Any] | None, int, bool]


class PulledRecordLike(Protocol):
    """What apply_remote_page reads from each pulled record (the sync protocol's
    PulledRecord fits; storage does not import sync)."""

    kind: str
    record_id: str
    payload: Mapping[str, Any] | None
    server_version: int
    deleted: bool


class Pulls:
    def __init__(self, ctx: VaultContext, records: RecordTable, outbox: Outbox) -> None:
        self._ctx = ctx
        self._records = records
        self._outbox = outbox

    def apply(
        self,
        kind: str,
        record_id: str,
        payload: Mapping[str, Any] | None,
        server_version: int,
        deleted: bool,
    ) -> bool:
        """Inside the caller's transaction: store one pulled record; False when it was not
        applied.

        If this record has a local change not yet acknowledged (pending, sending or
        rejected), the local version is kept: the server merges field by field when our
        change arrives, and the merged result comes back on a later pull. A pulled version
        no newer than the one held is ignored (a replayed page).
        """
        return self.apply_many([(kind, record_id, payload, server_version, deleted)])[0]

    def apply_page(self, records: Iterable[PulledRecordLike], cursor: str) -> list[bool]:
        """Inside the caller's transaction: a pulled page, then its cursor."""
        applied = self.apply_many(
            [(r.kind, r.record_id, r.payload, r.server_version, r.deleted) for r in records]
        )
        self._ctx.header.set_sync_cursor(cursor)
        return applied

    def apply_many(self, items: list[PulledItem]) -> list[bool]:
        """Inside the caller's transaction: ``(kind, record_id, payload, server_version,
        deleted)`` items in order, by the rules of :meth:`apply`, in a few statements per
        500 records whatever their number (a pull of 20,000 records is a handful of
        statements a page, not three a record)."""
        for kind, record_id, *_ in items:
            check_ids(kind, record_id)
        self._ctx.keys()
        ids = list(dict.fromkeys(item[1] for item in items))
        waiting = self._outbox.with_changes(ids)
        held: dict[str, StoredRow] = self._records.stored_many(ids)
        applied: list[bool] = []
        removed: list[str] = []
        rows: dict[str, tuple[Any, ...]] = {}
        for kind, record_id, payload, server_version, deleted in items:
            now = held.get(record_id)
            known = now.server_version if now is not None else None
            if record_id in waiting or (known is not None and server_version <= known):
                applied.append(False)
                continue
            applied.append(True)
            if deleted:
                held.pop(record_id, None)
                rows.pop(record_id, None)
                removed.append(record_id)
                continue
            state = sync_state_after(now.sync_state if now else None, RecordEvent.PULLED)
            version = now.version + 1 if now is not None else 1
            listed = dict(payload or {})
            rows[record_id] = self._records.sealed_row(
                record_id, kind, version, server_version, state, encode_json(listed), listed=listed
            )
            held[record_id] = StoredRow(kind, version, server_version, state, False)
        self._records.remove_many(removed)
        self._records.write(rows.values())
        return applied
