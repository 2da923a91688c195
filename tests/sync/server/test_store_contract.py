"""The server store's contract, run against every backend (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sync.server import schema as t
from sync.server.errors import AdminError
from sync.server.keyring import Keyring, SealedDataError
from sync.server.migrate import current_revision, head_revision
from sync.server.store import DuplicateChange, Ownership, PullScope, SqlStore

CANARY = "Zebedee-Quixotic-Canary"


def write(
    store: SqlStore,
    record_id: str,
    payload: dict | None,
    *,
    kind: str = "carer",
    ownership: Ownership | None = None,
    actor: str = "ann",
) -> object:
    with store.transaction(write=True) as tx:
        current = tx.get_record(record_id)
        return tx.write_record(
            previous_version=current.version if current else None,
            kind=kind,
            record_id=record_id,
            payload=payload,
            ownership=ownership or Ownership(team="north", carer_id=record_id),
            changed_fields=sorted(payload or {"_deleted": 1}),
            actor=actor,
            device_id="dev-1",
            change_id=f"change-{record_id}",
        )


def test_migrations_build_exactly_the_declared_schema(store: SqlStore) -> None:
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diffs == []


def test_reopening_keeps_data_and_does_not_migrate_twice(
    database_url: str, keyring: Keyring
) -> None:
    first = SqlStore(database_url, keyring)
    write(first, "c1", {"name": "Ann"})
    first.close()
    second = SqlStore(database_url, keyring)
    with second.transaction() as tx:
        record = tx.get_record("c1")
    second.close()
    assert record is not None and record.payload == {"name": "Ann"}


def test_every_write_is_a_new_version_with_who_and_what_changed(store: SqlStore) -> None:
    write(store, "c1", {"name": "Ann", "town": "Banbury"}, actor="ann")
    write(store, "c1", {"name": "Ann", "town": "Bicester"}, actor="bob")
    with store.transaction(write=True) as tx:
        tx.write_record(
            previous_version=2,
            kind="carer",
            record_id="c1",
            payload=None,
            ownership=Ownership(team="north"),
            changed_fields=["_deleted"],
            actor="cat",
            device_id=None,
            change_id=None,
        )
    with store.transaction() as tx:
        record = tx.get_record("c1")
        versions = tx.versions("c1")
        first = tx.version_payload("c1", 1)
        second = tx.version_payload("c1", 2)
    assert record is not None and record.deleted and record.version == 3
    assert record.payload is None
    assert [(v.version, v.actor, v.deleted) for v in versions] == [
        (1, "ann", False),
        (2, "bob", False),
        (3, "cat", True),
    ]
    assert versions[1].changed_fields == ("name", "town")
    assert first == {"name": "Ann", "town": "Banbury"}
    assert second == {"name": "Ann", "town": "Bicester"}


def test_payloads_are_ciphertext_in_the_database(store: SqlStore) -> None:
    write(store, "c1", {"name": CANARY})
    with store.transaction() as tx:
        blobs = [bytes(b) for b in tx.conn.execute(select(t.records.c.payload)).scalars()]
        blobs += [bytes(b) for b in tx.conn.execute(select(t.record_versions.c.payload)).scalars()]
    assert blobs and all(CANARY.encode() not in b for b in blobs)


def test_a_ciphertext_moved_to_another_record_does_not_open(store: SqlStore) -> None:
    write(store, "c1", {"name": "Ann"})
    write(store, "c2", {"name": "Bob"})
    with store.transaction(write=True) as tx:
        stolen = tx.conn.execute(
            select(t.records.c.payload).where(t.records.c.record_id == "c1")
        ).scalar_one()
        tx.conn.execute(
            update(t.records).where(t.records.c.record_id == "c2").values(payload=stolen)
        )
    with pytest.raises(SealedDataError), store.transaction() as tx:
        tx.get_record("c2")


def test_sequence_numbers_grow_with_every_write(store: SqlStore) -> None:
    seqs = [write(store, f"c{i}", {"n": i}).seq for i in range(5)]  # type: ignore[attr-defined]
    seqs.append(write(store, "c0", {"n": 99}).seq)  # type: ignore[attr-defined]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    with store.transaction() as tx:
        assert tx.max_seq() == seqs[-1]
        ordered = [r.record_id for r in tx.changes_since(0, 100, PullScope(everything=True))]
    assert ordered == ["c1", "c2", "c3", "c4", "c0"]


def test_concurrent_writers_never_share_or_skip_a_sequence_number(store: SqlStore) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                write(store, f"w{n}-{i}", {"i": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with store.transaction() as tx:
        seqs = [r.seq for r in tx.changes_since(0, 1000, PullScope(everything=True))]
    assert seqs == list(range(1, 61))


def test_pull_scopes_select_by_team_group_and_payments(store: SqlStore) -> None:
    write(store, "north-carer", {"n": 1}, ownership=Ownership(team="north", carer_id="north-carer"))
    write(store, "south-carer", {"n": 1}, ownership=Ownership(team="south", carer_id="south-carer"))
    write(
        store,
        "north-plan",
        {"n": 1},
        kind="plan",
        ownership=Ownership(team="north", carer_id="north-carer"),
    )
    write(store, "g1", {"n": 1}, kind="group", ownership=Ownership(group_id="g1", owner="fay"))
    write(store, "g2", {"n": 1}, kind="group", ownership=Ownership(group_id="g2", owner="gil"))
    write(store, "s1", {"n": 1}, kind="session", ownership=Ownership(group_id="g1"))
    write(
        store,
        "a1",
        {"n": 1},
        kind="attendance",
        ownership=Ownership(team="south", carer_id="south-carer", group_id="g1"),
    )
    write(
        store,
        "p1",
        {"n": 1},
        kind="payment_request",
        ownership=Ownership(team="north", carer_id="north-carer"),
    )
    with store.transaction() as tx:

        def ids(scope: PullScope) -> set[str]:
            return {r.record_id for r in tx.changes_since(0, 100, scope)}

        assert ids(PullScope(team="north", team_kinds=frozenset({"carer", "plan"}))) == {
            "north-carer",
            "north-plan",
        }
        assert ids(PullScope(facilitator="fay")) == {"g1", "s1", "a1", "south-carer"}
        assert ids(PullScope(approver=True)) == {"p1", "north-carer"}
        assert ids(PullScope()) == set()
        assert len(ids(PullScope(everything=True))) == 8
        page = tx.changes_since(0, 3, PullScope(everything=True))
        rest = tx.changes_since(page[-1].seq, 100, PullScope(everything=True))
    assert len(page) == 3 and len(rest) == 5


def test_moving_a_carer_retags_and_resends_their_records(store: SqlStore) -> None:
    write(store, "c1", {"n": 1}, ownership=Ownership(team="north", carer_id="c1"))
    write(store, "plan1", {"n": 1}, kind="plan", ownership=Ownership(team="north", carer_id="c1"))
    with store.transaction(write=True) as tx:
        before = tx.max_seq()
        assert tx.retag_carer_records("c1", "south") == 1
        plan = tx.get_record("plan1")
    assert plan is not None and plan.ownership.team == "south" and plan.seq > before
    assert plan.version == 1  # retagging is routing, not an edit


def test_change_ledger_holds_one_result_per_change_id(store: SqlStore) -> None:
    with store.transaction(write=True) as tx:
        tx.save_applied(
            change_id="ch-1",
            username="ann",
            device_id="d",
            record_id="c1",
            result={"status": "applied", "note": CANARY},
        )
        with pytest.raises(DuplicateChange), tx.savepoint():
            tx.save_applied(
                change_id="ch-1",
                username="ann",
                device_id="d",
                record_id="c1",
                result={"status": "other"},
            )
        assert tx.applied_result("ch-1") == ("ann", {"status": "applied", "note": CANARY})
        assert tx.applied_result("ch-2") is None
        raw = tx.conn.execute(select(t.applied_changes.c.result)).scalar_one()
    assert CANARY.encode() not in bytes(raw)


def test_conflicts_are_kept_sealed_until_resolved(store: SqlStore) -> None:
    write(store, "c1", {"n": 1})
    with store.transaction(write=True) as tx:
        conflict_id = tx.add_conflict(
            record_id="c1",
            kind="carer",
            server_version=1,
            change_id="ch-9",
            raised_by="ann",
            details={"client": CANARY},
        )
    with store.transaction() as tx:
        assert [c.conflict_id for c in tx.open_conflicts()] == [conflict_id]
        assert [c.conflict_id for c in tx.open_conflicts(["c1"])] == [conflict_id]
        assert tx.open_conflicts(["other"]) == []
        conflict = tx.get_conflict(conflict_id)
        raw = tx.conn.execute(select(t.conflicts.c.details)).scalar_one()
    assert conflict is not None and conflict.details == {"client": CANARY}
    assert CANARY.encode() not in bytes(raw)
    with store.transaction(write=True) as tx:
        tx.resolve_conflict(conflict_id, "bob")
    with store.transaction() as tx:
        assert tx.open_conflicts() == []
        resolved = tx.get_conflict(conflict_id)
    assert resolved is not None and resolved.resolved_by == "bob"


def test_users_devices_and_revocation(store: SqlStore) -> None:
    store.create_user("ann", "outreach-worker", "north", "hash")
    with pytest.raises(AdminError, match="already exists"):
        store.create_user("ann", "admin", None, "hash")
    device = store.add_device("ann", "Ann's laptop", "a" * 64)
    assert store.device_by_credential("a" * 64) == device
    assert store.device_by_credential("b" * 64) is None
    revoked = store.revoke_device(device.device_id, by="admin")
    assert revoked.revoked and revoked.revoked_by == "admin"
    with pytest.raises(AdminError, match="list-devices"):
        store.revoke_device("no-such-device", by="admin")
    assert [u.username for u in store.list_users()] == ["ann"]
    actions = [row.action for row in store.iter_audit()]
    assert actions == ["create-user", "enrol", "revoke-device"]


def test_rotating_the_key_reseals_everything_and_drops_the_old_key(
    store: SqlStore, keyring: Keyring
) -> None:
    write(store, "c1", {"name": "Ann"})
    write(store, "c1", {"name": "Annie"})
    with store.transaction(write=True) as tx:
        tx.save_applied(
            change_id="ch-1", username="ann", device_id="d", record_id="c1", result={"ok": True}
        )
        tx.add_conflict(
            record_id="c1",
            kind="carer",
            server_version=2,
            change_id="ch-1",
            raised_by="ann",
            details={"x": 1},
        )
    resealed = store.rotate_key()
    assert resealed == 2 + 1 + 1 + 1  # two versions, the record, the ledger, the conflict
    on_disk = Keyring.load(keyring.path)
    assert on_disk.current == 2 and set(on_disk.keys) == {2}
    assert keyring.keys[1] not in on_disk.keys.values()
    reopened = SqlStore(str(store.engine.url.render_as_string(hide_password=False)), on_disk)
    with reopened.transaction() as tx:
        record = tx.get_record("c1")
        assert tx.version_payload("c1", 1) == {"name": "Ann"}
        assert tx.applied_result("ch-1") == ("ann", {"ok": True})
        gens = set(tx.conn.execute(select(t.record_versions.c.key_gen)).scalars())
    reopened.close()
    assert record is not None and record.payload == {"name": "Annie"}
    assert gens == {2}


def test_a_stale_previous_version_is_an_error_not_a_lost_version(store: SqlStore) -> None:
    write(store, "c1", {"n": 1})
    with pytest.raises(IntegrityError), store.transaction(write=True) as tx:
        tx.write_record(
            kind="carer",
            record_id="c1",
            payload={"n": 2},
            ownership=Ownership(),
            changed_fields=["n"],
            actor="x",
            device_id=None,
            change_id=None,
            previous_version=None,
        )
    with store.transaction() as tx:
        assert [v.version for v in tx.versions("c1")] == [1]


def test_known_change_ids_finds_resends_in_one_go(store: SqlStore) -> None:
    with store.transaction(write=True) as tx:
        tx.save_applied(change_id="ch-1", username="ann", device_id="d", record_id="c1", result={})
        assert tx.known_change_ids(["ch-1", "ch-2"]) == {"ch-1"}
        assert tx.known_change_ids([]) == set()
