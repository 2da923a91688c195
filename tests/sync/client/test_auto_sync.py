"""Automatic sync with a real server process: work done while the server is down is sent
by itself when it comes back, without anyone pressing "Sync now"."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from carer_desk.ports import SyncState
from carer_desk.wiring.sync_gateway import build_engine
from sync.client.auto import AutoSync
from sync.client.backoff import Backoff
from sync.client.engine import SyncSummary
from sync.client.errors import ServerUnreachable
from sync.client.reachability import WatchSettings
from tests.sync.support import ServerProcess, add_carers, enrol_over_http, new_vault

PASSWORD = "a long enough password"
FAST = WatchSettings(
    online_interval=30.0, offline=Backoff(base=0.05, factor=2.0, cap=0.2, max_attempts=1)
)

pytestmark = pytest.mark.slow


def test_work_done_while_the_server_was_down_is_sent_when_it_returns(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server")
    server.create_user("ann", PASSWORD)
    server.start()
    vault = new_vault(tmp_path / "ann" / "vault.sqlite", actor="ann")
    enrolment = enrol_over_http(server.url, vault, "ann", PASSWORD)
    server.stop()  # the worker drives into a valley with no signal
    engine, transport = build_engine(vault, enrolment, backoff=Backoff(max_attempts=1))
    results: queue.Queue = queue.Queue()
    auto = AutoSync(engine, transport, settings=FAST, on_result=results.put)
    auto.start()
    try:
        ids = add_carers(vault, 30)
        with pytest.raises(ServerUnreachable):
            auto.sync_now()  # the manual button says so, and keeps the work
        # Kept, marked as on its way: the server may or may not have seen it.
        assert vault.count_by_state()[SyncState.SENDING] == 30
        server.start()  # back in signal
        summary = results.get(timeout=30)
        assert isinstance(summary, SyncSummary)
        assert summary.pushed == 30, summary.lines()
        assert {vault.meta(i).sync_state for i in ids} == {SyncState.SYNCED}
    finally:
        auto.stop()
        transport.close()
        vault.close()
        server.stop()
