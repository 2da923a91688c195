"""A process killed at any moment while writing leaves a consistent vault that holds every
record it reported as written, and no half-written one."""

from __future__ import annotations

import importlib.util
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from storage.vault import Vault

from .conftest import PASSPHRASE, run_child

_spec = importlib.util.spec_from_file_location(
    "vault_child_process", Path(__file__).with_name("child_process.py")
)
assert _spec and _spec.loader
child_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = child_module
_spec.loader.exec_module(child_module)


@pytest.mark.slow
def test_sigkill_during_writes_loses_nothing_acknowledged(vault: Vault, vault_path: Path) -> None:
    vault.close()
    rng = random.Random(2026)
    acknowledged: list[str] = []
    start = 0
    for _iteration in range(5):
        child = run_child("write", str(vault_path), str(start))
        assert child.stdout is not None
        # Wait for a random number of commits, then a random extra moment, so the kill
        # lands anywhere: between transactions, mid-transaction, mid-fsync.
        wanted = rng.randint(1, 40)
        for _ in range(wanted):
            line = child.stdout.readline()
            if not line:
                break
            acknowledged.extend(line.split())
        time.sleep(rng.random() * 0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        # Lines printed after our last read were also committed before printing.
        acknowledged.extend(child.stdout.read().split())
        start += 1000

        v = Vault.open(vault_path, actor="amy")
        v.unlock(PASSPHRASE)
        report = v.check()
        assert report.ok, report
        stored = dict(v.iter_kind("carer"))
        for record_id in acknowledged:
            assert stored[record_id] == child_module.payload_for(record_id)
        # Nothing half-written: every stored record is whole and has its outbox change.
        for record_id, payload in stored.items():
            assert payload == child_module.payload_for(record_id)
        assert {c.record_id for c in v.outbox_pending(100_000)} == set(stored)
        v.close()
    assert len(acknowledged) > 20
