"""The JSON the server seals and fingerprints: the same bytes as before orjson, so change
ids in the ledger keep matching their resends across the upgrade."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sync.protocol import Change
from sync.server import canonical_json
from sync.server.push import _identity, _same_change, fingerprint

# JSON values as payloads hold them (floats aside: their spelling may differ, see below).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_the_standard_librarys_compact_sorted_form(value: object) -> None:
    assert canonical_json.dumps(value) == canonical_json.stdlib_dumps(value)
    assert canonical_json.loads(canonical_json.dumps(value)) == value


@given(json_values, st.sampled_from([None, 1, "\t"]), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_any_spelling_of_json_reads_as_the_standard_library_reads_it(
    value: object, indent: object, separators: tuple[str, str]
) -> None:
    # Integers beyond 64 bits after whitespace, a minus sign, at the top level, in lists.
    text = json.dumps(value, indent=indent, separators=separators)  # type: ignore[arg-type]
    assert canonical_json.loads(text) == json.loads(text)
    assert canonical_json.loads(text.encode()) == value


def test_long_digit_runs_inside_strings_take_the_fast_path(monkeypatch) -> None:
    # A hex id holds a run of 19 digits about once in 500; a batch holds thousands of ids.
    ids = ["4844980524757478648a", "ref:1234567890123456789", "x-1234567890123456789"]
    text = json.dumps({"ids": ids[:1], "n": 10**17, "m": -(10**17)}).encode()

    def refuse(_raw: object) -> None:
        raise AssertionError("read by the standard library")

    monkeypatch.setattr(canonical_json.json, "loads", refuse)
    assert canonical_json.loads(text)["ids"] == ids[:1]
    monkeypatch.undo()
    # Where a run could be a number (or looks like one inside a string), the standard
    # library reads the text: exact either way.
    for wide in (
        "[18446744073709551616]",
        "-9223372036854775809",
        '{"a": [1, \n -1234567890123456789012]}',
    ):
        assert canonical_json.loads(wide) == json.loads(wide)
    assert canonical_json.loads(json.dumps(ids)) == ids


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_read_back_as_the_same_number(value: float) -> None:
    assert canonical_json.loads(canonical_json.dumps({"x": value})) == {"x": value}


def _change(**fields: object) -> Change:
    base = {
        "change_id": "change-0001",
        "kind": "carer",
        "record_id": "r1",
        "op": "upsert",
        "base_version": 3,
        "payload": {"b": [1, 2.5e-7], "a": "é"},
        "priority": 0,
    }
    return Change.model_validate({**base, **fields})


def test_a_fingerprint_covers_every_field_of_a_change_but_its_priority() -> None:
    for change in (_change(), _change(op="delete", payload=None, base_version=None)):
        # If Change gains a field, this fails until _identity includes it.
        assert _identity(change) == change.model_dump(mode="json", exclude={"priority"})
    assert fingerprint(_change(priority=5)) == fingerprint(_change(priority=100))
    assert fingerprint(_change()) != fingerprint(_change(base_version=4))


def test_a_ledger_entry_written_before_orjson_still_matches_its_resend() -> None:
    import hashlib

    change = _change()  # a float spelled 2.5e-07 by the standard library, 2.5e-7 by orjson
    body = change.model_dump(mode="json", exclude={"priority"})
    text = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    old = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert old != fingerprint(change)
    assert _same_change(old, change, fingerprint(change))
    assert not _same_change(old, _change(base_version=4), fingerprint(_change(base_version=4)))


def test_a_number_too_wide_for_64_bits_comes_back_exactly(tmp_path) -> None:
    from sync.protocol import Role
    from tests.sync.server import records as r
    from tests.sync.server.harness import Harness

    harness = Harness(tmp_path / "server")
    try:
        admin = harness.device("admin", Role.ADMIN)
        change = r.change(r.carer())
        change["payload"]["written_by_a_newer_version"] = 2**70 + 1
        assert admin.push(change)[0]["status"] == "applied"
        pulled = admin.pull_all()[("carer", change["record_id"])]
        assert pulled["payload"]["written_by_a_newer_version"] == 2**70 + 1
        bad = admin.client.post(
            "/v1/push",
            content=b"{not json",
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert bad.status_code == 422
    finally:
        harness.close()
