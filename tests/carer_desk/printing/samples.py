"""Realistic records for printing tests: hard names, many medicines, right-to-left text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from carer_desk import factories as make
from carer_desk.records.carer import (
    Carer,
    Condition,
    ReferralSource,
)
from carer_desk.records.conversation import (
    ActionTag,
    GuidedConversation,
)
from carer_desk.records.groups import GroupMember, GroupSession, PeerGroup
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.records.plan import (
    CardHolder,
    EmergencyCard,
    EmergencyContact,
    EmergencyPlan,
    HomeAccess,
    LegalArrangements,
)

LONG_NAME_GIVEN = "Zoë Ó'Brien-Wójcik Bartholomew-Fitzwilliam Montgomery-Smythe"
LONG_NAME_FAMILY = "de la Rochefoucauld-Habsburg-Lothringen y Nguyễn"
RTL_NAME = "عائشة"
HARD_NAMES = ("Zoë Ó'Brien-Wójcik", "Ægir Þórsson", "Nguyễn Thị Minh Khai", "عائشة خان")
PLACEHOLDER_WORDS = ("None", "null", "[]", "()")


def carer(given: str = "Zoë", family: str = "Ó'Brien-Wójcik", **extra) -> Carer:
    fields = dict(
        given_name=given,
        family_name=family,
        contact=make.contact_details(mobile="07700 900123"),
        address=make.address(
            line1="Flat 3, The Old Forge, 27 Long Wittenham Road",
            line2="North Moreton",
            town="Didcot",
            postcode="ox11 9ax",
            district=None,
        ),
        referral=make.referral(date(2025, 3, 4), source=ReferralSource.GP_PRACTICE),
        consent=make.consent(date(2025, 3, 4)),
        cared_for=(make.cared_for_person(name="Ægir Þórsson", conditions=(Condition.DEMENTIA,)),),
    )
    fields.update(extra)
    return make.carer(**fields)


def contacts() -> tuple[EmergencyContact, ...]:
    return (
        make.emergency_contact(
            name=f"{RTL_NAME} خان",
            phone="07700 900456",
            availability="any time",
            holds_key=True,
            consent_date=date(2025, 4, 1),
        ),
        make.emergency_contact(
            name="Nguyễn Văn An",
            role="neighbour at number 29",
            phone="01865 654321",
            availability="weekdays after 5pm",
            consent_date=date(2025, 4, 1),
        ),
    )


def plan_for(
    c: Carer,
    *,
    medicines: int = 3,
    first_name_on_back: bool = True,
    contact_on_back: int | None = 0,
) -> EmergencyPlan:
    meds = tuple(
        make.medication(
            name=f"Medicine {i + 1} (Donepezil hydrochloride {5 * (i + 1)} mg)",
            dose=f"{i % 3 + 1} tablet{'s' if i % 3 else ''}",
            when="8am and 6pm with food" if i % 2 else "at bedtime",
            where_kept="blue dosette box on the kitchen windowsill, behind the kettle",
        )
        for i in range(medicines)
    )
    return make.plan(
        c,
        cared_for=(
            make.plan_person(
                name="Ægir Þórsson",
                conditions_and_care_needed="Moderate dementia. Needs help to wash, dress and eat. "
                "Must not be left alone for more than an hour; may try to go out at night.",
                medication=meds,
                allergies="Penicillin (rash and swelling). No nuts.",
                gp="Didcot Health Centre, 01235 000000",
                pharmacy="Boots, Broadway, Didcot",
                daily_routine="Up at 7. Breakfast at 8: porridge. Walk after lunch. Bed at 9.",
                likes="Radio 3, the garden, tea with two sugars",
                dislikes="Loud television, being rushed",
                mobility_aids="Walking frame upstairs; wheelchair for longer trips",
                communication_needs="Hard of hearing on the left: speak slowly on his right.",
                behaviour_that_may_worry_a_stranger="May shout when confused in the evening; "
                "sit with him and play music.",
            ),
        ),
        access=HomeAccess(
            key_safe=True,
            key_safe_code_held_by="the emergency line",
            who_holds_keys=f"{RTL_NAME} خان (daughter)",
            how_to_get_in="Side gate, then the back door.",
        ),
        pets="A cat, Mitten: food under the sink.",
        alarms_and_assistive_technology="Pendant alarm; falls sensor in the bedroom.",
        services_in_place="Home care visits at 8am and 7pm (Example Care Ltd).",
        legal=LegalArrangements(power_of_attorney="Health and welfare LPA: daughter"),
        emergency_contacts=contacts(),
        longer_term_plan="Move to live with daughter in Abingdon.",
        consent_to_share_with_emergency_service=True,
        consent_date=date(2025, 4, 1),
        review_date=date(2026, 10, 1),
        created_on=date(2025, 4, 1),
        card_first_name_on_back=first_name_on_back,
        card_contact_on_back=contact_on_back,
    )


def card_for(plan: EmergencyPlan, holder: CardHolder = CardHolder.CARER) -> EmergencyCard:
    return make.card(plan, holder, issued_on=date(2025, 4, 2))


def conversation_for(c: Carer) -> GuidedConversation:
    return make.conversation(
        c,
        started_on=date(2025, 5, 1),
        stage1=make.listen_and_connect(
            what_matters="Keeping Ægir at home. Singing in the choir again.",
            strengths="Close to my daughter. Good neighbours.",
            circle_of_support="Daughter, neighbour, the church choir",
        ),
        stage2=make.urgent_support(
            what_must_change_now="Sleep: up three times a night.",
            safeguarding_concern=True,
            safeguarding_details="SECRET-SAFEGUARDING-NOTE",
        ),
        stage3=make.assessment(
            goals=(make.goal(description="One evening a week for choir practice"),),
            actions=(
                make.action(
                    description="Ask about a sitting service on Tuesdays",
                    tag=ActionTag.SUPPORT_NOW,
                    owner="Sam (Carers Oxfordshire)",
                    due=date(2025, 6, 1),
                ),
            ),
        ),
        review_date=date(2025, 11, 1),
    )


def declined_request(c: Carer) -> WellbeingPaymentRequest:
    return make.payment_request(
        c,
        amount_pence=30000,
        wellbeing_outcome="A weekend away to rest",
        requested_on=date(2025, 5, 2),
        status=PaymentStatus.DECLINED,
        submitted_on=date(2025, 5, 2),
        decided_by="manager",
        decided_on=date(2025, 5, 9),
        decline_reason="You had a payment of £300.00 on 4 March 2025, within the last 12 months.",
    )


def group_with_session(carers: list[Carer]) -> tuple[PeerGroup, GroupSession, list[GroupMember]]:
    group = make.group(
        name="Didcot dementia carers' café", town="Didcot", venue="Cornerstone, Didcot"
    )
    session = make.session(group, on=date(2025, 6, 3), starts_at=time(10, 30))
    members = [make.member(group, c, joined_on=date(2025, 1, 1)) for c in carers]
    return group, session, members


# --- a real vault holding a small world ---------------------------------------------------


@dataclass(frozen=True)
class World:
    long_name: Carer
    rtl: Carer
    plain: Carer
    plans: dict[str, EmergencyPlan]
    cards: list[EmergencyCard]
    conversation: GuidedConversation
    declined: WellbeingPaymentRequest
    session: GroupSession
    group: PeerGroup


def open_vault(path):
    from tests.vaults import make_vault

    return make_vault(path / "vault.db", actor="sam")


def seed(store) -> World:
    from carer_desk.records.codec import to_payload

    long_name = carer(LONG_NAME_GIVEN, LONG_NAME_FAMILY)
    rtl = carer(RTL_NAME, "خان")
    plain = carer("Ægir", "Nguyễn", address=None)
    plans = {c.id: plan_for(c, medicines=14 if c is long_name else 2) for c in (long_name, rtl)}
    cards = [
        card_for(plans[long_name.id]),
        card_for(plans[long_name.id], CardHolder.CARED_FOR),
        card_for(plans[rtl.id]),
    ]
    conversation = conversation_for(long_name)
    declined = declined_request(long_name)
    group, session, members = group_with_session([long_name, rtl, plain])
    records = [
        ("carer", long_name),
        ("carer", rtl),
        ("carer", plain),
        *(("plan", p) for p in plans.values()),
        *(("card", c) for c in cards),
        ("conversation", conversation),
        ("payment_request", declined),
        ("group", group),
        ("session", session),
        *(("group_member", m) for m in members),
    ]
    for kind, record in records:
        store.put(kind, record.id, to_payload(record), action="create")
    return World(long_name, rtl, plain, plans, cards, conversation, declined, session, group)
