"""Shared fixtures for the vault tests.

The vault itself is the suite's one fixture (tests/conftest.py, cheap Argon2id cost from
tests/vaults.py); here it acts as "amy" on a clock the test moves by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.vault import Vault
from tests.vaults import CHEAP_KDF, PASSPHRASE

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD_SCRIPT = Path(__file__).with_name("child_process.py")
FAST_KDF = CHEAP_KDF  # the one cheap cost, under the name these tests know it by
__all__ = ["FAST_KDF", "PASSPHRASE"]


class FakeClock:
    """A clock the test moves by hand (throttling, audit timestamps)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vault_actor() -> str:
    return "amy"


@pytest.fixture
def vault_options(clock: FakeClock) -> dict[str, object]:
    return {"clock": clock}


def carer(i: int, **extra: object) -> dict[str, object]:
    """A carer-like payload of about 1 KB."""
    return {
        "name": f"Carer Number {i}",
        "notes": f"Visited on day {i}. " + "Talked about respite and the garden. " * 25,
        "hours_per_week": i % 70,
        **extra,
    }


def run_child(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start tests/storage/child_process.py; it prints one line per committed step."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
    env.update(env_extra or {})
    return subprocess.Popen(
        [sys.executable, str(CHILD_SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(REPO_ROOT),
        env=env,
    )


VaultBuilder = Callable[..., Path]


@pytest.fixture
def build_vault_at_schema(tmp_path: Path) -> VaultBuilder:
    """Fixture builder for upgrade tests: a vault file at an older schema, holding records.

    ``stop_before`` names the first migration NOT to apply. For a future schema whose
    tables differ, extend this builder (or commit a golden file written by that release)
    rather than changing existing upgrade tests.
    """

    def build(
        stop_before: str | list[str], records: dict[str, dict[str, object]], name: str = "old.db"
    ) -> Path:
        path = tmp_path / "old" / name
        v = Vault.create(path, PASSPHRASE, actor="builder", kdf=FAST_KDF, _stop_before=stop_before)
        try:
            for rid, payload in records.items():
                v.put("carer", rid, payload)
        finally:
            v.close()
        return path

    return build
