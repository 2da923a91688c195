"""Sealing: associated data is unambiguous, tampering fails, JSON round-trips exactly."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from storage import sealing
from storage.sealing import (
    SUMMARY_LABEL,
    SealBroken,
    associated_data,
    record_ad,
    seal,
    summary_ad,
    unseal,
)

parts = st.one_of(st.none(), st.integers(-5, 10**6), st.text(max_size=12))
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.lists(parts, max_size=5), st.lists(parts, max_size=5))
def test_different_owners_never_share_associated_data(a: list, b: list) -> None:
    # Compare as the encoder sees them (1 and "1" are the same text on purpose: each
    # position has one fixed type in practice).
    def norm(xs: list) -> list:
        return [None if x is None else str(x) for x in xs]

    if norm(a) != norm(b):
        assert associated_data(*a) != associated_data(*b)


@given(st.text(min_size=1), st.text(min_size=1), st.integers(1, 10**6), st.integers(1, 99))
def test_the_inlined_record_ad_matches_the_general_encoding(rid, kind, version, gen) -> None:
    assert record_ad(rid, kind, version, gen) == associated_data("record", rid, kind, version, gen)


@given(
    st.text(min_size=1),
    st.text(min_size=1),
    st.integers(1, 10**6),
    st.integers(1, 99),
    st.binary(min_size=16, max_size=16),
)
def test_the_inlined_summary_ad_matches_the_general_encoding(rid, kind, version, gen, tag) -> None:
    assert (
        summary_ad(rid, kind, version, gen, tag)
        == associated_data("summary", rid, kind, version, gen, SUMMARY_LABEL) + b"|16:" + tag
    )


def test_a_blob_opens_only_with_its_own_key_and_associated_data() -> None:
    aead = AESGCM(os.urandom(32))
    blob = seal(aead, b"secret", record_ad("c1", "carer", 1, 1))
    assert unseal(aead, blob, record_ad("c1", "carer", 1, 1)) == b"secret"
    for wrong in (
        record_ad("c2", "carer", 1, 1),
        record_ad("c1", "carer", 2, 1),
        record_ad("c1", "plan", 1, 1),
        record_ad("c1", "carer", 1, 2),
    ):
        with pytest.raises(SealBroken):
            unseal(aead, blob, wrong)
    with pytest.raises(SealBroken):
        unseal(AESGCM(os.urandom(32)), blob, record_ad("c1", "carer", 1, 1))
    with pytest.raises(SealBroken):
        unseal(aead, blob[:10], record_ad("c1", "carer", 1, 1))


def test_every_write_uses_a_fresh_nonce() -> None:
    aead = AESGCM(os.urandom(32))
    blobs = {seal(aead, b"same", b"ad") for _ in range(100)}
    assert len(blobs) == 100


@given(JSON)
def test_json_round_trips_and_matches_the_standard_library(value: object) -> None:
    encoded = sealing.encode_json(value)
    assert sealing.decode_json(encoded) == json.loads(
        json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    )


@pytest.mark.parametrize("big", [2**64, -(2**63) - 1, 10**30])
def test_integers_wider_than_64_bits_come_back_exact(big: int) -> None:
    value = {"amount_pence": big, "nested": [big]}
    assert sealing.decode_json(sealing.encode_json(value)) == value
    assert isinstance(sealing.decode_json(sealing.encode_json(value))["amount_pence"], int)


def test_without_orjson_the_standard_library_gives_the_same_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    value = {"name": "Zoë", "pence": 30000, "list": [1.5, None, True]}
    fast = sealing.encode_json(value)
    monkeypatch.setattr(sealing, "orjson", None)
    slow = sealing.encode_json(value)
    assert sealing.decode_json(slow) == value
    assert sealing.decode_json(fast) == value  # written with orjson, read without it
