"""The KPI-input commands through the real ``carer-desk`` command (issue 11)."""

from __future__ import annotations

from datetime import date, timedelta

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.services.carers import CarerService
from storage.vault import Vault
from tests.carer_desk.cli.conftest import PASSPHRASE


def test_first_contact_gp_and_a_self_assessment_from_the_command_line(vault_cli):
    vault = Vault.open(vault_cli.data_dir / "vault.sqlite", actor="tester")
    vault.unlock(PASSPHRASE)
    referred = date.today() - timedelta(days=30)
    carer = CarerService(vault, Settings()).register(
        make.carer(referral=make.referral(referred), consent=make.consent(referred))
    )
    vault.close()

    listed = vault_cli("waiting-list")
    assert listed.returncode == 0, listed.stderr
    assert carer.id in listed.stdout and "OVERDUE" in listed.stdout

    contacted = vault_cli("first-contact", carer.id)
    assert contacted.returncode == 0, contacted.stderr
    assert "outside 5 working days" in contacted.stdout
    assert vault_cli("waiting-list").stdout.strip() == "Nobody is waiting for a first contact."

    gp = vault_cli("gp", carer.id, "--encouraged-on", referred.isoformat(), "--registered", "no")
    assert gp.returncode == 0, gp.stderr
    assert "not registered as a carer with their GP; encouraged to register" in gp.stdout

    received = vault_cli("self-assessment", "received", "--carer", carer.id)
    assert received.returncode == 0, received.stderr
    conversation_id = received.stdout.split()[1]
    assert "review it by" in received.stdout
    assert conversation_id in vault_cli("self-assessment", "queue").stdout
    reviewed = vault_cli("self-assessment", "reviewed", conversation_id)
    assert reviewed.returncode == 0, reviewed.stderr
    assert "No self-assessment is waiting" in vault_cli("self-assessment", "queue").stdout

    future = vault_cli("first-contact", carer.id, "--on", (date.today() + timedelta(1)).isoformat())
    assert future.returncode != 0 and "future" in future.stderr
    assert "Traceback" not in future.stderr
