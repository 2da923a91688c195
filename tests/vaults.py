"""The one way tests make a real encrypted vault: one passphrase, one cheap Argon2id cost.

Argon2id runs at its floor here so a vault takes milliseconds to make: the tests exercise
the vault, the services and sync, not the passphrase's cost. The real cost is measured by
bench/vault.py, and one test checks the defaults are what docs/security.md says. (The CLI
tests go through a settings file, which refuses a cost below 19 MiB, so they use that.)
"""

from __future__ import annotations

from pathlib import Path

from storage.kdf import KdfParams
from storage.vault import Vault

PASSPHRASE = "correct horse battery"
CHEAP_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)


def make_vault(path: Path, *, actor: str = "tester", **options: object) -> Vault:
    """A new, unlocked vault at ``path`` (``options`` go to ``Vault.create``)."""
    return Vault.create(path, PASSPHRASE, actor=actor, kdf=CHEAP_KDF, **options)  # type: ignore[arg-type]


def reopen_vault(path: Path, *, actor: str = "tester") -> Vault:
    """The vault at ``path`` opened again and unlocked, as after a restart."""
    vault = Vault.open(path, actor=actor)
    vault.unlock(PASSPHRASE)
    return vault
