"""Upgrading vaults written at every released schema, with a backup taken first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from carer_desk.errors import VaultError
from carer_desk.records.summaries import summarise
from storage import schema
from storage.vault import Vault
from storage.vault.records import RecordTable

from .conftest import (
    GOLDEN,
    GOLDEN_RECORDS,
    LISTED_RECORDS,
    PASSPHRASE,
    VaultBuilder,
    carer,
    copy_golden,
)

# Every schema a released build could have left on a laptop: the first migration NOT applied.
RELEASED_SCHEMAS = {
    "m001_initial": "m002_outbox_drain_index",
    "m002_outbox_drain_index": "m003_authenticated_bookkeeping",
}


def applied(path: Path) -> list[str]:
    db = Database(sqlite3.connect(str(path)))
    try:
        return [m.name for m in schema.MIGRATIONS.applied(db)]
    finally:
        db.close()


def test_migrations_are_append_only_and_named_in_order() -> None:
    names = schema.migration_names()
    assert names[:4] == [
        "m001_initial",
        "m002_outbox_drain_index",
        "m003_authenticated_bookkeeping",
        "m004_record_summaries",
    ]
    assert names == sorted(names)


def test_a_vault_at_the_first_schema_opens_and_reads_everything(
    build_vault_at_schema: VaultBuilder,
) -> None:
    for schema_name, stop_before in RELEASED_SCHEMAS.items():
        records = {f"c{i}": carer(i) for i in range(25)}
        path = build_vault_at_schema(stop_before, records, name=f"{schema_name}.db")
        assert applied(path)[-1] == schema_name

        v = Vault.open(path, actor="amy")
        assert applied(path) == schema.migration_names()
        v.unlock(PASSPHRASE)
        assert dict(v.iter_kind("carer")) == records
        assert len(v.outbox_pending(1000)) == 25
        assert v.check().ok
        v.close()

        backups = list(path.parent.glob(f"{path.name}.bak-*"))
        assert len(backups) == 1
        # The backup is the old vault, intact and still openable by the new code.
        assert applied(backups[0])[-1] == schema_name


def test_only_the_last_three_backups_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "vault.db"
    db = Database(sqlite3.connect(str(path)))
    db.execute("CREATE TABLE t (x)")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [schema.backup_database(db, path, now=start + timedelta(days=d)) for d in range(5)]
    db.close()
    kept = sorted(path.parent.glob("vault.db.bak-*"))
    assert kept == made[-3:]


def test_opening_an_up_to_date_vault_makes_no_backup(vault: Vault, vault_path: Path) -> None:
    vault.close()
    Vault.open(vault_path, actor="amy").close()
    assert list(vault_path.parent.glob("*.bak-*")) == []


def test_a_vault_from_a_newer_version_is_refused_clearly(vault: Vault, vault_path: Path) -> None:
    vault.close()
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('carer_desk_vault', 'm999_from_the_future', '2030-01-01')"
    )
    conn.close()
    with pytest.raises(VaultError, match="newer version of Carer Desk"):
        Vault.open(vault_path, actor="amy")


# ---------------------------------------------------------------- the bookkeeping seal (m003)


def test_the_backup_taken_before_migrating_is_readable_by_its_owner_only(
    build_vault_at_schema: VaultBuilder,
) -> None:
    path = build_vault_at_schema("m003_authenticated_bookkeeping", GOLDEN_RECORDS)
    Vault.open(path, actor="amy").close()
    (backup,) = path.parent.glob(f"{path.name}.bak-*")
    assert backup.stat().st_mode & 0o777 == 0o600


def history_vault(tmp_path: Path) -> Path:
    return copy_golden("vault-m002-history.sqlite", tmp_path / "laptop" / "vault.db")


def test_a_laptop_with_a_history_is_sealed_at_its_first_unlock(tmp_path: Path) -> None:
    """The release's vault (tests/storage/golden/make_golden.py) keeps everything it held,
    and from its first unlock on, its bookkeeping is authentic."""
    path = history_vault(tmp_path)
    v = Vault.open(path, actor="ann")
    v.unlock(PASSPHRASE)
    assert v.check().ok
    entries = v.audit_entries()
    assert [e.action for e in entries[-2:]] == ["seal-bookkeeping", "unlock"]
    assert entries[-2].details == {"audit_chain_before": "sound"}
    assert entries[-1].details == {"wrong_passphrases_before": 2}
    assert v.get("carer", "s1")["name"] == "Edited Again"
    assert v.get("carer", "n0")["name"] == "After Rotation"
    assert v.meta("s3").deleted
    assert v.conflict_details("s2") == {"conflict_id": "k1", "fields": [{"field": "name"}]}
    assert v.get_secret("device-credential") == "tok-from-the-release"
    assert v.sync_cursor() == "cursor-7"
    pending = v.outbox_pending(100)
    assert sorted(c.record_id for c in pending) == ["n0", "n2", "n3", "n4", "s1", "s1", "s2", "s3"]
    assert [c.record_id for c, _ in v.rejected_changes()] == ["n1"]
    assert v.outbox_held_back() == []
    v.outbox_acknowledge_many((c.change_id, 9) for c in pending)  # a sync goes on as before
    assert v.check().ok
    v.close()
    with sqlite3.connect(str(path)) as conn:
        conn.execute("UPDATE records SET sync_state = 'new' WHERE id = 'n1'")
    v = Vault.open(path, actor="ann")
    v.unlock(PASSPHRASE)
    assert "the carer record n1 was altered" in v.check().tampered
    v.close()


def test_recovery_of_a_vault_from_before_the_seal_proves_the_key(tmp_path: Path) -> None:
    from storage import recovery

    private_pem = (GOLDEN / "recovery-private.pem").read_bytes()
    path = history_vault(tmp_path)
    recovered = Vault.recover(path, private_pem, b"admin secret", "recovered passphrase", "admin")
    assert recovered.check().ok
    assert recovered.get("carer", "s1")["name"] == "Edited Again"
    recovered.close()

    # A recovery blob swapped for one wrapped to the same key by anybody is refused,
    # even in a vault from before check values (the key must open something sealed).
    swapped = history_vault(tmp_path / "again")
    public_pem = (GOLDEN / "recovery-public.pem").read_bytes()
    with sqlite3.connect(str(swapped)) as conn:
        conn.execute(
            "UPDATE data_keys SET recovery_wrapped = ?",
            (recovery.wrap_for_recovery(public_pem, bytes(32)),),
        )
    with pytest.raises(VaultError, match="does not open the vault"):
        Vault.recover(swapped, private_pem, b"admin secret", "recovered passphrase", "admin")


def test_a_sealed_vault_made_to_look_unsealed_is_not_sealed_again(tmp_path: Path) -> None:
    """Stripping the seal, the MACs and the digests so the next unlock would "upgrade"
    the file as found does not work: the data key was wrapped the sealed way."""
    from tests.vaults import make_vault

    path = tmp_path / "vault.db"
    v = make_vault(path, actor="amy")
    v.apply_remote("carer", "s1", carer(1), server_version=1)
    v.close()
    with sqlite3.connect(str(path)) as conn:
        conn.execute(
            "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, "
            "state, key_gen) VALUES ('planted', 's1', 'carer', 'delete', 1, 100, 'pending', 1)"
        )
        conn.execute("UPDATE records SET mac = NULL")
        conn.execute("UPDATE outbox SET mac = NULL")
        conn.execute("UPDATE data_keys SET check_value = NULL")
        conn.execute("DELETE FROM digests")
        conn.execute("DELETE FROM header WHERE name IN ('seal', 'unlock_ratchet')")
    v = Vault.open(path, actor="amy")
    v.unlock(PASSPHRASE)
    assert v.outbox_pending(10) == []
    assert any("seal is missing" in f for f in v.check().tampered)
    v.close()


def test_a_sealed_vault_from_before_summaries_lists_from_them_after_its_first_unlock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The m003 release's vault (make_golden.py ``listed``): the migration makes room,
    the first unlock seals a summary beside every live record (the seal still matches),
    and from then on a list reads summaries, not payloads."""
    path = copy_golden("vault-m003-listed.sqlite", tmp_path / "laptop" / "vault.db")
    v = Vault.open(path, actor="amy")
    assert applied(path)[-1] == "m004_record_summaries"
    v.unlock(PASSPHRASE)
    assert v.check().ok
    with sqlite3.connect(str(path)) as conn:
        missing = conn.execute(
            "SELECT id FROM records WHERE summary_sealed IS NULL AND deleted = 0"
        ).fetchall()
    assert missing == []
    payloads = {kind: dict(v.iter_kind(kind)) for kind in ("carer", "conversation")}
    assert payloads == {
        kind: {rid: p for k, rid, p in LISTED_RECORDS if k == kind and rid not in ("c11", "v11")}
        for kind in ("carer", "conversation")
    }

    def refuse(*_args: object) -> None:
        raise AssertionError("a payload was opened to list")

    monkeypatch.setattr(RecordTable, "live_payload", refuse)
    for kind, held in payloads.items():
        assert {rid: s for rid, s, _ in v.iter_kind_summaries(kind)} == {
            rid: summarise(kind, p) for rid, p in held.items()
        }
    v.close()
