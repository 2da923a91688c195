"""Faults with real processes: a real uvicorn server process on a loopback port (SQLite
or PostgreSQL), real sockets, real vault files, and processes killed with SIGKILL.

Each test ends with an observer laptop pulling everything and checking that every record
the worker created is on the server exactly once, at version 1 (a change applied twice
would have made a second version).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.ports import SyncState
from carer_desk.wiring.sync_gateway import build_engine
from sync.client.backoff import Backoff
from sync.client.errors import ServerUnreachable
from tests.sync.cutting_proxy import CuttingProxy
from tests.sync.support import (
    PASSPHRASE,
    ServerProcess,
    add_carers,
    enrol_over_http,
    new_vault,
    reopen_vault,
)

PASSWORD = "a long enough password"
QUICK_RETRY = Backoff(base=0.05, factor=2.0, cap=0.5, max_attempts=4)

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path / "server")
    for name in ("ann", "observer"):
        srv.create_user(name, PASSWORD)
    srv.start()
    yield srv
    srv.stop()


def assert_each_once_on_server(url: str, tmp_path: Path, ids: list[str]) -> None:
    vault = new_vault(tmp_path / "observer" / "vault.sqlite", actor="observer")
    try:
        enrolment = enrol_over_http(url, vault, "observer", PASSWORD)
        engine, transport = build_engine(vault, enrolment, backoff=QUICK_RETRY)
        engine.sync_now()
        transport.close()
        held = {rid: vault.meta(rid).server_version for rid, _ in vault.iter_kind("carer")}
    finally:
        vault.close()
    assert set(held) == set(ids)
    assert set(held.values()) == {1}, "some change was applied more than once"


def test_server_killed_during_a_push(server: ServerProcess, tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "ann" / "vault.sqlite", actor="ann")
    enrolment = enrol_over_http(server.url, vault, "ann", PASSWORD)
    ids = add_carers(vault, 1500)
    engine, transport = build_engine(
        vault, enrolment, batch_size=50, backoff=Backoff(max_attempts=1)
    )
    failure: list[BaseException] = []

    def run() -> None:
        try:
            engine.sync_now()
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    # Kill the server once the push is well under way.
    while worker.is_alive() and vault.count_by_state()[SyncState.SYNCED] < 200:
        threading.Event().wait(0.005)
    server.kill()
    worker.join(60)
    assert failure and isinstance(failure[0], ServerUnreachable)
    states = vault.count_by_state()
    assert 0 < states[SyncState.SYNCED] < len(ids), "the kill did not land mid-push"
    server.start()
    summary = engine.sync_now()
    assert vault.outbox_pending(10) == []
    assert vault.count_by_state()[SyncState.SYNCED] == len(ids)
    assert summary.pushed == len(ids) - states[SyncState.SYNCED]
    transport.close()
    vault.close()
    assert_each_once_on_server(server.url, tmp_path, ids)


def test_connection_cut_mid_response_is_resent_without_duplicates(
    server: ServerProcess, tmp_path: Path
) -> None:
    proxy = CuttingProxy(server.port)
    vault = new_vault(tmp_path / "ann" / "vault.sqlite", actor="ann")
    try:
        enrolment = enrol_over_http(proxy.url, vault, "ann", PASSWORD)
        ids = add_carers(vault, 200)
        engine, transport = build_engine(vault, enrolment, backoff=QUICK_RETRY)
        proxy.cut_next_responses(1, to=b"POST /v1/push")
        summary = engine.sync_now()
        assert proxy.cut_done == 1
        # The server had applied the batch; the resend got the stored answers back.
        assert (summary.pushed, summary.replayed) == (200, 200)
        assert vault.count_by_state()[SyncState.SYNCED] == 200
        transport.close()
    finally:
        vault.close()
        proxy.close()
    assert_each_once_on_server(server.url, tmp_path, ids)


_KILL_AFTER_PUSH = textwrap.dedent(
    """
    import os, signal, sys
    from carer_desk.wiring.enrolment import load_enrolment
    from sync.client.engine import SyncEngine
    from sync.client.transport import HttpTransport
    from storage.vault import Vault

    class DiesAfterPush(HttpTransport):
        def push(self, request):
            super().push(request)  # the server has applied the batch...
            os.kill(os.getpid(), signal.SIGKILL)  # ...and the app dies before settling

    vault = Vault.open(sys.argv[1], actor="ann")
    vault.unlock(os.environ["CARER_DESK_PASSPHRASE"])
    e = load_enrolment(vault)
    SyncEngine(vault, DiesAfterPush(e.server, e.credential)).sync_now()
    """
)


def test_client_killed_between_push_and_acknowledgement(
    server: ServerProcess, tmp_path: Path
) -> None:
    data_dir = tmp_path / "ann"
    vault_path = data_dir / "vault.sqlite"
    env = {
        **os.environ,
        "CARER_DESK_PASSPHRASE": PASSPHRASE,
        "CARER_DESK_PASSWORD": PASSWORD,
        "CARER_DESK_USER": "ann",
    }
    vault = new_vault(vault_path, actor="ann")
    vault.close()
    # Enrol through the real command line: the credential goes sealed into the vault.
    enrol = subprocess.run(
        [
            sys.executable,
            "-m",
            "carer_desk",
            "--data-dir",
            str(data_dir),
            "enrol",
            "--server",
            server.url,
            "--username",
            "ann",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert enrol.returncode == 0, enrol.stderr
    assert "enrolled as ann" in enrol.stdout
    vault = reopen_vault(vault_path, actor="ann")
    ids = add_carers(vault, 120)
    vault.close()

    killed = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER_PUSH, str(vault_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr

    rerun = subprocess.run(
        [sys.executable, "-m", "carer_desk", "--data-dir", str(data_dir), "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "pushed: 120 (120 already on the server)" in rerun.stdout
    assert "rejected: 0" in rerun.stdout
    assert_each_once_on_server(server.url, tmp_path, ids)


def test_server_restarted_on_postgresql_mid_sync(tmp_path: Path) -> None:
    cluster_mod = pytest.importorskip("tests.sync.server.postgres_cluster")
    try:
        cluster_cm = cluster_mod.running_cluster()
        cluster = cluster_cm.__enter__()
    except cluster_mod.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        server = ServerProcess(tmp_path / "server", cluster.create_database())
        for name in ("ann", "observer"):
            server.create_user(name, PASSWORD)
        server.start()
        vault = new_vault(tmp_path / "ann" / "vault.sqlite", actor="ann")
        enrolment = enrol_over_http(server.url, vault, "ann", PASSWORD)
        ids = add_carers(vault, 400)
        engine, transport = build_engine(
            vault, enrolment, batch_size=50, backoff=Backoff(max_attempts=1)
        )
        engine.push()  # first half acknowledged...
        assert vault.count_by_state()[SyncState.SYNCED] == 400
        more = add_carers(vault, 400, prefix="Q")
        # ...then the server dies in the middle of the next push and comes back.
        worker_error: list[BaseException] = []

        def run() -> None:
            try:
                engine.sync_now()
            except BaseException as exc:
                worker_error.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        while worker.is_alive() and vault.count_by_state()[SyncState.SYNCED] < 500:
            threading.Event().wait(0.005)
        server.kill()
        worker.join(60)
        assert worker_error and isinstance(worker_error[0], ServerUnreachable)
        assert vault.count_by_state()[SyncState.SYNCED] < 800, "the kill missed the push"
        server.start()
        engine.sync_now()
        assert vault.outbox_pending(10) == []
        assert vault.count_by_state()[SyncState.SYNCED] == 800
        transport.close()
        vault.close()
        assert_each_once_on_server(server.url, tmp_path, ids + more)
        server.stop()
    finally:
        cluster_cm.__exit__(None, None, None)
