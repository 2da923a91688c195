"""Sync benchmark over loopback: prints figures beside their targets, asserts nothing.

    python bench/sync.py [--records 10000] [--devices 20] [--per-device 200]
                         [--skip-postgres] [--skip-resume]

Each figure is measured against a real ``carer-desk-server`` (uvicorn subprocesses on
loopback ports) and real encrypted vaults, on SQLite and on PostgreSQL (a throwaway
cluster from Debian's ``postgresql`` binaries, as the tests use):

1. a day's work: 200 new carers, one sync (push and pull);
2. N new records pushed, then pulled by a second laptop; N edits likewise — records/s,
   and bytes on the wire per record (HTTP headers and gzip bodies, counted by the client);
3. resuming after the connection is cut half way through a push (SQLite);
4. 20 laptops pushing, then pulling, at once through one server process and through two
   (``serve --workers 2``) on PostgreSQL, and through one on SQLite.

Beside each timed figure stands the same work done without the network, in the same run:
the same records sealed and written by the store directly — the server's store for a
push (one transaction per batch), the laptop's vault for a pull (one per page) — and the
ratio of the two, which is what the protocol itself costs (HTTP, JSON, validation,
authorisation, merge, the idempotency ledger and the other side's store).

Targets (issue 12): push of 10,000 new records >= 5,000 records/s; of 10,000 edits
>= 4,000 records/s; pull >= 10,000 records/s; a day's work < 0.3 s; no more bytes up per
record than before (169 B compressed). The machine is shared: the load average is
printed at the start and the end, as the figures move with it; beside each bulk push the
CPU time per record of the server's processes and of the laptop (this process) is
printed too, which moves much less with the load.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from carer_desk.ports import RecordWrite, SyncState  # noqa: E402
from carer_desk.wiring.enrolment import Enrolment, load_enrolment  # noqa: E402
from storage.vault import Vault  # noqa: E402
from sync.client.backoff import NO_RETRY, Backoff  # noqa: E402
from sync.client.engine import DEFAULT_BATCH, DEFAULT_PAGE, SyncEngine  # noqa: E402
from sync.client.errors import ServerUnreachable  # noqa: E402
from sync.client.transport import HttpTransport  # noqa: E402
from sync.server.secrets_hashing import hash_password, password_hasher  # noqa: E402
from sync.server.settings import PasswordCost  # noqa: E402
from sync.server.store import NewVersion, Ownership, open_store  # noqa: E402
from tests.sync.cutting_proxy import CuttingProxy  # noqa: E402
from tests.sync.support import (  # noqa: E402
    ServerProcess,
    carer_payload,
    enrol_over_http,
    new_vault,
)

PASSWORD = "a long enough password"
# Benchmark accounts only: enrolling twenty laptops should not take twenty Argon2 seconds.
CHEAP_PASSWORDS = PasswordCost(time_cost=1, memory_kib=8, parallelism=1)


GIVEN = (
    "Ann",
    "Bilal",
    "Chloe",
    "Dariusz",
    "Eileen",
    "Farah",
    "George",
    "Hana",
    "Ivan",
    "Jasmine",
    "Kwame",
    "Lucy",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sofia",
)
FAMILY = (
    "Smith",
    "Jones",
    "Khan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Hussain",
    "Green",
)
TOWNS = (
    ("Banbury", "OX16"),
    ("Bicester", "OX26"),
    ("Witney", "OX28"),
    ("Oxford", "OX4"),
    ("Abingdon", "OX14"),
    ("Didcot", "OX11"),
    ("Thame", "OX9"),
    ("Wantage", "OX12"),
)
CONDITIONS = ("dementia", "parkinsons", "stroke", "frailty", "mental_health", "autism")


def typical_carer(rng: random.Random, i: int) -> dict:
    """A carer as an outreach worker records one: varied names and places, a phone, a
    GP, one or two cared-for people with conditions, and a short note."""
    from datetime import date

    town, outward = rng.choice(TOWNS)
    postcode = (
        f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    )
    base = carer_payload(
        given=rng.choice(GIVEN),
        family=rng.choice(FAMILY),
        born=date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28)),
        postcode=postcode,
    )
    base["address"]["line1"] = f"{rng.randint(1, 120)} {rng.choice(FAMILY)} Road"
    base["address"]["town"] = town
    base["contact"]["mobile"] = f"07{rng.randint(100000000, 999999999)}"
    base["gp_practice"] = f"{town} {rng.choice(('Health Centre', 'Surgery', 'Medical Practice'))}"
    base["hours_of_care_per_week"] = rng.randint(5, 100)
    base["cared_for"] = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "name": f"{rng.choice(GIVEN)} {base['family_name']}",
            "relationship": rng.choice(("husband", "wife", "mother", "son", "daughter", "father")),
            "date_of_birth": None,
            "conditions": rng.sample(CONDITIONS, rng.randint(1, 2)),
            "lives_with_carer": True,
        }
        for _ in range(rng.randint(1, 2))
    ]
    base["consent"]["notes"] = " ".join(
        rng.choice(
            (
                "verbal",
                "consent",
                "given",
                "at",
                "home",
                "visit",
                "happy",
                "to",
                "share",
                "with",
                "GP",
                "and",
                "family",
            )
        )
        for _ in range(rng.randint(4, 14))
    )
    return base


def add_typical_carers(vault: Vault, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    writes = []
    for i in range(count):
        payload = typical_carer(rng, i)
        writes.append(RecordWrite("carer", payload["id"], payload))
    vault.put_many(writes, action="create")
    return [w.id for w in writes]


# --- what goes over the wire ---------------------------------------------------------------


class WireMeter:
    """Bytes on the wire as the client sends and receives them: request and status lines,
    headers, and bodies as sent (gzip-compressed where they are)."""

    def __init__(self) -> None:
        self.up = 0
        self.down = 0

    def hooks(self) -> dict[str, list[Callable[..., None]]]:
        return {"request": [self._request], "response": [self._response]}

    def _request(self, request: httpx.Request) -> None:
        line = f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n"
        self.up += len(line) + _headers(request.headers) + len(request.content)

    def _response(self, response: httpx.Response) -> None:
        response.read()
        self.down += 17 + _headers(response.headers) + response.num_bytes_downloaded


def _headers(headers: httpx.Headers) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.raw) + 2


class Laptop:
    def __init__(self, base: Path, name: str, url: str) -> None:
        self.vault = new_vault(base / name / "vault.sqlite", actor=name)
        self.enrolment: Enrolment = enrol_over_http(url, self.vault, name, PASSWORD)
        self.meter = WireMeter()
        self.connect(url)

    def connect(self, url: str, *, backoff: Backoff = NO_RETRY) -> None:
        enrolment = load_enrolment(self.vault)
        assert enrolment is not None
        client = httpx.Client(base_url=url, timeout=120, event_hooks=self.meter.hooks())
        self.transport = HttpTransport(url, enrolment.credential, client=client)
        self._client = client
        self.engine = SyncEngine(self.vault, self.transport, backoff=backoff)

    def edit_all(self, field: str, value: str) -> list[tuple[str, dict[str, Any]]]:
        writes = []
        for rid, payload in self.vault.iter_kind("carer"):
            payload[field] = f"{value}{len(writes)}"
            writes.append(RecordWrite("carer", rid, payload))
        self.vault.put_many(writes, action="edit")
        return [(w.id, dict(w.payload)) for w in writes]

    def close(self) -> None:
        self._client.close()
        self.vault.close()


# --- the same work without the network ------------------------------------------------------


class Direct:
    """The records sealed and written by the store directly, in the same batches and
    pages the sync uses: the baseline the protocol's cost is measured against."""

    def __init__(self, base: Path, database_url: str | None) -> None:
        url = database_url or f"sqlite:///{base / 'direct.sqlite3'}"
        base.mkdir(parents=True, exist_ok=True)
        self.store = open_store(url, base / "direct.key")
        self.vault = new_vault(base / "direct-vault.sqlite", actor="direct")

    def server_writes(self, records: list[tuple[str, dict[str, Any]]], version: int) -> float:
        def run() -> None:
            for start in range(0, len(records), DEFAULT_BATCH):
                with self.store.transaction(write=True) as tx:
                    tx.write_versions(
                        [
                            NewVersion(
                                kind="carer",
                                record_id=rid,
                                payload=payload,
                                ownership=Ownership(team="north", carer_id=rid),
                                changed_fields=tuple(sorted(payload)),
                                actor="direct",
                                device_id="direct",
                                change_id=None,
                                previous_version=version - 1 or None,
                            )
                            for rid, payload in records[start : start + DEFAULT_BATCH]
                        ]
                    )

        return timed(run)[0]

    def vault_writes(self, records: list[tuple[str, dict[str, Any]]], version: int) -> float:
        pulled = [
            SimpleNamespace(
                kind="carer", record_id=rid, payload=payload, server_version=version, deleted=False
            )
            for rid, payload in records
        ]

        def run() -> None:
            for start in range(0, len(pulled), DEFAULT_PAGE):
                self.vault.apply_remote_page(pulled[start : start + DEFAULT_PAGE], f"p{start}")

        return timed(run)[0]

    def close(self) -> None:
        self.store.close()
        self.vault.close()


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used so far by the server's processes and by this one (the laptops):
    on a shared machine they move much less with the load than the wall-clock figures,
    so they are what to compare between two versions of the code."""

    server: float
    laptop: float

    @classmethod
    def now(cls, server: ServerProcess) -> Cpu:
        import psutil

        def used(process: psutil.Process) -> float:
            times = process.cpu_times()
            return times.user + times.system

        root = psutil.Process(server.proc.pid)
        serving = 0.0
        for process in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess):
                serving += used(process)
        return cls(serving, used(psutil.Process()))

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.server - other.server, self.laptop - other.laptop)


# --- printing -------------------------------------------------------------------------------


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def heading(text: str) -> None:
    print(f"\n{text}")
    print(
        f"  {'':<44} {'figure':>22} {'target':>12} {'store directly':>15} {'ratio':>7} {'load':>5}"
    )


def row(label: str, figure: str, target: str = "", direct: float | None = None, ratio: str = ""):
    """One figure, with the machine's load average (1 minute) as it was measured: on a
    shared machine the figure moves with it, the ratio much less."""
    shown = f"{direct:.2f} s" if direct is not None else ""
    print(f"  {label:<44} {figure:>22} {target:>12} {shown:>15} {ratio:>7} {_load(1):>5}")


def rate_row(label: str, seconds: float, count: int, target: float, direct: float) -> None:
    mark = "ok" if count / seconds >= target else "BELOW"
    row(
        label,
        f"{seconds:.2f} s, {count / seconds:,.0f}/s",
        f">= {target:,.0f}/s {mark}",
        direct,
        f"{seconds / direct:.1f}x",
    )


# --- the sections ---------------------------------------------------------------------------


def start_server(
    base: Path, users: list[str], database_url: str | None = None, *, workers: int = 1
) -> ServerProcess:
    server = ServerProcess(base / "server", database_url, workers=workers)
    server.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(
        database_url or f"sqlite:///{server.data_dir / 'server.sqlite3'}",
        server.data_dir / "server.key",
    )
    hashed = hash_password(password_hasher(CHEAP_PASSWORDS), PASSWORD)
    for name in users:
        store.create_user(name, "outreach-worker", "north", hashed)
    store.close()
    server.start(timeout=60)
    return server


def bench_day(base: Path, database_url: str | None, label: str) -> None:
    root = base / f"day-{label}"
    server = start_server(root, ["ann"], database_url)
    direct = Direct(root, None if database_url is None else _fresh(database_url))
    try:
        ann = Laptop(root, "ann", server.url)
        ids = add_typical_carers(ann.vault, 200, seed=1)
        seconds, summary = timed(ann.engine.sync_now)
        records = [(rid, ann.vault.get("carer", rid)) for rid in ids]
        alone = direct.server_writes(records, 1)
        mark = "ok" if seconds < 0.3 else "ABOVE"
        row(
            "a day's work: 200 changes, push + pull",
            f"{seconds:.2f} s",
            f"< 0.3 s {mark}",
            alone,
            f"{seconds / alone:.1f}x",
        )
        assert summary.pushed == 200
        ann.close()
    finally:
        direct.close()
        server.stop()


def bench_bulk(base: Path, records: int, database_url: str | None, label: str) -> None:
    root = base / f"bulk-{label}"
    server = start_server(root, ["ann", "bob"], database_url)
    direct = Direct(root, None if database_url is None else _fresh(database_url))
    try:
        ann = Laptop(root, "ann", server.url)
        bob = Laptop(root, "bob", server.url)
        ids = add_typical_carers(ann.vault, records, seed=2)
        content = [(rid, ann.vault.get("carer", rid)) for rid in ids]
        for what, version in (("new records", 1), ("edits", 2)):
            if what == "edits":
                content = ann.edit_all("gp_practice", "Surgery ")
            up0 = ann.meter.up
            cpu0 = Cpu.now(server)
            seconds, summary = timed(ann.engine.push)
            cpu = Cpu.now(server) - cpu0
            up = (ann.meter.up - up0) / records
            target = 5000 if what == "new records" else 4000
            rate_row(
                f"push of {records:,} {what}",
                seconds,
                summary.pushed,
                target,
                direct.server_writes(content, version),
            )
            row(
                "  CPU per record: server, laptop",
                f"{1e6 * cpu.server / records:,.0f} + {1e6 * cpu.laptop / records:,.0f} µs",
            )
            if what == "new records":
                mark = "ok" if up <= 169 else "ABOVE"
                label_up = "  bytes up per record (gzip, with headers)"
                row(label_up, f"{up:,.0f} B", f"<= 169 B {mark}")
            seconds, (pulled, _pages) = timed(bob.engine.pull)
            rate_row(
                f"pull of the {what} (second laptop)",
                seconds,
                pulled,
                10000,
                direct.vault_writes(content, version),
            )
            assert pulled == records and summary.pushed == records
        down = bob.meter.down / (2 * records)
        row("  bytes down per record pulled (gzip)", f"{down:,.0f} B")
        ann.close()
        bob.close()
    finally:
        direct.close()
        server.stop()


def bench_resume(base: Path, records: int) -> None:
    print(f"\nResume after a cut halfway through pushing {records:,} records (SQLite)")
    root = base / "resume"
    server = start_server(root, ["ann"])
    proxy = CuttingProxy(server.port)
    try:
        ann = Laptop(root, "ann", proxy.url)
        add_typical_carers(ann.vault, records, seed=3)

        def arm_at_half() -> None:
            while ann.vault.count_by_state()[SyncState.SYNCED] < records // 2:
                time.sleep(0.05)  # count_by_state takes the vault lock: poll gently
            proxy.cut_next_responses(1)

        threading.Thread(target=arm_at_half, daemon=True).start()
        first, error = timed(lambda: _expect_cut(ann.engine))
        synced = ann.vault.count_by_state()[SyncState.SYNCED]
        print(f"  first attempt, until the cut: {first:.2f} s, {synced:,} acknowledged, {error}")
        ann.connect(proxy.url)
        seconds, summary = timed(ann.engine.sync_now)
        print(
            f"  resumed sync to the end: {seconds:.2f} s: pushed {summary.pushed:,}, of which "
            f"{summary.replayed:,} replayed from the cut batch"
        )
        ann.close()
    finally:
        proxy.close()
        server.stop()


def _expect_cut(engine: SyncEngine) -> str:
    try:
        engine.sync_now()
    except ServerUnreachable as exc:
        return f"cut: {exc.detail}"
    return "not cut (finished first)"


@dataclass(frozen=True)
class Throughput:
    push: float
    pull: float


def bench_many(
    base: Path, devices: int, per_device: int, database_url: str | None, label: str, workers: int
) -> Throughput:
    root = base / f"many-{label}-{workers}"
    names = [f"w{i:02d}" for i in range(devices)]
    server = start_server(root, names, database_url, workers=workers)
    rates: dict[str, float] = {}
    try:
        laptops = [Laptop(root, n, server.url) for n in names]
        for n, laptop in enumerate(laptops):
            add_typical_carers(laptop.vault, per_device, seed=100 + n)
            laptop.connect(server.url, backoff=Backoff(max_attempts=5))
        for phase in ("push", "pull"):
            errors: list[BaseException] = []

            def run(laptop: Laptop, phase: str = phase, errors: list = errors) -> None:
                try:
                    laptop.engine.push() if phase == "push" else laptop.engine.pull()
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=run, args=(lap,)) for lap in laptops]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - start
            moved = devices * per_device * (1 if phase == "push" else devices)
            rates[phase] = moved / seconds
            failed = f", {len(errors)} laptop(s) failed" if errors else ""
            processes = "process" if workers == 1 else "processes"
            row(
                f"{phase}: {devices} laptops, {workers} server {processes}",
                f"{seconds:.2f} s, {moved / seconds:,.0f}/s{failed}",
            )
        for laptop in laptops:
            laptop.close()
    finally:
        server.stop()
    return Throughput(rates["push"], rates["pull"])


def _fresh(database_url: str) -> str:
    """Another empty database in the same PostgreSQL cluster (for the direct baseline)."""
    return CLUSTER.create_database() if CLUSTER is not None else database_url


CLUSTER: Any = None


def main() -> int:
    global CLUSTER
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-resume", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"Sync benchmark: {os.cpu_count()} cores, load average {_load()} at the start")
    with tempfile.TemporaryDirectory(prefix="carer-desk-bench-") as tmp, ExitStack() as stack:
        base = Path(tmp)
        # Each section gets a fresh database: None for SQLite (a file in its directory).
        backends: list[tuple[str, Callable[[], str | None]]] = [("SQLite", lambda: None)]
        if not args.skip_postgres:
            from tests.sync.server.postgres_cluster import PostgresUnavailable, running_cluster

            try:
                CLUSTER = stack.enter_context(running_cluster())
            except PostgresUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}")
            else:
                backends.append(("PostgreSQL", CLUSTER.create_database))
        for label, database in backends:
            heading(f"{label} server, one process, loopback")
            bench_day(base, database(), label)
            bench_bulk(base, args.records, database(), label)
        if not args.skip_resume:
            bench_resume(base, args.records)
        for label, database in backends:
            heading(f"{args.devices} laptops at once, {args.per_device} new carers each ({label})")
            counts = (1, 2) if label == "PostgreSQL" else (1,)
            results = {
                n: bench_many(base, args.devices, args.per_device, database(), label, n)
                for n in counts
            }
            if 2 in results:
                for phase in ("push", "pull"):
                    gain = getattr(results[2], phase) / getattr(results[1], phase)
                    row(f"{phase}: 2 processes / 1 process", f"{gain:.2f}x")
    print(f"\nload average {_load()} at the end")
    return 0


def _load(minutes: int = 3) -> str:
    """The 1, 5 and 15 minute load averages (the first ``minutes`` of them)."""
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg()[:minutes])
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
