"""``carer-desk-server``: admin verbs, exit codes and one-line errors, and serving."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sync.protocol import Role
from sync.server.__main__ import DEMO_PASSWORD, main
from sync.server.keyring import KeyFileError, Keyring
from sync.server.settings import ServerSettings
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness

PASSWORD = "a long enough password"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "server"


def cli(
    data_dir: Path,
    *args: str,
    password: str | None = PASSWORD,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> int:
    if monkeypatch is not None:
        if password is None:
            monkeypatch.delenv("CARER_DESK_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("CARER_DESK_PASSWORD", password)
    return main(["--data-dir", str(data_dir), *args])


def test_create_and_list_users(data_dir: Path, monkeypatch, capsys) -> None:
    assert (
        cli(
            data_dir,
            "create-user",
            "--username",
            "ann",
            "--role",
            "outreach-worker",
            "--team",
            "north",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert (
        cli(
            data_dir, "create-user", "--username", "max", "--role", "admin", monkeypatch=monkeypatch
        )
        == 0
    )
    capsys.readouterr()
    assert cli(data_dir, "list-users") == 0
    assert capsys.readouterr().out.splitlines() == ["ann\toutreach-worker (north)", "max\tadmin"]


def test_the_password_can_come_from_standard_input(data_dir: Path, monkeypatch) -> None:
    monkeypatch.delenv("CARER_DESK_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli(data_dir, "create-user", "--username", "ann", "--role", "admin", password=None) == 0
    h = Harness(data_dir)
    try:
        assert h.enrol("ann", password=PASSWORD).status_code == 200
    finally:
        h.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "outreach-worker"], "needs a team"),
        (["--role", "admin", "--team", "north"], "Only outreach workers"),
    ],
)
def test_mistakes_exit_1_with_one_line(data_dir: Path, monkeypatch, capsys, args, message) -> None:
    assert cli(data_dir, "create-user", "--username", "ann", *args, monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_short_password_or_a_duplicate_user_is_refused(
    data_dir: Path, monkeypatch, capsys
) -> None:
    assert (
        cli(
            data_dir,
            "create-user",
            "--username",
            "ann",
            "--role",
            "admin",
            password="short",
            monkeypatch=monkeypatch,
        )
        == 1
    )
    assert "at least 10 characters" in capsys.readouterr().err
    assert (
        cli(
            data_dir, "create-user", "--username", "ann", "--role", "admin", monkeypatch=monkeypatch
        )
        == 0
    )
    assert (
        cli(
            data_dir, "create-user", "--username", "ann", "--role", "admin", monkeypatch=monkeypatch
        )
        == 1
    )
    assert "already exists" in capsys.readouterr().err


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "--database",
            "postgresql://nobody@/nodb?host=/nonexistent&port=1",
            "list-users",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Cannot open the server database" in err and "Traceback" not in err


def test_a_data_directory_this_user_may_not_create_is_one_line(
    data_dir: Path, monkeypatch, capsys
) -> None:
    # As the service user, with a data directory under a folder only root may write to.
    # (Simulated: the tests may run as root, who may write anywhere.)
    def refuse(self: Path, *args, **kwargs) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert cli(data_dir, "list-users") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"Cannot create the data directory {data_dir} (Permission denied)" in err
    assert "owned by the user the server runs as" in err


def test_a_data_directory_this_user_may_not_look_into_is_one_line(
    data_dir: Path, monkeypatch, capsys
) -> None:
    # A data directory under a folder the service user may not enter: the first file it
    # looks for (settings.toml) cannot even be checked for.
    real_stat = Path.stat

    def refuse(self: Path, *args, **kwargs):
        if self.parent == data_dir:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse)
    assert cli(data_dir, "list-users") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"may not open {data_dir / 'settings.toml'} (permission denied)" in err
    assert "Run the command as the user the server runs as" in err


def test_a_new_data_directory_is_its_owners_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "server"
    assert cli(data_dir, "list-users") == 0
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_key_file_another_user_made_is_unreadable_not_damaged(
    data_dir: Path, monkeypatch, capsys
) -> None:
    # An admin command run as root made server.key; the service user cannot read it.
    assert cli(data_dir, "list-users") == 0
    key_file = data_dir / "server.key"
    before = key_file.read_bytes()
    real_read_text = Path.read_text

    def as_another_user(self: Path, *args, **kwargs) -> str:
        if self == key_file:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", as_another_user)
    assert cli(data_dir, "list-users") == 1
    err = capsys.readouterr().err
    assert "cannot be read by this user" in err and "not damaged" in err
    assert "damaged (" not in err and "Restore it" not in err
    assert key_file.read_bytes() == before


def test_listing_devices_when_none_is_enrolled_says_so(data_dir: Path, monkeypatch, capsys):
    # A first user, so the server's data directory exists; no laptop has connected yet.
    args = ("create-user", "--username", "ann", "--role", "outreach-worker", "--team", "north")
    assert cli(data_dir, *args, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert cli(data_dir, "list-devices") == 0
    assert "No laptops are enrolled yet" in capsys.readouterr().out


def test_revoking_a_device_from_the_command_line(data_dir: Path, capsys) -> None:
    h = Harness(data_dir)
    try:
        device = h.device("ann", "outreach-worker", "north")
        capsys.readouterr()
        assert cli(data_dir, "list-devices") == 0
        listed = capsys.readouterr().out
        assert device.device_id in listed and "active" in listed
        assert cli(data_dir, "revoke-device", device.device_id) == 0
        assert device.get("/v1/me").json()["wipe"] is True
        assert cli(data_dir, "revoke-device", "not-a-device") == 1
    finally:
        h.close()


def test_rotate_key_keeps_every_record_readable(data_dir: Path) -> None:
    h = Harness(data_dir)
    admin = h.device("admin", "admin")
    carer = r.carer()
    admin.push(r.change(carer))
    h.close()
    old = Keyring.load(data_dir / "server.key")
    assert cli(data_dir, "rotate-key") == 0
    new = Keyring.load(data_dir / "server.key")
    assert new.current == old.current + 1 and set(new.keys) == {new.current}
    assert stat.S_IMODE(os.stat(data_dir / "server.key").st_mode) == 0o600
    h = Harness(data_dir)
    try:
        again = Device(h.client, admin.enrolment)
        assert r.decode("carer", again.pull_all()[("carer", carer.id)]["payload"]) == carer
    finally:
        h.close()


def test_audit_export_is_private_json_lines_without_personal_values(data_dir: Path) -> None:
    h = Harness(data_dir)
    try:
        admin = h.device("admin", "admin")
        carer = r.carer(given="Quintessa")
        admin.push(r.change(carer))
        admin.push(r.change(r.replace(carer, preferred_name="Quinn"), base_version=1))
    finally:
        h.close()
    out = data_dir / "export" / "audit.jsonl"
    assert cli(data_dir, "audit-export", "--out", str(out)) == 0
    text = out.read_text()
    assert "Quintessa" not in text and "Quinn" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    versions = [x for x in lines if x["type"] == "version" and x["record_id"] == carer.id]
    assert [(v["version"], v["actor"], v["changed_fields"]) for v in versions][1] == (
        2,
        "admin",
        ["preferred_name"],
    )
    assert {"create-user", "enrol"} <= {x["action"] for x in lines if x["type"] == "event"}
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_seed_demo_adds_one_user_per_role_once(data_dir: Path, capsys) -> None:
    assert cli(data_dir, "seed-demo") == 0
    assert cli(data_dir, "seed-demo") == 0
    capsys.readouterr()
    cli(data_dir, "list-users")
    roles = [line.split("\t")[1].split(" ")[0] for line in capsys.readouterr().out.splitlines()]
    assert sorted(roles) == sorted(role.value for role in Role)
    h = Harness(data_dir)
    try:
        assert h.enrol("demo-worker", password=DEMO_PASSWORD).json()["team"] == "north"
    finally:
        h.close()


def test_version_names_the_installed_release(capsys) -> None:
    from carer_desk import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"carer-desk-server {__version__}"


def test_the_default_data_dir_is_the_platform_user_data_dir() -> None:
    settings = ServerSettings.for_data_dir()
    assert settings.data_dir.name == "carer-desk-server"
    assert settings.key_file == settings.data_dir / "server.key"
    assert settings.database_url == f"sqlite:///{settings.data_dir / 'server.sqlite3'}"


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    from tests.sync.server.postgres_cluster import _free_port

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.server",
            "--data-dir",
            str(tmp_path / "d"),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        health = response.json()
        assert {k: health[k] for k in ("status", "api_version")} == {
            "status": "ok",
            "api_version": "1",
        }
        assert len(health["settings_fingerprint"]) == 16
        assert (tmp_path / "d" / "server.key").exists()
        assert (tmp_path / "d" / "server.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_bare_command_serves_on_the_defaults(tmp_path: Path, monkeypatch) -> None:
    import sync.server.__main__ as entry

    calls = []
    monkeypatch.setattr(
        entry,
        "_serve",
        lambda settings, host, port: calls.append((settings.data_dir, host, port)) or 0,
    )
    assert main(["--data-dir", str(tmp_path)]) == 0
    assert calls == [(tmp_path, "127.0.0.1", 8470)]


def test_rotate_key_refuses_while_a_server_is_running(data_dir: Path, capsys) -> None:
    h = Harness(data_dir)
    try:
        before = Keyring.load(data_dir / "server.key")
        assert cli(data_dir, "rotate-key") == 1
        assert "stop it first" in capsys.readouterr().err
        assert Keyring.load(data_dir / "server.key") == before
    finally:
        h.close()
    assert cli(data_dir, "rotate-key") == 0


def test_a_missing_key_file_is_never_silently_replaced(data_dir: Path, capsys) -> None:
    h = Harness(data_dir)
    try:
        h.device("admin", "admin").push(r.change(r.carer()))
    finally:
        h.close()
    (data_dir / "server.key").unlink()
    assert cli(data_dir, "list-users") == 1
    assert "Restore server.key" in capsys.readouterr().err
    assert not (data_dir / "server.key").exists()
    with pytest.raises(KeyFileError, match=r"Restore server\.key"):
        Harness(data_dir)


def test_a_key_file_is_created_while_nothing_is_encrypted_yet(data_dir: Path, monkeypatch) -> None:
    assert (
        cli(
            data_dir, "create-user", "--username", "ann", "--role", "admin", monkeypatch=monkeypatch
        )
        == 0
    )
    (data_dir / "server.key").unlink()
    assert cli(data_dir, "list-users") == 0
    assert stat.S_IMODE(os.stat(data_dir / "server.key").st_mode) == 0o600
