"""Someone who can write the vault file, but has not got the passphrase, edits it.

Each test performs the attack on a real vault file with sqlite3 — as an attacker with the
laptop would — then opens it with the passphrase and shows the edit is found, named by
``check()``, never handed to a push, and never sealed over by a later write.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from carer_desk.errors import VaultTampered
from carer_desk.ports import RecordWrite
from storage.recovery import generate_recovery_keypair
from storage.vault import Vault

from .conftest import FAST_KDF, PASSPHRASE, carer, raw, reopen


def row(conn: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...]) -> dict:
    cur = conn.execute(f"SELECT rowid AS rowid_, * FROM {table} WHERE {where}", params)
    names = [d[0] for d in cur.description]
    found = cur.fetchone()
    assert found is not None, (table, where, params)
    return dict(zip(names, found, strict=True))


def put_back(conn: sqlite3.Connection, table: str, saved: dict) -> None:
    """Write a row exactly as it was saved (rowid and MAC included)."""
    values = dict(saved)
    rowid = values.pop("rowid_")
    key = "seq" if table == "outbox" else "id"
    conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (values[key],))
    if table == "records":
        values["rowid"] = rowid
    names = ", ".join(values)
    conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(values))})",
        tuple(values.values()),
    )


def synced(vault: Vault, record_id: str, payload: dict, version: int = 1) -> None:
    vault.apply_remote("carer", record_id, payload, server_version=version)


def findings(v: Vault) -> str:
    report = v.check()
    assert not report.ok
    return " | ".join(report.tampered)


# ---------------------------------------------------------------- outbox rows added


def test_an_added_delete_change_is_never_handed_to_a_push(vault: Vault, vault_path: Path) -> None:
    for i in range(3):
        synced(vault, f"s{i}", carer(i))
    vault.close()
    with raw(vault_path) as conn:
        mac = conn.execute("SELECT mac FROM records LIMIT 1").fetchone()[0]
        for i in range(3):
            conn.execute(
                "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, "
                "state, key_gen, mac) VALUES (?, ?, 'carer', 'delete', 1, 100, 'pending', 1, ?)",
                (str(uuid.uuid4()), f"s{i}", mac),
            )
    v = reopen(vault_path)
    assert v.outbox_pending(100) == []
    held = v.outbox_held_back()
    assert sorted(h.record_id for h in held) == ["s0", "s1", "s2"]
    assert "outbox" in findings(v)
    v.close()


def test_a_genuine_delete_put_back_from_an_older_copy_is_held_back(
    vault: Vault, vault_path: Path
) -> None:
    """The attacker replays a row the vault really wrote (its MAC is valid): a delete the
    person took back by editing the record again."""
    synced(vault, "s1", carer(1))
    vault.delete("carer", "s1")
    vault.close()
    with raw(vault_path) as conn:
        old_delete = row(conn, "outbox", "op = 'delete'", ())
    v = reopen(vault_path)
    v.put("carer", "s1", carer(1, name="Kept after all"))  # supersedes the delete
    v.close()
    with raw(vault_path) as conn:
        put_back(conn, "outbox", old_delete)
    v = reopen(vault_path)
    sent = v.outbox_pending(100)
    assert all(c.op != "delete" for c in sent)
    assert any(h.change_id == old_delete["change_id"] for h in v.outbox_held_back())
    assert "were added to, removed or replaced by older copies" in findings(v)
    v.close()


# ---------------------------------------------------------------- records rolled back


def test_a_record_rolled_back_to_an_older_copy_is_detected_and_not_sent(
    vault: Vault, vault_path: Path
) -> None:
    synced(vault, "s1", carer(1, safeguarding=False))
    vault.put("carer", "s1", carer(1, safeguarding=True))
    vault.close()
    with raw(vault_path) as conn:
        before_flag = row(conn, "records", "id = 's1'", ())
    v = reopen(vault_path)
    v.put("carer", "s1", carer(1, safeguarding=True, name="Later edit"))
    v.close()
    # Roll the record back to the copy from before the last edit.
    with raw(vault_path) as conn:
        put_back(conn, "records", before_flag)
    v = reopen(vault_path)
    assert v.outbox_pending(100) == []
    assert [h.record_id for h in v.outbox_held_back()] == ["s1"]
    assert "records rows" in findings(v)
    v.close()


def test_a_whole_older_copy_of_the_file_is_what_stays_possible(
    vault: Vault, vault_path: Path
) -> None:
    """The documented limit (docs/threat-model.md): a complete older copy is consistent."""
    vault.put("carer", "c1", carer(1))
    vault.close()
    old = vault_path.read_bytes()
    v = reopen(vault_path)
    v.put("carer", "c1", carer(1, name="Newer"))
    v.close()
    vault_path.write_bytes(old)
    v = reopen(vault_path)
    assert v.check().ok
    assert v.get("carer", "c1")["name"] == "Carer Number 1"
    v.close()


# ---------------------------------------------------------------- clear columns edited

RECORD_EDITS = {
    "version": "UPDATE records SET version = version + 5 WHERE id = 's1'",
    "server_version": "UPDATE records SET server_version = 99 WHERE id = 's1'",
    "sync_state": "UPDATE records SET sync_state = 'synced' WHERE id = 's1'",
    "deleted": "UPDATE records SET deleted = 1 WHERE id = 's1'",
}
OUTBOX_EDITS = {
    "op": "UPDATE outbox SET op = 'delete'",
    "base_version": "UPDATE outbox SET base_version = 7",
    "priority": "UPDATE outbox SET priority = 0",
    "state": "UPDATE outbox SET state = 'sending'",
    "record_id": "UPDATE outbox SET record_id = 's2'",
}


@pytest.mark.parametrize("edit", [*RECORD_EDITS.values(), *OUTBOX_EDITS.values()])
def test_every_bookkeeping_column_is_authenticated(
    vault: Vault, vault_path: Path, edit: str
) -> None:
    synced(vault, "s1", carer(1))
    synced(vault, "s2", carer(2))
    vault.put("carer", "s1", carer(1, name="Edited"))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute(edit)
    v = reopen(vault_path)
    assert v.outbox_pending(100) == []
    assert v.outbox_held_back()
    assert "was altered" in findings(v)
    v.close()


def test_a_write_never_seals_over_an_edit(vault: Vault, vault_path: Path) -> None:
    synced(vault, "s1", carer(1))
    vault.put("carer", "s1", carer(1, name="Edited"))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute("UPDATE records SET sync_state = 'synced' WHERE id = 's1'")
        (change_id,) = conn.execute("SELECT change_id FROM outbox").fetchone()
    v = reopen(vault_path)
    with pytest.raises(VaultTampered, match="changed outside Carer Desk"):
        v.put("carer", "s1", carer(1, name="Edited again"))
    with pytest.raises(VaultTampered):
        v.outbox_acknowledge(change_id, 2)
    assert v.get("carer", "s1")["name"] == "Edited"  # still readable, nothing changed
    assert "the carer record s1 was altered" in findings(v)
    v.close()


def test_an_edited_row_is_held_back_alone(vault: Vault, vault_path: Path) -> None:
    """An edit of a clear column breaks that row's MAC only: the rest still syncs."""
    vault.put_many(RecordWrite("carer", f"c{i:03d}", carer(i)) for i in range(20))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute("UPDATE records SET version = 9 WHERE id = 'c000'")
    v = reopen(vault_path)
    assert {c.record_id for c in v.outbox_pending(1000)} == {f"c{i:03d}" for i in range(1, 20)}
    assert [h.record_id for h in v.outbox_held_back()] == ["c000"]
    v.close()


