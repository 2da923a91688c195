"""The data-protection commands of ``carer-desk-server``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import update

from carer_desk import factories as make
from carer_desk.records.carer import Closure, ClosureReason
from sync.server import schema as t
from sync.server.__main__ import main
from sync.server.settings import ServerSettings
from sync.server.store import open_store
from tests.sync.server.reports.support import put


def _server(tmp_path: Path):
    settings = ServerSettings.for_data_dir(tmp_path / "server")
    settings.data_dir.mkdir(parents=True)
    return settings, open_store(settings.database_url, settings.key_file)


def test_audit_verify_and_filtered_export(tmp_path, capsys):
    settings, store = _server(tmp_path)
    store.audit(actor="amy", action="view", record_id="x")
    store.audit(actor="bob", action="view", record_id="y")
    store.close()
    run = ["--data-dir", str(settings.data_dir)]
    assert main([*run, "audit", "verify"]) == 0
    assert "The audit chain is intact" in capsys.readouterr().out
    out = tmp_path / "amy.jsonl"
    assert main([*run, "audit", "export", "--out", str(out), "--actor", "amy"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(e["actor"], e["record_id"]) for e in lines] == [("amy", "x")]
    store = open_store(settings.database_url, settings.key_file)
    with store.transaction(write=True) as tx:
        tx.conn.execute(update(t.audit).where(t.audit.c.actor == "bob").values(action="print"))
    store.close()
    capsys.readouterr()
    assert main([*run, "audit", "verify"]) == 1
    assert "broken at entry" in capsys.readouterr().out


def test_retention_dry_run_from_the_command_line(tmp_path, capsys):
    settings, store = _server(tmp_path)
    carer = make.carer(
        closure=Closure(
            closed_on=date(2015, 1, 5), reason=ClosureReason.BEREAVEMENT, closed_by="amy"
        )
    )
    put(store, carer)
    store.close()
    run = ["--data-dir", str(settings.data_dir), "retention"]
    assert main([*run, "run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{carer.id}\tclosed 2015-01-05\twould erase 1 carer" in out
    assert main([*run, "hold", carer.id, "--reason", "Inquest"]) == 0
    capsys.readouterr()
    assert main([*run, "run"]) == 0
    assert "HELD (Inquest): kept" in capsys.readouterr().out
    assert main([*run, "run", "--years", "carer=x"]) == 1


def test_the_retention_job_uses_the_stored_policy_set_from_the_command_line(tmp_path, capsys):
    settings, store = _server(tmp_path)
    carer = make.carer(
        closure=Closure(
            closed_on=date(2018, 1, 5), reason=ClosureReason.MOVED_AWAY, closed_by="amy"
        )
    )
    put(store, carer)
    store.close()
    run = ["--data-dir", str(settings.data_dir)]
    as_of = ["--as-of", "2025-06-01"]
    assert main([*run, "retention", "run", "--dry-run", *as_of]) == 0
    assert "would erase 1 carer" in capsys.readouterr().out  # 6 years by default
    assert main([*run, "settings", "retention", "carer=10", "--by", "dpo"]) == 0
    assert "carer: 6 -> 10" in capsys.readouterr().out
    assert main([*run, "retention", "run", "--dry-run", *as_of]) == 0
    assert "0 closed carers past retention" in capsys.readouterr().out
    assert main([*run, "settings", "retention", "carer=0"]) == 1
    assert "whole number of years" in capsys.readouterr().err
    assert main([*run, "settings", "show"]) == 0
    assert json.loads(capsys.readouterr().out)["retention_years"]["carer"] == 10
    store = open_store(settings.database_url, settings.key_file)
    changes = [
        (a.actor, dict(a.details))
        for a in store.iter_audit()
        if a.action == "admin-change-settings"
    ]
    store.close()
    assert changes == [("dpo", {"table": "retention", "changed": {"carer": {"old": 6, "new": 10}}})]
