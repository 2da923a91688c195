"""Child process for the kill tests (not a test module).

Usage:
  child_process.py write VAULT_PATH START   -- put records in a loop, printing each id after
                                               its transaction committed
  child_process.py drafts VAULT_PATH START  -- seal a draft (a header secret) again and again,
                                               with a record put between, printing
                                               "draft N" / "record ID" after each commit
  child_process.py rotate VAULT_PATH        -- rotate the data key in small batches, printing
                                               progress after each batch
  child_process.py guess VAULT_PATH         -- try wrong passphrases, printing each refusal
                                               (after it was counted); then wait
The parent kills this process with SIGKILL at random moments.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from carer_desk.ports import RecordWrite
from storage.vault import Vault

PASSPHRASE = os.environ.get("VAULT_PASSPHRASE", "correct horse battery")


def payload_for(record_id: str) -> dict[str, object]:
    # Deterministic from the id, so the parent can check every byte survived. The canary
    # test sets VAULT_CANARY so the child's records carry a string it then looks for.
    marker = os.environ.get("VAULT_CANARY", "")
    return {"name": f"Name of {record_id}{marker}", "notes": f"notes for {record_id} " * 40}


DRAFT_SECRET = "draft:conversation:kill-test"


def draft_for(n: int) -> str:
    """The draft's typing after ``n`` seals: each one a little longer, as typing goes on."""
    return json.dumps({"n": n, "answer": "the nights are long " * (n % 50)})


def main() -> None:
    command, path = sys.argv[1], Path(sys.argv[2])
    vault = Vault.open(path, actor="child")
    if command == "guess":
        guess(vault)
        return
    vault.unlock(PASSPHRASE)
    if command == "write":
        start = int(sys.argv[3])
        i = start
        while True:
            record_id = f"r{i:06d}"
            if i % 5 == 0:
                batch = [
                    RecordWrite("carer", f"{record_id}-{j}", payload_for(f"{record_id}-{j}"))
                    for j in range(20)
                ]
                vault.put_many(batch)
                print(" ".join(w.id for w in batch), flush=True)
            else:
                vault.put("carer", record_id, payload_for(record_id))
                print(record_id, flush=True)
            i += 1
    elif command == "drafts":
        # The window's mix: a draft sealed every few seconds while records are written.
        n = int(sys.argv[3])
        while True:
            vault.put_secret(DRAFT_SECRET, draft_for(n))
            print(f"draft {n}", flush=True)
            if n % 3 == 0:
                record_id = f"d{n:06d}"
                vault.put("carer", record_id, payload_for(record_id))
                print(f"record {record_id}", flush=True)
            n += 1
    elif command == "rotate":
        vault.rotate_data_key(
            batch_size=int(sys.argv[3]), progress=lambda stage, n: print(f"{stage} {n}", flush=True)
        )
        print("finished", flush=True)
    else:
        raise SystemExit(f"unknown command {command}")


def guess(vault: Vault) -> None:
    import time

    from carer_desk.errors import UnlockThrottled, WrongPassphrase

    for n in range(int(os.environ.get("GUESSES", "3"))):
        try:
            vault.unlock(f"guess number {n}")
        except WrongPassphrase:
            print(f"wrong {n}", flush=True)
        except UnlockThrottled:
            print(f"throttled {n}", flush=True)
    time.sleep(600)  # killed here, with the WAL in place


if __name__ == "__main__":
    main()
