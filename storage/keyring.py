"""The unlocked keys held in memory, and how they are dropped.

Python cannot guarantee a secret is erased: ``bytes`` are immutable, the garbage collector
may have copied objects, and OpenSSL keeps its own expanded key schedule inside each AESGCM
context. What we *can* do, we do: raw keys are kept only in ``bytearray`` objects which
``wipe()`` overwrites with zeros, and every reference to the AESGCM contexts is dropped so
OpenSSL frees (and clears) them. docs/security.md states this limit plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.macs import AUDIT_PURPOSE, ROW_PURPOSE, Mac, derive


def zero(buffer: bytearray | None) -> None:
    if buffer is not None:
        for i in range(len(buffer)):
            buffer[i] = 0


@dataclass
class Keyring:
    """Data keys by generation, plus the passphrase-derived key-encryption key (KEK), and
    the MAC keys each data key derives (:mod:`storage.macs`): one for the clear bookkeeping
    of records and outbox rows, one for the audit chain.

    The KEK is kept while unlocked so ``rotate_data_key`` can wrap a new data key without
    asking for the passphrase again; it unlocks nothing the data keys do not already.
    """

    kek: bytearray
    raw: dict[int, bytearray] = field(default_factory=dict)
    aead: dict[int, AESGCM] = field(default_factory=dict)
    rows: dict[int, Mac] = field(default_factory=dict)
    chain: dict[int, Mac] = field(default_factory=dict)

    def add(self, generation: int, key: bytearray) -> None:
        self.raw[generation] = key
        self.aead[generation] = AESGCM(key)  # takes the bytearray itself: no immutable copy
        for macs, purpose in ((self.rows, ROW_PURPOSE), (self.chain, AUDIT_PURPOSE)):
            derived = derive(key, purpose)
            macs[generation] = Mac(derived)  # OpenSSL keeps its own copy of the key
            zero(derived)

    def discard(self, generation: int) -> None:
        zero(self.raw.pop(generation, None))
        self.aead.pop(generation, None)
        self.rows.pop(generation, None)
        self.chain.pop(generation, None)

    def replace_kek(self, kek: bytearray) -> None:
        zero(self.kek)
        self.kek = kek

    def wipe(self) -> None:
        for generation in list(self.raw):
            self.discard(generation)
        zero(self.kek)
        self.aead.clear()
        self.rows.clear()
        self.chain.clear()
