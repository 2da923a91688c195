"""The outbox and sync bookkeeping the sync engine drives."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from carer_desk.errors import NotFoundError, ValidationError
from carer_desk.ports import Priority, SyncState
from storage.vault import Vault

from .conftest import FAST_KDF, PASSPHRASE, carer


def push_all(vault: Vault, server_version: int = 1) -> None:
    changes = vault.outbox_pending(1000)
    vault.outbox_mark_sending(c.change_id for c in changes)
    for c in changes:
        vault.outbox_acknowledge(c.change_id, server_version)


def test_safeguarding_goes_first_then_oldest_first(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.put("carer", "c2", carer(2))
    vault.put("concern", "s1", {"what": "bruising"}, priority=Priority.SAFEGUARDING)
    assert [c.record_id for c in vault.outbox_pending()] == ["s1", "c1", "c2"]
    assert [c.record_id for c in vault.outbox_pending(limit=2)] == ["s1", "c1"]


def test_repeated_unsent_edits_become_one_change_with_the_latest_payload(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1, name="one"))
    first = vault.outbox_pending()[0].change_id
    vault.put("carer", "c1", carer(1, name="two"))
    (change,) = vault.outbox_pending()
    assert change.change_id == first
    assert change.payload is not None and change.payload["name"] == "two"
    assert change.op == "upsert" and change.base_version is None


def test_acknowledged_change_marks_the_record_synced(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    (change,) = vault.outbox_pending()
    vault.outbox_mark_sending([change.change_id])
    assert vault.meta("c1").sync_state == SyncState.SENDING
    vault.outbox_acknowledge(change.change_id, 7)
    vault.outbox_acknowledge(change.change_id, 7)  # a retried acknowledgement is harmless
    meta = vault.meta("c1")
    assert (meta.server_version, meta.sync_state) == (7, SyncState.SYNCED)
    assert vault.outbox_pending() == []
    vault.put("carer", "c1", carer(1, name="edited after sync"))
    assert vault.meta("c1").sync_state == SyncState.CHANGED
    assert vault.outbox_pending()[0].base_version == 7


def test_an_edit_during_a_push_keeps_both_payloads_exact(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1, name="as sent"))
    (sending,) = vault.outbox_pending()
    vault.outbox_mark_sending([sending.change_id])
    vault.put("carer", "c1", carer(1, name="edited meanwhile"))
    resend, newer = vault.outbox_pending()
    assert resend.change_id == sending.change_id
    assert resend.payload is not None and resend.payload["name"] == "as sent"
    assert newer.payload is not None and newer.payload["name"] == "edited meanwhile"
    vault.outbox_acknowledge(sending.change_id, 3)
    meta = vault.meta("c1")
    assert (meta.server_version, meta.sync_state) == (3, SyncState.CHANGED)
    assert vault.outbox_pending()[0].base_version == 3


def test_a_rejected_change_is_held_back_with_its_reason_and_blocks_nothing(vault: Vault) -> None:
    vault.put("payment", "p1", {"amount_pence": 40000})
    vault.put("carer", "c1", carer(1))
    bad = vault.outbox_pending()[0]
    vault.outbox_reject(bad.change_id, "Over the £300 cap for this 12-month period")
    assert [c.record_id for c in vault.outbox_pending()] == ["c1"]
    assert vault.meta("p1").sync_state == SyncState.REJECTED
    ((change, reason),) = vault.rejected_changes()
    assert change.record_id == "p1" and reason.startswith("Over the £300 cap")
    vault.put("payment", "p1", {"amount_pence": 30000})  # the person fixes it
    assert vault.rejected_changes() == []
    assert [c.record_id for c in vault.outbox_pending()] == ["c1", "p1"]  # a new change


def test_a_delete_is_kept_until_the_server_acknowledges_it(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    push_all(vault, 1)
    vault.delete("carer", "c1")
    meta = vault.meta("c1")
    assert meta.deleted and meta.sync_state == SyncState.CHANGED
    with pytest.raises(NotFoundError):
        vault.get("carer", "c1")
    (change,) = vault.outbox_pending()
    assert (change.op, change.base_version, change.payload) == ("delete", 1, None)
    vault.outbox_acknowledge(change.change_id, 2)
    with pytest.raises(NotFoundError):
        vault.meta("c1")


def test_deleting_a_record_the_server_never_saw_removes_it_at_once(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.delete("carer", "c1")
    assert vault.outbox_pending() == []
    with pytest.raises(NotFoundError):
        vault.meta("c1")


def test_pulled_records_are_stored_synced_without_an_outbox_entry(vault: Vault) -> None:
    assert vault.apply_remote("carer", "c9", carer(9), server_version=4)
    meta = vault.meta("c9")
    assert (meta.server_version, meta.sync_state) == (4, SyncState.SYNCED)
    assert vault.get("carer", "c9")["name"] == "Carer Number 9"
    assert vault.outbox_pending() == []
    assert not vault.apply_remote("carer", "c9", carer(9, name="replayed"), server_version=4)
    assert vault.get("carer", "c9")["name"] == "Carer Number 9"
    assert vault.apply_remote("carer", "c9", None, server_version=5, deleted=True)
    with pytest.raises(NotFoundError):
        vault.meta("c9")


def test_a_pull_never_overwrites_an_unsent_local_edit(vault: Vault) -> None:
    vault.apply_remote("carer", "c1", carer(1), server_version=1)
    vault.put("carer", "c1", carer(1, name="mine"))
    assert not vault.apply_remote("carer", "c1", carer(1, name="theirs"), server_version=2)
    assert vault.get("carer", "c1")["name"] == "mine"
    assert vault.outbox_pending()[0].base_version == 1


def test_conflict_details_are_kept_sealed_and_cleared_by_the_next_edit(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.mark_conflict("c1", {"phone": {"mine": "01865 000000", "theirs": "07700 900000"}})
    assert vault.meta("c1").sync_state == SyncState.CONFLICT
    assert vault.conflict_details("c1") == {
        "phone": {"mine": "01865 000000", "theirs": "07700 900000"}
    }
    vault.put("carer", "c1", carer(1, phone="07700 900000"))
    assert vault.conflict_details("c1") is None
    assert vault.meta("c1").sync_state == SyncState.NEW


def test_sync_cursor_survives_reopening(vault: Vault, vault_path: Path) -> None:
    assert vault.sync_cursor() == ""
    vault.set_sync_cursor("page-42")
    vault.close()
    with Vault.open(vault_path, actor="amy") as v:
        assert v.sync_cursor() == "page-42"


def test_count_by_state_covers_every_state(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    vault.put("carer", "c2", carer(2))
    vault.apply_remote("carer", "c3", carer(3), server_version=1)
    counts = vault.count_by_state()
    assert set(counts) == set(SyncState)
    assert counts[SyncState.NEW] == 2 and counts[SyncState.SYNCED] == 1
    assert counts[SyncState.REJECTED] == 0


IDS = st.sampled_from(["a", "b", "c", "d"])


class OutboxAgainstAServer(RuleBasedStateMachine):
    """Local edits, deletes, pushes, rejections and pulls interleaved in any order: what the
    person sees always matches a simple model, and what the server holds after a push is
    exactly what was on the laptop."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp()
        self.vault = Vault.create(Path(self.dir) / "v.db", PASSPHRASE, actor="t", kdf=FAST_KDF)
        self.local: dict[str, dict[str, object]] = {}
        self.server: dict[str, tuple[int, dict[str, object] | None]] = {}

    def teardown(self) -> None:
        self.vault.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(rid=IDS, n=st.integers(0, 3), urgent=st.booleans())
    def edit(self, rid: str, n: int, urgent: bool) -> None:
        payload = {"n": n, "by": "laptop"}
        priority = Priority.SAFEGUARDING if urgent else Priority.NORMAL
        self.vault.put("carer", rid, payload, priority=priority)
        self.local[rid] = payload

    @rule(rid=IDS)
    def remove(self, rid: str) -> None:
        if rid in self.local:
            self.vault.delete("carer", rid)
            del self.local[rid]

    @rule(k=st.integers(1, 3), acknowledge=st.booleans())
    def push(self, k: int, acknowledge: bool) -> None:
        changes = self.vault.outbox_pending(k)
        self.vault.outbox_mark_sending(c.change_id for c in changes)
        if not acknowledge:  # connection dropped: the changes stay 'sending'
            return
        for c in changes:
            version = self.server.get(c.record_id, (0, None))[0] + 1
            self.server[c.record_id] = (version, c.payload if c.op == "upsert" else None)
            self.vault.outbox_acknowledge(c.change_id, version)

    @rule()
    def reject_first(self) -> None:
        changes = self.vault.outbox_pending(1)
        if changes:
            self.vault.outbox_reject(changes[0].change_id, "refused")

    @rule(rid=IDS, n=st.integers(0, 3), deleted=st.booleans())
    def pull(self, rid: str, n: int, deleted: bool) -> None:
        version = self.server.get(rid, (0, None))[0] + 1
        payload = None if deleted else {"n": n, "by": "server"}
        self.server[rid] = (version, payload)
        outstanding = {c.record_id for c in self.vault.outbox_pending(1000)} | {
            c.record_id for c, _ in self.vault.rejected_changes()
        }
        applied = self.vault.apply_remote("carer", rid, payload, version, deleted=deleted)
        # A pull never overwrites a local change the server has not acknowledged.
        assert applied == (rid not in outstanding)
        if applied:
            if deleted:
                self.local.pop(rid, None)
            else:
                self.local[rid] = payload  # type: ignore[assignment]

    @invariant()
    def what_the_person_sees_matches_the_model(self) -> None:
        assert dict(self.vault.iter_kind("carer")) == self.local

    @invariant()
    def outbox_drains_in_order_and_holds_back_rejections(self) -> None:
        pending = self.vault.outbox_pending(1000)
        order = [(c.priority, c.seq) for c in pending]
        assert order == sorted(order)
        rejected = {c.change_id for c, _ in self.vault.rejected_changes()}
        assert not rejected & {c.change_id for c in pending}

    @invariant()
    def states_tell_the_truth(self) -> None:
        waiting = {c.record_id for c in self.vault.outbox_pending(1000)}
        for rid in ["a", "b", "c", "d"]:
            try:
                meta = self.vault.meta(rid)
            except NotFoundError:
                assert rid not in self.local
                continue
            if rid not in self.local:
                assert meta.deleted  # a tombstone waits for the server's acknowledgement
            if meta.sync_state == SyncState.SYNCED:
                assert self.server[rid] == (meta.server_version, self.local[rid])
            if meta.sync_state in (SyncState.NEW, SyncState.CHANGED, SyncState.SENDING):
                assert rid in waiting

    @invariant()
    def integrity_holds(self) -> None:
        assert self.vault.check().ok


