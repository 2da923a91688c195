"""Possible duplicates: likely matches are flagged with reasons; different people are not."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sync.duplicates import (
    PersonKey,
    date_similarity,
    find_possible_duplicates,
    pair_key,
    person_key,
)


def key(rid: str, name: str, dob: str | None, postcode: str | None) -> PersonKey:
    return person_key(rid, {"name": name, "date_of_birth": dob, "postcode": postcode})


EXISTING = [
    key("c1", "Ann Smith", "1961-03-04", "OX4 1AA"),
    key("c2", "Peter Jones", "1950-12-01", "OX28 4BH"),
    key("c3", "Ann Smith", "1988-07-19", "OX16 9QQ"),  # same name, different person
]


def test_offline_registration_of_a_known_carer_is_flagged() -> None:
    new = [key("n1", "Anne Smyth", "1961-03-04", "ox41aa")]
    found = find_possible_duplicates(new, EXISTING)
    assert [(c.record_id, c.other_id) for c in found] == [("n1", "c1")]
    assert "same date of birth" in found[0].reasons
    assert "same postcode" in found[0].reasons


def test_same_name_but_different_birth_date_and_town_is_not_flagged() -> None:
    new = [key("n1", "Ann Smith", "1961-03-04", "OX4 1AA")]
    assert [c.other_id for c in find_possible_duplicates(new, EXISTING)] == ["c1"]


def test_swapped_day_and_month_and_word_order_are_tolerated() -> None:
    new = [key("n1", "Smith, Ann", "1961-04-03", "OX4 1AB")]
    found = find_possible_duplicates(new, EXISTING)
    assert [c.other_id for c in found] == ["c1"]
    assert any("swapped" in r for r in found[0].reasons)


def test_carer_who_moved_house_is_still_flagged() -> None:
    new = [key("n1", "Peter Jones", "1950-12-01", "OX1 2JD")]
    assert [c.other_id for c in find_possible_duplicates(new, EXISTING)] == ["c2"]


def test_newcomer_without_birth_date_needs_the_postcode() -> None:
    with_pc = [key("n1", "Peter Jones", None, "OX28 4BH")]
    without = [key("n2", "Peter Jones", None, "SW1A 1AA")]
    assert [c.other_id for c in find_possible_duplicates(with_pc, EXISTING)] == ["c2"]
    assert find_possible_duplicates(without, EXISTING) == []


def test_pair_kept_apart_by_a_person_is_not_flagged_again() -> None:
    new = [key("n1", "Ann Smith", "1961-03-04", "OX4 1AA")]
    assert find_possible_duplicates(new, EXISTING, kept_apart=[pair_key("c1", "n1")]) == []


def test_two_offline_registrations_of_the_same_newcomer_are_flagged_once() -> None:
    new = [
        key("n1", "Mo Farah", "1970-01-01", "OX2 6GG"),
        key("n2", "Mo Farrah", "1970-01-01", "OX2 6GG"),
    ]
    found = find_possible_duplicates(new, EXISTING)
    assert len(found) == 1
    assert {found[0].record_id, found[0].other_id} == {"n1", "n2"}


def test_accents_and_structured_payloads() -> None:
    k = person_key(
        "x",
        {
            "given_name": "Zoë",
            "family_name": "O'Brien",
            "date_of_birth": "1970-02-03",
            "address": {"postcode": "ox4 1aa"},
        },
    )
    assert k.name == "zoe o brien"
    assert k.postcode == "OX41AA"
    assert k.date_of_birth == date(1970, 2, 3)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31)))
def test_date_similarity_is_symmetric_and_exact_on_itself(d: date) -> None:
    assert date_similarity(d, d) == 1.0
    other = date(d.year - 1 if d.year > 1900 else d.year + 1, d.month, min(d.day, 28))
    assert date_similarity(d, other) == date_similarity(other, d)


# --- merging --------------------------------------------------------------------------


def test_merge_keeps_every_record_and_detail_of_both() -> None:
    from sync.duplicates import plan_merge

    keep = {
        "id": "c1",
        "given_name": "Ann",
        "family_name": "Smith",
        "date_of_birth": None,
        "contact": {"phone": "01865 000000", "email": None},
        "cared_for": [{"id": "p1", "name": "Bob Smith", "relationship": "husband"}],
        "contacts": [],
        "created_at": "2026-02-01T10:00:00+00:00",
        "safeguarding_flag": False,
    }
    absorb = {
        "id": "n1",
        "given_name": "Anne",
        "family_name": "Smith",
        "date_of_birth": "1961-03-04",
        "contact": {"phone": "07700 900000", "email": "ann@example.org"},
        "cared_for": [
            {"id": "p9", "name": "bob smith", "relationship": "Husband"},
            {"id": "p8", "name": "Joan Smith", "relationship": "mother"},
        ],
        "contacts": [{"id": "k1", "name": "Sue", "relationship": "neighbour"}],
        "created_at": "2026-01-05T09:00:00+00:00",
        "safeguarding_flag": True,
    }
    linked = [
        ("conversation", "v1", {"id": "v1", "carer_id": "n1"}),
        ("conversation", "v2", {"id": "v2", "carer_id": "c1"}),
        ("group", "g1", {"id": "g1", "members": [{"carer_id": "n1"}, {"carer_id": "x"}]}),
    ]
    plan = plan_merge("c1", keep, "n1", absorb, linked)
    merged = plan.carer_payload
    assert merged["id"] == "c1"
    assert merged["given_name"] == "Ann"  # the survivor's own value wins
    assert merged["date_of_birth"] == "1961-03-04"  # a gap filled from the other record
    assert merged["contact"] == {"phone": "01865 000000", "email": "ann@example.org"}
    assert [p["name"] for p in merged["cared_for"]] == ["Bob Smith", "Joan Smith"]
    assert [c["name"] for c in merged["contacts"]] == ["Sue"]
    assert merged["created_at"] == "2026-01-05T09:00:00+00:00"
    assert merged["safeguarding_flag"] is True
    moved = {rid: p for _, rid, p in plan.moved}
    assert set(moved) == {"v1", "g1"}
    assert moved["v1"]["carer_id"] == "c1"
    assert moved["g1"]["members"] == [{"carer_id": "c1"}, {"carer_id": "x"}]
