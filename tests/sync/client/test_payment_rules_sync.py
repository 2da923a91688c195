"""Issue 9: a laptop learns at sync which payment rules the server decides by, keeps them
sealed in its vault, and decides by them offline; the laptop's own settings file no
longer sets a cap the server does not use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.config import Settings
from carer_desk.wiring.vault_handle import VaultRulesInForce, settings_for
from sync.protocol import PaymentRulesResponse
from sync.server.settings import SETTINGS_FILE
from tests.sync.client.test_engine import PASSWORD, Device
from tests.sync.support import InProcessServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    data_dir = tmp_path / "server"
    data_dir.mkdir(parents=True)
    (data_dir / SETTINGS_FILE).write_text(
        "[payments]\ncap_pence = 25000\nwindow_months = 6\n[cards]\nnumber_length = 14\n"
    )
    srv = InProcessServer(data_dir)
    srv.create_user("ann", PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def ann(server: InProcessServer, tmp_path: Path) -> Iterator[Device]:
    device = Device(server, tmp_path / "ann" / "vault.sqlite", "ann")
    yield device
    device.vault.close()


def test_a_sync_brings_the_servers_payment_rules(ann: Device, server: InProcessServer) -> None:
    assert settings_for(ann.vault, Settings()).payments.cap_pence == 30000  # its own
    ann.engine.sync_now()
    decided_by = settings_for(ann.vault, Settings())
    assert decided_by.payments.cap_pence == 25000 and decided_by.payments.window_months == 6
    assert decided_by.cards.number_length == 14
    kept = VaultRulesInForce(ann.vault).load_rules_in_force()
    assert kept is not None and kept["server"] == "http://localhost"


def test_rules_unchanged_at_the_next_sync_are_not_written_again(ann: Device) -> None:
    ann.engine.sync_now()
    first = VaultRulesInForce(ann.vault).load_rules_in_force()
    ann.engine.sync_now()
    assert VaultRulesInForce(ann.vault).load_rules_in_force() == first


def test_rules_a_laptop_cannot_read_leave_the_kept_ones(ann: Device) -> None:
    ann.engine.sync_now()
    kept = VaultRulesInForce(ann.vault).load_rules_in_force()

    garbled = PaymentRulesResponse(rules={"format": "something else"})
    ann.engine.transport.payment_rules = lambda: garbled  # type: ignore[method-assign]
    ann.engine.sync_now()
    assert VaultRulesInForce(ann.vault).load_rules_in_force() == kept
