"""The fixed days every builder dates its records by, unless told otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime

#: The day records are "made" on: a Monday in the past, so no date is in the future.
DAY = date(2025, 6, 2)
#: The day a carer was referred and agreed to be recorded, some months before.
SIGNED_UP = date(2025, 1, 6)
#: When a built carer record was first made.
CREATED_AT = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
#: The username builders use for the person doing the work.
WORKER = "sam"
#: The person a carer names first, as a contact and as an emergency contact.
DAUGHTER: dict[str, object] = dict(
    name="Mary Lee", phone="07700 900123", consent_given=True, consent_date=SIGNED_UP
)


def with_defaults(defaults: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    """The builder's defaults, with the caller's changes on top."""
    return {**defaults, **changes}
