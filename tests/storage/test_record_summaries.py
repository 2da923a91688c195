"""Record summaries: the list columns of each record sealed beside its payload, written by
every write, read without opening the payload, bound to their row and payload blob,
checked, re-sealed by rotation, kept by recovery, and built once for the records a vault
held before it had them (schema m004), in batches that resume."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from carer_desk.errors import VaultLocked
from carer_desk.ports import RecordWrite, SyncState
from carer_desk.records.summaries import LIST_FIELDS, summarise
from storage.recovery import generate_recovery_keypair
from storage.sealing import encode_json, summary_ad
from storage.vault import Vault
from storage.vault.header import SUMMARIES
from storage.vault.records import RecordTable
from storage.vault.summaries import SummaryBuilder

from .conftest import FAST_KDF, GOLDEN, PASSPHRASE, copy_golden, raw, reopen


def listed_carer(i: int, **extra: object) -> dict[str, object]:
    return {
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "preferred_name": None,
        "date_of_birth": "1950-01-02",
        "team": "north",
        "worker": "amy",
        "address": {"line1": f"{i} Secret Street", "postcode": "OX1 1AA", "town": "Oxford"},
        "contact": {"phone": "01865 000000", "email": "hidden@example.org"},
        "notes": "Talked about respite and the garden. " * 20,
        **extra,
    }


def conversation(i: int) -> dict[str, object]:
    return {
        "carer_id": f"c{i}",
        "completed_on": "2026-01-05",
        "review_date": "2027-01-05",
        "answers": {"q1": "A long answer nobody lists. " * 10},
    }


def summaries_in_file(path: Path) -> dict[str, bytes | None]:
    with raw(path) as conn:
        return dict(conn.execute("SELECT id, summary_sealed FROM records").fetchall())


def refuse_payloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, opening a payload fails the test (listing must read summaries)."""

    def refuse(self: RecordTable, record_id: str, kind: str) -> None:
        raise AssertionError(f"the payload of {kind} {record_id} was opened")

    monkeypatch.setattr(RecordTable, "live_payload", refuse)


def with_c1s_summary_on_c2(vault: Vault, path: Path) -> Vault:
    """Two carers written, then c1's summary copied onto c2 behind the vault's back; the
    vault reopened."""
    vault.put_many([RecordWrite("carer", f"c{i}", listed_carer(i)) for i in (1, 2)])
    vault.close()
    swap_summary(path, "c1", "c2")
    return reopen(path)


def swap_summary(path: Path, source: str, target: str) -> None:
    """Copy one row's sealed summary onto another, behind the vault's back."""
    with raw(path) as conn:
        (blob,) = conn.execute(
            "SELECT summary_sealed FROM records WHERE id = ?", (source,)
        ).fetchone()
        conn.execute("UPDATE records SET summary_sealed = ? WHERE id = ?", (blob, target))


def test_the_summary_is_the_payload_cut_to_the_list_fields() -> None:
    payload = listed_carer(1)
    summary = summarise("carer", payload)
    assert summary is not None
    assert summary["address"] == {"postcode": "OX1 1AA", "town": "Oxford"}
    assert summary["contact"] == {"phone": "01865 000000"}
    assert "notes" not in summary and "line1" not in str(summary)
    assert summarise("group", {"name": "Tuesday"}) is None
    assert set(summarise("conversation", conversation(1)) or {}) == set(LIST_FIELDS["conversation"])


