"""The data keys and the passphrase: wrapping, unlocking (throttled), changing the
passphrase, raising the Argon2id cost, and the organisation's recovery key.

Each data-key generation is a row of ``data_keys``, wrapped by the passphrase's key
(AES-GCM under the Argon2id KEK, the vault id and generation as associated data) and,
when the vault has one, to the organisation's recovery public key (RSA-OAEP). Each row
also holds a check value (:func:`storage.macs.key_check_value`), so a key unwrapped by
recovery is proved to be this vault's before anything is re-wrapped with it.

Every passphrase attempt is one ``BEGIN IMMEDIATE`` transaction from reading the
throttle to writing its outcome: SQLite's write lock on the file makes attempts from
several windows or commands queue, each seeing the count the one before it left, so
parallel attempts cannot share one slot. A wrong passphrase is counted, committed and
checkpointed into the main file before the answer is given (deleting the WAL afterwards
does not take it back), and moves the one-way chain of :mod:`storage.throttle`, which the
next successful unlock checks against the seed sealed in the header.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_utils import Database

from carer_desk.errors import (
    UnlockThrottled,
    ValidationError,
    VaultError,
    VaultTampered,
    WrongPassphrase,
)
from storage import recovery, schema, throttle
from storage.kdf import KdfParams, derive_key
from storage.keyring import zero
from storage.macs import key_check_value
from storage.sealing import (
    SealBroken,
    audit_ad,
    legacy_wrap_ad,
    record_ad,
    seal,
    unseal,
    wrap_ad,
)
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.seal import Sealer

logger = logging.getLogger(__name__)

MIN_PASSPHRASE_LENGTH = 8

# What a successful passphrase attempt goes on to do, inside the same transaction:
# (keys by generation, the KEK, wrong passphrases before this one).
AfterUnlock = Callable[[dict[int, bytearray], bytearray, int], None]


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
    organisation's recovery key, with its check value. ``state`` is 'active', or
    'pending' during a rotation."""
    db.conn.execute(
        "INSERT INTO data_keys (generation, state, passphrase_wrapped, recovery_wrapped, "
        "check_value) VALUES (?, ?, ?, ?, ?)",
        (
            gen,
            state,
            seal(AESGCM(kek), data_key, wrap_ad(vault_id, gen)),
            recovery.wrap_for_recovery(recovery_pem, data_key) if recovery_pem else None,
            key_check_value(data_key, vault_id, gen),
        ),
    )


