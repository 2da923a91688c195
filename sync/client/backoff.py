"""Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
Jitter"): each wait is uniform in [0, min(cap, base * factor**attempt)]. Full jitter keeps
twenty laptops that all lost the same village mast from hammering the server in step when
it returns."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sync.client.errors import ServerUnreachable

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5  # seconds before the first retry (upper bound of its jitter)
    factor: float = 2.0
    cap: float = 60.0
    max_attempts: int = 5  # total tries including the first; 1 means no retry
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the wait after failed try number ``attempt`` (0-based)."""
        return min(self.cap, self.base * self.factor**attempt)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0.0, self.ceiling(attempt))

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> T:
        """Run ``fn``; on :class:`ServerUnreachable` wait and try again, up to
        ``max_attempts`` tries. Any other error propagates at once: a 4xx or a revoked
        device will not get better by asking again."""
        attempt = 0
        while True:
            try:
                return fn()
            except ServerUnreachable as exc:
                attempt += 1
                if attempt >= self.max_attempts or should_stop():
                    raise
                wait = self.delay(attempt - 1)
                log.info("server unreachable (%s); retry %d in %.2fs", exc.detail, attempt, wait)
                sleep(wait)


NO_RETRY = Backoff(max_attempts=1)
