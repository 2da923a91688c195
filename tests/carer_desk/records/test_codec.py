"""The codec round trip: storage seals ``to_payload`` output and sync sends it, so every
record must come back from JSON exactly as it went in, and bad payloads must say which
field is wrong."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk.errors import ValidationError
from carer_desk.records.carer import (
    CaredForPerson,
    Carer,
    Consent,
    LawfulBasis,
    Referral,
    ReferralSource,
)
from carer_desk.records.codec import KINDS, from_payload, kind_of, to_payload
from carer_desk.records.contact_details import ContactDetails
from carer_desk.records.conversation import GuidedConversation, ListenAndConnect
from carer_desk.records.groups import GroupSession
from carer_desk.records.places import Address
from tests.carer_desk.records.strategies import RECORDS, any_record

# --- round trip -----------------------------------------------------------------------------


def test_every_kind_has_a_strategy() -> None:
    assert set(RECORDS) == set(KINDS)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(record=any_record)
def test_round_trip_through_json_gives_back_the_same_record(record: object) -> None:
    kind = kind_of(record)
    wire = json.dumps(to_payload(record), ensure_ascii=False, allow_nan=False)
    back = from_payload(kind, json.loads(wire))
    assert back == record
    assert type(back) is type(record)
    # A second trip is byte-identical: storage can compare payloads to detect changes.
    assert json.dumps(to_payload(back), ensure_ascii=False) == wire


@pytest.mark.parametrize("kind", sorted(RECORDS))
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_for_each_kind(kind: str, data: st.DataObject) -> None:
    record = data.draw(RECORDS[kind])
    assert from_payload(kind, json.loads(json.dumps(to_payload(record)))) == record


def _walk(value: object):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


@settings(max_examples=40)
@given(record=any_record)
def test_payloads_hold_only_json_types_and_utc_timestamps(record: object) -> None:
    for leaf in _walk(to_payload(record)):
        assert leaf is None or isinstance(leaf, str | int | bool), leaf
        assert leaf != "None"


def test_timestamps_are_written_in_utc() -> None:
    carer = _carer(created_at=datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=1))))
    assert to_payload(carer)["created_at"] == "2025-06-01T11:00:00+00:00"


# --- forward and backward compatibility -----------------------------------------------------


def _carer(**changes: object) -> Carer:
    carer = Carer(
        id="0" * 31 + "1",
        given_name="Margaret",
        family_name="Oduya",
        referral=Referral(date=date(2025, 3, 1), source=ReferralSource.GP_PRACTICE),
        consent=Consent(given=True, date=date(2025, 3, 1)),
        address=Address(line1="2 Mill Lane", town="Chipping Norton", postcode="OX7 5AA"),
        cared_for=(CaredForPerson(id="0" * 31 + "2", name="Sam", relationship="husband"),),
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    )
    return replace(carer, **changes)


def test_unknown_keys_from_a_newer_version_are_ignored() -> None:
    payload = to_payload(_carer())
    payload["favourite_colour"] = "green"
    payload["address"]["what3words"] = "index.home.raft"
    payload["cared_for"][0]["nhs_number"] = "943 476 5919"
    assert from_payload("carer", payload) == _carer()


def test_missing_optional_keys_take_their_defaults() -> None:
    payload = {
        "id": "a" * 32,
        "given_name": "Margaret",
        "family_name": "Oduya",
        "referral": {"date": "2025-03-01", "source": "self"},
        "consent": {"given": True, "date": "2025-03-01"},
        "created_at": "2025-03-01T09:30:00+00:00",
    }
    carer = from_payload("carer", payload)
    assert carer.address is None
    assert carer.contact == ContactDetails()
    assert carer.cared_for == ()
    assert carer.consent.lawful_basis == LawfulBasis.CONSENT
    assert carer.safeguarding_flag is False


def test_a_missing_id_is_an_error_not_a_new_identity() -> None:
    payload = to_payload(_carer())
    del payload["id"]
    del payload["cared_for"][0]["id"]
    with pytest.raises(ValidationError) as caught:
        from_payload("carer", payload)
    assert ("id", "is missing") in caught.value.problems
    assert ("cared_for[0].id", "is missing") in caught.value.problems


# --- malformed payloads ---------------------------------------------------------------------


def test_every_bad_field_is_reported_with_its_path() -> None:
    payload = to_payload(_carer())
    payload["given_name"] = 42
    payload["hours_of_care_per_week"] = 12.5
    payload["safeguarding_flag"] = "yes"
    payload["address"]["postcode"] = "XYZ"
    payload["cared_for"][0]["conditions"] = ["dementia", "gout"]
    payload["cared_for"][0]["date_of_birth"] = "31/12/1950"
    payload["created_at"] = "2025-03-01T09:30:00"
    del payload["referral"]
    with pytest.raises(ValidationError) as caught:
        from_payload("carer", payload)
    paths = dict(caught.value.problems)
    assert paths["given_name"] == "must be text, not int"
    assert paths["hours_of_care_per_week"] == "must be a whole number, not 12.5"
    assert paths["safeguarding_flag"] == "must be true or false, not 'yes'"
    assert "is not a UK postcode; use the form OX1 2AB" in paths["address.postcode"]
    assert paths["cared_for[0].conditions[1]"].startswith("'gout' is not one of: dementia")
    assert paths["cared_for[0].date_of_birth"] == "'31/12/1950' is not a date; use YYYY-MM-DD"
    assert "no time zone" in paths["created_at"]
    assert paths["referral"] == "is missing"


def test_record_rules_are_checked_when_decoding() -> None:
    payload = to_payload(_carer())
    payload["consent"] = {"given": True, "date": None, "lawful_basis": "consent"}
    with pytest.raises(ValidationError) as caught:
        from_payload("carer", payload)
    # The part's own check, reported with the path from the top of the record.
    assert caught.value.problems == (("consent.date", "record the date consent was given"),)


@pytest.mark.parametrize("payload", [None, [], "carer", 3])
def test_a_payload_that_is_not_an_object_is_refused(payload: object) -> None:
    with pytest.raises(ValidationError, match="must be an object"):
        from_payload("carer", payload)  # type: ignore[arg-type]


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(
        ValidationError, match="'caseload' is not a record kind; known kinds: carer"
    ):
        from_payload("caseload", {})


def test_kind_of_refuses_a_part_of_a_record() -> None:
    with pytest.raises(TypeError):
        kind_of(Address(line1="1 High St", town="Wantage", postcode="OX12 8AA"))
    with pytest.raises(TypeError):
        to_payload(Address(line1="1 High St", town="Wantage", postcode="OX12 8AA"))


def test_times_and_pair_tuples_survive() -> None:
    session = GroupSession(group_id="b" * 32, on=date(2025, 5, 1), starts_at=time(18, 30))
    payload = to_payload(session)
    assert payload["starts_at"] == "18:30:00"
    assert from_payload("session", payload) == session
    stage1 = ListenAndConnect(answers=(("going_well", "My sister visits"),))
    conv = GuidedConversation(
        carer_id="c" * 32,
        template_id="guided-conversation",
        template_version=1,
        started_on=date(2025, 5, 1),
        worker="amy",
        stage1=stage1,
    )
    payload = to_payload(conv)
    assert payload["stage1"]["answers"] == [["going_well", "My sister visits"]]
    payload["stage1"]["answers"] = [["going_well"]]
    with pytest.raises(ValidationError) as caught:
        from_payload("conversation", payload)
    assert caught.value.problems == (("stage1.answers[0]", "must have 2 items, not 1"),)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _set(payload: object, path: tuple, new: object) -> object:
    if not path:
        return new
    parent = payload
    for step in path[:-1]:
        parent = parent[step]  # type: ignore[index]
    parent[path[-1]] = new  # type: ignore[index]
    return payload


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), record=any_record, junk=json_values)
def test_a_corrupted_payload_gives_a_validation_error_or_a_valid_record(
    data: st.DataObject, record: object, junk: object
) -> None:
    """Whatever a buggy client or a hand-edited export puts anywhere in a payload, decoding
    either succeeds or raises ValidationError with field paths; never a bare TypeError."""
    payload = to_payload(record)
    path = data.draw(st.sampled_from(_paths(payload)))
    corrupted = _set(payload, path, junk)
    try:
        back = from_payload(kind_of(record), corrupted)  # type: ignore[arg-type]
    except ValidationError as exc:
        assert exc.problems
        assert all(isinstance(p, str) and m for p, m in exc.problems)
    else:
        assert type(back) is type(record)


def test_an_older_version_keeps_fields_it_does_not_know_when_it_saves() -> None:
    """A newer laptop wrote fields this version does not know; editing here and saving
    must not strip them (the newer laptop would lose them at the next sync)."""
    stored = to_payload(_carer())
    stored["pronouns"] = "she/her"
    stored["address"]["uprn"] = "100120812345"
    stored["cared_for"][0]["nhs_number"] = "943 476 5919"
    stored["contacts"] = []
    carer = from_payload("carer", stored)
    edited = replace(
        carer,
        preferred_name="Peggy",
        cared_for=(
            CaredForPerson(id="0" * 31 + "3", name="Ann", relationship="daughter"),
            *carer.cared_for,
        ),
    )
    saved = to_payload(edited, keep_unknown_from=stored)
    assert saved["preferred_name"] == "Peggy"
    assert saved["pronouns"] == "she/her"
    assert saved["address"]["uprn"] == "100120812345"
    # Matched by id, not position: the new first person gets nothing of Sam's.
    assert "nhs_number" not in saved["cared_for"][0]
    assert saved["cared_for"][1]["nhs_number"] == "943 476 5919"
    assert from_payload("carer", saved) == edited
    # Without the original payload, only what this version knows is written.
    assert "pronouns" not in to_payload(edited)
