"""Where a push and a pull spend their time, stage by stage: prints a table, asserts nothing.

    python bench/sync_profile.py [--records 10000] [--database URL] [--top 0]

One laptop pushes N new carers, then N edits of them, and a second laptop pulls each,
through the real sync engine, vaults, push pipeline and pull service, with the HTTP
layer replaced by what it does to the bytes (JSON, gzip, the request and answer models)
so that all of it runs in this process and the profiler sees every stage: the laptop's
outbox reads and writes, sealing, encoding, the server's checks, reads, decisions, store,
report facts, ledger and commit. Times are cProfile's (slower than without it; the shares
are what to read). ``bench/sync.py`` gives the figures over real loopback HTTP.

For the same over real processes, a sampling profiler does it without changing any code:
``py-spy record --subprocesses -f raw -o out.txt -- .venv/bin/python bench/sync.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import importlib.util
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carer_desk.ports import RecordWrite  # noqa: E402
from sync import protocol  # noqa: E402
from sync.client.engine import SyncEngine  # noqa: E402
from sync.protocol import PullResponse, PushRequest, PushResponse, Role  # noqa: E402
from sync.server import canonical_json  # noqa: E402
from sync.server.access import Principal  # noqa: E402
from sync.server.pull import PullService  # noqa: E402
from sync.server.push import PushPipeline  # noqa: E402
from sync.server.store import open_store  # noqa: E402
from tests.sync.support import new_vault  # noqa: E402

#: (side, stage, module path suffix, function name): cumulative time of that function.
STAGES = (
    ("laptop", "outbox read (unseal, MAC checks)", "storage/vault/facade.py", "outbox_pending"),
    ("laptop", "mark sending", "storage/vault/facade.py", "outbox_mark_sending"),
    ("laptop", "acknowledge", "storage/vault/facade.py", "outbox_acknowledge_many"),
    ("laptop", "encode request (JSON, gzip)", "bench/sync_profile.py", "client_encode"),
    ("laptop", "decode answer", "bench/sync_profile.py", "client_decode"),
    ("laptop", "apply pulled page (seal, write)", "storage/vault/facade.py", "apply_remote_page"),
    ("laptop", "  of which the vault's hash tree", "storage/vault/tree.py", "settle"),
    ("server", "decode request (gunzip, JSON, model)", "bench/sync_profile.py", "server_decode"),
    ("server", "check each change (codec, dates)", "sync/server/push.py", "check_alone"),
    ("server", "read up front (records, versions)", "sync/server/push.py", "read_up_front"),
    ("server", "decide (access, merge, rules)", "sync/server/push.py", "decide"),
    ("server", "store records and versions", "sync/server/store.py", "write_versions"),
    ("server", "  of which report facts", "sync/server/reports/facts.py", "store_facts"),
    ("server", "idempotency ledger", "sync/server/store.py", "save_applied_many"),
    ("server", "audit", "sync/server/store.py", "audit_many"),
    ("server", "begin and commit (disk flush)", "sync/server/store.py", "transaction"),
    ("server", "encode answer (JSON, gzip)", "bench/sync_profile.py", "server_encode"),
    ("server", "pull page (query, unseal)", "sync/server/store.py", "page_since"),
    ("server", "pull count of what remains", "sync/server/store.py", "count_since"),
    ("server", "pull open conflicts", "sync/server/store.py", "open_conflict_ids"),
)


class Profiles:
    """One profiler per thread (cProfile sees only the thread it runs in), merged."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def run(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        profile = getattr(self._local, "profile", None)
        if profile is None:
            profile = self._local.profile = cProfile.Profile()
            with self._lock:
                self._all.append(profile)
        profile.enable()
        try:
            return fn(*args, **kwargs)
        finally:
            profile.disable()

    def stats(self) -> pstats.Stats:
        stats = pstats.Stats(self._all[0])
        for other in self._all[1:]:
            stats.add(other)
        return stats


def client_encode(request: PushRequest) -> bytes:
    return gzip.compress(request.model_dump_json().encode(), compresslevel=6)


def server_decode(body: bytes) -> PushRequest:
    return PushRequest.model_validate(canonical_json.loads(gzip.decompress(body)))


def server_encode(model_json: bytes) -> bytes:
    return gzip.compress(model_json, compresslevel=6)


