"""Fixtures for the use-case service tests (helpers in service_support.py; the vault is
the suite's one fixture, in tests/conftest.py)."""

from __future__ import annotations

import pytest

from carer_desk.clock import SettableClock
from carer_desk.config import Settings
from carer_desk.records.carer import Carer
from tests.carer_desk.services.service_support import TODAY, add_carer, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(TODAY)


@pytest.fixture
def carer(vault) -> Carer:
    return add_carer(vault)
