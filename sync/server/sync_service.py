"""Push, pull and conflict resolution: the server side of the sync model.

* **Push** is idempotent: each change's ``change_id`` is written to a ledger in the same
  transaction as the record version it produced, with the result. A resend returns that
  stored result and writes nothing. Rejected changes are not recorded, so a change refused
  for a reason that goes away (its carer arrived later in the batch) can be resent.
* One bad change is rejected with its reason and the others in the batch still apply:
  every refusal is decided before the change writes anything.
* Edits based on an older version are merged field by field (:mod:`sync.server.merge`);
  what cannot be merged becomes a conflict kept with both values until a person resolves it.
* **Pull** pages through records in the order of their latest change (``seq``), filtered
  by what the device's user may see (:mod:`sync.server.access`). The cursor is the last
  sequence number looked at, wrapped so clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from carer_desk.errors import ValidationError
from sync.protocol import (
    DELETED_FIELD,
    MAX_PULL_LIMIT,
    NEVER_AUTO_MERGE,
    Change,
    ChangeResult,
    ChangeStatus,
    Choice,
    ConflictList,
    ConflictView,
    FieldConflict,
    Op,
    ProjectionKind,
    PulledRecord,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordKind,
    ResolveConflictRequest,
    ResolveConflictResponse,
    Role,
)
from sync.server import projections
from sync.server.access import Principal, authorise_write, check_payment_edit, pull_scope
from sync.server.errors import BadRequest, Forbidden, NotFound, Refused
from sync.server.merge import apply_choices, changed_fields, three_way_merge
from sync.server.store import (
    Ownership,
    ServerStore,
    StoredRecord,
    StoreTransaction,
)
from sync.server.validation import check_kind, check_payload

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
_CURSOR_PREFIX = "c1."


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        seq = int(text[len(_CURSOR_PREFIX) :])
        if seq < 0:
            raise ValueError(text)
        return seq
    except (ValueError, UnicodeError, binascii.Error):
        raise BadRequest(
            "The sync cursor is not one this server issued. Start again from the beginning "
            "(an empty cursor)."
        ) from None


class _Rejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SyncService:
    def __init__(self, store: ServerStore):
        self.store = store

    # --- ownership ------------------------------------------------------------------------

    def _ownership(
        self, tx: StoreTransaction, kind: str, record_id: str, payload: Mapping[str, Any]
    ) -> tuple[Ownership, str | None]:
        """The routing columns for this payload, and the owner of its group (for
        sessions and attendance), looked up from the records it links to."""
        if kind == RecordKind.CARER:
            team = payload.get("team")
            return Ownership(team=team if isinstance(team, str) else None, carer_id=record_id), None
        if kind == RecordKind.GROUP:
            owner = payload.get("facilitator")
            owner = owner if isinstance(owner, str) else None
            return Ownership(group_id=record_id, owner=owner), owner
        if kind == RecordKind.DUPLICATE_DECISION:
            # Owned by a team only when both carers are that team's: a worker may decide a
            # pair within their caseload, and only they (and admins) pull the decision.
            teams = set()
            for carer_id in payload.get("carer_ids") or ():
                carer = tx.get_record(str(carer_id))
                is_carer = carer is not None and carer.kind == RecordKind.CARER
                teams.add(carer.ownership.team if is_carer else None)  # type: ignore[union-attr]
            return Ownership(team=teams.pop() if len(teams) == 1 else None), None
        if kind == RecordKind.SESSION:
            group_id = str(payload.get("group_id"))
            group = tx.get_record(group_id)
            owner = group.ownership.owner if group and group.kind == RecordKind.GROUP else None
            return Ownership(group_id=group_id), owner
        carer_id = str(payload.get("carer_id"))
        carer = tx.get_record(carer_id)
        team = carer.ownership.team if carer and carer.kind == RecordKind.CARER else None
        if kind == RecordKind.GROUP_MEMBER:
            group_id = str(payload.get("group_id"))
            group = tx.get_record(group_id)
            owner = group.ownership.owner if group and group.kind == RecordKind.GROUP else None
            return Ownership(team=team, carer_id=carer_id, group_id=group_id), owner
        if kind == RecordKind.ATTENDANCE:
            session = tx.get_record(str(payload.get("session_id")))
            session_group = session.ownership.group_id if session else None
            group = tx.get_record(session_group) if session_group else None
            owner = group.ownership.owner if group else None
            return Ownership(team=team, carer_id=carer_id, group_id=session_group), owner
        lookup = None
        if kind == RecordKind.CARD and isinstance(payload.get("number"), str):
            lookup = tx.lookup_key(payload["number"])
        return Ownership(team=team, carer_id=carer_id, lookup=lookup), None

    def _authorise(
        self,
        tx: StoreTransaction,
        principal: Principal,
        change: Change,
        existing: StoredRecord | None,
        payload: Mapping[str, Any] | None,
        before: Mapping[str, Any] | None,
    ) -> Ownership:
        if payload is None:  # a delete keeps the ownership it had
            new = existing.ownership if existing else Ownership()
            group_owner = self._group_owner(tx, existing)
        else:
            new, group_owner = self._ownership(tx, change.kind, change.record_id, payload)
        if (
            existing is not None
            and payload is not None
            and change.kind in (RecordKind.SESSION, RecordKind.ATTENDANCE, RecordKind.GROUP_MEMBER)
        ):
            # Moving a session or attendance needs rights over the group it leaves too.
            old_owner = self._group_owner(tx, existing)
            if principal.role == Role.GROUP_FACILITATOR and old_owner != principal.username:
                raise Forbidden(f"This {change.kind} belongs to a group you do not run.")
        authorise_write(
            principal,
            change.kind,
            change.op,
            existing.ownership if existing else None,
            new,
            group_owner=group_owner,
        )
        if change.kind == RecordKind.PAYMENT_REQUEST and payload is not None:
            check_payment_edit(principal, before, payload)
        if (
            change.kind == RecordKind.CARD
            and payload is not None
            and before is not None
            and (
                before.get("number") != payload.get("number")
                and principal.role != Role.ADMIN
                and existing is not None
            )
        ):
            raise Forbidden(
                "A card's number never changes; reissue the card to give it a new number."
            )
        return new

    def _group_owner(self, tx: StoreTransaction, record: StoredRecord | None) -> str | None:
        if record is None or not record.ownership.group_id:
            return None
        group = tx.get_record(record.ownership.group_id)
        return group.ownership.owner if group else None

    # --- push -----------------------------------------------------------------------------

    def push(self, principal: Principal, request: PushRequest) -> PushResponse:
        if principal.role in (Role.EMERGENCY_OPERATOR, Role.PAYMENTS_APPROVER):
            # Still answer per change so the client can hold each one with its reason.
            reason = (
                "Emergency line operators cannot change records."
                if principal.role == Role.EMERGENCY_OPERATOR
                else "Payments approvers decide requests with the decision action; they do "
                "not push record changes."
            )
            return PushResponse(results=[self._rejected(c, reason) for c in request.changes])
        results: list[ChangeResult] = []
        with self.store.transaction(write=True) as tx:
            # One query finds the resends; new changes skip the per-change ledger look-up.
            known = tx.known_change_ids([c.change_id for c in request.changes])
            for change in request.changes:
                results.append(self._push_one(tx, principal, change, known))
                known.add(change.change_id)
        applied = sum(r.status == ChangeStatus.APPLIED for r in results)
        log.info(
            "push from %s/%s: %d changes, %d applied, %d conflicts, %d rejected",
            principal.username,
            principal.device_id,
            len(results),
            applied,
            sum(r.status == ChangeStatus.CONFLICT for r in results),
            sum(r.status == ChangeStatus.REJECTED for r in results),
        )
        return PushResponse(results=results)

    @staticmethod
    def _rejected(change: Change, reason: str) -> ChangeResult:
        return ChangeResult(
            change_id=change.change_id,
            record_id=change.record_id,
            kind=change.kind,
            status=ChangeStatus.REJECTED,
            reason=reason,
        )

    def _push_one(
        self, tx: StoreTransaction, principal: Principal, change: Change, known: set[str]
    ) -> ChangeResult:
        stored = tx.applied_result(change.change_id) if change.change_id in known else None
        if stored is not None:
            return self._replay(principal, change, stored)
        # Every refusal is decided before anything is written (see _apply), so a refused
        # change needs no savepoint to undo it; two statements fewer per change. Should a
        # refusal ever come after a write, the whole batch is aborted rather than keep
        # half a change.
        written_before = tx.write_count
        try:
            result = self._apply(tx, principal, change)
        except (_Rejected, ValidationError, Forbidden) as exc:
            if tx.write_count != written_before:
                raise RuntimeError(
                    f"change {change.change_id} was refused after part of it was written"
                ) from exc
            reason = exc.reason if isinstance(exc, _Rejected) else str(exc)
            if isinstance(exc, ValidationError):
                reason = f"The record is not valid: {exc}"
            return self._rejected(change, reason)
        # A change id already in the ledger cannot get here: the batch's writers' lock is
        # held and resends were found above. If one did, DuplicateChange aborts the batch
        # and the client's retry finds the stored result.
        tx.save_applied(
            change_id=change.change_id,
            username=principal.username,
            device_id=principal.device_id,
            record_id=change.record_id,
            result={"result": result.model_dump(mode="json"), "fingerprint": _fingerprint(change)},
        )
        return result

    def _replay(
        self, principal: Principal, change: Change, stored: tuple[str, JSONDict]
    ) -> ChangeResult:
        username, ledger = stored
        if username != principal.username or ledger.get("fingerprint") != _fingerprint(change):
            return self._rejected(
                change,
                "This change id was already used for a different change; the client must "
                "give every change a new id.",
            )
        return ChangeResult.model_validate({**ledger["result"], "replayed": True})

    def _apply(self, tx: StoreTransaction, principal: Principal, change: Change) -> ChangeResult:
        check_kind(change.kind)
        existing = tx.get_record(change.record_id)
        if existing is not None and existing.kind != change.kind:
            raise _Rejected(
                f"Record {change.record_id} is a {existing.kind} on the server, not a "
                f"{change.kind}."
            )
        if change.op == Op.UPSERT:
            check_payload(change.kind, change.record_id, change.payload)
        if (
            existing is not None
            and change.base_version is not None
            and (change.base_version > existing.version)
        ):
            raise _Rejected(
                f"The edit is based on version {change.base_version}, but the server only has "
                f"version {existing.version}. Sync again from the beginning."
            )
        if existing is None:
            return self._apply_new(tx, principal, change)
        if existing.deleted:
            return self._apply_on_tombstone(tx, principal, change, existing)
        if change.op == Op.DELETE:
            return self._apply_delete(tx, principal, change, existing)
        return self._apply_edit(tx, principal, change, existing)

    def _write(
        self,
        tx: StoreTransaction,
        principal: Principal,
        change: Change,
        payload: JSONDict | None,
        ownership: Ownership,
        fields: tuple[str, ...],
        existing: StoredRecord | None,
    ) -> StoredRecord:
        written = tx.write_record(
            kind=change.kind,
            record_id=change.record_id,
            payload=payload,
            ownership=ownership,
            changed_fields=fields,
            actor=principal.username,
            device_id=principal.device_id,
            change_id=change.change_id,
            previous_version=existing.version if existing is not None else None,
        )
        # A carer who moves team takes their linked records along. (A new carer has none:
        # linked records are refused until their carer is on the server, except from an
        # admin, whose records need no team to be seen.)
        if (
            change.kind == RecordKind.CARER
            and existing is not None
            and existing.ownership.team != ownership.team
        ):
            tx.retag_carer_records(change.record_id, ownership.team)
        if (
            change.kind == RecordKind.GROUP
            and existing is not None
            and existing.ownership.owner != ownership.owner
        ):
            tx.resend_group_records(change.record_id)
        return written

    def _applied(self, change: Change, version: int, *, merged: bool = False) -> ChangeResult:
        return ChangeResult(
            change_id=change.change_id,
            record_id=change.record_id,
            kind=change.kind,
            status=ChangeStatus.APPLIED,
            server_version=version,
            merged=merged,
        )

    def _apply_new(
        self, tx: StoreTransaction, principal: Principal, change: Change
    ) -> ChangeResult:
        if change.op == Op.DELETE:
            # Nothing to delete; record the tombstone so every device agrees it is gone.
            if principal.role != Role.ADMIN:
                authorise_write(principal, change.kind, change.op, None, Ownership())
            written = self._write(tx, principal, change, None, Ownership(), (DELETED_FIELD,), None)
            return self._applied(change, written.version)
        assert change.payload is not None
        if change.base_version is not None:
            raise _Rejected(
                f"The edit is based on version {change.base_version} of a record the server "
                "does not have. Ask the office: it may have been removed."
            )
        return self._write_whole(tx, principal, change, None)

    def _write_whole(
        self,
        tx: StoreTransaction,
        principal: Principal,
        change: Change,
        existing: StoredRecord | None,
    ) -> ChangeResult:
        """Store the pushed payload as the record's whole new content (a new record, or
        one brought back from a tombstone): every field counts as changed."""
        assert change.payload is not None
        ownership = self._authorise(tx, principal, change, existing, change.payload, None)
        written = self._write(
            tx,
            principal,
            change,
            dict(change.payload),
            ownership,
            changed_fields(None, change.payload),
            existing,
        )
        return self._applied(change, written.version)

    def _apply_on_tombstone(
        self, tx: StoreTransaction, principal: Principal, change: Change, existing: StoredRecord
    ) -> ChangeResult:
        self._authorise(tx, principal, change, existing, None, None)
        if change.op == Op.DELETE:
            return self._applied(change, existing.version)
        assert change.payload is not None
        if change.base_version == existing.version:
            return self._write_whole(tx, principal, change, existing)
        conflict = FieldConflict(field=DELETED_FIELD, base=False, server=True, client=False)
        return self._conflict(tx, principal, change, existing, existing.version, [conflict])

    def _apply_delete(
        self, tx: StoreTransaction, principal: Principal, change: Change, existing: StoredRecord
    ) -> ChangeResult:
        self._authorise(tx, principal, change, existing, None, None)
        base = (
            tx.version_payload(change.record_id, change.base_version)
            if change.base_version is not None
            else None
        )
        if change.base_version == existing.version or base == existing.payload:
            written = self._write(
                tx, principal, change, None, existing.ownership, (DELETED_FIELD,), existing
            )
            return self._applied(change, written.version)
        conflict = FieldConflict(field=DELETED_FIELD, base=False, server=False, client=True)
        return self._conflict(tx, principal, change, existing, existing.version, [conflict])

    def _apply_edit(
        self, tx: StoreTransaction, principal: Principal, change: Change, existing: StoredRecord
    ) -> ChangeResult:
        assert change.payload is not None and existing.payload is not None
        client = dict(change.payload)
        if change.base_version == existing.version:
            ownership = self._authorise(tx, principal, change, existing, client, existing.payload)
            fields = changed_fields(existing.payload, client)
            if not fields:
                return self._applied(change, existing.version)
            ownership = self._authorise(tx, principal, change, existing, client, existing.payload)
            written = self._write(tx, principal, change, client, ownership, fields, existing)
            return self._applied(change, written.version)
        base = (
            tx.version_payload(change.record_id, change.base_version)
            if change.base_version is not None
            else None
        )
        # Authorise what the client meant to do, judged against what it started from.
        self._authorise(tx, principal, change, existing, client, base)
        merge = three_way_merge(
            base, existing.payload, client, protected=NEVER_AUTO_MERGE.get(change.kind, frozenset())
        )
        conflicts = list(merge.conflicts)
        version = existing.version
        stored = existing.payload
        if merge.changed_fields:
            try:
                check_payload(change.kind, change.record_id, merge.merged)
                ownership = self._authorise(
                    tx, principal, change, existing, merge.merged, existing.payload
                )
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
                    tx, principal, change, merge.merged, ownership, merge.changed_fields, existing
                )
                version = written.version
                stored = merge.merged
        if not conflicts:
            return self._applied(change, version, merged=stored != client)
        return self._conflict(tx, principal, change, existing, version, conflicts)

    def _conflict(
        self,
        tx: StoreTransaction,
        principal: Principal,
        change: Change,
        existing: StoredRecord,
        version: int,
        conflicts: list[FieldConflict],
    ) -> ChangeResult:
        conflict_id = tx.add_conflict(
            record_id=change.record_id,
            kind=change.kind,
            server_version=version,
            change_id=change.change_id,
            raised_by=principal.username,
            details={
                "conflicts": [c.model_dump(mode="json") for c in conflicts],
                "client_payload": change.payload,
                "base_version": change.base_version,
                "op": str(change.op),
            },
        )
        tx.audit(
            actor=principal.username,
            action="conflict",
            device_id=principal.device_id,
            kind=change.kind,
            record_id=change.record_id,
            details={"fields": [c.field for c in conflicts], "conflict_id": conflict_id},
        )
        return ChangeResult(
            change_id=change.change_id,
            record_id=change.record_id,
            kind=change.kind,
            status=ChangeStatus.CONFLICT,
            server_version=version,
            conflict_id=conflict_id,
            conflicts=conflicts,
            merged=True,
        )

    # --- pull -----------------------------------------------------------------------------

    def pull(self, principal: Principal, since: str | None, limit: int) -> PullResponse:
        scope = pull_scope(principal)
        after = decode_cursor(since)
        limit = max(1, min(limit, MAX_PULL_LIMIT))
        with self.store.transaction() as tx:
            watermark = tx.max_seq()
            rows = [r for r in tx.changes_since(after, limit + 1, scope) if r.seq <= watermark]
            more = len(rows) > limit
            rows = rows[:limit]
            next_seq = rows[-1].seq if more else max(after, watermark)
            records = self._present(tx, principal, rows)
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
        return PullResponse(records=out, next_cursor=encode_cursor(next_seq), more=more)

    def _present(
        self, tx: StoreTransaction, principal: Principal, rows: list[StoredRecord]
    ) -> list[PulledRecord]:
        """Turn stored rows into what this role receives (whole records or views)."""
        out: dict[tuple[str, str], PulledRecord] = {}

        def add(record: PulledRecord) -> None:
            out[(record.kind, record.record_id)] = record

        for row in rows:
            if principal.role == Role.GROUP_FACILITATOR:
                if row.kind == RecordKind.CARER:
                    add(self._register_entry(row))
                    continue
                add(_whole(row))
                if (
                    row.kind in (RecordKind.ATTENDANCE, RecordKind.GROUP_MEMBER)
                    and row.ownership.carer_id
                ):
                    carer = tx.get_record(row.ownership.carer_id)
                    if carer is not None:
                        add(self._register_entry(carer))
            elif principal.role == Role.PAYMENTS_APPROVER:
                if row.kind in (RecordKind.CARER, RecordKind.CONVERSATION):
                    summary = self._carer_summary(tx, row.ownership.carer_id)
                    if summary is not None:
                        add(summary)
                    continue
                add(_whole(row))
                summary = self._carer_summary(tx, row.ownership.carer_id)
                if summary is not None:
                    add(summary)
            else:
                add(_whole(row))
        return list(out.values())

    @staticmethod
    def _register_entry(carer: StoredRecord) -> PulledRecord:
        return PulledRecord(
            kind=ProjectionKind.REGISTER_ENTRY,
            record_id=carer.record_id,
            server_version=carer.version,
            deleted=carer.deleted,
            payload=None
            if carer.payload is None
            else projections.register_entry(carer.record_id, carer.payload),
        )

    @staticmethod
    def _carer_summary(tx: StoreTransaction, carer_id: str | None) -> PulledRecord | None:
        if not carer_id:
            return None
        carer = tx.get_record(carer_id)
        if carer is None or carer.kind != RecordKind.CARER:
            return None
        conversations = [
            c.payload
            for c in tx.records_for_carer(RecordKind.CONVERSATION, carer_id)
            if c.payload is not None
        ]
        return PulledRecord(
            kind=ProjectionKind.CARER_SUMMARY,
            record_id=carer_id,
            server_version=carer.version,
            deleted=carer.deleted,
            payload=None
            if carer.payload is None
            else projections.carer_summary(carer_id, carer.payload, conversations),
        )

    # --- conflicts ------------------------------------------------------------------------

    def _may_resolve(
        self, tx: StoreTransaction, principal: Principal, record: StoredRecord
    ) -> bool:
        change = Change(
            change_id="resolve-check",
            kind=record.kind,
            record_id=record.record_id,
            op=Op.UPSERT,
            base_version=record.version,
            payload=record.payload,
        )
        try:
            self._authorise(
                tx,
                principal,
                change,
                record,
                record.payload if record.payload is not None else None,
                record.payload,
            )
        except Forbidden:
            return False
        return True

    def list_conflicts(self, principal: Principal) -> ConflictList:
        views = []
        with self.store.transaction() as tx:
            for conflict in tx.open_conflicts():
                record = tx.get_record(conflict.record_id)
                if record is None or not self._may_resolve(tx, principal, record):
                    continue
                views.append(_conflict_view(conflict))
        return ConflictList(conflicts=views)

    def resolve(
        self, principal: Principal, conflict_id: str, request: ResolveConflictRequest
    ) -> ResolveConflictResponse:
        with self.store.transaction(write=True) as tx:
            conflict = tx.get_conflict(conflict_id)
            record = tx.get_record(conflict.record_id) if conflict else None
            if conflict is None or record is None or not self._may_resolve(tx, principal, record):
                raise NotFound(f"No open conflict {conflict_id} that you can resolve.")
            if conflict.resolved_at is not None:
                raise Refused(
                    f"Conflict {conflict_id} was already resolved by {conflict.resolved_by}."
                )
            fields = [FieldConflict.model_validate(c) for c in conflict.details["conflicts"]]
            names = {f.field for f in fields}
            if set(request.choices) != names:
                missing = sorted(names - set(request.choices))
                extra = sorted(set(request.choices) - names)
                parts = []
                if missing:
                    parts.append("choose a side for " + ", ".join(missing))
                if extra:
                    parts.append("these fields are not in conflict: " + ", ".join(extra))
                raise BadRequest("; ".join(parts).capitalize() + ".")
            take_client = {f for f, choice in request.choices.items() if choice == Choice.CLIENT}
            change = Change(
                change_id=conflict.change_id,
                kind=record.kind,
                record_id=record.record_id,
                op=Op.UPSERT,
                base_version=record.version,
                payload=record.payload,
            )
            version = record.version
            if DELETED_FIELD in take_client:
                payload = _resolved_deleted(conflict.details, fields)
            elif record.deleted:
                payload = None
            else:
                assert record.payload is not None
                payload = apply_choices(record.payload, fields, take_client)
            if payload != record.payload or (payload is None) != record.deleted:
                if payload is not None:
                    check_payload(record.kind, record.record_id, payload)
                ownership = self._authorise(tx, principal, change, record, payload, record.payload)
                written = self._write(
                    tx,
                    principal,
                    change,
                    payload,
                    ownership,
                    changed_fields(record.payload, payload),
                    record,
                )
                version = written.version
            tx.resolve_conflict(conflict_id, principal.username)
            tx.audit(
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
        return ResolveConflictResponse(
            conflict_id=conflict_id,
            record_id=record.record_id,
            kind=record.kind,
            server_version=version,
        )


def _resolved_deleted(details: Mapping[str, Any], fields: list[FieldConflict]) -> JSONDict | None:
    """Taking the client's side of a delete conflict: the record is deleted if the client
    deleted it, or brought back with the client's payload if the server had deleted it."""
    deleted = next(f for f in fields if f.field == DELETED_FIELD)
    if deleted.client:
        return None
    payload = details.get("client_payload")
    return dict(payload) if isinstance(payload, dict) else None


def _fingerprint(change: Change) -> str:
    """What makes a resend the same change: everything but its priority."""
    body = change.model_dump(mode="json", exclude={"priority"})
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _whole(row: StoredRecord) -> PulledRecord:
    return PulledRecord(
        kind=row.kind,
        record_id=row.record_id,
        server_version=row.version,
        deleted=row.deleted,
        payload=row.payload,
    )


def _conflict_view(conflict: Any) -> ConflictView:
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
