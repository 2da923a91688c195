"""What goes on an emergency card, checked before anything is drawn.

The front of a card never carries personal details: a lost card must not tell a stranger
who the carer is or where they live. The back carries a first name and one contact only
when the carer chose that, so those fields are optional here and the renderer leaves
them out entirely when absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from carer_desk import formatting
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.printing.fonts import isolate
from carer_desk.records.carer import Carer
from carer_desk.records.plan import CardHolder as RecordCardHolder
from carer_desk.records.plan import EmergencyCard, EmergencyPlan
from carer_desk.rules.card_numbers import DEFAULT_GROUP_SIZE, format_card_number

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]{6,20}$")
QR_PREFIX = "CARERCARD"


class CardHolder(StrEnum):
    """Whose wallet the card is for."""

    CARER = "carer"
    CARED_FOR = "cared-for"


@dataclass(frozen=True)
class CardContent:
    """Everything drawn on one card (front and back)."""

    card_number: str  # digits only, check digit included
    card_number_display: str  # grouped for reading aloud, e.g. "4821 0937 5516"
    emergency_phone: str  # the 24-hour line, as it should be dialled
    holder: CardHolder = CardHolder.CARER
    first_name: str | None = None  # only if the carer chose to show it
    contact_name: str | None = None  # only if the carer chose to show one contact
    contact_phone: str | None = None

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        if not self.card_number.isdigit():
            problems.append(("card_number", "a card number is digits only"))
        if re.sub(r"\D", "", self.card_number_display) != self.card_number:
            problems.append(("card_number_display", "must show the same digits as the number"))
        if not _PHONE_CHARS.match(self.emergency_phone.strip()):
            problems.append(("emergency_phone", "set the 24-hour line number in Settings → Cards"))
        if self.contact_phone and not _PHONE_CHARS.match(self.contact_phone.strip()):
            problems.append(("contact_phone", "the contact's phone number is not a number"))
        if problems:
            raise ValidationError(problems)

    @property
    def back_details(self) -> tuple[str, ...]:
        """The optional personal lines for the back, without any empty ones."""
        lines = []
        if self.first_name and self.first_name.strip():
            lines.append(f"My first name: {isolate(self.first_name.strip())}")
        contact = " ".join(
            isolate(part.strip())
            for part in (self.contact_name, self.contact_phone)
            if part and part.strip()
        )
        if contact:
            lines.append(f"Also contact: {contact}")
        return tuple(lines)


def qr_payload(card: CardContent) -> str:
    """The QR code's text: the card number and the phone number, nothing else.

    ``CARERCARD:<digits> TEL:<digits>`` uses only QR "alphanumeric" characters (capitals,
    digits, space, colon, plus), which pack tighter than bytes: a smaller code with
    bigger modules, so it still scans from a worn card. A phone camera shows it as text.
    """
    phone = re.sub(r"[^0-9+]", "", card.emergency_phone)
    return f"{QR_PREFIX}:{card.card_number} TEL:{phone}"


def parse_qr_payload(text: str) -> tuple[str, str]:
    """``(card_number, phone)`` from a scanned card QR code."""
    match = re.fullmatch(rf"{QR_PREFIX}:(\d+) TEL:(\+?\d+)", text.strip())
    if not match:
        raise ValidationError([("qr", "this QR code is not from a carer emergency card")])
    return match.group(1), match.group(2)


def card_content_for(
    card: EmergencyCard,
    plan: EmergencyPlan,
    carer: Carer,
    *,
    emergency_phone: str,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> CardContent:
    """What to print for a stored card, honouring what the carer chose for the back."""
    if not card.is_live:
        raise RuleViolation(
            f"Card {format_card_number(card.number, group_size)} has been revoked and must "
            "not be printed; issue a new card instead."
        )
    holder = (
        CardHolder.CARED_FOR if card.holder == RecordCardHolder.CARED_FOR else (CardHolder.CARER)
    )
    first_name = None
    if plan.card_first_name_on_back:
        if holder is CardHolder.CARER:
            # A first name only: "Mary Ann" would show as "Mary", which is enough for a
            # paramedic to call someone by, and the rest of a long name stays private.
            first_name = formatting.first_name(carer.given_name, carer.preferred_name)
        else:
            person = next((p for p in plan.cared_for if p.id == card.plan_person_id), None)
            first_name = person.name.split()[0] if person else None
    contact = plan.card_back_contact
    return CardContent(
        card_number=card.number,
        card_number_display=format_card_number(card.number, group_size),
        emergency_phone=emergency_phone,
        holder=holder,
        first_name=first_name,
        contact_name=contact.first_name if contact else None,
        contact_phone=contact.phone if contact else None,
    )
