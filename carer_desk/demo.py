"""Realistic synthetic data for demos, training and benchmarks (``seed-demo``).

Records are made with the same builders the tests use (:mod:`carer_desk.factories`);
this module adds only the variety. Everything is invented: names are drawn from lists,
never from real people. The mix covers every state the screens and reports must handle —
conversations at every stage, payments in every state, plans complete and incomplete with
cards waiting to print, and groups with sessions and registers. A fixed seed gives the
same data every time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from carer_desk import demo_line
from carer_desk import factories as make
from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.demo_line import DemoLine
from carer_desk.ports import RecordStore
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.records.carer import (
    AccessibleFormat,
    Carer,
    CarerType,
    Condition,
    EmploymentStatus,
    LawfulBasis,
    ReferralSource,
)
from carer_desk.records.codec import kind_of
from carer_desk.records.contact_details import ContactDetails, PreferredChannel
from carer_desk.records.conversation import (
    ActionTag,
    CarerOutcome,
    ConversationMode,
    ConversationStatus,
    GoalAttainment,
    GuidedConversation,
    OutcomeAssessment,
    UnableReason,
    WellbeingAnswer,
    WellbeingScale,
)
from carer_desk.records.groups import GroupKind, SessionFormat
from carer_desk.records.payment import (
    PaidTo,
    PaymentPurpose,
    PaymentStatus,
    WellbeingPaymentRequest,
)
from carer_desk.records.places import District
from carer_desk.records.plan import (
    CardStatus,
    EmergencyCard,
    EmergencyPlan,
    HomeAccess,
    LegalArrangements,
)
from carer_desk.records.teams import LocalityTeam
from carer_desk.rules.assessment import determine, legal_route
from carer_desk.rules.card_numbers import generate_unique_card_number
from carer_desk.rules.emergency_line import line_gaps
from carer_desk.rules.financial_year import add_months
from carer_desk.services.repository import Repository
from carer_desk.templates import latest_template

# The user name of the demo groups' facilitator (the demo office's facilitator signs in
# with it, so their laptop pulls these groups).
DEMO_FACILITATOR = "demo-facilitator"
# Who decided the demo's wellbeing payments: the demo office's payments approver (the
# office makes each decision through its own decision route: carer_desk.wiring.demo_office).
DEMO_APPROVER = "demo-approver"
BATCH_CARERS = 500  # carers (with all their records) written per transaction

GIVEN = (
    "Margaret", "Peggy", "David", "Susan", "Priya", "Tomasz", "Aisha", "Gareth", "Zoë",
    "Ægir", "Siobhán", "Kwame", "Linh", "Fatima", "Robert", "Janet", "Oluwaseun", "Eilidh",
    "Hannah", "Mohammed", "Agnieszka", "Chidi", "Rosemary", "Patrick", "Mei", "Yusuf",
    "Bethan", "Graham", "Sandra", "Imran", "عائشة", "Dorothy", "Keith", "Ngozi", "Ruth",
)  # fmt: skip
FAMILY = (
    "Wilson", "Ó'Brien-Wójcik", "Nguyễn", "Patel", "Kowalski", "Khan", "Hughes", "Okafor",
    "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Thompson", "White", "Green", "Hall", "Wood", "Clarke", "Mensah", "Ahmed",
    "MacDonald", "Fitzgerald", "Abara", "Chen", "Begum", "Harris", "Lewis", "Young",
)  # fmt: skip
PLACES = (
    ("Banbury", "OX16", District.CHERWELL, LocalityTeam.NORTH),
    ("Bicester", "OX26", District.CHERWELL, LocalityTeam.NORTH),
    ("Kidlington", "OX5", District.CHERWELL, LocalityTeam.NORTH),
    ("Deddington", "OX15", District.CHERWELL, LocalityTeam.NORTH),
    ("Oxford", "OX4", District.OXFORD_CITY, LocalityTeam.CITY),
    ("Oxford", "OX3", District.OXFORD_CITY, LocalityTeam.CITY),
    ("Witney", "OX28", District.WEST_OXFORDSHIRE, LocalityTeam.CENTRAL),
    ("Chipping Norton", "OX7", District.WEST_OXFORDSHIRE, LocalityTeam.CENTRAL),
    ("Burford", "OX18", District.WEST_OXFORDSHIRE, LocalityTeam.CENTRAL),
    ("Abingdon", "OX14", District.VALE_OF_WHITE_HORSE, LocalityTeam.SOUTH),
    ("Wantage", "OX12", District.VALE_OF_WHITE_HORSE, LocalityTeam.SOUTH),
    ("Faringdon", "SN7", District.VALE_OF_WHITE_HORSE, LocalityTeam.SOUTH),
    ("Didcot", "OX11", District.SOUTH_OXFORDSHIRE, LocalityTeam.SOUTH),
    ("Henley-on-Thames", "RG9", District.SOUTH_OXFORDSHIRE, LocalityTeam.SOUTH),
    ("Thame", "OX9", District.SOUTH_OXFORDSHIRE, LocalityTeam.SOUTH),
    ("Wallingford", "OX10", District.SOUTH_OXFORDSHIRE, LocalityTeam.SOUTH),
)
STREETS = (
    "Church Lane",
    "High Street",
    "Mill Road",
    "The Green",
    "Station Road",
    "Orchard Close",
    "Manor Farm Cottages",
    "Witney Road",
    "Back Lane",
)
RELATIONSHIPS = (
    "husband",
    "wife",
    "son",
    "daughter",
    "mother",
    "father",
    "partner",
    "brother",
    "neighbour",
)
WORKERS = {
    # demo-worker is the demo office's North worker: "My caseload" shows theirs.
    LocalityTeam.NORTH: ("demo-worker", "asha.n", "ben.t"),
    LocalityTeam.CITY: ("carla.o",),
    LocalityTeam.CENTRAL: ("dev.p", "ellen.w"),
    LocalityTeam.SOUTH: ("femi.a", "gail.h"),
}
MEDICINES = (
    "Donepezil",
    "Levodopa",
    "Metformin",
    "Amlodipine",
    "Sertraline",
    "Paracetamol",
    "Warfarin",
    "Omeprazole",
    "Memantine",
    "Atorvastatin",
)
AMOUNTS = (7500, 12000, 15000, 20000, 30000)  # pence: what carers ask for
# The life cycle's states, in the order the demo's carers take turns at them.
PAYMENT_STEPS = ("draft", "submitted", "approved", "declined", "paid", "cancelled")
GROUPS = (
    ("Banbury carers' coffee morning", GroupKind.GENERAL, "Banbury", SessionFormat.IN_PERSON),
    ("Witney dementia carers", GroupKind.DEMENTIA, "Witney", SessionFormat.HYBRID),
    ("Parkinson's carers online", GroupKind.PARKINSONS, None, SessionFormat.ONLINE),
    ("Abingdon parent carers", GroupKind.PARENT_CARERS, "Abingdon", SessionFormat.IN_PERSON),
)


@dataclass(frozen=True)
class _Seeded:
    """A seeded ``randbelow`` for card numbers (the rule's RandomSource)."""

    rng: random.Random

    def randbelow(self, exclusive_upper_bound: int, /) -> int:
        return self.rng.randrange(exclusive_upper_bound)


@dataclass(frozen=True)
class OfficeDecision:
    """What happened to a request the demo's history has the office decide: submitted on
    ``submitted_on``, approved or declined on ``on`` (and paid on ``paid_on``). A real
    office dates a submission itself and decides only through its decision route, so the
    demo office replays these on their days (:mod:`carer_desk.wiring.demo_office`); the
    laptop sends the request as a draft."""

    payment_id: str
    approve: bool
    on: date
    submitted_on: date
    reason: str | None = None
    paid_on: date | None = None

    @classmethod
    def of(cls, request: WellbeingPaymentRequest) -> OfficeDecision | None:
        if request.status not in _DECIDED or request.decided_on is None:
            return None
        return cls(
            payment_id=request.id,
            approve=request.status != PaymentStatus.DECLINED,
            on=request.decided_on,
            submitted_on=request.submitted_on or request.requested_on,
            reason=request.decline_reason,
            paid_on=request.paid_on,
        )


_DECIDED = frozenset({PaymentStatus.APPROVED, PaymentStatus.DECLINED, PaymentStatus.PAID})


def as_drafted(request: WellbeingPaymentRequest) -> WellbeingPaymentRequest:
    """A decided request as its laptop first sent it: a draft, to be submitted on its day
    (the office stamps a submission's date itself)."""
    if request.status not in _DECIDED:
        return request
    return replace(
        request,
        status=PaymentStatus.DRAFT,
        submitted_on=None,
        decided_by=None,
        decided_on=None,
        decline_reason=None,
        paid_on=None,
    )


@dataclass
class SeedSummary:
    counts: dict[str, int] = field(default_factory=dict)
    #: With ``decided_at_the_office``: the decisions the office is still to make, in the
    #: order it makes them (by date).
    decisions: list[OfficeDecision] = field(default_factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n

    def describe(self) -> str:
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items()))
        return f"Demo data written: {parts}."


