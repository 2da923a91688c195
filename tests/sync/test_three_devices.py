"""Three laptops and one server, driven by hypothesis through random days of work.

Real parts only: three encrypted vaults in temporary folders, the real FastAPI server on
its SQLite backend (called in process), the real HTTP transport and sync engine. Faults
are injected at the transport boundary *after* the server has acted — a lost answer, as a
dropped mobile connection produces — and by re-opening a vault (a client killed and
started again) or the server (a restart).

A rule also edits one laptop's vault file between syncs, as someone holding the laptop
without the passphrase could: an outbox row added (a delete or an upsert), a record and
its outbox rows rolled back to an older copy, a genuine delete the worker took back put
back from a copy of the file (valid MACs, no forgery), or a header field changed (the
sync position, the KDF settings, the organisation's recovery key, a field added). That laptop's
next sync must not change the server in any way, and its vault must report the edit;
then the administrator gives the worker a fresh vault, enrolled again, and work goes on.

Invariants:
* every change the server acknowledged is in its ledger, and no change id ever produced
  two versions (nothing applied twice);
* a sync from a vault edited outside Carer Desk changes nothing on the server;
* after a final sync of every laptop, all laptops hold exactly the server's version of
  every record, except where a laptop shows a conflict for a person to resolve;
* no edit is lost: the last value each laptop wrote to each field is in the server's
  history of that record or held in a conflict record.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from carer_desk.errors import NotFoundError, VaultTampered
from carer_desk.ports import Priority, SyncState
from carer_desk.wiring.enrolment import load_enrolment
from storage.recovery import generate_recovery_keypair
from storage.vault import Vault
from sync.client.backoff import NO_RETRY
from sync.client.engine import SyncEngine
from sync.client.errors import ServerUnreachable
from sync.client.transport import HttpTransport
from sync.protocol import ChangeStatus, PullResponse, PushRequest, PushResponse
from tests.sync.support import (
    InProcessServer,
    carer_payload,
    enrol_device,
    new_vault,
    reopen_vault,
)

PASSWORD = "a long enough password"
NAMES = ("ann", "bob", "cat")
# preferred_name is weighted so two laptops often change the same field (a conflict), and
# the others so they often change different fields of one record (a field-level merge).
FIELDS = ("preferred_name", "preferred_name", "gp_practice", "language")
DEVICE = st.integers(min_value=0, max_value=len(NAMES) - 1)
EDITS = (
    "add a delete",
    "add an upsert",
    "roll a record back",
    "put a superseded delete back",
    "change the header",
)
HEADER_EDITS = (
    ("UPDATE header SET value = 'not-the-real-one' WHERE name = 'sync_cursor'", ()),
    ("UPDATE header SET value = ? WHERE name = 'recovery_public_key'", ("planted",)),
    ("INSERT INTO header (name, value) VALUES ('recovery_public_key_2', 'planted')", ()),
    ("UPDATE header SET value = replace(value, 'argon2id', 'argon2i') WHERE name = 'kdf'", ()),
)


@functools.cache
def attackers_recovery_key() -> str:
    return generate_recovery_keypair(None)[1].decode("ascii")


def rows_of(path: Path, table: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(str(path))
    try:
        cur = conn.execute(f"SELECT rowid AS rowid_, * FROM {table}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        conn.close()


def put_back(conn: sqlite3.Connection, table: str, saved: dict[str, Any]) -> None:
    """Write a row exactly as an older copy of the file held it (rowid and MAC too)."""
    values = dict(saved)
    rowid = values.pop("rowid_")
    key = "seq" if table == "outbox" else "id"
    if table == "records":
        values["rowid"] = rowid
    conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (values[key],))
    conn.execute(
        f"INSERT OR REPLACE INTO {table} ({', '.join(values)}) "
        f"VALUES ({', '.join('?' * len(values))})",
        tuple(values.values()),
    )


def forged_change(conn: sqlite3.Connection, record_id: str, op: str) -> None:
    """A change as an attacker would write it: based on the version the server holds (the
    clear column says which), so the server would apply it if it were sent."""
    (base,) = conn.execute(
        "SELECT server_version FROM records WHERE id = ?", (record_id,)
    ).fetchone() or (None,)
    conn.execute(
        "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, state, "
        "key_gen, mac) VALUES (?, ?, 'carer', ?, ?, 100, 'pending', 1, ?)",
        (str(uuid.uuid4()), record_id, op, base or 1, os.urandom(32)),
    )


class RecordingTransport(HttpTransport):
    """The real HTTP transport, which notes every answer the engine received and can lose
    the next answer after the server has acted on the request."""

    def __init__(self, *args: Any, acked: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acked = acked
        self.lose_push = False
        self.lose_pull = False

    def push(self, request: PushRequest) -> PushResponse:
        answer = super().push(request)
        if self.lose_push:
            self.lose_push = False
            raise ServerUnreachable("response lost")
        for r in answer.results:
            if r.status != ChangeStatus.REJECTED:
                self.acked[r.change_id] = r.record_id
        return answer

    def pull(self, since: str, limit: int = 500) -> PullResponse:
        answer = super().pull(since, limit)
        if self.lose_pull:
            self.lose_pull = False
            raise ServerUnreachable("response lost")
        return answer


class ThreeDevices(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="carer-desk-3dev-"))
        self.server = InProcessServer(self.tmp / "server")
        self.acked: dict[str, str] = {}
        self.ids: list[str] = []
        # (device, record, field) -> the last value that device wrote there
        self.written: dict[tuple[int, str, str], str] = {}
        self.counter = 0
        self.vaults = []
        for name in NAMES:
            self.server.create_user(name, PASSWORD)
            self.vaults.append(self._new_laptop(name))
        self.engines: list[SyncEngine] = []
        self.transports: list[RecordingTransport] = []
        for i in range(len(NAMES)):
            self._connect(i)
        # One carer every laptop already knows, as after the morning's sync.
        self.register_carer(0, False)
        for engine in self.engines:
            engine.sync_now()

    def _new_laptop(self, name: str) -> Vault:
        vault = new_vault(self.tmp / f"{name}-{uuid.uuid4().hex[:8]}" / "vault.sqlite", actor=name)
        enrol_device(self.server, vault, name, PASSWORD)
        return vault

    def _connect(self, i: int) -> None:
        enrolment = load_enrolment(self.vaults[i])
        assert enrolment is not None
        transport = RecordingTransport(
            enrolment.server, enrolment.credential, client=self.server.client, acked=self.acked
        )
        engine = SyncEngine(self.vaults[i], transport, backoff=NO_RETRY, page_size=4, batch_size=3)
        if len(self.engines) > i:
            self.engines[i], self.transports[i] = engine, transport
        else:
            self.engines.append(engine)
            self.transports.append(transport)

    def _token(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    # --- rules --------------------------------------------------------------------------

    @rule(dev=DEVICE, safeguarding=st.booleans())
    def register_carer(self, dev: int, safeguarding: bool) -> None:
        token = self._token()
        payload = carer_payload(given=f"Carer{token}", safeguarding=safeguarding)
        payload["preferred_name"] = token
        priority = Priority.SAFEGUARDING if safeguarding else Priority.NORMAL
        self.vaults[dev].put("carer", payload["id"], payload, priority=priority)
        self.ids.append(payload["id"])
        self.written[(dev, payload["id"], "preferred_name")] = token

    @precondition(lambda self: self.ids)
    @rule(dev=DEVICE, pick=st.integers(min_value=0), field=st.sampled_from(FIELDS))
    def edit_offline(self, dev: int, pick: int, field: str) -> None:
        rid = self.ids[pick % len(self.ids)]
        try:
            payload = self.vaults[dev].get("carer", rid)
        except NotFoundError:
            return  # this laptop has not pulled that carer yet
        token = self._token()
        payload[field] = token
        self.vaults[dev].put("carer", rid, payload)
        self.written[(dev, rid, field)] = token

    @precondition(lambda self: self.ids)
    @rule(
        a=DEVICE,
        b=DEVICE,
        pick=st.integers(min_value=0),
        field_a=st.sampled_from(FIELDS),
        field_b=st.sampled_from(FIELDS),
    )
    def same_record_edited_on_two_laptops(
        self, a: int, b: int, pick: int, field_a: str, field_b: str
    ) -> None:
        """Two colleagues update the same carer the same day, each offline."""
        both = [i for i, rid in enumerate(self.ids) if self._has(a, rid) and self._has(b, rid)]
        if not both:
            return
        index = both[pick % len(both)]
        self.edit_offline(a, index, field_a)
        if b != a:
            self.edit_offline(b, index, field_b)

    def _has(self, dev: int, rid: str) -> bool:
        try:
            self.vaults[dev].get("carer", rid)
        except NotFoundError:
            return False
        return True

    @precondition(lambda self: self.ids)
    @rule(dev=DEVICE, pick=st.integers(min_value=0))
    def delete_offline(self, dev: int, pick: int) -> None:
        rid = self.ids[pick % len(self.ids)]
        if not self._has(dev, rid):
            return
        self.vaults[dev].delete("carer", rid)
        # This laptop's own unsent edits of the record are superseded by its delete.
        self.written = {k: v for k, v in self.written.items() if k[:2] != (dev, rid)}
        try:
            self.vaults[dev].meta(rid)
        except NotFoundError:
            # Never sent: the laptop forgets it at once and nobody else ever saw it.
            self.ids.remove(rid)
            self.written = {k: v for k, v in self.written.items() if k[1] != rid}

    @rule(dev=DEVICE)
    def sync(self, dev: int) -> None:
        summary = self.engines[dev].sync_now()
        if summary.conflicts:
            event("a conflict was raised")
        if summary.replayed:
            event("a lost answer was replayed")

    @rule(dev=DEVICE, where=st.sampled_from(("push", "pull")))
    def sync_losing_an_answer(self, dev: int, where: str) -> None:
        t = self.transports[dev]
        t.lose_push, t.lose_pull = where == "push", where == "pull"
        with contextlib.suppress(ServerUnreachable):
            self.engines[dev].sync_now()
        t.lose_push = t.lose_pull = False

    @rule(dev=DEVICE)
    def kill_client_mid_push(self, dev: int) -> None:
        """The answer is lost and the app dies: a fresh process opens the vault again."""
        self.transports[dev].lose_push = True
        with contextlib.suppress(ServerUnreachable):
            self.engines[dev].sync_now()
        self.transports[dev].lose_push = False
        path = self.vaults[dev].path
        self.vaults[dev].close()
        self.vaults[dev] = reopen_vault(path, actor=NAMES[dev])
        self._connect(dev)

    @rule()
    def restart_server(self) -> None:
        self.server.restart()
        for i in range(len(NAMES)):
            self._connect(i)

    @rule(dev=DEVICE, edit=st.sampled_from(EDITS), pick=st.integers(min_value=0))
    def edit_the_vault_file_between_syncs(self, dev: int, edit: str, pick: int) -> None:
        """Someone with the laptop, not the passphrase, edits the file between syncs."""
        vault = self.vaults[dev]
        held = [rid for rid in self.ids if self._has(dev, rid)]
        older = {r["id"]: r for r in rows_of(vault.path, "records")}
        older_changes = rows_of(vault.path, "outbox")
        if held and edit == "roll a record back":
            # A genuine newer version, so there is an older copy to put back.
            rid = held[pick % len(held)]
            payload = vault.get("carer", rid)
            payload["gp_practice"] = self._token()
            vault.put("carer", rid, payload)
            self.written[(dev, rid, "gp_practice")] = payload["gp_practice"]
        # Everything genuine is sent first: the sync after the edit must then send nothing.
        for _round in range(2):
            self.engines[dev].sync_now()
        assert vault.outbox_pending(1000) == []
        if edit == "put a superseded delete back":
            older, older_changes = self._superseded_delete(dev, pick)
        path = vault.path
        vault.close()
        server_before = self._server_versions()
        conn = sqlite3.connect(str(path), isolation_level=None)
        try:
            self._edit(conn, edit, held, older, older_changes, pick)
        finally:
            conn.close()
        self.vaults[dev] = reopen_vault(path, actor=NAMES[dev])
        self._connect(dev)
        with contextlib.suppress(VaultTampered):  # a header edit stops the sync outright
            self.engines[dev].sync_now()
        assert self._server_versions() == server_before, (
            f"an edit of {NAMES[dev]}'s vault file reached the server"
        )
        assert not self.vaults[dev].check().ok, f"{edit} went unnoticed"
        event(f"vault file edited: {edit}")
        # The administrator gives the worker a fresh vault; everything was on the server.
        self.vaults[dev].close()
        self.vaults[dev] = self._new_laptop(NAMES[dev])
        self._connect(dev)
        self.engines[dev].sync_now()

    def _superseded_delete(
        self, dev: int, pick: int
    ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """The worker deletes a synced carer, then thinks better of it and saves the carer
        again (the delete is superseded and never sent). The copy of the file taken in
        between holds a genuine, validly MACed delete: the one to put back."""
        vault = self.vaults[dev]
        synced = [
            rid
            for rid in self.ids
            if self._has(dev, rid)
            and vault.meta(rid).sync_state == SyncState.SYNCED
            and vault.meta(rid).server_version is not None
        ]
        if not synced:
            return {}, []
        rid = synced[pick % len(synced)]
        payload = vault.get("carer", rid)
        vault.delete("carer", rid)
        older = {r["id"]: r for r in rows_of(vault.path, "records") if r["id"] == rid}
        deletes = [c for c in rows_of(vault.path, "outbox") if c["record_id"] == rid]
        assert [c["op"] for c in deletes] == ["delete"]
        vault.put("carer", rid, payload)  # the same values: nothing new to lose
        event("a genuine delete, taken back, was put back from a copy of the file")
        return older, deletes

    def _server_versions(self) -> list[tuple[str, int, bool]]:
        return sorted(
            (v.record_id, v.version, v.deleted) for v in self.server.store.iter_versions()
        )

    def _edit(
        self,
        conn: sqlite3.Connection,
        edit: str,
        held: list[str],
        older: dict[str, dict[str, Any]],
        older_changes: list[dict[str, Any]],
        pick: int,
    ) -> None:
        if edit == "change the header" or not held:
            sql, params = HEADER_EDITS[pick % len(HEADER_EDITS)]
            if params == ("planted",):  # a real key of the attacker's, made once
                params = (attackers_recovery_key(),)
            conn.execute(sql, params)
            return
        rid = held[pick % len(held)]
        if edit == "put a superseded delete back" and older:
            # Only genuine rows, each with its valid MAC: no forgery at all.
            for record in older.values():
                put_back(conn, "records", record)
            for change in older_changes:
                put_back(conn, "outbox", change)
        elif edit == "roll a record back" and rid in older:
            put_back(conn, "records", older[rid])
            for change in older_changes:
                if change["record_id"] == rid:
                    put_back(conn, "outbox", change)
            forged_change(conn, rid, "upsert")
        else:
            forged_change(conn, rid, "delete" if edit == "add a delete" else "upsert")

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def acknowledged_changes_exist_exactly_once(self) -> None:
        if not hasattr(self, "server"):
            return
        per_change = Counter(v.change_id for v in self.server.store.iter_versions() if v.change_id)
        assert all(n == 1 for n in per_change.values()), "a change was applied twice"
        with self.server.store.transaction() as tx:
            for change_id in self.acked:
                assert tx.applied_result(change_id) is not None, change_id

    def teardown(self) -> None:
        if not hasattr(self, "server"):
            return
        try:
            # The final sync: everyone pushes, then everyone pulls what the others pushed.
            for _round in range(2):
                for engine in self.engines:
                    engine.sync_now()
            self.acknowledged_changes_exist_exactly_once()
            self._check_convergence()
            self._check_nothing_lost()
        finally:
            for vault in self.vaults:
                vault.close()
            self.server.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _server_record(self, rid: str) -> Any:
        with self.server.store.transaction() as tx:
            return tx.get_record(rid)

    def _check_convergence(self) -> None:
        for i, vault in enumerate(self.vaults):
            assert vault.outbox_pending(1000) == [], f"{NAMES[i]} still has changes to send"
            assert vault.rejected_changes() == []
            for rid in self.ids:
                stored = self._server_record(rid)
                assert stored is not None, f"{rid} never reached the server"
                try:
                    meta = vault.meta(rid)
                except NotFoundError:
                    assert stored.deleted, f"{NAMES[i]} lost {rid}, which the server still has"
                    continue
                if meta.sync_state == SyncState.CONFLICT:
                    assert vault.conflict_details(rid) is not None
                    continue
                assert not stored.deleted, f"{NAMES[i]} still holds deleted {rid}"
                assert meta.sync_state == SyncState.SYNCED, (NAMES[i], rid, meta.sync_state)
                assert meta.server_version == stored.version, (NAMES[i], rid)
                assert vault.get("carer", rid) == stored.payload, (NAMES[i], rid)

    def _check_nothing_lost(self) -> None:
        with self.server.store.transaction() as tx:
            for (dev, rid, field), token in self.written.items():
                history = [tx.version_payload(rid, v.version) or {} for v in tx.versions(rid)]
                if any(p.get(field) == token for p in history):
                    continue
                held = [c.details.get("client_payload") or {} for c in tx.open_conflicts([rid])]
                assert any(p.get(field) == token for p in held), (
                    f"{NAMES[dev]}'s edit of {field} on {rid} was lost without a conflict"
                )


ThreeDevices.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_three_devices = ThreeDevices.TestCase
