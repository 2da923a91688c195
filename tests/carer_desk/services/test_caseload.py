"""The caseload list: light rows from payloads that say what the full records say, search
including card numbers, and rows that keep up with writes made elsewhere (another
service, or a pull) and are dropped whole at lock."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from carer_desk import factories as make
from carer_desk.changes import Changes, ChangeSource
from carer_desk.clock import FixedClock, SettableClock
from carer_desk.demo import DemoMaker, seed_demo
from carer_desk.errors import VaultLocked
from carer_desk.ports import SyncState
from carer_desk.records.carer import Carer
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.conversation import ConversationStatus, GuidedConversation
from carer_desk.records.payment import OPEN_STATUSES, WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyPlan, latest_plan
from carer_desk.roles import Role
from carer_desk.services.caseload import CaseloadService, PlanState
from carer_desk.services.repository import Repository
from carer_desk.session import DeskSession
from tests.carer_desk.services.service_support import TODAY, add_carer, full_plan

CLOCK = FixedClock(TODAY)


def test_every_carer_has_a_row_sorted_by_family_name(vault, settings, clock):
    summary = seed_demo(vault, settings, carers=12, seed=7, clock=CLOCK)
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
    seed_demo(vault, settings, carers=12, seed=7, clock=CLOCK)
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
    maker = DemoMaker(settings, random.Random(1), CLOCK)  # the demo's maker: a complete plan
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


def test_a_plan_written_while_the_links_are_read_kind_by_kind_is_not_lost(vault, settings):
    # The window links one kind per turn of the vault lane; a pull may land between two.
    maker = DemoMaker(settings, random.Random(1), CLOCK)
    carer = maker.carer()
    vault.put("carer", carer.id, to_payload(carer), action="create")
    service = CaseloadService(vault, settings, SettableClock(TODAY))
    service.rows()
    service.link_kind("plan")  # plans read: none yet
    plan = maker.plan(carer, complete=True)
    vault.put("plan", plan.id, to_payload(plan), action="create")
    service.refresh(Changes.of([("plan", plan.id)], source=ChangeSource.PULL))
    assert not service.linked
    rows = service.finish_link()
    assert service.linked
    assert [r.carer_id for r in rows] == [carer.id]
    assert rows[0].plan_state in {PlanState.IN_PLACE, PlanState.REVIEW_DUE}
    assert service.records_of(carer.id, "plan") == [plan.id]


def test_a_carers_records_are_read_through_the_index(vault, settings):
    maker = DemoMaker(settings, random.Random(3), CLOCK)
    carers = [maker.carer() for _ in range(3)]
    for carer in carers:
        vault.put("carer", carer.id, to_payload(carer), action="create")
        conv = maker.conversation(carer, 3)
        vault.put("conversation", conv.id, to_payload(conv), action="create")
    service = CaseloadService(vault, settings, SettableClock(TODAY))
    mine = service.records_for(Repository(vault), GuidedConversation, "conversation", carers[1].id)
    assert [c.carer_id for c in mine] == [carers[1].id]
    assert service.linked


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


# --- every column, against the full records --------------------------------------------


def _expected(repo: Repository, settings, carer: Carer) -> dict[str, object]:
    plan = latest_plan(repo.where(EmergencyPlan, carer_id=carer.id))
    done = [
        c
        for c in repo.where(GuidedConversation, carer_id=carer.id)
        if c.status == ConversationStatus.COMPLETE
    ]
    latest_done = max(done, key=lambda c: (c.completed_on, c.id), default=None)
    if plan is None:
        state = PlanState.NONE
    elif not plan.is_complete_under(settings.plans):
        state = PlanState.INCOMPLETE
    elif plan.review_date < TODAY:
        state = PlanState.OVERDUE
    elif plan.is_due_for_review(TODAY + timedelta(days=settings.plans.reminder_days_before)):
        state = PlanState.REVIEW_DUE
    else:
        state = PlanState.IN_PLACE
    requests = repo.where(WellbeingPaymentRequest, carer_id=carer.id)
    address = carer.address
    return {
        "carer_id": carer.id,
        "name": carer.full_name,
        "display_name": carer.display_name,
        "preferred_name": carer.preferred_name,
        "date_of_birth": carer.date_of_birth,
        "district": address.district if address else None,
        "postcode": address.postcode if address else None,
        "town": address.town if address else None,
        "team": carer.team,
        "worker": carer.worker,
        "next_review": latest_done.review_date if latest_done else None,
        "plan_state": state,
        "payment_pending": any(r.status in OPEN_STATUSES for r in requests),
        "sync_state": repo.store.meta(carer.id).sync_state,
        "safeguarding": carer.safeguarding_flag,
    }


def test_every_row_says_what_the_full_records_say(vault, settings) -> None:
    seed_demo(vault, settings, carers=60, seed=7, clock=CLOCK)
    service = CaseloadService(vault, settings, CLOCK)
    rows = service.link()
    repo = Repository(vault)
    carers = sorted(repo.all(Carer), key=lambda c: service.row(c.id).sort_key)
    assert [r.carer_id for r in rows] == [c.id for c in carers]
    assert [{k: getattr(r, k) for k in _expected(repo, settings, carers[0])} for r in rows] == [
        _expected(repo, settings, c) for c in carers
    ]
    assert {r.payment_pending for r in rows} == {True, False}


def test_rows_follow_the_records_an_operation_writes(vault, settings, clock) -> None:
    session = DeskSession(vault, settings, role=Role.OUTREACH_WORKER, drafts=vault, clock=clock)
    carer = add_carer(vault, "Ann", "Lee")
    session.caseload.link()
    assert session.caseload.row(carer.id).plan_state is PlanState.NONE
    session.run(lambda s: s.plans.create(full_plan(carer.id)))
    assert session.caseload.row(carer.id).plan_state is PlanState.IN_PLACE
    session.run(lambda s: s.carers.update(make.carer(id=carer.id, given_name="Anna")))
    assert [r.name for r in session.caseload.rows()] == ["Anna Lee"]
    assert session.caseload.search("anna") == [carer.id]
    # The carers and the caseload share one cache: one forget drops both.
    assert session.carers.caseload is session.caseload


def test_a_value_from_a_newer_vocabulary_leaves_the_carer_listed(vault, settings) -> None:
    carer = make.carer()
    payload = to_payload(carer)
    payload["address"]["district"] = "a_district_added_later"
    vault.put("carer", carer.id, payload, action="sync")
    (row,) = CaseloadService(vault, settings).rows()
    assert row.carer_id == carer.id and row.town == "Witney"


def test_forget_drops_everything_and_lock_means_locked(vault, settings) -> None:
    service = CaseloadService(vault, settings)
    add_carer(vault)
    service.link()
    assert service.holds_decrypted_data
    service.forget()
    assert not service.holds_decrypted_data
    service.rows()
    vault.lock()
    with pytest.raises(VaultLocked):
        service.rows()
    assert not service.holds_decrypted_data


class _WholePayloads:
    """The vault, listing whole payloads where it would list summaries."""

    def __init__(self, vault):
        self._vault = vault

    def __getattr__(self, name):
        return getattr(self._vault, name)

    def iter_kind_summaries(self, kind):
        return self._vault.iter_kind_states(kind)


def test_rows_from_summaries_say_what_rows_from_whole_payloads_say(vault, settings):
    """The summaries keep every field the caseload reads (carer_desk.records.summaries):
    every column, link and search answer is the same as from the whole records."""
    seed_demo(vault, settings, carers=24, seed=11, clock=CLOCK)
    kinds = {kind for kind in ("plan", "card", "payment_request", "conversation")}
    assert all(any(True for _ in vault.iter_kind(kind)) for kind in kinds)
    from_summaries = CaseloadService(vault, settings, CLOCK)
    from_payloads = CaseloadService(_WholePayloads(vault), settings, CLOCK)
    assert from_summaries.rows() == from_payloads.rows()
    rows = from_summaries.link()
    assert rows == from_payloads.link()
    assert {r.plan_state for r in rows} >= {PlanState.NONE, PlanState.INCOMPLETE}
    assert any(r.next_review for r in rows) and any(r.payment_pending for r in rows)
    _card_id, card = next(iter(vault.iter_kind("card")))
    for query in (rows[0].family_name[:3], rows[-1].postcode or "", card["number"], "01"):
        assert from_summaries.search(query) == from_payloads.search(query)
    carer_id = card["carer_id"]
    for kind in ("plan", "card", "conversation"):
        assert from_summaries.records_of(carer_id, kind) == from_payloads.records_of(carer_id, kind)
