"""The records one writing transaction reads and writes (a push, or a conflict being
resolved), so that a batch costs a handful of statements instead of several per change.

Reads come in bulk up front (:meth:`Workset.load`, :meth:`Workset.load_versions`,
:meth:`Workset.load_ledger`); anything not loaded is fetched on first use, so loading is
only ever an optimisation. Writes are kept in order and stored together by
:meth:`Workset.flush` — records, versions, ledger entries, conflicts and audit rows, one
statement each. Until then the working set answers reads with what was written, so a
change sees the ones before it in the same push (a carer added, then a conversation for
that carer).

Writes that move *other* records (a carer changing team retags their linked records; a
group changing facilitator resends its records) need the database to be current: the
working set flushes first and forgets what the move changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sync.server.store import (
    AuditEntry,
    JSONDict,
    LedgerEntry,
    NewConflict,
    NewVersion,
    StoredRecord,
    StoreTransaction,
    utcnow,
)


class Workset:
    def __init__(self, tx: StoreTransaction) -> None:
        self.tx = tx
        self._rows: dict[str, StoredRecord | None] = {}
        self._versions: dict[tuple[str, int], JSONDict | None] = {}
        self._ledger: dict[str, tuple[str, JSONDict]] = {}
        self._new_versions: list[NewVersion] = []
        self._new_ledger: list[LedgerEntry] = []
        self._new_conflicts: list[NewConflict] = []
        self._new_audit: list[AuditEntry] = []
        self._recovered: dict[str, int] = {}
        self._kept = 0

    # --- reads --------------------------------------------------------------------------

    def load(self, record_ids: Iterable[str]) -> None:
        wanted = [rid for rid in dict.fromkeys(record_ids) if rid not in self._rows]
        if not wanted:
            return
        found = self.tx.get_records(wanted)
        for rid in wanted:
            self._rows[rid] = found.get(rid)

    def loaded(self) -> list[StoredRecord]:
        return [r for r in self._rows.values() if r is not None]

    def get(self, record_id: str) -> StoredRecord | None:
        if record_id not in self._rows:
            self.load([record_id])
        return self._rows[record_id]

    def lookup_key(self, value: str) -> str:
        return self.tx.lookup_key(value)

    def other_with_lookup(self, kind: str, lookup: str, record_id: str) -> StoredRecord | None:
        """Another record of ``kind`` than ``record_id`` with this keyed hash (a card with
        the same number), as this push sees them: written earlier in it, or stored."""
        for row in self._rows.values():
            if (
                row is not None
                and row.kind == kind
                and row.record_id != record_id
                and row.ownership.lookup == lookup
            ):
                return row
        stored = self.tx.find_by_lookup(kind, lookup, excluding=record_id)
        if stored is not None and stored.record_id in self._rows:
            current = self._rows[stored.record_id]
            return current if current is not None and current.ownership.lookup == lookup else None
        return stored

    def first_author(self, record_id: str) -> str | None:
        """Who created the record: in this push, or the actor of its first version."""
        for version in self._new_versions:
            if version.record_id == record_id and version.previous_version is None:
                return version.actor
        return self.tx.first_author(record_id)

    def records_for_carer(self, kind: str, carer_id: str) -> list[StoredRecord]:
        """The carer's records of ``kind``, including those written in this push."""
        found = {r.record_id: r for r in self.tx.records_for_carer(kind, carer_id)}
        for rid, row in self._rows.items():
            if row is None:
                found.pop(rid, None)
            elif row.kind == kind:
                if row.ownership.carer_id == carer_id:
                    found[rid] = row
                else:
                    found.pop(rid, None)
        return list(found.values())

    def load_versions(self, wanted: Iterable[tuple[str, int]]) -> None:
        missing = [w for w in dict.fromkeys(wanted) if w not in self._versions]
        if not missing:
            return
        found = self.tx.version_payloads(missing)
        for pair in missing:
            if pair not in found and pair[1] < self.tx.version_floor:
                # A version lost with the database this one was restored from (a laptop
                # sends again what it held): the edit is merged against the nearest
                # version before it that the server holds, as an edit made at the same
                # time as every change since (sync.server.restore).
                found[pair] = self.tx.version_payload_before(*pair)
            self._versions[pair] = found.get(pair)

    def version_payload(self, record_id: str, version: int) -> JSONDict | None:
        """A stored version's payload (None for a tombstone or a version never stored)."""
        self.load_versions([(record_id, version)])
        return self._versions[(record_id, version)]

    def load_ledger(self, change_ids: Iterable[str]) -> None:
        self._ledger.update(self.tx.applied_results(list(change_ids)))

    def applied(self, change_id: str) -> tuple[str, JSONDict] | None:
        """The stored result of a change already processed (before or in this push)."""
        return self._ledger.get(change_id)

    # --- writes, kept until flush() -----------------------------------------------------

    @property
    def kept(self) -> int:
        """Writes kept since this working set began (stored or not): lets a caller check
        that a change it refuses left nothing behind."""
        return self._kept

    def write(self, version: NewVersion) -> StoredRecord:
        self._kept += 1
        self._new_versions.append(version)
        record = StoredRecord(
            record_id=version.record_id,
            kind=version.kind,
            version=version.version,
            deleted=version.payload is None,
            seq=0,  # handed out when stored
            payload=version.payload,
            ownership=version.ownership,
            updated_at=utcnow(),
            updated_by=version.actor,
        )
        self._rows[version.record_id] = record
        self._versions[(version.record_id, version.version)] = version.payload
        return record

    def remember_result(self, entry: LedgerEntry) -> None:
        self._kept += 1
        self._new_ledger.append(entry)
        self._ledger[entry.change_id] = (entry.username, entry.result)

    def add_conflict(self, conflict: NewConflict) -> None:
        self._kept += 1
        self._new_conflicts.append(conflict)

    def audit(self, entry: AuditEntry) -> None:
        self._kept += 1
        self._new_audit.append(entry)

    def recovered(self, record_id: str, version: int) -> None:
        """The server's copy of the record now holds what a laptop had of its lost
        version ``version`` (see :meth:`StoreTransaction.note_recovered`)."""
        self._kept += 1
        self._recovered[record_id] = max(version, self._recovered.get(record_id, 0))

    def flush(self) -> None:
        self.tx.note_recovered(self._recovered)
        self._recovered = {}
        self.tx.write_versions(self._new_versions)
        self.tx.save_applied_many(self._new_ledger)
        self.tx.add_conflicts(self._new_conflicts)
        self.tx.audit_many(self._new_audit)
        self._new_versions, self._new_ledger = [], []
        self._new_conflicts, self._new_audit = [], []

    def retag_carer(self, carer_id: str, team: str | None) -> None:
        """Move every record linked to the carer to ``team`` (see the store)."""
        self.flush()
        self.tx.retag_carer_records(carer_id, team)
        self._forget(lambda r: r.ownership.carer_id == carer_id and r.record_id != carer_id)

    def resend_group(self, group_id: str) -> None:
        """Give the group's records new sequence numbers so its new facilitator pulls them."""
        self.flush()
        self.tx.resend_group_records(group_id)

    def _forget(self, test: Callable[[StoredRecord], bool]) -> None:
        for rid in [rid for rid, r in self._rows.items() if r is not None and test(r)]:
            del self._rows[rid]
