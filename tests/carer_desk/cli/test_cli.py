"""The scripted interface as a user drives it: real processes, real vault files."""

from __future__ import annotations

import json

PASSPHRASE = "correct horse battery staple"  # the conftest fixture default


def test_init_warns_without_a_recovery_key_and_refuses_a_second_vault(cli):
    first = cli("vault", "init")
    assert first.returncode == 0
    assert "no recovery key" in first.stderr
    second = cli("vault", "init")
    assert second.returncode == 1
    assert second.stderr.startswith("carer-desk: A vault already exists")
    assert "Traceback" not in second.stderr


def test_passphrase_is_read_from_stdin_when_not_in_the_environment(cli):
    created = cli("vault", "init", passphrase=None, stdin=PASSPHRASE + "\n")
    assert created.returncode == 0, created.stderr
    listed = cli("list", "carers", passphrase=None, stdin=PASSPHRASE + "\n")
    assert listed.returncode == 0
    assert "No carers found" in listed.stdout


def test_missing_passphrase_and_wrong_passphrase_are_one_line_errors(vault_cli):
    missing = vault_cli("list", "carers", passphrase=None)
    assert missing.returncode == 1
    assert "CARER_DESK_PASSPHRASE" in missing.stderr
    wrong = vault_cli("list", "carers", passphrase="not the passphrase")
    assert wrong.returncode == 1
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert "Traceback" not in wrong.stderr


def test_no_vault_yet_tells_the_user_what_to_run(cli):
    result = cli("list", "carers")
    assert result.returncode == 1
    assert "vault init" in result.stderr


def test_seed_list_show_and_search(vault_cli):
    seeded = vault_cli("seed-demo", "--carers", "12")
    assert seeded.returncode == 0, seeded.stderr
    assert "12 carer" in seeded.stdout
    listed = json.loads(vault_cli("list", "carers", "--json").stdout)
    assert len(listed) == 12
    assert all(len(c["id"]) == 32 for c in listed)
    target = listed[3]
    shown = json.loads(vault_cli("show", "carer", target["id"], "--json").stdout)
    assert shown == target
    text = vault_cli("show", "carer", target["id"]).stdout
    assert target["family_name"] in text
    assert "None" not in text
    found = vault_cli("search", target["family_name"], "--json")
    assert target["id"] in {c["id"] for c in json.loads(found.stdout)}


def test_showing_an_unknown_carer_fails_cleanly(vault_cli):
    result = vault_cli("show", "carer", "0" * 32)
    assert result.returncode == 1
    assert "no carer" in result.stderr.lower()


def test_change_passphrase_then_only_the_new_one_opens(vault_cli):
    changed = vault_cli(
        "vault", "change-passphrase", env={"CARER_DESK_NEW_PASSPHRASE": "a brand new passphrase"}
    )
    assert changed.returncode == 0, changed.stderr
    assert vault_cli("list", "carers").returncode == 1
    assert vault_cli("list", "carers", passphrase="a brand new passphrase").returncode == 0


def _make_organisation_keys(cli, tmp_path) -> None:
    """org.pem (private, password-protected) and org.pub.pem in ``tmp_path``."""
    keys = cli(
        "recovery-key",
        "create",
        "--private-out",
        str(tmp_path / "org.pem"),
        "--public-out",
        str(tmp_path / "org.pub.pem"),
        env={"CARER_DESK_RECOVERY_KEY_PASSWORD": "office safe password"},
    )
    assert keys.returncode == 0, keys.stderr


def _recover_with_the_organisation_key(cli, tmp_path) -> None:
    """Recover the vault with org.pem; its new passphrase is "remembered this time"."""
    recovered = cli(
        "vault",
        "recover",
        "--recovery-key",
        str(tmp_path / "org.pem"),
        passphrase=None,
        env={
            "CARER_DESK_RECOVERY_KEY_PASSWORD": "office safe password",
            "CARER_DESK_NEW_PASSPHRASE": "remembered this time",
        },
    )
    assert recovered.returncode == 0, recovered.stderr


def test_recovery_with_the_organisation_key(cli, tmp_path):
    _make_organisation_keys(cli, tmp_path)
    assert (
        cli(
            "vault",
            "init",
            "--recovery-public-key",
            str(tmp_path / "org.pub.pem"),
            passphrase="forgotten passphrase",
        ).returncode
        == 0
    )
    assert cli("seed-demo", "--carers", "3", passphrase="forgotten passphrase").returncode == 0
    _recover_with_the_organisation_key(cli, tmp_path)
    listed = cli("list", "carers", "--json", passphrase="remembered this time")
    assert len(json.loads(listed.stdout)) == 3


def test_vault_init_uses_the_recovery_key_named_in_the_settings(cli, tmp_path):
    _make_organisation_keys(cli, tmp_path)
    with cli.config.open("a") as config:
        config.write(f'recovery_public_key_file = "{tmp_path / "org.pub.pem"}"\n')
    made = cli("vault", "init", passphrase="forgotten passphrase")
    assert made.returncode == 0, made.stderr
    assert "no recovery key was given" not in made.stderr
    _recover_with_the_organisation_key(cli, tmp_path)


def test_vault_check_reports_a_sound_vault(vault_cli):
    vault_cli("seed-demo", "--carers", "5")
    result = vault_cli("vault", "check")
    assert result.returncode == 0
    assert "The vault is sound." in result.stdout


def test_usage_errors_exit_2(cli):
    assert cli().returncode == 2
    assert cli("list", "dragons").returncode == 2


def test_demo_sets_up_its_own_office_apart_from_real_work_and_lists_once(cli, tmp_path):
    env = {"CARER_DESK_DEMO_DIR": str(tmp_path / "demo")}
    first = cli("demo", "--list", passphrase=None, env=env)
    assert first.returncode == 0, first.stderr
    assert "Setting up the demo office" in first.stdout
    count = first.stdout.strip().splitlines()[-1]
    assert count.endswith(" carers.") and int(count.split()[0]) > 0
    again = cli("demo", "--list", passphrase=None, env=env)
    assert again.returncode == 0, again.stderr
    assert "Setting up" not in again.stdout
    assert again.stdout.strip().splitlines()[-1] == count
    # Nothing of the demo lands in the real data folder.
    assert not (cli.data_dir / "vault.sqlite").exists()


def test_started_without_a_command_or_a_console_it_opens_the_window(monkeypatch, tmp_path):
    """The windowed Windows build has no console (sys.stdout is None): started from its
    icon, it opens the window instead of printing the usage to nowhere."""
    import sys

    from carer_desk.cli import main as cli_main
    from carer_desk.cli import window_command

    opened = []
    monkeypatch.setattr(window_command, "cmd_window", lambda args, ctx: opened.append(args))
    monkeypatch.setenv("CARER_DESK_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdout", None)
    assert cli_main.main([]) == 0
    assert len(opened) == 1
    monkeypatch.undo()
    assert cli_main.main([]) == 2  # with a console: the usage, as before
    assert len(opened) == 1
