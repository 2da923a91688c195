"""Data-key rotation: everything re-encrypted, resumable after a crash at any point."""

from __future__ import annotations

import random
import signal
import sqlite3
from pathlib import Path

import pytest

from carer_desk.ports import RecordWrite
from storage.vault import Vault

from .conftest import PASSPHRASE, carer, run_child


class Interrupted(Exception):
    pass


def generations(path: Path) -> dict[str, set[int]]:
    conn = sqlite3.connect(str(path))
    try:
        return {
            table: {g for (g,) in conn.execute(f"SELECT DISTINCT key_gen FROM {table}")}
            for table in ("records", "outbox", "audit")
        } | {"keys": {g for (g,) in conn.execute("SELECT generation FROM data_keys")}}
    finally:
        conn.close()


def fill(vault: Vault, n: int = 120) -> None:
    vault.put_many(RecordWrite("carer", f"c{i:03d}", carer(i)) for i in range(n))
    # Give the outbox every shape: a sent-then-edited snapshot, a rejection, a conflict.
    vault.apply_remote("carer", "remote", carer(999), server_version=1)
    vault.put("carer", "remote", carer(999, name="edited"))
    vault.outbox_mark_sending(
        [c.change_id for c in vault.outbox_pending(1000) if c.record_id == "remote"]
    )
    vault.put("carer", "remote", carer(999, name="edited twice"))
    vault.outbox_reject(vault.outbox_pending(1)[0].change_id, "reason kept sealed")
    vault.mark_conflict("c001", {"name": ["a", "b"]})


def everything(vault: Vault) -> tuple[object, ...]:
    return (
        dict(vault.iter_kind("carer")),
        [(c.change_id, c.payload) for c in vault.outbox_pending(1000)],
        [(c.change_id, r) for c, r in vault.rejected_changes()],
        vault.conflict_details("c001"),
        [(e.seq, e.action, e.details) for e in vault.audit_entries()],
    )


def test_rotation_re_encrypts_everything_and_retires_the_old_key(
    vault: Vault, vault_path: Path
) -> None:
    fill(vault)
    before = everything(vault)
    assert vault.rotate_data_key(batch_size=25) == 2
    after = everything(vault)
    assert after[:4] == before[:4]
    assert after[4][:-1] == before[4]  # plus the "rotate-key" entry
    assert after[4][-1][1] == "rotate-key"
    assert generations(vault_path) == {"records": {2}, "outbox": {2}, "audit": {2}, "keys": {2}}
    assert vault.check().ok
    vault.close()
    with Vault.open(vault_path, actor="amy") as v:
        v.unlock(PASSPHRASE)
        assert everything(v)[:4] == before[:4]


def test_an_interrupted_rotation_stays_readable_and_resumes(vault: Vault, vault_path: Path) -> None:
    fill(vault)
    before = everything(vault)
    calls = []

    def crash_after_two_batches(stage: str, done: int) -> None:
        calls.append((stage, done))
        if len(calls) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        vault.rotate_data_key(batch_size=25, progress=crash_after_two_batches)
    vault.close()
    mid = generations(vault_path)
    assert mid["keys"] == {1, 2} and mid["records"] == {1, 2}

    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)  # holds both keys: each row opens with its own generation
    assert everything(v)[:4] == before[:4]
    v.put("carer", "during", carer(5))  # new writes use the new key already
    assert v.rotate_data_key(batch_size=25) == 2
    assert generations(vault_path) == {"records": {2}, "outbox": {2}, "audit": {2}, "keys": {2}}
    assert v.check().ok
    assert everything(v)[:4][0] == before[0] | {"during": carer(5)}
    assert v.rotate_data_key() == 3  # a later rotation starts afresh
    v.close()


def test_rotation_refuses_to_rebuild_a_tampered_audit_chain(vault: Vault, vault_path: Path) -> None:
    from carer_desk.errors import VaultError

    vault.put("carer", "c1", carer(1))
    vault.close()
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    conn.execute("DELETE FROM audit WHERE seq = 1")
    conn.close()
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)
    with pytest.raises(VaultError, match="audit log fails"):
        v.rotate_data_key()
    assert not v.check().audit_chain_ok  # the evidence is still there
    v.close()


@pytest.mark.slow
def test_rotation_killed_mid_way_resumes_with_every_record_intact(
    vault: Vault, vault_path: Path
) -> None:
    rng = random.Random(7)
    vault.put_many(RecordWrite("carer", f"c{i:04d}", carer(i)) for i in range(1500))
    expected = dict(vault.iter_kind("carer"))
    vault.close()
    interrupted = 0
    for _attempt in range(3):
        child = run_child("rotate", str(vault_path), "50")
        assert child.stdout is not None
        stop_after = rng.randint(1, 20)
        seen = 0
        for line in child.stdout:
            if line.startswith(("records", "outbox")):
                seen += 1
            if seen >= stop_after or line.startswith("finished"):
                break
        child.send_signal(signal.SIGKILL)
        child.wait()
        interrupted += len(generations(vault_path)["keys"]) == 2
        v = Vault.open(vault_path, actor="amy")
        v.unlock(PASSPHRASE)
        assert dict(v.iter_kind("carer")) == expected
        assert v.check().ok
        v.close()
    assert interrupted >= 1  # the kills did land mid-rotation
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)
    v.rotate_data_key()
    gens = generations(vault_path)
    assert len(gens["keys"]) == 1 and gens["records"] == gens["keys"] == gens["audit"]
    assert dict(v.iter_kind("carer")) == expected
    assert v.check().ok
    v.close()


def test_writes_from_another_thread_during_rotation_are_kept(
    vault: Vault, vault_path: Path
) -> None:
    """The UI runs vault work off the GUI thread: a rotation and edits may overlap."""
    import threading

    vault.put_many(RecordWrite("carer", f"c{i:03d}", carer(i)) for i in range(300))
    written: dict[str, dict[str, object]] = {}

    def edit_while_rotating() -> None:
        for i in range(0, 300, 7):
            payload = carer(i, name=f"edited {i}")
            vault.put("carer", f"c{i:03d}", payload)
            written[f"c{i:03d}"] = payload

    editor = threading.Thread(target=edit_while_rotating)
    editor.start()
    vault.rotate_data_key(batch_size=10)
    editor.join()
    stored = dict(vault.iter_kind("carer"))
    for rid, payload in written.items():
        assert stored[rid] == payload
    assert len(stored) == 300
    assert vault.check().ok
    vault.rotate_data_key(batch_size=10)  # finishes cleanly whatever the interleaving was
    assert generations(vault_path)["records"] == generations(vault_path)["keys"]
