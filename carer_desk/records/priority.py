"""Which records go to the office first: read from the stored payload, so the laptop gives
a record the same outbox priority wherever its change is queued (an edit saved by a
service, a merge of duplicates, or a record sent again after the server was restored
from a backup, when only the payload is at hand)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carer_desk.ports import Priority


def priority_of_payload(payload: Mapping[str, Any] | None) -> int:
    """Safeguarding first: a carer flagged for safeguarding, or a conversation whose
    stage 2 raised a safeguarding concern; everything else (and a deletion, ``None``) at
    the normal priority."""
    if not payload:
        return Priority.NORMAL
    if payload.get("safeguarding_flag") is True:
        return Priority.SAFEGUARDING
    stage2 = payload.get("stage2")
    if isinstance(stage2, Mapping) and stage2.get("safeguarding_concern") is True:
        return Priority.SAFEGUARDING
    return Priority.NORMAL
