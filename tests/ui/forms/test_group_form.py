"""The groups screens' forms without a window: a group, a session and a newcomer built
from what was typed, every problem named by its field (the core's checks included)."""

from __future__ import annotations

from datetime import date, time

import pytest

from carer_desk import factories as make
from carer_desk.records.groups import GroupKind, SessionFormat
from ui.forms.group_form import (
    blank_newcomer,
    group_from_values,
    group_values,
    newcomer_from_values,
    newcomer_problems,
    parse_time,
    session_from_values,
    session_values,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("10:30", time(10, 30)), ("9.05", time(9, 5)), ("1830", time(18, 30)), ("18", time(18, 0))],
)
def test_a_time_is_read_as_people_write_it(typed, expected):
    assert parse_time(typed) == expected
    assert parse_time("  ") is None


@pytest.mark.parametrize("typed", ["25:00", "10:75", "half ten", "123456"])
def test_a_time_that_is_not_one_says_how_to_write_it(typed):
    with pytest.raises(ValueError, match="10:30"):
        parse_time(typed)


def test_a_group_round_trips_and_a_facilitator_runs_what_they_add():
    group = make.group(kind=GroupKind.DEMENTIA, format=SessionFormat.HYBRID)
    again, problems = group_from_values(
        group_values(group, facilitator=None), existing=group, facilitator=None
    )
    assert problems == {} and again == group
    values = group_values(None, facilitator="fran") | {"name": "Thame carers", "facilitator": ""}
    mine, problems = group_from_values(values, existing=None, facilitator="fran")
    assert problems == {} and mine.facilitator == "fran"


def test_every_problem_of_a_group_is_named_by_its_field():
    values = group_values(None, facilitator=None) | {"online_link": "meet.example.org"}
    assert set(group_from_values(values, existing=None, facilitator=None)[1]) == {
        "name",
        "facilitator",
    }
    values |= {"name": "Thame carers", "facilitator": "fran"}
    group, problems = group_from_values(values, existing=None, facilitator=None)
    assert group is None and "https://" in problems["online_link"]


def test_a_session_needs_a_real_date_a_real_time_and_somewhere_to_meet():
    online_group = make.group(venue=None, format=SessionFormat.ONLINE, online_link=None)
    values = session_values(None, online_group, today=date(2026, 12, 2)) | {
        "on": "31/11/2026",
        "starts_at": "7pm",
    }
    plan, problems = session_from_values(values, online_group)
    assert plan is None
    assert set(problems) == {"on", "starts_at", "online_link"}
    values |= {"on": "1 December 2026", "starts_at": "19:00", "format": "hybrid"}
    values |= {"online_link": "https://meet.example.org/thame"}
    assert set(session_from_values(values, online_group)[1]) == {"venue"}
    values["venue"] = "Thame Town Hall"
    plan, problems = session_from_values(values, online_group)
    assert problems == {}
    assert (plan.on, plan.starts_at, plan.format) == (
        date(2026, 12, 1),
        time(19, 0),
        SessionFormat.HYBRID,
    )


def test_a_session_left_without_a_venue_takes_the_groups_usual_one():
    group = make.group(venue="Witney Village Hall")
    plan, problems = session_from_values(
        session_values(None, group, today=date(2026, 12, 2)), group
    )
    assert problems == {} and plan.venue is None
    session = make.session(group, on=date(2026, 12, 2))
    moved = plan.applied_to(session, group)
    assert (moved.id, moved.venue) == (session.id, "Witney Village Hall")


def test_a_newcomer_names_every_problem_and_leaves_consent_to_the_core():
    values = blank_newcomer() | {"given_name": "Nia", "phone": "ring me", "email": "nia@"}
    newcomer, problems = newcomer_from_values(values)
    assert newcomer is None and set(problems) == {"family_name", "phone", "email"}
    values |= {"family_name": "Jones", "phone": "07700 900555", "email": ""}
    newcomer, problems = newcomer_from_values(values)
    assert problems == {}
    assert (newcomer.consent_given, newcomer.phone, newcomer.email) == (False, "07700 900555", None)
    assert newcomer_problems([("contact.phone", "x"), ("", "y")]) == {
        "phone": "x",
        "given_name": "y",
    }
