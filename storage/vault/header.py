"""The vault header: the named clear fields stored beside the tables.

Every header field the vault reads or writes is named here, with its typed accessor, so
whatever protects header fields (a MAC under a key derived from the data key, in the
security issue that follows) has one place to go. Sealed small secrets are header rows
too (``secret:<name>``); :mod:`storage.vault.secrets` seals and opens them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlite_utils import Database

from storage.kdf import KdfParams

FORMAT_FAMILY = "carer-desk-vault/"
FORMAT = FORMAT_FAMILY + "1"
SECRET_PREFIX = "secret:"


class Header:
    """Reads and writes the ``header`` table (inside the caller's transaction, if any)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ raw fields

    def get(self, name: str) -> str | None:
        row = self._db.conn.execute("SELECT value FROM header WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set(self, values: Mapping[str, str]) -> None:
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT INTO header (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def delete(self, name: str) -> None:
        with self._db.atomic():
            self._db.conn.execute("DELETE FROM header WHERE name = ?", (name,))

    def with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._db.conn.execute(
            "SELECT name, value FROM header WHERE name LIKE ? ESCAPE '\\'", (escaped + "%",)
        ).fetchall()

    def replace_values(self, updates: list[tuple[str, str]]) -> None:
        """``(value, name)`` pairs for fields that already exist."""
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
            "failed_unlocks": "0",
            "last_failed_unlock_at": "",
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
        """Consecutive wrong passphrases, and when the last one was tried."""
        last = self.get("last_failed_unlock_at")
        return int(self.get("failed_unlocks") or 0), float(last) if last else None

    @staticmethod
    def failed_unlocks_field(failures: int, at: float) -> dict[str, str]:
        return {"failed_unlocks": str(failures), "last_failed_unlock_at": repr(at)}

    @staticmethod
    def cleared_failed_unlocks_field() -> dict[str, str]:
        return {"failed_unlocks": "0", "last_failed_unlock_at": ""}

    def sync_cursor(self) -> str:
        return self.get("sync_cursor") or ""

    def set_sync_cursor(self, cursor: str) -> None:
        self.set({"sync_cursor": cursor})
