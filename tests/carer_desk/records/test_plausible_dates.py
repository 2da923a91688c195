"""Dates a record may not hold after today: the quick answer (is there any?) and the
walk that names them always agree, for records and for their payloads."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from carer_desk.records.codec import to_payload
from carer_desk.records.plausible_dates import _any_after, _walk, dates_after_today_in
from tests.carer_desk.records.strategies import any_record


@settings(max_examples=150, deadline=None)
@given(any_record, st.dates(date(1990, 1, 1), date(2040, 1, 1)))
def test_the_quick_check_finds_a_late_date_exactly_when_the_walk_does(record, today) -> None:
    cls = type(record)
    for source in (record, to_payload(record)):
        named = list(_walk(cls, source, today, ""))
        assert _any_after(cls, source, today) == bool(named)
        assert dates_after_today_in(cls, source, today) == named  # type: ignore[arg-type]


def test_each_late_date_is_named_with_its_path() -> None:
    from carer_desk import factories as make
    from carer_desk.records.carer import Carer

    payload = to_payload(make.carer())
    payload["date_of_birth"] = "2030-05-01"
    payload["referral"]["date"] = "2031-01-02"
    named = dict(dates_after_today_in(Carer, payload, date(2026, 1, 1)))
    assert named["date_of_birth"] == "must be in the past"
    assert named["referral.date"] == "must not be in the future"
    assert dates_after_today_in(Carer, payload, date(2031, 1, 1)) == []  # a day's slack
