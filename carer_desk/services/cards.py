"""Carer emergency card use cases: issue, reissue (lost card), revoke, look up a number
read out over the phone, and the print queue.

Each holder (the carer, or one person they care for) has at most one live card. A number
is never reused: new numbers are checked against every number ever issued, revoked ones
included, so a lost card can never come back to life as someone else's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.formatting import long_date
from carer_desk.records.plan import CardHolder, CardStatus, EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import (
    format_card_number,
    generate_unique_card_number,
    normalise_card_number,
)
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

KIND = "card"
LOOKUP_ACTION = "card-lookup"  # the same audit action as the server's look-up


@dataclass(frozen=True, slots=True)
class CardLookup:
    """What the emergency line sees for a number: the plan of a live card, or, for a
    revoked one, that it was revoked and which card replaced it (never the plan)."""

    number: str  # normalised digits
    card: EmergencyCard
    revoked: bool
    plan: EmergencyPlan | None  # only for a live card
    current_card: EmergencyCard | None  # for a revoked card: the live card that replaced it
    message: str


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

        Refused when the carer has not agreed to share the plan with the emergency line
        (the card would ring a line that must not read the plan), and when the holder
        already has a live card (reissue that one instead).
        """
        holder = CardHolder(holder)
        plan = self._plan(plan_id)
        if not plan.consent_to_share_with_emergency_service:
            raise RuleViolation(
                "The carer has not agreed to share this plan with the emergency line; record "
                "their consent on the plan before issuing a card."
            )
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
                "the caller; if it is right, arrange replacement care directly."
            )
        group = self.settings.cards.group_size
        if not card.is_live:
            current = self._current(card, {c.id: c for c in cards})
            message = (
                f"Card {format_card_number(number, group)} was revoked on "
                f"{long_date(card.revoked_on)} ({card.revoked_reason})"
            )
            if current is not None:
                message += (
                    f"; the current card is {format_card_number(current.number, group)}: "
                    "look that one up for the plan."
                )
            else:
                message += (
                    " and has no replacement on record; ask the caller for the carer's name "
                    "and ring the office."
                )
            self.store.audit(
                LOOKUP_ACTION,
                record_id=card.id,
                kind=KIND,
                details={
                    "number": number,
                    "result": "revoked",
                    "current_card": current.id if current else None,
                },
            )
            return CardLookup(number, card, True, None, current, message)
        plan = self.repo.find(EmergencyPlan, card.plan_id)
        self.store.audit(
            LOOKUP_ACTION,
            record_id=card.id,
            kind=KIND,
            details={
                "number": number,
                "result": "found" if plan else "no-plan",
                "plan_id": card.plan_id,
            },
        )
        message = (
            "Plan found: ring the emergency contacts in the order listed."
            if plan is not None
            else "The card is registered but its plan is not on this laptop; ring the office."
        )
        return CardLookup(number, card, False, plan, None, message)

    @staticmethod
    def _current(card: EmergencyCard, by_id: dict[str, EmergencyCard]) -> EmergencyCard | None:
        """Follow ``replaced_by`` to the live card (a card lost twice points through its
        first replacement); a cycle from damaged data ends the walk."""
        seen = {card.id}
        while card.replaced_by is not None and card.replaced_by not in seen:
            nxt = by_id.get(card.replaced_by)
            if nxt is None:
                return None
            if nxt.is_live:
                return nxt
            seen.add(nxt.id)
            card = nxt
        return None
