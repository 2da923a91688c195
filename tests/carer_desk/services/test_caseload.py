"""The caseload list: light rows from payloads, search including card numbers, and rows
that keep up with writes made elsewhere (another service, or a pull)."""

from __future__ import annotations

import random

from carer_desk.changes import Changes, ChangeSource
from carer_desk.demo import _Maker, seed_demo
from carer_desk.ports import SyncState
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.services.caseload import CaseloadService, PlanState
from carer_desk.services.clock import SettableClock
from tests.carer_desk.services.service_support import TODAY, add_carer


def test_every_carer_has_a_row_sorted_by_family_name(vault, settings, clock):
    summary = seed_demo(vault, settings, carers=12, seed=7, today=TODAY)
    service = CaseloadService(vault, settings, clock)
    rows = service.rows()
    assert len(rows) == summary.counts["carer"] == 12
    # Usable at once from the carers alone; the other columns once linked.
    assert {r.plan_state for r in rows} == {PlanState.NONE}
    rows = service.link()
    assert [r.sort_key for r in rows] == sorted(r.sort_key for r in rows)
    assert all(r.sync_state is SyncState.NEW for r in rows)
    # The demo mixes every plan state a list must show.
    assert {PlanState.NONE, PlanState.INCOMPLETE} <= {r.plan_state for r in rows}


def test_search_finds_a_carer_by_card_number_postcode_and_name(vault, settings, clock):
    seed_demo(vault, settings, carers=12, seed=7, today=TODAY)
    service = CaseloadService(vault, settings, clock)
    service.search("x")  # an index built before linking learns the card numbers after
    service.link()
    _card_id, card = next(iter(vault.iter_kind("card")))
    spaced = " ".join(card["number"][i : i + 4] for i in range(0, len(card["number"]), 4))
    assert card["carer_id"] in service.search(spaced)
    assert card["carer_id"] in service.search(card["number"])
    row = service.row(card["carer_id"])
    assert row is not None
    assert row.carer_id in service.search(row.postcode or "")
    assert row.carer_id in service.search(row.family_name[:3])


def test_a_new_plan_written_elsewhere_moves_the_row_once_refreshed(vault, settings):
    maker = _Maker(settings, random.Random(1), TODAY)  # the demo's maker: a complete plan
    carer = maker.carer()
    vault.put("carer", carer.id, to_payload(carer), action="create")
    service = CaseloadService(vault, settings, SettableClock(TODAY))
    service.link()
    assert service.row(carer.id).plan_state is PlanState.NONE
    plan = maker.plan(carer, complete=True)
    vault.put("plan", plan.id, to_payload(plan), action="create")
    assert service.row(carer.id).plan_state is PlanState.NONE  # cached
    touched = service.refresh(Changes.of([("plan", plan.id)], source=ChangeSource.PULL))
    assert touched == {carer.id}
    assert service.row(carer.id).plan_state in {PlanState.IN_PLACE, PlanState.REVIEW_DUE}
    assert service.records_of(carer.id, "plan") == [plan.id]


def test_a_deleted_carer_leaves_the_list_and_the_search(vault, settings, clock):
    carer = add_carer(vault, given="Zelda")
    service = CaseloadService(vault, settings, clock)
    assert service.search("zelda") == [carer.id]
    vault.delete("carer", carer.id)
    service.refresh(Changes.of([("carer", carer.id)]))
    assert service.row(carer.id) is None
    assert service.search("zelda") == []


def test_a_row_names_the_carer_as_their_record_does(vault, settings, clock):
    carer = add_carer(vault)
    row = CaseloadService(vault, settings, clock).row(carer.id)
    assert row.name == from_payload("carer", vault.get("carer", carer.id)).full_name
