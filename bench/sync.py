"""Sync benchmark over loopback: prints figures, asserts nothing.

    python bench/sync.py [--records 10000] [--devices 20] [--per-device 200] [--skip-postgres]

What it measures, each against a real ``carer-desk-server`` (uvicorn subprocess on a free
loopback port) and real encrypted vaults:

1. a day's work (200 new carers): one full sync (push + pull), seconds;
2. N new records pushed, then pulled by a second laptop; N edits likewise — records/s
   and bytes on the wire per record (TCP payload measured by a pass-through proxy, HTTP
   headers included), with and without gzip;
3. time to resume after the connection is cut halfway through pushing N records;
4. server throughput with 20 laptops pushing then pulling at once (SQLite, PostgreSQL).

Targets from issue 3: ~200 changes < 2 s; 10,000 records < 10 s; < 1 KB/record compressed.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carer_desk.ports import SyncState  # noqa: E402
from carer_desk.wiring.enrolment import Enrolment, load_enrolment  # noqa: E402
from sync.client.backoff import NO_RETRY, Backoff  # noqa: E402
from sync.client.engine import SyncEngine  # noqa: E402
from sync.client.errors import ServerUnreachable  # noqa: E402
from sync.client.transport import HttpTransport  # noqa: E402
from tests.sync.cutting_proxy import CuttingProxy  # noqa: E402
from tests.sync.support import (  # noqa: E402
    ServerProcess,
    carer_payload,
    enrol_over_http,
    new_vault,
)

PASSWORD = "a long enough password"
BATCH_SIZE = 200  # the engine's default; --batch-size changes it


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


def add_typical_carers(vault, count: int, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    from carer_desk.ports import RecordWrite

    rng = random.Random(seed)
    writes = []
    for i in range(count):
        payload = typical_carer(rng, i)
        writes.append(RecordWrite("carer", payload["id"], payload))
    vault.put_many(writes, action="create")
    return [w.id for w in writes]


class Laptop:
    def __init__(self, base: Path, name: str, url: str, *, compress: bool = True) -> None:
        self.vault = new_vault(base / name / "vault.sqlite", actor=name)
        self.enrolment: Enrolment = enrol_over_http(url, self.vault, name, PASSWORD)
        self.connect(url, compress=compress)

    def connect(
        self,
        url: str,
        *,
        compress: bool = True,
        batch_size: int | None = None,
        backoff: Backoff = NO_RETRY,
    ) -> None:
        enrolment = load_enrolment(self.vault)
        assert enrolment is not None
        self.transport = HttpTransport(url, enrolment.credential, compress=compress)
        kwargs = {"batch_size": batch_size} if batch_size else {}
        self.engine = SyncEngine(self.vault, self.transport, backoff=backoff, **kwargs)

    def edit_all(self, field: str, value: str) -> int:
        from carer_desk.ports import RecordWrite

        writes = []
        for rid, payload in self.vault.iter_kind("carer"):
            payload[field] = f"{value}{len(writes)}"
            writes.append(RecordWrite("carer", rid, payload))
        self.vault.put_many(writes, action="edit")
        return len(writes)

    def close(self) -> None:
        self.transport.close()
        self.vault.close()


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def start_server(base: Path, users: list[str], database_url: str | None = None) -> ServerProcess:
    server = ServerProcess(base / "server", database_url)
    for name in users:
        server.create_user(name, PASSWORD)
    server.start()
    return server


def bench_day(base: Path) -> None:
    print("A day's work: 200 new carers, one sync (push + pull), loopback, SQLite server")
    server = start_server(base / "day", ["ann"])
    try:
        ann = Laptop(base / "day", "ann", server.url)
        add_typical_carers(ann.vault, 200, seed=1)
        seconds, summary = timed(ann.engine.sync_now)
        line("sync of 200 changes", f"{seconds:.2f} s (pushed {summary.pushed})")
        ann.close()
    finally:
        server.stop()


def bench_bulk(base: Path, records: int, compress: bool) -> None:
    tag = "gzip" if compress else "no compression"
    print(f"{records} records pushed and pulled over loopback ({tag}), SQLite server")
    root = base / f"bulk-{tag.replace(' ', '-')}"
    server = start_server(root, ["ann", "bob"])
    proxy = CuttingProxy(server.port)
    try:
        ann = Laptop(root, "ann", proxy.url, compress=compress)
        bob = Laptop(root, "bob", proxy.url, compress=compress)
        add_typical_carers(ann.vault, records, seed=2)
        for what in ("new records", "edits"):
            if what == "edits":
                ann.edit_all("gp_practice", "Surgery ")
            sent0, recv0 = proxy.bytes_to_server, proxy.bytes_to_client
            seconds, summary = timed(ann.engine.push)
            up = proxy.bytes_to_server - sent0
            down = proxy.bytes_to_client - recv0
            line(f"push {what}", f"{seconds:.2f} s, {summary.pushed / seconds:,.0f} records/s")
            line(
                "  bytes on the wire per record (up + answers down)",
                f"{up / records:,.0f} B up, {down / records:,.0f} B down",
            )
            sent0, recv0 = proxy.bytes_to_server, proxy.bytes_to_client
            seconds, (pulled, _pages) = timed(bob.engine.pull)
            down = proxy.bytes_to_client - recv0
            line(
                f"pull {what} (second laptop)",
                f"{seconds:.2f} s, {pulled / seconds:,.0f} records/s",
            )
            line("  bytes on the wire per record (down)", f"{down / max(pulled, 1):,.0f} B")
        ann.close()
        bob.close()
    finally:
        proxy.close()
        server.stop()


def bench_resume(base: Path, records: int) -> None:
    print(f"Resume after a cut halfway through pushing {records} records")
    root = base / "resume"
    server = start_server(root, ["ann"])
    proxy = CuttingProxy(server.port)
    try:
        ann = Laptop(root, "ann", proxy.url)
        add_typical_carers(ann.vault, records, seed=3)
        armed = threading.Event()

        def arm_at_half() -> None:
            while ann.vault.count_by_state()[SyncState.SYNCED] < records // 2:
                time.sleep(0.05)  # count_by_state takes the vault lock: poll gently
            proxy.cut_next_responses(1)
            armed.set()

        threading.Thread(target=arm_at_half, daemon=True).start()
        first, error = timed(lambda: _expect_cut(ann.engine))
        synced = ann.vault.count_by_state()[SyncState.SYNCED]
        line("first attempt, until the cut", f"{first:.2f} s, {synced} acknowledged, {error}")
        ann.connect(proxy.url)
        seconds, summary = timed(ann.engine.sync_now)
        line(
            "resumed sync to the end",
            f"{seconds:.2f} s: pushed {summary.pushed}, of which "
            f"{summary.replayed} replayed from the cut batch",
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


def bench_many(
    base: Path, devices: int, per_device: int, database_url: str | None, label: str
) -> None:
    print(f"{devices} laptops syncing at once, {per_device} new carers each ({label})")
    root = base / f"many-{label}"
    names = [f"w{i:02d}" for i in range(devices)]
    server = start_server(root, names, database_url)
    try:
        laptops = [Laptop(root, n, server.url) for n in names]
        for laptop in laptops:
            add_typical_carers(laptop.vault, per_device, seed=int(laptop.enrolment.username[1:]))
            laptop.connect(server.url, backoff=Backoff(max_attempts=5))
        errors: list[BaseException] = []

        def run(laptop: Laptop, phase: str) -> None:
            try:
                laptop.engine.push() if phase == "push" else laptop.engine.pull()
            except BaseException as exc:
                errors.append(exc)

        for phase in ("push", "pull"):
            threads = [threading.Thread(target=run, args=(lap, phase)) for lap in laptops]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - start
            moved = devices * per_device * (1 if phase == "push" else devices)
            line(
                f"{phase}: {moved} records in all",
                f"{seconds:.2f} s, "
                f"{moved / seconds:,.0f} records/s through the server"
                + (f", {len(errors)} laptop(s) failed" if errors else ""),
            )
        for laptop in laptops:
            laptop.close()
    finally:
        server.stop()


def main() -> int:
    global BATCH_SIZE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    BATCH_SIZE = args.batch_size
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="carer-desk-bench-") as tmp, ExitStack() as stack:
        base = Path(tmp)
        bench_day(base)
        bench_bulk(base, args.records, compress=True)
        bench_bulk(base, args.records, compress=False)
        bench_resume(base, args.records)
        bench_many(base, args.devices, args.per_device, None, "SQLite")
        if not args.skip_postgres:
            from tests.sync.server.postgres_cluster import PostgresUnavailable, running_cluster

            try:
                cluster = stack.enter_context(running_cluster())
            except PostgresUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}")
            else:
                bench_many(
                    base, args.devices, args.per_device, cluster.create_database(), "PostgreSQL"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
