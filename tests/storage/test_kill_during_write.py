"""A process killed at any moment while writing leaves a consistent vault that holds every
record it reported as written, and no half-written one."""

from __future__ import annotations

import importlib.util
import json
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


@pytest.mark.slow
def test_sigkill_while_sealing_drafts_keeps_the_last_draft_committed(
    vault: Vault, vault_path: Path
) -> None:
    """A draft is a sealed header secret, and every write re-seals the header: a kill at
    any moment leaves the vault unlocking cleanly, with the draft of the last commit (or
    one after it), never an older one or none, and every record reported written."""
    vault.close()
    rng = random.Random(10)
    start, last_draft, records = 0, -1, []
    for _iteration in range(6):
        child = run_child("drafts", str(vault_path), str(start))
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(rng.randint(1, 60))]
        time.sleep(rng.random() * 0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        lines += child.stdout.read().splitlines()
        for what, value in (line.split() for line in lines if line.strip()):
            if what == "draft":
                last_draft = max(last_draft, int(value))
            else:
                records.append(value)

        v = Vault.open(vault_path, actor="amy")
        v.unlock(PASSPHRASE)
        report = v.check()
        assert report.ok, report
        kept = json.loads(v.get_secret(child_module.DRAFT_SECRET) or "null")
        assert kept is not None, "the draft is gone after a kill"
        assert kept["n"] >= last_draft, f"draft {kept['n']} kept; {last_draft} was committed"
        assert kept == json.loads(child_module.draft_for(kept["n"]))
        stored = dict(v.iter_kind("carer"))
        for record_id in records:
            assert stored[record_id] == child_module.payload_for(record_id)
        v.close()
        start = kept["n"] + 1000  # the next child goes on from beyond what was kept
        last_draft = max(last_draft, kept["n"])
    assert last_draft > 20
