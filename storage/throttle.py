"""How long an unlock must wait after repeated wrong passphrases.

The count and the time of the last failure are kept in the vault header, so restarting
the app does not reset them. This only slows someone using the app; an attacker with a
copy of the file bypasses it, which is why the Argon2id cost is the real defence.
"""

from __future__ import annotations

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300.0


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
