"""Migration 0007 and the re-dating it leads to: payment requests stored before the server
dated their steps itself take the server's own day of each step, from the time it stored
the version that took the step (issue 10 High 2). Run on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select, update

from carer_desk.records.codec import to_payload
from carer_desk.records.payment import WellbeingPaymentRequest
from sync.server import schema as t
from sync.server.migrate import _config, head_revision
from sync.server.payment_redating import COUNTER, pending, redate_payment_steps
from sync.server.store import Ownership, SqlStore
from tests.sync.server import records as r
from tests.sync.server.harness import Harness

CARER, TALK = "c" * 32, "a" * 32


def _migrate(store: SqlStore, revision: str, *, down: bool = False) -> None:
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _stored(store: SqlStore, request: WellbeingPaymentRequest, at: datetime) -> None:
    """A version written as the server stored it before it dated steps itself (the
    laptop's dates kept), at the server time ``at``."""
    with store.transaction(write=True) as tx:
        current = tx.get_record(request.id)
        written = tx.write_record(
            kind="payment_request",
            record_id=request.id,
            payload=to_payload(request),
            ownership=Ownership(team="north", carer_id=CARER),
            changed_fields=["status"],
            actor="worker-north",
            device_id="dev-1",
            change_id=None,
            previous_version=current.version if current else None,
        )
        v = t.record_versions.c
        tx.conn.execute(
            update(t.record_versions)
            .where(v.record_id == request.id, v.version == written.version)
            .values(at=at)
        )


def _held(store: SqlStore, record_id: str) -> tuple[int, dict]:
    with store.transaction() as tx:
        record = tx.get_record(record_id)
    assert record is not None and record.payload is not None
    return record.version, record.payload


def _request(laptop_day: date, **kw: object) -> WellbeingPaymentRequest:
    return r.payment(CARER, TALK, 5000, requested_on=laptop_day, **kw)  # type: ignore[arg-type]


def _upgraded_with_old_requests(store: SqlStore) -> None:
    """As an upgrade finds a database: its requests written, then migration 0007 run."""
    _migrate(store, "0006_report_indexes", down=True)
    _migrate(store, "head")


def test_a_new_database_has_nothing_to_redate(store: SqlStore) -> None:
    assert not pending(store)
    assert redate_payment_steps(store) == {"redated": 0, "agreed": 0, "left": 0}


def test_the_migration_marks_a_database_holding_requests_and_only_that(store: SqlStore) -> None:
    _migrate(store, "0006_report_indexes", down=True)
    _migrate(store, "head")
    assert not pending(store)  # still no request: nothing to do
    _stored(store, _request(date(2026, 6, 1)), datetime(2026, 6, 2, 9, tzinfo=UTC))
    _upgraded_with_old_requests(store)
    assert pending(store)
    with store.engine.connect() as conn:
        value = conn.execute(
            select(t.counters.c.value).where(t.counters.c.name == COUNTER)
        ).scalar()
    assert value == 0
    assert head_revision() == "0007_payment_redating"


def test_submission_and_payment_take_the_servers_day_of_each_step(store: SqlStore) -> None:
    # Submitted on a laptop dated 20 June; the server stored it at 23:30 UTC on 30 June,
    # which is 1 July in the service's time zone (BST).
    submitted = _request(date(2026, 6, 20))
    _stored(store, submitted, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    # Drafted on 1 July, submitted (laptop: 2 July) and stored on 6 July, decided on the
    # server on 8 July, marked paid (laptop: 8 July) and stored on 10 July.
    draft = _request(date(2026, 7, 1), submitted=False)
    _stored(store, draft, datetime(2026, 7, 1, 10, tzinfo=UTC))
    sent = draft.submit(date(2026, 7, 2))
    _stored(store, sent, datetime(2026, 7, 6, 10, tzinfo=UTC))
    approved = sent.approve("manager", date(2026, 7, 8))
    _stored(store, approved, datetime(2026, 7, 8, 10, tzinfo=UTC))
    _stored(store, approved.mark_paid(date(2026, 7, 8)), datetime(2026, 7, 10, 8, tzinfo=UTC))
    # Made, submitted and cancelled on a laptop before it synced; stored on 12 July.
    offline = _request(date(2026, 7, 9)).cancel(date(2026, 7, 9), "Not needed")
    _stored(store, offline, datetime(2026, 7, 12, 8, tzinfo=UTC))
    _upgraded_with_old_requests(store)

    assert redate_payment_steps(store) == {"redated": 3, "agreed": 0, "left": 0}
    version, held = _held(store, submitted.id)
    assert version == 2 and held["submitted_on"] == "2026-07-01"
    assert held["requested_on"] == "2026-06-20"  # what the worker recorded stays
    _, held = _held(store, draft.id)
    assert (held["submitted_on"], held["decided_on"], held["paid_on"]) == (
        "2026-07-06",
        "2026-07-08",
        "2026-07-10",
    )
    _, held = _held(store, offline.id)
    # No submission the server accepted: the laptop's stays; the cancellation is its day.
    assert (held["submitted_on"], held["cancelled_on"]) == ("2026-07-09", "2026-07-12")
    with store.transaction() as tx:
        rows = tx.conn.execute(select(t.audit).where(t.audit.c.action == "redate-payment")).all()
        versions = tx.versions(submitted.id)
    assert len(rows) == 3 and {row.actor for row in rows} == {"carer-desk-server"}
    assert versions[-1].changed_fields == ("submitted_on",)
    # Once: a second start leaves everything as it is.
    assert not pending(store)
    assert redate_payment_steps(store) == {"redated": 0, "agreed": 0, "left": 0}
    assert _held(store, submitted.id)[0] == 2


def test_requests_without_trustworthy_evidence_are_left_as_they_are(store: SqlStore) -> None:
    agreed = _request(date(2026, 7, 1))
    _stored(store, agreed, datetime(2026, 7, 1, 12, tzinfo=UTC))
    resent = _request(date(2026, 7, 1))
    _stored(store, resent, datetime(2026, 7, 9, 12, tzinfo=UTC))
    erased = _request(date(2026, 7, 1), submitted=False)
    _stored(store, erased, datetime(2026, 7, 1, 12, tzinfo=UTC))
    _stored(store, erased.submit(date(2026, 7, 2)), datetime(2026, 7, 5, 12, tzinfo=UTC))
    # Back at the laptop's day the request was dated one day ahead of the server's.
    ahead = _request(date(2026, 7, 4))
    _stored(store, ahead, datetime(2026, 7, 3, 12, tzinfo=UTC))
    with store.transaction(write=True) as tx:
        # Re-sent by a laptop after a restore: its versions were written at the re-send.
        tx.conn.execute(insert(t.recovered).values(record_id=resent.id, through=1))
        # A sealed copy on the way is gone (as erasure leaves it): what it held is unknown.
        v = t.record_versions.c
        tx.conn.execute(
            update(t.record_versions)
            .where(v.record_id == erased.id, v.version == 2)
            .values(payload=None, key_gen=None)
        )
    _upgraded_with_old_requests(store)
    assert redate_payment_steps(store) == {"redated": 1, "agreed": 1, "left": 2}
    assert _held(store, agreed.id)[0] == 1
    assert _held(store, resent.id)[1]["submitted_on"] == "2026-07-01"
    assert _held(store, erased.id)[1]["submitted_on"] == "2026-07-02"
    # The day the server received it, with the request's own day brought back to it.
    _, held = _held(store, ahead.id)
    assert (held["requested_on"], held["submitted_on"]) == ("2026-07-03", "2026-07-03")


def test_the_server_redates_at_start_up(tmp_path: Path, database_url: str) -> None:
    first = Harness(tmp_path / "server", database_url)
    request = replace(_request(date(2026, 2, 20)), id="b" * 32)
    _stored(first.store, request, datetime(2026, 3, 2, 12, tzinfo=UTC))
    _upgraded_with_old_requests(first.store)
    first.close()
    again = Harness(tmp_path / "server", database_url)
    try:
        assert _held(again.store, request.id)[1]["submitted_on"] == "2026-03-02"
        assert not pending(again.store)
    finally:
        again.close()
