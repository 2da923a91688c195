"""Emergency plans, their parts, the cards issued against them, and calls to the line."""

from __future__ import annotations

from typing import Any

from carer_desk.factories.defaults import CREATED_AT, DAUGHTER, DAY, SIGNED_UP, with_defaults
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.records.carer import Carer
from carer_desk.records.plan import (
    CardHolder,
    EmergencyCard,
    EmergencyContact,
    EmergencyPlan,
    HomeAccess,
    Medication,
    PlanPerson,
)
from carer_desk.rules.card_numbers import generate_card_number


def medication(**changes: Any) -> Medication:
    return Medication(
        **with_defaults({"name": "Donepezil", "where_kept": "Kitchen cupboard"}, changes)
    )


def plan_person(**changes: Any) -> PlanPerson:
    """A person cared for, with everything a complete plan needs about them."""
    defaults = dict(
        name="Joe Lee",
        conditions_and_care_needed="Dementia; needs help to wash and dress",
        medication=(medication(),),
        allergies="none known",
        gp="Windrush Surgery",
    )
    return PlanPerson(**with_defaults(defaults, changes))


def emergency_contact(**changes: Any) -> EmergencyContact:
    """The carer's daughter, who agreed to be rung first."""
    return EmergencyContact(**with_defaults({**DAUGHTER, "role": "daughter"}, changes))


def plan(carer: Carer | str, **changes: Any) -> EmergencyPlan:
    """A plan for ``carer`` (a carer or their id) with every section filled in, two
    consenting contacts and consent to share it with the line. Its review date is left
    for :meth:`PlanService.create` to set from the settings; give ``review_date=`` for a
    plan that counts as complete on its own."""
    carer_id = carer if isinstance(carer, str) else carer.id
    defaults = dict(
        carer_id=carer_id,
        cared_for=(plan_person(),),
        access=HomeAccess(who_holds_keys="Neighbour at number 3"),
        emergency_contacts=(
            emergency_contact(),
            emergency_contact(
                name="Tom Hill", role="neighbour", phone="01993 700700", holds_key=True
            ),
        ),
        consent_to_share_with_emergency_service=True,
        consent_date=SIGNED_UP,
        created_on=DAY,
    )
    return EmergencyPlan(**with_defaults(defaults, changes))


def card(
    plan: EmergencyPlan, holder: CardHolder = CardHolder.CARER, **changes: Any
) -> EmergencyCard:
    """A card waiting to be printed, for the carer or (``CARED_FOR``) the first person
    their plan cares for, with a fresh random number."""
    defaults = dict(
        plan_id=plan.id,
        carer_id=plan.carer_id,
        number=generate_card_number(),
        holder=holder,
        plan_person_id=plan.cared_for[0].id if holder == CardHolder.CARED_FOR else None,
        issued_on=plan.created_on,
    )
    return EmergencyCard(**with_defaults(defaults, changes))


def emergency_call(card: EmergencyCard, **changes: Any) -> EmergencyCall:
    """A call to the line about ``card``'s carer: a neighbour rang, the first contact was
    reached, no replacement care was needed."""
    defaults = dict(
        carer_id=card.carer_id,
        card_id=card.id,
        plan_id=card.plan_id,
        card_number=card.number,
        received_at=CREATED_AT,
        operator="line.operator",
        caller="A neighbour",
        line_status="ready",
        contacts_tried=(ContactAttempt(name=str(DAUGHTER["name"]), reached=True),),
        created_at=CREATED_AT,
    )
    return EmergencyCall(**with_defaults(defaults, changes))
