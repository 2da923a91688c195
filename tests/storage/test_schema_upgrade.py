"""Upgrading vaults written at every released schema, with a backup taken first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from carer_desk.errors import VaultError
from storage import schema
from storage.vault import Vault

from .conftest import PASSPHRASE, VaultBuilder, carer

# Every schema a released build could have left on a laptop: the first migration NOT applied.
RELEASED_SCHEMAS = {"m001_initial": "m002_outbox_drain_index"}


def applied(path: Path) -> list[str]:
    db = Database(sqlite3.connect(str(path)))
    try:
        return [m.name for m in schema.MIGRATIONS.applied(db)]
    finally:
        db.close()


def test_migrations_are_append_only_and_named_in_order() -> None:
    names = schema.migration_names()
    assert names[:2] == ["m001_initial", "m002_outbox_drain_index"]
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
