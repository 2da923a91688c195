"""Backoff: transient failures are retried with bounded, jittered waits; refusals are not."""

from __future__ import annotations

import random

import pytest

from sync.client.backoff import Backoff
from sync.client.errors import ServerRefused, ServerUnreachable


def _flaky(failures: int):
    calls = {"n": 0}

    def fn() -> str:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ServerUnreachable("connection refused")
        return "done"

    return fn, calls


def test_retries_until_the_server_answers() -> None:
    waits: list[float] = []
    fn, calls = _flaky(3)
    backoff = Backoff(base=1.0, factor=2.0, cap=5.0, max_attempts=5, rng=random.Random(1))
    assert backoff.call(fn, sleep=waits.append) == "done"
    assert calls["n"] == 4
    # Each wait lies under its exponential ceiling, and the ceiling is capped.
    assert [backoff.ceiling(i) for i in range(4)] == [1.0, 2.0, 4.0, 5.0]
    assert all(0 <= w <= backoff.ceiling(i) for i, w in enumerate(waits))
    assert len(waits) == 3


def test_gives_up_after_max_attempts_and_keeps_the_reason() -> None:
    fn, calls = _flaky(10)
    with pytest.raises(ServerUnreachable, match="changes are kept"):
        Backoff(max_attempts=3).call(fn, sleep=lambda _: None)
    assert calls["n"] == 3


def test_a_refusal_is_not_retried() -> None:
    calls = {"n": 0}

    def fn() -> None:
        calls["n"] += 1
        raise ServerRefused(400, "bad batch")

    with pytest.raises(ServerRefused):
        Backoff(max_attempts=5).call(fn, sleep=lambda _: None)
    assert calls["n"] == 1


def test_stop_request_ends_retrying_early() -> None:
    fn, calls = _flaky(10)
    with pytest.raises(ServerUnreachable):
        Backoff(max_attempts=10).call(fn, sleep=lambda _: None, should_stop=lambda: True)
    assert calls["n"] == 1


def test_jitter_spreads_devices_apart() -> None:
    # Twenty laptops reconnecting together must not all retry at the same instant.
    delays = {round(Backoff(rng=random.Random(seed)).delay(3), 6) for seed in range(20)}
    assert len(delays) == 20