def test_every_write_seals_a_summary_that_lists_without_opening_the_payload(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.put("carer", "c1", listed_carer(1))
    vault.put_many(
        [
            RecordWrite("carer", "c2", listed_carer(2)),
            RecordWrite("conversation", "v1", conversation(1)),
        ]
    )
    vault.apply_remote("carer", "c3", listed_carer(3), server_version=4)
    vault.put("group", "g1", {"name": "Tuesday"})  # a kind no list shows has none
    vault.put("carer", "c1", listed_carer(1, given_name="Renamed"))  # an edit re-seals it
    stored = summaries_in_file(vault_path)
    assert stored["g1"] is None
    assert all(stored[rid] is not None for rid in ("c1", "c2", "c3", "v1"))
    refuse_payloads(monkeypatch)
    listed = list(vault.iter_kind_summaries("carer"))
    assert [rid for rid, _, _ in listed] == ["c1", "c2", "c3"]
    by_id = {rid: (summary, state) for rid, summary, state in listed}
    assert by_id["c1"][0] == summarise("carer", listed_carer(1, given_name="Renamed"))
    assert by_id["c3"] == (summarise("carer", listed_carer(3)), SyncState.SYNCED)
    assert by_id["c2"][1] is SyncState.NEW
    assert list(vault.iter_kind_summaries("conversation")) == [
        ("v1", summarise("conversation", conversation(1)), SyncState.NEW)
    ]
    monkeypatch.undo()
    vault.delete("carer", "c3")  # a tombstone is not listed and keeps no summary
    assert [rid for rid, _, _ in vault.iter_kind_summaries("carer")] == ["c1", "c2"]
    assert summaries_in_file(vault_path)["c3"] is None
    assert vault.check().ok


def test_a_summary_swapped_between_rows_is_found_and_the_list_reads_the_record(
    vault: Vault, vault_path: Path
) -> None:
    v = with_c1s_summary_on_c2(vault, vault_path)
    listed = {rid: summary for rid, summary, _ in v.iter_kind_summaries("carer")}
    assert listed["c2"] == summarise("carer", listed_carer(2))  # from the record itself
    report = v.check()
    assert not report.ok
    assert report.damaged == ()  # the record is sound; its summary is not
    assert any("list summary of the carer record c2 does not open" in t for t in report.tampered)
    v.close()


def test_an_older_summary_of_the_same_row_put_back_does_not_open(
    vault: Vault, vault_path: Path
) -> None:
    vault.put("carer", "c1", listed_carer(1))
    (old,) = [summaries_in_file(vault_path)["c1"]]
    vault.put("carer", "c1", listed_carer(1, family_name="Moved"))
    vault.close()
    with raw(vault_path) as conn:
        conn.execute("UPDATE records SET summary_sealed = ? WHERE id = 'c1'", (old,))
    v = reopen(vault_path)
    [(_, summary, _)] = list(v.iter_kind_summaries("carer"))
    assert summary["family_name"] == "Moved"
    assert not v.check().ok
    v.close()


def test_a_summary_that_disagrees_with_its_record_is_found(vault: Vault) -> None:
    vault.put("carer", "c1", listed_carer(1))
    ctx = vault._ctx  # a summary sealed with the right key and binding, but wrong
    with ctx.transaction():
        version, gen, sealed = ctx.conn.execute(
            "SELECT version, key_gen, sealed FROM records WHERE id = 'c1'"
        ).fetchone()
        wrong = summarise("carer", listed_carer(1, family_name="Somebody Else"))
        blob = ctx.seal(
            gen, encode_json(wrong), summary_ad("c1", "carer", version, gen, sealed[-16:])
        )
        ctx.conn.execute("UPDATE records SET summary_sealed = ? WHERE id = 'c1'", (blob,))
    report = vault.check()
    assert "the list summary of the carer record c1 does not match the record" in report.tampered


def test_a_vault_from_the_first_schema_gets_its_summaries_at_the_first_unlock(
    tmp_path: Path,
) -> None:
    path = copy_golden("vault-m001.sqlite", tmp_path / "old" / "vault.db")
    v = Vault.open(path, actor="amy")
    assert set(summaries_in_file(path).values()) == {None}
    v.unlock(PASSPHRASE)
    assert None not in summaries_in_file(path).values()
    assert v._ctx.header.get(SUMMARIES) is not None
    payloads = dict(v.iter_kind("carer"))
    assert {rid: s for rid, s, _ in v.iter_kind_summaries("carer")} == {
        rid: summarise("carer", p) for rid, p in payloads.items()
    }
    assert v.check().ok
    v.close()
    before = summaries_in_file(path)
    reopen(path).close()  # built once: a later unlock writes none again
    assert summaries_in_file(path) == before


def test_an_interrupted_build_keeps_its_batches_and_resumes(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.put_many([RecordWrite("carer", f"c{i}", listed_carer(i)) for i in range(10)])
    ctx = vault._ctx
    with ctx.transaction():  # as a vault just upgraded: records, and no summaries yet
        ctx.conn.execute("UPDATE records SET summary_sealed = NULL")
        ctx.header.delete(SUMMARIES)
    vault.close()

    real_batch = SummaryBuilder._batch
    calls = []

    def crash_in_the_second_batch(self: SummaryBuilder, after: int, size: int):
        calls.append(after)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the laptop shut down mid-way
        return real_batch(self, after, 4)

    monkeypatch.setattr(SummaryBuilder, "_batch", crash_in_the_second_batch)
    v = Vault.open(vault_path, actor="amy")
    with pytest.raises(KeyboardInterrupt):
        v.unlock(PASSPHRASE)
    v.close()
    stored = summaries_in_file(vault_path)
    assert sum(blob is not None for blob in stored.values()) == 4  # the first batch, whole
    monkeypatch.undo()

    v = reopen(vault_path)
    assert None not in summaries_in_file(vault_path).values()
    assert {rid: s for rid, s, _ in v.iter_kind_summaries("carer")} == {
        f"c{i}": summarise("carer", listed_carer(i)) for i in range(10)
    }
    assert v.check().ok
    v.close()


def test_rotation_re_seals_the_summaries_under_the_new_key(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.put_many([RecordWrite("carer", f"c{i}", listed_carer(i)) for i in range(30)])
    assert vault.rotate_data_key(batch_size=7) == 2
    refuse_payloads(monkeypatch)
    with raw(vault_path) as conn:
        assert {g for (g,) in conn.execute("SELECT DISTINCT key_gen FROM records")} == {2}
    listed = {rid: s for rid, s, _ in vault.iter_kind_summaries("carer")}  # none falls back
    assert listed == {f"c{i}": summarise("carer", listed_carer(i)) for i in range(30)}
    assert vault.check().ok


def test_rotation_drops_a_summary_that_does_not_open_and_keeps_the_record(
    vault: Vault, vault_path: Path
) -> None:
    v = with_c1s_summary_on_c2(vault, vault_path)
    v.rotate_data_key()
    assert summaries_in_file(vault_path)["c2"] is None
    assert v.get("carer", "c2") == listed_carer(2)
    assert v.damaged_records() == []
    assert v.check().ok
    v.close()


def test_recovery_keeps_every_summary_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_pem, public_pem = generate_recovery_keypair(b"admin secret")
    path = tmp_path / "vault.db"
    v = Vault.create(
        path, PASSPHRASE, actor="amy", kdf=FAST_KDF, recovery_public_key_pem=public_pem
    )
    v.put_many([RecordWrite("carer", f"c{i}", listed_carer(i)) for i in range(5)])
    v.close()
    recovered = Vault.recover(path, private_pem, b"admin secret", "new passphrase here", "admin")
    refuse_payloads(monkeypatch)
    assert len(list(recovered.iter_kind_summaries("carer"))) == 5
    monkeypatch.undo()
    assert recovered.check().ok
    recovered.close()


def test_summaries_are_read_only_while_unlocked(vault: Vault) -> None:
    vault.put_many([RecordWrite("carer", f"c{i}", listed_carer(i)) for i in range(3)])
    listing = vault.iter_kind_summaries("carer")
    next(listing)
    vault.lock()
    with pytest.raises(VaultLocked):
        next(listing)
    with pytest.raises(VaultLocked):
        list(vault.iter_kind_summaries("carer"))


def test_no_summary_text_is_in_clear_in_the_file(vault: Vault, vault_path: Path) -> None:
    vault.put_many([RecordWrite("carer", "c1", listed_carer(1, family_name="Zyxwvutsrq"))])
    vault.close()
    data = b"".join(
        p.read_bytes() for p in vault_path.parent.iterdir() if p.name.startswith(vault_path.name)
    )
    assert b"Zyxwvutsrq" not in data
    with raw(vault_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT summary_sealed FROM records WHERE id = 'c1'").fetchone()
        assert row["summary_sealed"] is not None


def test_a_summary_is_padded_so_its_size_tells_little(vault: Vault, vault_path: Path) -> None:
    vault.put("carer", "short", listed_carer(1, given_name="Al"))
    vault.put("carer", "longer", listed_carer(1, given_name="Alexandrina"))
    sizes = {len(blob) for blob in summaries_in_file(vault_path).values() if blob}
    assert len(sizes) == 1
    (size,) = sizes
    assert (size - 12 - 16) % 64 == 0  # nonce and tag around whole 64-byte blocks


def test_recovering_a_vault_from_before_summaries_builds_them(tmp_path: Path) -> None:
    path = copy_golden("vault-m002-history.sqlite", tmp_path / "laptop" / "vault.db")
    recovered = Vault.recover(
        path,
        (GOLDEN / "recovery-private.pem").read_bytes(),
        b"admin secret",
        "new passphrase here",
        "admin",
    )
    with raw(path) as conn:
        missing = conn.execute(
            "SELECT id FROM records WHERE deleted = 0 AND summary_sealed IS NULL"
        ).fetchall()
    assert missing == []
    assert recovered.check().ok
    recovered.close()
