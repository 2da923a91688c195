"""What a pull writes: records as the server holds them, and the cursor to resume from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from storage.sealing import encode_json
from storage.vault.context import VaultContext
from storage.vault.outbox import Outbox
from storage.vault.records import RecordTable, check_ids
from storage.vault.transitions import RecordEvent, sync_state_after


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
        check_ids(kind, record_id)
        self._ctx.keys()
        if self._outbox.has_changes(record_id):
            return False
        held = self._records.stored(record_id)
        known = held.server_version if held is not None else None
        if known is not None and server_version <= known:
            return False
        if deleted:
            self._records.remove(record_id)
            return True
        state = sync_state_after(held.sync_state if held else None, RecordEvent.PULLED)
        version = held.version + 1 if held is not None else 1
        self._records.write(
            [
                self._records.sealed_row(
                    record_id,
                    kind,
                    version,
                    server_version,
                    state,
                    encode_json(dict(payload or {})),
                )
            ]
        )
        return True

    def apply_page(self, records: Iterable[PulledRecordLike], cursor: str) -> list[bool]:
        """Inside the caller's transaction: a pulled page, then its cursor."""
        applied = [
            self.apply(r.kind, r.record_id, r.payload, r.server_version, r.deleted) for r in records
        ]
        self._ctx.header.set_sync_cursor(cursor)
        return applied
