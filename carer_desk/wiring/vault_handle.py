"""The laptop's vault file as the core's ``VaultHandle``: create, unlock, lock, and
passphrase changes, over ``storage.vault.Vault``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from carer_desk.config import Settings
from carer_desk.errors import CarerDeskError, VaultLocked, WrongPassphrase
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


def adopt_enrolled_actor(vault: Vault) -> str | None:
    """The audit log names the enrolled person, not the operating-system login (nor a name
    typed for the command line): the laptop's credential is theirs. Returns who it was
    before, when that was someone else."""
    enrolment = load_enrolment(vault)
    if enrolment is None or vault.actor == enrolment.username:
        return None
    before = vault.actor
    vault.actor = enrolment.username
    return before


class DemoSettingsOnRealVault(CarerDeskError):
    """A vault enrolled with a real office server was opened with the demo's settings."""


def refuse_demo_settings(vault: Vault, settings: Settings, source: str | None) -> None:
    """A real vault never inherits a demo setting: the demo's settings file (marked
    ``[demo] invented_data = true``) is refused for a vault enrolled with a real server."""
    enrolment = load_enrolment(vault)
    if settings.demo.invented_data and enrolment is not None and not enrolment.demo:
        where = f" ({source})" if source else ""
        raise DemoSettingsOnRealVault(
            f"These settings{where} are the demo's (invented data, a fictional 24-hour "
            f"number), but this laptop is enrolled with the office server {enrolment.server}. "
            "Use your office's settings file instead; nothing was changed."
        )


def honest_wrong_passphrase(vault: Vault, exc: WrongPassphrase) -> WrongPassphrase:
    """The wrong-passphrase message, without the promise of recovery when this vault has
    no recovery key to be recovered with."""
    try:
        recoverable = vault.has_recovery_key()
    except CarerDeskError:
        recoverable = True
    if recoverable:
        return exc
    text = str(exc).split(" If it is forgotten,")[0]
    return WrongPassphrase(
        f"{text} This vault was made without the organisation's recovery key, so a "
        "forgotten passphrase cannot be recovered: anything not yet synced would be lost.",
        retry_after=exc.retry_after,
    )


_DRAFT_PREFIX = "draft:"
RULES_IN_FORCE_SECRET = "sync.rules_in_force"


class VaultRulesInForce:
    """``RulesInForceStore`` over the vault's sealed secrets: the payment rules the server
    said are in force, kept for offline work (never in clear, re-sealed by rotation)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def load_rules_in_force(self) -> JSONDict | None:
        raw = self._vault.get_secret(RULES_IN_FORCE_SECRET)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("the payment rules in force could not be read; the settings are used")
            return None
        return value if isinstance(value, dict) else None

    def save_rules_in_force(self, rules: JSONDict) -> None:
        self._vault.put_secret(RULES_IN_FORCE_SECRET, json.dumps(rules))


def settings_for(vault: Vault, settings: Settings) -> Settings:
    """The settings to decide by on this laptop: its own, with the payment rules the
    server last said are in force in place of its own payment rules."""
    from carer_desk.rules.payment_rules import settings_in_force

    return settings_in_force(settings, VaultRulesInForce(vault).load_rules_in_force())[0]


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
        try:
            self._vault.unlock(passphrase)
        except WrongPassphrase as exc:
            raise honest_wrong_passphrase(self._vault, exc) from None
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
