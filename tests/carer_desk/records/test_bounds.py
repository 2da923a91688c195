"""Sane bounds on input: hidden characters, lengths, ages and dates, refused at every write
and at import with a clear message — and a stored record is never refused by them when it
is read back (issue 9)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.clock import FixedClock
from carer_desk.config import AgeBandSettings
from carer_desk.errors import ValidationError
from carer_desk.importer import ImportRefused, read_carers
from carer_desk.records.bounds import input_problems
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.services.repository import Repository

TODAY = date(2025, 6, 2)
BANDS = AgeBandSettings()


def _problems(record) -> dict[str, str]:
    return dict(input_problems(record, BANDS, TODAY))


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("Ann\u202eeeL", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("An\u200bn", "U+200B ZERO WIDTH SPACE"),
        ("\ufeffAnn", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("Ann\x07", "U+0007"),
        ("Ann\u2066x\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ],
)
def test_names_with_hidden_or_reversing_characters_are_refused(name: str, what: str) -> None:
    problem = _problems(make.carer(given_name=name))["given_name"]
    assert what in problem and "retype it without that character" in problem


def test_names_in_every_script_are_kept() -> None:
    for name in ("Zoë", "Ó'Brien-Wójcik", "Nguyễn", "عائشة", "می\u200cخواهم", "Ægir"):
        assert _problems(make.carer(given_name=name)) == {}, name


def test_lengths_are_bounded() -> None:
    assert (
        "is 101 characters long; the most is 100 for a name"
        in _problems(make.carer(family_name="x" * 101))["family_name"]
    )
    long_note = make.plan_person(daily_routine="word " * 4001)
    assert (
        "the most is 20,000"
        in _problems(make.plan(make.carer(), cared_for=(long_note,)))["cared_for[0].daily_routine"]
    )
    assert "must be on one line" in _problems(make.carer(given_name="Ann\nLee"))["given_name"]
    assert _problems(make.plan(make.carer(), pets="A cat.\nFeed at 6.")) == {}


def test_ages_outside_the_configured_bounds_are_refused() -> None:
    six = _problems(make.carer(date_of_birth=date(2019, 1, 1)))["date_of_birth"]
    assert "gives an age of 6; a carer is at least 8" in six
    old = _problems(make.carer(date_of_birth=date(1905, 1, 1)))["date_of_birth"]
    assert "gives an age of 120; check the year of birth" in old
    # An age of 176 is a year before 1900: said as such.
    assert (
        "1849-01-01 is before 1900"
        in _problems(make.carer(date_of_birth=date(1849, 1, 1)))["date_of_birth"]
    )
    baby = make.carer(cared_for=(make.cared_for_person(date_of_birth=date(2025, 1, 1)),))
    assert _problems(baby) == {}  # anyone may be cared for
    assert "before 1900" in _problems(make.carer(date_of_birth=date(1025, 5, 1)))["date_of_birth"]
    relaxed = AgeBandSettings(youngest_carer_age=5)
    assert input_problems(make.carer(date_of_birth=date(2019, 1, 1)), relaxed, TODAY) == []


def test_a_write_is_refused_but_a_stored_record_still_reads(vault) -> None:
    bad = make.carer(given_name="Ann\u202eeeL")
    with pytest.raises(ValidationError, match="RIGHT-TO-LEFT OVERRIDE"):
        Repository(vault, FixedClock(TODAY)).save(bad, action="create")
    assert list(vault.iter_kind("carer")) == []
    # Written before the bounds (or by another version), it is still readable.
    assert from_payload("carer", to_payload(bad)) == bad


def test_an_import_names_every_row_out_of_bounds(tmp_path: Path) -> None:
    rows = [
        "given_name,family_name,date_of_birth,referral_date,referral_source,consent_given,consent_date",
        "Ann,Lee,2019-01-01,2025-01-06,self,yes,2025-01-06",
        "Bob,Old,1849-01-01,2025-01-06,self,yes,2025-01-06",
        "Cy\u202e,Ray,1970-01-01,2025-01-06,self,yes,2025-01-06",
        f"{'D' * 99_000},Long,1970-01-01,2025-01-06,self,yes,2025-01-06",
        "Eve,Fine,1970-01-01,2025-01-06,self,yes,2025-01-06",
    ]
    path = tmp_path / "caseload.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        read_carers(path, clock=FixedClock(TODAY))
    problems = dict(caught.value.problems)
    assert "gives an age of 6" in problems["line 2"]
    assert "1849-01-01 is before 1900; check the year" in problems["line 3"]
    assert "RIGHT-TO-LEFT OVERRIDE" in problems["line 4"]
    assert "is 99,000 characters long" in problems["line 5"]
    assert "line 6" not in problems