def test_rows_in_other_blocks_keep_working_and_syncing(vault: Vault, vault_path: Path) -> None:
    """A row put back from an older copy holds back the block of 256 rowids around it
    (which of them is the old one cannot be told), not the whole vault."""
    vault.put_many(RecordWrite("carer", f"c{i:03d}", carer(i)) for i in range(300))
    vault.close()
    with raw(vault_path) as conn:
        old = row(conn, "records", "id = 'c000'", ())
    v = reopen(vault_path)
    v.put("carer", "c000", carer(0, name="Newer"))
    v.close()
    with raw(vault_path) as conn:
        put_back(conn, "records", old)
    v = reopen(vault_path)
    pending = {c.record_id for c in v.outbox_pending(1000)}
    held = {h.record_id for h in v.outbox_held_back()}
    assert "c000" in held and not pending & held
    assert pending and len(pending) + len(held) == 300
    with pytest.raises(VaultTampered):
        v.put("carer", "c001", carer(1, name="In the altered block"))
    v.put("carer", "new-one", carer(999))  # lands in the last block: allowed
    assert not v.check().ok  # and the old copy is still reported
    v.close()


# ---------------------------------------------------------------- the header

HEADER_EDITS = {
    # (a change of the cost or salt makes the passphrase fail instead: see below)
    "kdf": ("UPDATE header SET value = replace(value, 'argon2id', 'argon2i') WHERE name = 'kdf'"),
    "sync_cursor": "UPDATE header SET value = 'cursor-from-elsewhere' WHERE name = 'sync_cursor'",
    "secret renamed": (
        "UPDATE header SET name = 'secret:another-name' WHERE name = 'secret:device-credential'"
    ),
    "field added": "INSERT INTO header (name, value) VALUES ('planted', 'x')",
    "field removed": "DELETE FROM header WHERE name = 'secret:device-credential'",
    "seal removed": "DELETE FROM header WHERE name = 'seal'",
    "data key state": "UPDATE data_keys SET state = 'pending'",
}


