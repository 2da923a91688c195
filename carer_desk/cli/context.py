"""What every CLI command needs: where the data lives, the settings, who is acting, and a
way to open the vault. This module (with the rest of ``carer_desk.cli``) is part of the
composition root, the one place allowed to import ``storage``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from carer_desk.cli.passphrase import PASSPHRASE_ENV, SecretReader
from carer_desk.config import Settings
from carer_desk.wiring.locations import (
    DATA_DIR_CONFIG,
    USER_ENV,
    VAULT_FILENAME,
    default_actor,
    default_data_dir,
    ensure_private_dir,
)
from carer_desk.wiring.vault_handle import adopt_enrolled_actor
from storage.vault import Vault

log = logging.getLogger(__name__)

__all__ = [
    "DATA_DIR_CONFIG",
    "USER_ENV",
    "VAULT_FILENAME",
    "CliContext",
    "default_actor",
    "default_data_dir",
]


@dataclass
class CliContext:
    data_dir: Path
    settings: Settings
    actor: str
    secrets: SecretReader
    # --user or CARER_DESK_USER named the person; otherwise the enrolled user is, once
    # the vault is open (the operating-system login only for a laptop never enrolled).
    actor_given: bool = False

    @property
    def vault_path(self) -> Path:
        return self.data_dir / VAULT_FILENAME

    def ensure_data_dir(self) -> None:
        ensure_private_dir(self.data_dir)

    def open_vault(self) -> Vault:
        """Open and unlock the vault with the passphrase from the environment or stdin."""
        vault = Vault.open(self.vault_path, actor=self.actor)
        try:
            vault.unlock(self.secrets.read(PASSPHRASE_ENV, "Vault passphrase"))
            if not self.actor_given:
                adopt_enrolled_actor(vault)
        except BaseException:
            vault.close()
            raise
        return vault
