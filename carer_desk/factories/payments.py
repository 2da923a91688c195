"""Wellbeing payment requests."""

from __future__ import annotations

from typing import Any

from carer_desk.factories.defaults import DAY, WORKER, with_defaults
from carer_desk.records.carer import Carer
from carer_desk.records.payment import PaymentPurpose, WellbeingPaymentRequest


def payment_request(carer: Carer | str, **changes: Any) -> WellbeingPaymentRequest:
    """A draft request of £150 for a short break for ``carer`` (a carer or their id).
    Later states come from the record's own steps: ``.submit(day)``, ``.approve(...)``."""
    defaults = dict(
        carer_id=carer if isinstance(carer, str) else carer.id,
        amount_pence=15_000,
        purpose=PaymentPurpose.SHORT_BREAK,
        wellbeing_outcome="A short break to rest and see friends.",
        requested_by=WORKER,
        requested_on=DAY,
    )
    return WellbeingPaymentRequest(**with_defaults(defaults, changes))
