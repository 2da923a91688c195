"""How long an unlock must wait after repeated wrong passphrases, and the one-way chain
that shows at the next unlock whether the count was lowered behind the vault's back.

The count and the time of the last failure are kept in the vault header, so restarting
the app does not reset them. This only slows someone using the app; an attacker with a
copy of the file bypasses it, which is why the Argon2id cost is the real defence
(docs/security.md, "Wrong passphrases").

The count cannot be MACed: it changes while the vault is locked, when no key is at hand.
Instead each successful unlock seals a fresh random *seed* in the header seal and leaves
``H(seed)`` in clear; each wrong passphrase replaces the clear value ``v`` by ``H(v)``.
After ``n`` failures the clear value is ``H^(n+1)(seed)``. SHA-256 cannot be run
backwards, so nobody can produce the value for a smaller count from the current one; the
next successful unlock recomputes it from the sealed seed and sees any difference. (A
copy of the header saved before the guesses can still be put back: that is a rollback,
which no file can detect on its own.)
"""

from __future__ import annotations

import hashlib
import os

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300.0
MAX_COUNTED = 10_000  # the delay is at its maximum long before; stops the chain growing
SEED_BYTES = 32


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive wrong passphrases.

    The first three tries are free; then 1, 2, 4, 8 ... seconds, capped at five minutes.
    """
    if failures < FREE_ATTEMPTS:
        return 0.0
    exponent = failures - FREE_ATTEMPTS
    if exponent >= 9:  # 2**9 = 512 > cap; avoids huge ints for absurd counts
        return MAX_DELAY_SECONDS
    return min(float(2**exponent), MAX_DELAY_SECONDS)


def retry_after(failures: int, last_failure_at: float | None, now: float) -> float:
    """Seconds still to wait now (0 when an attempt is allowed)."""
    if last_failure_at is None:
        return 0.0
    # A clock that went backwards (laptop clock reset) must not unlock the throttle early
    # nor lock it forever: measure from the failure, clamped to the full delay.
    elapsed = max(0.0, now - last_failure_at)
    return max(0.0, delay_after(failures) - elapsed)


def new_seed() -> bytes:
    return os.urandom(SEED_BYTES)


def ratchet_start(seed: bytes) -> bytes:
    """The clear value right after a successful unlock (no failures yet)."""
    return hashlib.sha256(seed).digest()


def ratchet_step(value: bytes) -> bytes:
    """The clear value after one more wrong passphrase."""
    return hashlib.sha256(value).digest()


def ratchet_matches(seed: bytes, failures: int, value: bytes) -> bool:
    """Whether ``value`` is what ``failures`` wrong passphrases since ``seed`` give."""
    expected = ratchet_start(seed)
    for _ in range(min(failures, MAX_COUNTED)):
        expected = ratchet_step(expected)
    return expected == value
