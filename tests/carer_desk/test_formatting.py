"""Money, dates and names as people read them: one way, everywhere."""

from __future__ import annotations

from datetime import date

import pytest

from carer_desk import formatting
from carer_desk.formatting import (
    display_name,
    display_name_of,
    first_name,
    full_name,
    iso_date,
    long_date,
    money,
)


def test_pounds_are_formatted_from_integer_pence() -> None:
    assert money(30000) == "£300.00"
    assert money(5) == "£0.05"
    assert money(123456789) == "£1,234,567.89"
    assert money(-150) == "-£1.50"
    assert money(123456) == "£1,234.56"
    assert money(123450) == "£1,234.50"


@pytest.mark.parametrize("bad", [2.5, True, "300"])
def test_money_is_only_ever_integer_pence(bad: object) -> None:
    with pytest.raises(TypeError):
        money(bad)  # type: ignore[arg-type]


def test_dates_in_prose_and_for_sorting() -> None:
    assert long_date(date(2026, 3, 3)) == "3 March 2026"
    assert long_date(date(2027, 12, 25)) == "25 December 2027"
    assert iso_date(date(2026, 3, 3)) == "2026-03-03"


def test_a_carer_is_greeted_by_their_preferred_name() -> None:
    assert display_name("Margaret", "Wilson", "Peggy") == "Peggy Wilson"
    assert display_name("Margaret", "Wilson") == "Margaret Wilson"
    assert full_name("Margaret", "Wilson") == "Margaret Wilson"
    assert first_name("Mary Ann") == "Mary"
    assert first_name("Mary Ann", "Polly") == "Polly"


def test_the_display_name_of_a_stored_payload_matches_the_record() -> None:
    from carer_desk import factories as make
    from carer_desk.records.codec import to_payload

    for carer in (make.carer(), make.carer(given_name="Margaret", preferred_name="Peggy")):
        assert display_name_of(to_payload(carer)) == carer.display_name
    assert display_name_of({}) == "" and display_name_of(None) == ""


def test_no_other_module_formats_money_dates_or_names_its_own_way() -> None:
    """The copies this module replaced stay gone (grep printing/, cli/, services/...)."""
    import pathlib

    root = pathlib.Path(formatting.__file__).parent
    patterns = {
        "money": "divmod(abs(",
        "prose dates": "%B %Y",
        "display names": "preferred_name or",
    }
    for path in root.rglob("*.py"):
        if path.name == "formatting.py":
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in patterns.items():
            assert pattern not in text, f"{path.relative_to(root)} formats {what} itself"
