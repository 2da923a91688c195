"""Writes the golden vault files of released schemas, with the code of that release.

The files in this folder were written by the release whose vault schema ends at
``m002_outbox_drain_index`` (commit 10b25e6), run as

    git archive 10b25e6 | tar -x -C /tmp/release
    PYTHONPATH=/tmp/release .venv/bin/python tests/storage/golden/make_golden.py

``vault-m003-listed.sqlite`` was written the same way by the release whose schema ends at
``m003_authenticated_bookkeeping`` (commit 4d0f4e7), with ``listed`` only:

    PYTHONPATH=/tmp/release .venv/bin/python tests/storage/golden/make_golden.py listed

They must never be rewritten by a later version: they are what a laptop upgrading from
that release holds. tests/storage/test_schema_upgrade.py and the canary test open them.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from storage.kdf import KdfParams  # the release's, from PYTHONPATH
from storage.recovery import generate_recovery_keypair
from storage.vault import Vault

HERE = Path(__file__).resolve().parent

PASSPHRASE = "correct horse battery"
CANARY_PASSPHRASE = "Canary-Passphrase-Qx7 walrus"
KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
KEY_PASSWORD = b"admin secret"


def carer(i: int, **extra: object) -> dict[str, object]:
    """The same payload as tests/storage/conftest.py's carer()."""
    return {
        "name": f"Carer Number {i}",
        "notes": f"Visited on day {i}. " + "Talked about respite and the garden. " * 25,
        "hours_per_week": i % 70,
        **extra,
    }


def records_only(name: str, stop_before: str) -> None:
    path = HERE / name
    path.unlink(missing_ok=True)
    v = Vault.create(path, PASSPHRASE, actor="builder", kdf=KDF, _stop_before=stop_before)
    for i in range(25):
        v.put("carer", f"c{i}", carer(i))
    v.close()


def listed_payloads() -> list[tuple[str, str, dict[str, object]]]:
    """The same records as tests/storage/conftest.py's LISTED_RECORDS: carers with every
    field a list shows, and a conversation each."""
    out: list[tuple[str, str, dict[str, object]]] = []
    for i in range(12):
        out.append(
            (
                "carer",
                f"c{i}",
                {
                    "given_name": f"Given{i}",
                    "family_name": f"Family{i}",
                    "date_of_birth": "1950-01-02",
                    "team": "north",
                    "address": {"line1": f"{i} Long Street", "postcode": "OX1 1AA"},
                    "contact": {"phone": f"01865 00000{i % 10}"},
                    "notes": "Talked about respite. " * 20,
                },
            )
        )
        out.append(
            (
                "conversation",
                f"v{i}",
                {"carer_id": f"c{i}", "completed_on": "2026-01-05", "review_date": "2027-01-05"},
            )
        )
    return out


def listed(name: str) -> None:
    """A sealed vault (m003) holding records a list shows, some edited and one deleted."""
    from carer_desk.ports import RecordWrite

    path = HERE / name
    path.unlink(missing_ok=True)
    v = Vault.create(path, PASSPHRASE, actor="builder", kdf=KDF)
    v.put_many(RecordWrite(kind, rid, payload) for kind, rid, payload in listed_payloads())
    v.delete("carer", "c11")
    v.delete("conversation", "v11")
    v.close()


def canary(name: str) -> None:
    from tests.storage.test_canary import canary_payload

    path = HERE / name
    path.unlink(missing_ok=True)
    v = Vault.create(
        path,
        CANARY_PASSPHRASE,
        actor="canary-tester",
        kdf=KDF,
        _stop_before="m002_outbox_drain_index",
    )
    for i in range(20):
        v.put("carer", f"c{i}", canary_payload(i))
    v.close()


def history(name: str) -> None:
    """A laptop with a working history: synced, changed, sending, refused, conflicting
    and deleted records, secrets, a sync position, a rotated key, two wrong passphrases."""
    private_pem, public_pem = generate_recovery_keypair(KEY_PASSWORD)
    (HERE / "recovery-private.pem").write_bytes(private_pem)
    (HERE / "recovery-public.pem").write_bytes(public_pem)
    path = HERE / name
    path.unlink(missing_ok=True)
    v = Vault.create(path, PASSPHRASE, actor="ann", kdf=KDF, recovery_public_key_pem=public_pem)
    v.apply_remote("carer", "s1", carer(101), server_version=3)
    v.apply_remote("carer", "s2", carer(102), server_version=5)
    v.apply_remote("carer", "s3", carer(103), server_version=2)
    v.apply_remote("carer", "s4", carer(104), server_version=1)
    from carer_desk.ports import RecordWrite

    v.put_many(RecordWrite("carer", f"n{i}", carer(i)) for i in range(6))
    v.put("carer", "s1", carer(101, name="Edited Offline"))
    sending = [c for c in v.outbox_pending(100) if c.record_id == "s1"]
    v.outbox_mark_sending([c.change_id for c in sending])
    v.put("carer", "s1", carer(101, name="Edited Again"))  # snapshots the one in flight
    refused = [c for c in v.outbox_pending(100) if c.record_id == "n1"]
    v.outbox_reject(refused[0].change_id, "over the 12-month cap")
    v.put("carer", "s2", carer(102, name="Both Changed"))
    v.mark_conflict("s2", {"conflict_id": "k1", "fields": [{"field": "name"}]})
    v.delete("carer", "s3")  # a tombstone waiting for the server
    v.delete("carer", "n5")  # never sent: gone at once
    v.put_secret("device-credential", "tok-from-the-release")
    v.put_secret("draft:carer-form", json.dumps({"name": "half typed"}))
    v.set_sync_cursor("cursor-7")
    v.audit("export", record_id="s4", kind="carer", details={"to": "usb"})
    v.rotate_data_key(batch_size=3)
    v.put("carer", "n0", carer(0, name="After Rotation"))
    v.close()
    v = Vault.open(path, actor="ann")
    for _ in range(2):
        with contextlib.suppress(Exception):  # WrongPassphrase: counted in the header
            v.unlock("not the passphrase")
    v.close()


if __name__ == "__main__" and sys.argv[1:] == ["listed"]:
    listed("vault-m003-listed.sqlite")
elif __name__ == "__main__":
    records_only("vault-m001.sqlite", "m002_outbox_drain_index")
    records_only("vault-m002.sqlite", "m003_authenticated_bookkeeping")
    canary("vault-m001-canary.sqlite")
    history("vault-m002-history.sqlite")
    for leftover in HERE.glob("*-wal"):
        leftover.unlink()
    for leftover in HERE.glob("*-shm"):
        leftover.unlink()
    print("written:", ", ".join(sorted(p.name for p in HERE.glob("*.sqlite"))))
