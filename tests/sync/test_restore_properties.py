"""Random work on three laptops before and after a backup; the server is lost and restored
from the backup; every laptop syncs on — and they converge with nothing lost.

Real parts: three encrypted vaults, the real FastAPI server on SQLite (in process), the
real HTTP transport and sync engine. The backup is SQLite's online backup of the live
database; the loss replaces the database with it. How the server learns it was restored
varies: the IT officer runs ``mark-restored``, the data directory survived (its marker
says the database went back, whether the server stopped cleanly or died), or the data
directory was lost with the database.

Invariants after the restore and three rounds of syncs:

* every laptop holds exactly the server's copy of every carer (except where it shows a
  conflict for a person), including the carers made after the restore, whose sequence
  numbers the lost database had already handed out;
* nothing is lost: for each field, the value of the newest copy any laptop held when the
  server was lost (or the value a laptop had edited and not yet sent) is the server's
  value, or is held in an open conflict on that record for a person to choose.

Every value written is new (a counter): a field changed back after the backup to a value it
had before is the one case the merge cannot tell from an older copy (docs/operations.md).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk.errors import NotFoundError
from carer_desk.ports import SyncState
from carer_desk.wiring.enrolment import load_enrolment
from sync.client.backoff import NO_RETRY
from sync.client.engine import SyncEngine
from sync.client.transport import HttpTransport
from sync.server.restore import MARKER_FILE, mark_restored, notice_at_start_up, remember_database
from sync.server.store import sqlite_file
from tests.sync.support import InProcessServer, carer_payload, enrol_device, new_vault

PASSWORD = "a long enough password"
NAMES = ("ann", "bob", "cat")
FIELDS = ("preferred_name", "gp_practice", "language")
DEVICE = st.integers(min_value=0, max_value=len(NAMES) - 1)
STEP = st.one_of(
    st.tuples(st.just("add"), DEVICE),
    st.tuples(st.just("edit"), DEVICE, st.integers(min_value=0), st.sampled_from(FIELDS)),
    st.tuples(st.just("sync"), DEVICE),
)
WORK = st.lists(STEP, min_size=1, max_size=10)
HOW = st.sampled_from(
    (
        "mark-restored",
        "marker says it went back",
        "the server died after the backup",  # no clean stop: the marker as its writes left it
        "data directory lost",
    )
)


class World:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="carer-desk-restore-"))
        self.data = self.tmp / "server"
        self.server = InProcessServer(self.data)
        self.ids: list[str] = []
        self.counter = 0
        # (laptop, carer) -> fields edited there and not yet sent
        self.unsent: dict[tuple[int, str], dict[str, str]] = {}
        self.vaults = []
        self.engines: list[SyncEngine] = []
        for name in NAMES:
            self.server.create_user(name, PASSWORD)
            vault = new_vault(self.tmp / name / "vault.sqlite", actor=name)
            enrol_device(self.server, vault, name, PASSWORD)
            self.vaults.append(vault)
            self.engines.append(self._engine(vault))

    def _engine(self, vault: Any) -> SyncEngine:
        enrolment = load_enrolment(vault)
        assert enrolment is not None
        transport = HttpTransport(enrolment.server, enrolment.credential, client=self.server.client)
        return SyncEngine(vault, transport, backoff=NO_RETRY, page_size=3, batch_size=2)

    def reconnect(self) -> None:
        self.engines = [self._engine(v) for v in self.vaults]

    def close(self) -> None:
        for vault in self.vaults:
            vault.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _token(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def run(self, step: tuple[Any, ...]) -> None:
        what, dev = step[0], step[1]
        vault = self.vaults[dev]
        if what == "add":
            token = self._token()
            payload = carer_payload(given=f"Carer{token}", record_id=uuid.uuid4().hex)
            payload["preferred_name"] = token
            vault.put("carer", payload["id"], payload)
            self.ids.append(payload["id"])
        elif what == "edit":
            if not self.ids:
                return
            rid = self.ids[step[2] % len(self.ids)]
            try:
                payload = vault.get("carer", rid)
            except NotFoundError:
                return  # not on this laptop yet
            token = self._token()
            payload[step[3]] = token
            vault.put("carer", rid, payload)
            self.unsent.setdefault((dev, rid), {})[step[3]] = token
        else:
            summary = self.engines[dev].sync_now()
            assert not summary.rejected, summary.lines()
            self.unsent = {k: v for k, v in self.unsent.items() if k[0] != dev}

    def held(self) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        """Per carer, each laptop's (server version, payload) as it is now."""
        found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for vault in self.vaults:
            for rid, payload in vault.iter_kind("carer"):
                version = vault.meta(rid).server_version or 0
                found.setdefault(rid, []).append((version, payload))
        return found

    def server_copies(self) -> dict[str, dict[str, Any]]:
        with self.server.store.transaction() as tx:
            return {
                rid: record.payload
                for rid in self.ids
                if (record := tx.get_record(rid)) is not None and record.payload is not None
            }

    def open_conflict_values(self) -> dict[str, list[dict[str, Any]]]:
        with self.server.store.transaction() as tx:
            found: dict[str, list[dict[str, Any]]] = {}
            for conflict in tx.open_conflicts(self.ids):
                found.setdefault(conflict.record_id, []).append(
                    conflict.details.get("client_payload") or {}
                )
            return found