class DemoMaker:
    """Varied, realistic records made with the shared builders (:mod:`carer_desk.factories`),
    the variety drawn from ``rng`` so a seed always gives the same data."""

    def __init__(self, settings: Settings, rng: random.Random, clock: Clock) -> None:
        self.settings = settings
        self.rng = rng
        self.today = clock.today()
        self.now = clock.now()
        template = latest_template(settings.templates.default_conversation_template)
        self.template_id, self.template_version = template.id, template.version
        self.statement_ids = tuple(s.id for s in template.wellbeing_statements)
        # The documented numbers are kept for their showcases (carer_desk.demo_line); the
        # others come from a stream of their own, so a demo office's numbers are the same
        # every time it is made.
        self.issued_numbers: set[str] = set(demo_line.FIXED_NUMBERS)
        self.number_rng = _Seeded(random.Random(sum(rng.getstate()[1]) ^ 0xCA4D))
        # The contract-KPI inputs (issue 11) draw from their own stream, so adding them
        # left every other record a seed gives as it was.
        self.kpi_rng = random.Random(hash(rng.getstate()))  # ints hash the same every run
        # So do the payments' dates and the earlier payments of carers near the cap.
        self.payment_rng = random.Random(sum(rng.getstate()[1]) ^ 0x9A1D)
        # And the plans a year old, whose review is overdue or due soon.
        self.review_rng = random.Random(sum(rng.getstate()[1]) ^ 0x4E71)
        self._plans_seen: dict[str | None, int] = {}

    def day(self, days_ago_max: int, days_ago_min: int = 0) -> date:
        return self.today - timedelta(days=self.rng.randint(days_ago_min, days_ago_max))

    def contact_details(self) -> ContactDetails:
        rng = self.rng
        mobile = f"07700 9{rng.randint(10000, 99999)}" if rng.random() < 0.7 else None
        email = f"carer{rng.randint(1000, 99999)}@example.org" if rng.random() < 0.5 else None
        channels = [PreferredChannel.PHONE, PreferredChannel.POST, PreferredChannel.IN_PERSON]
        if mobile:
            channels += [PreferredChannel.MOBILE, PreferredChannel.TEXT]
        if email:
            channels.append(PreferredChannel.EMAIL)
        return make.contact_details(
            phone=f"01865 {rng.randint(100000, 999999)}",
            mobile=mobile,
            email=email,
            preferred_channel=rng.choice(channels),
        )

    def carer(self) -> Carer:
        rng = self.rng
        town, district_code, district, team = rng.choice(PLACES)
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        referral = make.referral(self.day(900, 30), source=rng.choice(list(ReferralSource)))
        kpi = self.kpi_rng
        if kpi.random() < 0.9:  # most were contacted, a few late; the rest still wait
            contacted = referral.date + timedelta(days=kpi.choice((0, 1, 2, 3, 5, 7, 12)))
            referral = replace(referral, contacted_on=min(contacted, self.today))
        registered = rng.choice((True, False, None))
        encouraged = (
            min(referral.date + timedelta(days=kpi.randint(0, 30)), self.today)
            if registered is not True and kpi.random() < 0.6
            else None
        )
        outward = f"{district_code} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        postcode = outward + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
        person = make.cared_for_person(
            name=f"{rng.choice(GIVEN)} {family}",
            relationship=rng.choice(RELATIONSHIPS),
            conditions=tuple(rng.sample(list(Condition), rng.randint(1, 2))),
        )
        contact = make.contact(
            name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            relationship="friend",
            phone=f"07700 9{rng.randint(10000, 99999)}",
            consent_date=referral.date,
        )
        return make.carer(
            given_name=given,
            family_name=family,
            preferred_name="Peggy" if given == "Margaret" and rng.random() < 0.5 else None,
            date_of_birth=date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            contact=self.contact_details(),
            address=make.address(
                line1=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                town=town,
                postcode=postcode,
                district=district,
            ),
            language="English" if rng.random() < 0.9 else "Polish",
            accessible_formats=(AccessibleFormat.LARGE_PRINT,) if rng.random() < 0.1 else (),
            gp_practice=f"{town} Health Centre",
            registered_with_gp_as_carer=registered,
            encouraged_to_register_with_gp_on=encouraged,
            employment_status=rng.choice(list(EmploymentStatus)),
            carer_types=tuple(rng.sample(list(CarerType), rng.randint(1, 2))),
            hours_of_care_per_week=rng.choice((10, 20, 35, 50, 70, 100)),
            lives_with_cared_for=rng.random() < 0.7,
            referral=referral,
            consent=make.consent(referral.date, lawful_basis=LawfulBasis.CONSENT),
            cared_for=(person,),
            contacts=(contact,),
            team=team,
            worker=rng.choice(WORKERS[team]),
            safeguarding_flag=rng.random() < 0.02,
            created_at=self.now,
        )

    def conversation(self, carer: Carer, stage: int) -> GuidedConversation:
        """stage 0: draft; 1: complete at stage 1; 2: urgent support draft; 3: full."""
        rng = self.rng
        started = self.day(300, 1)
        kpi = self.kpi_rng
        mode = kpi.choices(list(ConversationMode), weights=(6, 3, 1, 2))[0]
        extra: dict[str, Any] = {"mode": mode, "is_review": stage == 1 and kpi.random() < 0.4}
        if mode == ConversationMode.SELF_ASSESSMENT and kpi.random() < 0.85:
            extra["reviewed_on"] = min(started + timedelta(days=kpi.randint(0, 5)), self.today)
        base: dict[str, Any] = dict(
            **extra,
            template_id=self.template_id,
            template_version=self.template_version,
            started_on=started,
            worker=carer.worker or "demo",
            seen_alone=rng.choice((True, False)),
            stage1=make.listen_and_connect(
                answers=(
                    ("going_well", "My daughter helps at weekends."),
                    ("not_going_well", "Nights are hard; I am not sleeping."),
                ),
                circle_of_support="Daughter in Didcot; neighbour holds a key.",
                community_assets="Village lunch club on Thursdays.",
                signposting_given="Carers' card; local groups.",
            ),
        )
        if stage == 0:
            return make.conversation(carer, **base)
        if stage == 1:
            return make.conversation(
                carer,
                **base,
                stage1_sufficient=True,
                status=ConversationStatus.COMPLETE,
                completed_on=started,
            )
        if stage == 2:
            return make.conversation(
                carer,
                **base,
                stage2=make.urgent_support(
                    emergency_plan_needed=True,
                    safeguarding_concern=carer.safeguarding_flag,
                    safeguarding_details="Concern raised with the office."
                    if carer.safeguarding_flag
                    else None,
                ),
            )
        unable = rng.sample(list(CarerOutcome), rng.randint(0, 3))
        outcomes = tuple(
            OutcomeAssessment(
                outcome=o,
                unable=o in unable,
                reasons=(rng.choice(list(UnableReason)),) if o in unable else (),
            )
            for o in CarerOutcome
        )
        stage3 = make.assessment(
            outcomes=outcomes,
            health_deteriorating_or_at_risk=rng.random() < 0.3,
            significant_impact_on_wellbeing=bool(unable) or rng.random() < 0.2,
            wellbeing_check=tuple(
                WellbeingAnswer(statement_id=s, answer=rng.choice(list(WellbeingScale)))
                for s in self.statement_ids
            ),
            goals=(
                make.goal(
                    description="Get a full night's sleep twice a week",
                    attainment=rng.choice((None, *GoalAttainment)),
                ),
                make.goal(description="Rejoin the walking group"),
            ),
            actions=(
                make.action(description="Refer for a sitting service", owner="worker"),
                make.action(
                    description="Talk to the GP about carer's health check",
                    tag=ActionTag.PREVENT,
                    owner="carer",
                ),
                make.action(description="Emergency plan and card", tag=ActionTag.DELAY),
            ),
            payment_recommended=True,
        )
        completed = min(started + timedelta(days=rng.randint(0, 14)), self.today)
        # The written determination a completion keeps (Care Act s.13(2)).
        determination = determine(
            stage3,
            route=legal_route(carer, self.settings.age_bands, completed),
            wording=self.settings.legal_routes,
            on=completed,
            by=carer.worker or "demo",
        )
        return make.completed_conversation(
            carer,
            **base,
            stage3=stage3,
            completed_on=completed,
            review_date=completed + timedelta(days=365),
            determination=determination,
        )

    def payments(
        self, carer: Carer, conv: GuidedConversation, state: int
    ) -> list[WellbeingPaymentRequest]:
        """A carer's requests after their assessment, oldest first: one in the state
        ``state`` picks, dated as such a request would be (waiting ones recent, decided
        and paid ones at any time in the year since the assessment), and for some carers
        an earlier paid request that leaves them near the cap."""
        rng, timing = self.rng, self.payment_rng
        paid_to = rng.choice(list(PaidTo))
        amount = rng.choice(AMOUNTS)
        purpose = rng.choice(list(PaymentPurpose))
        step = PAYMENT_STEPS[state % len(PAYMENT_STEPS)]
        assessed = conv.completed_on or self.today
        if step in ("draft", "submitted"):  # waiting for the worker or the approver
            requested = self.today - timedelta(days=timing.randint(0, 20))
        elif step == "approved":  # approved, not paid yet: money goes out within weeks
            requested = self.today - timedelta(days=timing.randint(8, 40))
        else:
            requested = assessed + timedelta(days=timing.randint(0, 45))
        requested = min(max(requested, assessed), self.today)
        earlier: list[WellbeingPaymentRequest] = []
        room = self.settings.payments.cap_pence - amount
        # Near the cap: an earlier payment, paid, that leaves room for this one (or not
        # much more). Not for a declined or cancelled request: those carers are the ones
        # with their whole allowance still to use.
        if (
            step in ("draft", "submitted", "approved", "paid")
            and room >= min(AMOUNTS)
            and (requested - assessed).days >= 40
            and timing.random() < 0.6
        ):
            before = max(a for a in AMOUNTS if a <= room)
            first = self._request(
                carer,
                conv,
                amount=before,
                purpose=timing.choice([p for p in PaymentPurpose if p != purpose]),
                paid_to=PaidTo.CARER,
                requested=assessed + timedelta(days=timing.randint(0, 10)),
            )
            earlier.append(self._decide(first, "paid", limit=requested - timedelta(days=1)))
        request = self._request(
            carer, conv, amount=amount, purpose=purpose, paid_to=paid_to, requested=requested
        )
        return [*earlier, self._decide(request, step, limit=self.today)]

    def _request(
        self,
        carer: Carer,
        conv: GuidedConversation,
        *,
        amount: int,
        purpose: PaymentPurpose,
        paid_to: PaidTo,
        requested: date,
    ) -> WellbeingPaymentRequest:
        return make.payment_request(
            carer,
            conversation_id=conv.id,
            amount_pence=amount,
            purpose=purpose,
            paid_to=paid_to,
            supplier_name="Cotswold Breaks Ltd" if paid_to == PaidTo.SUPPLIER else None,
            requested_by=conv.worker,
            requested_on=requested,
        )

    def _decide(
        self, request: WellbeingPaymentRequest, step: str, *, limit: date
    ) -> WellbeingPaymentRequest:
        """The request taken to ``step``, each step a few days after the one before and
        none after ``limit``."""
        timing = self.payment_rng

        def later(day: date, low: int, high: int) -> date:
            return min(max(day + timedelta(days=timing.randint(low, high)), day), limit)

        requested = request.requested_on
        if step == "draft":
            return request
        if step == "cancelled":
            return request.cancel(later(requested, 1, 20), "Carer found another way to pay for it.")
        submitted = later(requested, 0, 2)
        request = request.submit(submitted)
        if step == "submitted":
            return request
        decided = later(submitted, 1, 10)
        if step == "declined":
            return request.decline(DEMO_APPROVER, decided, "Purpose is covered by another service.")
        request = request.approve(DEMO_APPROVER, decided)
        return request.mark_paid(later(decided, 2, 14)) if step == "paid" else request

    def plan(self, carer: Carer, complete: bool) -> EmergencyPlan:
        rng = self.rng
        person = carer.cared_for[0]
        # A carer who does not live with the person they care for (a distance carer): the
        # plan says where that person lives, which is where the line sends help.
        lives_apart = carer.lives_with_cared_for is False
        elsewhere = (
            make.address(
                line1=f"{rng.randint(1, 60)} {rng.choice(STREETS)}",
                town=carer.address.town if carer.address else "Witney",
                postcode=carer.address.postcode if carer.address else "OX28 6AA",
                district=carer.address.district if carer.address else None,
            )
            if lives_apart
            else None
        )
        contacts = (
            make.emergency_contact(
                name=f"{rng.choice(GIVEN)} {carer.family_name}",
                phone=f"07700 9{rng.randint(10000, 99999)}",
                availability="any time",
                holds_key=True,
                consent_date=self.today,
            ),
            make.emergency_contact(
                name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                role="neighbour",
                phone=f"01865 {rng.randint(100000, 999999)}",
                availability="weekdays",
                consent_date=self.today,
            ),
        )
        created = self.day(200, 1)
        if not complete:
            return make.plan(
                carer,
                created_on=created,
                cared_for=(
                    make.plan_person(
                        name=person.name,
                        cared_for_id=person.id,
                        conditions_and_care_needed=None,
                        medication=(),
                        allergies=None,
                        gp=None,
                    ),
                ),
                emergency_contacts=contacts[:1],
                access=HomeAccess(),
                consent_to_share_with_emergency_service=False,
                consent_date=None,
            )
        meds = tuple(
            make.medication(
                name=m, dose="1 tablet", when="8am", where_kept="Kitchen cupboard, blue box"
            )
            for m in rng.sample(MEDICINES, rng.randint(1, 4))
        )
        return make.plan(
            carer,
            created_on=created,
            cared_for=(
                make.plan_person(
                    name=person.name,
                    cared_for_id=person.id,
                    address=elsewhere,
                    conditions_and_care_needed="Needs help to wash, dress and with meals.",
                    medication=meds,
                    allergies="Penicillin",
                    gp=carer.gp_practice,
                    pharmacy="High Street Pharmacy",
                    daily_routine="Up at 8, lunch at 12:30, bed 9pm.",
                    likes="Radio 4, tea with two sugars",
                    dislikes="Loud noises",
                    mobility_aids="Walking frame",
                    communication_needs="Hard of hearing: face them",
                    continence_supplies="Pads in the bathroom cupboard",
                    behaviour_that_may_worry_a_stranger="May call out at night; this is normal.",
                ),
            ),
            access=HomeAccess(
                key_safe=True,
                key_safe_code_held_by="the emergency line",
                who_holds_keys="Daughter and neighbour",
                how_to_get_in="Side gate, back door.",
            ),
            pets="A cat (feed twice a day)",
            alarms_and_assistive_technology="Pendant alarm",
            services_in_place="Home care visits at 8am and 6pm",
            legal=LegalArrangements(power_of_attorney="Daughter (health and welfare)"),
            emergency_contacts=contacts,
            longer_term_plan="Daughter would move in for a few weeks; then residential care.",
            consent_date=created,
            review_date=created + timedelta(days=365),
            card_first_name_on_back=True,
            card_contact_on_back=0,
        )

    def review_timing(self, carer: Carer, plan: EmergencyPlan) -> EmergencyPlan:
        """Some complete plans made a year ago, so every worker's caseload and the Plans
        area have reviews to do: of each worker's plans, the second of every six is
        overdue for review (by up to ten weeks), the fourth due within the reminder
        period (``plans.reminder_days_before``); the others as made."""
        seen = self._plans_seen.get(carer.worker, 0) + 1
        self._plans_seen[carer.worker] = seen
        months = self.settings.plans.review_months
        year_ago = add_months(self.today, -months)
        if seen % 6 == 2:
            created = year_ago - timedelta(days=self.review_rng.randint(5, 70))
        elif seen % 6 == 4:
            soon = max(2, self.settings.plans.reminder_days_before - 2)
            created = year_ago + timedelta(days=self.review_rng.randint(2, soon))
        else:
            return plan
        return replace(
            plan, created_on=created, consent_date=created, review_date=add_months(created, months)
        )

    def call(self, card: EmergencyCard, plan: EmergencyPlan) -> EmergencyCall:
        """A call to the line: a neighbour rang; sometimes nobody could come, and
        replacement care was arranged, with a follow-up for the office."""
        rng = self.rng
        first = plan.emergency_contacts[0]
        when = datetime.combine(self.day(30, 1), time(rng.randint(0, 23), rng.choice((5, 35))))
        nobody = rng.random() < 0.5
        return make.emergency_call(
            card,
            received_at=when.replace(tzinfo=UTC),
            created_at=when.replace(tzinfo=UTC),
            operator="demo-operator",
            caller=rng.choice(("A neighbour", "Paramedic at the house", "A shop assistant")),
            line_status="ready",
            contacts_tried=(
                ContactAttempt(
                    contact_id=first.id,
                    name=first.name,
                    reached=not nobody,
                    note="no answer" if nobody else "on their way",
                ),
            ),
            replacement_care_arranged=nobody,
            replacement_care_hours=rng.choice((6, 12, 24)) if nobody else None,
            follow_up="Ring the carer's daughter about a longer-term plan" if nobody else None,
        )

    def card(self, carer: Carer, plan: EmergencyPlan, status: CardStatus) -> EmergencyCard:
        number = generate_unique_card_number(
            self.issued_numbers, length=self.settings.cards.number_length, rng=self.number_rng
        )
        self.issued_numbers.add(number)
        card = make.card(plan, number=number)
        if status == CardStatus.PRINTED:
            card = card.mark_printed(plan.created_on)
        return card


