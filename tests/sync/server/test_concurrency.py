"""Twenty laptops syncing at once against a real server process, on each backend: every
change is applied exactly once, nobody gets a "database is locked", and every device then
pulls the same set of records."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sync.server import records as r
from tests.sync.server.postgres_cluster import _free_port

PASSWORD = "a long enough password"
DEVICES = 20
CHANGES_EACH = 60
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CARER_DESK_PASSWORD": PASSWORD}
    base = [
        sys.executable,
        "-m",
        "sync.server",
        "--data-dir",
        str(tmp_path / "d"),
        "--database",
        database_url,
    ]
    subprocess.run(
        [*base, "create-user", "--username", "admin", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*base, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_twenty_devices_pushing_at_once_each_apply_exactly_once(server: str) -> None:
    credentials = [
        httpx.post(
            f"{server}/v1/enrol",
            json={"username": "admin", "password": PASSWORD, "device_name": f"laptop {n}"},
            timeout=60,
        ).json()["device_credential"]
        for n in range(DEVICES)
    ]
    batches = [[r.change(r.carer()) for _ in range(CHANGES_EACH)] for _ in range(DEVICES)]
    outcomes: list[list[str]] = [[] for _ in range(DEVICES)]
    start = threading.Barrier(DEVICES)

    def sync(n: int) -> None:
        headers = {
            "Authorization": f"Bearer {credentials[n]}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        with httpx.Client(base_url=server, headers=headers, timeout=120) as client:
            start.wait()
            for i in range(0, CHANGES_EACH, 20):
                body = gzip.compress(json.dumps({"changes": batches[n][i : i + 20]}).encode())
                for _ in range(2):  # the second send is a resend: it must change nothing
                    response = client.post("/v1/push", content=body)
                    assert response.status_code == 200, response.text
                    outcomes[n] += [
                        x["status"] + ("*" if x["replayed"] else "")
                        for x in response.json()["results"]
                    ]

    threads = [threading.Thread(target=sync, args=(n,)) for n in range(DEVICES)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for results in outcomes:
        assert results.count("applied") == CHANGES_EACH
        assert results.count("applied*") == CHANGES_EACH
    headers = {"Authorization": f"Bearer {credentials[0]}"}
    since, seen = "", []
    while True:
        page = httpx.get(
            f"{server}/v1/changes",
            params={"since": since, "limit": 500},
            headers=headers,
            timeout=60,
        ).json()
        seen += [(x["record_id"], x["server_version"]) for x in page["records"]]
        since = page["next_cursor"]
        if not page["more"]:
            break
    expected = {c["record_id"] for batch in batches for c in batch}
    assert sorted(seen) == sorted((rid, 1) for rid in expected)
