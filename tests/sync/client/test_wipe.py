"""Wipe: the vault file and every companion are overwritten then removed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.client.wipe import (
    safe_to_decommission,
    secure_delete,
    unsynced_count,
    vault_files,
    wipe_vault_files,
)


def test_secure_delete_overwrites_before_unlinking(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "vault.sqlite"
    secret = b"Ann Smith, OX4 1AA, dementia" * 100
    target.write_bytes(secret)
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy_unlink(self: Path, *a, **k) -> None:
        seen.append(self.read_bytes())  # what is left on disk just before the unlink
        real_unlink(self, *a, **k)

    monkeypatch.setattr(Path, "unlink", spy_unlink)
    assert secure_delete(target) is True
    assert not target.exists()
    assert len(seen[0]) == len(secret)
    assert b"Ann Smith" not in seen[0]


def test_secure_delete_of_a_missing_file_says_so(tmp_path: Path) -> None:
    assert secure_delete(tmp_path / "absent") is False


def test_wipe_removes_wal_shm_and_backups_but_nothing_else(tmp_path: Path) -> None:
    vault = tmp_path / "vault.sqlite"
    con = sqlite3.connect(vault)
    con.execute("pragma journal_mode=wal")
    con.execute("create table t(x)")
    con.execute("insert into t values ('secret')")
    con.commit()
    backup = tmp_path / "vault.sqlite.bak-1"
    backup.write_bytes(b"old copy")
    settings = tmp_path / "settings.toml"
    settings.write_text("x = 1")
    assert (tmp_path / "vault.sqlite-wal").exists()
    files = vault_files(vault)
    con.close()
    wiped = wipe_vault_files(vault)
    assert set(wiped) >= {vault, backup}
    assert set(files) >= {vault, backup}
    assert not any(p.name.startswith("vault.sqlite") for p in tmp_path.iterdir())
    assert settings.exists()


def test_decommission_only_when_nothing_unsynced() -> None:
    assert safe_to_decommission({"synced": 40})
    assert not safe_to_decommission({"synced": 40, "sending": 1})
    assert unsynced_count({"new": 2, "changed": 1, "rejected": 1, "synced": 9}) == 4