class DataKeys:
    def __init__(self, ctx: VaultContext, audit: AuditLog, sealer: Sealer) -> None:
        self._ctx = ctx
        self._audit = audit
        self._seal = sealer

    # ------------------------------------------------------------------ a new vault

    def start(self, data_key: bytearray, kek: bytearray, details: dict[str, object]) -> None:
        """Hold the first key of a vault just created and seal the vault from scratch."""
        ctx = self._ctx
        with ctx.transaction():
            ctx.adopt({1: data_key}, kek)
            self._seal.seal_fresh()
            self._reset_throttle()
            self._audit.append("vault-create", None, None, details)

    # ------------------------------------------------------------------ unlocking

    def unlock(self, passphrase: str) -> None:
        """Raises ``UnlockThrottled`` (without trying) while a wait is due, and
        ``WrongPassphrase`` for a wrong one. A vault whose seal does not match unlocks
        (its records can be read) but writes nothing more; check() says why."""

        def audit_unlock(_keys: dict[int, bytearray], _kek: bytearray, failures: int) -> None:
            details: dict[str, object] = {}
            if failures:
                details["wrong_passphrases_before"] = failures
            if self._ctx.unlock_findings:
                details["throttle_altered"] = True
            self._audit.append("unlock", None, None, details)

        self._attempt(passphrase, audit_unlock, refuse_if_altered=False)

    def _attempt(self, passphrase: str, then: AfterUnlock, *, refuse_if_altered: bool) -> None:
        ctx = self._ctx
        header = ctx.header
        wrong: WrongPassphrase | None = None
        altered: list[str] = []
        held = False
        try:
            with ctx.transaction():
                failures, last = header.failed_unlocks()
                now = ctx.clock()
                wait = throttle.retry_after(failures, last, now)
                if wait > 0:
                    raise UnlockThrottled(wait)
                kek = derive_key(passphrase, header.kdf())
                opened = self._open_wraps(kek)
                if opened is None:
                    zero(kek)
                    wrong = self._count_failure(failures, now)
                else:
                    keys, unsealed_vault = opened
                    held = True
                    altered = self._hold(keys, kek, unsealed_vault=unsealed_vault)
                    self._check_throttle_chain(failures)
                    self._reset_throttle()
                    if not altered:
                        then(keys, kek, failures)
        except BaseException:
            if held:  # the keys of an unlock that did not commit are not kept
                ctx.drop_keys()
            raise
        if wrong is not None:
            # Into the main file at once: deleting the WAL after a kill must not take
            # the count back.
            ctx.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            raise wrong
        if altered:
            ctx.unlock_findings = altered + ctx.unlock_findings
            logger.warning("the vault's seal does not match: %d finding(s)", len(altered))
            if refuse_if_altered:
                raise VaultTampered(altered)

    def _open_wraps(self, kek: bytearray) -> tuple[dict[int, bytearray], bool] | None:
        """Every live generation unwrapped with ``kek``, and whether any was wrapped the
        way vaults were before their bookkeeping was sealed; None for a wrong passphrase."""
        ctx = self._ctx
        wrapper = AESGCM(kek)
        keys: dict[int, bytearray] = {}
        unsealed_vault = False
        for gen, blob in ctx.conn.execute(
            "SELECT generation, passphrase_wrapped FROM data_keys ORDER BY generation"
        ).fetchall():
            try:
                key = unseal(wrapper, blob, wrap_ad(ctx.vault_id, gen))
            except SealBroken:
                try:
                    key = unseal(wrapper, blob, legacy_wrap_ad(ctx.vault_id, gen))
                    unsealed_vault = True
                except SealBroken:
                    # Not a damaged record: the wrapping key is wrong, so it is the passphrase.
                    for held in keys.values():
                        zero(held)
                    return None
            keys[gen] = bytearray(key)
        if not keys:
            raise VaultError(
                f"The vault {ctx.path} holds no data key; it is damaged. Restore it from a backup."
            )
        return keys, unsealed_vault

    def _count_failure(self, failures: int, now: float) -> WrongPassphrase:
        header = self._ctx.header
        failures = min(failures + 1, throttle.MAX_COUNTED)
        chain = header.unlock_ratchet()
        header.set(
            header.failed_unlocks_field(
                failures, now, None if chain is None else throttle.ratchet_step(chain)
            )
        )
        logger.warning("wrong passphrase (%d consecutive)", failures)
        later = throttle.delay_after(failures)
        hint = f" You must wait {int(later + 0.999)} seconds before the next try." if later else ""
        return WrongPassphrase(
            "That passphrase is not right. Check Caps Lock and the keyboard layout and "
            f"try again.{hint} If it is forgotten, your administrator can recover the "
            "vault with the organisation's recovery key.",
            retry_after=later,
        )

    def _hold(
        self, keys: dict[int, bytearray], kek: bytearray, *, unsealed_vault: bool
    ) -> list[str]:
        """Inside the attempt's transaction: hold the keys, then check the header against
        its seal, or seal a vault from before m003. Returns what was found altered."""
        ctx = self._ctx
        ctx.adopt(keys, kek)
        altered = self._seal.on_unlock(unsealed_vault=unsealed_vault)
        if self._seal.sealing_everything():
            legacy = self._audit.legacy_problem()
            self._rewrap(keys, kek, None)
            details: dict[str, object] = {"audit_chain_before": legacy or "sound"}
            self._audit.append("seal-bookkeeping", None, None, details)
            logger.info("vault bookkeeping sealed for the first time")
        return altered

    def _check_throttle_chain(self, failures: int) -> None:
        """The wrong-passphrase count must be what the chain from the sealed seed says
        (storage.throttle): a lower one was edited behind the vault's back."""
        seed = self._seal.sealed_seed()
        if seed is None or self._seal.sealing_everything():
            return  # a vault sealed for the first time has no chain yet
        chain = self._ctx.header.unlock_ratchet()
        if chain is None or not throttle.ratchet_matches(seed, failures, chain):
            self._ctx.unlock_findings = [
                "the wrong-passphrase count was lowered or edited outside Carer Desk "
                f"(it showed {failures}); someone may have been guessing the passphrase"
            ]
            logger.warning("the wrong-passphrase count was edited outside Carer Desk")
        else:
            self._ctx.unlock_findings = []

    def _reset_throttle(self) -> None:
        seed = self._seal.new_seed() or self._seal.sealed_seed()
        header = self._ctx.header
        header.set(
            header.cleared_failed_unlocks_field(
                throttle.ratchet_start(seed) if seed is not None else None
            )
        )

    def unlock_with_recovery_key(self, private: rsa.RSAPrivateKey, new_passphrase: str) -> None:
        """Unwrap every generation with the organisation's recovery private key, prove each
        is this vault's key, wrap them under ``new_passphrase`` (clearing the
        wrong-passphrase throttle) and hold them."""
        check_passphrase(new_passphrase)
        ctx = self._ctx
        try:
            with ctx.transaction():
                rows = ctx.conn.execute(
                    "SELECT generation, recovery_wrapped, check_value FROM data_keys"
                ).fetchall()
                if not rows or any(r[1] is None for r in rows):
                    raise VaultError(
                        "This vault was created without the organisation's recovery key, so "
                        "it cannot be recovered. Synced records can be downloaded again on a "
                        "new vault."
                    )
                keys = {gen: recovery.unwrap_with_private(private, blob) for gen, blob, _ in rows}
                for gen, _blob, check_value in rows:
                    self._prove_recovered(gen, keys[gen], check_value)
                kdf = ctx.header.kdf().with_fresh_salt()
                kek = derive_key(new_passphrase, kdf)
                altered = self._hold(keys, kek, unsealed_vault=ctx.header.seal() is None)
                if altered:
                    raise VaultTampered(altered)
                self._rewrap(keys, kek, kdf)
                self._reset_throttle()
        except BaseException:
            ctx.drop_keys()
            raise
        schema.remove_backups(ctx.path)  # they open with the forgotten passphrase

    def _prove_recovered(self, gen: int, key: bytearray, check_value: bytes | None) -> None:
        """Refuse a key that is not this vault's: the recovery copy could have been swapped
        for one wrapped to the same organisation key by another vault, or by anyone (the
        key is public), and re-wrapping it would leave the vault unreadable."""
        ctx = self._ctx
        if check_value is not None:
            sound = hmac.compare_digest(key_check_value(key, ctx.vault_id, gen), check_value)
        else:
            sound = self._opens_something(gen, key)
        if not sound:
            raise VaultError(
                "The recovery copy of this vault's data key does not open the vault (it was "
                "replaced or damaged), so recovery was refused and nothing was changed. "
                "Restore the vault from a backup, or download the synced records again on a "
                "new vault."
            )

    def _opens_something(self, gen: int, key: bytearray) -> bool:
        """For a vault from before check values: does ``key`` open a blob sealed under
        ``gen``? (A generation nothing was sealed under yet cannot be told apart, and
        nothing depends on it.)"""
        ctx = self._ctx
        aead = AESGCM(key)
        row = ctx.conn.execute(
            "SELECT seq, sealed FROM audit WHERE key_gen = ? LIMIT 1", (gen,)
        ).fetchone()
        candidates = []
        if row is not None:
            candidates.append((row[1], audit_ad(row[0], gen)))
        row = ctx.conn.execute(
            "SELECT id, kind, version, sealed FROM records WHERE key_gen = ? LIMIT 1", (gen,)
        ).fetchone()
        if row is not None:
            candidates.append((row[3], record_ad(row[0], row[1], row[2], gen)))
        if not candidates:
            return True
        for blob, ad in candidates:
            try:
                unseal(aead, blob, ad)
                return True
            except SealBroken:
                continue
        return False

    # ------------------------------------------------------------------ changes

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key(s) under a new passphrase; no record is re-encrypted.
        The vault's backup copies open with the old passphrase, so they are removed."""
        check_passphrase(new)

        def rewrap(keys: dict[int, bytearray], _kek: bytearray, _failures: int) -> None:
            kdf = self._ctx.header.kdf().with_fresh_salt()
            kek = derive_key(new, kdf)
            self._rewrap(keys, kek, kdf)
            self._ctx.keys().replace_kek(kek)
            self._audit.append("change-passphrase", None, None, {})

        self._attempt(old, rewrap, refuse_if_altered=True)
        schema.remove_backups(self._ctx.path)

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
        stronger = kdf.with_fresh_salt()

        def rewrap(keys: dict[int, bytearray], _kek: bytearray, _failures: int) -> None:
            kek = derive_key(passphrase, stronger)
            self._rewrap(keys, kek, stronger)
            self._ctx.keys().replace_kek(kek)
            self._audit.append(
                "raise-kdf-cost",
                None,
                None,
                {
                    "memory_kib": stronger.memory_kib,
                    "iterations": stronger.iterations,
                    "lanes": stronger.lanes,
                },
            )

        self._attempt(passphrase, rewrap, refuse_if_altered=True)

    def set_recovery_public_key(self, public_pem: bytes) -> None:
        """Wrap every live data key to a new organisation recovery public key, replacing
        the old wrapping. The transaction first checks the header against its seal, so a
        recovery key planted in the file is refused, never replaced or wrapped to."""
        ctx = self._ctx
        keys = ctx.keys()
        recovery.load_public_key(public_pem)
        with ctx.transaction():
            ctx.conn.executemany(
                "UPDATE data_keys SET recovery_wrapped = ? WHERE generation = ?",
                [
                    (recovery.wrap_for_recovery(public_pem, key), gen)
                    for gen, key in keys.raw.items()
                ],
            )
            ctx.header.set(ctx.header.recovery_field(public_pem))
            self._audit.append("set-recovery-key", None, None, {})

    def _rewrap(self, keys: dict[int, bytearray], kek: bytearray, kdf: KdfParams | None) -> None:
        """Inside the caller's transaction: every generation wrapped by ``kek`` (and its
        check value written); ``kdf`` is stored when the KEK comes from new settings."""
        ctx = self._ctx
        wrapper = AESGCM(kek)
        ctx.conn.executemany(
            "UPDATE data_keys SET passphrase_wrapped = ?, check_value = ? WHERE generation = ?",
            [
                (
                    seal(wrapper, key, wrap_ad(ctx.vault_id, gen)),
                    key_check_value(key, ctx.vault_id, gen),
                    gen,
                )
                for gen, key in keys.items()
            ],
        )
        if kdf is not None:
            ctx.header.set(ctx.header.kdf_field(kdf))

    # ------------------------------------------------------------------ generations

    def generation(self, state: str) -> int | None:
        row = self._ctx.conn.execute(
            "SELECT generation FROM data_keys WHERE state = ?", (state,)
        ).fetchone()
        return row[0] if row else None

    def add_pending(self, gen: int, data_key: bytearray) -> None:
        """Store a new generation as 'pending' (a rotation's first step) and hold it. The
        transaction checks the header first: the new key is only ever wrapped to the
        recovery key the vault was sealed with."""
        ctx = self._ctx
        keys = ctx.keys()
        with ctx.transaction():
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
