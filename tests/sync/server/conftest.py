"""Fixtures for the server tests: a throwaway PostgreSQL cluster for the session, a fresh
database (SQLite file or PostgreSQL database) per test, and an in-process server.

PostgreSQL tests skip only when the binaries are missing and ``CI`` is not set; on CI a
missing PostgreSQL is a failure, so the contract suite can never silently run half.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol import Role
from sync.server.keyring import Keyring
from sync.server.store import SqlStore
from tests.sync.server.harness import Device, Harness
from tests.sync.server.postgres_cluster import Cluster, PostgresUnavailable, running_cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        with running_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the PostgreSQL backend: {exc}")
        pytest.skip(f"PostgreSQL backend not tested here: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.load_or_create(tmp_path / "server.key")


@pytest.fixture
def store(database_url: str, keyring: Keyring) -> Iterator[SqlStore]:
    """A migrated store on each backend (a package's own conftest may give another)."""
    s = SqlStore(database_url, keyring)
    yield s
    s.close()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path / "server")
    yield h
    h.close()


@pytest.fixture
def any_harness(tmp_path: Path, database_url: str) -> Iterator[Harness]:
    """The server on each backend in turn."""
    h = Harness(tmp_path / "server", database_url)
    yield h
    h.close()


# The people of the payment tests, on the module's own harness fixture ``h`` (each payment
# test module sets up the server it needs: its day, its payment rules, its backends).
@pytest.fixture
def worker(h: Harness) -> Device:
    return h.device("worker-north", Role.OUTREACH_WORKER, "north")


@pytest.fixture
def approver(h: Harness) -> Device:
    return h.device("manager", Role.PAYMENTS_APPROVER)
