"""What a person's edit writes: the record, its outbox change and an audit entry, in one
transaction, so a crash never leaves a record without its outbox change or the reverse."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from carer_desk.errors import NotFoundError, ValidationError
from carer_desk.ports import JSONDict, Priority, RecordWrite
from carer_desk.records.summaries import LIST_FIELDS, summarise
from storage.sealing import NONCE_BYTES, encode_json, encode_summary, record_ad, summary_ad
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.layout import TAG_BYTES, record_message
from storage.vault.outbox import Outbox
from storage.vault.records import (
    RecordTable,
    StoredRow,
    check_ids,
    check_same_kind,
    edit_event,
)
from storage.vault.transitions import ChangeState, RecordEvent, sync_state_after

logger = logging.getLogger(__name__)

_NEW = sync_state_after(None, RecordEvent.EDITED_UNSEEN).value  # what a new record shows


def _versioned(w: RecordWrite, held: StoredRow | None) -> tuple[str, str, int, int | None, str]:
    """(id, kind, version, server_version, sync state) of ``w`` once written over ``held``."""
    if held is None:
        return w.id, w.kind, 1, None, _NEW
    check_same_kind(w.id, held.kind, w.kind)
    state = sync_state_after(held.sync_state, edit_event(held.server_version))
    return w.id, w.kind, held.version + 1, held.server_version, state.value


def seal_with_summaries(
    aead: AESGCM,
    gen: int,
    batch: list[RecordWrite],
    rows: list[tuple[str, str, int, int | None, str]],
) -> tuple[list[bytes], list[bytes | None]]:
    """Each write's payload sealed (as :func:`storage.sealing.seal_many`) and its summary
    sealed beside it, bound to the payload's blob (storage.sealing.summary_ad), in one
    pass with every nonce drawn from the OS in one call."""
    nonces = os.urandom(2 * NONCE_BYTES * len(batch))
    encrypt = aead.encrypt
    fields = LIST_FIELDS
    sealed: list[bytes] = []
    summaries: list[bytes | None] = []
    at = 0
    for w, (rid, kind, version, _sv, _st) in zip(batch, rows, strict=True):
        nonce = nonces[at : at + NONCE_BYTES]
        blob = nonce + encrypt(nonce, encode_json(w.payload), record_ad(rid, kind, version, gen))
        sealed.append(blob)
        listed = fields.get(kind)
        if listed is None:
            summaries.append(None)
        else:
            nonce = nonces[at + NONCE_BYTES : at + 2 * NONCE_BYTES]
            summaries.append(
                nonce
                + encrypt(
                    nonce,
                    encode_summary(summarise(kind, w.payload)),
                    summary_ad(rid, kind, version, gen, blob[-TAG_BYTES:]),
                )
            )
        at += 2 * NONCE_BYTES
    return sealed, summaries


class LocalEdits:
    def __init__(
        self, ctx: VaultContext, records: RecordTable, outbox: Outbox, audit: AuditLog
    ) -> None:
        self._ctx = ctx
        self._records = records
        self._outbox = outbox
        self._audit = audit

    def put(
        self,
        kind: str,
        record_id: str,
        payload: JSONDict,
        *,
        priority: int = Priority.NORMAL,
        action: str = "edit",
    ) -> int:
        check_ids(kind, record_id)
        ctx = self._ctx
        ctx.keys()
        with ctx.transaction():
            held = self._records.stored(record_id)
            if held is not None:
                check_same_kind(record_id, held.kind, kind)
            changed = sorted(payload)
            if held is not None and not held.deleted:
                old = self._records.live_payload(record_id, kind)
                if old is not None:  # a damaged old version: every field counts as changed
                    changed = sorted(
                        k for k in set(old) | set(payload) if old.get(k) != payload.get(k)
                    )
            version = held.version + 1 if held is not None else 1
            server_version = held.server_version if held is not None else None
            state = sync_state_after(
                held.sync_state if held is not None else None, edit_event(server_version)
            )
            plaintext = encode_json(payload)
            self._outbox.queue_upserts(
                [(record_id, kind, server_version, priority, held is not None)]
            )
            self._records.write(
                [
                    self._records.sealed_row(
                        record_id, kind, version, server_version, state, plaintext, listed=payload
                    )
                ]
            )
            self._audit.append(action, record_id, kind, {"fields": changed, "version": version})
        return version

    def put_many(
        self,
        writes: Iterable[RecordWrite],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        batch = list(writes)
        seen: set[str] = set()
        for w in batch:
            check_ids(w.kind, w.id)
            if w.id in seen:
                raise ValidationError([("id", f"{w.id} appears twice in one batch; write it once")])
            seen.add(w.id)
        if not batch:
            return 0
        ctx = self._ctx
        gen = ctx.write_gen()
        aead = ctx.keys().aead[gen]
        with ctx.transaction():
            held = self._records.stored_many([w.id for w in batch])
            # (id, kind, version, server_version, sync state) of each record after the write
            rows = [_versioned(w, held.get(w.id)) for w in batch]
            self._outbox.queue_upserts(
                [
                    (w.id, w.kind, r[3], w.priority, w.id in held)
                    for w, r in zip(batch, rows, strict=True)
                ]
            )
            # Serialising and sealing are most of the CPU time of a large import: one pass
            # each, no call per record beyond the encoder and the cipher. Each record's
            # summary is cut, serialised and sealed in the same pass as its payload.
            sealed, summaries = seal_with_summaries(aead, gen, batch, rows)
            macs = (
                ctx.keys()
                .rows[gen]
                .many(
                    [
                        record_message(*row, 0, gen, blob[-TAG_BYTES:], None)
                        for row, blob in zip(rows, sealed, strict=True)
                    ]
                )
            )
            written = [
                (*row, 0, gen, blob, summary, mac)
                for row, blob, summary, mac in zip(rows, sealed, summaries, macs, strict=True)
            ]
            # Rows of one kind are written next to each other (each kind in batch order, so
            # listings keep their order; the outbox keeps the batch's order). A listing then
            # reads neighbouring pages, and records of one kind, being of similar size, fill
            # pages better: interleaved carers and conversations took a page each, grouped
            # they take a quarter fewer pages, and writing pages is most of an import.
            written.sort(key=itemgetter(1))
            self._records.write(written)
            details: dict[str, Any] = {
                "count": len(batch),
                "kinds": dict(Counter(w.kind for w in batch)),
            }
            if audit_details:
                details.update(audit_details)
            self._audit.append(action, None, None, details)
        logger.info("wrote %d records in one batch", len(batch))
        return len(batch)

    def delete(self, kind: str, record_id: str) -> None:
        """Tombstone a record; it is removed when the server acknowledges the delete.

        A record the server has never seen (no server version, nothing in flight) is
        removed at once with its unsent changes: there is nothing to acknowledge.
        """
        ctx = self._ctx
        ctx.keys()
        with ctx.transaction():
            held = self._records.stored(record_id)
            if held is None or held.kind != kind or held.deleted:
                raise NotFoundError(f"There is no {kind} record with id {record_id}.")
            # The payload is read before anything moves, and kept (re-sealed for the new
            # version) so a delete the server rejects can be undone without data loss.
            plaintext = self._records.payload_plaintext(record_id, kind)
            self._outbox.supersede([record_id], absorb=False)
            in_flight = self._outbox.count_in_state(record_id, ChangeState.SENDING)
            version = held.version + 1
            if held.server_version is None and not in_flight:
                self._records.remove(record_id)
            else:
                self._records.write(
                    [
                        self._records.sealed_row(
                            record_id,
                            kind,
                            version,
                            held.server_version,
                            sync_state_after(held.sync_state, RecordEvent.DELETED),
                            b"{}" if plaintext is None else plaintext,
                            deleted=True,
                        )
                    ]
                )
                self._outbox.queue_delete(record_id, kind, held.server_version)
            self._audit.append("delete", record_id, kind, {"version": version})
