"""Working days: the KPI clock for "contacted within 5 working days" and its friends."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from carer_desk.errors import CarerDeskError, ValidationError
from carer_desk.rules.working_days import (
    BankHolidayCalendar,
    BankHolidayDataMissing,
    add_working_days,
    calendar_for,
    easter_sunday,
    is_working_day,
    regular_bank_holidays,
    within_working_days,
    working_days_between,
)

CAL = BankHolidayCalendar.default()
REPO = Path(__file__).resolve().parents[3]

# One-off changes by proclamation, listed here independently of the generator script.
MOVED_AWAY = {date(2012, 5, 28), date(2020, 5, 4), date(2022, 5, 30)}
ONE_OFF = {
    date(2011, 4, 29),  # royal wedding
    date(2012, 6, 4),  # spring bank holiday moved for the Diamond Jubilee
    date(2012, 6, 5),  # Diamond Jubilee
    date(2020, 5, 8),  # early May bank holiday moved to VE Day
    date(2022, 6, 2),  # spring bank holiday moved for the Platinum Jubilee
    date(2022, 6, 3),  # Platinum Jubilee
    date(2022, 9, 19),  # state funeral of Queen Elizabeth II
    date(2023, 5, 8),  # coronation of King Charles III
}

# Leaves room either side so a few hundred days of arithmetic stay inside the data.
in_coverage = st.dates(min_value=date(2011, 3, 1), max_value=date(2030, 8, 31))


# --- the data and the rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "good_friday", "easter_monday"),
    [
        (2019, date(2019, 4, 19), date(2019, 4, 22)),
        (2024, date(2024, 3, 29), date(2024, 4, 1)),
        (2025, date(2025, 4, 18), date(2025, 4, 21)),
        (2026, date(2026, 4, 3), date(2026, 4, 6)),
        (2027, date(2027, 3, 26), date(2027, 3, 29)),
        (2038, date(2038, 4, 23), date(2038, 4, 26)),
    ],
)
def test_easter_dates_are_right(year: int, good_friday: date, easter_monday: date) -> None:
    assert easter_sunday(year) == good_friday + timedelta(days=2)
    holidays = {h.date: h.title for h in regular_bank_holidays(year)}
    assert holidays[good_friday] == "Good Friday"
    assert holidays[easter_monday] == "Easter Monday"


def test_bundled_file_matches_the_rules_except_the_proclaimed_one_offs() -> None:
    expected: set[date] = set()
    for year in range(2010, 2031):
        expected |= {h.date for h in regular_bank_holidays(year)}
    expected = (expected - MOVED_AWAY) | ONE_OFF
    assert expected == CAL.dates


def test_bundled_file_covers_2018_to_2030_whole_years() -> None:
    assert CAL.covers_from is not None and CAL.covers_from <= date(2018, 1, 1)
    assert CAL.covers_to == date(2030, 12, 31)


def test_2022_matches_the_published_gov_uk_list() -> None:
    published_2022 = {
        date(2022, 1, 3),
        date(2022, 4, 15),
        date(2022, 4, 18),
        date(2022, 5, 2),
        date(2022, 6, 2),
        date(2022, 6, 3),
        date(2022, 8, 29),
        date(2022, 9, 19),
        date(2022, 12, 26),
        date(2022, 12, 27),
    }
    assert {d for d in CAL.dates if d.year == 2022} == published_2022


@pytest.mark.parametrize(
    "substitute",
    [
        date(2021, 12, 27),
        date(2021, 12, 28),
        date(2022, 12, 27),
        date(2027, 12, 27),
        date(2027, 12, 28),
        date(2026, 12, 28),
        date(2022, 1, 3),
        date(2028, 1, 3),
    ],
)
def test_weekend_christmas_and_new_year_get_substitute_days(substitute: date) -> None:
    assert substitute in CAL.dates
    assert not is_working_day(substitute, CAL)


def test_the_generator_script_reproduces_the_bundled_file(tmp_path: Path) -> None:
    from resources.bank_holidays import generate

    built = generate.build(2010, 2030)
    on_disk = json.loads((REPO / "resources/bank_holidays/england-and-wales.json").read_text())
    assert built == on_disk


# --- loading ------------------------------------------------------------------------


def test_a_gov_uk_download_can_be_used_as_the_file(tmp_path: Path) -> None:
    download = {
        "england-and-wales": {
            "division": "england-and-wales",
            "events": [
                {"title": "New Year’s Day", "date": "2031-01-01", "notes": "", "bunting": True},
                {"title": "Good Friday", "date": "2031-04-11", "notes": "", "bunting": False},
            ],
        },
        "scotland": {"division": "scotland", "events": []},
    }
    path = tmp_path / "bank-holidays.json"
    path.write_text(json.dumps(download))
    cal = BankHolidayCalendar.from_file(path)
    assert not is_working_day(date(2031, 4, 11), cal)
    assert is_working_day(date(2031, 4, 10), cal)
    assert cal.covers_to == date(2031, 12, 31)


def test_a_bare_list_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps([{"date": "2031-05-05", "title": "Early May"}]))
    assert not is_working_day(date(2031, 5, 5), BankHolidayCalendar.from_file(path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[not json", "not valid JSON"),
        ("2031-01-01\nnot a date\n", "line 2: 'not a date' is not a YYYY-MM-DD date"),
        ("# only a comment\n", "no list of bank holidays"),
        ("[]", "no list of bank holidays"),
        ('[{"date": "5 May 2031"}]', "not a YYYY-MM-DD date"),
        ('[{"title": "no date"}]', 'needs a "date"'),
    ],
)
def test_a_broken_file_gets_a_clear_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(content)
    with pytest.raises(ValidationError, match=expected):
        BankHolidayCalendar.from_file(path)


def test_a_plain_text_file_of_dates_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("# office list\n2031-01-01\n\n2031-04-11  # Good Friday\n")
    cal = BankHolidayCalendar.from_file(path)
    assert cal.dates == {date(2031, 1, 1), date(2031, 4, 11)}
    assert cal.covers_to == date(2031, 12, 31)
    assert not is_working_day(date(2031, 4, 11), cal)


def test_calendar_for_settings_uses_the_file_and_extra_days(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("2031-01-01\n")
    cal = calendar_for(str(path), [date(2031, 12, 24)])
    assert not is_working_day(date(2031, 12, 24), cal)
    assert calendar_for() == CAL
    assert not is_working_day(date(2025, 12, 24), calendar_for(None, [date(2025, 12, 24)]))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        BankHolidayCalendar.from_file(tmp_path / "nowhere.json")


def test_extra_closed_days_are_not_working_days() -> None:
    closure = date(2025, 12, 24)
    assert is_working_day(closure, CAL)
    assert not is_working_day(closure, CAL.with_extra([closure]))
    assert CAL.with_extra([closure]).covers_to == CAL.covers_to


# --- beyond the data ----------------------------------------------------------------


def test_a_date_beyond_the_data_is_refused_with_what_to_do() -> None:
    with pytest.raises(BankHolidayDataMissing) as caught:
        is_working_day(date(2031, 1, 2), CAL)
    message = str(caught.value)
    assert "bank holiday data ends 2030" in message.lower()
    assert "resources/bank_holidays/england-and-wales.json" in message
    assert "bank_holidays_file" in message
    assert isinstance(caught.value, CarerDeskError)


def test_counting_forward_past_the_end_of_the_data_is_refused() -> None:
    with pytest.raises(BankHolidayDataMissing):
        add_working_days(date(2030, 12, 24), 5, CAL)
    with pytest.raises(BankHolidayDataMissing, match="starts 2010"):
        working_days_between(date(2009, 12, 1), date(2010, 1, 5), CAL)


# --- the KPI convention -------------------------------------------------------------


def test_five_working_days_from_a_monday_is_the_next_monday() -> None:
    referral = date(2025, 3, 3)  # Monday
    deadline = add_working_days(referral, 5, CAL)
    assert deadline == date(2025, 3, 10)
    assert within_working_days(referral, deadline, 5, CAL)
    assert not within_working_days(referral, deadline + timedelta(days=1), 5, CAL)
    # Contact on the day of referral: within 0 working days.
    assert working_days_between(referral, referral, CAL) == 0


def test_a_weekend_contact_after_a_friday_deadline_is_late() -> None:
    referral = date(2025, 3, 7)  # Friday: 5 working days later is Friday 14 March
    assert within_working_days(referral, date(2025, 3, 14), 5, CAL)
    assert not within_working_days(referral, date(2025, 3, 15), 5, CAL)
    assert within_working_days(referral, date(2025, 3, 2), 5, CAL)  # before the referral


def test_easter_and_weekend_are_skipped() -> None:
    # Referred on Maundy Thursday 2026: Good Friday, the weekend and Easter Monday
    # do not count, so 2 working days later is Wednesday 8 April.
    assert add_working_days(date(2026, 4, 2), 2, CAL) == date(2026, 4, 8)
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 8), CAL) == 2


def test_christmas_2027_substitutes_are_skipped() -> None:
    # Friday 24 Dec 2027; 25-28 are weekend and substitutes; 1 Jan 2028 is a Saturday
    # and Monday 3 Jan is its substitute.
    assert add_working_days(date(2027, 12, 24), 1, CAL) == date(2027, 12, 29)
    assert add_working_days(date(2027, 12, 24), 4, CAL) == date(2028, 1, 4)


def test_a_weekend_referral_starts_counting_on_monday() -> None:
    saturday = date(2025, 3, 8)
    assert add_working_days(saturday, 1, CAL) == date(2025, 3, 10)
    assert add_working_days(saturday, 0, CAL) == saturday
    assert add_working_days(saturday, -1, CAL) == date(2025, 3, 7)
    assert working_days_between(saturday, date(2025, 3, 7), CAL) == -1


def test_state_funeral_and_coronation_are_not_working_days() -> None:
    assert not is_working_day(date(2022, 9, 19), CAL)
    assert not is_working_day(date(2023, 5, 8), CAL)
    assert not is_working_day(date(2020, 5, 8), CAL)
    assert is_working_day(date(2020, 5, 4), CAL)  # the early May holiday moved away
    assert is_working_day(date(2022, 5, 30), CAL)  # the spring holiday moved away


def test_a_year_has_the_expected_number_of_working_days() -> None:
    # 2025: 261 weekdays less 8 bank holidays on weekdays.
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31), CAL) == 253


# --- properties ---------------------------------------------------------------------


@given(in_coverage, st.integers(min_value=-40, max_value=40))
def test_add_then_count_round_trips(start: date, n: int) -> None:
    target = add_working_days(start, n, CAL)
    assert working_days_between(start, target, CAL) == n


@given(in_coverage, st.integers(min_value=1, max_value=40))
def test_a_result_is_never_a_weekend_or_holiday(start: date, n: int) -> None:
    for signed in (n, -n):
        result = add_working_days(start, signed, CAL)
        assert result.weekday() < 5
        assert result not in CAL.dates


@given(in_coverage, in_coverage)
def test_count_then_add_lands_on_the_end_when_it_is_a_working_day(a: date, b: date) -> None:
    assume(is_working_day(b, CAL))
    assert add_working_days(a, working_days_between(a, b, CAL), CAL) == b


@given(in_coverage, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_adding_more_days_never_lands_earlier(start: date, n: int, extra: int) -> None:
    assert add_working_days(start, n, CAL) <= add_working_days(start, n + extra, CAL)


@given(in_coverage, st.integers(min_value=-400, max_value=60))
def test_counting_matches_a_day_by_day_count(a: date, offset: int) -> None:
    b = a + timedelta(days=offset)

    def working(days: range, origin: date) -> int:
        return sum(1 for k in days if is_working_day(origin + timedelta(days=k), CAL))

    span = abs((b - a).days)
    # Forwards: after a, up to and including b. Backwards: from b up to but not a.
    expected = working(range(1, span + 1), a) if b >= a else -working(range(span), b)
    assert working_days_between(a, b, CAL) == expected


@given(in_coverage, st.integers(min_value=-30, max_value=60), st.integers(0, 20))
def test_within_agrees_with_the_deadline(start: date, offset: int, n: int) -> None:
    end = start + timedelta(days=offset)
    assert within_working_days(start, end, n, CAL) == (end <= add_working_days(start, n, CAL))


def test_a_calendar_with_no_holidays_counts_weekdays_only() -> None:
    plain = BankHolidayCalendar(frozenset())
    assert working_days_between(date(2100, 1, 1), date(2100, 1, 8), plain) == 5
