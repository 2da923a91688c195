"""``carer-desk-server report ...`` on a server data directory holding the known dataset."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from sync.server.__main__ import main
from sync.server.settings import ServerSettings
from sync.server.store import open_store
from tests.sync.server.reports import dataset


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    settings = ServerSettings.for_data_dir(tmp_path / "server")
    settings.data_dir.mkdir(parents=True)
    store = open_store(settings.database_url, settings.key_file)
    dataset.build(store)
    store.close()
    return settings.data_dir


def report(data_dir: Path, *args: str) -> int:
    """``carer-desk-server report ...`` for Q4 2023/24."""
    verb, *rest = args
    return main(
        ["--data-dir", str(data_dir), "report", verb, "--fy", "2023", "--quarter", "4", *rest]
    )


def test_the_quarterly_report_from_the_command_line(data_dir, tmp_path, capsys):
    out = tmp_path / "q4.csv"
    assert report(data_dir, "quarterly", "--format", "csv", "--external", "--out", str(out)) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "referrals.total,Referrals received,count,5,7" in text
    assert "referrals.self,Self-referrals,count,<5,<5" in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert report(data_dir, "quarterly") == 0
    figures = json.loads(capsys.readouterr().out)["figures"]
    assert {f["key"]: f["values"] for f in figures}["waits.longest_days"] == [18, 39]


def test_a_drill_down_and_a_mistake_from_the_command_line(data_dir, capsys):
    assert report(data_dir, "drill", "--key", "waiting_list.late") == 0
    answer = json.loads(capsys.readouterr().out)
    assert [r["referral_on"] for r in answer["records"]] == ["2024-01-02"]
    assert report(data_dir, "drill", "--key", "nonsense") == 1
    assert "no figure 'nonsense'" in capsys.readouterr().err
