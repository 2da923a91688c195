"""The emergency plan's form without a window: a plan round-trips through the form, every
problem is named by its field path, medicines are read line by line, and what the plan
still needs is the core's own answer."""

from __future__ import annotations

from datetime import date

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.factories import plans
from ui.forms.plan_form import (
    CONTACTS_KEY,
    blank_values,
    completeness,
    contact_line,
    links_of,
    plan_from_values,
    values_of,
)

TODAY = date(2026, 12, 2)


def test_a_plan_round_trips_through_the_form_contacts_in_call_order():
    plan = plans.plan("a" * 32, review_date=date(2027, 6, 1), card_contact_on_back=1)
    values = values_of(plan)
    again, problems = plan_from_values(values, carer_id=plan.carer_id, existing=plan, today=TODAY)
    assert problems == {} and again == plan
    values[CONTACTS_KEY].reverse()  # the second contact is now rung first
    moved, _ = plan_from_values(values, carer_id=plan.carer_id, existing=plan, today=TODAY)
    assert [c.name for c in moved.emergency_contacts] == ["Tom Hill", "Mary Lee"]
    assert moved.card_back_contact.name == "Tom Hill"  # the choice follows its contact


def test_every_problem_is_named_by_its_field_and_nothing_is_built():
    values = values_of(plans.plan("a" * 32))
    values["cared_for"][0]["medication"] = "Donepezil; 10 mg\n; 5 mg; 8am"
    values["cared_for"][0]["address.line1"] = "4 Mill Lane"  # no town, no postcode
    values[CONTACTS_KEY][1]["phone"] = ""
    values["review_date"] = "31/02/2027"
    plan, problems = plan_from_values(values, carer_id="a" * 32, existing=None, today=TODAY)
    assert plan is None
    assert "line 2 has no medicine's name" in problems["cared_for.0.medication"]
    assert {"cared_for.0.address.town", "cared_for.0.address.postcode"} <= set(problems)
    assert f"{CONTACTS_KEY}.1.phone" in problems
    assert "no such date" in problems["review_date"]


def test_what_is_missing_is_the_cores_answer_even_half_typed():
    carer = make.carer()
    blank = blank_values(carer)
    assert [p["name"] for p in blank["cared_for"]] == [p.name for p in carer.cared_for]
    assert set(links_of(carer, blank).values()) == {p.id for p in carer.cared_for}
    found = completeness(blank, carer=carer, existing=None, settings=Settings(), today=TODAY)
    assert not found.complete and not found.card_ready
    assert "consent to share the plan with the emergency line" in found.missing
    full = values_of(plans.plan(carer))
    done = completeness(full, carer=carer, existing=None, settings=Settings(), today=TODAY)
    assert done.complete and done.headline().startswith("Complete")
    full["review_date"] = "soon"  # unreadable: counted, never a traceback
    half = completeness(full, carer=carer, existing=None, settings=Settings(), today=TODAY)
    assert half.to_correct == 1 and "to correct" in half.headline()


def test_a_contact_reads_as_the_line_will_ring_them():
    line = contact_line(2, {"name": "Tom Hill", "role": "neighbour", "phone": "01993 700700"})
    assert line == "2. Tom Hill (neighbour, 01993 700700) — not agreed yet"
