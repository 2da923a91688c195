"""Shared fixtures for the vault tests.

The vault itself is the suite's one fixture (tests/conftest.py, cheap Argon2id cost from
tests/vaults.py); here it acts as "amy" on a clock the test moves by hand.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.vault import Vault
from tests.vaults import CHEAP_KDF, PASSPHRASE

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD_SCRIPT = Path(__file__).with_name("child_process.py")
GOLDEN = Path(__file__).with_name("golden")
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


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """Edit the file behind the vault's back, as an attacker with the laptop could."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def reopen(path: Path, actor: str = "amy") -> Vault:
    """The vault at ``path`` opened and unlocked again, as after a restart."""
    v = Vault.open(path, actor=actor)
    v.unlock(PASSPHRASE)
    return v


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

# The golden vault written by each released schema's own code (make_golden.py), by the
# first migration it had NOT applied. Each holds c0..c24 = carer(i), PASSPHRASE.
GOLDEN_BY_STOP = {
    "m002_outbox_drain_index": "vault-m001.sqlite",
    "m003_authenticated_bookkeeping": "vault-m002.sqlite",
}
GOLDEN_RECORDS = {f"c{i}": carer(i) for i in range(25)}


def _listed_records() -> list[tuple[str, str, dict[str, object]]]:
    out: list[tuple[str, str, dict[str, object]]] = []
    for i in range(12):
        out.append(
            (
                "carer",
                f"c{i}",
                {
                    "given_name": f"Given{i}",
                    "family_name": f"Family{i}",
                    "date_of_birth": "1950-01-02",
                    "team": "north",
                    "address": {"line1": f"{i} Long Street", "postcode": "OX1 1AA"},
                    "contact": {"phone": f"01865 00000{i % 10}"},
                    "notes": "Talked about respite. " * 20,
                },
            )
        )
        out.append(
            (
                "conversation",
                f"v{i}",
                {"carer_id": f"c{i}", "completed_on": "2026-01-05", "review_date": "2027-01-05"},
            )
        )
    return out


# What vault-m003-listed.sqlite holds (make_golden.py ``listed``), c11 and v11 deleted.
LISTED_RECORDS = _listed_records()


def copy_golden(name: str, path: Path) -> Path:
    """A private copy of a golden vault at ``path`` (its folder created 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(GOLDEN / name, path)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def build_vault_at_schema(tmp_path: Path) -> VaultBuilder:
    """Fixture builder for upgrade tests: a vault file at an older schema, holding records.

    ``stop_before`` names the first migration NOT to apply. The file is the golden vault
    that schema's release wrote (its code no longer exists in this one), so the records
    asked for must be the ones it holds.
    """

    def build(
        stop_before: str | list[str], records: dict[str, dict[str, object]], name: str = "old.db"
    ) -> Path:
        assert isinstance(stop_before, str) and stop_before in GOLDEN_BY_STOP, stop_before
        assert records == GOLDEN_RECORDS, "the golden vaults hold c0..c24 = carer(i)"
        return copy_golden(GOLDEN_BY_STOP[stop_before], tmp_path / "old" / name)

    return build
