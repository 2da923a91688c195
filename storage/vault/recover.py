"""Recovering a vault whose passphrase is lost, with the organisation's recovery private key.

Uses only the vault's public operations: open it, unlock it with the recovery key while
setting a new passphrase, and record that in the audit log. (The RSA wrapping itself is
:mod:`storage.recovery`.)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from storage import recovery
from storage.vault.context import Clock
from storage.vault.keys import check_passphrase

if TYPE_CHECKING:
    from storage.vault.facade import Vault

logger = logging.getLogger(__name__)


def recover(
    vault_class: type[Vault],
    path: Path,
    private_key_pem: bytes,
    key_password: bytes | None,
    new_passphrase: str,
    actor: str,
    clock: Clock,
) -> Vault:
    """The vault at ``path`` unlocked with the recovery key, its passphrase now
    ``new_passphrase``. Nothing changes on disk if any step fails."""
    check_passphrase(new_passphrase)
    private = recovery.load_private_key(private_key_pem, key_password)
    vault = vault_class.open(path, actor=actor, clock=clock)
    try:
        vault.unlock_with_recovery_key(private, new_passphrase)
        vault.audit("recover")
    except BaseException:
        vault.close()
        raise
    logger.info("vault %s recovered with the organisation key", path)
    return vault
