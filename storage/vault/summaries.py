"""Each record's list summary (carer_desk.records.summaries), built for the records a
vault already holds.

Every write seals a record's summary beside its payload (:meth:`RecordTable.sealed_row`,
:meth:`LocalEdits.put_many`), so this is needed once: at the first unlock after the
upgrade that added summaries (schema m004), or after a change of their format. It runs
in batches, each its own vault transaction (atomic: a batch's summaries are all written
or none), and resumes where it stopped: a record whose summary already opens beside its
payload is passed over. The header field :data:`header.SUMMARIES`, written in the last
batch, says every live record has one; it is covered by the header seal.
"""

from __future__ import annotations

import logging

from carer_desk.errors import VaultTampered
from carer_desk.records.summaries import LIST_FIELDS, summarise
from storage.sealing import SUMMARY_LABEL, encode_summary, record_ad, summary_ad
from storage.vault.connection import marks
from storage.vault.context import VaultContext
from storage.vault.header import SUMMARIES
from storage.vault.layout import TAG_BYTES

logger = logging.getLogger(__name__)

BATCH = 2000


class SummaryBuilder:
    def __init__(self, ctx: VaultContext) -> None:
        self._ctx = ctx

    def up_to_date(self) -> bool:
        return self._ctx.header.get(SUMMARIES) == SUMMARY_LABEL

    def build(self, *, batch_size: int = BATCH) -> int:
        """Seal the summary of every live record of a listed kind that has none that
        opens; returns how many were written. Does nothing when they are up to date, or
        when the vault may not be written (its seal does not match: the lists then read
        each payload, and ``vault check`` says why)."""
        ctx = self._ctx
        with ctx.guard():
            ctx.keys()
            if self.up_to_date() or ctx.unlock_findings:
                return 0
        written, after = 0, 0
        try:
            while after is not None:
                with ctx.guard(), ctx.transaction():
                    after, n = self._batch(after, batch_size)
                written += n
        except VaultTampered as exc:
            logger.warning("record summaries not built: the vault's seal does not match (%s)", exc)
            return written
        logger.info("built %d record summaries", written)
        return written

    def _batch(self, after: int, batch_size: int) -> tuple[int | None, int]:
        """One transaction's worth: the rows after rowid ``after``; returns the last rowid
        read (None when every row has been seen, and the header field is written) and
        how many summaries were sealed."""
        ctx = self._ctx
        kinds = list(LIST_FIELDS)
        rows = ctx.conn.execute(
            "SELECT rowid, id, kind, version, key_gen, sealed, summary_sealed FROM records "
            f"WHERE rowid > ? AND deleted = 0 AND kind IN ({marks(len(kinds))}) "
            "ORDER BY rowid LIMIT ?",
            (after, *kinds, batch_size),
        ).fetchall()
        updates = []
        for rowid, record_id, kind, version, gen, sealed, summary in rows:
            ad = summary_ad(record_id, kind, version, gen, sealed[-TAG_BYTES:])
            if summary is not None and ctx.open(gen, summary, ad) is not None:
                continue  # built before this run was interrupted, or written since
            payload = ctx.open_json(gen, sealed, record_ad(record_id, kind, version, gen))
            if not isinstance(payload, dict):
                ctx.note_damaged(record_id, kind)  # the list skips it; check() reports it
                continue
            updates.append((ctx.seal(gen, encode_summary(summarise(kind, payload)), ad), rowid))
        ctx.conn.executemany("UPDATE records SET summary_sealed = ? WHERE rowid = ?", updates)
        if len(rows) < batch_size:
            ctx.header.set({SUMMARIES: SUMMARY_LABEL})
            return None, len(updates)
        return rows[-1][0], len(updates)
