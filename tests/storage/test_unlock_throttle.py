"""The wrong-passphrase throttle against someone who can write the file.

It cannot be MACed (it changes while no key is held), so: attempts are serialised by
SQLite's write lock, each wrong one is committed and checkpointed into the main file
before it is answered, and lowering the count behind the vault's back is found at the
next successful unlock (storage/throttle.py's one-way chain). What stays possible — a
copy of the header saved before guessing, put back — is shown too (docs/security.md).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from carer_desk.errors import UnlockThrottled, WrongPassphrase
from storage.vault import Vault

from .conftest import PASSPHRASE, REPO_ROOT, FakeClock, run_child


def failed_unlocks(path: Path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        return int(
            conn.execute("SELECT value FROM header WHERE name = 'failed_unlocks'").fetchone()[0]
        )
    finally:
        conn.close()


def test_deleting_the_wal_after_a_kill_does_not_reset_the_count(
    vault: Vault, vault_path: Path
) -> None:
    vault.close()
    child = run_child("guess", str(vault_path), env_extra={"GUESSES": "3"})
    assert child.stdout is not None
    lines = [child.stdout.readline().strip() for _ in range(3)]
    assert lines == ["wrong 0", "wrong 1", "wrong 2"]
    child.send_signal(signal.SIGKILL)
    child.wait()
    for suffix in ("-wal", "-shm"):
        Path(str(vault_path) + suffix).unlink(missing_ok=True)
    assert failed_unlocks(vault_path) == 3
    v = Vault.open(vault_path, actor="amy")
    with pytest.raises(UnlockThrottled):  # the fourth try must wait
        v.unlock(PASSPHRASE)
    v.close()


GUESSER = """
import sys, time
from pathlib import Path
from carer_desk.errors import UnlockThrottled, WrongPassphrase
from storage.vault import Vault
path, go = Path(sys.argv[1]), Path(sys.argv[2])
vault = Vault.open(path, actor="guesser")
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
try:
    vault.unlock("a parallel guess")
except WrongPassphrase:
    print("wrong")
except UnlockThrottled:
    print("throttled")
"""


def test_parallel_attempts_queue_and_each_is_counted(vault: Vault, vault_path: Path) -> None:
    """Six processes guess at the same instant: each sees the count the one before it
    left, so three are tried (the free ones) and the rest must wait."""
    vault.close()
    go = vault_path.with_name("go")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    guessers = [
        subprocess.Popen(
            [sys.executable, "-c", GUESSER, str(vault_path), str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(REPO_ROOT),
        )
        for _ in range(6)
    ]
    for guesser in guessers:  # every one has opened the vault and waits for the signal
        assert guesser.stdout is not None
        assert guesser.stdout.readline().strip() == "ready"
    go.touch()
    outcomes = sorted(p.communicate(timeout=120)[0].strip() for p in guessers)
    assert outcomes.count("wrong") == failed_unlocks(vault_path)
    assert outcomes.count("wrong") == 3, outcomes
    assert outcomes.count("throttled") == 3


def guess_wrongly(path: Path, clock: FakeClock, times: int) -> None:
    """``times`` wrong passphrases, far enough apart that none has to wait."""
    v = Vault.open(path, actor="amy", clock=clock)
    for _ in range(times):
        clock.advance(600)
        with pytest.raises(WrongPassphrase):
            v.unlock("somebody guessing")
    v.close()


def test_lowering_the_count_with_sqlite_is_found_at_the_next_unlock(
    vault: Vault, vault_path: Path, clock: FakeClock
) -> None:
    vault.close()
    guess_wrongly(vault_path, clock, 6)
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    conn.execute("UPDATE header SET value = '0' WHERE name = 'failed_unlocks'")
    conn.execute("UPDATE header SET value = '' WHERE name = 'last_failed_unlock_at'")
    conn.close()
    v = Vault.open(vault_path, actor="amy", clock=clock)
    v.unlock(PASSPHRASE)  # the right passphrase still works at once...
    last = v.audit_entries()[-1]
    assert last.action == "unlock" and last.details.get("throttle_altered") is True
    report = v.check()  # ...and the person is told
    assert any("wrong-passphrase count was lowered" in f for f in report.tampered)
    v.lock()
    v.unlock(PASSPHRASE)  # the next unlock starts a fresh chain: nothing left to report
    assert v.check().ok
    v.close()


def test_an_honest_count_is_reported_at_the_next_unlock(
    vault: Vault, vault_path: Path, clock: FakeClock
) -> None:
    vault.close()
    guess_wrongly(vault_path, clock, 4)
    v = Vault.open(vault_path, actor="amy", clock=clock)
    clock.advance(600)
    v.unlock(PASSPHRASE)
    last = v.audit_entries()[-1]
    assert last.details == {"wrong_passphrases_before": 4}
    assert v.check().ok
    v.close()


def test_a_header_copied_before_guessing_can_be_put_back(
    vault: Vault, vault_path: Path, clock: FakeClock
) -> None:
    """The documented limit: restoring the throttle fields saved before the guesses is a
    rollback, which no file can detect on its own. The Argon2id cost is the defence."""
    vault.close()
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    saved = conn.execute(
        "SELECT name, value FROM header WHERE name IN "
        "('failed_unlocks', 'last_failed_unlock_at', 'unlock_ratchet')"
    ).fetchall()
    conn.close()
    guess_wrongly(vault_path, clock, 5)
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    conn.executemany("UPDATE header SET value = ? WHERE name = ?", [(v, n) for n, v in saved])
    conn.close()
    v = Vault.open(vault_path, actor="amy", clock=clock)
    v.unlock(PASSPHRASE)
    assert v.check().ok
    v.close()
