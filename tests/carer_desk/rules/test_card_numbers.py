"""Card numbers: the operator types what a stranger reads out, and a slip must be caught."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carer_desk.errors import CarerDeskError, ValidationError
from carer_desk.rules.card_numbers import (
    CHECK_DIGIT_MESSAGE,
    damm_check_digit,
    format_card_number,
    format_for_speech,
    generate_card_number,
    generate_unique_card_number,
    is_valid_card_number,
    normalise_card_number,
)


class SeededSource:
    """A repeatable random source with the ``secrets.randbelow`` shape, for examples."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def randbelow(self, n: int) -> int:
        return self._random.randrange(n)


card_numbers = st.integers(min_value=0, max_value=2**64).map(
    lambda seed: generate_card_number(rng=SeededSource(seed))
)


# --- the Damm algorithm itself -------------------------------------------------------


def test_damm_check_digit_matches_published_examples() -> None:
    # The worked example from the Damm algorithm literature: 572 -> 5724.
    assert damm_check_digit("572") == "4"
    assert damm_check_digit("5724") == "0"
    assert damm_check_digit("0") == "0"


def test_damm_table_is_the_anti_symmetric_quasigroup() -> None:
    # Each row and column a permutation (quasigroup) and a zero diagonal: what makes every
    # single substitution detectable. Weak total anti-symmetry: x*c*y == y*c*x only when
    # x == y, what makes every adjacent swap detectable.
    from carer_desk.rules.card_numbers import _DAMM_TABLE as table

    digits = range(10)
    assert all(sorted(row) == list(digits) for row in table)
    assert all(sorted(table[r][c] for r in digits) == list(digits) for c in digits)
    assert all(table[i][i] == 0 for i in digits)
    for c in digits:
        for x in digits:
            for y in digits:
                if x != y:
                    assert table[table[c][x]][y] != table[table[c][y]][x]


def test_damm_check_digit_refuses_non_digits() -> None:
    with pytest.raises(ValidationError):
        damm_check_digit("12a4")
    with pytest.raises(ValidationError):
        damm_check_digit("")


# --- generation ---------------------------------------------------------------------


def test_generated_numbers_are_twelve_digits_and_not_starting_with_zero() -> None:
    for seed in range(500):
        number = generate_card_number(rng=SeededSource(seed))
        assert len(number) == 12
        assert number.isdigit()
        assert number[0] != "0"
        assert is_valid_card_number(number)


def test_generation_uses_secrets_by_default_and_numbers_differ() -> None:
    numbers = {generate_card_number() for _ in range(200)}
    # 11 random digits: 200 draws colliding would mean the source is not random at all.
    assert len(numbers) == 200
    assert all(is_valid_card_number(n) for n in numbers)


@pytest.mark.parametrize("length", [6, 8, 16])
def test_generated_numbers_follow_the_configured_length(length: int) -> None:
    number = generate_card_number(length)
    assert len(number) == length
    assert is_valid_card_number(number, length=length)


def test_unusable_configured_length_is_refused_with_advice() -> None:
    with pytest.raises(ValidationError, match="card settings"):
        generate_card_number(3)


def test_unique_generation_skips_numbers_already_issued() -> None:
    first = generate_card_number(rng=SeededSource(7))
    # Same seed: the first candidate repeats the issued number, so it must be skipped.
    second = generate_unique_card_number({first}, rng=SeededSource(7))
    assert second != first
    assert is_valid_card_number(second)


def test_unique_generation_gives_up_with_a_clear_error_when_nothing_is_free() -> None:
    class Everything:
        def __contains__(self, item: object) -> bool:
            return True

    with pytest.raises(CarerDeskError, match="increase the card number length"):
        generate_unique_card_number(Everything(), max_attempts=5)


# --- what an operator types ---------------------------------------------------------


def test_operator_typing_with_spaces_and_hyphens_is_accepted() -> None:
    number = generate_card_number(rng=SeededSource(1))
    typed = f"{number[:4]} {number[4:8]}-{number[8:]}"
    assert normalise_card_number(typed) == number
    assert normalise_card_number(f"  {number}  ") == number
    assert normalise_card_number(format_card_number(number)) == number


def test_digits_from_another_keyboard_layout_are_understood() -> None:
    number = generate_card_number(rng=SeededSource(2))
    arabic_indic = "".join(chr(0x0660 + int(ch)) for ch in number)
    assert normalise_card_number(arabic_indic) == number


def test_letter_o_instead_of_zero_is_refused_naming_the_character() -> None:
    with pytest.raises(ValidationError, match="'O'") as caught:
        normalise_card_number("1234 5678 9O12")
    assert caught.value.problems[0][0] == "card_number"


def test_wrong_length_says_how_many_digits_are_expected() -> None:
    number = generate_card_number(rng=SeededSource(3))
    with pytest.raises(ValidationError, match="has 12 digits but this has 11"):
        normalise_card_number(number[:-1])
    with pytest.raises(ValidationError, match="extra"):
        normalise_card_number(number + "5")


def test_empty_input_asks_for_the_number() -> None:
    with pytest.raises(ValidationError, match="enter the 12-digit card number"):
        normalise_card_number("  - ")


def test_wrong_check_digit_says_to_read_the_number_again() -> None:
    number = generate_card_number(rng=SeededSource(4))
    wrong_last = str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as caught:
        normalise_card_number(number[:-1] + wrong_last)
    assert CHECK_DIGIT_MESSAGE in str(caught.value)
    assert "read the number again" in str(caught.value)
    assert not is_valid_card_number(number[:-1] + wrong_last)


# --- properties: every slip the check digit promises to catch -----------------------


@settings(max_examples=200)
@given(card_numbers)
def test_every_single_digit_substitution_is_detected(number: str) -> None:
    for position in range(len(number)):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            misheard = number[:position] + digit + number[position + 1 :]
            assert not is_valid_card_number(misheard), misheard


@settings(max_examples=200)
@given(card_numbers)
def test_every_adjacent_transposition_is_detected(number: str) -> None:
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a == b:
            continue  # swapping equal digits changes nothing
        swapped = number[:position] + b + a + number[position + 2 :]
        assert not is_valid_card_number(swapped), swapped


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_appending_the_check_digit_always_gives_a_valid_number(payload: str) -> None:
    assert is_valid_card_number(payload + damm_check_digit(payload))


@given(card_numbers, st.integers(min_value=1, max_value=6))
def test_format_then_normalise_round_trips(number: str, group_size: int) -> None:
    formatted = format_card_number(number, group_size)
    assert normalise_card_number(formatted) == number
    assert all(len(group) <= group_size for group in formatted.split(" "))


# --- reading aloud ------------------------------------------------------------------


def test_format_groups_in_fours_for_reading_aloud() -> None:
    assert format_card_number("123456789012") == "1234 5678 9012"
    assert format_card_number("123456789012", group_size=3) == "123 456 789 012"


def test_format_for_speech_reads_each_digit_in_groups() -> None:
    assert format_for_speech("120056789012") == (
        "one two zero zero, five six seven eight, nine zero one two"
    )