OutboxAgainstAServer.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Marked slow: every step is a committed (fsync'd) transaction.
test_outbox_against_a_server = pytest.mark.slow(OutboxAgainstAServer.TestCase)


def test_an_urgent_edit_never_overtakes_an_earlier_change_of_the_same_record(vault: Vault) -> None:
    """Found by the state machine: a safeguarding edit made while the record's previous
    change was in flight drained first, so the server ended with the older payload."""
    vault.put("carer", "other", carer(0))
    vault.put("concern", "s1", {"text": "first"})
    (first,) = [c for c in vault.outbox_pending() if c.record_id == "s1"]
    vault.outbox_mark_sending([first.change_id])
    vault.put("concern", "s1", {"text": "second"}, priority=Priority.SAFEGUARDING)
    order = [(c.record_id, c.payload) for c in vault.outbox_pending()]
    assert order[:2] == [("s1", {"text": "first"}), ("s1", {"text": "second"})]
    assert order[2][0] == "other"


def test_a_pulled_page_and_its_cursor_are_saved_together(vault: Vault, vault_path: Path) -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Pulled:
        kind: str
        record_id: str
        payload: dict[str, object] | None
        server_version: int
        deleted: bool = False

    vault.put("carer", "mine", carer(1))  # unsent: a pull must not overwrite it
    page = [Pulled("carer", f"r{i}", carer(i), 10 + i) for i in range(50)]
    page.append(Pulled("carer", "mine", carer(1, name="theirs"), 3))
    applied = vault.apply_remote_page(page, "cursor-after-page-1")
    assert applied == [True] * 50 + [False]
    vault.close()
    with Vault.open(vault_path, actor="amy") as v:
        v.unlock(PASSPHRASE)
        assert v.sync_cursor() == "cursor-after-page-1"
        assert v.get("carer", "r7") == carer(7)
        assert v.get("carer", "mine")["name"] == "Carer Number 1"
        with pytest.raises(ValidationError):
            v.apply_remote_page([Pulled("carer", "", {}, 1)], "cursor-2")
        assert v.sync_cursor() == "cursor-after-page-1"  # nothing of a failed page kept


def test_an_open_conflict_stays_visible_while_other_changes_drain(vault: Vault) -> None:
    vault.put("carer", "c1", carer(1))
    push_all(vault, 1)
    vault.put("carer", "c1", carer(1, name="first edit"))
    (first,) = vault.outbox_pending()
    vault.outbox_mark_sending([first.change_id])
    vault.put("carer", "c1", carer(1, name="second edit"))
    # The server merged the first edit but found a field both sides changed.
    vault.outbox_acknowledge(first.change_id, 3)
    vault.mark_conflict("c1", {"name": {"mine": "first edit", "theirs": "Other"}})
    (second,) = vault.outbox_pending()
    vault.outbox_mark_sending([second.change_id])
    assert vault.meta("c1").sync_state == SyncState.CONFLICT
    vault.outbox_acknowledge(second.change_id, 4)
    assert vault.meta("c1").sync_state == SyncState.CONFLICT
    assert vault.conflict_details("c1") is not None


def test_acknowledging_a_batch_at_once_matches_one_by_one(tmp_path):
    """A push batch acknowledged in one transaction ends in the same state as the same
    acknowledgements made one at a time."""
    from carer_desk.ports import SyncState
    from tests.vaults import make_vault

    def fresh(name):
        v = make_vault(tmp_path / name, actor="t")
        for i in range(5):
            v.put("carer", f"{i:032x}", {"n": i})
        v.put("carer", f"{0:032x}", {"n": 99})  # an edit on top of an unsent change
        return v

    one, many = fresh("one.db"), fresh("many.db")
    for v in (one, many):
        pending = v.outbox_pending(100)
        v.outbox_mark_sending([c.change_id for c in pending])
    acks = [(c.change_id, n + 1) for n, c in enumerate(one.outbox_pending(100))]
    for change_id, version in acks:
        one.outbox_acknowledge(change_id, version)
    many.outbox_acknowledge_many(
        (c.change_id, n + 1) for n, c in enumerate(many.outbox_pending(100))
    )
    assert one.count_by_state() == many.count_by_state()
    assert many.count_by_state().get(SyncState.SYNCED) == 5
    assert many.outbox_pending(100) == []
    one.close()
    many.close()


def test_a_batch_acknowledging_two_changes_of_one_record_settles_them_in_order(
    vault: Vault,
) -> None:
    """The second edit of a record sent in the same push as the first: acknowledging the
    batch at once settles the first, then the second (which the first rebased), so the
    record ends at the second's version. A repeated or unknown id changes nothing."""
    vault.put("carer", "c1", carer(1))
    vault.put("carer", "c2", carer(2))
    push_all(vault, 1)
    vault.put("carer", "c1", carer(1, name="first edit"))
    (first,) = vault.outbox_pending()
    vault.outbox_mark_sending([first.change_id])
    vault.put("carer", "c1", carer(1, name="second edit"))
    vault.put("carer", "c2", carer(2, name="other edit"))
    later = [c for c in vault.outbox_pending() if c.change_id != first.change_id]
    assert {c.record_id for c in later} == {"c1", "c2"}
    vault.outbox_mark_sending([c.change_id for c in later])
    second = next(c for c in later if c.record_id == "c1")
    other = next(c for c in later if c.record_id == "c2")
    vault.outbox_acknowledge_many(
        [
            (first.change_id, 2),
            (other.change_id, 2),
            (second.change_id, 3),
            (first.change_id, 2),  # a retried acknowledgement
            ("0" * 32, 9),  # not this laptop's change
        ]
    )
    assert vault.outbox_pending() == []
    assert vault.meta("c1").server_version == 3
    assert vault.meta("c1").sync_state == SyncState.SYNCED
    assert vault.meta("c2").server_version == 2
    assert vault.get("carer", "c1") == carer(1, name="second edit")


def test_records_sent_again_to_a_restored_server_keep_safeguarding_first(vault: Vault) -> None:
    """After a restore the laptop sends again what the server lost: at the priority an edit
    of each record has (safeguarding first), whether it was sent from here or pulled from
    a colleague, and otherwise in the order the records came to this laptop."""
    from carer_desk import factories as make
    from carer_desk.records.codec import to_payload
    from carer_desk.records.priority import priority_of_payload

    plain, flagged = make.carer(), make.carer(safeguarding_flag=True)
    concern = make.urgent_support(safeguarding_concern=True, safeguarding_details="Bruising")
    raised = make.conversation(plain, stage2=concern)
    later = make.carer()
    for record in (plain, flagged):
        payload = to_payload(record)
        vault.put("carer", record.id, payload, priority=priority_of_payload(payload))
    push_all(vault)
    # Pulled from colleagues: they never passed through this laptop's outbox.
    vault.apply_remote("conversation", raised.id, to_payload(raised), 1)
    vault.apply_remote("carer", later.id, to_payload(later), 1)
    assert vault.outbox_pending() == []

    queued = vault.follow_restored_server({}, "after-the-restore")  # the server lost all four

    assert queued == 4
    pending = vault.outbox_pending()
    assert [c.record_id for c in pending] == [flagged.id, raised.id, plain.id, later.id]
    assert [c.priority for c in pending] == [Priority.SAFEGUARDING] * 2 + [Priority.NORMAL] * 2
