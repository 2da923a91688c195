"""Test configuration shared by the whole suite.

Qt runs offscreen so the suite passes with no display and no GPU; this is set here, by the
test configuration, before pytest-qt creates the QApplication.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep Qt from probing accessibility buses or GPU drivers on headless CI machines.
os.environ.setdefault("QT_ACCESSIBILITY", "0")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from storage.vault import Vault
from tests.vaults import make_vault

# Timing belongs in bench/, never in unit tests: on a loaded shared machine one slow
# example tripped Hypothesis's default 200 ms deadline and failed a test whose property held.
hypothesis_settings.register_profile(
    "carer-desk", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("carer-desk")

# --- the one vault fixture ---------------------------------------------------------------
# Packages adjust it by overriding the small fixtures it is made from (the storage tests
# act as "amy" on a clock they move by hand), never by making vaults their own way.


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vault.db"


@pytest.fixture
def vault_actor() -> str:
    return "tester"


@pytest.fixture
def vault_options() -> dict[str, object]:
    return {}


@pytest.fixture
def vault(vault_path: Path, vault_actor: str, vault_options: dict[str, object]) -> Iterator[Vault]:
    """A new, unlocked vault with a cheap passphrase cost, closed after the test."""
    v = make_vault(vault_path, actor=vault_actor, **vault_options)
    yield v
    v.close()
