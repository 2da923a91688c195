"""Builders of valid records, one per kind and part: the tests, the benchmarks and the
demo data (``seed-demo``) all make records here, so what a valid record looks like is
written down once.

Every builder gives a complete, valid record with plain, fixed defaults (dated in the
past, so a record is never refused as "in the future"), and takes any field as a keyword
to change it::

    from carer_desk import factories as make

    carer = make.carer(given_name="Zoë", address=make.address(town="Didcot"))
    plan = make.plan(carer, emergency_contacts=(make.emergency_contact(),))
    card = make.card(plan)

Why builders and not a factory library: records are frozen dataclasses that check
themselves, with rules across fields (consent given needs its date, a printed card its
print date), so generated values would mostly be refused; the demo's variety comes from
its own name lists passed in as keywords. A builder is one call to the record's own
constructor, so nothing here can make a record the record itself would refuse.
"""

from __future__ import annotations

from carer_desk.factories.conversations import (
    action,
    assessment,
    completed_conversation,
    conversation,
    goal,
    listen_and_connect,
    outcomes,
    urgent_support,
    wellbeing_check,
)
from carer_desk.factories.decisions import duplicate_decision
from carer_desk.factories.defaults import CREATED_AT, DAY, SIGNED_UP
from carer_desk.factories.groups import attendance, group, member, session
from carer_desk.factories.payments import payment_request
from carer_desk.factories.people import (
    address,
    cared_for_person,
    carer,
    consent,
    contact,
    contact_details,
    referral,
)
from carer_desk.factories.plans import (
    card,
    emergency_call,
    emergency_contact,
    medication,
    plan,
    plan_person,
)

__all__ = [
    "CREATED_AT",
    "DAY",
    "SIGNED_UP",
    "action",
    "address",
    "assessment",
    "attendance",
    "card",
    "cared_for_person",
    "carer",
    "completed_conversation",
    "consent",
    "contact",
    "contact_details",
    "conversation",
    "duplicate_decision",
    "emergency_call",
    "emergency_contact",
    "goal",
    "group",
    "listen_and_connect",
    "medication",
    "member",
    "outcomes",
    "payment_request",
    "plan",
    "plan_person",
    "referral",
    "session",
    "urgent_support",
    "wellbeing_check",
]
