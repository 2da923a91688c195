"""The data keys and the passphrase: wrapping, unlocking (throttled), changing the
passphrase, raising the Argon2id cost, and the organisation's recovery key.

Each data-key generation is a row of ``data_keys``, wrapped by the passphrase's key
(AES-GCM under the Argon2id KEK, the vault id and generation as associated data) and,
when the vault has one, to the organisation's recovery public key (RSA-OAEP).
"""

from __future__ import annotations

import logging

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_utils import Database

from carer_desk.errors import UnlockThrottled, ValidationError, VaultError, WrongPassphrase
from storage import recovery, throttle
from storage.kdf import KdfParams, derive_key
from storage.keyring import zero
from storage.sealing import SealBroken, seal, unseal, wrap_ad
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext

logger = logging.getLogger(__name__)

MIN_PASSPHRASE_LENGTH = 8


def check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(
            [
                (
                    "passphrase",
                    f"must be at least {MIN_PASSPHRASE_LENGTH} characters; "
                    "a short sentence you can remember is best",
                )
            ]
        )


def insert_data_key(
    db: Database,
    vault_id: str,
    gen: int,
    state: str,
    data_key: bytearray,
    kek: bytearray,
    recovery_pem: bytes | None,
) -> None:
    """Store generation ``gen`` of the data key, wrapped by ``kek`` and (if given) to the
    organisation's recovery key. ``state`` is 'active', or 'pending' during a rotation."""
    db.conn.execute(
        "INSERT INTO data_keys (generation, state, passphrase_wrapped, recovery_wrapped) "
        "VALUES (?, ?, ?, ?)",
        (
            gen,
            state,
            seal(AESGCM(kek), data_key, wrap_ad(vault_id, gen)),
            recovery.wrap_for_recovery(recovery_pem, data_key) if recovery_pem else None,
        ),
    )


