"""Recovering a vault whose passphrase is lost, with the organisation's recovery private key.

Uses only the vault's public operations: open it, unlock it with the recovery key while
setting a new passphrase, and record that in the audit log. (The RSA wrapping itself is
:mod:`storage.recovery`.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric import rsa

from storage import recovery
from storage.vault.keys import check_passphrase

logger = logging.getLogger(__name__)


class Recoverable(Protocol):
    """What recovery needs of an opened vault (``Vault`` provides it)."""

    def unlock_with_recovery_key(self, private: rsa.RSAPrivateKey, new_passphrase: str) -> None: ...

    def audit(self, action: str) -> None: ...

    def close(self) -> None: ...


V = TypeVar("V", bound=Recoverable)


def recover(
    open_vault: Callable[[Path], V],
    path: Path,
    private_key_pem: bytes,
    key_password: bytes | None,
    new_passphrase: str,
) -> V:
    """The vault at ``path`` (opened with ``open_vault``) unlocked with the recovery key,
    its passphrase now ``new_passphrase``. Nothing changes on disk if any step fails."""
    check_passphrase(new_passphrase)
    private = recovery.load_private_key(private_key_pem, key_password)
    vault = open_vault(path)
    try:
        vault.unlock_with_recovery_key(private, new_passphrase)
        vault.audit("recover")
    except BaseException:
        vault.close()
        raise
    logger.info("vault %s recovered with the organisation key", path)
    return vault
