"""Passphrases, throttling, recovery with the organisation key, and raising the KDF cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from carer_desk.errors import UnlockThrottled, ValidationError, VaultError, WrongPassphrase
from storage import throttle
from storage.kdf import KdfParams
from storage.recovery import generate_recovery_keypair
from storage.vault import Vault

from .conftest import FAST_KDF, PASSPHRASE, FakeClock, carer


@pytest.fixture(scope="module")
def org_keypair() -> tuple[bytes, bytes]:
    return generate_recovery_keypair(b"admin secret")


def test_throttle_schedule_is_three_free_tries_then_doubling_to_five_minutes() -> None:
    assert [throttle.delay_after(n) for n in range(0, 8)] == [0, 0, 0, 1, 2, 4, 8, 16]
    assert throttle.delay_after(12) == 300
    assert throttle.delay_after(10_000) == 300


def test_wrong_passphrase_is_refused_with_a_clear_message(vault: Vault, vault_path: Path) -> None:
    vault.close()
    v = Vault.open(vault_path, actor="amy")
    with pytest.raises(WrongPassphrase, match=r"not right.*Caps Lock"):
        v.unlock("not the passphrase")
    assert not v.is_unlocked
    v.close()


def test_repeated_failures_are_throttled_and_survive_a_restart(
    vault: Vault, vault_path: Path, clock: FakeClock
) -> None:
    vault.close()
    v = Vault.open(vault_path, actor="amy", clock=clock)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            v.unlock("wrong wrong wrong")
    # Even the right passphrase is refused while the wait is due, without trying it.
    with pytest.raises(UnlockThrottled) as info:
        v.unlock(PASSPHRASE)
    assert info.value.retry_after == pytest.approx(1.0)
    v.close()

    restarted = Vault.open(vault_path, actor="amy", clock=clock)
    with pytest.raises(UnlockThrottled):
        restarted.unlock(PASSPHRASE)
    clock.advance(1.0)
    with pytest.raises(WrongPassphrase, match="wait 2 seconds"):
        restarted.unlock("still wrong!")
    clock.advance(1.5)
    with pytest.raises(UnlockThrottled) as info:
        restarted.unlock(PASSPHRASE)
    assert info.value.retry_after == pytest.approx(0.5)
    clock.advance(0.5)
    restarted.unlock(PASSPHRASE)  # success resets the counter
    restarted.lock()
    with pytest.raises(WrongPassphrase):
        restarted.unlock("wrong again")
    restarted.unlock(PASSPHRASE)  # first failure after a reset is free
    restarted.close()


def test_change_passphrase_keeps_the_records_and_drops_the_old_one(
    vault: Vault, vault_path: Path
) -> None:
    vault.put("carer", "c1", carer(1))
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("not the old one", "a brand new passphrase")
    with pytest.raises(ValidationError):
        vault.change_passphrase(PASSPHRASE, "short")
    vault.change_passphrase(PASSPHRASE, "a brand new passphrase")
    assert vault.get("carer", "c1")["name"] == "Carer Number 1"
    vault.close()
    v = Vault.open(vault_path, actor="amy")
    with pytest.raises(WrongPassphrase):
        v.unlock(PASSPHRASE)
    v.unlock("a brand new passphrase")
    assert v.get("carer", "c1")["name"] == "Carer Number 1"
    assert v.audit_entries()[-2].action == "change-passphrase"
    v.close()


def test_kdf_cost_can_be_raised_but_never_lowered(vault: Vault, vault_path: Path) -> None:
    vault.put("carer", "c1", carer(1))
    stronger = KdfParams(memory_kib=2048, iterations=2, lanes=1)
    with pytest.raises(ValidationError, match="only be raised"):
        vault.raise_kdf_cost(PASSPHRASE, KdfParams(memory_kib=512, iterations=1, lanes=1))
    vault.raise_kdf_cost(PASSPHRASE, stronger)
    assert vault._kdf().memory_kib == 2048
    vault.close()
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)
    assert v.get("carer", "c1")["name"] == "Carer Number 1"
    v.close()


def test_recovery_with_the_organisation_key_sets_a_new_passphrase(
    tmp_path: Path, org_keypair: tuple[bytes, bytes]
) -> None:
    private_pem, public_pem = org_keypair
    path = tmp_path / "vault.db"
    v = Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=public_pem
    )
    v.put("carer", "c1", carer(1, name="Unsynced Work"))
    v.close()

    with pytest.raises(VaultError, match="password is wrong"):
        Vault.recover(path, private_pem, b"not it", "new passphrase here", "admin")
    recovered = Vault.recover(path, private_pem, b"admin secret", "new passphrase here", "admin")
    assert recovered.get("carer", "c1")["name"] == "Unsynced Work"
    assert recovered.audit_entries()[-1].action == "recover"
    assert recovered.audit_entries()[-1].actor == "admin"
    recovered.close()

    again = Vault.open(path, actor="amy")
    with pytest.raises(WrongPassphrase):
        again.unlock(PASSPHRASE)
    again.unlock("new passphrase here")
    again.close()


def test_recovery_also_clears_the_throttle(
    tmp_path: Path, org_keypair: tuple[bytes, bytes], clock: FakeClock
) -> None:
    private_pem, public_pem = org_keypair
    path = tmp_path / "vault.db"
    Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=public_pem
    ).close()
    v = Vault.open(path, actor="amy", clock=clock)
    for _ in range(5):
        with pytest.raises((WrongPassphrase, UnlockThrottled)):
            v.unlock("forgotten it")
    v.close()
    Vault.recover(
        path, private_pem, b"admin secret", "new passphrase here", "admin", clock=clock
    ).close()
    v = Vault.open(path, actor="amy", clock=clock)
    v.unlock("new passphrase here")
    v.close()


def test_recovery_with_another_organisations_key_fails_clearly(
    tmp_path: Path, org_keypair: tuple[bytes, bytes]
) -> None:
    _private, public_pem = org_keypair
    other_private, _ = generate_recovery_keypair(None)
    path = tmp_path / "vault.db"
    Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=public_pem
    ).close()
    with pytest.raises(VaultError, match="does not match"):
        Vault.recover(path, other_private, None, "new passphrase here", "admin")
    v = Vault.open(path, actor="amy")
    v.unlock(PASSPHRASE)  # the failed recovery changed nothing
    v.close()


def test_a_vault_without_a_recovery_key_says_it_cannot_be_recovered(
    vault: Vault, vault_path: Path, org_keypair: tuple[bytes, bytes]
) -> None:
    vault.close()
    with pytest.raises(VaultError, match="without the organisation's recovery key"):
        Vault.recover(vault_path, org_keypair[0], b"admin secret", "new passphrase here", "a")


def test_a_small_or_malformed_recovery_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = small.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValidationError, match="3072"):
        Vault.create(
            tmp_path / "a.db", PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=pem
        )
    with pytest.raises(ValidationError, match="not a PEM public key"):
        Vault.create(
            tmp_path / "b.db",
            PASSPHRASE,
            actor="amy",
            kdf=FAST_KDF,
            recovery_public_key_pem=b"hello",
        )
    assert not (tmp_path / "a.db").exists()


def test_a_new_recovery_key_replaces_the_old_one(
    tmp_path: Path, org_keypair: tuple[bytes, bytes]
) -> None:
    old_private, old_public = org_keypair
    new_private, new_public = generate_recovery_keypair(None)
    path = tmp_path / "vault.db"
    v = Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=old_public
    )
    v.put("carer", "c1", carer(1))
    v.set_recovery_public_key(new_public)
    v.rotate_data_key()  # the rotation wraps the new key to the new recovery key too
    v.close()
    with pytest.raises(VaultError, match="does not match"):
        Vault.recover(path, old_private, b"admin secret", "new passphrase here", "admin")
    recovered = Vault.recover(path, new_private, None, "new passphrase here", "admin")
    assert recovered.get("carer", "c1")["name"] == "Carer Number 1"
    recovered.close()


def test_a_secret_survives_reopening_and_key_rotation(vault: Vault, vault_path: Path) -> None:
    assert vault.get_secret("device-credential") is None
    vault.put_secret("device-credential", "tok-Ωmega-123")
    vault.rotate_data_key()
    vault.close()
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)
    assert v.get_secret("device-credential") == "tok-Ωmega-123"
    v.delete_secret("device-credential")
    assert v.get_secret("device-credential") is None
    v.close()


def test_a_secret_is_not_stored_in_clear_and_cannot_be_moved(
    vault: Vault, vault_path: Path
) -> None:
    import sqlite3

    vault.put_secret("a", "first-secret-value")
    vault.put_secret("b", "second-secret-value")
    vault.close()
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    values = dict(conn.execute("SELECT name, value FROM header WHERE name LIKE 'secret:%'"))
    assert all("secret-value" not in v for v in values.values())
    conn.execute("UPDATE header SET value = ? WHERE name = 'secret:b'", (values["secret:a"],))
    conn.close()
    v = Vault.open(vault_path, actor="amy")
    v.unlock(PASSPHRASE)
    assert v.get_secret("a") == "first-secret-value"
    assert v.get_secret("b") is None  # a's sealed value does not open under b's name
    v.close()


def test_changing_the_passphrase_removes_the_backups_that_open_with_the_old_one(
    tmp_path: Path,
) -> None:
    from .conftest import copy_golden

    path = copy_golden("vault-m002.sqlite", tmp_path / "data" / "vault.db")
    v = Vault.open(path, actor="amy")  # migrates, after a backup
    assert list(path.parent.glob("vault.db.bak-*"))
    v.change_passphrase(PASSPHRASE, "a brand new passphrase")
    assert list(path.parent.glob("vault.db.bak-*")) == []
    v.close()


def test_recovery_removes_the_backups_too(tmp_path: Path) -> None:
    from .conftest import GOLDEN, copy_golden

    path = copy_golden("vault-m002-history.sqlite", tmp_path / "data" / "vault.db")
    Vault.open(path, actor="amy").close()
    assert list(path.parent.glob("vault.db.bak-*"))
    private_pem = (GOLDEN / "recovery-private.pem").read_bytes()
    Vault.recover(path, private_pem, b"admin secret", "a new passphrase", "admin").close()
    assert list(path.parent.glob("vault.db.bak-*")) == []


def test_the_folder_a_vault_creates_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "vault.db"
    Vault.create(path, PASSPHRASE, actor="amy", kdf=FAST_KDF).close()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
