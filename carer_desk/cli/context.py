"""What every CLI command needs: where the data lives, the settings, who is acting, and a
way to open the vault. This module (with the rest of ``carer_desk.cli``) is part of the
composition root, the one place allowed to import ``storage``."""

from __future__ import annotations

import getpass
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from carer_desk.cli.passphrase import PASSPHRASE_ENV, SecretReader
from carer_desk.config import Settings
from carer_desk.errors import CarerDeskError
from storage.vault import Vault

log = logging.getLogger(__name__)

VAULT_FILENAME = "vault.sqlite"
DATA_DIR_CONFIG = "config.toml"  # settings kept with a vault (the demo's, for example)
USER_ENV = "CARER_DESK_USER"


def default_data_dir() -> Path:
    return Path(user_data_dir("carer-desk", appauthor=False))


def default_actor() -> str:
    """The person acting, for the audit log: explicit setting first, then the OS login."""
    explicit = os.environ.get(USER_ENV)
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers; the audit still needs a name
        return "unknown"


@dataclass
class CliContext:
    data_dir: Path
    settings: Settings
    actor: str
    secrets: SecretReader

    @property
    def vault_path(self) -> Path:
        return self.data_dir / VAULT_FILENAME

    def ensure_data_dir(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CarerDeskError(
                f"Cannot create the data folder {self.data_dir}: {exc.strerror}. "
                "Choose another folder with --data-dir."
            ) from exc

    def open_vault(self) -> Vault:
        """Open and unlock the vault with the passphrase from the environment or stdin."""
        vault = Vault.open(self.vault_path, actor=self.actor)
        try:
            vault.unlock(self.secrets.read(PASSPHRASE_ENV, "Vault passphrase"))
        except BaseException:
            vault.close()
            raise
        return vault
