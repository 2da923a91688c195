"""Peer-support groups and the facilitator's register view."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from carer_desk.errors import ValidationError
from carer_desk.ids import new_id
from carer_desk.records.carer import AccessibleFormat, Carer, Consent, Referral, ReferralSource
from carer_desk.records.contact_details import ContactDetails, PreferredChannel
from carer_desk.records.groups import (
    GroupMember,
    GroupSession,
    PeerGroup,
    RegisterEntry,
    SessionFormat,
    build_register,
)


def _carer(given: str, family: str, **fields: object) -> Carer:
    return Carer(
        given_name=given,
        family_name=family,
        referral=Referral(date=date(2025, 1, 6), source=ReferralSource.PEER_SUPPORT_GROUP),
        consent=Consent(given=True, date=date(2025, 1, 6)),
        **fields,  # type: ignore[arg-type]
    )


def test_a_register_entry_carries_only_what_a_register_needs() -> None:
    assert [f.name for f in dataclasses.fields(RegisterEntry)] == [
        "carer_id",
        "display_name",
        "phone",
        "email",
        "access_needs",
    ]
    carer = _carer(
        "Margaret",
        "Hughes",
        preferred_name="Peggy",
        contact=ContactDetails(
            phone="01235 555100",
            mobile="07700 900456",
            email="peggy@example.org",
            preferred_channel=PreferredChannel.MOBILE,
        ),
        accessible_formats=(AccessibleFormat.LARGE_PRINT,),
        interpreter_needed=True,
        language="Welsh",
        safeguarding_flag=True,
        gp_practice="Abingdon Surgery",
    )
    entry = RegisterEntry.from_carer(carer)
    assert entry == RegisterEntry(
        carer_id=carer.id,
        display_name="Peggy Hughes",
        phone="07700 900456",
        email="peggy@example.org",
        access_needs=("Large print", "Interpreter (Welsh)"),
    )


def test_the_register_is_in_name_order() -> None:
    names = [
        e.display_name
        for e in build_register(
            [_carer("zoe", "Adams"), _carer("Anna", "Brown"), _carer("bob", "Cole")]
        )
    ]
    assert names == ["Anna Brown", "bob Cole", "zoe Adams"]


def test_groups_and_sessions_check_their_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        PeerGroup(name=" ", kind="knitting", online_link="zoom.us/j/1")  # type: ignore[arg-type]
    assert [p for p, _ in caught.value.problems] == ["name", "kind", "online_link"]
    assert "full https:// address" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        GroupSession(group_id="g", on="2025-01-01", starts_at="7pm")  # type: ignore[arg-type]
    assert [p for p, _ in caught.value.problems] == ["group_id", "on", "starts_at"]
    session = GroupSession(
        group_id=new_id(),
        on=date(2025, 1, 6),
        format=SessionFormat.ONLINE,
        online_link="https://meet.example.org/carers",
    )
    assert session.venue is None


def test_membership_dates() -> None:
    member = GroupMember(
        group_id=new_id(), carer_id=new_id(), joined_on=date(2025, 1, 6), left_on=date(2025, 3, 1)
    )
    assert member.is_member_on(date(2025, 2, 1))
    assert not member.is_member_on(date(2025, 3, 1))
    assert not member.is_member_on(date(2025, 1, 5))
    with pytest.raises(ValidationError, match="left_on: must not be before they joined"):
        GroupMember(
            group_id=new_id(),
            carer_id=new_id(),
            joined_on=date(2025, 1, 6),
            left_on=date(2025, 1, 1),
        )
