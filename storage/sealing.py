"""AES-256-GCM sealing of payloads, with associated data that pins each ciphertext to its row.

A sealed blob is ``nonce (12 bytes) || ciphertext+tag``. The associated data is a
length-prefixed list naming what the blob belongs to: moving a blob to another row, version
or key generation makes it fail to open.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from carer_desk.records.summaries import SUMMARY_FORMAT

try:
    import orjson
except ImportError:  # optional: the standard library gives the same bytes, more slowly
    orjson = None  # type: ignore[assignment]

NONCE_BYTES = 12
# The summaries' format (carer_desk.records.summaries.SUMMARY_FORMAT) as bound into
# their associated data: a summary of another format does not open, and is built again.
SUMMARY_LABEL = f"f{SUMMARY_FORMAT}"
_SUMMARY_PART = f"{len(SUMMARY_LABEL)}:{SUMMARY_LABEL}"


class SealBroken(Exception):
    """Internal: a blob failed authentication. Callers turn it into a user-facing error."""


def associated_data(*parts: str | int | None) -> bytes:
    # Netstring-style length prefixes keep the encoding unambiguous whatever characters an
    # id holds ("a|b" + "c" never equals "a" + "b|c"), and it is several times faster than
    # JSON, which matters when 10,000 records are sealed in one batch.
    out = []
    for part in parts:
        if part is None:
            out.append("~")  # cannot collide: every other part starts with a digit
        else:
            text = str(part)
            out.append(f"{len(text)}:{text}")
    return "|".join(out).encode("utf-8")


def record_ad(record_id: str, kind: str, version: int, generation: int) -> bytes:
    # Inlined form of associated_data("record", ...): this runs once per record in bulk
    # writes and rotation. tests/storage/test_sealing.py checks the two agree.
    v, g = str(version), str(generation)
    return (
        f"6:record|{len(record_id)}:{record_id}|{len(kind)}:{kind}|{len(v)}:{v}|{len(g)}:{g}"
    ).encode()


def summary_ad(
    record_id: str, kind: str, version: int, generation: int, sealed_tag: bytes
) -> bytes:
    """A record's sealed summary (carer_desk.records.summaries): bound like its payload to
    the row, version and generation, to the summaries' format, and to the payload blob it
    was made from (its 16-byte AES-GCM tag, appended as it is), so a summary opens beside
    that one blob only. Inlined, as :func:`record_ad`: a list of 20,000 carers runs it
    once per row. tests/storage/test_sealing.py checks it against the general encoding."""
    v, g = str(version), str(generation)
    return (
        f"7:summary|{len(record_id)}:{record_id}|{len(kind)}:{kind}|{len(v)}:{v}|"
        f"{len(g)}:{g}|{_SUMMARY_PART}|16:"
    ).encode() + sealed_tag


def outbox_ad(change_id: str, record_id: str, kind: str, generation: int) -> bytes:
    return associated_data("outbox", change_id, record_id, kind, generation)


def reason_ad(change_id: str, generation: int) -> bytes:
    return associated_data("reject-reason", change_id, generation)


def conflict_ad(record_id: str, generation: int) -> bytes:
    return associated_data("conflict", record_id, generation)


def audit_ad(seq: int, generation: int) -> bytes:
    return associated_data("audit", seq, generation)


def secret_ad(name: str, generation: int) -> bytes:
    return associated_data("secret", name, generation)


def wrap_ad(vault_id: str, generation: int) -> bytes:
    # "sealed-bookkeeping" marks a vault whose bookkeeping is authenticated: a data key
    # wrapped this way can only come from this version or later, so a vault cannot be
    # made to look like an older, unsealed one (and have its edits sealed at the next
    # unlock) without the passphrase.
    return associated_data("data-key", vault_id, generation, "sealed-bookkeeping")


def legacy_wrap_ad(vault_id: str, generation: int) -> bytes:
    """How data keys were wrapped before the bookkeeping was authenticated (m003)."""
    return associated_data("data-key", vault_id, generation)


def header_seal_ad(vault_id: str, generation: int) -> bytes:
    return associated_data("header-seal", vault_id, generation)


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON.

    orjson, when installed, is used for speed (serialising is the largest single cost of a
    bulk import); for JSON payloads its output is byte-identical to the standard library's.
    What it refuses (an integer wider than 64 bits) is encoded by the standard library
    with ONE leading space — still valid JSON — which tells decode_json to use the standard
    library too, because orjson would silently read such an integer back as a float.
    """
    if orjson is not None:
        # Without options first: OPT_NON_STR_KEYS makes orjson a fifth slower, and payloads
        # written by the core have text keys only. Both give the same bytes for those.
        for option in (0, orjson.OPT_NON_STR_KEYS):
            try:
                return orjson.dumps(value, option=option)
            except TypeError:  # orjson.JSONEncodeError is a TypeError
                continue
    return b" " + json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


SUMMARY_PADDING = 64


def encode_summary(summary: Any) -> bytes:
    """A record summary as sealed: compact JSON (:func:`encode_json`) padded with spaces
    to a multiple of :data:`SUMMARY_PADDING` bytes, so the blob's size tells little about
    how long a name, postcode or phone number is (JSON ignores trailing spaces)."""
    raw = encode_json(summary)
    return raw + b" " * (-len(raw) % SUMMARY_PADDING)


def decode_json(raw: bytes) -> Any:
    if orjson is not None and not raw.startswith(b" "):
        return orjson.loads(raw)
    return json.loads(raw)


def seal(aead: AESGCM, plaintext: bytes | bytearray, ad: bytes) -> bytes:
    # A fresh random 96-bit nonce per write; with far fewer than 2^32 writes per key the
    # collision risk is negligible, and rotate_data_key resets the count.
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, ad)


def seal_many(
    aead: AESGCM, plaintexts: Sequence[bytes | bytearray], ads: Sequence[bytes]
) -> list[bytes]:
    """``seal`` of each plaintext with its associated data, in one pass: every blob still
    gets its own random nonce, all drawn from the OS in one call (one call per record was
    a visible share of a 20,000-record import)."""
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))
    encrypt = aead.encrypt
    out = []
    for i, (plaintext, ad) in enumerate(zip(plaintexts, ads, strict=True)):
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        out.append(nonce + encrypt(nonce, plaintext, ad))
    return out


def unseal(aead: AESGCM, blob: bytes, ad: bytes) -> bytes:
    if blob is None or len(blob) < NONCE_BYTES + 16:
        raise SealBroken("blob too short")
    try:
        return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], ad)
    except InvalidTag as exc:
        raise SealBroken("authentication failed") from exc


def seal_json(aead: AESGCM, value: Any, ad: bytes) -> bytes:
    return seal(aead, encode_json(value), ad)


def unseal_json(aead: AESGCM, blob: bytes, ad: bytes) -> Any:
    raw = unseal(aead, blob, ad)
    try:
        return decode_json(raw)
    except ValueError as exc:  # authenticated but not JSON: written by something else
        raise SealBroken("not JSON") from exc
