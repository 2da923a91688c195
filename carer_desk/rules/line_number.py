"""Whether the 24-hour number printed on cards can ring anyone.

A card goes into a wallet for years; the number on it is what a stranger rings when the
carer collapses. Two kinds of number ring nobody: the placeholder the settings ship with,
and the ranges Ofcom keeps for television and radio drama (the demo uses one, so its
cards can never ring a real person). A real vault must print neither; the demo's own
settings (``[demo] invented_data = true``) may print a drama number.

The drama ranges are Ofcom's "telephone numbers for drama purposes": 1,000 numbers in
each listed block, never allocated to a phone company.
"""

from __future__ import annotations

import re

from carer_desk.config import PLACEHOLDER_EMERGENCY_LINE, CardSettings

# (digits every number of the block starts with, length of a number in the block)
DRAMA_RANGES: tuple[tuple[str, int], ...] = (
    ("01134960", 11),  # Leeds 0113 496 0000-0999
    ("01144960", 11),  # Sheffield
    ("01154960", 11),  # Nottingham
    ("01164960", 11),  # Leicester
    ("01174960", 11),  # Bristol
    ("01184960", 11),  # Reading
    ("01214960", 11),  # Birmingham
    ("01314960", 11),  # Edinburgh
    ("01414960", 11),  # Glasgow
    ("01514960", 11),  # Liverpool
    ("01614960", 11),  # Manchester
    ("01914980", 11),  # Tyneside, Sunderland, Durham 0191 498 0000-0999
    ("02079460", 11),  # London 020 7946 0000-0999
    ("02896496", 11),  # Northern Ireland 028 9649 6000-6999
    ("02920180", 11),  # Cardiff 029 2018 0000-0999
    ("01632960", 11),  # no real area: 01632 960000-960999
    ("07700900", 11),  # mobile 07700 900000-900999
    ("08081570", 11),  # freephone 0808 157 0000-0999
    ("09098790", 11),  # premium rate 0909 879 0000-0999
    ("03069990", 11),  # UK-wide 0306 999 0000-0999
)


def national_digits(phone: str) -> str:
    """The number as dialled within the UK: digits only, +44 written as 0."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits.removeprefix("00").removeprefix("44")
    return digits


def is_drama_number(phone: str) -> bool:
    """True for a number in one of Ofcom's drama ranges (it rings nobody)."""
    digits = national_digits(phone)
    return any(digits.startswith(prefix) and len(digits) == n for prefix, n in DRAMA_RANGES)


def emergency_line_problem(cards: CardSettings, *, invented_data: bool = False) -> str | None:
    """Why cards must not be printed with the configured 24-hour number, or None.

    ``invented_data`` is True only for the demo's own settings, whose cards carry a
    drama number on purpose.
    """
    phone = cards.emergency_line_phone.strip()
    if national_digits(phone) == national_digits(PLACEHOLDER_EMERGENCY_LINE):
        return (
            "The 24-hour emergency line number is not set (the settings still hold the "
            f"placeholder {PLACEHOLDER_EMERGENCY_LINE}): set cards.emergency_line_phone in the "
            "settings file to the real number before printing cards."
        )
    if is_drama_number(phone) and not invented_data:
        return (
            f"The 24-hour emergency line number {phone} is a fictional number (a range "
            "kept for television and radio drama, as the demo uses): it rings nobody. Set "
            "cards.emergency_line_phone in the settings file to the real number before "
            "printing cards."
        )
    return None
