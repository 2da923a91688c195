"""Keys derived from a data key, and the HMAC-SHA256 that makes the clear bookkeeping
authentic.

The data key seals what a person wrote (AES-GCM, :mod:`storage.sealing`). What syncing
needs in clear — versions, sync states, outbox rows, header fields, the audit chain — is
authenticated with HMAC-SHA256 under keys derived from the same data key by HKDF-SHA256,
one per purpose, so a key for one job never serves another and rotating the data key
rotates them all. Without the passphrase nobody can compute these MACs, so an edit of the
file made outside Carer Desk is found (see docs/security.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.sealing import associated_data

MAC_BYTES = 32
KEY_CHECK_BYTES = 16

# HKDF "info" labels: one per purpose (never reuse one for another job).
ROW_PURPOSE = b"carer-desk/bookkeeping-mac/1"
AUDIT_PURPOSE = b"carer-desk/audit-chain/1"
KEY_CHECK_PURPOSE = b"carer-desk/key-check/1"


def derive(data_key: bytes | bytearray, purpose: bytes, length: int = 32) -> bytearray:
    """A key for ``purpose`` derived from ``data_key`` (HKDF-SHA256, no salt: the data key
    is already uniformly random). Returned as a bytearray so the keyring can wipe it."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose)
    return bytearray(hkdf.derive(data_key))


def key_check_value(data_key: bytes | bytearray, vault_id: str, generation: int) -> bytes:
    """A value that shows whether a key is this vault's data key of ``generation`` without
    revealing anything about it (HKDF output is a pseudorandom function of the key).
    Recovery compares it before re-wrapping a key it unwrapped with the organisation's
    private key: a swapped recovery blob would otherwise "recover" a key that opens
    nothing."""
    info = KEY_CHECK_PURPOSE + b"|" + associated_data(vault_id, generation)
    return bytes(derive(data_key, info, KEY_CHECK_BYTES))


class Mac:
    """HMAC-SHA256 under one key. The key is scheduled once; each message is MACed on a
    copy of that keyed state (a third of the cost of keying per message, which matters
    when 20,000 rows are written in one import)."""

    __slots__ = ("_template",)

    def __init__(self, key: bytes | bytearray) -> None:
        self._template = hmac.HMAC(key, hashes.SHA256())

    def __call__(self, message: bytes) -> bytes:
        h = self._template.copy()
        h.update(message)
        return h.finalize()

    def many(self, messages: Iterable[bytes]) -> list[bytes]:
        """The MAC of each message: the loop of a bulk write, kept tight."""
        copy = self._template.copy
        out = []
        append = out.append
        for message in messages:
            h = copy()
            h.update(message)
            append(h.finalize())
        return out

    def matches(self, message: bytes, tag: bytes | None) -> bool:
        """Constant-time comparison of ``tag`` with the MAC of ``message``."""
        if tag is None or len(tag) != MAC_BYTES:
            return False
        h = self._template.copy()
        h.update(message)
        try:
            h.verify(tag)
        except InvalidSignature:
            return False
        return True


def fingerprint(value: bytes) -> str:
    """A short, unkeyed digest of a value, for naming which header field changed (the
    sealed header holds these; the seal is what makes them authentic)."""
    return hashlib.sha256(value).hexdigest()[:32]
