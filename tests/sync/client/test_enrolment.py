"""The device credential is kept sealed in the vault and survives closing and reopening."""

from __future__ import annotations

from pathlib import Path

from carer_desk.wiring.enrolment import Enrolment, load_enrolment, save_enrolment
from storage.vault import Vault
from tests.vaults import PASSPHRASE as PASS
from tests.vaults import make_vault


def test_credential_is_sealed_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite"
    credential = "cd-device-SECRET-credential-0123456789"
    with make_vault(path, actor="ann") as vault:
        assert load_enrolment(vault) is None
        save_enrolment(
            vault,
            Enrolment(
                "https://server.example", "dev-1", "ann", "outreach-worker", credential, "north"
            ),
        )
    for name in ("vault.sqlite", "vault.sqlite-wal"):
        f = tmp_path / name
        if f.exists():
            assert credential.encode() not in f.read_bytes()
    vault = Vault.open(path, actor="ann")
    try:
        vault.unlock(PASS)
        enrolment = load_enrolment(vault)
    finally:
        vault.close()
    assert enrolment is not None
    assert enrolment.credential == credential
    assert enrolment.server == "https://server.example"
    assert enrolment.team == "north"
