"""A server that builds the line's answer itself (the issue-9 server sends ``line_status``,
the people, access and consented contacts): the laptop shows exactly that answer, so the
two never disagree; an answer it cannot read is refused whole, never half shown."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date

import pytest

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.rules.emergency_line import LineAnswer, answer_for_card
from sync.client.card_lookup import answer_from_wire
from sync.client.errors import ProtocolMismatch
from tests.carer_desk.services.service_support import full_plan

TODAY = date(2026, 3, 1)


def _wire(answer: LineAnswer) -> dict:
    """The answer as such a server sends it (lists for tuples, the status as a word)."""
    data = {f.name: getattr(answer, f.name) for f in fields(LineAnswer)}
    return {
        "number": answer.number,
        "number_display": answer.number_display,
        "status": "printed",
        "card_id": answer.card_id,
        "carer_id": answer.carer_id,
        "revoked": False,
        "message": answer.message,
        "what_to_do": answer.what_to_do,
        "line_status": str(answer.status),
        "missing": list(answer.missing),
        "current_card_number": None,
        "carer_display_name": answer.carer_name,
        "carer_phone": answer.carer_phone,
        "plan": {"id": answer.plan_id},
        "people": [
            {**asdict(p), "address": list(p.address), "medication": list(p.medication)}
            for p in answer.people
        ],
        "access": asdict(answer.access) if answer.access else None,
        "contacts": [asdict(c) for c in answer.contacts],
        **{
            k: data[k]
            for k in (
                "consent_withdrawn_on",
                "revoked_on",
                "review_overdue_since",
                "replacement_care_route",
                "replacement_care_hours",
                "exceptional_replacement_care_hours",
            )
        },
    }


def _answer() -> LineAnswer:
    carer = make.carer()
    plan = full_plan(carer.id)
    card = make.card(plan)
    return answer_for_card(card, plan, carer, Settings().emergency_line, today=TODAY)


def test_the_servers_own_answer_is_shown_as_it_is() -> None:
    answer = _answer()
    assert answer.contacts and answer.people  # a full answer, so the check means something
    assert answer_from_wire(_wire(answer), Settings(), today=TODAY) == answer


def test_an_answer_this_laptop_cannot_read_is_refused_whole() -> None:
    data = _wire(_answer())
    data["line_status"] = "read-it-all-out"
    with pytest.raises(ProtocolMismatch):
        answer_from_wire(data, Settings(), today=TODAY)
