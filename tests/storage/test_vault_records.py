"""Creating, opening and using the vault as the services will: the RecordStore contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from carer_desk.errors import (
    NotFoundError,
    ValidationError,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
)
from carer_desk.ports import Priority, RecordStore, RecordWrite, SyncState
from storage.kdf import KdfParams
from storage.vault import Vault

from .conftest import FAST_KDF, PASSPHRASE, carer


def test_vault_implements_the_core_port(vault: Vault) -> None:
    assert isinstance(vault, RecordStore)


def test_a_record_written_is_read_back_after_reopening(vault: Vault, vault_path: Path) -> None:
    version = vault.put("carer", "c1", carer(1, name="Ann Smith"))
    assert version == 1
    vault.close()
    with Vault.open(vault_path, actor="amy") as again:
        assert not again.is_unlocked
        again.unlock(PASSPHRASE)
        assert again.get("carer", "c1")["name"] == "Ann Smith"


def test_versions_increase_and_state_is_new_until_synced(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    assert vault.put("carer", "c1", carer(1, name="Changed")) == 2
    meta = vault.meta("c1")
    assert (meta.kind, meta.version, meta.server_version, meta.sync_state) == (
        "carer",
        2,
        None,
        SyncState.NEW,
    )


def test_iter_kind_lists_only_live_records_of_that_kind(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.put("carer", "c2", carer(2))
    vault.put("plan", "p1", {"contacts": []})
    vault.delete("carer", "c2")
    assert [rid for rid, _ in vault.iter_kind("carer")] == ["c1"]
    assert [rid for rid, _ in vault.iter_kind("plan")] == ["p1"]


def test_iter_kind_states_gives_each_live_record_with_its_sync_state(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.apply_remote("carer", "c2", carer(2), server_version=1)
    vault.put("carer", "c3", carer(3))
    vault.mark_conflict("c3", {"phone": {"mine": "1", "theirs": "2"}})
    vault.put("carer", "c4", carer(4))
    vault.delete("carer", "c4")
    listed = list(vault.iter_kind_states("carer"))
    assert [(rid, state) for rid, _p, state in listed] == [
        ("c1", SyncState.NEW),
        ("c2", SyncState.SYNCED),
        ("c3", SyncState.CONFLICT),
    ]
    # The same payloads as iter_kind, and the same states as sync_states.
    assert [(rid, p) for rid, p, _s in listed] == list(vault.iter_kind("carer"))
    assert {rid: s for rid, _p, s in listed} == vault.sync_states("carer")


def test_get_of_a_missing_or_deleted_record_says_not_found(vault: Vault) -> None:
    with pytest.raises(NotFoundError, match="no carer record with id nope"):
        vault.get("carer", "nope")
    vault.put("carer", "c1", carer(1))
    with pytest.raises(NotFoundError):
        vault.get("plan", "c1")  # right id, wrong kind


def test_an_id_cannot_change_kind(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    with pytest.raises(ValidationError, match="already holds a carer record"):
        vault.put("plan", "c1", {})


def test_locked_vault_refuses_reads_and_writes(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.lock()
    assert not vault.is_unlocked
    with pytest.raises(VaultLocked, match="unlock it with your passphrase"):
        vault.get("carer", "c1")
    with pytest.raises(VaultLocked):
        vault.put("carer", "c2", carer(2))
    with pytest.raises(VaultLocked):
        list(vault.iter_kind("carer"))
    vault.unlock(PASSPHRASE)
    assert vault.get("carer", "c1")["name"] == "Carer Number 1"


def test_lock_zeroes_the_key_bytes_it_held(vault: Vault) -> None:
    keyring = vault._keys
    assert keyring is not None
    raw = list(keyring.raw.values())
    kek = keyring.kek
    assert any(any(k) for k in raw)
    vault.lock()
    assert all(not any(k) for k in raw)
    assert not any(kek)


def test_create_refuses_to_overwrite_an_existing_vault(vault: Vault, vault_path: Path) -> None:
    with pytest.raises(VaultExists, match="already exists"):
        Vault.create(vault_path, PASSPHRASE, actor="amy", kdf=FAST_KDF)


def test_create_refuses_a_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 8 characters"):
        Vault.create(tmp_path / "v.db", "short", actor="amy", kdf=FAST_KDF)
    assert not (tmp_path / "v.db").exists()


def test_open_of_a_missing_vault_names_the_path_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound) as info:
        Vault.open(tmp_path / "nowhere.db", actor="amy")
    assert "nowhere.db" in str(info.value)
    assert "carer-desk vault init" in str(info.value)


@pytest.mark.parametrize(
    "content", [b"this is not a database at all" * 100, b"SQLite format 3\x00"]
)
def test_a_garbage_file_gives_a_clear_vault_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vault.db"
    path.write_bytes(content)
    with pytest.raises(VaultError, match=r"is damaged.*backup"):
        Vault.open(path, actor="amy")


def test_a_truncated_vault_gives_a_clear_vault_error(vault: Vault, vault_path: Path) -> None:
    vault.put_many(RecordWrite("carer", f"c{i}", carer(i)) for i in range(300))
    vault.close()
    data = vault_path.read_bytes()
    Path(str(vault_path) + "-wal").unlink(missing_ok=True)
    vault_path.write_bytes(data[: len(data) // 3])
    with pytest.raises(VaultError, match="damaged"):
        v = Vault.open(vault_path, actor="amy")
        v.unlock(PASSPHRASE)
        list(v.iter_kind("carer"))
        v.check()


def test_put_many_is_all_or_nothing(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    writes = [RecordWrite("carer", "c2", carer(2)), RecordWrite("plan", "c1", {})]
    with pytest.raises(ValidationError):
        vault.put_many(writes)
    with pytest.raises(NotFoundError):
        vault.get("carer", "c2")
    assert len(vault.outbox_pending()) == 1


def test_put_many_rejects_the_same_id_twice(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="twice"):
        vault.put_many([RecordWrite("carer", "c1", {}), RecordWrite("carer", "c1", {})])


def test_put_many_writes_one_audit_entry_for_the_batch(vault: Vault) -> None:
    before = len(vault.audit_entries())
    n = vault.put_many(
        (RecordWrite("carer", f"c{i}", carer(i)) for i in range(50)),
        audit_details={"source": "spreadsheet"},
    )
    assert n == 50
    entries = vault.audit_entries()
    assert len(entries) == before + 1
    assert entries[-1].action == "import"
    assert entries[-1].details["count"] == 50
    assert entries[-1].details["source"] == "spreadsheet"
    assert len(vault.outbox_pending(limit=1000)) == 50


def test_audit_records_who_and_which_fields_changed_not_values(vault: Vault) -> None:
    vault.put("carer", "c1", {"name": "Ann", "district": "Cherwell"}, action="create")
    vault.put("carer", "c1", {"name": "Ann", "district": "Oxford City"})
    vault.audit("view", record_id="c1", kind="carer")
    entries = vault.audit_entries()
    create, edit, view = entries[-3:]
    assert (create.action, create.actor, create.record_id) == ("create", "amy", "c1")
    assert edit.details["fields"] == ["district"]
    assert "Oxford City" not in repr(edit.details)
    assert view.action == "view"
    assert edit.at.tzinfo is not None


def test_safeguarding_priority_is_kept_with_the_change(vault: Vault) -> None:
    vault.put("concern", "s1", {"text": "x"}, priority=Priority.SAFEGUARDING)
    assert vault.outbox_pending()[0].priority == Priority.SAFEGUARDING


def test_default_kdf_cost_matches_the_documented_floor() -> None:
    params = KdfParams.default()
    assert params.memory_kib >= 65536
    assert params.iterations >= 3


def test_the_vault_file_is_readable_only_by_its_owner(vault: Vault, vault_path: Path) -> None:
    assert vault_path.stat().st_mode & 0o077 == 0


def test_opening_some_other_database_leaves_it_untouched(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "budget.db"
    conn = sqlite3.connect(str(other))
    conn.execute("CREATE TABLE spend (amount_pence INTEGER)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(VaultError, match="not a Carer Desk vault"):
        Vault.open(other, actor="amy")
    assert other.read_bytes() == before
    assert not Path(str(other) + "-wal").exists()


def test_locking_during_a_listing_stops_it_without_marking_records_damaged(vault: Vault) -> None:
    vault.put_many(RecordWrite("carer", f"c{i}", carer(i)) for i in range(5))
    listing = vault.iter_kind("carer")
    next(listing)
    vault.lock()
    with pytest.raises(VaultLocked):
        next(listing)
    vault.unlock(PASSPHRASE)
    assert vault.damaged_records() == []
    assert len(list(vault.iter_kind("carer"))) == 5


def test_a_vault_where_one_may_not_write_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(VaultError, match="cannot read and write the vault"):
        Vault.create(blocker / "vault.db", PASSPHRASE, actor="amy", kdf=FAST_KDF)
