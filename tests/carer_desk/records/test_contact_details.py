"""Contact details: phone numbers, email and the preferred way to get in touch."""

from __future__ import annotations

import pytest

from carer_desk.errors import ValidationError
from carer_desk.records.contact_details import ContactDetails, PreferredChannel


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
