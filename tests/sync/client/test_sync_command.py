"""``carer-desk enrol``, ``sync`` and ``sign-out`` as a person uses them."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.cli.main import main
from carer_desk.cli.passphrase import SecretReader
from carer_desk.cli.sync_command import run_enrol, run_sync
from carer_desk.wiring.enrolment import load_enrolment
from sync.client.errors import EnrolmentRefused, NotEnrolled
from tests.sync.support import PASSPHRASE, InProcessServer, carer_payload, new_vault

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    srv.create_user("ann", PASSWORD)
    yield srv
    srv.stop()


def _enrol(server: InProcessServer, vault, password: str = PASSWORD) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    args = argparse.Namespace(server="http://localhost/", username="ann", device_name="pc1")
    secrets = SecretReader(environ={"CARER_DESK_PASSWORD": password}, stdin=io.StringIO())
    run_enrol(args, vault, secrets=secrets, client=server.client, out=out)
    return out.getvalue()


def test_enrol_then_sync_prints_a_summary(server: InProcessServer, tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        assert "enrolled as ann (outreach-worker)" in _enrol(server, vault)
        assert load_enrolment(vault).server == "http://localhost"  # type: ignore[union-attr]
        good = carer_payload(given="Ann")
        bad = carer_payload(given="Bea", team="south")
        for p in (good, bad):
            vault.put("carer", p["id"], p)
        out = io.StringIO()
        # Something was refused, so the sync did not finish its job: exit 1 (issue 9).
        assert run_sync(argparse.Namespace(), vault, client=server.client, out=out) == 1
        text = out.getvalue()
        assert "pushed: 1" in text
        assert "rejected: 1" in text
        assert f"rejected carer {bad['id']}:" in text
        assert "records: rejected 1, synced 1" in text
        assert "Bea" not in text  # ids only: the summary may go into a support ticket
    finally:
        vault.close()


def test_wrong_password_is_refused_clearly(server: InProcessServer, tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        with pytest.raises(EnrolmentRefused, match="Check the user name and password"):
            _enrol(server, vault, password="not the password")
        assert load_enrolment(vault) is None
    finally:
        vault.close()


def test_sync_before_enrolling_says_what_to_do(tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        with pytest.raises(NotEnrolled, match="carer-desk enrol"):
            run_sync(argparse.Namespace(), vault)
    finally:
        vault.close()


def test_sign_out_refuses_while_anything_is_unsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARER_DESK_PASSPHRASE", PASSPHRASE)
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    p = carer_payload()
    vault.put("carer", p["id"], p)
    vault.close()
    assert main(["--data-dir", str(tmp_path), "sign-out", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "1 record(s) are not synced yet (1 new)" in err
    assert (tmp_path / "vault.sqlite").exists()


def test_sign_out_removes_a_fully_synced_vault(
    server: InProcessServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARER_DESK_PASSPHRASE", PASSPHRASE)
    data = tmp_path / "laptop"
    vault = new_vault(data / "vault.sqlite", actor="ann")
    _enrol(server, vault)
    p = carer_payload()
    vault.put("carer", p["id"], p)
    run_sync(argparse.Namespace(), vault, client=server.client, out=io.StringIO())
    vault.close()
    assert main(["--data-dir", str(data), "sign-out"]) == 1  # asks for --yes first
    assert main(["--data-dir", str(data), "sign-out", "--yes"]) == 0
    assert not any(f.name.startswith("vault.sqlite") for f in data.iterdir())


def test_sync_flags_a_new_carer_who_may_already_be_known(
    server: InProcessServer, tmp_path: Path
) -> None:
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        _enrol(server, vault)
        known = carer_payload(given="Ann", family="Smith", postcode="OX16 5AA")
        vault.put("carer", known["id"], known)
        run_sync(argparse.Namespace(), vault, client=server.client, out=io.StringIO())
        met_today = carer_payload(given="Anne", family="Smyth", postcode="OX16 5AA")
        stranger = carer_payload(given="Peter", family="Jones", postcode="OX1 2JD")
        for p in (met_today, stranger):
            vault.put("carer", p["id"], p)
        out = io.StringIO()
        run_sync(argparse.Namespace(), vault, client=server.client, out=out)
        text = out.getvalue()
        assert "possible duplicates: 1" in text
        assert f"new carer {met_today['id']} may be carer {known['id']}" in text
        assert "same date of birth" in text
        # Flagged, never merged: both records are still there.
        assert {known["id"], met_today["id"]} <= {rid for rid, _ in vault.iter_kind("carer")}
    finally:
        vault.close()


def test_sync_exits_1_naming_what_was_refused_until_it_is_dealt_with(
    server: InProcessServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from carer_desk.config import Settings
    from carer_desk.services.refused import RefusedChangeService

    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        _enrol(server, vault)
        bad = carer_payload(given="Bea", team="south")  # not ann's team: the office refuses
        vault.put("carer", bad["id"], bad)
        assert run_sync(argparse.Namespace(), vault, client=server.client, out=io.StringIO()) == 1
        err = capsys.readouterr().err
        assert "1 change was refused by the office and is held on this laptop" in err
        assert "'carer-desk refused' lists them" in err
        refused = RefusedChangeService(vault, Settings(), outbox=vault)
        refused.discard(refused.refused()[0].change_id)
        assert run_sync(argparse.Namespace(), vault, client=server.client, out=io.StringIO()) == 0
    finally:
        vault.close()


def test_sync_exits_1_when_an_edited_vault_file_held_changes_back(
    server: InProcessServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10: delete changes added to the file with sqlite3 are not sent, and a script
    running ``carer-desk sync`` sees exit 1 and why, not a quiet success."""
    import sqlite3
    import uuid

    from tests.sync.support import reopen_vault

    path = tmp_path / "vault.sqlite"
    vault = new_vault(path, actor="ann")
    _enrol(server, vault)
    carers = [carer_payload(given=f"Kept{i}") for i in range(3)]
    for p in carers:
        vault.put("carer", p["id"], p)
    assert run_sync(argparse.Namespace(), vault, client=server.client, out=io.StringIO()) == 0
    vault.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    (mac,) = conn.execute("SELECT mac FROM outbox UNION ALL SELECT mac FROM records").fetchone()
    for p in carers:
        conn.execute(
            "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, "
            "state, key_gen, mac) VALUES (?, ?, 'carer', 'delete', 1, 100, 'pending', 1, ?)",
            (str(uuid.uuid4()), p["id"], mac),
        )
    conn.close()
    vault = reopen_vault(path, actor="ann")
    try:
        capsys.readouterr()
        out = io.StringIO()
        assert run_sync(argparse.Namespace(), vault, client=server.client, out=out) == 1
        assert "pushed: 0" in out.getvalue()
        err = capsys.readouterr().err
        assert "held back: 3 change(s) failed the vault's integrity check" in err
        assert "carer-desk vault check" in err
        with server.store.transaction() as tx:
            assert all(not tx.get_record(p["id"]).deleted for p in carers)
    finally:
        vault.close()
