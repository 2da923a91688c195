"""Card look-up for the 24-hour emergency line.

The operator types the number read out over the phone. The check digit is validated first
(a misheard digit or two swapped digits are caught and the operator asked to read it
again). Cards are found by a keyed hash of their number, never by a clear column. Every
look-up, found or not, is written to the audit log: who, when, which number, what came
back (BRIEF §8, NHS data security standard 2).
"""

from __future__ import annotations

import logging
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.rules.card_numbers import format_card_number, normalise_card_number
from sync.protocol import CardLookupResponse, RecordKind, Role
from sync.server.access import Principal
from sync.server.errors import BadRequest, Forbidden, NotFound
from sync.server.projections import display_name
from sync.server.store import ServerStore, StoredRecord, StoreTransaction

log = logging.getLogger(__name__)


class CardLookup:
    def __init__(self, store: ServerStore):
        self.store = store

    def look_up(self, principal: Principal, typed_number: str) -> CardLookupResponse:
        if principal.role not in (Role.EMERGENCY_OPERATOR, Role.ADMIN):
            raise Forbidden("Only emergency line operators and administrators look up cards.")
        try:
            number = normalise_card_number(typed_number)
        except ValidationError as exc:
            self._audit(principal, None, {"number": typed_number[:40], "result": "invalid-number"})
            raise BadRequest(f"That card number is not valid: {exc}.") from None
        with self.store.transaction() as tx:
            card = tx.find_by_lookup(RecordKind.CARD, tx.lookup_key(number))
            if card is not None and not card.deleted and card.payload is not None:
                response, details = self._answer(tx, number, card)
                tx.audit(
                    actor=principal.username,
                    action="card-lookup",
                    device_id=principal.device_id,
                    kind=RecordKind.CARD,
                    record_id=card.record_id,
                    details=details,
                )
                log.info("card look-up by %s: %s", principal.username, details["result"])
                return response
        # Audited in its own transaction: the refusal below must not roll the entry back.
        self._audit(principal, None, {"number": number, "result": "not-found"})
        raise NotFound(
            f"No card {format_card_number(number)} is registered. Read the number back to "
            "the caller; if it is right, arrange replacement care directly."
        )

    def _answer(
        self, tx: StoreTransaction, number: str, card: StoredRecord
    ) -> tuple[CardLookupResponse, dict[str, Any]]:
        payload = card.payload or {}
        carer = tx.get_record(str(payload.get("carer_id")))
        name = display_name(carer.payload) if carer and carer.payload else None
        if payload.get("status") == "revoked":
            current = None
            replaced_by = payload.get("replaced_by")
            if isinstance(replaced_by, str):
                replacement = tx.get_record(replaced_by)
                if replacement and replacement.payload and not replacement.deleted:
                    current = replacement.payload.get("number")
            message = "This card was revoked" + (
                f"; the carer's current card is {format_card_number(current)}: look that one "
                "up for the plan."
                if current
                else " and has no replacement on record; ask the caller for the carer's name "
                "and ring the office."
            )
            response = CardLookupResponse(
                number=number,
                status="revoked",
                card_id=card.record_id,
                carer_id=str(payload.get("carer_id")),
                revoked=True,
                message=message,
                current_card_number=current,
                carer_display_name=name,
            )
            return response, {"number": number, "result": "revoked", "current_card": current}
        plan = tx.get_record(str(payload.get("plan_id")))
        plan_payload = plan.payload if plan is not None and not plan.deleted else None
        response = CardLookupResponse(
            number=number,
            status=str(payload.get("status")),
            card_id=card.record_id,
            carer_id=str(payload.get("carer_id")),
            revoked=False,
            message=(
                "Plan found: ring the emergency contacts in the order listed."
                if plan_payload is not None
                else "The card is registered but its plan is not on the server; ring the office."
            ),
            carer_display_name=name,
            plan=plan_payload,
            plan_version=plan.version if plan is not None and plan_payload is not None else None,
        )
        details = {
            "number": number,
            "result": "found" if plan_payload is not None else "no-plan",
            "plan_id": plan.record_id if plan is not None else None,
        }
        return response, details

    def _audit(self, principal: Principal, record_id: str | None, details: dict[str, Any]) -> None:
        self.store.audit(
            actor=principal.username,
            action="card-lookup",
            device_id=principal.device_id,
            kind=RecordKind.CARD,
            record_id=record_id,
            details=details,
        )
