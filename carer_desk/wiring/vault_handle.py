"""The laptop's vault file as the core's ``VaultHandle``: create, unlock, lock, and
passphrase changes, over ``storage.vault.Vault``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from carer_desk.config import Settings
from carer_desk.errors import VaultLocked
from carer_desk.ports import IntegrityReport, JSONDict, VaultStatus
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.locations import ensure_private_dir
from storage.kdf import KdfParams
from storage.vault import Vault

log = logging.getLogger(__name__)


def kdf_from_settings(settings: Settings) -> KdfParams:
    v = settings.vault
    return KdfParams(
        memory_kib=v.argon2_memory_kib, iterations=v.argon2_iterations, lanes=v.argon2_lanes
    )


def adopt_enrolled_actor(vault: Vault) -> None:
    """The audit log names the enrolled person, not the operating-system login."""
    enrolment = load_enrolment(vault)
    if enrolment is not None:
        vault.actor = enrolment.username


_DRAFT_PREFIX = "draft:"


class VaultDrafts:
    """``DraftStore`` over the vault's sealed secrets (never synced, never in clear)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def save_draft(self, key: str, payload: JSONDict) -> None:
        self._vault.put_secret(_DRAFT_PREFIX + key, json.dumps(payload))

    def load_draft(self, key: str) -> JSONDict | None:
        raw = self._vault.get_secret(_DRAFT_PREFIX + key)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("a draft could not be read; it is set aside")
            return None
        return value if isinstance(value, dict) else None

    def discard_draft(self, key: str) -> None:
        self._vault.delete_secret(_DRAFT_PREFIX + key)


class LocalVaultHandle:
    """One vault file. The ``Vault`` object is opened on first need and kept open while
    the application runs; locking drops its keys, not its file handle."""

    def __init__(self, path: Path, *, actor: str, kdf: KdfParams) -> None:
        self._path = Path(path)
        self._actor = actor
        self._kdf = kdf
        self._vault: Vault | None = None

    @property
    def status(self) -> VaultStatus:
        if self._vault is not None and self._vault.is_unlocked:
            return VaultStatus.UNLOCKED
        if self._vault is None and not self._path.exists():
            return VaultStatus.ABSENT
        return VaultStatus.LOCKED

    @property
    def location(self) -> str:
        return str(self._path)

    @property
    def vault(self) -> Vault:
        """The open vault (for the composition root's own wiring, e.g. sync)."""
        if self._vault is None or not self._vault.is_unlocked:
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")
        return self._vault

    def create(self, passphrase: str, *, recovery_public_key_pem: bytes | None = None) -> Vault:
        ensure_private_dir(self._path.parent)
        self._vault = Vault.create(
            self._path,
            passphrase,
            actor=self._actor,
            kdf=self._kdf,
            recovery_public_key_pem=recovery_public_key_pem,
        )
        return self._vault

    def discard_new(self) -> None:
        """Remove a vault created moments ago that holds nothing yet (a first run whose
        enrolment failed), so the person can start again cleanly."""
        vault = self.vault
        if any(True for _ in vault.outbox_pending(1)) or load_enrolment(vault) is not None:
            return  # not empty after all: never remove work
        path = vault.path
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def unlock(self, passphrase: str) -> Vault:
        if self._vault is None:
            self._vault = Vault.open(self._path, actor=self._actor)
        self._vault.unlock(passphrase)
        adopt_enrolled_actor(self._vault)
        return self._vault

    def lock(self) -> None:
        if self._vault is not None:
            self._vault.lock()

    def change_passphrase(self, old: str, new: str) -> None:
        self.vault.change_passphrase(old, new)

    def has_recovery_key(self) -> bool:
        return self.vault.has_recovery_key()

    def check(self) -> IntegrityReport:
        return self.vault.check()

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None

    def forget_wiped(self) -> None:
        """The file was wiped (a revoked laptop): start again from the first run."""
        self._vault = None