def client_decode(body: bytes, model):  # type: ignore[no-untyped-def]
    return model.model_validate_json(gzip.decompress(body))


class InProcessTransport:
    """What HttpTransport and the server's routes do to a push or a pull, minus sockets."""

    def __init__(
        self, profiles: Profiles, push: PushPipeline, pull: PullService, who: Principal
    ) -> None:
        self.profiles, self._push, self._pull, self.who = profiles, push, pull, who

    def push(self, request: PushRequest) -> PushResponse:
        return self.profiles.run(self._push_bytes, request)

    def _push_bytes(self, request: PushRequest) -> PushResponse:
        body = client_encode(request)
        answer = self._push.push(self.who, server_decode(body)).model_dump_json().encode()
        return client_decode(server_encode(answer), PushResponse)

    def pull(
        self, since: str, limit: int = protocol.DEFAULT_PULL_LIMIT, *, count: bool = True
    ) -> PullResponse:
        return self.profiles.run(self._pull_bytes, since, limit, count)

    def _pull_bytes(self, since: str, limit: int, count: bool) -> PullResponse:
        page = self._pull.pull_json(self.who, since, limit, count=count)
        return client_decode(server_encode(page), PullResponse)


def report(title: str, stats: pstats.Stats, wall: float, count: int, top: int) -> None:
    """Each stage's time, its share of the wall time (the laptop's thread that talks to
    the server overlaps the one that reads and writes the vault, so shares may add up to
    more than 100 %), and per record."""
    raw = stats.stats  # type: ignore[attr-defined]
    print(f"\n{title}: {count:,} records, {wall:.2f} s profiled ({count / wall:,.0f}/s)")
    print(f"  {'side':<7} {'stage':<40} {'seconds':>8} {'share':>6} {'per record':>11}")
    for side, stage, path, name in STAGES:
        seconds = sum(
            ct
            for (file, _line, func), (_cc, _nc, _tt, ct, _c) in raw.items()
            if func == name and file.replace(os.sep, "/").endswith(path)
        )
        if seconds:
            share = f"{100 * seconds / wall:.0f} %"
            per = f"{1e6 * seconds / count:,.0f} µs"
            print(f"  {side:<7} {stage:<40} {seconds:>8.2f} {share:>6} {per:>11}")
    if top:
        stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest functions")
    args = parser.parse_args()
    bench_sync = _bench_sync()
    print(f"Sync profile: load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carer-desk-profile-") as tmp:
        base = Path(tmp)
        store = open_store(args.database or f"sqlite:///{base / 's.sqlite3'}", base / "s.key")
        for name in ("ann", "bob"):
            store.create_user(name, "outreach-worker", "north", "unused")
        push, pull = PushPipeline(store), PullService(store)
        laptops = {}
        for name in ("ann", "bob"):
            profiles = Profiles()
            who = Principal(name, Role.OUTREACH_WORKER, "north", f"{name}-laptop")
            vault = new_vault(base / f"{name}.sqlite", actor=name)
            engine = SyncEngine(vault, InProcessTransport(profiles, push, pull, who))
            laptops[name] = (profiles, vault, engine)
        (ann_prof, ann_vault, ann), (bob_prof, _bob_vault, bob) = laptops["ann"], laptops["bob"]
        bench_sync.add_typical_carers(ann_vault, args.records, seed=2)
        for what in ("new records", "edits"):
            if what == "edits":
                writes = []
                for rid, payload in ann_vault.iter_kind("carer"):
                    payload["gp_practice"] = f"Surgery {len(writes)}"
                    writes.append(RecordWrite("carer", rid, payload))
                ann_vault.put_many(writes, action="edit")
            for title, profiles, run in (
                (f"push of {what}", ann_prof, ann.push),
                (f"pull of the {what}", bob_prof, bob.pull),
            ):
                profiles._all.clear()
                profiles._local = threading.local()
                start = time.perf_counter()
                profiles.run(run)
                report(title, profiles.stats(), time.perf_counter() - start, args.records, args.top)
        for _profiles, vault, _engine in laptops.values():
            vault.close()
        store.close()
    return 0


def _bench_sync():  # type: ignore[no-untyped-def]
    """bench/sync.py, for its typical carers (the name ``sync`` is the package's)."""
    spec = importlib.util.spec_from_file_location("bench_sync", ROOT / "bench" / "sync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_sync"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    sys.exit(main())