def generate(
    settings: Settings,
    *,
    carers: int,
    seed: int,
    clock: Clock = SYSTEM_CLOCK,
    facilitator: str = DEMO_FACILITATOR,
    with_calls: bool = True,
) -> Iterator[list[Any]]:
    """Batches of records (each batch a list of whole carers with all their records).
    ``with_calls=False`` leaves out calls to the emergency line."""
    maker = DemoMaker(settings, random.Random(seed), clock)
    line = DemoLine(maker.today, maker.now)
    batch: list[Any] = []
    all_carers: list[Carer] = []
    for n in range(carers):
        carer = maker.carer()
        all_carers.append(carer)
        batch.append(carer)
        stage = n % 5 if n % 5 != 4 else 3
        conv = maker.conversation(carer, stage)
        batch.append(conv)
        if conv.assessment_completed:
            batch.extend(maker.payments(carer, conv, n // 5))
        if n % 3 != 2:
            plan = maker.plan(carer, complete=n % 3 == 0)
            card = call = None
            showcase: list[Any] = []
            # A card only for a plan the line may read out (the server refuses others).
            if plan.is_complete and not line_gaps(plan, carer, settings.emergency_line):
                status = CardStatus.PENDING_PRINT if n % 2 else CardStatus.PRINTED
                card = maker.card(carer, plan, status)
                withdrawn = n % 13 == 6
                if withdrawn:
                    # Consent withdrawn since: the card is suspended, the line told so.
                    plan = replace(
                        plan,
                        consent_to_share_with_emergency_service=False,
                        consent_withdrawn_on=maker.day(20, 1),
                    )
                elif with_calls and n % 7 == 3 and card.status == CardStatus.PRINTED:
                    call = maker.call(card, plan)
                fixed = line.wants(carer, card, withdrawn=withdrawn)
                if fixed is not None and call is None:
                    # One of the demo's documented numbers (carer_desk.demo_line).
                    showcase, card = line.records(fixed, card, plan), None
            if plan.is_complete and not showcase:
                # (The documented numbers' plans stay as made: the line reads them out.)
                plan = maker.review_timing(carer, plan)
            # In the order a laptop would write them: the server takes a call only about
            # a card (and plan) it already holds.
            batch.extend(r for r in (plan, card, call, *showcase) if r is not None)
        if len(batch) >= BATCH_CARERS * 4:
            yield batch
            batch = []
    batch.extend(_groups(maker, all_carers, facilitator))
    yield batch


def _groups(maker: DemoMaker, carers: list[Carer], facilitator: str) -> list[Any]:
    rng, out = maker.rng, []
    for name, kind, town, fmt in GROUPS:
        group = make.group(
            name=name,
            kind=kind,
            town=town,
            format=fmt,
            venue=f"{town} Village Hall" if town else None,
            online_link="https://meet.example.org/carers"
            if fmt != SessionFormat.IN_PERSON
            else None,
            facilitator=facilitator,
        )
        out.append(group)
        members = rng.sample(carers, min(len(carers), rng.randint(3, 8)))
        out.extend(make.member(group, c, joined_on=maker.day(300, 60)) for c in members)
        for weeks_ago in (8, 4, 0):
            session = make.session(
                group,
                on=maker.today - timedelta(weeks=weeks_ago),
                format=fmt,
                venue=group.venue,
                online_link=group.online_link,
            )
            out.append(session)
            if weeks_ago:  # past sessions have a register; the next one is to be taken
                out.extend(
                    make.attendance(
                        session,
                        c,
                        attended=rng.random() < 0.85,
                        follow_up_requested=rng.random() < 0.1,
                    )
                    for c in members
                )
    return out


def seed_demo(
    store: RecordStore,
    settings: Settings,
    *,
    carers: int,
    seed: int = 2026,
    clock: Clock = SYSTEM_CLOCK,
    facilitator: str = DEMO_FACILITATOR,
    with_calls: bool = True,
    decided_at_the_office: bool = False,
) -> SeedSummary:
    """Write demo data in batches, each one transaction (a batch is whole carers).

    ``decided_at_the_office``: write the requests the history has decided as drafts and
    list their submissions and decisions in the summary, for an office to date and make
    through its own routes."""
    repo = Repository(store, clock, settings.age_bands)
    summary = SeedSummary()
    batches = generate(
        settings,
        carers=carers,
        seed=seed,
        clock=clock,
        facilitator=facilitator,
        with_calls=with_calls,
    )
    for batch in batches:
        if decided_at_the_office:
            batch = [_sent_by_the_laptop(r, summary.decisions) for r in batch]
        repo.save_many(batch, action="seed-demo", audit_details={"records": len(batch)})
        for record in batch:
            summary.add(kind_of(record))
    summary.decisions.sort(key=lambda d: (d.on, d.payment_id))
    return summary


def _sent_by_the_laptop(record: Any, decisions: list[OfficeDecision]) -> Any:
    if not isinstance(record, WellbeingPaymentRequest):
        return record
    decision = OfficeDecision.of(record)
    if decision is None:
        return record
    decisions.append(decision)
    return as_drafted(record)
