"""Possible duplicates: likely matches are flagged with reasons; different people are not."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from carer_desk.rules.duplicates import (
    PersonKey,
    compare,
    date_similarity,
    find_duplicates_among,
    find_possible_duplicates,
    name_similarity,
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


# --- blocking never misses a pair ---------------------------------------------------------

_NAMES = ["Ann Smith", "Anne Smyth", "Smith Ann", "Peter Jones", "Pete Jones", "Mo Farah"]
_POSTCODES = ["OX4 1AA", "OX4 1AB", "OX41 1AA", "OX28 4BH", "SW1A 1AA", None]


@st.composite
def _people(draw: st.DrawFn) -> list[PersonKey]:
    count = draw(st.integers(min_value=2, max_value=12))
    people = []
    for index in range(count):
        dob = draw(st.none() | st.dates(min_value=date(1960, 1, 1), max_value=date(1961, 12, 31)))
        people.append(
            key(
                f"c{index}",
                draw(st.sampled_from(_NAMES)),
                dob.isoformat() if dob else None,
                draw(st.sampled_from(_POSTCODES)),
            )
        )
    return people


def _brute_force(people: list[PersonKey]) -> set[frozenset[str]]:
    """Every pair compared: what blocking must reproduce exactly."""
    flagged = set()
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            score = name_similarity(a.name, b.name)
            if score >= 70 and compare(a, b, score) is not None:
                flagged.add(pair_key(a.record_id, b.record_id))
    return flagged


@given(_people())
def test_blocked_search_flags_exactly_the_pairs_a_full_comparison_flags(
    people: list[PersonKey],
) -> None:
    found = find_duplicates_among(people)
    assert {pair_key(c.record_id, c.other_id) for c in found} == _brute_force(people)
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True)


@given(_people(), st.data())
def test_only_pairs_with_a_new_carer_are_returned_and_the_new_one_comes_first(
    people: list[PersonKey], data: st.DataObject
) -> None:
    new = set(data.draw(st.sets(st.sampled_from([p.record_id for p in people]))))
    found = find_duplicates_among(people, new_ids=new)
    expected = {p for p in _brute_force(people) if p & new}
    assert {pair_key(c.record_id, c.other_id) for c in found} == expected
    assert all(c.record_id in new for c in found)


@given(_people())
def test_pairs_kept_apart_are_never_flagged(people: list[PersonKey]) -> None:
    everything = find_duplicates_among(people)
    apart = {pair_key(c.record_id, c.other_id) for c in everything[::2]}
    again = find_duplicates_among(people, kept_apart=apart)
    assert {pair_key(c.record_id, c.other_id) for c in again} == (
        {pair_key(c.record_id, c.other_id) for c in everything} - apart
    )


def test_a_slip_at_the_start_of_a_word_is_still_a_near_match() -> None:
    # Sorting the words alone would put "Jnes" before "John" and miss this pair.
    new = [key("n1", "John Jnes", "1986-03-02", "OX21 4BC")]
    known = [key("c9", "John Jones", "1986-03-02", "OX21 4BC")]
    assert [c.other_id for c in find_possible_duplicates(new, known)] == ["c9"]