@pytest.mark.parametrize("edit", HEADER_EDITS.values(), ids=HEADER_EDITS.keys())
def test_every_header_field_is_sealed(vault: Vault, vault_path: Path, edit: str) -> None:
    vault.put_secret("device-credential", "tok-123")
    synced(vault, "s1", carer(1))
    vault.put("carer", "s1", carer(1, name="Waiting to sync"))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute(edit)
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)  # the records still open
    assert v.get("carer", "s1")["name"] == "Waiting to sync"
    assert v.outbox_pending(100) == []  # nothing is sent from a vault whose seal fails
    assert v.outbox_held_back()
    with pytest.raises(VaultTampered):
        v.put("carer", "s2", carer(2))
    assert findings(v)
    v.close()


def test_an_edited_kdf_cost_can_only_make_the_passphrase_fail(
    vault: Vault, vault_path: Path
) -> None:
    """The KEK is derived with the stored settings, so lowering them cannot weaken the
    wrap (it was made with the real ones); the passphrase just stops opening it."""
    from carer_desk.errors import WrongPassphrase

    vault.close()
    with raw(vault_path) as conn:
        conn.execute(
            "UPDATE header SET value = replace(value, '\"memory_kib\": 1024', "
            "'\"memory_kib\": 8') WHERE name = 'kdf'"
        )
    v = Vault.open(vault_path, actor="amy")
    with pytest.raises(WrongPassphrase):
        v.unlock(PASSPHRASE)
    v.close()


def test_a_planted_recovery_key_is_never_wrapped_to(tmp_path: Path) -> None:
    _org_private, org_public = generate_recovery_keypair(None)
    thief_private, thief_public = generate_recovery_keypair(None)
    path = tmp_path / "vault.db"
    v = Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=org_public
    )
    v.put("carer", "c1", carer(1, name="Private"))
    fingerprint = v.recovery_key_fingerprint()
    v.close()
    with raw(path) as conn:
        conn.execute(
            "UPDATE header SET value = ? WHERE name = 'recovery_public_key'",
            (thief_public.decode(),),
        )
        wrapped_before = conn.execute("SELECT recovery_wrapped FROM data_keys").fetchall()
    v = reopen(path)
    with pytest.raises(VaultTampered, match="recovery key"):
        v.rotate_data_key()
    with pytest.raises(VaultTampered):
        v.set_recovery_public_key(generate_recovery_keypair(None)[1])
    assert "the organisation's recovery key was altered" in findings(v)
    assert v.recovery_key_fingerprint() != fingerprint
    v.close()
    with raw(path) as conn:
        assert conn.execute("SELECT recovery_wrapped FROM data_keys").fetchall() == wrapped_before
    with pytest.raises(Exception, match="does not match"):
        Vault.recover(path, thief_private, None, "thief's passphrase", "thief")


