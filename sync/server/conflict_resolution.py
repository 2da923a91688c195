"""Conflicts waiting for a person: listing them, and storing the person's choice.

A conflict is raised by the push pipeline when a field both sides changed differently
(or a protected field changed on a stale base) cannot be merged; the server keeps its
own value meanwhile, and both values in the conflict record. Resolving picks a side per
field: the record is written once more with the choices, stamped, authorised and written
by the same :class:`RecordChanges` methods as a push by the person resolving (they must be
allowed to change the record; a payment request's step is judged, and dated, as that
person taking it today).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carer_desk.config import EmergencyLineSettings
from sync.protocol import (
    DELETED_FIELD,
    Choice,
    ConflictList,
    ConflictView,
    FieldConflict,
    Op,
    ResolveConflictRequest,
    ResolveConflictResponse,
)
from sync.server.access import Principal
from sync.server.errors import BadRequest, Forbidden, NotFound, Refused
from sync.server.merge import apply_choices, changed_fields
from sync.server.payment_life_cycle import PaymentPolicy
from sync.server.record_changes import RecordChanges
from sync.server.store import (
    AuditEntry,
    JSONDict,
    ServerStore,
    StoredConflict,
    StoredRecord,
)
from sync.server.validation import check_payload
from sync.server.workset import Workset


class ConflictDesk:
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

    def list_conflicts(self, principal: Principal) -> ConflictList:
        views = []
        with self.store.transaction() as tx:
            conflicts = tx.open_conflicts()
            work = Workset(tx)
            work.load(c.record_id for c in conflicts)
            records = RecordChanges(work, principal, payments=self.payments, line=self.line)
            for conflict in conflicts:
                record = work.get(conflict.record_id)
                if record is None or not _may_resolve(records, record):
                    continue
                views.append(_conflict_view(conflict))
        return ConflictList(conflicts=views)

    def resolve(
        self, principal: Principal, conflict_id: str, request: ResolveConflictRequest
    ) -> ResolveConflictResponse:
        with self.store.transaction(write=True) as tx:
            work = Workset(tx)
            records = RecordChanges(work, principal, payments=self.payments, line=self.line)
            conflict = tx.get_conflict(conflict_id)
            record = work.get(conflict.record_id) if conflict else None
            if conflict is None or record is None or not _may_resolve(records, record):
                raise NotFound(f"No open conflict {conflict_id} that you can resolve.")
            if conflict.resolved_at is not None:
                raise Refused(
                    f"Conflict {conflict_id} was already resolved by {conflict.resolved_by}."
                )
            fields = [FieldConflict.model_validate(c) for c in conflict.details["conflicts"]]
            _check_choices(request, {f.field for f in fields})
            take_client = {f for f, choice in request.choices.items() if choice == Choice.CLIENT}
            version = record.version
            if DELETED_FIELD in take_client:
                payload = _resolved_deleted(conflict.details, fields)
            elif record.deleted:
                payload = None
            else:
                assert record.payload is not None
                payload = apply_choices(record.payload, fields, take_client)
            if payload is not None:
                # Stamped as a push of the chosen record would be today (who asked, the
                # day of a step the resolution takes), before it is judged.
                payload = records.stamped(record.kind, record, payload)
            if payload != record.payload or (payload is None) != record.deleted:
                if payload is not None:
                    check_payload(record.kind, record.record_id, payload, self.payments.today())
                ownership = records.authorise(
                    record.kind, record.record_id, Op.UPSERT, record, payload, record.payload
                )
                written = records.write(
                    record.kind,
                    record.record_id,
                    conflict.change_id,
                    payload,
                    ownership,
                    changed_fields(record.payload, payload),
                    record,
                )
                version = written.version
            tx.resolve_conflict(conflict_id, principal.username)
            work.audit(
                AuditEntry(
                    actor=principal.username,
                    action="resolve-conflict",
                    device_id=principal.device_id,
                    kind=record.kind,
                    record_id=record.record_id,
                    details={
                        "conflict_id": conflict_id,
                        "choices": {k: str(v) for k, v in request.choices.items()},
                    },
                )
            )
            work.flush()
        return ResolveConflictResponse(
            conflict_id=conflict_id,
            record_id=record.record_id,
            kind=record.kind,
            server_version=version,
        )


def _may_resolve(records: RecordChanges, record: StoredRecord) -> bool:
    """Whether this person may change the record (and so decide its conflict)."""
    try:
        records.authorise(
            record.kind, record.record_id, Op.UPSERT, record, record.payload, record.payload
        )
    except Forbidden:
        return False
    return True


def _check_choices(request: ResolveConflictRequest, names: set[str]) -> None:
    if set(request.choices) == names:
        return
    missing = sorted(names - set(request.choices))
    extra = sorted(set(request.choices) - names)
    parts = []
    if missing:
        parts.append("choose a side for " + ", ".join(missing))
    if extra:
        parts.append("these fields are not in conflict: " + ", ".join(extra))
    raise BadRequest("; ".join(parts).capitalize() + ".")


def _resolved_deleted(details: Mapping[str, Any], fields: list[FieldConflict]) -> JSONDict | None:
    """Taking the client's side of a delete conflict: the record is deleted if the client
    deleted it, or brought back with the client's payload if the server had deleted it."""
    deleted = next(f for f in fields if f.field == DELETED_FIELD)
    if deleted.client:
        return None
    payload = details.get("client_payload")
    return dict(payload) if isinstance(payload, dict) else None


def _conflict_view(conflict: StoredConflict) -> ConflictView:
    return ConflictView(
        conflict_id=conflict.conflict_id,
        kind=conflict.kind,
        record_id=conflict.record_id,
        server_version=conflict.server_version,
        change_id=conflict.change_id,
        raised_by=conflict.raised_by,
        raised_at=conflict.raised_at.isoformat(),
        conflicts=[FieldConflict.model_validate(c) for c in conflict.details["conflicts"]],
    )
