"""Test configuration shared by the whole suite.

Qt runs offscreen so the suite passes with no display and no GPU; this is set here, by the
test configuration, before pytest-qt creates the QApplication.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep Qt from probing accessibility buses or GPU drivers on headless CI machines.
os.environ.setdefault("QT_ACCESSIBILITY", "0")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from storage.vault import Vault
from tests.vaults import make_vault

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