# ---------------------------------------------------------------- the audit log


@pytest.mark.parametrize(
    ("erase", "finding"),
    [
        ("DELETE FROM audit", "every audit entry was erased (the log held 6)"),
        ("DELETE FROM audit WHERE seq > 4", "audit entries 5 to 6 were erased"),
    ],
    ids=["all", "the newest"],
)
def test_erasing_audit_entries_is_detected(
    vault: Vault, vault_path: Path, erase: str, finding: str
) -> None:
    for i in range(5):
        vault.put("carer", f"c{i}", carer(i))
    vault.close()
    with raw(vault_path) as conn:
        assert conn.execute("SELECT max(seq) FROM audit").fetchone()[0] == 6
        conn.execute(erase)
    v = reopen(vault_path)
    assert finding in findings(v)
    v.close()


def test_the_first_broken_audit_entry_is_named(vault: Vault, vault_path: Path) -> None:
    for i in range(4):
        vault.put("carer", f"c{i}", carer(i))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute("UPDATE audit SET chain = ? WHERE seq = 3", (bytes(32),))
    v = reopen(vault_path)
    report = v.check()
    assert report.audit_problem == "audit entry 3 does not follow from the one before it"
    v.close()


# ---------------------------------------------------------------- recovery


def test_recovery_with_a_swapped_recovery_blob_is_refused(tmp_path: Path) -> None:
    org_private, org_public = generate_recovery_keypair(b"office safe")
    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    for path in (mine, other):
        v = Vault.create(
            path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=org_public
        )
        v.put("carer", "c1", carer(1, name=path.stem))
        v.close()
    with raw(other) as conn:
        (blob,) = conn.execute("SELECT recovery_wrapped FROM data_keys").fetchone()
    with raw(mine) as conn:
        conn.execute("UPDATE data_keys SET recovery_wrapped = ?", (blob,))
    before = mine.read_bytes()
    with pytest.raises(Exception, match="does not open the vault"):
        Vault.recover(mine, org_private, b"office safe", "a new passphrase", "admin")
    assert mine.read_bytes() == before  # nothing was re-wrapped
    v = reopen(mine)
    assert v.get("carer", "c1")["name"] == "mine"
    v.close()


# ---------------------------------------------------------------- no false alarms


def test_a_new_row_taking_a_freed_rowid_in_the_same_write_is_not_taken_for_an_edit(
    vault: Vault, vault_path: Path
) -> None:
    """SQLite gives a new row the highest rowid + 1, so a write that removes the last row
    and then adds one reuses its rowid (a pull page that deletes one carer and brings
    another). That is the vault's own work, not a row put back: it must seal, and the next
    check must pass. (Found by the three-laptop property test.)"""
    from types import SimpleNamespace

    def gone(record_id: str) -> SimpleNamespace:
        return SimpleNamespace(
            kind="carer", record_id=record_id, payload=None, server_version=2, deleted=True
        )

    synced(vault, "a", carer(1))  # rowid 1
    synced(vault, "b", carer(2))  # rowid 2
    vault.apply_remote_page([gone("a")], "cursor-1")  # rowid 1 is free; 2 is the only row
    page = [
        gone("b"),  # the table is empty now: the next row takes rowid 1 again
        SimpleNamespace(
            kind="carer", record_id="c", payload=carer(3), server_version=1, deleted=False
        ),
    ]
    vault.apply_remote_page(page, "cursor-2")
    assert vault.get("carer", "c")["name"] == carer(3)["name"]
    assert vault.check().ok
    vault.put("carer", "c", carer(3, name="Edited after"))
    vault.close()
    v = reopen(vault_path)
    assert v.check().ok
    assert [c.record_id for c in v.outbox_pending(10)] == ["c"]
    v.close()
