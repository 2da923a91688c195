"""The vault header: the named clear fields stored beside the tables.

Every header field the vault reads or writes is named here, with its typed accessor.
Sealed small secrets are header rows too (``secret:<name>``); :mod:`storage.vault.secrets`
seals and opens them. Every field but the few in :data:`UNSEALED` is covered by the header
seal (:mod:`storage.vault.seal`), so editing one without the passphrase is found; the
unsealed ones change while the vault is locked (the wrong-passphrase throttle) or are the
seal itself.

Writes here never open a transaction of their own: each one belongs to a transaction of
the vault (``VaultContext.transaction``), which re-seals the header before it commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlite_utils import Database

from storage.kdf import KdfParams

FORMAT_FAMILY = "carer-desk-vault/"
FORMAT = FORMAT_FAMILY + "1"
SECRET_PREFIX = "secret:"
SEAL = "seal"
FAILED_UNLOCKS = "failed_unlocks"
LAST_FAILED_UNLOCK_AT = "last_failed_unlock_at"
UNLOCK_RATCHET = "unlock_ratchet"
# The format of the record summaries every live record has (storage.vault.summaries);
# absent until the first unlock after the upgrade that added them has built them all.
SUMMARIES = "summaries"
# Not covered by the seal: the seal itself, and the throttle, which a wrong passphrase
# moves while no key is at hand (storage.throttle binds it another way).
UNSEALED = frozenset({SEAL, FAILED_UNLOCKS, LAST_FAILED_UNLOCK_AT, UNLOCK_RATCHET})


class Header:
    """Reads and writes the ``header`` table (inside the caller's transaction, if any)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ raw fields

    def get(self, name: str) -> str | None:
        row = self._db.conn.execute("SELECT value FROM header WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def all(self) -> dict[str, str]:
        return dict(self._db.conn.execute("SELECT name, value FROM header").fetchall())

    def set(self, values: Mapping[str, str]) -> None:
        self._in_transaction()
        self._db.conn.executemany(
            "INSERT INTO header (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def delete(self, name: str) -> None:
        self._in_transaction()
        self._db.conn.execute("DELETE FROM header WHERE name = ?", (name,))

    def _in_transaction(self) -> None:
        # A header write committed on its own would not be sealed: the next unlock would
        # report the vault as altered. Every write goes through VaultContext.transaction.
        if not self._db.conn.in_transaction:
            raise RuntimeError("a header field was written outside a vault transaction")

    def with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._db.conn.execute(
            "SELECT name, value FROM header WHERE name LIKE ? ESCAPE '\\'", (escaped + "%",)
        ).fetchall()

    def replace_values(self, updates: list[tuple[str, str]]) -> None:
        """``(value, name)`` pairs for fields that already exist."""
        self._in_transaction()
        self._db.conn.executemany("UPDATE header SET value = ? WHERE name = ?", updates)

    # ------------------------------------------------------------------ typed fields

    @staticmethod
    def initial(
        vault_id: str, kdf: KdfParams, recovery_public_key_pem: bytes | None
    ) -> dict[str, str]:
        """Every field a new vault starts with."""
        return {
            "format": FORMAT,
            "vault_id": vault_id,
            "kdf": json.dumps(kdf.to_json()),
            FAILED_UNLOCKS: "0",
            LAST_FAILED_UNLOCK_AT: "",
            "sync_cursor": "",
            "recovery_public_key": (recovery_public_key_pem or b"").decode("ascii"),
        }

    def write_initial(self, values: Mapping[str, str]) -> None:
        self._db.conn.executemany(
            "INSERT INTO header (name, value) VALUES (?, ?)", list(values.items())
        )

    def is_vault(self) -> bool:
        return bool(self.vault_id()) and (self.get("format") or "").startswith(FORMAT_FAMILY)

    def vault_id(self) -> str:
        return self.get("vault_id") or ""

    def kdf(self) -> KdfParams:
        return KdfParams.from_json(json.loads(self.get("kdf") or "{}"))

    @staticmethod
    def kdf_field(kdf: KdfParams) -> dict[str, str]:
        return {"kdf": json.dumps(kdf.to_json())}

    def recovery_pem(self) -> bytes | None:
        pem = self.get("recovery_public_key")
        return pem.encode("ascii") if pem else None

    @staticmethod
    def recovery_field(public_pem: bytes) -> dict[str, str]:
        return {"recovery_public_key": public_pem.decode("ascii")}

    def failed_unlocks(self) -> tuple[int, float | None]:
        """Consecutive wrong passphrases, and when the last one was tried. A value that
        is not a number (edited) counts as the most failures: it must never let a
        passphrase be tried sooner."""
        try:
            failures = int(self.get(FAILED_UNLOCKS) or 0)
        except ValueError:
            failures = 1_000_000
        try:
            last = float(self.get(LAST_FAILED_UNLOCK_AT) or "nan")
        except ValueError:
            last = float("nan")
        return max(failures, 0), None if last != last else last  # NaN: never failed

    def unlock_ratchet(self) -> bytes | None:
        value = self.get(UNLOCK_RATCHET)
        try:
            return bytes.fromhex(value) if value else None
        except ValueError:
            return b""

    @staticmethod
    def failed_unlocks_field(failures: int, at: float, ratchet: bytes | None) -> dict[str, str]:
        values = {FAILED_UNLOCKS: str(failures), LAST_FAILED_UNLOCK_AT: repr(at)}
        if ratchet is not None:
            values[UNLOCK_RATCHET] = ratchet.hex()
        return values

    @staticmethod
    def cleared_failed_unlocks_field(ratchet: bytes | None = None) -> dict[str, str]:
        values = {FAILED_UNLOCKS: "0", LAST_FAILED_UNLOCK_AT: ""}
        if ratchet is not None:
            values[UNLOCK_RATCHET] = ratchet.hex()
        return values

    def sync_cursor(self) -> str:
        return self.get("sync_cursor") or ""

    def set_sync_cursor(self, cursor: str) -> None:
        self.set({"sync_cursor": cursor})

    def seal(self) -> str | None:
        return self.get(SEAL)

    def write_seal(self, value: str) -> None:
        self.set({SEAL: value})
