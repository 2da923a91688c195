"""Tampering and damage: one bad record never takes the vault down, and check() finds it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from carer_desk.errors import RecordIntegrityError
from storage.vault import Vault

from .conftest import carer, raw, reopen


@pytest.fixture
def three_records(vault: Vault, vault_path: Path) -> Path:
    for i in range(1, 4):
        vault.put("carer", f"c{i}", carer(i))
    vault.close()
    return vault_path


def flip_byte(conn: sqlite3.Connection, record_id: str) -> None:
    (blob,) = conn.execute("SELECT sealed FROM records WHERE id = ?", (record_id,)).fetchone()
    damaged = bytearray(blob)
    damaged[len(damaged) // 2] ^= 0x01
    conn.execute("UPDATE records SET sealed = ? WHERE id = ?", (bytes(damaged), record_id))


def test_a_flipped_bit_is_caught_and_the_rest_still_works(three_records: Path) -> None:
    with raw(three_records) as conn:
        flip_byte(conn, "c2")
    v = reopen(three_records)
    with pytest.raises(RecordIntegrityError) as info:
        v.get("carer", "c2")
    assert (info.value.record_id, info.value.kind) == ("c2", "carer")
    assert "rest of the vault is usable" in str(info.value)
    assert [rid for rid, _ in v.iter_kind("carer")] == ["c1", "c3"]
    assert v.damaged_records() == [("c2", "carer")]
    report = v.check()
    assert not report.ok
    assert report.damaged == (("c2", "carer"),)
    assert report.records_checked == 3
    v.put("carer", "c4", carer(4))  # still writable
    assert v.get("carer", "c4")["name"] == "Carer Number 4"
    v.close()


def test_a_ciphertext_moved_to_another_row_does_not_open(three_records: Path) -> None:
    with raw(three_records) as conn:
        (blob,) = conn.execute("SELECT sealed FROM records WHERE id = 'c1'").fetchone()
        conn.execute("UPDATE records SET sealed = ? WHERE id = 'c3'", (blob,))
    v = reopen(three_records)
    with pytest.raises(RecordIntegrityError):
        v.get("carer", "c3")
    v.close()


def test_an_old_version_replayed_into_its_row_does_not_open(vault: Vault, vault_path: Path) -> None:
    vault.put("carer", "c1", carer(1, name="First"))
    with raw(vault_path) as conn:
        (old,) = conn.execute("SELECT sealed FROM records WHERE id = 'c1'").fetchone()
    vault.put("carer", "c1", carer(1, name="Second"))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute("UPDATE records SET sealed = ? WHERE id = 'c1'", (old,))
    v = reopen(vault_path)
    with pytest.raises(RecordIntegrityError):
        v.get("carer", "c1")
    v.close()


def test_a_changed_kind_column_is_caught(three_records: Path) -> None:
    with raw(three_records) as conn:
        conn.execute("UPDATE records SET kind = 'plan' WHERE id = 'c1'")
    v = reopen(three_records)
    with pytest.raises(RecordIntegrityError):
        v.get("plan", "c1")
    assert not v.check().ok
    v.close()


def test_a_sound_vault_checks_ok(three_records: Path) -> None:
    v = reopen(three_records)
    report = v.check()
    assert report.ok
    assert report.records_checked == 3
    assert report.audit_entries_checked == len(v.audit_entries())
    v.close()


def test_deleting_an_audit_entry_is_detected(three_records: Path) -> None:
    with raw(three_records) as conn:
        conn.execute("DELETE FROM audit WHERE seq = 2")
    v = reopen(three_records)
    report = v.check()
    assert not report.audit_chain_ok
    assert "missing" in (report.audit_problem or "")
    v.close()


def test_editing_an_audit_entry_is_detected(three_records: Path) -> None:
    with raw(three_records) as conn:
        (blob,) = conn.execute("SELECT sealed FROM audit WHERE seq = 2").fetchone()
        edited = bytearray(blob)
        edited[-1] ^= 0x80
        conn.execute("UPDATE audit SET sealed = ? WHERE seq = 2", (bytes(edited),))
    v = reopen(three_records)
    assert not v.check().audit_chain_ok
    v.close()


def test_reordering_audit_entries_is_detected(three_records: Path) -> None:
    with raw(three_records) as conn:
        a = conn.execute("SELECT sealed, chain FROM audit WHERE seq = 2").fetchone()
        b = conn.execute("SELECT sealed, chain FROM audit WHERE seq = 3").fetchone()
        conn.execute("UPDATE audit SET sealed = ?, chain = ? WHERE seq = 2", b)
        conn.execute("UPDATE audit SET sealed = ?, chain = ? WHERE seq = 3", a)
    v = reopen(three_records)
    assert not v.check().audit_chain_ok
    v.close()


def test_a_rebuilt_chain_cannot_hide_a_deleted_entry(three_records: Path) -> None:
    """An attacker who deletes an entry and recomputes every hash (SHA-256 needs no key)
    still leaves a gap in the sequence, and cannot renumber entries (seq is sealed in)."""
    import hashlib

    with raw(three_records) as conn:
        conn.execute("DELETE FROM audit WHERE seq = 2")
        previous = bytes(32)
        for seq, sealed in conn.execute("SELECT seq, sealed FROM audit ORDER BY seq").fetchall():
            chain = hashlib.sha256(previous + seq.to_bytes(8, "big") + sealed).digest()
            conn.execute("UPDATE audit SET chain = ? WHERE seq = ?", (chain, seq))
            previous = chain
    v = reopen(three_records)
    assert not v.check().audit_chain_ok
    v.close()


def test_a_damaged_outbox_change_is_skipped_and_does_not_block_others(
    vault: Vault, vault_path: Path
) -> None:
    vault.put("carer", "c1", carer(1))
    vault.put("carer", "c2", carer(2))
    vault.delete("carer", "c2")  # c2 never synced: removed outright
    vault.apply_remote("carer", "c3", carer(3), server_version=1)
    vault.put("carer", "c3", carer(3, name="edited"))
    vault.outbox_mark_sending([c.change_id for c in vault.outbox_pending()])
    vault.put("carer", "c3", carer(3, name="edited again"))  # snapshots the sending change
    vault.close()
    with raw(vault_path) as conn:
        (blob,) = conn.execute(
            "SELECT sealed FROM outbox WHERE record_id = 'c3' AND sealed IS NOT NULL"
        ).fetchone()
        conn.execute(
            "UPDATE outbox SET sealed = ? WHERE sealed IS NOT NULL",
            (blob[:-1] + bytes([blob[-1] ^ 1]),),
        )
    v = reopen(vault_path)
    pending = v.outbox_pending()
    assert [c.record_id for c in pending] == ["c1", "c3"]
    assert pending[1].payload is not None
    assert pending[1].payload["name"] == "edited again"
    assert ("c3", "carer") in v.check().damaged
    v.close()
