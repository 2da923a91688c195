"""The encrypted local vault: :class:`Vault` implements ``carer_desk.ports.RecordStore``.

One SQLite file per user per laptop. Each record payload, outbox payload, rejection reason,
conflict description and audit entry is sealed with AES-256-GCM under a random data key
(DK); the DK is wrapped by an Argon2id key derived from the passphrase and, optionally, by
RSA-OAEP to the organisation's recovery key. Clear columns hold only sync bookkeeping.
See docs/security.md for the scheme and docs/threat-model.md for what it does not stop.

One module per job, behind the :class:`Vault` facade (docs/development.md has the map):
files, connection, header, context (shared key state), records, outbox and transitions,
edits, pulls, audit, secrets, keys, rotation, recover, integrity, layout.
"""

from storage.vault.audit import GENESIS_CHAIN
from storage.vault.context import Clock
from storage.vault.facade import Vault
from storage.vault.keys import MIN_PASSPHRASE_LENGTH
from storage.vault.pulls import PulledRecordLike

__all__ = ["GENESIS_CHAIN", "MIN_PASSPHRASE_LENGTH", "Clock", "PulledRecordLike", "Vault"]
