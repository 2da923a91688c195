"""More than one server process on one PostgreSQL database, as behind a reverse proxy.

* Twenty laptops sync at once through two servers (one of them two worker processes of
  ``serve --workers 2``, the other a separate process with its own data directory, as on
  a second host), every request going to the next server in turn; afterwards every laptop
  holds exactly what the server holds: nothing lost, nothing skipped by a cursor, nothing
  applied twice.
* Two stores writing at once with transactions held open while a third pages through
  with the pull's cursor: every record is seen.
* What must not run beside a server elsewhere (key rotation), and a host started with
  the wrong key file, are refused with a reason.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carer_desk.ports import RecordWrite, SyncState
from carer_desk.wiring.enrolment import Enrolment, save_enrolment
from sync.client.backoff import Backoff
from sync.client.engine import SyncEngine
from sync.client.transport import HttpTransport
from sync.protocol import EnrolRequest, Role
from sync.server.access import Principal
from sync.server.keyring import Keyring
from sync.server.pull import PullService
from sync.server.store import Ownership, SqlStore
from tests.sync.server.postgres_cluster import Cluster
from tests.sync.support import ServerProcess, carer_payload, new_vault

PASSWORD = "a long enough password"
LAPTOPS = 20
USERS = 4  # five laptops each
ROUNDS = 3
NEW_EACH_ROUND = 8
EDITS_EACH_ROUND = 3
ROOT = Path(__file__).resolve().parents[3]


class RoundRobin(httpx.BaseTransport):
    """The reverse proxy, on this machine (plain http only to loopback): each request
    goes to the next server in turn."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = itertools.cycle(ports)
        self._lock = threading.Lock()
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            port = next(self._ports)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def database(pg_cluster: Cluster) -> str:
    return pg_cluster.create_database()


@pytest.fixture
def two_servers(tmp_path: Path, database: str) -> Iterator[list[ServerProcess]]:
    first = ServerProcess(tmp_path / "host-a", database, workers=2)
    for n in range(USERS):
        first.create_user(f"worker{n}", PASSWORD)
    first.start(timeout=60)
    # The second host gets a copy of the key file, as docs/operations.md says.
    (tmp_path / "host-b").mkdir()
    shutil.copy2(tmp_path / "host-a" / "server.key", tmp_path / "host-b" / "server.key")
    second = ServerProcess(tmp_path / "host-b", database)
    second.start(timeout=60)
    yield [first, second]
    second.stop()
    first.stop()


class Laptop:
    def __init__(self, path: Path, username: str, client: httpx.Client, name: str) -> None:
        self.vault = new_vault(path, actor=username)
        answer = HttpTransport("http://localhost", client=client).enrol(
            EnrolRequest(username=username, password=PASSWORD, device_name=name)
        )
        save_enrolment(
            self.vault,
            Enrolment(
                "http://localhost",
                answer.device_id,
                answer.username,
                str(answer.role),
                answer.device_credential,
                str(answer.team) if answer.team else None,
            ),
        )
        transport = HttpTransport("http://localhost", answer.device_credential, client=client)
        # Small batches and pages, so one sync crosses both servers many times.
        self.engine = SyncEngine(
            self.vault, transport, batch_size=5, page_size=7, backoff=Backoff(max_attempts=6)
        )
        self.mine: list[str] = []
        # The rounds in which each record changed: one change per round reaches the
        # server (the vault sends a record's latest state, not every edit before a sync).
        self.changed_in: dict[str, set[int]] = {}

    def work(self, rng: random.Random, round_: int) -> None:
        writes = []
        for _ in range(NEW_EACH_ROUND):
            payload = carer_payload(given=f"R{round_}", family=f"F{rng.randrange(1000)}")
            writes.append(RecordWrite("carer", payload["id"], payload))
        self.vault.put_many(writes, action="create")
        self.mine += [w.id for w in writes]
        edited = rng.sample(self.mine, EDITS_EACH_ROUND)
        for record_id in [w.id for w in writes] + edited:
            self.changed_in.setdefault(record_id, set()).add(round_)
        for record_id in edited:
            payload = self.vault.get("carer", record_id)
            payload["gp_practice"] = f"Surgery {round_}.{rng.randrange(10**6)}"
            self.vault.put("carer", record_id, payload)

    def held(self) -> dict[str, tuple[int | None, dict]]:
        return {
            rid: (self.vault.meta(rid).server_version, payload)
            for rid, payload in self.vault.iter_kind("carer")
        }


