"""Fixtures the printing tests share: a real vault holding the sample world of hard names
(:mod:`tests.carer_desk.printing.samples`)."""

from __future__ import annotations

import pytest

from tests.carer_desk.printing import samples


@pytest.fixture
def store(tmp_path):
    vault = samples.open_vault(tmp_path)
    yield vault
    vault.close()


@pytest.fixture
def world(store):
    return samples.seed(store)
