"""The seams the vault package is built on: the one key-opening helper, the sealed-table
layout rotation and check() walk, header prefixes, batch sealing, change ids, and the
facade still being what the core and the sync engine expect."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from carer_desk.ports import RecordStore
from storage.sealing import SealBroken, record_ad, seal, seal_many, unseal
from storage.vault import Vault
from storage.vault.layout import SEALED_TABLES
from storage.vault.outbox import new_change_ids
from sync.client.vault_port import SyncVault, WipeableVault

from .conftest import PASSPHRASE, carer


def test_the_facade_implements_the_core_and_sync_ports(vault: Vault) -> None:
    assert isinstance(vault, RecordStore)
    assert isinstance(vault, SyncVault)
    assert isinstance(vault, WipeableVault)


def test_a_blob_opens_only_under_its_own_generation_and_row(vault: Vault) -> None:
    ctx = vault._ctx
    ad = record_ad("c1", "carer", 1, 1)
    blob = ctx.seal(1, b'{"name":"x"}', ad)
    assert ctx.open(1, blob, ad) == b'{"name":"x"}'
    assert ctx.open_json(1, blob, ad) == {"name": "x"}
    assert ctx.open(1, blob, record_ad("c2", "carer", 1, 1)) is None  # moved to another row
    assert ctx.open(7, blob, ad) is None  # a generation this vault does not hold
    assert ctx.open(1, None, ad) is None
    assert ctx.open(1, blob[:20], ad) is None  # too short to hold a tag
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    assert ctx.open(1, bytes(tampered), ad) is None


def test_an_authentic_blob_that_is_not_json_does_not_open_as_json(vault: Vault) -> None:
    ctx = vault._ctx
    ad = record_ad("c1", "carer", 1, 1)
    blob = ctx.seal(1, b"not json", ad)
    assert ctx.open(1, blob, ad) == b"not json"
    assert ctx.open_json(1, blob, ad) is None


def test_reseal_moves_a_blob_to_another_generation_or_refuses(vault: Vault) -> None:
    ctx = vault._ctx
    ctx.keys().add(2, bytearray(AESGCM.generate_key(bit_length=256)))
    blob = ctx.seal(1, b"{}", record_ad("c1", "carer", 1, 1))
    moved = ctx.reseal(blob, 1, 2, lambda g: record_ad("c1", "carer", 1, g))
    assert moved is not None and ctx.open(2, moved, record_ad("c1", "carer", 1, 2)) == b"{}"
    assert ctx.reseal(None, 1, 2, lambda g: b"") is None
    with pytest.raises(SealBroken):
        ctx.reseal(blob, 1, 2, lambda g: record_ad("other", "carer", 1, g))


def test_every_sealed_column_is_in_the_layout_rotation_and_check_walk(
    vault: Vault, vault_path: Path
) -> None:
    """A sealed column added to a table without a layout entry would be left under a
    retired key by rotation, and never checked."""
    vault.close()
    conn = sqlite3.connect(str(vault_path))
    try:
        for table in SEALED_TABLES:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table.table})")}
            sealed = {c for c in columns if c.endswith("sealed")}
            assert sealed == {c.name for c in table.sealed}, table.table
            assert set(table.clear) <= columns
    finally:
        conn.close()


def test_the_layout_binds_each_blob_as_the_writers_do(vault: Vault) -> None:
    """check() opens with the layout's associated data: a record, an outbox snapshot, a
    rejection reason and a conflict written by the vault all pass it."""
    vault.apply_remote("carer", "c1", carer(1), server_version=1)
    vault.put("carer", "c1", carer(1, name="edited"))
    (change,) = vault.outbox_pending()
    vault.outbox_mark_sending([change.change_id])
    vault.put("carer", "c1", carer(1, name="edited again"))  # snapshot of the sent payload
    vault.outbox_reject(change.change_id, "refused")
    vault.mark_conflict("c1", {"name": ["a", "b"]})
    report = vault.check()
    assert report.ok and report.records_checked == 1


def test_header_prefix_lookups_treat_wildcards_as_text(vault: Vault) -> None:
    header = vault._ctx.header
    with vault._ctx.transaction():  # every header write belongs to a sealed transaction
        header.set({"a_b:1": "x", "axb:2": "y", "a%c": "z"})
    assert [n for n, _ in header.with_prefix("a_b:")] == ["a_b:1"]
    assert [n for n, _ in header.with_prefix("a%")] == ["a%c"]


def test_batch_sealing_gives_every_blob_its_own_nonce() -> None:
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    plaintexts = [f"payload {i}".encode() for i in range(50)]
    ads = [record_ad(f"r{i}", "carer", 1, 1) for i in range(50)]
    blobs = seal_many(aead, plaintexts, ads)
    assert [unseal(aead, b, ad) for b, ad in zip(blobs, ads, strict=True)] == plaintexts
    assert len({b[:12] for b in blobs}) == 50
    single = seal(aead, plaintexts[0], ads[0])
    assert len(single) == len(blobs[0])  # the same layout as one blob sealed alone
    with pytest.raises(ValueError):
        seal_many(aead, plaintexts, ads[:-1])


def test_change_ids_are_distinct_random_uuids() -> None:
    ids = new_change_ids(1000)
    assert len(set(ids)) == 1000
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)


def test_recovery_and_reopening_keep_working_through_the_facade(
    vault: Vault, vault_path: Path
) -> None:
    vault.put("carer", "c1", carer(1))
    vault.close()
    with Vault.open(vault_path, actor="amy") as v:
        assert not v.is_unlocked
        v.unlock(PASSPHRASE)
        assert v.get("carer", "c1") == carer(1)
        v.actor = "bea"
        v.audit("view", record_id="c1", kind="carer")
        assert v.audit_entries()[-1].actor == "bea"


def test_a_mixed_batch_keeps_its_order_per_kind_and_in_the_outbox(vault: Vault) -> None:
    """put_many writes the rows of each kind together (fewer pages to write); what a
    person or the server sees keeps the batch's order."""
    from carer_desk.ports import RecordWrite

    batch = [
        RecordWrite("carer" if i % 3 else "conversation", f"r{i:02d}", {"n": i}) for i in range(30)
    ]
    vault.put_many(reversed(batch))
    expected = [w.id for w in reversed(batch)]
    assert [c.record_id for c in vault.outbox_pending(100)] == expected
    for kind in ("carer", "conversation"):
        assert [rid for rid, _ in vault.iter_kind(kind)] == [
            rid for rid in expected if any(w.id == rid and w.kind == kind for w in batch)
        ]
