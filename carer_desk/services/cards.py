"""Carer emergency card use cases: issue, reissue (lost card), revoke, look up a number
read out over the phone, and the print queue.

Each holder (the carer, or one person they care for) has at most one live card. A number
is never reused: new numbers are checked against every number ever issued, revoked ones
included, so a lost card can never come back to life as someone else's.

A card is issued only for a plan that meets the line's minimum
(:func:`carer_desk.rules.emergency_line.line_gaps`), and what the line is shown for a
number is the rule's answer (:func:`carer_desk.rules.emergency_line.answer_for_card`):
a plan whose consent was withdrawn is suspended, and contacts who have not agreed to be
rung are never in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from carer_desk.config import REVOKED_OPENS_CURRENT
from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.carer import Carer
from carer_desk.records.plan import CardHolder, CardStatus, EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import (
    format_card_number,
    generate_unique_card_number,
    normalise_card_number,
)
from carer_desk.rules.emergency_line import (
    CONSENT_GAP,
    LOOKUP_RESULTS,
    LineAnswer,
    LineStatus,
    answer_for_card,
    answer_for_revoked,
    consented_only,
    current_card,
    line_gaps,
)
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

KIND = "card"
LOOKUP_ACTION = "card-lookup"  # the same audit action as the server's look-up


class PlanNotReadyForCard(RuleViolation):
    """The plan lacks what the line needs; ``missing`` names each part in plain words."""

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing


class RecordClosed(RuleViolation):
    """The carer's record is closed: nothing new is started for them until it is reopened."""


class CardState(StrEnum):
    LIVE = "live"
    SUSPENDED = "suspended"  # the plan's consent to share was withdrawn
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class CardStanding:
    """A card as the card administrator sees it: live, suspended (and why) or revoked."""

    card: EmergencyCard
    state: CardState
    reason: str | None


@dataclass(frozen=True, slots=True)
class CardLookup:
    """What the emergency line sees for a number (:class:`LineAnswer` holds it all).

    ``plan`` is the plan only when it may be used, and then only with the contacts who
    agreed to be rung; a revoked card never carries it.
    """

    number: str  # normalised digits
    card: EmergencyCard
    revoked: bool
    plan: EmergencyPlan | None
    current_card: EmergencyCard | None  # for a revoked card: the live card that replaced it
    message: str
    answer: LineAnswer

    @property
    def status(self) -> LineStatus:
        return self.answer.status


def _holder_key(card: EmergencyCard) -> tuple[str, str, str | None]:
    return (card.plan_id, str(card.holder), card.plan_person_id)


