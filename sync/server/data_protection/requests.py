"""Rectification and erasure requests (UK GDPR arts. 16 and 17): recorded when received,
decided by a named person with a reason, both in the audit log (which the chain protects),
and an agreed erasure carried out on the server with tombstones that reach every laptop.

What is kept: the request's id, type, the carer it is about, the fields concerned (names
only), the dates, who decided what and the reason given. Never the corrected values: a
rectification is made on the record itself, by a laptop, like any edit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from sync.server import canonical_json
from sync.server import schema as t
from sync.server.data_protection.retention import _records_of, erase_records
from sync.server.errors import BadRequest, NotFound, Refused

RECEIVED = "dp-request"
DECIDED = "dp-decision"


class RequestType(StrEnum):
    RECTIFICATION = "rectification"
    ERASURE = "erasure"


class Decision(StrEnum):
    AGREED = "agreed"
    REFUSED = "refused"
    PARTLY = "partly"


@dataclass(frozen=True)
class DpRequest:
    request_id: str
    type: str
    carer_id: str
    received_on: str
    fields: tuple[str, ...]
    recorded_by: str
    decision: str | None = None
    decided_by: str | None = None
    decided_on: str | None = None
    reason: str | None = None
    erased: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "fields": list(self.fields)}


def record_request(
    store: Any,
    by: str,
    kind: RequestType,
    carer_id: str,
    received_on: date,
    fields: tuple[str, ...] = (),
) -> str:
    if received_on > date.today():
        raise BadRequest("The day a request was received cannot be in the future.")
    request_id = uuid.uuid4().hex
    with store.transaction(write=True) as tx:
        if tx.get_record(carer_id) is None:
            raise NotFound(f"No carer with id {carer_id!r} on the server.")
        tx.audit(
            actor=by,
            action=RECEIVED,
            kind="carer",
            record_id=carer_id,
            details={
                "request_id": request_id,
                "type": kind.value,
                "received_on": received_on.isoformat(),
                "fields": list(fields),
            },
        )
    return request_id


def list_requests(store: Any) -> list[DpRequest]:
    a = t.audit.c
    found: dict[str, DpRequest] = {}
    with store.transaction() as tx:
        rows = tx.conn.execute(
            select(t.audit).where(a.action.in_((RECEIVED, DECIDED))).order_by(a.seq)
        ).all()
    for row in rows:
        d = canonical_json.loads(row.details)
        rid = d.get("request_id")
        if row.action == RECEIVED:
            found[rid] = DpRequest(
                rid,
                d["type"],
                row.record_id,
                d["received_on"],
                tuple(d.get("fields", ())),
                row.actor,
            )
        elif rid in found:
            r = found[rid]
            found[rid] = DpRequest(
                r.request_id,
                r.type,
                r.carer_id,
                r.received_on,
                r.fields,
                r.recorded_by,
                d["decision"],
                row.actor,
                row.at.date().isoformat(),
                d.get("reason"),
                d.get("erased"),
            )
    return list(found.values())


def decide(
    store: Any,
    by: str,
    request_id: str,
    decision: Decision,
    reason: str | None = None,
    *,
    erase: bool = False,
) -> DpRequest:
    """Record the decision. A refusal (or a partial agreement) needs its reason. With
    ``erase``, an agreed erasure is carried out now: every record of the carer is
    tombstoned and its sealed contents removed — refused while a legal hold is on."""
    reason = (reason or "").strip() or None
    if decision is not Decision.AGREED and reason is None:
        raise BadRequest("Give the reason for refusing (the person is told it).")
    current = {r.request_id: r for r in list_requests(store)}.get(request_id)
    if current is None:
        raise NotFound(f"No request {request_id!r}; `dp list` shows them.")
    if current.decision is not None:
        raise Refused(f"Request {request_id} was already decided ({current.decision}).")
    if erase and not (current.type == RequestType.ERASURE and decision is Decision.AGREED):
        raise BadRequest("Only an agreed erasure request erases records.")
    erased = 0
    with store.transaction(write=True) as tx:
        if erase:
            held = tx.conn.execute(
                select(t.legal_holds.c.reason).where(t.legal_holds.c.carer_id == current.carer_id)
            ).first()
            if held:
                raise Refused(
                    f"The carer's records are under a legal hold ({held.reason}); lift it "
                    "before erasing, or refuse the request giving the hold as the reason."
                )
            rows = _records_of(tx.conn, current.carer_id)
            erase_records(tx, rows, by)
            erased = len(rows)
        tx.audit(
            actor=by,
            action=DECIDED,
            kind="carer",
            record_id=current.carer_id,
            details={
                "request_id": request_id,
                "decision": decision.value,
                "reason": reason,
                "erased": erased if erase else None,
            },
        )
    return {r.request_id: r for r in list_requests(store)}[request_id]
