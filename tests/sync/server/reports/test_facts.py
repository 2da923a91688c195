"""The clear report columns: derived when a record is stored, moved with its carer,
removed by a tombstone, and filled in for records stored before the table existed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from carer_desk import factories as make
from carer_desk.records.carer import CarerType
from carer_desk.records.conversation import ConversationMode
from carer_desk.records.places import District
from sync.server import schema as t
from sync.server.reports.facts import VERSION_COUNTER, ensure_current
from tests.sync.server.reports.support import put, tombstone


def _facts(store) -> dict[str, dict]:
    with store.transaction() as tx:
        return {r.record_id: r._asdict() for r in tx.conn.execute(select(t.report_facts))}


def test_a_stored_record_gets_its_report_columns_and_a_tombstone_removes_them(store):
    carer = make.carer(
        referral=make.referral(date(2024, 2, 29), contacted_on=date(2024, 3, 4)),
        carer_types=(CarerType.PARENT_CARER,),
        registered_with_gp_as_carer=False,
        encouraged_to_register_with_gp_on=date(2024, 3, 4),
        address=make.address(district=District.CHERWELL),
        date_of_birth=date(1970, 5, 1),
        worker="amy",
    )
    talk = make.completed_conversation(
        carer,
        mode=ConversationMode.PHONE,
        started_on=date(2024, 3, 5),
        completed_on=date(2024, 3, 6),
    )
    put(store, carer, talk)
    facts = _facts(store)
    row = facts[carer.id]
    assert (row["kind"], row["team"], row["district"], row["worker"]) == (
        "carer",
        "north",
        "cherwell",
        "amy",
    )
    assert (row["referral_on"], row["referral_source"], row["contacted_on"]) == (
        date(2024, 2, 29),
        "self",
        date(2024, 3, 4),
    )
    assert row["parent_carer"] is True and row["gp_registered"] is False
    assert row["adult_on"] is None  # an adult's date of birth stays sealed
    talk_row = facts[talk.id]
    assert (talk_row["carer_id"], talk_row["mode"], talk_row["assessment"]) == (
        carer.id,
        "phone",
        True,
    )
    assert talk_row["completed_on"] == date(2024, 3, 6)
    assert talk_row["wellbeing_score"] is not None and talk_row["wellbeing_max"] > 0
    tombstone(store, "conversation", talk.id)
    assert talk.id not in _facts(store)


def test_facts_move_team_with_their_carer(store):
    carer = make.carer()
    put(store, carer, make.completed_conversation(carer))
    with store.transaction(write=True) as tx:
        tx.retag_carer_records(carer.id, "south")
    assert {row["team"] for row in _facts(store).values()} == {"south"}


def test_records_stored_before_the_table_are_derived_once(store):
    carer = make.carer(date_of_birth=date(2010, 1, 1))
    put(store, carer)
    with store.transaction(write=True) as tx:
        tx.conn.execute(delete(t.report_facts))
    assert ensure_current(store) == 1
    assert _facts(store)[carer.id]["adult_on"] == date(2028, 1, 1)
    assert ensure_current(store) == 0
    with store.transaction() as tx:
        version = tx.conn.execute(
            select(t.counters.c.value).where(t.counters.c.name == VERSION_COUNTER)
        ).scalar()
    assert version == 1


def test_an_edit_no_report_reads_leaves_the_report_rows_alone(store):
    from dataclasses import replace

    from sqlalchemy import event

    carer = make.carer(worker="amy", gp_practice="Banbury Surgery")
    put(store, carer, make.completed_conversation(carer, started_on=date(2024, 3, 6)))
    before = _facts(store)
    assert before[carer.id]["first_assessed_on"] == date(2024, 3, 6)
    writes: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "report_facts" in statement and not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        put(store, replace(carer, gp_practice="Witney Health Centre"))
        assert writes == [] and _facts(store) == before
        put(store, replace(carer, worker="ben"))
        assert writes, "a column a report reads changed: the row is written"
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    after = _facts(store)[carer.id]
    # Rewritten, and relinked: the first assessment is still there.
    assert (after["worker"], after["first_assessed_on"]) == ("ben", date(2024, 3, 6))


def test_a_conversation_moved_to_another_carer_leaves_the_first_with_no_assessment(store):
    from dataclasses import replace

    first, second = make.carer(), make.carer()
    talk = make.completed_conversation(first, started_on=date(2024, 3, 6))
    put(store, first, second, talk)
    assert _facts(store)[first.id]["first_assessed_on"] == date(2024, 3, 6)

    put(store, replace(talk, carer_id=second.id))
    facts = _facts(store)
    assert facts[second.id]["first_assessed_on"] == date(2024, 3, 6)
    assert facts[first.id]["first_assessed_on"] is None, "the first carer still counted"


def test_a_removed_conversation_leaves_its_carer_with_no_assessment(store):
    carer = make.carer()
    talk = make.completed_conversation(carer, started_on=date(2024, 3, 6))
    put(store, carer, talk)
    tombstone(store, "conversation", talk.id)
    assert _facts(store)[carer.id]["first_assessed_on"] is None
