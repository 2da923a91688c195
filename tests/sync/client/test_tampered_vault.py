"""A vault file edited between syncs never changes the server (issue 10, High #1).

The attacks that were seen working, against a real server process: outbox rows added to
the file (forged, or a genuine delete put back from an older copy) deleted carers on the
server, and a record rolled back to an older copy set a safeguarding flag back to false.
Each is repeated here; another laptop of the same team then pulls what the server holds,
which must be exactly what it held before.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carer_desk.errors import VaultTampered
from carer_desk.wiring.sync_gateway import build_engine
from storage.vault import Vault
from sync.client.backoff import Backoff
from sync.client.engine import SyncSummary
from tests.sync.support import (
    ServerProcess,
    carer_payload,
    enrol_over_http,
    live_records,
    new_vault,
    reopen_vault,
)

PASSWORD = "a long enough password"
USERS = ("ann", "bob", "cat", "dan")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("server"))
    for name in (*USERS, "observer"):
        process.create_user(name, PASSWORD)
    process.start()
    try:
        yield process
    finally:
        process.stop()


class Laptop:
    """One worker's laptop: a real vault file, enrolled with the server process."""

    def __init__(self, server: ServerProcess, folder: Path, user: str) -> None:
        self.path = folder / user / "vault.sqlite"
        self.user = user
        self.vault = new_vault(self.path, actor=user)
        self.enrolment = enrol_over_http(server.url, self.vault, user, PASSWORD)

    def sync(self) -> SyncSummary:
        engine, transport = build_engine(
            self.vault, self.enrolment, backoff=Backoff(max_attempts=1)
        )
        try:
            return engine.sync_now()
        finally:
            transport.close()

    def close(self) -> None:
        self.vault.close()

    def reopen(self) -> None:
        self.vault = reopen_vault(self.path, actor=self.user)

    def edit_file(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """Close the vault and edit its file with sqlite3, as someone with the laptop."""
        self.close()
        conn = sqlite3.connect(str(self.path), isolation_level=None)
        try:
            for sql, params in statements:
                conn.execute(sql, params)
        finally:
            conn.close()
        self.reopen()

    def synced_carer(self, **fields: Any) -> tuple[str, dict[str, Any]]:
        """A new carer, sent to the server."""
        payload = carer_payload(**fields)
        self.vault.put("carer", payload["id"], payload)
        self.sync()
        return payload["id"], payload

    def saved_row(self, table: str, where: str, params: tuple[Any, ...]) -> dict[str, Any]:
        """A copy of one row as the file holds it now (the attacker's older copy)."""
        conn = sqlite3.connect(str(self.path))
        try:
            cur = conn.execute(f"SELECT rowid AS rowid_, * FROM {table} WHERE {where}", params)
            names = [d[0] for d in cur.description]
            return dict(zip(names, cur.fetchone(), strict=True))
        finally:
            conn.close()


def put_back(table: str, saved: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Statements that write ``saved`` back exactly (rowid and MAC included)."""
    values = dict(saved)
    rowid = values.pop("rowid_")
    key = "seq" if table == "outbox" else "id"
    if table == "records":
        values["rowid"] = rowid
    marks = ", ".join("?" * len(values))
    return [
        (f"DELETE FROM {table} WHERE {key} = ?", (values[key],)),
        (f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})", tuple(values.values())),
    ]


def forged_change(record_id: str, op: str, base: int | None) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, state, "
        "key_gen, mac) VALUES (?, ?, 'carer', ?, ?, 100, 'pending', 1, ?)",
        (str(uuid.uuid4()), record_id, op, base, os.urandom(32)),
    )


def what_the_server_holds(server: ServerProcess, folder: Path) -> dict[str, dict[str, Any]]:
    """Every carer of the team, as an honest laptop pulls them now."""
    observer = Laptop(server, folder / f"observer-{uuid.uuid4().hex[:6]}", "observer")
    try:
        observer.sync()
        return live_records(observer.vault)
    finally:
        observer.close()


def test_added_delete_changes_never_delete_anything(server: ServerProcess, tmp_path: Path) -> None:
    ann = Laptop(server, tmp_path, "ann")
    ids = []
    for i, flag in enumerate((False, True, False)):
        payload = carer_payload(given=f"Kept{i}", safeguarding=flag)
        ann.vault.put("carer", payload["id"], payload)
        ids.append(payload["id"])
    ann.sync()
    before = what_the_server_holds(server, tmp_path)
    assert set(ids) <= set(before)

    ann.edit_file(*(forged_change(rid, "delete", 1) for rid in ids))
    summary = ann.sync()
    assert summary.pushed == 0
    assert sorted(h.record_id for h in summary.held_back) == sorted(ids)
    assert any("held back: 3 change(s)" in line for line in summary.lines())
    assert what_the_server_holds(server, tmp_path) == before
    ann.close()


def test_a_genuine_delete_put_back_from_an_older_copy_is_not_sent(
    server: ServerProcess, tmp_path: Path
) -> None:
    bob = Laptop(server, tmp_path, "bob")
    rid, payload = bob.synced_carer(given="Changed", family="Mind")
    bob.vault.delete("carer", rid)
    old_delete = bob.saved_row("outbox", "op = 'delete'", ())
    bob.vault.put("carer", rid, {**payload, "preferred_name": "Still here"})  # undone
    bob.sync()
    before = what_the_server_holds(server, tmp_path)
    assert before[rid]["preferred_name"] == "Still here"

    bob.edit_file(*put_back("outbox", old_delete))
    summary = bob.sync()
    assert [h.change_id for h in summary.held_back] == [old_delete["change_id"]]
    assert what_the_server_holds(server, tmp_path) == before
    bob.close()


def test_a_safeguarding_flag_rolled_back_in_the_file_stays_set_on_the_server(
    server: ServerProcess, tmp_path: Path
) -> None:
    cat = Laptop(server, tmp_path, "cat")
    rid, payload = cat.synced_carer(given="At", family="Risk", safeguarding=False)
    unflagged = cat.saved_row("records", "id = ?", (rid,))
    cat.vault.put("carer", rid, {**payload, "safeguarding_flag": True})
    cat.sync()
    before = what_the_server_holds(server, tmp_path)
    assert before[rid]["safeguarding_flag"] is True

    server_version = cat.vault.meta(rid).server_version
    cat.edit_file(*put_back("records", unflagged), forged_change(rid, "upsert", server_version))
    summary = cat.sync()
    assert summary.pushed == 0 and summary.held_back
    assert what_the_server_holds(server, tmp_path)[rid]["safeguarding_flag"] is True
    cat.close()


def test_a_changed_header_sends_nothing(server: ServerProcess, tmp_path: Path) -> None:
    dan = Laptop(server, tmp_path, "dan")
    payload = carer_payload(given="Waiting")
    dan.vault.put("carer", payload["id"], payload)  # genuine, not yet sent
    before = what_the_server_holds(server, tmp_path)
    dan.edit_file(
        ("UPDATE header SET value = ? WHERE name = 'sync_cursor'", ("somewhere-else",)),
    )
    with pytest.raises(VaultTampered, match="the sync position was altered"):
        dan.sync()  # the push holds everything back; the pull will not use the position
    assert dan.vault.outbox_pending(10) == []
    held = dan.vault.outbox_held_back()
    assert [h.record_id for h in held] == [payload["id"]]
    assert "the sync position was altered" in held[0].reason
    assert what_the_server_holds(server, tmp_path) == before
    assert not dan.vault.check().ok
    dan.close()


def test_vault_check_on_the_command_line_names_the_edit(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.vaults import CHEAP_KDF, PASSPHRASE

    data = tmp_path / "data"
    vault = Vault.create(data / "vault.sqlite", PASSPHRASE, actor="ann", kdf=CHEAP_KDF)
    payload = carer_payload()
    vault.put("carer", payload["id"], payload)
    vault.close()
    conn = sqlite3.connect(str(data / "vault.sqlite"), isolation_level=None)
    conn.execute("UPDATE outbox SET op = 'delete'")
    conn.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARER_DESK")}
    result = subprocess.run(
        [sys.executable, "-m", "carer_desk", "--data-dir", str(data), "vault", "check"],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "ALTERED: The outbox change" in result.stdout
    assert "(delete of carer" in result.stdout
    assert "changed outside Carer Desk" in result.stderr
