"""Card look-up for the 24-hour emergency line.

The operator types the number read out over the phone. The check digit is validated first
(a misheard digit or two swapped digits are caught and the operator asked to read it
again). Cards are found by a keyed hash of their number, never by a clear column.

What the operator is shown is the core's answer (:mod:`carer_desk.rules.emergency_line`),
the same one the laptop's look-up gives: a plan below the configured minimum says what it
lacks and what to do instead; a plan whose consent to share was withdrawn is suspended
and nothing of it is sent; contacts who did not agree to be rung are never sent; where
care is needed comes first, with the carer's phone. A revoked number names the card that
replaced it, or (``emergency_line.revoked_number = "opens-current"``) opens that card's
plan, headed by the revocation.

Every look-up, found or not, is written to the audit log: who, when, which number, what
came back (BRIEF §8, NHS data security standard 2). Look-ups are limited per device and
per user, and misses raise an alert (:mod:`sync.server.lookup_limits`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from carer_desk.config import REVOKED_OPENS_CURRENT, EmergencyLineSettings
from carer_desk.errors import ValidationError
from carer_desk.records.carer import Carer
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.plan import EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import (
    DEFAULT_LENGTH,
    format_card_number,
    normalise_card_number,
)
from carer_desk.rules.emergency_line import (
    LOOKUP_RESULTS,
    LineAnswer,
    answer_for_card,
    answer_for_revoked,
    consented_only,
    current_card,
)
from sync.protocol import (
    CardLookupResponse,
    LineAccess,
    LineContact,
    LinePerson,
    RecordKind,
    Role,
)
from sync.server.access import Principal
from sync.server.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    Refused,
    ServerError,
    TooManyAttempts,
)
from sync.server.lookup_limits import LOOKUP_ACTION, RATE_LIMITED, LookupLimiter
from sync.server.settings_file import CardLookupLimits
from sync.server.store import ServerStore, StoredRecord, StoreTransaction

log = logging.getLogger(__name__)

LOOKUP_ROLES = frozenset({Role.EMERGENCY_OPERATOR, Role.ADMIN})


def _decoded(kind: str, stored: StoredRecord | None) -> Any:
    """The stored record as the core's record, or None when it is not held (missing,
    deleted, another kind, or not readable as one)."""
    if stored is None or stored.deleted or stored.payload is None or stored.kind != kind:
        return None
    try:
        return from_payload(kind, stored.payload)
    except ValidationError:
        log.error("stored %s %s cannot be read as one", kind, stored.record_id)
        return None


def response_of(
    answer: LineAnswer, card: EmergencyCard, plan: EmergencyPlan | None, *, plan_version: int | None
) -> CardLookupResponse:
    """The wire form of the core's answer; the plan only when it may be used, and then
    with consented contacts only."""
    shown = consented_only(plan) if plan is not None and answer.usable else None
    return CardLookupResponse(
        number=answer.number,
        number_display=answer.number_display,
        status=str(card.status),
        # The card and its carer, so the call is recorded against them even when nothing
        # of the plan may be shown (sync.client.card_lookup).
        card_id=card.id,
        carer_id=card.carer_id,
        revoked=not card.is_live,
        message=answer.message,
        what_to_do=answer.what_to_do,
        line_status=str(answer.status),
        missing=list(answer.missing),
        current_card_number=answer.current_card_number,
        carer_display_name=answer.carer_name,
        carer_phone=answer.carer_phone,
        plan=to_payload(shown) if shown is not None else None,
        plan_version=plan_version if shown is not None else None,
        people=[LinePerson.model_validate(asdict(p)) for p in answer.people],
        access=LineAccess.model_validate(asdict(answer.access)) if answer.access else None,
        contacts=[LineContact.model_validate(asdict(c)) for c in answer.contacts],
        consent_withdrawn_on=answer.consent_withdrawn_on,
        revoked_on=answer.revoked_on,
        review_overdue_since=answer.review_overdue_since,
        replacement_care_route=answer.replacement_care_route,
        replacement_care_hours=answer.replacement_care_hours,
        exceptional_replacement_care_hours=answer.exceptional_replacement_care_hours,
    )


class CardLookup:
    def __init__(
        self,
        store: ServerStore,
        line: EmergencyLineSettings | None = None,
        limits: CardLookupLimits | None = None,
        today: Callable[[], date] = date.today,
        *,
        card_number_length: int = DEFAULT_LENGTH,
    ):
        self.store = store
        self.line = line or EmergencyLineSettings()
        self.limiter = LookupLimiter(limits or CardLookupLimits())
        self.today = today
        # The organisation's [cards] number_length, as the laptop's look-up checks it.
        self.card_number_length = card_number_length

    def look_up(self, principal: Principal, typed_number: str) -> CardLookupResponse:
        if principal.role not in LOOKUP_ROLES:
            raise Forbidden("Only emergency line operators and administrators look up cards.")
        # One writing transaction: the limits are counted, and the look-up recorded, with
        # no other look-up in between (on every server process sharing the database).
        # Refusals are returned from inside and raised after it commits, so their audit
        # entries are kept.
        with self.store.transaction(write=True) as tx:
            outcome = self._look_up(tx, principal, typed_number)
        if isinstance(outcome, ServerError):
            raise outcome
        return outcome

    def _look_up(
        self, tx: StoreTransaction, principal: Principal, typed_number: str
    ) -> CardLookupResponse | ServerError:
        window = self.limiter.window(tx, principal)
        refusal = self.limiter.refusal(window, self.line.replacement_care_route)
        if refusal is not None:
            self._audit(tx, principal, None, {"result": RATE_LIMITED})
            log.warning("card look-up by %s refused: over the limits", principal.username)
            return TooManyAttempts(refusal)
        try:
            number = normalise_card_number(typed_number, length=self.card_number_length)
        except ValidationError as exc:
            self._audit(
                tx, principal, None, {"number": typed_number[:40], "result": "invalid-number"}
            )
            self.limiter.after_miss(tx, principal, window)
            return BadRequest(f"That card number is not valid: {exc}.")
        key = tx.lookup_key(number)
        stored = tx.find_by_lookup(RecordKind.CARD, key)
        if stored is not None and tx.find_by_lookup(
            RecordKind.CARD, key, excluding=stored.record_id
        ):
            # Two cards with one number, from before numbers were checked at push: which
            # plan is meant cannot be known, so neither is read out.
            self._audit(tx, principal, None, {"number": number, "result": "duplicate-number"})
            log.error("two cards carry one number (look-up by %s)", principal.username)
            return Refused(
                f"More than one card carries the number {format_card_number(number)}, so the "
                "plan cannot be told apart: do not use either. Arrange replacement care via "
                f"{self.line.replacement_care_route}, then ring the office to reissue the cards."
            )
        card = _decoded(RecordKind.CARD, stored)
        if card is None:
            self._audit(tx, principal, None, {"number": number, "result": "not-found"})
            self.limiter.after_miss(tx, principal, window)
            return NotFound(
                f"No card {format_card_number(number)} is registered. Read the number back "
                "to the caller; if it is right, arrange replacement care directly via "
                f"{self.line.replacement_care_route}."
            )
        if card.is_live:
            response, details = self._live(tx, card)
        else:
            response, details = self._revoked(tx, card)
        self._audit(tx, principal, card.id, {"number": number, **details})
        log.info("card look-up by %s: %s", principal.username, details["result"])
        return response

    def _answer(
        self, tx: StoreTransaction, card: EmergencyCard
    ) -> tuple[LineAnswer, EmergencyPlan | None, int | None]:
        stored_plan = tx.get_record(card.plan_id)
        plan: EmergencyPlan | None = _decoded(RecordKind.PLAN, stored_plan)
        if plan is not None and plan.carer_id != card.carer_id:
            # Refused at push (sync.server.kind_rules); never read out if one got in.
            log.error("card %s points at another carer's plan %s", card.id, plan.id)
            plan = None
        carer: Carer | None = _decoded(RecordKind.CARER, tx.get_record(card.carer_id))
        answer = answer_for_card(card, plan, carer, self.line, today=self.today())
        version = stored_plan.version if stored_plan is not None and plan is not None else None
        return answer, plan, version

    def _live(
        self, tx: StoreTransaction, card: EmergencyCard
    ) -> tuple[CardLookupResponse, dict[str, Any]]:
        answer, plan, version = self._answer(tx, card)
        details = {"result": LOOKUP_RESULTS[answer.status], "plan_id": card.plan_id}
        return response_of(answer, card, plan, plan_version=version), details

    def _revoked(
        self, tx: StoreTransaction, card: EmergencyCard
    ) -> tuple[CardLookupResponse, dict[str, Any]]:
        current = current_card(card, lambda i: _decoded(RecordKind.CARD, tx.get_record(i)))
        current_answer = plan = version = None
        if current is not None and self.line.revoked_number == REVOKED_OPENS_CURRENT:
            current_answer, plan, version = self._answer(tx, current)
        carer = _decoded(RecordKind.CARER, tx.get_record(card.carer_id))
        answer = answer_for_revoked(
            card, carer, self.line, current=current, current_answer=current_answer
        )
        details: dict[str, Any] = {
            "result": "revoked",
            "current_card": current.id if current else None,
        }
        if current_answer is not None:
            details["shown"] = LOOKUP_RESULTS[current_answer.status]
        return response_of(answer, card, plan, plan_version=version), details

    @staticmethod
    def _audit(
        tx: StoreTransaction, principal: Principal, record_id: str | None, details: dict[str, Any]
    ) -> None:
        tx.audit(
            actor=principal.username,
            action=LOOKUP_ACTION,
            device_id=principal.device_id,
            kind=RecordKind.CARD,
            record_id=record_id,
            details=details,
        )
