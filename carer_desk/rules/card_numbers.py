"""Carer emergency card numbers: random digits ending in a Damm check digit.

A card number is read aloud by whoever finds the card and typed by the 24-hour line's
operator, so it is all digits, grouped for reading, and its last digit is a Damm check
digit. The Damm algorithm catches every single mistyped digit and every swap of two
neighbouring digits (the two commonest phone-typing errors) with no special cases, unlike
Luhn, which misses the 09/90 swap.

Numbers are random (from :mod:`secrets`), never derived from personal data: a lost card
must not reveal who it belongs to, and a number must not be guessable from a name or date
of birth. Uniqueness against numbers already issued is the caller's job (see
:func:`generate_unique_card_number`).
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Container
from typing import Protocol

from carer_desk.errors import ValidationError

log = logging.getLogger(__name__)

FIELD = "card_number"
DEFAULT_LENGTH = 12
DEFAULT_GROUP_SIZE = 4
# Short numbers collide quickly and long ones are hard to read over the phone.
MIN_LENGTH = 6
MAX_LENGTH = 24

# The standard weakly totally anti-symmetric quasigroup of order 10 (Damm, 2004).
# Row = interim digit, column = next input digit.
_DAMM_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# Separators an operator or a copy-paste may put between groups. Anything else is refused
# rather than silently dropped, so "1234 5678 901O" (letter O) is caught, not guessed at.
_SEPARATORS = frozenset(" -\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\u2014\t.")

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

CHECK_DIGIT_MESSAGE = (
    "check digit does not match — a digit may have been misheard or two digits swapped; "
    "please read the number again"
)


class RandomSource(Protocol):
    """Anything with ``randbelow`` (the :mod:`secrets` module, or a seeded stand-in)."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int: ...


def _check_length(length: int) -> None:
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValidationError(
            [
                (
                    "cards.number_length",
                    f"card numbers must be {MIN_LENGTH} to {MAX_LENGTH} digits long "
                    f"(configured: {length}); fix the card settings",
                )
            ]
        )


def _damm_interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM_TABLE[interim][ord(ch) - 48]
    return interim


def _require_ascii_digits(digits: str) -> None:
    if not digits or not all("0" <= ch <= "9" for ch in digits):
        raise ValidationError([(FIELD, "a card number is made of the digits 0 to 9 only")])


def damm_check_digit(digits: str) -> str:
    """The Damm check digit to append to ``digits`` (a non-empty string of 0-9)."""
    _require_ascii_digits(digits)
    return str(_damm_interim(digits))


def is_valid_card_number(text: str, length: int = DEFAULT_LENGTH) -> bool:
    """True when ``text`` (spaces and hyphens allowed) is a well-formed card number."""
    try:
        normalise_card_number(text, length=length)
    except ValidationError:
        return False
    return True


def generate_card_number(length: int = DEFAULT_LENGTH, rng: RandomSource = secrets) -> str:
    """A new random card number of ``length`` digits, the last one the check digit.

    The first digit is never 0 so the number reads the same when written down, typed into
    a spreadsheet or said aloud ("oh-one..." is easily dropped).
    """
    _check_length(length)
    body = [str(1 + rng.randbelow(9))]
    body.extend(str(rng.randbelow(10)) for _ in range(length - 2))
    payload = "".join(body)
    return payload + damm_check_digit(payload)


def generate_unique_card_number(
    issued: Container[str],
    length: int = DEFAULT_LENGTH,
    rng: RandomSource = secrets,
    max_attempts: int = 100,
) -> str:
    """A new card number not in ``issued`` (every number ever issued, revoked ones too,
    so a revoked card can never come back to life as someone else's)."""
    for _ in range(max_attempts):
        candidate = generate_card_number(length, rng)
        if candidate not in issued:
            return candidate
    # Only reachable if nearly every number of this length is taken: a configuration
    # problem (length far too short), not bad luck.
    raise ValidationError(
        [
            (
                "cards.number_length",
                f"could not find an unused {length}-digit card number in {max_attempts} "
                "tries; increase the card number length in the card settings",
            )
        ]
    )


def normalise_card_number(text: str, length: int = DEFAULT_LENGTH) -> str:
    """The bare digits of a card number as typed ("1234 5678-9012" -> "123456789012").

    Raises :class:`ValidationError` saying what is wrong: empty, a character that is not a
    digit, the wrong number of digits, or a check digit that does not match.
    """
    _check_length(length)
    digits: list[str] = []
    for ch in text.strip():
        if ch in _SEPARATORS:
            continue
        if ch.isdecimal():
            # Digits from other scripts (Arabic-Indic, full-width...) typed on another
            # keyboard layout mean the same number.
            digits.append(str(unicodedata.decimal(ch)))
            continue
        shown = ch if ch.isprintable() else repr(ch)
        raise ValidationError(
            [
                (
                    FIELD,
                    f"a card number has digits only (spaces and hyphens are fine), "
                    f"but this has '{shown}'; please check what was read out",
                )
            ]
        )
    if not digits:
        raise ValidationError([(FIELD, f"enter the {length}-digit card number")])
    number = "".join(digits)
    if len(number) != length:
        more_or_fewer = "missing" if len(number) < length else "extra"
        raise ValidationError(
            [
                (
                    FIELD,
                    f"a card number has {length} digits but this has {len(number)}; "
                    f"a digit may be {more_or_fewer} — please read the number again",
                )
            ]
        )
    if _damm_interim(number) != 0:
        raise ValidationError([(FIELD, CHECK_DIGIT_MESSAGE)])
    return number


def format_card_number(digits: str, group_size: int = DEFAULT_GROUP_SIZE) -> str:
    """Digits in groups for printing and reading aloud: "1234 5678 9012"."""
    _require_ascii_digits(digits)
    if group_size < 1:
        raise ValidationError([("cards.group_size", "card number groups need at least 1 digit")])
    return " ".join(digits[i : i + group_size] for i in range(0, len(digits), group_size))


def format_for_speech(digits: str, group_size: int = DEFAULT_GROUP_SIZE) -> str:
    """The number as words, one digit at a time, groups separated by commas.

    "one two three four, five six seven eight, ..." — what an operator reads back to the
    caller to confirm, and what a screen reader should say. "zero", not "oh", so nobody
    writes the letter O into a number that has only digits.
    """
    grouped = format_card_number(digits, group_size)
    return ", ".join(
        " ".join(_DIGIT_WORDS[int(ch)] for ch in group) for group in grouped.split(" ")
    )
