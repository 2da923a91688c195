"""The carer's record: validation messages, names, ages and age bands."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from carer_desk.config import AgeBandSettings, Settings
from carer_desk.errors import ValidationError
from carer_desk.records.carer import (
    AccessibleFormat,
    AgeBand,
    CaredForPerson,
    Carer,
    Condition,
    Consent,
    Contact,
    LawfulBasis,
    Referral,
    ReferralSource,
)
from carer_desk.records.contact_details import ContactDetails
from carer_desk.records.plausible_dates import build_checked

TODAY = date(2025, 6, 2)

REFERRAL = Referral(date=date(2025, 2, 3), source=ReferralSource.SELF)
CONSENT = Consent(given=True, date=date(2025, 2, 3))


def _base() -> dict[str, object]:
    return dict(given_name="Priya", family_name="Shah", referral=REFERRAL, consent=CONSENT)


def _carer(**fields: object) -> Carer:
    return Carer(**{**_base(), **fields})  # type: ignore[arg-type]


def _checked_carer(**fields: object) -> Carer:
    """Built as a service writes it: dates after today are refused with the rest."""
    return build_checked(Carer, TODAY, **{**_base(), **fields})


def test_a_newcomer_needs_only_a_name_referral_and_consent() -> None:
    carer = _carer()
    assert carer.address is None
    assert carer.contact == ContactDetails()
    assert carer.created_at.tzinfo is not None
    assert carer.display_name == "Priya Shah"


def test_display_name_uses_the_preferred_name() -> None:
    assert _carer(preferred_name="Pri").display_name == "Pri Shah"
    assert _carer(preferred_name="   ").preferred_name is None
    assert _carer(preferred_name="Pri").full_name == "Priya Shah"


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        _checked_carer(
            given_name=" ",
            family_name="",
            date_of_birth=TODAY + timedelta(days=30),
            hours_of_care_per_week=200,
            interpreter_needed=True,
            accessible_formats=(AccessibleFormat.BSL, AccessibleFormat.BSL),
            created_at=datetime(2025, 1, 1, 9, 0),
            id="not-an-id",
        )
    problems = dict(caught.value.problems)
    assert problems == {
        "id": "'not-an-id' is not a record id (32 hex digits from new_id())",
        "given_name": "must not be blank; enter the carer's first name",
        "family_name": "must not be blank; enter the carer's family name",
        "date_of_birth": "must be in the past",
        "language": "an interpreter is needed; record which language",
        "accessible_formats": "lists the same choice more than once",
        "hours_of_care_per_week": "200 is not a number of hours between 0 and 168 (a week)",
        "created_at": "must carry a time zone (timestamps are stored in UTC)",
    }


def test_referral_checks() -> None:
    with pytest.raises(ValidationError) as caught:
        build_checked(Referral, TODAY, date=TODAY + timedelta(days=10), source="gp")
    assert dict(caught.value.problems) == {
        "date": "must not be in the future",
        "source": "'gp' is not one of: self, gp_practice, operational_team, "
        "other_professional, hospital, childrens_services, mental_health_services, "
        "voluntary_organisation, peer_support_group, family_or_friend, other",
    }
    with pytest.raises(ValidationError, match="contacted_on: must not be before the referral"):
        Referral(
            date=date(2025, 2, 3), source=ReferralSource.HOSPITAL, contacted_on=date(2025, 2, 1)
        )


def test_consent_needs_a_date_and_matches_its_lawful_basis() -> None:
    with pytest.raises(ValidationError) as caught:
        Consent(given=True)
    assert caught.value.problems == (("date", "record the date consent was given"),)
    with pytest.raises(ValidationError, match="lawful basis is consent but consent is not given"):
        Consent(given=False)
    held = Consent(given=False, lawful_basis=LawfulBasis.PUBLIC_TASK, notes="  ")
    assert held.notes is None


def test_cared_for_people_and_contacts_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        CaredForPerson(name="", relationship="", conditions=("dementia",))  # type: ignore[arg-type]
    assert [p for p, _ in caught.value.problems] == ["name", "relationship", "conditions[0]"]
    with pytest.raises(ValidationError) as caught:
        Contact(name="Jo", relationship="daughter", consent_given=True, phone="12")
    assert [p for p, _ in caught.value.problems] == ["phone", "consent_date"]


def test_two_cared_for_people_cannot_share_an_id() -> None:
    person = CaredForPerson(name="Dev", relationship="son", conditions=(Condition.AUTISM,))
    with pytest.raises(ValidationError) as caught:
        _carer(cared_for=(person, replace(person, name="Ravi")))
    assert caught.value.problems[0][0] == "cared_for[1].id"


def test_age_on_counts_whole_years() -> None:
    carer = _carer(date_of_birth=date(2000, 3, 15))
    assert carer.age_on(date(2025, 3, 14)) == 24
    assert carer.age_on(date(2025, 3, 15)) == 25
    assert _carer().age_on(date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2008, 3, 16), AgeBand.YOUNG_CARER),  # 17 on the day
        (date(2007, 3, 15), AgeBand.YOUNG_ADULT_CARER),  # 18 today
        (date(1999, 3, 16), AgeBand.YOUNG_ADULT_CARER),  # 25
        (date(1999, 3, 15), AgeBand.ADULT),  # 26 today
    ],
)
def test_age_bands_use_the_default_settings(born: date, band: AgeBand) -> None:
    assert _carer(date_of_birth=born).age_band(Settings(), on=date(2025, 3, 15)) == band


def test_the_young_adult_band_can_end_at_24() -> None:
    carer = _carer(date_of_birth=date(2000, 3, 15))  # 25 on the day
    bands = AgeBandSettings(young_adult_carer_up_to=24)
    assert carer.age_band(Settings(), on=date(2025, 3, 15)) == AgeBand.YOUNG_ADULT_CARER
    assert carer.age_band(bands, on=date(2025, 3, 15)) == AgeBand.ADULT
    assert _carer().age_band(bands, on=date(2025, 3, 15)) is None


def test_children_services_refer_young_carers_at_seventeen_and_a_half() -> None:
    carer = _carer(date_of_birth=date(2008, 1, 10))
    settings = Settings()
    assert not carer.in_transition_to_adult_services(settings, on=date(2025, 7, 9))
    assert carer.in_transition_to_adult_services(settings, on=date(2025, 7, 10))  # 17½
    assert carer.in_transition_to_adult_services(settings, on=date(2026, 1, 9))
    assert not carer.in_transition_to_adult_services(settings, on=date(2026, 1, 10))  # 18


def test_timestamps_default_to_now_in_utc() -> None:
    before = datetime.now(UTC)
    assert before <= _carer().created_at <= datetime.now(UTC)
