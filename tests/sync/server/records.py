"""Builders for real domain records as the JSON payloads a laptop pushes.

Each is the core's shared builder (carer_desk.factories) with the server tests' values,
through the real record classes and the real codec, so the server's validation sees
exactly what the app would send.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from carer_desk import factories as make
from carer_desk.ids import new_id
from carer_desk.records.calls import EmergencyCall
from carer_desk.records.carer import AccessibleFormat, Carer
from carer_desk.records.codec import from_payload, kind_of, to_payload
from carer_desk.records.conversation import (
    ConversationStatus,
    GuidedConversation,
)
from carer_desk.records.groups import Attendance, GroupMember, GroupSession, PeerGroup
from carer_desk.records.payment import PaymentPurpose, WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyCard, EmergencyPlan, HomeAccess
from carer_desk.records.teams import LocalityTeam
from carer_desk.rules.card_numbers import generate_card_number

JSONDict = dict[str, Any]


def payload(record: object) -> JSONDict:
    """The record as JSON types, exactly as it travels."""
    return json.loads(json.dumps(to_payload(record)))


def decode(kind: str, data: JSONDict) -> Any:
    return from_payload(kind, data)


def carer(
    team: str | None = "north",
    *,
    given: str = "Ann",
    family: str = "Smith",
    preferred: str | None = None,
    phone: str | None = "01295 000111",
    email: str | None = "ann@example.org",
) -> Carer:
    return make.carer(
        given_name=given,
        family_name=family,
        preferred_name=preferred,
        date_of_birth=date(1961, 3, 4),
        contact=make.contact_details(phone=phone, email=email),
        address=make.address(
            line1="1 High Street", town="Banbury", postcode="OX16 5AA", district=None
        ),
        accessible_formats=(AccessibleFormat.LARGE_PRINT,),
        gp_practice="Horsefair Surgery",
        referral=make.referral(date(2026, 1, 5)),
        consent=make.consent(date(2026, 1, 5)),
        team=LocalityTeam(team) if team else None,
        worker="worker-north" if team == "north" else None,
    )


def assessment(carer_id: str, completed_on: date | None = date(2026, 2, 1)) -> GuidedConversation:
    done = completed_on is not None
    return make.conversation(
        carer_id,
        started_on=date(2026, 1, 20),
        worker="worker-north",
        stage1=make.listen_and_connect(
            what_matters="Time for my garden", strengths=None, circle_of_support=None
        ),
        stage3=make.assessment(goals=(), actions=(), payment_recommended=True) if done else None,
        status=ConversationStatus.COMPLETE if done else ConversationStatus.DRAFT,
        completed_on=completed_on,
    )


def payment(
    carer_id: str,
    conversation_id: str,
    amount_pence: int = 15000,
    *,
    requested_on: date = date(2026, 3, 1),
    submitted: bool = True,
    requested_by: str = "worker-north",
    purpose: PaymentPurpose = PaymentPurpose.SHORT_BREAK,
) -> WellbeingPaymentRequest:
    request = make.payment_request(
        carer_id,
        conversation_id=conversation_id,
        amount_pence=amount_pence,
        purpose=purpose,
        wellbeing_outcome="A weekend away to rest",
        requested_by=requested_by,
        requested_on=requested_on,
    )
    return request.submit(requested_on) if submitted else request


def plan(carer_id: str) -> EmergencyPlan:
    """A plan that meets the emergency line's minimum (so the line reads it out)."""
    agreed = date(2026, 1, 5)
    return make.plan(
        carer_id,
        cared_for=(make.plan_person(name="Joe Smith"),),
        access=HomeAccess(who_holds_keys="Bob Smith, her son"),
        emergency_contacts=(
            make.emergency_contact(
                name="Bob Smith",
                role="Son",
                phone="07700 900111",
                holds_key=True,
                consent_date=agreed,
            ),
            make.emergency_contact(
                name="Cath Jones", role="Neighbour", phone="07700 900222", consent_date=agreed
            ),
        ),
        pets="A cat called Moss",
        consent_date=agreed,
        created_on=agreed,
    )


def card(plan_record: EmergencyPlan, number: str | None = None) -> EmergencyCard:
    return make.card(
        plan_record, number=number or generate_card_number(), issued_on=date(2026, 1, 6)
    )


def call(card_record: EmergencyCard, operator: str = "operator", **changes: Any) -> EmergencyCall:
    """A call to the line about the card's carer, taken by ``operator``."""
    return make.emergency_call(card_record, operator=operator, **changes)


def group(facilitator: str | None = "facilitator-one") -> PeerGroup:
    return make.group(name="Banbury carers' café", town=None, venue=None, facilitator=facilitator)


def session(group_id: str) -> GroupSession:
    return make.session(group_id, on=date(2026, 3, 10))


def attendance(session_id: str, carer_id: str) -> Attendance:
    return make.attendance(session_id, carer_id)


def member(group_id: str, carer_id: str) -> GroupMember:
    return make.member(group_id, carer_id, joined_on=date(2026, 2, 1))


def change(
    record: object,
    *,
    base_version: int | None = None,
    op: str = "upsert",
    change_id: str | None = None,
    priority: int = 100,
) -> JSONDict:
    """One push change (protocol ``Change`` as JSON) carrying this record."""
    return {
        "change_id": change_id or new_id(),
        "kind": kind_of(record),
        "record_id": record.id,  # type: ignore[attr-defined]
        "op": op,
        "base_version": base_version,
        "payload": payload(record) if op == "upsert" else None,
        "priority": priority,
    }


__all__ = ["replace"]
