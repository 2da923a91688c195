"""The encrypted local vault (implements ``carer_desk.ports.RecordStore``).

Public entry points: :class:`storage.vault.Vault`, :class:`storage.kdf.KdfParams` and
:func:`storage.recovery.generate_recovery_keypair`. Key scheme and threat model:
docs/security.md and docs/threat-model.md.
"""
