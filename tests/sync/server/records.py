"""Builders for real domain records as the JSON payloads a laptop pushes.

Each goes through the real record classes and the real codec, so the server's validation
sees exactly what the app would send.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from carer_desk.records.carer import AccessibleFormat, Carer, Consent, Referral, ReferralSource
from carer_desk.records.codec import from_payload, kind_of, to_payload
from carer_desk.records.common import Address, ContactDetails, LocalityTeam, new_id
from carer_desk.records.conversation import (
    BuildAGoodLife,
    ConversationStatus,
    GuidedConversation,
    ListenAndConnect,
)
from carer_desk.records.groups import Attendance, GroupMember, GroupSession, PeerGroup
from carer_desk.records.payment import PaymentPurpose, WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyCard, EmergencyContact, EmergencyPlan
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
    return Carer(
        id=new_id(),
        given_name=given,
        family_name=family,
        preferred_name=preferred,
        date_of_birth=date(1961, 3, 4),
        contact=ContactDetails(phone=phone, email=email),
        address=Address(line1="1 High Street", town="Banbury", postcode="OX16 5AA"),
        accessible_formats=(AccessibleFormat.LARGE_PRINT,),
        gp_practice="Horsefair Surgery",
        referral=Referral(date=date(2026, 1, 5), source=ReferralSource.SELF),
        consent=Consent(given=True, date=date(2026, 1, 5)),
        team=LocalityTeam(team) if team else None,
        worker="worker-north" if team == "north" else None,
    )


def assessment(carer_id: str, completed_on: date | None = date(2026, 2, 1)) -> GuidedConversation:
    done = completed_on is not None
    return GuidedConversation(
        id=new_id(),
        carer_id=carer_id,
        template_id="guided-conversation",
        template_version=1,
        started_on=date(2026, 1, 20),
        worker="worker-north",
        stage1=ListenAndConnect(what_matters="Time for my garden"),
        stage3=BuildAGoodLife(payment_recommended=True) if done else None,
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
    request = WellbeingPaymentRequest(
        id=new_id(),
        carer_id=carer_id,
        conversation_id=conversation_id,
        amount_pence=amount_pence,
        purpose=purpose,
        wellbeing_outcome="A weekend away to rest",
        requested_by=requested_by,
        requested_on=requested_on,
    )
    return request.submit(requested_on) if submitted else request


def plan(carer_id: str) -> EmergencyPlan:
    return EmergencyPlan(
        id=new_id(),
        carer_id=carer_id,
        emergency_contacts=(
            EmergencyContact(
                id=new_id(),
                name="Bob Smith",
                role="Son",
                phone="07700 900111",
                holds_key=True,
                consent_given=True,
                consent_date=date(2026, 1, 5),
            ),
            EmergencyContact(
                id=new_id(),
                name="Cath Jones",
                role="Neighbour",
                phone="07700 900222",
                consent_given=True,
                consent_date=date(2026, 1, 5),
            ),
        ),
        pets="A cat called Moss",
        consent_to_share_with_emergency_service=True,
        consent_date=date(2026, 1, 5),
        created_on=date(2026, 1, 5),
    )


def card(plan_record: EmergencyPlan, number: str | None = None) -> EmergencyCard:
    return EmergencyCard(
        id=new_id(),
        plan_id=plan_record.id,
        carer_id=plan_record.carer_id,
        number=number or generate_card_number(),
        issued_on=date(2026, 1, 6),
    )


def group(facilitator: str | None = "facilitator-one") -> PeerGroup:
    return PeerGroup(id=new_id(), name="Banbury carers' café", facilitator=facilitator)


def session(group_id: str) -> GroupSession:
    return GroupSession(id=new_id(), group_id=group_id, on=date(2026, 3, 10))


def attendance(session_id: str, carer_id: str) -> Attendance:
    return Attendance(id=new_id(), session_id=session_id, carer_id=carer_id)


def member(group_id: str, carer_id: str) -> GroupMember:
    return GroupMember(
        id=new_id(), group_id=group_id, carer_id=carer_id, joined_on=date(2026, 2, 1)
    )


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
