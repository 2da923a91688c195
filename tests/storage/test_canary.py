"""Nothing sensitive reaches the disk in clear: database, WAL, backups, logs, temp files.

Records carry known canary strings in every field; the test edits, searches, locks and
unlocks, changes the passphrase, rotates the key, upgrades the schema (which takes a
backup), has a child process killed mid-write, then scans every byte of every file under
the data directory and a test-private TMPDIR for each canary in UTF-8 and UTF-16. The same
scan run over a plain sqlite-utils database proves the scan can find what it looks for.
"""

from __future__ import annotations

import json
import logging
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from carer_desk.ports import RecordWrite
from storage.vault import Vault

from .conftest import copy_golden, run_child

PASSPHRASE = "Canary-Passphrase-Qx7 walrus"
NEW_PASSPHRASE = "Canary-Passphrase-Second-Zk4"
CANARIES = {
    "name": "Canaryname Ffoulkes-Quill",
    "preferred": "Zoë Canary-Ångström",
    "address": "17 Canarywharf Lane, Wytham",
    "dob": "1931-02-29-canary",
    "notes": "CANARY-NOTE: worried about falls at night",
    "amount_pence": 918273645,
    "conflict": "CANARY-CONFLICT-VALUE 07700 900123",
    "reason": "CANARY-REJECTION over the cap",
    "audit": "CANARY-AUDIT-DETAIL export to USB",
    "child": "CANARY-FROM-KILLED-CHILD",
    "arabic": "كناري-سري",
}


def needles() -> list[tuple[str, bytes]]:
    words = [str(v) for v in CANARIES.values()] + [PASSPHRASE, NEW_PASSPHRASE]
    found = []
    for word in words:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found.append((f"{word!r} as {encoding}", word.encode(encoding)))
    return found


def every_file(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in root.rglob("*") if p.is_file())


def scan(*roots: Path) -> list[str]:
    hits = []
    for path in every_file(*roots):
        data = path.read_bytes()
        hits += [f"{label} in {path.name}" for label, needle in needles() if needle in data]
    return hits


def canary_payload(i: int) -> dict[str, object]:
    return {
        "name": f"{CANARIES['name']} {i}",
        "preferred_name": CANARIES["preferred"],
        "address": CANARIES["address"],
        "date_of_birth": CANARIES["dob"],
        "notes": CANARIES["notes"] + " " + CANARIES["arabic"],
        "payment": {"amount_pence": CANARIES["amount_pence"]},
        "contacts": [{"name": CANARIES["name"], "phone": CANARIES["conflict"]}],
    }


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything logged at DEBUG goes to a file in the data directory, to be scanned."""
    path = tmp_path / "data" / "carer-desk.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


@pytest.mark.slow
def test_no_canary_reaches_the_disk(tmp_path: Path, private_tmp: Path, log_file: Path) -> None:
    data = tmp_path / "data"
    path = data / "vault.db"
    # Start from a vault the release at the first schema wrote, holding c0..c19 =
    # canary_payload(i) (tests/storage/golden/make_golden.py), so opening it again
    # migrates it, takes a pre-migration backup, and seals it at the first unlock.
    copy_golden("vault-m001-canary.sqlite", path)

    v = Vault.open(path, actor="canary-tester")  # migrates: backup file written
    assert list(data.glob("vault.db.bak-*"))
    v.unlock(PASSPHRASE)
    v.put_many(RecordWrite("carer", f"bulk{i}", canary_payload(i)) for i in range(300))
    for i in range(0, 20, 2):
        v.put("carer", f"c{i}", {**canary_payload(i), "notes": CANARIES["notes"] + " edited"})
    matches = [rid for rid, p in v.iter_kind("carer") if CANARIES["address"] in str(p)]
    assert len(matches) == 320  # the search found them, in memory
    v.audit("export", record_id="c1", kind="carer", details={"to": CANARIES["audit"]})
    changes = v.outbox_pending(5)
    v.outbox_mark_sending([changes[0].change_id])
    v.put("carer", changes[0].record_id, canary_payload(99))  # snapshot of the sent one
    v.outbox_reject(changes[1].change_id, CANARIES["reason"])
    v.mark_conflict("c3", {"phone": {"mine": CANARIES["conflict"], "theirs": "x"}})
    v.delete("carer", "c5")
    assert scan(data, private_tmp) == []  # mid-session, with the WAL in place
    v.lock()
    v.unlock(PASSPHRASE)
    v.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    v.rotate_data_key(batch_size=50)
    v.close()

    child = run_child(
        "write",
        str(path),
        "0",
        env_extra={
            "VAULT_PASSPHRASE": NEW_PASSPHRASE,
            "VAULT_CANARY": CANARIES["child"],
            "TMPDIR": str(private_tmp),
        },
    )
    assert child.stdout is not None
    for _ in range(15):
        child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The killed child leaves its WAL behind: scan it before anything checkpoints it.
    assert scan(data, private_tmp) == []

    v = Vault.open(path, actor="canary-tester")
    v.unlock(NEW_PASSPHRASE)
    assert v.check().ok
    assert any(CANARIES["child"] in str(p) for _, p in v.iter_kind("carer"))
    v.close()

    files = {p.name for p in every_file(data)}
    assert "vault.db" in files and "carer-desk.log" in files
    assert log_file.stat().st_size > 0
    assert scan(data, private_tmp) == []


def test_the_scan_finds_canaries_in_a_plain_database(tmp_path: Path) -> None:
    """The control: written the same way without the vault, every canary is found."""
    plain = tmp_path / "plain"
    plain.mkdir()
    db = Database(plain / "plain.db")
    db.execute("PRAGMA journal_mode=WAL")
    with db.atomic():
        db["records"].insert_all(
            {
                "id": f"c{i}",
                "kind": "carer",
                "payload": json.dumps(canary_payload(i), ensure_ascii=False),
            }
            for i in range(20)
        )
        db["audit"].insert(
            {
                "details": CANARIES["audit"]
                + CANARIES["reason"]
                + CANARIES["child"]
                + PASSPHRASE
                + NEW_PASSPHRASE
            }
        )
    db.close()
    (plain / "notes.txt").write_text(CANARIES["conflict"], encoding="utf-16")
    hits = scan(plain)
    for word in [*map(str, CANARIES.values()), PASSPHRASE, NEW_PASSPHRASE]:
        assert any(h.startswith(f"{word!r} as utf-8") for h in hits), word
    assert any("as utf-16-le" in h for h in hits)
