"""What every CLI command needs: where the data lives, the settings, who is acting, and a
way to open the vault. This module (with the rest of ``carer_desk.cli``) is part of the
composition root, the one place allowed to import ``storage``."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from carer_desk.cli.passphrase import PASSPHRASE_ENV, SecretReader
from carer_desk.config import Settings
from carer_desk.errors import WrongPassphrase
from carer_desk.wiring.locations import (
    DATA_DIR_CONFIG,
    USER_ENV,
    VAULT_FILENAME,
    default_actor,
    default_data_dir,
    ensure_private_dir,
)
from carer_desk.wiring.vault_handle import (
    adopt_enrolled_actor,
    honest_wrong_passphrase,
    refuse_demo_settings,
    settings_for,
)
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
    # --user or CARER_DESK_USER named the person. The enrolled user is who acts on an
    # enrolled laptop whatever is named (the operating-system login or the name given only
    # on a laptop never enrolled).
    actor_given: bool = False
    settings_source: str | None = None  # the settings file read, for messages
    # What a command has already written for good: an interruption afterwards says so,
    # rather than "nothing was kept".
    kept: list[str] = field(default_factory=list)

    @property
    def vault_path(self) -> Path:
        return self.data_dir / VAULT_FILENAME

    def ensure_data_dir(self) -> None:
        ensure_private_dir(self.data_dir)

    def open_vault(self) -> Vault:
        """Open and unlock the vault with the passphrase from the environment or stdin.

        On a laptop enrolled with a server, the audit log names the enrolled user (a
        different --user is noted and not used), a demo settings file is refused, and the
        payment rules the server said are in force replace the settings file's."""
        vault = Vault.open(self.vault_path, actor=self.actor)
        try:
            try:
                vault.unlock(self.secrets.read(PASSPHRASE_ENV, "Vault passphrase"))
            except WrongPassphrase as exc:
                raise honest_wrong_passphrase(vault, exc) from None
            refuse_demo_settings(vault, self.settings, self.settings_source)
            named = adopt_enrolled_actor(vault)
            if named is not None and self.actor_given:
                print(
                    f"carer-desk: this laptop is enrolled for {vault.actor}, so the audit "
                    f"log names {vault.actor}, not {named}.",
                    file=sys.stderr,
                )
            self.settings = settings_for(vault, self.settings)
        except BaseException:
            vault.close()
            raise
        return vault

    def keep(self, what: str) -> None:
        """Note something written for good ("20 carers imported")."""
        self.kept.append(what)
