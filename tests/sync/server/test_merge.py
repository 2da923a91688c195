"""Field-level three-way merge: the rules, and properties over random edits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.protocol import NEVER_AUTO_MERGE
from sync.server.merge import apply_choices, three_way_merge

MONEY = NEVER_AUTO_MERGE["payment_request"]


def test_fields_changed_on_one_side_each_merge() -> None:
    base = {"phone": "1", "town": "Banbury", "notes": "x"}
    server = {**base, "town": "Bicester"}
    client = {**base, "phone": "2"}
    result = three_way_merge(base, server, client)
    assert result.conflicts == ()
    assert result.merged == {"phone": "2", "town": "Bicester", "notes": "x"}
    assert result.changed_fields == ("phone",)


def test_the_same_change_on_both_sides_is_not_a_conflict() -> None:
    base = {"town": "Banbury"}
    result = three_way_merge(base, {"town": "Witney"}, {"town": "Witney"})
    assert result.conflicts == () and result.merged == {"town": "Witney"}


def test_a_field_both_sides_changed_differently_is_a_conflict_holding_both_values() -> None:
    base = {"town": "Banbury", "phone": "1"}
    result = three_way_merge(base, {**base, "town": "Witney"}, {"town": "Thame", "phone": "2"})
    assert [(c.field, c.base, c.server, c.client) for c in result.conflicts] == [
        ("town", "Banbury", "Witney", "Thame")
    ]
    assert result.merged == {"town": "Witney", "phone": "2"}  # server keeps its value


def test_added_and_removed_fields_merge_like_any_other() -> None:
    base = {"a": 1, "b": 2}
    result = three_way_merge(base, {"a": 1, "b": 2, "c": 3}, {"a": 1})
    assert result.merged == {"a": 1, "c": 3} and result.conflicts == ()


def test_money_changed_on_a_stale_base_is_always_a_conflict() -> None:
    base = {"amount_pence": 10000, "wellbeing_outcome": "rest", "purpose": "short_break"}
    server = {**base, "wellbeing_outcome": "a proper rest"}
    client = {**base, "amount_pence": 25000}
    result = three_way_merge(base, server, client, protected=MONEY)
    assert [c.field for c in result.conflicts] == ["amount_pence"]
    assert result.merged["amount_pence"] == 10000
    assert result.merged["wellbeing_outcome"] == "a proper rest"


def test_approval_fields_are_protected_too() -> None:
    base = {"status": "submitted", "decided_by": None}
    server = {**base, "note": "x"}
    client = {"status": "cancelled", "decided_by": None}
    result = three_way_merge(base, server, client, protected=MONEY)
    assert [c.field for c in result.conflicts] == ["status"]


def test_money_on_an_up_to_date_base_is_just_an_edit() -> None:
    base = {"amount_pence": 10000}
    result = three_way_merge(base, dict(base), {"amount_pence": 20000}, protected=MONEY)
    assert result.conflicts == () and result.merged == {"amount_pence": 20000}


def test_a_create_that_meets_an_existing_record_conflicts_on_every_difference() -> None:
    result = three_way_merge(None, {"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert [c.field for c in result.conflicts] == ["b"]


def test_choices_apply_the_client_values_picked() -> None:
    base = {"town": "Banbury", "phone": "1"}
    result = three_way_merge(
        base, {"town": "Witney", "phone": "9"}, {"town": "Thame", "phone": "2"}
    )
    chosen = apply_choices(result.merged, result.conflicts, {"town"})
    assert chosen == {"town": "Thame", "phone": "9"}


values = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "b"]))
keys = st.sampled_from(["amount_pence", "status", "town", "phone", "notes"])
docs = st.dictionaries(keys, values, max_size=5)


@given(base=docs, server=docs, client=docs, protect=st.booleans())
def test_no_edit_is_lost_without_a_conflict_holding_it(
    base: dict, server: dict, client: dict, protect: bool
) -> None:
    protected = MONEY if protect else frozenset()
    result = three_way_merge(base, server, client, protected=protected)
    conflicted = {c.field: c for c in result.conflicts}
    missing = object()
    for key in set(base) | set(server) | set(client):
        b, s, c = (d.get(key, missing) for d in (base, server, client))
        m = result.merged.get(key, missing)
        if key in conflicted:
            # Both values are kept: the server's in the record, the client's in the conflict.
            assert m == s
            assert conflicted[key].client == (None if c is missing else c)
            continue
        if c != b:
            assert m == c, "a client change vanished without a conflict"
        if s != b:
            assert m == s, "a server change was overwritten without a conflict"


@given(base=docs, client=docs, protect=st.booleans())
def test_an_edit_of_the_current_version_is_taken_whole(
    base: dict, client: dict, protect: bool
) -> None:
    result = three_way_merge(base, dict(base), client, protected=MONEY if protect else frozenset())
    assert result.conflicts == () and result.merged == client
