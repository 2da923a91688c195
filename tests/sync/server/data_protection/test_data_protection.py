"""The data-protection life cycle on the server: the audit chain names the first broken
entry; the retention job has a dry run, obeys legal holds, and erases with tombstones that
leave nothing decryptable; rectification and erasure requests are audited decisions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update

from carer_desk import factories as make
from carer_desk.records.carer import Closure, ClosureReason
from sync.server import schema as t
from sync.server.data_protection import audit_chain, retention
from sync.server.data_protection.requests import (
    Decision,
    RequestType,
    decide,
    list_requests,
    record_request,
)
from sync.server.errors import BadRequest, Refused
from sync.server.pull_scope import PullScope
from tests.sync.server.reports.support import put


def _closed(on: date):
    carer = make.carer(
        closure=Closure(closed_on=on, reason=ClosureReason.MOVED_AWAY, closed_by="amy")
    )
    return carer, make.completed_conversation(carer), make.plan(carer)


def test_the_audit_chain_names_the_first_altered_or_removed_entry(store):
    for n in range(6):
        store.audit(actor="amy", action="view", record_id=f"r{n}", details={"n": n})
    assert audit_chain.seal(store) >= 6
    check = audit_chain.verify(store)
    assert check.ok and check.checked >= 6
    store.audit(actor="amy", action="view", record_id="late")
    assert "1 newer not sealed yet" in audit_chain.verify(store).message
    with store.transaction(write=True) as tx:
        seqs = [s for s in tx.conn.execute(select(t.audit.c.seq).order_by(t.audit.c.seq)).scalars()]
        tx.conn.execute(update(t.audit).where(t.audit.c.seq == seqs[3]).values(actor="mallory"))
    broken = audit_chain.verify(store)
    assert broken.first_broken == seqs[3] and "altered" in broken.message
    with store.transaction(write=True) as tx:
        tx.conn.execute(update(t.audit).where(t.audit.c.seq == seqs[3]).values(actor="amy"))
        tx.conn.execute(delete(t.audit).where(t.audit.c.seq == seqs[2]))
    removed = audit_chain.verify(store)
    assert removed.first_broken == seqs[2] and "removed" in removed.message


def test_the_audit_export_filters_by_who_record_action_and_date(store):
    store.audit(actor="amy", action="view", record_id="a")
    store.audit(actor="bob", action="view", record_id="b")
    store.audit(actor="amy", action="print", record_id="a")
    audit_chain.seal(store)
    amy = list(audit_chain.export(store, audit_chain.AuditFilter(actor="amy")))
    assert [(e["action"], e["record_id"]) for e in amy] == [("view", "a"), ("print", "a")]
    assert all(e["link"] for e in amy)
    views = audit_chain.export(store, audit_chain.AuditFilter(action="view", record_id="b"))
    assert [e["actor"] for e in views] == ["bob"]
    later = audit_chain.AuditFilter(since=date(2999, 1, 1))
    assert list(audit_chain.export(store, later)) == []


def test_retention_dry_run_then_erasure_leaves_tombstones_and_nothing_decryptable(store):
    old, old_talk, old_plan = _closed(date(2018, 3, 1))
    recent, *recent_records = _closed(date(2023, 3, 1))
    put(store, old, old_talk, old_plan, recent, *recent_records)
    policy = retention.RetentionPolicy()
    plan = retention.run(store, policy, date(2025, 6, 1), dry_run=True)
    assert [(d.carer_id, dict(d.records)) for d in plan] == [
        (old.id, {"carer": 1, "conversation": 1, "plan": 1})
    ]
    with store.transaction() as tx:
        assert tx.get_record(old.id).payload is not None  # a dry run changes nothing
    retention.run(store, policy, date(2025, 6, 1), dry_run=False)
    with store.transaction() as tx:
        for rid in (old.id, old_talk.id, old_plan.id):
            assert tx.get_record(rid).deleted
            payloads = (
                tx.conn.execute(
                    select(t.record_versions.c.payload).where(t.record_versions.c.record_id == rid)
                )
                .scalars()
                .all()
            )
            assert payloads and all(p is None for p in payloads)
        assert tx.get_record(recent.id).payload is not None
        # The tombstones are pulled like any change (laptops delete their copies).
        page = tx.page_since(0, 100, PullScope(everything=True))
        tomb = {r.record_id for r in page if r.deleted}
        assert {old.id, old_talk.id, old_plan.id} <= tomb
        facts = tx.conn.execute(select(t.report_facts.c.record_id)).scalars().all()
        assert old.id not in facts
    actions = [a.action for a in store.iter_audit()]
    assert actions.count("retention-dry-run") == 1 and actions.count("retention-erase") == 1


def test_a_legal_hold_stops_the_job_until_it_is_lifted(store):
    carer, talk, plan = _closed(date(2017, 1, 1))
    put(store, carer, talk, plan)
    retention.place_hold(store, carer.id, "Claim 2025/114", "dpo")
    [due] = retention.run(store, retention.RetentionPolicy(), date(2025, 6, 1), dry_run=False)
    assert due.held and due.hold_reason == "Claim 2025/114"
    with store.transaction() as tx:
        assert not tx.get_record(carer.id).deleted
    with pytest.raises(BadRequest):
        retention.place_hold(store, carer.id, "  ", "dpo")
    retention.lift_hold(store, carer.id, "dpo")
    retention.run(store, retention.RetentionPolicy(), date(2025, 6, 1), dry_run=False)
    with store.transaction() as tx:
        assert tx.get_record(carer.id).deleted


def test_a_shorter_policy_for_one_kind_is_kept_to(store):
    carer, talk, plan = _closed(date(2022, 1, 1))
    put(store, carer, talk, plan)
    policy = retention.RetentionPolicy({**retention.DEFAULT_YEARS, "plan": 2})
    [due] = retention.due(store, policy, date(2025, 6, 1))
    assert dict(due.records) == {"plan": 1}
    with pytest.raises(BadRequest, match="not a record kind"):
        retention.RetentionPolicy({"diary": 1})


def test_rectification_and_erasure_requests_are_decided_and_audited(store):
    carer, talk, plan = _closed(date(2024, 1, 1))
    put(store, carer, talk, plan)
    fix = record_request(
        store, "office", RequestType.RECTIFICATION, carer.id, date(2025, 5, 1), ("date_of_birth",)
    )
    with pytest.raises(BadRequest, match="reason"):
        decide(store, "dpo", fix, Decision.REFUSED)
    decided = decide(store, "dpo", fix, Decision.AGREED)
    assert (decided.decision, decided.decided_by, decided.fields) == (
        "agreed",
        "dpo",
        ("date_of_birth",),
    )
    with pytest.raises(Refused, match="already decided"):
        decide(store, "dpo", fix, Decision.REFUSED, "changed my mind")
    erase = record_request(store, "office", RequestType.ERASURE, carer.id, date(2025, 5, 2))
    retention.place_hold(store, carer.id, "Complaint open", "dpo")
    with pytest.raises(Refused, match="legal hold"):
        decide(store, "dpo", erase, Decision.AGREED, erase=True)
    retention.lift_hold(store, carer.id, "dpo")
    done = decide(store, "dpo", erase, Decision.AGREED, erase=True)
    assert done.erased == 3
    with store.transaction() as tx:
        assert all(tx.get_record(r.id).deleted for r in (carer, talk, plan))
    assert {r.request_id: r.decision for r in list_requests(store)} == {
        fix: "agreed",
        erase: "agreed",
    }
