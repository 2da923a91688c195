"""The push pipeline (``POST /v1/push``), in the order it runs.

1. **Roles that push nothing** (payments approvers) get every change rejected with the
   reason, so the laptop can hold each one. (Emergency line operators push only the calls
   they take; access decides that per change.)
2. **Each change on its own**, before the writers' lock and without the database: is the
   kind known, is the payload a valid record (decoded by the core's codec, so the server
   refuses exactly what a laptop would), and its fingerprint for the idempotency ledger.
   Several server processes do this side by side.
3. **One writing transaction for the batch** (it holds the writers' lock, see
   :meth:`sync.server.store.SqlStore.transaction`):

   a. read up front, in bulk: the stored results of changes already processed (resends),
      every record the batch touches or links to, and the versions stale edits started
      from (:class:`~sync.server.workset.Workset`);
   b. decide each change in order against that working set — replayed, applied, merged,
      conflict or rejected (:class:`_Decider`). Every refusal is decided before the change
      writes anything, so one bad change never blocks or half-writes the others;
   c. store the batch's writes together: records, versions, ledger, conflicts, audit.

Guarantees, each tested in ``tests/sync``:

* **Idempotent**: a change's id is written to the ledger with its result in the same
  transaction as the version it produced; a resend returns that stored result and writes
  nothing. Rejected changes are not recorded, so a change refused for a reason that goes
  away (its carer arrived later) can be sent again.
* **Field-level merge**: an edit based on an older version is merged field by field
  (:mod:`sync.server.merge`); what cannot be merged becomes a conflict kept with both
  values until a person resolves it (:mod:`sync.server.conflict_resolution`).
* **Access per record**: every change is authorised against the server's copy and the
  ownership it would give the record (:mod:`sync.server.record_changes`).
* **Pull order**: sequence numbers are handed out in the order changes are decided, and
  become visible in that order (the writers' lock), so a pull cursor never skips one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from carer_desk.config import EmergencyLineSettings
from carer_desk.errors import ValidationError
from carer_desk.records.kinds import KIND_TABLE
from sync.protocol import (
    DELETED_FIELD,
    NEVER_AUTO_MERGE,
    Change,
    ChangeResult,
    ChangeStatus,
    FieldConflict,
    Op,
    PushRequest,
    PushResponse,
    Role,
)
from sync.server import canonical_json
from sync.server.access import Principal, authorise_write
from sync.server.errors import Forbidden
from sync.server.merge import changed_fields, three_way_merge
from sync.server.ownership import linked_ids
from sync.server.payment_life_cycle import PaymentPolicy, merges_in
from sync.server.record_changes import RecordChanges
from sync.server.store import (
    AuditEntry,
    JSONDict,
    LedgerEntry,
    NewConflict,
    Ownership,
    ServerStore,
    StoredRecord,
    new_conflict_id,
)
from sync.server.validation import check_kind, check_payload
from sync.server.workset import Workset

log = logging.getLogger(__name__)

# Emergency line operators push only the calls they take (sync.server.access).
_PUSHES_NOTHING = {
    Role.PAYMENTS_APPROVER: "Payments approvers decide requests with the decision action; "
    "they do not push record changes.",
}


@dataclass(frozen=True)
class Checked:
    """A change with what could be decided about it on its own (step 2)."""

    change: Change
    fingerprint: str
    kind_problem: ValidationError | None = None
    payload_problem: ValidationError | None = None


class _Rejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PushPipeline:
    def __init__(
        self,
        store: ServerStore,
        *,
        payments: PaymentPolicy | None = None,
        line: EmergencyLineSettings | None = None,
    ):
        self.store = store
        self.payments = payments or PaymentPolicy()
        self.line = line

    def push(self, principal: Principal, request: PushRequest) -> PushResponse:
        refusal = _PUSHES_NOTHING.get(principal.role)
        if refusal is not None:
            # Still answer per change so the client can hold each one with its reason.
            return PushResponse(results=[rejected(c, refusal) for c in request.changes])
        # A resend (the answer to an earlier push was lost) is answered from the ledger:
        # a quick read, without the writers' lock, spares checking it all again.
        with self.store.transaction() as tx:
            resent = tx.known_change_ids([c.change_id for c in request.changes])
        today = self.payments.today()
        checked = [
            Checked(c, fingerprint(c)) if c.change_id in resent else check_alone(c, today)
            for c in request.changes
        ]
        payments = replace(self.payments, merges=merges_in(request.changes))
        with self.store.transaction(write=True) as tx:
            work = Workset(tx)
            read_up_front(work, request.changes)
            decider = _Decider(work, principal, payments=payments, line=self.line)
            results = [decider.decide(c) for c in checked]
            work.flush()
        log.info(
            "push from %s/%s: %d changes, %d applied, %d conflicts, %d rejected",
            principal.username,
            principal.device_id,
            len(results),
            sum(r.status == ChangeStatus.APPLIED for r in results),
            sum(r.status == ChangeStatus.CONFLICT for r in results),
            sum(r.status == ChangeStatus.REJECTED for r in results),
        )
        return PushResponse(results=results)


def check_alone(change: Change, today: date | None = None) -> Checked:
    """Step 2: what needs nothing but the change itself (and the server's day)."""
    try:
        check_kind(change.kind)
    except ValidationError as exc:
        return Checked(change, fingerprint(change), kind_problem=exc)
    problem = None
    if change.op == Op.UPSERT:
        try:
            check_payload(change.kind, change.record_id, change.payload, today)
        except ValidationError as exc:
            problem = exc
    return Checked(change, fingerprint(change), payload_problem=problem)


def read_up_front(work: Workset, changes: list[Change]) -> None:
    """Step 3a: in five queries or so, whatever the batch's size."""
    work.load_ledger(c.change_id for c in changes)
    ids = [c.record_id for c in changes]
    for c in changes:
        if c.op == Op.UPSERT and c.kind in KIND_TABLE:
            ids.extend(linked_ids(c.kind, c.payload))
    work.load(ids)
    # The groups of what was read: a session's group, the group an attendance is in.
    work.load(r.ownership.group_id for r in work.loaded() if r.ownership.group_id)
    stale = []
    for c in changes:
        existing = work.get(c.record_id)
        if existing and c.base_version is not None and c.base_version < existing.version:
            stale.append((c.record_id, c.base_version))
    work.load_versions(stale)


def result_of(change: Change, status: ChangeStatus, **fields: Any) -> ChangeResult:
    return ChangeResult(
        change_id=change.change_id,
        record_id=change.record_id,
        kind=change.kind,
        status=status,
        **fields,
    )


def rejected(change: Change, reason: str) -> ChangeResult:
    return result_of(change, ChangeStatus.REJECTED, reason=reason)


def applied(change: Change, version: int, *, merged: bool = False) -> ChangeResult:
    return result_of(change, ChangeStatus.APPLIED, server_version=version, merged=merged)


def fingerprint(change: Change) -> str:
    """What makes a resend the same change: everything but its priority."""
    return hashlib.sha256(canonical_json.dumps(_identity(change))).hexdigest()


def _identity(change: Change) -> dict[str, Any]:
    # change.model_dump(mode="json", exclude={"priority"}), built directly: the payload
    # came from JSON, so it is JSON already, and walking it again cost as much as hashing.
    return {
        "change_id": change.change_id,
        "kind": change.kind,
        "record_id": change.record_id,
        "op": change.op.value,
        "base_version": change.base_version,
        "payload": change.payload,
    }


def _same_change(stored: object, change: Change, current: str) -> bool:
    if stored == current:
        return True
    # A ledger entry written before the server used orjson: compare in that form too.
    return stored == hashlib.sha256(canonical_json.stdlib_dumps(_identity(change))).hexdigest()


class _Decider:
    """Step 3b: decides each change of one batch, in order, against the working set."""

    def __init__(
        self,
        work: Workset,
        principal: Principal,
        *,
        payments: PaymentPolicy | None = None,
        line: EmergencyLineSettings | None = None,
    ) -> None:
        self.work = work
        self.principal = principal
        self.records = RecordChanges(work, principal, payments=payments, line=line)

    def decide(self, checked: Checked) -> ChangeResult:
        change = checked.change
        stored = self.work.applied(change.change_id)
        if stored is not None:
            return self._replay(checked, stored)
        kept_before = self.work.kept
        try:
            result = self._apply(checked)
        except (_Rejected, ValidationError, Forbidden) as exc:
            # Every refusal is decided before anything is kept (see _apply), so a refused
            # change needs nothing undone. Should one ever come after a write, the whole
            # batch is aborted rather than keep half a change.
            if self.work.kept != kept_before:
                raise RuntimeError(
                    f"change {change.change_id} was refused after part of it was written"
                ) from exc
            reason = exc.reason if isinstance(exc, _Rejected) else str(exc)
            if isinstance(exc, ValidationError):
                reason = f"The record is not valid: {exc}"
            return rejected(change, reason)
        if self._lost_version(change):
            assert change.base_version is not None
            self.work.recovered(change.record_id, change.base_version)
        # A change id already in the ledger cannot get here: the writers' lock is held and
        # resends were found up front. If one did, DuplicateChange aborts the batch and the
        # client's retry finds the stored result.
        self.work.remember_result(
            LedgerEntry(
                change_id=change.change_id,
                username=self.principal.username,
                device_id=self.principal.device_id,
                record_id=change.record_id,
                result={
                    "result": result.model_dump(mode="json"),
                    "fingerprint": checked.fingerprint,
                },
            )
        )
        return result

    def _replay(self, checked: Checked, stored: tuple[str, JSONDict]) -> ChangeResult:
        username, ledger = stored
        change = checked.change
        if username != self.principal.username or not _same_change(
            ledger.get("fingerprint"), change, checked.fingerprint
        ):
            return rejected(
                change,
                "This change id was already used for a different change; the client must "
                "give every change a new id.",
            )
        return ChangeResult.model_validate({**ledger["result"], "replayed": True})

    def _apply(self, checked: Checked) -> ChangeResult:
        change = checked.change
        if checked.kind_problem is not None:
            raise checked.kind_problem
        existing = self.work.get(change.record_id)
        if existing is not None and existing.kind != change.kind:
            raise _Rejected(
                f"Record {change.record_id} is a {existing.kind} on the server, not a "
                f"{change.kind}."
            )
        if checked.payload_problem is not None:
            raise checked.payload_problem
        change, stamped = self._stamped(change, existing)
        result = self._dispatch(change, existing)
        if stamped and result.status == ChangeStatus.APPLIED and not result.merged:
            # The server stored other values than the laptop sent: "merged" tells the
            # laptop to take the server's copy at its pull rather than keep its own.
            return result.model_copy(update={"merged": True})
        return result

    def _stamped(self, change: Change, existing: StoredRecord | None) -> tuple[Change, bool]:
        """The change with the fields the server sets itself (RecordChanges.stamped)."""
        if change.op != Op.UPSERT or change.payload is None:
            return change, False
        payload = self.records.stamped(change.kind, existing, change.payload)
        if payload == change.payload:
            return change, False
        return change.model_copy(update={"payload": payload}), True

    def _dispatch(self, change: Change, existing: StoredRecord | None) -> ChangeResult:
        if (
            existing is not None
            and change.base_version is not None
            and (change.base_version > existing.version)
            and not self._lost_version(change)
        ):
            raise _Rejected(
                f"The edit is based on version {change.base_version}, but the server only has "
                f"version {existing.version}. Sync again from the beginning."
            )
        if existing is None:
            return self._apply_new(change)
        if existing.deleted:
            return self._apply_on_tombstone(change, existing)
        if change.op == Op.DELETE:
            return self._apply_delete(change, existing)
        return self._apply_edit(change, existing)

    def _lost_version(self, change: Change) -> bool:
        """Whether the change is based on a version from before the database was restored
        from a backup: a laptop sending again what it held (or an edit of it) that the
        restored database lacks. It is merged against the nearest version the server holds
        (sync.server.workset), like an edit made at the same time as every change since."""
        base = change.base_version
        return base is not None and base < self.work.tx.version_floor

    def _write(
        self,
        change: Change,
        payload: JSONDict | None,
        ownership: Ownership,
        fields: tuple[str, ...],
        existing: StoredRecord | None,
    ) -> StoredRecord:
        return self.records.write(
            change.kind, change.record_id, change.change_id, payload, ownership, fields, existing
        )

    def _authorise(
        self,
        change: Change,
        existing: StoredRecord | None,
        payload: JSONDict | None,
        before: JSONDict | None,
    ) -> Ownership:
        return self.records.authorise(
            change.kind, change.record_id, change.op, existing, payload, before
        )

    def _apply_new(self, change: Change) -> ChangeResult:
        if change.op == Op.DELETE:
            # Nothing to delete; record the tombstone so every device agrees it is gone.
            if self.principal.role != Role.ADMIN:
                authorise_write(self.principal, change.kind, change.op, None, Ownership())
            written = self._write(change, None, Ownership(), (DELETED_FIELD,), None)
            return applied(change, written.version)
        if change.base_version is not None and not self._lost_version(change):
            raise _Rejected(
                f"The edit is based on version {change.base_version} of a record the server "
                "does not have. Ask the office: it may have been removed."
            )
        return self._write_whole(change, None)

    def _write_whole(self, change: Change, existing: StoredRecord | None) -> ChangeResult:
        """Store the pushed payload as the record's whole new content (a new record, or
        one brought back from a tombstone): every field counts as changed."""
        assert change.payload is not None
        ownership = self._authorise(change, existing, change.payload, None)
        fields = changed_fields(None, change.payload)
        written = self._write(change, dict(change.payload), ownership, fields, existing)
        return applied(change, written.version)

    def _apply_on_tombstone(self, change: Change, existing: StoredRecord) -> ChangeResult:
        self._authorise(change, existing, None, None)
        if change.op == Op.DELETE:
            return applied(change, existing.version)
        if change.base_version == existing.version:
            return self._write_whole(change, existing)
        conflict = FieldConflict(field=DELETED_FIELD, base=False, server=True, client=False)
        return self._conflict(change, existing, existing.version, [conflict])

    def _apply_delete(self, change: Change, existing: StoredRecord) -> ChangeResult:
        self._authorise(change, existing, None, None)
        if change.base_version == existing.version or (
            change.base_version is not None
            and self.work.version_payload(change.record_id, change.base_version) == existing.payload
        ):
            written = self._write(change, None, existing.ownership, (DELETED_FIELD,), existing)
            return applied(change, written.version)
        conflict = FieldConflict(field=DELETED_FIELD, base=False, server=False, client=True)
        return self._conflict(change, existing, existing.version, [conflict])

    def _apply_edit(self, change: Change, existing: StoredRecord) -> ChangeResult:
        assert change.payload is not None and existing.payload is not None
        client = dict(change.payload)
        if change.base_version == existing.version:
            ownership = self._authorise(change, existing, client, existing.payload)
            fields = changed_fields(existing.payload, client)
            if not fields:
                return applied(change, existing.version)
            written = self._write(change, client, ownership, fields, existing)
            return applied(change, written.version)
        base = (
            self.work.version_payload(change.record_id, change.base_version)
            if change.base_version is not None
            else None
        )
        # Authorise what the client meant to do, judged against what it started from.
        self._authorise(change, existing, client, base)
        merge = three_way_merge(
            base, existing.payload, client, protected=NEVER_AUTO_MERGE.get(change.kind, frozenset())
        )
        conflicts = list(merge.conflicts)
        version = existing.version
        stored = existing.payload
        if merge.changed_fields:
            try:
                check_payload(
                    change.kind, change.record_id, merge.merged, self.records.payments.today()
                )
                ownership = self._authorise(change, existing, merge.merged, existing.payload)
            except (ValidationError, Forbidden):
                # The fields merge one by one but not as a whole record: let a person
                # decide every field the client changed rather than store a broken mix.
                conflicts = [
                    FieldConflict(
                        field=f,
                        base=(base or {}).get(f),
                        server=existing.payload.get(f),
                        client=client.get(f),
                    )
                    for f in changed_fields(base, client)
                    if client.get(f) != existing.payload.get(f)
                ]
            else:
                written = self._write(
                    change, merge.merged, ownership, merge.changed_fields, existing
                )
                version = written.version
                stored = merge.merged
        if not conflicts:
            return applied(change, version, merged=stored != client)
        return self._conflict(change, existing, version, conflicts)

    def _conflict(
        self,
        change: Change,
        existing: StoredRecord,
        version: int,
        conflicts: list[FieldConflict],
    ) -> ChangeResult:
        conflict_id = new_conflict_id()
        self.work.add_conflict(
            NewConflict(
                conflict_id=conflict_id,
                record_id=change.record_id,
                kind=change.kind,
                server_version=version,
                change_id=change.change_id,
                raised_by=self.principal.username,
                details={
                    "conflicts": [c.model_dump(mode="json") for c in conflicts],
                    "client_payload": change.payload,
                    "base_version": change.base_version,
                    "op": str(change.op),
                },
            )
        )
        self.work.audit(
            AuditEntry(
                actor=self.principal.username,
                action="conflict",
                device_id=self.principal.device_id,
                kind=change.kind,
                record_id=change.record_id,
                details={"fields": [c.field for c in conflicts], "conflict_id": conflict_id},
            )
        )
        return result_of(
            change,
            ChangeStatus.CONFLICT,
            server_version=version,
            conflict_id=conflict_id,
            conflicts=conflicts,
            merged=True,
        )
