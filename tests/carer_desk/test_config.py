"""Settings: documented defaults, TOML overrides, and refusals that name key and file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from carer_desk.config import (
    PLACEHOLDER_EMERGENCY_LINE,
    AgeBandSettings,
    CardSettings,
    ConfigError,
    PaymentSettings,
    PlanSettings,
    Settings,
    VaultSettings,
    default_config_path,
    load_settings,
)
from carer_desk.errors import CarerDeskError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_services_current_figures() -> None:
    s = Settings()
    assert s.payments.cap_pence == 30_000
    assert s.payments.window_months == 12
    assert s.payments.annual_budget_pence == 52_525_000
    assert [share for _, share in s.payments.funder_split] == [50, 50]
    assert (s.payments.financial_year_start_month, s.payments.financial_year_start_day) == (4, 1)
    assert s.age_bands.young_carer_under == 18
    assert s.age_bands.young_adult_carer_up_to == 25
    assert s.age_bands.transition_referral_months == 210  # 17½ years
    assert (s.plans.min_contacts, s.plans.max_contacts) == (2, 4)
    assert s.cards.number_length == 12
    assert s.vault.idle_lock_minutes == 5
    assert s.templates.default_conversation_template == "guided-conversation"


def test_the_placeholder_emergency_line_is_flagged_until_configured() -> None:
    assert Settings().cards.emergency_line_phone == PLACEHOLDER_EMERGENCY_LINE
    assert not Settings().cards.emergency_line_configured
    assert CardSettings(emergency_line_phone="0345 123 4567").emergency_line_configured


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nowhere.toml") == Settings()


def test_the_default_location_is_the_users_config_folder() -> None:
    path = default_config_path()
    assert path.name == "config.toml"
    assert "carer-desk" in path.parts


def test_a_file_overrides_just_what_it_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[payments]
cap_pence = 25000
funder_split = [["Oxfordshire County Council", 60], ["Integrated Care Board", 40]]

[age_bands]
young_adult_carer_up_to = 24

[working_days]
extra_holidays = [2025-12-24, "2025-12-31"]
bank_holidays_file = "holidays.json"

[cards]
emergency_line_phone = "0345 123 4567"
""",
    )
    s = load_settings(path)
    assert s.payments.cap_pence == 25_000
    assert s.payments.window_months == 12  # untouched
    assert s.payments.funder_split == (
        ("Oxfordshire County Council", 60),
        ("Integrated Care Board", 40),
    )
    assert s.age_bands.young_adult_carer_up_to == 24
    assert s.working_days.extra_holidays == (date(2025, 12, 24), date(2025, 12, 31))
    # Relative paths are taken from the settings file's folder, not the working directory.
    assert s.working_days.bank_holidays_file == str(tmp_path / "holidays.json")
    assert s.cards.emergency_line_configured
    assert s.vault == VaultSettings()


def test_unknown_keys_are_refused_naming_key_and_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[payments]\ncap_pounds = 300\n\n[printer]\nname = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert str(path) in message
    assert "payments.cap_pounds: is not a setting" in message
    assert "cap_pence" in message  # lists the settings that do exist
    assert "printer: is not a setting" in message
    assert isinstance(caught.value, CarerDeskError)


@pytest.mark.parametrize(
    ("toml", "path", "message"),
    [
        (
            '[payments]\ncap_pence = "300"',
            "payments.cap_pence",
            "must be a whole number, not '300'",
        ),
        (
            "[payments]\ncap_pence = 300.0",
            "payments.cap_pence",
            "must be a whole number, not 300.0",
        ),
        ("[payments]\ncap_pence = true", "payments.cap_pence", "must be a whole number, not True"),
        (
            "[cards]\nemergency_line_phone = 8000",
            "cards.emergency_line_phone",
            "must be text in quotes, not 8000",
        ),
        (
            "[working_days]\nextra_holidays = ['Christmas Eve']",
            "working_days.extra_holidays[0]",
            "must be a date like 2025-12-24, not 'Christmas Eve'",
        ),
        (
            "[working_days]\nextra_holidays = 2025-12-24",
            "working_days.extra_holidays",
            "must be a list in square brackets",
        ),
        ("payments = 3", "payments", "must be a table of settings"),
        (
            "[payments]\nfunder_split = [['Council', 50, 1]]",
            "payments.funder_split[0]",
            "must have 2 items, not 3",
        ),
    ],
)
def test_wrong_types_are_refused_naming_the_key(
    tmp_path: Path, toml: str, path: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, toml))
    assert (path, message) in caught.value.problems


@pytest.mark.parametrize(
    ("toml", "path", "fragment"),
    [
        ("[payments]\ncap_pence = 0", "payments.cap_pence", "at least 1"),
        (
            "[payments]\nfunder_split = [['A', 50], ['B', 40]]",
            "payments.funder_split",
            "add up to 100, not 90",
        ),
        (
            "[payments]\nfinancial_year_start_month = 13",
            "payments.financial_year_start_month",
            "from 1 to 12",
        ),
        (
            "[payments]\nfinancial_year_start_month = 2\nfinancial_year_start_day = 29",
            "payments.financial_year_start_day",
            "not a day of that month",
        ),
        (
            "[age_bands]\nyoung_adult_carer_up_to = 16",
            "age_bands.young_adult_carer_up_to",
            "at least young_carer_under",
        ),
        ("[plans]\nmax_contacts = 6", "plans.max_contacts", "cannot be more than 4"),
        (
            "[plans]\nmin_contacts = 4\nmax_contacts = 3",
            "plans.min_contacts",
            "must not exceed max_contacts",
        ),
        ("[vault]\nargon2_memory_kib = 1024", "vault.argon2_memory_kib", "at least 19456"),
    ],
)
def test_values_that_make_no_sense_are_refused(
    tmp_path: Path, toml: str, path: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, toml))
    problems = dict(caught.value.problems)
    assert fragment in problems[path]


def test_broken_toml_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(_write(tmp_path, "[payments\ncap_pence = 1"))


def test_settings_built_in_code_are_checked_too() -> None:
    from carer_desk.errors import ValidationError

    with pytest.raises(ValidationError):
        PaymentSettings(cap_pence=-1)
    with pytest.raises(ValidationError):
        AgeBandSettings(transition_referral_months=300)
    with pytest.raises(ValidationError):
        PlanSettings(min_contacts=0)


def test_the_shipped_example_file_states_exactly_the_defaults() -> None:
    """resources/config/defaults.toml is what operators copy from; it must not drift."""
    from importlib import resources

    example = Path(str(resources.files("resources").joinpath("config", "defaults.toml")))
    assert load_settings(example) == Settings()