def _expected(world: World, restored: dict[str, dict[str, Any]], held: Any) -> dict:
    """(carer, field) -> the values one of which the server must hold (or a conflict)."""
    with world.server.store.transaction() as tx:
        versions = {rid: r.version for rid in world.ids if (r := tx.get_record(rid))}
    expected: dict[tuple[str, str], set[str]] = {}
    for rid in world.ids:
        copies = list(held.get(rid, []))
        if rid in restored:
            copies.append((versions[rid], restored[rid]))
        if not copies:
            continue  # made on a laptop and never sent: it is still there, unsent
        newest = max(copies, key=lambda c: c[0])[1]
        for field in FIELDS:
            edits = {
                fields[field]
                for (dev, r), fields in world.unsent.items()
                if r == rid and field in fields
            }
            expected[(rid, field)] = edits or {newest.get(field)}
    return expected


def _restore(world: World, backup: Path, how: str) -> None:
    database = sqlite_file(world.server.settings.database_url)
    assert database is not None
    if how == "marker says it went back":
        remember_database(world.server.store, world.data)  # the lost server's last stop
    world.server.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copy2(backup, database)
    if how == "data directory lost":
        (world.data / MARKER_FILE).unlink(missing_ok=True)
    world.server.start()
    world.reconnect()
    store = world.server.store
    if how == "mark-restored":
        mark_restored(store, by="admin-cli", reason="test")
    else:
        # Noticed when the database went back; when nothing reached it after the backup,
        # there is nothing to notice (and nothing lost).
        notice_at_start_up(store, world.data, upgraded=False)


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    before=WORK,
    after=WORK,
    after_restore=st.lists(st.tuples(st.just("add"), DEVICE), max_size=3),
    how=HOW,
    order=st.permutations(range(len(NAMES))),
)
def test_random_work_before_and_after_a_backup_converges_after_a_restore(
    before: list[Any], after: list[Any], after_restore: list[Any], how: str, order: list[int]
) -> None:
    world = World()
    try:
        for step in before:
            world.run(step)
        # The nightly backup, taken while the server runs (and its marker, as it stood).
        remember_database(world.server.store, world.data)
        backup = world.tmp / "backup.sqlite3"
        database = sqlite_file(world.server.settings.database_url)
        with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        for step in after:
            world.run(step)

        held = world.held()
        _restore(world, backup, how)
        restored = world.server_copies()
        expected = _expected(world, restored, held)

        for step in after_restore:
            world.run(step)
        for _ in range(3):
            for dev in order:
                world.run(("sync", dev))

        server = world.server_copies()
        conflicts = world.open_conflict_values()
        for (rid, field), values in expected.items():
            kept = [server.get(rid, {}).get(field)]
            kept += [client.get(field) for client in conflicts.get(rid, [])]
            assert values & set(kept), (
                f"{field} of {rid}: {values} lost (server and conflicts hold {kept})"
            )
        assert set(server) == set(world.ids), "a carer is missing on the server"
        for i, vault in enumerate(world.vaults):
            mine = dict(vault.iter_kind("carer"))
            assert set(mine) == set(server), f"{NAMES[i]} does not hold every carer"
            for rid, payload in mine.items():
                if vault.meta(rid).sync_state != SyncState.CONFLICT:
                    assert payload == server[rid], f"{NAMES[i]}'s copy of {rid} differs"
    finally:
        world.close()
