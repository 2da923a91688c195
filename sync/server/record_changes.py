"""Authorising and writing one change to one record, within a :class:`Workset`: the part
the push pipeline and conflict resolution share.

Stamping (:meth:`RecordChanges.stamped`) writes the fields the server sets itself
(:data:`sync.server.kind_rules.STAMPS`: who made a payment request, the day of each of its
steps) over what a laptop sent, judged from the server's copy at the moment of writing: a
push and the resolution of a conflict stamp through this one method, so a step accepted
when a person resolves a conflict is dated on that day, as a push that day would be.

Authorisation judges what the change would do: the ownership it gives the record (routed
by :mod:`sync.server.ownership`), against the ownership the server's copy has, by the
role rules of :mod:`sync.server.access`, then the per-kind rules of
:mod:`sync.server.kind_rules`. Writing stores a new version and moves what has to move
with it (a carer's linked records follow a change of team; a group's records are sent
again to a new facilitator).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carer_desk.config import EmergencyLineSettings
from carer_desk.records.kinds import KIND_TABLE, GroupRoute, TeamRoute
from sync.protocol import Op, Role
from sync.server.access import Principal, authorise_write
from sync.server.errors import Forbidden
from sync.server.kind_rules import STAMPS, Edit, check_edit
from sync.server.ownership import group_owner_of, route
from sync.server.payment_life_cycle import PaymentPolicy
from sync.server.store import JSONDict, NewVersion, Ownership, StoredRecord
from sync.server.workset import Workset


class RecordChanges:
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
        self.payments = payments or PaymentPolicy()
        self.line = line or EmergencyLineSettings()

    def stamped(
        self, kind: str, existing: StoredRecord | None, payload: Mapping[str, Any]
    ) -> JSONDict:
        """``payload`` as the server stores it: with the fields it writes itself (stamped
        from ``existing``, the server's copy, or nothing for a new record or a tombstone)
        on the server's day. A kind without stamps is returned as it is (a copy)."""
        stamp = STAMPS.get(kind)
        if stamp is None:
            return dict(payload)
        server = existing.payload if existing is not None and not existing.deleted else None
        return stamp(self.principal, server, payload, self.payments.today())

    def authorise(
        self,
        kind: str,
        record_id: str,
        op: Op,
        existing: StoredRecord | None,
        payload: Mapping[str, Any] | None,
        before: Mapping[str, Any] | None,
    ) -> Ownership:
        """The ownership the change gives the record, or :class:`Forbidden`. ``payload``
        None is a delete (the record keeps its ownership); ``before`` is what an edit is
        judged against (the server's copy, or the version the client started from)."""
        principal = self.principal
        if payload is None:
            new = existing.ownership if existing else Ownership()
            group_owner = group_owner_of(existing, self.work)
        else:
            routed = route(kind, record_id, payload, self.work)
            new, group_owner = routed.ownership, routed.group_owner
        spec = KIND_TABLE[kind]
        if (
            existing is not None
            and payload is not None
            and spec.group_route in (GroupRoute.GROUP, GroupRoute.SESSION)
        ):
            # Moving a session or attendance needs rights over the group it leaves too.
            old_owner = group_owner_of(existing, self.work)
            if principal.role == Role.GROUP_FACILITATOR and old_owner != principal.username:
                raise Forbidden(f"This {kind} belongs to a group you do not run.")
        authorise_write(
            principal,
            kind,
            op,
            existing.ownership if existing else None,
            new,
            group_owner=group_owner,
        )
        if payload is not None:
            check_edit(
                Edit(
                    principal,
                    kind,
                    record_id,
                    existing,
                    before,
                    payload,
                    self.work,
                    payments=self.payments,
                    line=self.line,
                )
            )
        return new

    def write(
        self,
        kind: str,
        record_id: str,
        change_id: str | None,
        payload: JSONDict | None,
        ownership: Ownership,
        fields: tuple[str, ...],
        existing: StoredRecord | None,
    ) -> StoredRecord:
        written = self.work.write(
            NewVersion(
                kind=kind,
                record_id=record_id,
                payload=payload,
                ownership=ownership,
                changed_fields=fields,
                actor=self.principal.username,
                device_id=self.principal.device_id,
                change_id=change_id,
                previous_version=existing.version if existing is not None else None,
                floor=self.work.tx.version_floor,
            )
        )
        if existing is None:
            # A new carer has no linked records yet: they are refused until their carer is
            # on the server (except from an admin, whose records need no team to be seen).
            return written
        spec = KIND_TABLE[kind]
        if spec.team_route is TeamRoute.OWN_FIELD and existing.ownership.team != ownership.team:
            # A carer who moves team takes their linked records along.
            self.work.retag_carer(record_id, ownership.team)
        if spec.group_route is GroupRoute.OWN and existing.ownership.owner != ownership.owner:
            self.work.resend_group(record_id)
        return written
