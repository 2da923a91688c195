"""Merging two records of one carer keeps every record and every value of both."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carer_desk.rules.carer_merge import FieldDifference, merge_carer_payloads, plan_merge

KEEP: dict[str, Any] = {
    "id": "c1",
    "given_name": "Ann",
    "family_name": "Smith",
    "date_of_birth": None,
    "contact": {"phone": "01865 000000", "email": None},
    "carer_types": ["working"],
    "cared_for": [{"id": "p1", "name": "Bob Smith", "relationship": "husband"}],
    "contacts": [],
    "team": "north",
    "created_at": "2026-02-01T10:00:00+00:00",
    "safeguarding_flag": False,
}
ABSORB: dict[str, Any] = {
    "id": "n1",
    "given_name": "Anne",
    "family_name": "Smith",
    "date_of_birth": "1961-03-04",
    "contact": {"phone": "07700 900000", "email": "ann@example.org"},
    "carer_types": ["lone", "working"],
    "cared_for": [
        {"id": "p1", "name": "Bob Smith", "relationship": "husband", "conditions": ["stroke"]},
        {"id": "p8", "name": "Joan Smith", "relationship": "mother"},
    ],
    "contacts": [{"id": "k1", "name": "Sue", "relationship": "neighbour"}],
    "team": "north",
    "created_at": "2026-01-05T09:00:00+00:00",
    "safeguarding_flag": True,
}


def test_merge_keeps_every_record_and_detail_of_both() -> None:
    linked = [
        ("conversation", "v1", {"id": "v1", "carer_id": "n1"}),
        ("conversation", "v2", {"id": "v2", "carer_id": "c1"}),
        ("group", "g1", {"id": "g1", "members": [{"carer_id": "n1"}, {"carer_id": "x"}]}),
    ]
    plan = plan_merge("c1", KEEP, "n1", ABSORB, linked)
    merged = plan.carer_payload
    assert merged["id"] == "c1"
    assert merged["given_name"] == "Ann"  # the survivor's own value wins...
    assert FieldDifference("given_name", "Ann", "Anne") in plan.differences  # ...and is noted
    assert merged["date_of_birth"] == "1961-03-04"  # a gap filled from the other record
    assert merged["contact"] == {"phone": "01865 000000", "email": "ann@example.org"}
    assert FieldDifference("contact.phone", "01865 000000", "07700 900000") in plan.differences
    assert merged["carer_types"] == ["working", "lone"]
    # The same cared-for person (same id) is merged; a new one is added.
    assert merged["cared_for"] == [
        {"id": "p1", "name": "Bob Smith", "relationship": "husband", "conditions": ["stroke"]},
        {"id": "p8", "name": "Joan Smith", "relationship": "mother"},
    ]
    assert [c["name"] for c in merged["contacts"]] == ["Sue"]
    assert merged["created_at"] == "2026-01-05T09:00:00+00:00"
    assert merged["safeguarding_flag"] is True
    moved = {rid: p for _, rid, p in plan.moved}
    assert set(moved) == {"v1", "g1"}
    assert moved["v1"]["carer_id"] == "c1"
    assert moved["g1"]["members"] == [{"carer_id": "c1"}, {"carer_id": "x"}]


def test_people_with_different_ids_are_both_kept_even_with_the_same_name() -> None:
    # A plan may point at either id: matching by name would unlink it.
    keep = {**KEEP, "cared_for": [{"id": "p1", "name": "Bob Smith", "relationship": "husband"}]}
    absorb = {**ABSORB, "cared_for": [{"id": "p9", "name": "bob smith", "relationship": "Husband"}]}
    merged, _ = merge_carer_payloads(keep, absorb)
    assert [p["id"] for p in merged["cared_for"]] == ["p1", "p9"]


def test_a_carer_cannot_be_merged_with_itself() -> None:
    with pytest.raises(ValueError):
        plan_merge("c1", KEEP, "c1", KEEP, [])


_scalars = st.none() | st.text(max_size=4) | st.integers(0, 3) | st.booleans()
_payloads = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    _scalars | st.dictionaries(st.sampled_from(["x", "y"]), _scalars, max_size=2),
    max_size=4,
)


def _leaves(payload: Any, path: str = "") -> dict[str, Any]:
    if isinstance(payload, dict):
        out: dict[str, Any] = {}
        for k, v in payload.items():
            out.update(_leaves(v, f"{path}.{k}" if path else k))
        return out
    return {path: payload}


@given(_payloads, _payloads)
def test_no_value_of_either_record_is_lost(keep: dict[str, Any], absorb: dict[str, Any]) -> None:
    merged, diffs = merge_carer_payloads(keep, absorb)
    kept = _leaves(merged)
    noted = {d.path: d.absorbed for d in diffs}
    for path, value in _leaves(keep).items():
        if value not in (None, "", {}):
            assert kept[path] == value  # the kept record's values always survive
    for path, value in _leaves(absorb).items():
        if value in (None, "", {}):
            continue
        # Either the merged record holds it, or the decision's note will; a whole section
        # the kept record had as a plain value is noted under the section's name.
        head = path.split(".")[0]
        assert kept.get(path) == value or noted.get(path) == value or head in noted
