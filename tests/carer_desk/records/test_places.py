"""Addresses, postcodes and districts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk.errors import ValidationError
from carer_desk.records.places import Address, District, is_uk_postcode, normalise_postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ox1 2ab", "OX1 2AB"),
        ("OX12AB", "OX1 2AB"),
        (" ox26  6aa ", "OX26 6AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("OX4 1RQ", "OX4 1RQ"),
    ],
)
def test_postcodes_are_normalised(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected
    assert Address(line1="1 Church Row", town="Oxford", postcode=raw).postcode == expected


@pytest.mark.parametrize(
    "bad", ["XYZ", "OX1", "12345", "OX1 2A", "OXX1 2AB", "OX1 ZAB", "OX1 2AB X"]
)
def test_bad_postcodes_are_refused_with_the_expected_form(bad: str) -> None:
    assert not is_uk_postcode(bad)
    with pytest.raises(ValidationError) as caught:
        Address(line1="1 Church Row", town="Oxford", postcode=bad)
    assert caught.value.problems == (
        ("postcode", f"{bad!r} is not a UK postcode; use the form OX1 2AB"),
    )


@given(st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", fullmatch=True))
def test_normalising_a_valid_postcode_is_idempotent(postcode: str) -> None:
    assert normalise_postcode(postcode) == postcode
    assert normalise_postcode(postcode.lower().replace(" ", "")) == postcode


def test_every_missing_address_part_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        Address(line1="  ", town="", postcode="")
    assert [path for path, _ in caught.value.problems] == ["line1", "town", "postcode"]
    assert "use the form OX1 2AB" in str(caught.value)


def test_address_blank_second_line_becomes_none_and_lines_skip_it() -> None:
    address = Address(
        line1=" 3 The Green ",
        line2="  ",
        town="Kidlington",
        postcode="ox5 2aa",
        district=District.CHERWELL,
    )
    assert address.line1 == "3 The Green"
    assert address.line2 is None
    assert address.lines() == ("3 The Green", "Kidlington", "OX5 2AA")


def test_district_labels_read_as_people_write_them() -> None:
    assert District.VALE_OF_WHITE_HORSE.label == "Vale of White Horse"
    assert District.choices()[0] == ("cherwell", "Cherwell")
    assert str(District.OXFORD_CITY) == "oxford_city"