class DataKeys:
    def __init__(self, ctx: VaultContext, audit: AuditLog) -> None:
        self._ctx = ctx
        self._audit = audit

    # ------------------------------------------------------------------ unlocking

    def unlock(self, passphrase: str) -> None:
        """Raises ``UnlockThrottled`` (without trying) while a wait is due, and
        ``WrongPassphrase`` for a wrong one."""
        keys, kek = self._unwrap(passphrase)
        self._ctx.adopt(keys, kek)

    def _unwrap(self, passphrase: str) -> tuple[dict[int, bytearray], bytearray]:
        """Derive the KEK and unwrap every live key generation, with throttling."""
        ctx = self._ctx
        header = ctx.header
        failures, last = header.failed_unlocks()
        now = ctx.clock()
        wait = throttle.retry_after(failures, last, now)
        if wait > 0:
            raise UnlockThrottled(wait)
        kek = derive_key(passphrase, header.kdf())
        wrapper = AESGCM(kek)
        keys: dict[int, bytearray] = {}
        try:
            for gen, blob in ctx.conn.execute(
                "SELECT generation, passphrase_wrapped FROM data_keys ORDER BY generation"
            ).fetchall():
                keys[gen] = bytearray(unseal(wrapper, blob, wrap_ad(ctx.vault_id, gen)))
        except SealBroken:
            # Not a damaged record: the wrapping key is wrong, so this is the passphrase.
            zero(kek)
            for key in keys.values():
                zero(key)
            failures += 1
            header.set(header.failed_unlocks_field(failures, now))
            logger.warning("wrong passphrase (%d consecutive)", failures)
            later = throttle.delay_after(failures)
            hint = (
                f" You must wait {int(later + 0.999)} seconds before the next try." if later else ""
            )
            raise WrongPassphrase(
                "That passphrase is not right. Check Caps Lock and the keyboard layout and "
                f"try again.{hint} If it is forgotten, your administrator can recover the "
                "vault with the organisation's recovery key.",
                retry_after=later,
            ) from None
        if not keys:
            raise VaultError(
                f"The vault {ctx.path} holds no data key; it is damaged. Restore it from a backup."
            )
        if failures:
            header.set(header.cleared_failed_unlocks_field())
        return keys, kek

    def unlock_with_recovery_key(self, private: rsa.RSAPrivateKey, new_passphrase: str) -> None:
        """Unwrap every generation with the organisation's recovery private key, wrap them
        under ``new_passphrase`` (clearing the wrong-passphrase throttle) and hold them."""
        check_passphrase(new_passphrase)
        ctx = self._ctx
        rows = ctx.conn.execute("SELECT generation, recovery_wrapped FROM data_keys").fetchall()
        if not rows or any(r[1] is None for r in rows):
            raise VaultError(
                "This vault was created without the organisation's recovery key, so it cannot "
                "be recovered. Synced records can be downloaded again on a new vault."
            )
        keys = {gen: recovery.unwrap_with_private(private, blob) for gen, blob in rows}
        kdf = ctx.header.kdf().with_fresh_salt()
        kek = derive_key(new_passphrase, kdf)
        self._rewrap(keys, kek, kdf, reset_throttle=True)
        ctx.adopt(keys, kek)

    # ------------------------------------------------------------------ changes

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key(s) under a new passphrase; no record is re-encrypted."""
        check_passphrase(new)
        keys, old_kek = self._unwrap(old)
        zero(old_kek)
        kdf = self._ctx.header.kdf().with_fresh_salt()
        kek = derive_key(new, kdf)
        self._rewrap(keys, kek, kdf)
        self._ctx.adopt(keys, kek)

    def raise_kdf_cost(self, passphrase: str, kdf: KdfParams) -> None:
        """Re-derive with stronger Argon2id parameters (and a new salt); re-wrap the keys."""
        kdf.validate()
        if kdf.is_weaker_than(self._ctx.header.kdf()):
            raise ValidationError(
                [
                    (
                        "kdf",
                        "the new cost must be at least the current one in memory, "
                        "iterations and lanes; it can only be raised",
                    )
                ]
            )
        keys, old_kek = self._unwrap(passphrase)
        zero(old_kek)
        kdf = kdf.with_fresh_salt()
        kek = derive_key(passphrase, kdf)
        self._rewrap(keys, kek, kdf)
        self._ctx.adopt(keys, kek)

    def set_recovery_public_key(self, public_pem: bytes) -> None:
        """Wrap every live data key to a new organisation recovery public key, replacing
        the old wrapping."""
        ctx = self._ctx
        keys = ctx.keys()
        recovery.load_public_key(public_pem)
        with ctx.db.atomic():
            ctx.conn.executemany(
                "UPDATE data_keys SET recovery_wrapped = ? WHERE generation = ?",
                [
                    (recovery.wrap_for_recovery(public_pem, key), gen)
                    for gen, key in keys.raw.items()
                ],
            )
            ctx.header.set(ctx.header.recovery_field(public_pem))
            self._audit.append("set-recovery-key", None, None, {})

    def _rewrap(
        self,
        keys: dict[int, bytearray],
        kek: bytearray,
        kdf: KdfParams,
        *,
        reset_throttle: bool = False,
    ) -> None:
        ctx = self._ctx
        wrapper = AESGCM(kek)
        with ctx.db.atomic():
            ctx.conn.executemany(
                "UPDATE data_keys SET passphrase_wrapped = ? WHERE generation = ?",
                [
                    (seal(wrapper, key, wrap_ad(ctx.vault_id, gen)), gen)
                    for gen, key in keys.items()
                ],
            )
            header = ctx.header.kdf_field(kdf)
            if reset_throttle:
                header.update(ctx.header.cleared_failed_unlocks_field())
            ctx.header.set(header)

    # ------------------------------------------------------------------ generations

    def generation(self, state: str) -> int | None:
        row = self._ctx.conn.execute(
            "SELECT generation FROM data_keys WHERE state = ?", (state,)
        ).fetchone()
        return row[0] if row else None

    def add_pending(self, gen: int, data_key: bytearray) -> None:
        """Store a new generation as 'pending' (a rotation's first step) and hold it."""
        ctx = self._ctx
        keys = ctx.keys()
        with ctx.db.atomic():
            insert_data_key(
                ctx.db, ctx.vault_id, gen, "pending", data_key, keys.kek, ctx.header.recovery_pem()
            )
        keys.add(gen, data_key)

    def retire_all_but(self, gen: int) -> list[int]:
        """Inside the rotation's final transaction: make ``gen`` the one active generation
        and delete the others (secure_delete zeroes their pages). Returns those retired;
        the caller discards them from memory once the transaction has committed."""
        conn = self._ctx.conn
        retired = [
            g
            for (g,) in conn.execute(
                "SELECT generation FROM data_keys WHERE generation != ?", (gen,)
            )
        ]
        conn.execute("DELETE FROM data_keys WHERE generation != ?", (gen,))
        conn.execute("UPDATE data_keys SET state = 'active' WHERE generation = ?", (gen,))
        return retired
