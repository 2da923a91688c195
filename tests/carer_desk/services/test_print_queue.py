"""The print queue against a real vault: every card waiting, oldest first, with who it is
for; a card whose plan the line could not use is held back in the printing service's own
words; reading the queue is audited once, as a list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from carer_desk.clock import FixedClock
from carer_desk.config import CardSettings, Settings
from carer_desk.records.codec import to_payload
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.print_queue import PrintQueueService
from carer_desk.services.printing import PrintService
from tests.carer_desk.printing import samples

TODAY = date(2025, 6, 1)


@pytest.fixture
def store(tmp_path):
    vault = samples.open_vault(tmp_path)
    yield vault
    vault.close()


@pytest.fixture
def queue(store):
    settings = Settings(cards=CardSettings(emergency_line_phone="0345 050 8725"))
    clock = FixedClock(TODAY)
    printing = PrintService(store, settings, clock)
    caseload = CaseloadService(store, settings, clock)
    return PrintQueueService(store, settings, clock, printing=printing, caseload=caseload)


def test_the_queue_lists_every_waiting_card_with_its_carer(store, queue):
    world = samples.seed(store)
    rows = queue.rows()
    assert sorted(r.card_id for r in rows) == sorted(c.id for c in world.cards)
    assert [r.issued_on for r in rows] == sorted(r.issued_on for r in rows)
    names = {world.long_name.id: world.long_name.display_name, world.rtl.id: world.rtl.display_name}
    assert all(r.carer_name == names[r.carer_id] and r.held_back is None for r in rows)
    assert all(" " in r.number for r in rows)  # grouped, as printed and read out
    # Listed at once from the stored cards: the same cards and names, not checked yet.
    listed = queue.listed()
    assert [r.card_id for r in listed] == [r.card_id for r in rows]
    assert [r.carer_name for r in listed] == [r.carer_name for r in rows]
    assert not any(r.checked for r in listed) and all(r.checked for r in rows)
    views = [e for e in store.audit_entries() if e.details.get("list") == "print queue"]
    assert len(views) == 2 and views[0].details["cards"] == len(rows)


def test_a_card_whose_plan_lost_its_consent_is_held_back_and_says_why(store, queue):
    world = samples.seed(store)
    card = world.cards[0]
    plan = next(p for p in world.plans.values() if p.id == card.plan_id)
    withdrawn = replace(
        plan, consent_to_share_with_emergency_service=False, consent_withdrawn_on=TODAY
    )
    store.put("plan", plan.id, to_payload(withdrawn))
    held = {r.card_id: r.held_back for r in queue.rows()}
    assert held[card.id].startswith("consent to share the plan was withdrawn on")
    # The sheet of the queue leaves it out, naming the same reason.
    rendered = queue.printing.card_sheet(all_pending=True)
    assert card.id not in rendered.cards
    assert any(held[card.id] in reason for _, reason in rendered.held_back)
