"""The server's settings file (settings.toml), and how it keeps its SQLite files: private
modes, and every acknowledged commit on disk (synchronous=FULL)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from carer_desk.config import REVOKED_OPENS_CURRENT, ConfigError
from sync.server.__main__ import main
from sync.server.settings import DATABASE_FILE, SETTINGS_FILE, ServerSettings
from tests.sync.server import records as r
from tests.sync.server.harness import Harness


def test_the_settings_file_sets_the_line_and_the_look_up_limits(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        '[emergency_line]\nrevoked_number = "opens-current"\nmin_consented_contacts = 2\n'
        "[card_lookups]\nper_device = 4\n",
        "utf-8",
    )
    settings = ServerSettings.for_data_dir(tmp_path)
    assert settings.emergency_line.revoked_number == REVOKED_OPENS_CURRENT
    assert settings.emergency_line.min_consented_contacts == 2
    assert settings.card_lookups.per_device == 4 and settings.card_lookups.per_user == 60
    assert ServerSettings.for_data_dir(tmp_path / "elsewhere").card_lookups.per_device == 30


def test_a_bad_settings_file_stops_the_server_naming_each_key(tmp_path: Path, capsys) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        '[emergency_line]\nrevoked_number = "open"\n[card_lookups]\nper_devise = 4\n', "utf-8"
    )
    with pytest.raises(ConfigError) as refused:
        ServerSettings.for_data_dir(tmp_path)
    text = str(refused.value)
    assert str(tmp_path / SETTINGS_FILE) in text
    assert "emergency_line.revoked_number: must be one of 'names-current', 'opens-current'" in text
    assert "card_lookups.per_devise: is not a setting" in text
    assert main(["--data-dir", str(tmp_path), "list-users"]) == 1
    assert "card_lookups.per_devise" in capsys.readouterr().err


def test_one_file_holds_the_payment_rules_and_the_lines_rules(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        "[payments]\ncap_pence = 25000\n[cards]\nnumber_length = 10\n"
        "[server]\npayment_date_allowance_days = 7\n"
        '[emergency_line]\nrevoked_number = "opens-current"\n[card_lookups]\nper_user = 9\n',
        "utf-8",
    )
    settings = ServerSettings.for_data_dir(tmp_path)
    assert settings.payments.payments.cap_pence == 25000
    assert settings.payments.card_number_length == 10
    assert settings.payment_date_allowance_days == 7
    assert settings.emergency_line.revoked_number == REVOKED_OPENS_CURRENT
    assert settings.card_lookups.per_user == 9
    (tmp_path / SETTINGS_FILE).write_text(
        "[payments]\ncap_pence = -1\n[card_lookups]\nper_user = 0\n", "utf-8"
    )
    with pytest.raises(ConfigError) as refused:
        ServerSettings.for_data_dir(tmp_path)
    text = str(refused.value)
    assert str(tmp_path / SETTINGS_FILE) in text
    assert "payments.cap_pence" in text and "card_lookups.per_user" in text


def test_files_left_readable_by_an_older_server_are_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    harness = Harness(data_dir)
    admin = harness.device("admin", "admin")
    admin.push(r.change(r.carer()))
    files = [data_dir / f"{DATABASE_FILE}{end}" for end in ("", "-wal", "-shm")]
    for file in files:
        if file.exists():
            os.chmod(file, 0o644)
    harness.close()
    harness = Harness(data_dir)
    try:
        harness.device("admin").push(r.change(r.carer()))
        assert {stat.S_IMODE(f.stat().st_mode) for f in files if f.exists()} == {0o600}
    finally:
        harness.close()


def test_an_acknowledged_push_is_synced_to_disk(harness: Harness) -> None:
    with harness.store.engine.connect() as conn:
        # 2 = FULL: each commit is on disk before the push is answered.
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
