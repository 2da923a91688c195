from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.store import SqlStore
from tests.sync.server.reports.support import store_at


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[SqlStore]:
    """A fresh server store on each backend in turn."""
    s = store_at(tmp_path, database_url)
    yield s
    s.close()
