"""Password and device-credential hashing.

Passwords are low-entropy, so they get Argon2id (argon2-cffi's ``PasswordHasher``, which
stores salt and cost parameters in the hash string, so costs can be raised later and old
hashes still verify). Device credentials are 256-bit random tokens: a plain SHA-256 is
enough to make a stolen database useless for logging in, and it lets the server find the
device by an indexed column on every request without a slow hash per call.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.server.settings import PasswordCost


def password_hasher(cost: PasswordCost) -> PasswordHasher:
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_device_credential() -> str:
    return secrets.token_urlsafe(32)


def credential_hash(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8")).hexdigest()
