"""Passphrase key derivation: Argon2id with cost parameters stored in the vault header.

The parameters live beside the vault (not in code) so an administrator can raise them later
with ``Vault.raise_kdf_cost`` without re-encrypting any record: only the wrapped data key
changes.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from carer_desk.errors import ValidationError

SALT_BYTES = 16
KEY_BYTES = 32  # AES-256


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters plus the salt they were used with.

    ``memory_kib`` is the memory cost in KiB; 65536 (64 MiB) is the default and the floor a
    production vault should use. Lower values are accepted only so tests can run fast.
    """

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4
    salt: bytes = b""

    @classmethod
    def default(cls) -> KdfParams:
        return cls()

    def validate(self) -> None:
        problems: list[tuple[str, str]] = []
        if self.lanes < 1 or self.lanes > 64:
            problems.append(("kdf.lanes", "must be between 1 and 64"))
        if self.iterations < 1:
            problems.append(("kdf.iterations", "must be at least 1"))
        if self.memory_kib < 8 * max(self.lanes, 1):
            problems.append(("kdf.memory_kib", "must be at least 8 KiB per lane"))
        if problems:
            raise ValidationError(problems)

    def with_fresh_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.lanes, os.urandom(SALT_BYTES))

    def is_weaker_than(self, other: KdfParams) -> bool:
        return (
            self.memory_kib < other.memory_kib
            or self.iterations < other.iterations
            or self.lanes < other.lanes
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": "argon2id",
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
            "salt": base64.b64encode(self.salt).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        return cls(
            memory_kib=int(data["memory_kib"]),
            iterations=int(data["iterations"]),
            lanes=int(data["lanes"]),
            salt=base64.b64decode(data["salt"]),
        )


def derive_key(passphrase: str, params: KdfParams) -> bytearray:
    """Derive the key-encryption key. Returned as a bytearray so the caller can wipe it.

    (The ``bytes`` object the library returns cannot be overwritten; it is dropped at once
    and left to the garbage collector — see docs/security.md on Python's limits.)
    """
    if not params.salt:
        raise ValueError("KdfParams.salt is empty: call with_fresh_salt() first")
    kdf = Argon2id(
        salt=params.salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return bytearray(kdf.derive(passphrase.encode("utf-8")))
