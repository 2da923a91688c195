"""The watcher notices the server coming back over a real socket and syncs by itself."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.client.backoff import Backoff
from sync.client.reachability import ReachabilityWatcher, WatchSettings
from sync.client.transport import HttpTransport

FAST = WatchSettings(
    online_interval=0.05, offline=Backoff(base=0.02, factor=2.0, cap=0.1, max_attempts=1)
)
WAIT = 10.0  # generous: only bounds a hung test, never a pass/fail threshold


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"detail": "no such path"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.httpd: ThreadingHTTPServer | None = None

    def up(self) -> None:
        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Answer)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd = None


def test_sync_starts_by_itself_when_the_server_returns() -> None:
    port = _free_port()
    server = _Server(port)
    transport = HttpTransport(f"http://127.0.0.1:{port}", "credential")
    synced = threading.Event()
    states: list[bool] = []
    watcher = ReachabilityWatcher(transport.reachable, synced.set, FAST, on_change=states.append)
    watcher.start()
    try:
        # Offline first: several probes fail, nothing is triggered.
        while len(states) < 1:
            threading.Event().wait(0.01)
        assert states == [False]
        assert not synced.is_set()
        server.up()
        assert synced.wait(WAIT), "the watcher never noticed the server coming back"
        assert watcher.reachable is True
        assert watcher.triggered == 1
    finally:
        watcher.stop()
        transport.close()
        if server.httpd:
            server.down()
    assert states[:2] == [False, True]


def test_a_failed_sync_sends_the_watcher_looking_again() -> None:
    port = _free_port()
    server = _Server(port)
    server.up()
    transport = HttpTransport(f"http://127.0.0.1:{port}", "credential")
    count = {"n": 0}
    second = threading.Event()

    def on_reachable() -> None:
        count["n"] += 1
        if count["n"] == 2:
            second.set()

    watcher = ReachabilityWatcher(transport.reachable, on_reachable, FAST)
    watcher.start()
    try:
        # Reachable at start: one sync. Then a sync fails offline and the link returns.
        while count["n"] < 1:
            threading.Event().wait(0.01)
        server.down()
        watcher.mark_unreachable()
        server.up()
        assert second.wait(WAIT)
    finally:
        watcher.stop()
        transport.close()
        server.down()


def test_stop_is_prompt_during_a_long_wait_and_survives_failing_callbacks() -> None:
    def boom() -> None:
        raise RuntimeError("sync crashed")

    watcher = ReachabilityWatcher(lambda: True, boom, WatchSettings(online_interval=3600.0))
    watcher.start()
    while watcher.triggered < 1:
        threading.Event().wait(0.01)
    # The crashed sync did not end automatic sync: a later return triggers again.
    watcher.mark_unreachable()
    while watcher.triggered < 2:
        threading.Event().wait(0.01)
    done = threading.Event()
    threading.Thread(target=lambda: (watcher.stop(), done.set()), daemon=True).start()
    assert done.wait(WAIT), "stop() hung while the watcher slept"
    with pytest.raises(RuntimeError, match="already started"):
        started = ReachabilityWatcher(lambda: False, boom, FAST)
        started.start()
        try:
            started.start()
        finally:
            started.stop()