@pytest.mark.slow
def test_twenty_laptops_through_two_servers_converge(
    tmp_path: Path, two_servers: list[ServerProcess]
) -> None:
    proxy = RoundRobin([s.port for s in two_servers])
    client = httpx.Client(transport=proxy, base_url="http://localhost", timeout=120)
    laptops = [
        Laptop(tmp_path / f"laptop{n}" / "vault.sqlite", f"worker{n % USERS}", client, f"pc{n}")
        for n in range(LAPTOPS)
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(LAPTOPS)

    def run(n: int) -> None:
        rng = random.Random(n)
        try:
            start.wait()
            for round_ in range(ROUNDS):
                laptops[n].work(rng, round_)
                summary = laptops[n].engine.sync_now()
                assert not summary.rejected and not summary.conflicts, summary.lines()
                time.sleep(rng.random() / 20)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(LAPTOPS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    for laptop in laptops:  # everything is on the server now: one more pull each
        laptop.engine.sync_now()

    key_file = two_servers[0].data_dir / "server.key"
    store = SqlStore(two_servers[0].database_url or "", Keyring.load(key_file))
    try:
        versions = list(store.iter_versions())
        with store.transaction() as tx:
            server = {r.record_id: r for r in tx.records_of_kind("carer")}
            change_ids = tx.known_change_ids([v.change_id or "" for v in versions])
    finally:
        store.close()
    created = {rid for laptop in laptops for rid in laptop.mine}
    # Nothing lost: every carer any laptop made is on the server ...
    assert set(server) == created
    # ... and nothing applied twice: one version per round in which the record changed.
    changes = {rid: len(rounds) for laptop in laptops for rid, rounds in laptop.changed_in.items()}
    assert {rid: r.version for rid, r in server.items()} == changes
    assert len(versions) == sum(changes.values())
    assert len(change_ids) == len(versions)  # every version came from one ledgered change
    # Nothing skipped by a cursor: every laptop holds every record at the server's version.
    expected = {rid: (r.version, r.payload) for rid, r in server.items()}
    for laptop in laptops:
        assert laptop.held() == expected
        assert laptop.vault.count_by_state()[SyncState.SYNCED] == len(created)
    for laptop in laptops:
        laptop.vault.close()
    client.close()


def test_pages_taken_while_two_stores_commit_out_of_order_miss_nothing(
    tmp_path: Path, database: str
) -> None:
    keyring = Keyring.load_or_create(tmp_path / "server.key")
    writers = [SqlStore(database, keyring) for _ in range(2)]  # two processes' stores
    reader = SqlStore(database, keyring)
    puller = PullService(reader)
    admin = Principal("admin", Role.ADMIN, None, "device")
    written: list[str] = []
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def write(store: SqlStore, n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(40):
                record_id = f"w{n}-{i}"
                with store.transaction(write=True) as tx:
                    tx.write_record(
                        kind="carer",
                        record_id=record_id,
                        payload={"n": i},
                        ownership=Ownership(team="north", carer_id=record_id),
                        changed_fields=["n"],
                        actor="ann",
                        device_id="d",
                        change_id=None,
                        previous_version=None,
                    )
                    # Hold the transaction open after taking the sequence number: a pull
                    # must never pass a number whose transaction has not committed yet.
                    time.sleep(rng.random() / 100)
                with lock:
                    written.append(record_id)
        except BaseException as exc:
            errors.append(exc)

    seen: list[str] = []

    def pull() -> None:
        since = ""
        try:
            while True:
                finished = done.is_set()
                page = puller.pull(admin, since, 3)
                seen.extend(r.record_id for r in page.records)
                since = page.next_cursor
                if finished and not page.more:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(writers[n % 2], n)) for n in range(4)]
    puller_thread = threading.Thread(target=pull)
    puller_thread.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    done.set()
    puller_thread.join(120)
    for store in (*writers, reader):
        store.close()
    assert errors == []
    assert sorted(seen) == sorted(written)  # each once: none skipped, none twice


def _cli(data_dir: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CARER_DESK_PASSWORD": PASSWORD}
    base = [sys.executable, "-m", "sync.server", "--data-dir", str(data_dir)]
    return subprocess.run(
        [*base, "--database", database, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_key_rotation_is_refused_while_a_server_runs_on_another_host(
    tmp_path: Path, database: str
) -> None:
    host_a = ServerProcess(tmp_path / "host-a", database)
    host_a.create_user("admin", PASSWORD, role="admin", team=None)
    host_a.start(timeout=60)
    try:
        (tmp_path / "host-b").mkdir()
        shutil.copy2(tmp_path / "host-a" / "server.key", tmp_path / "host-b" / "server.key")
        # host-b's lock file is free: only the database knows host-a is serving.
        refused = _cli(tmp_path / "host-b", database, "rotate-key")
        assert refused.returncode == 1
        assert "another" in refused.stderr and "stop every server" in refused.stderr
    finally:
        host_a.stop()
    assert _cli(tmp_path / "host-b", database, "rotate-key").returncode == 0


def test_a_host_with_another_key_file_is_refused(tmp_path: Path, database: str) -> None:
    host_a = ServerProcess(tmp_path / "host-a", database)
    host_a.create_user("admin", PASSWORD, role="admin", team=None)
    host_a.start(timeout=60)
    try:
        # host-b is started before server.key was copied to it: it makes a key of its own.
        # Nothing is sealed yet, but host-a serves with its key: host-b must not start.
        refused = _cli(tmp_path / "host-b", database, "list-users")
        assert refused.returncode == 1
        assert "not the one this database was written with" in refused.stderr
    finally:
        host_a.stop()
    # A record sealed under host-a's key: now host-b is refused even with host-a stopped.
    store = SqlStore(database, Keyring.load(tmp_path / "host-a" / "server.key"))
    with store.transaction(write=True) as tx:
        tx.write_record(
            kind="carer",
            record_id="c1",
            payload={"n": 1},
            ownership=Ownership(team="north", carer_id="c1"),
            changed_fields=["n"],
            actor="admin",
            device_id=None,
            change_id=None,
            previous_version=None,
        )
    store.close()
    assert _cli(tmp_path / "host-b", database, "list-users").returncode == 1
    shutil.copy2(tmp_path / "host-a" / "server.key", tmp_path / "host-b" / "server.key")
    assert _cli(tmp_path / "host-b", database, "list-users").returncode == 0