class CardService(Service):
    # --- reading ---------------------------------------------------------------------

    def _cards(self) -> list[EmergencyCard]:
        return list(self.repo.all(EmergencyCard))

    def _load(self, card_id: str) -> EmergencyCard:
        try:
            return self.repo.get(EmergencyCard, card_id)
        except NotFoundError:
            raise NotFoundError(f"There is no card with id {card_id} on this laptop.") from None

    def cards_of(self, carer_id: str) -> list[EmergencyCard]:
        """A carer's cards (their own and the people they care for), live ones first."""
        return sorted(
            self.repo.where(EmergencyCard, carer_id=carer_id),
            key=lambda c: (not c.is_live, c.holder != CardHolder.CARER, c.issued_on, c.id),
        )

    def pending_cards(self) -> list[EmergencyCard]:
        """The print queue: issued and not yet printed, oldest first (as printing sees it)."""
        queue = [c for c in self._cards() if c.status == CardStatus.PENDING_PRINT]
        return sorted(queue, key=lambda c: (c.issued_on, c.id))

    def live_card_for(
        self, plan_id: str, holder: CardHolder, plan_person_id: str | None = None
    ) -> EmergencyCard | None:
        key = (plan_id, str(holder), plan_person_id)
        return next((c for c in self._cards() if c.is_live and _holder_key(c) == key), None)

    def standing(self, card: EmergencyCard) -> CardStanding:
        """Live, suspended (consent withdrawn) or revoked, with the reason in words."""
        if not card.is_live:
            return CardStanding(
                card,
                CardState.REVOKED,
                f"Revoked on {long_date(card.revoked_on)} ({card.revoked_reason}).",
            )
        plan = self.repo.find(EmergencyPlan, card.plan_id)
        if plan is not None and not plan.consent_to_share_with_emergency_service:
            when = plan.consent_withdrawn_on
            reason = (
                f"Suspended: consent to share the plan was withdrawn on {long_date(when)}; "
                "the card works again once the carer gives consent."
                if when is not None
                else "Suspended: the carer has not agreed to share the plan."
            )
            return CardStanding(card, CardState.SUSPENDED, reason)
        return CardStanding(card, CardState.LIVE, None)

    def line_gaps(self, plan: EmergencyPlan) -> tuple[str, ...]:
        """What ``plan`` lacks before a card may be issued for it (empty: ready)."""
        return line_gaps(plan, self.repo.find(Carer, plan.carer_id), self.settings.emergency_line)

    def _require_ready(self, plan: EmergencyPlan, doing: str) -> None:
        carer = self.repo.find(Carer, plan.carer_id)
        if carer is not None and carer.closure is not None:
            raise RecordClosed(
                f"{carer.display_name}'s record was closed on "
                f"{long_date(carer.closure.closed_on)} ({carer.closure.reason.label.lower()}); "
                "reopen it before issuing a card."
            )
        if not plan.consent_to_share_with_emergency_service:
            raise PlanNotReadyForCard(
                "The carer has not agreed to share this plan with the emergency line; record "
                f"their consent on the plan before {doing}.",
                (CONSENT_GAP,),
            )
        gaps = line_gaps(plan, carer, self.settings.emergency_line)
        if gaps:
            raise PlanNotReadyForCard(
                f"The plan is not ready for a card: it needs {'; '.join(gaps)}. Complete "
                f"the plan before {doing}.",
                gaps,
            )

    # --- issuing ---------------------------------------------------------------------

    def _new_card(
        self,
        plan: EmergencyPlan,
        holder: CardHolder,
        plan_person_id: str | None,
        cards: list[EmergencyCard],
    ) -> EmergencyCard:
        issued = {c.number for c in cards}
        number = generate_unique_card_number(issued, length=self.settings.cards.number_length)
        return EmergencyCard(
            plan_id=plan.id,
            carer_id=plan.carer_id,
            number=number,
            holder=holder,
            plan_person_id=plan_person_id,
            issued_on=self.clock.today(),
        )

    def _plan(self, plan_id: str) -> EmergencyPlan:
        try:
            return self.repo.get(EmergencyPlan, plan_id)
        except NotFoundError:
            raise NotFoundError(
                f"There is no emergency plan with id {plan_id} on this laptop; write the plan "
                "before issuing a card."
            ) from None

    def issue_card(
        self,
        plan_id: str,
        holder: CardHolder = CardHolder.CARER,
        plan_person_id: str | None = None,
    ) -> EmergencyCard:
        """A new card for the carer or one person they care for, waiting to be printed.

        Refused (:class:`PlanNotReadyForCard`, naming what is missing) when the plan does
        not meet the line's minimum — the carer has not agreed to share it, or it lacks a
        consented contact, the care needed, the way in or where care is needed — and when
        the holder already has a live card (reissue that one instead).
        """
        holder = CardHolder(holder)
        plan = self._plan(plan_id)
        self._require_ready(plan, "issuing a card")
        if holder == CardHolder.CARER and plan_person_id is not None:
            raise ValidationError(
                [("plan_person_id", "the carer's own card is not for a person cared for")]
            )
        if holder == CardHolder.CARED_FOR and plan_person_id not in {p.id for p in plan.cared_for}:
            raise ValidationError(
                [("plan_person_id", "choose one of the people cared for listed on the plan")]
            )
        cards = self._cards()
        key = (plan.id, str(holder), plan_person_id)
        live = next((c for c in cards if c.is_live and _holder_key(c) == key), None)
        if live is not None:
            raise RuleViolation(
                f"There is already a live card {format_card_number(live.number)} for this "
                "person; reissue it if it was lost, or reprint it."
            )
        card = self._new_card(plan, holder, plan_person_id, cards)
        self.repo.save(card, action="create")
        logger.info("card %s issued", card.id)
        return card

    def reissue_card(self, card_id: str, reason: str) -> EmergencyCard:
        """A lost or damaged card: the old one is revoked, pointing to a new card with a
        new number, in one transaction (both or neither)."""
        old = self._load(card_id)
        if not old.is_live:
            raise RuleViolation(
                "This card is already revoked; reissue the card that replaced it, or issue a "
                "new card."
            )
        plan = self._plan(old.plan_id)
        try:
            self._require_ready(plan, "issuing its replacement")
        except PlanNotReadyForCard as exc:
            raise PlanNotReadyForCard(
                f"{exc} If the card was lost, revoke it now so it cannot be used.", exc.missing
            ) from None
        new = self._new_card(plan, old.holder, old.plan_person_id, self._cards())
        revoked = old.revoke(self.clock.today(), reason, replaced_by=new.id)
        self.repo.save_many(
            [revoked, new],
            action="edit",
            audit_details={"reason": "card reissued", "old_card": old.id, "new_card": new.id},
        )
        logger.info("card %s reissued as %s", old.id, new.id)
        return new

    def revoke_card(self, card_id: str, reason: str) -> EmergencyCard:
        """Stop a card working (e.g. the carer no longer wants the service)."""
        revoked = self._load(card_id).revoke(self.clock.today(), reason)
        self.repo.save(revoked, action="edit")
        return revoked

    # --- the emergency line ----------------------------------------------------------

    def lookup(self, typed_number: str) -> CardLookup:
        """The emergency line's look-up of a number read out over the phone. Every
        look-up is audited, including numbers that are mistyped or unknown."""
        length = self.settings.cards.number_length
        try:
            number = normalise_card_number(typed_number, length=length)
        except ValidationError:
            self.store.audit(LOOKUP_ACTION, kind=KIND, details={"result": "invalid-number"})
            raise
        cards = self._cards()
        card = next((c for c in cards if c.number == number), None)
        if card is None:
            self.store.audit(
                LOOKUP_ACTION, kind=KIND, details={"number": number, "result": "not-found"}
            )
            raise NotFoundError(
                f"No card {format_card_number(number)} is registered. Read the number back to "
                "the caller; if it is right, arrange replacement care directly via "
                f"{self.settings.emergency_line.replacement_care_route}."
            )
        if not card.is_live:
            return self._revoked(card, number, {c.id: c for c in cards})
        answer, plan = self._answer(card)
        self.store.audit(
            LOOKUP_ACTION,
            record_id=card.id,
            kind=KIND,
            details={
                "number": number,
                "result": LOOKUP_RESULTS[answer.status],
                "plan_id": card.plan_id,
            },
        )
        return CardLookup(number, card, False, plan, None, answer.message, answer)

    def _answer(self, card: EmergencyCard) -> tuple[LineAnswer, EmergencyPlan | None]:
        plan = self.repo.find(EmergencyPlan, card.plan_id)
        carer = self.repo.find(Carer, card.carer_id)
        answer = answer_for_card(
            card,
            plan,
            carer,
            self.settings.emergency_line,
            today=self.clock.today(),
            group_size=self.settings.cards.group_size,
        )
        shown = consented_only(plan) if plan is not None and answer.usable else None
        return answer, shown

    def _revoked(
        self, card: EmergencyCard, number: str, by_id: dict[str, EmergencyCard]
    ) -> CardLookup:
        current = self._current(card, by_id)
        current_answer = plan = None
        if current is not None and self.settings.emergency_line.revoked_number == (
            REVOKED_OPENS_CURRENT
        ):
            current_answer, plan = self._answer(current)
        answer = answer_for_revoked(
            card,
            self.repo.find(Carer, card.carer_id),
            self.settings.emergency_line,
            current=current,
            current_answer=current_answer,
            group_size=self.settings.cards.group_size,
        )
        self.store.audit(
            LOOKUP_ACTION,
            record_id=card.id,
            kind=KIND,
            details={
                "number": number,
                "result": "revoked",
                "current_card": current.id if current else None,
                **({"shown": LOOKUP_RESULTS[current_answer.status]} if current_answer else {}),
            },
        )
        return CardLookup(number, card, True, plan, current, answer.message, answer)

    @staticmethod
    def _current(card: EmergencyCard, by_id: dict[str, EmergencyCard]) -> EmergencyCard | None:
        return current_card(card, by_id.get)
