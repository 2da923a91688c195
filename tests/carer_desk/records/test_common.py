"""Ids, addresses, postcodes and contact details."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk.errors import ValidationError
from carer_desk.records.common import (
    Address,
    ContactDetails,
    District,
    PreferredChannel,
    is_record_id,
    is_uk_postcode,
    new_id,
    normalise_postcode,
)


def test_new_ids_are_32_hex_digits_and_distinct() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_record_id(i) for i in ids)


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


def test_contact_details_check_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ContactDetails(phone="call me", mobile="123", email="not-an-email")
    problems = dict(caught.value.problems)
    assert problems["phone"] == "'call me' is not a phone number; use digits, e.g. 01865 123456"
    assert "'123' is not a phone number" in problems["mobile"]
    assert "name@example.org" in problems["email"]


def test_a_preferred_channel_needs_its_detail() -> None:
    with pytest.raises(ValidationError) as caught:
        ContactDetails(phone="01865 123456", preferred_channel=PreferredChannel.TEXT)
    assert caught.value.problems == (
        (
            "preferred_channel",
            "Text message is preferred but no mobile is recorded; add the mobile or choose "
            "another way to get in touch",
        ),
    )
    ContactDetails(preferred_channel=PreferredChannel.POST)  # needs nothing recorded


def test_best_phone_follows_the_preference() -> None:
    both = dict(phone="01865 123456", mobile="07700 900123")
    assert ContactDetails(**both).best_phone == "01865 123456"
    assert ContactDetails(**both, preferred_channel=PreferredChannel.MOBILE).best_phone == (
        "07700 900123"
    )
    assert ContactDetails().best_phone is None
