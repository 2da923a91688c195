"""The profile form's rules, without a window: every field round-trips, and every problem
is named by the field it concerns."""

from __future__ import annotations

import random
from datetime import date

import pytest

from carer_desk.clock import FixedClock
from carer_desk.config import Settings
from carer_desk.demo import DemoMaker
from ui.forms.carer_form import blank_values, carer_from_values, values_of
from ui.forms.fields import FieldSpec, Kind, Problems, parse_date, parse_value


@pytest.mark.parametrize("seed", range(8))
def test_a_stored_carer_round_trips_through_the_form(seed: int):
    carer = DemoMaker(Settings(), random.Random(seed), FixedClock(date(2026, 11, 1))).carer()
    again, problems = carer_from_values(values_of(carer), existing=carer)
    assert problems == {}
    assert again == carer


def test_every_problem_is_named_by_its_field():
    values = blank_values(today_text="1 December 2026", worker="asha", team="north")
    values.update(
        {
            "given_name": "",
            "family_name": "Wilson",
            "contact.phone": "call me maybe",
            "date_of_birth": "31/2/1970",
            "hours_of_care_per_week": "lots",
            "address.town": "Banbury",  # an address started but not finished
            "cared_for": [{"name": "", "relationship": "husband"}],
            "contacts": [
                {"name": "Jo", "relationship": "daughter", "consent_given": True, "phone": "x"}
            ],
        }
    )
    carer, problems = carer_from_values(values)
    assert carer is None
    assert set(problems) >= {
        "given_name",
        "contact.phone",
        "date_of_birth",
        "hours_of_care_per_week",
        "address.line1",
        "address.postcode",
        "cared_for.0.name",
        "contacts.0.phone",
    }
    assert "no such date" in problems["date_of_birth"]


def test_a_newcomer_needs_only_names_and_today():
    values = blank_values(today_text="1 December 2026", worker="asha", team="north")
    values.update({"given_name": "Mary", "family_name": "Jones", "consent.given": True})
    carer, problems = carer_from_values(values)
    assert problems == {}
    assert carer is not None and carer.referral.date == date(2026, 12, 1)
    assert str(carer.team) == "north" and carer.worker == "asha"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3/3/1961", date(1961, 3, 3)),
        ("03-03-1961", date(1961, 3, 3)),
        ("3 March 1961", date(1961, 3, 3)),
        ("3 mar 1961", date(1961, 3, 3)),
        ("1961-03-03", date(1961, 3, 3)),
        ("", None),
    ],
)
def test_dates_are_read_as_people_write_them(text: str, day: date | None):
    assert parse_date(text) == day


def test_a_date_that_cannot_be_read_says_how_to_write_it():
    problems = Problems()
    parse_value(FieldSpec("d", "Date", Kind.DATE), "next tuesday", problems)
    assert "3/3/1961" in problems.items["d"]
