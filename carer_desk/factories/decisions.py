"""Decisions a person took about two carer records that may be one person."""

from __future__ import annotations

from typing import Any

from carer_desk.factories.defaults import DAY, WORKER, with_defaults
from carer_desk.records.carer import Carer
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome, carer_pair


def duplicate_decision(a: Carer | str, b: Carer | str, **changes: Any) -> DuplicateDecision:
    """The two carers were looked at and kept apart (``decision=MERGED, kept_id=...``
    for a merge)."""
    ids = [x if isinstance(x, str) else x.id for x in (a, b)]
    defaults = dict(
        carer_ids=carer_pair(*ids),
        decision=DuplicateOutcome.KEEP_APART,
        decided_by=WORKER,
        decided_on=DAY,
    )
    return DuplicateDecision(**with_defaults(defaults, changes))
