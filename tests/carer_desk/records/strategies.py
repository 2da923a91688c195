"""Hypothesis strategies that build valid records of every kind, with consistent dates,
statuses and consents. Shared by the codec tests and available to other layers' tests
(``from tests.carer_desk.records.strategies import any_record, RECORDS``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import strategies as st

from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.records.carer import (
    AccessibleFormat,
    CaredForPerson,
    Carer,
    CarerType,
    Closure,
    ClosureReason,
    Condition,
    Consent,
    Contact,
    EmploymentStatus,
    EqualityMonitoring,
    Ethnicity,
    Gender,
    LawfulBasis,
    Referral,
    ReferralSource,
    Religion,
    SexualOrientation,
    YesNoPreferNot,
    YoungCarerReferral,
)
from carer_desk.records.contact_details import ContactDetails, PreferredChannel
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    ConversationMode,
    ConversationStatus,
    EligibilityDetermination,
    Goal,
    GoalAttainment,
    GuidedConversation,
    LegalRoute,
    ListenAndConnect,
    OutcomeAssessment,
    SupportAction,
    UnableReason,
    UrgentSupport,
    WellbeingAnswer,
    WellbeingScale,
    WholeFamily,
)
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome
from carer_desk.records.groups import (
    Attendance,
    GroupKind,
    GroupMember,
    GroupSession,
    PeerGroup,
    SessionFormat,
)
from carer_desk.records.payment import PaidTo, PaymentPurpose, WellbeingPaymentRequest
from carer_desk.records.places import Address, District
from carer_desk.records.plan import (
    CardHolder,
    EmergencyCard,
    EmergencyContact,
    EmergencyPlan,
    HomeAccess,
    LegalArrangements,
    Medication,
    PlanPerson,
)
from carer_desk.records.teams import LocalityTeam

TODAY = date.today()
PAST = st.dates(min_value=date(1920, 1, 1), max_value=TODAY - timedelta(days=1))
ANY_DATE = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
ids = st.uuids(version=4).map(lambda u: u.hex)
# Any text a person might type, including accents, emoji, RTL scripts and stray spaces;
# surrogates are excluded because they cannot be encoded as UTF-8 at all.
# "None" itself is left out: the codec tests look for a leaked str(None) in payloads, and
# hypothesis offers the string constants it finds in the code under test.
text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda s: s.strip() and s.strip() != "None"
)
opt_text = st.none() | text | st.just("   ")
phones = st.from_regex(r"0[1-9][0-9]{3} ?[0-9]{6}", fullmatch=True)
emails = st.from_regex(r"[a-z0-9.]{1,10}@[a-z]{1,10}\.(org|uk|com)", fullmatch=True)
postcodes = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True) | st.just(
    "ox1 2ab"
)
timestamps = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 1, 1),
    timezones=st.just(timezone(timedelta(hours=1))),
)


def opt(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def enum_tuple(enum: type) -> st.SearchStrategy:
    return st.lists(st.sampled_from(enum), unique=True, max_size=4).map(tuple)


addresses = st.builds(
    Address,
    line1=text,
    line2=opt_text,
    town=text,
    postcode=postcodes,
    district=opt(st.sampled_from(District)),
)


@st.composite
def contact_details(draw: st.DrawFn) -> ContactDetails:
    phone, mobile, email = draw(opt(phones)), draw(opt(phones)), draw(opt(emails))
    usable = [PreferredChannel.POST, PreferredChannel.IN_PERSON]
    if phone:
        usable.append(PreferredChannel.PHONE)
    if mobile:
        usable += [PreferredChannel.MOBILE, PreferredChannel.TEXT]
    if email:
        usable.append(PreferredChannel.EMAIL)
    channel = draw(opt(st.sampled_from(usable)))
    return ContactDetails(phone=phone, mobile=mobile, email=email, preferred_channel=channel)


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    given_ = draw(st.booleans())
    basis = (
        LawfulBasis.CONSENT
        if given_
        else draw(st.sampled_from([b for b in LawfulBasis if b != LawfulBasis.CONSENT]))
    )
    when = draw(PAST) if given_ else draw(opt(PAST))
    return Consent(given=given_, date=when, lawful_basis=basis, notes=draw(opt_text))


@st.composite
def referrals(draw: st.DrawFn) -> Referral:
    when = draw(PAST)
    contacted = draw(opt(st.dates(min_value=when, max_value=when + timedelta(days=30))))
    return Referral(
        date=when,
        source=draw(st.sampled_from(ReferralSource)),
        source_detail=draw(opt_text),
        contacted_on=contacted,
    )


@st.composite
def people_contacts(draw: st.DrawFn) -> Contact:
    agreed = draw(st.booleans())
    return Contact(
        id=draw(ids),
        name=draw(text),
        relationship=draw(text),
        phone=draw(opt(phones)),
        email=draw(opt(emails)),
        consent_given=agreed,
        consent_date=draw(PAST) if agreed else draw(opt(PAST)),
    )


cared_for_people = st.builds(
    CaredForPerson,
    id=ids,
    name=text,
    relationship=text,
    date_of_birth=opt(PAST),
    conditions=enum_tuple(Condition),
    lives_with_carer=opt(st.booleans()),
)

equality = st.builds(
    EqualityMonitoring,
    gender=opt(st.sampled_from(Gender)),
    ethnicity=opt(st.sampled_from(Ethnicity)),
    religion=opt(st.sampled_from(Religion)),
    sexual_orientation=opt(st.sampled_from(SexualOrientation)),
    disability=opt(st.sampled_from(YesNoPreferNot)),
    gender_same_as_at_birth=opt(st.sampled_from(YesNoPreferNot)),
)


young_carer_referrals = st.builds(
    YoungCarerReferral, referred_on=PAST, to=text, by=text, note=opt_text
)


@st.composite
def closures(draw: st.DrawFn) -> Closure:
    reason = draw(st.sampled_from(ClosureReason))
    note = draw(text) if reason == ClosureReason.OTHER else draw(opt_text)
    return Closure(closed_on=draw(PAST), reason=reason, closed_by=draw(text), note=note)


@st.composite
def carers(draw: st.DrawFn) -> Carer:
    interpreter = draw(st.booleans())
    return Carer(
        id=draw(ids),
        given_name=draw(text),
        family_name=draw(text),
        preferred_name=draw(opt_text),
        date_of_birth=draw(opt(PAST)),
        contact=draw(contact_details()),
        address=draw(opt(addresses)),
        language=draw(text) if interpreter else draw(opt_text),
        interpreter_needed=interpreter,
        accessible_formats=draw(enum_tuple(AccessibleFormat)),
        gp_practice=draw(opt_text),
        registered_with_gp_as_carer=draw(opt(st.booleans())),
        encouraged_to_register_with_gp_on=draw(opt(PAST)),
        employment_status=draw(opt(st.sampled_from(EmploymentStatus))),
        carer_types=draw(enum_tuple(CarerType)),
        hours_of_care_per_week=draw(opt(st.integers(0, 168))),
        lives_with_cared_for=draw(opt(st.booleans())),
        referral=draw(referrals()),
        consent=draw(consents()),
        equality=draw(equality),
        cared_for=tuple(draw(st.lists(cared_for_people, max_size=3, unique_by=lambda p: p.id))),
        contacts=tuple(draw(st.lists(people_contacts(), max_size=3, unique_by=lambda c: c.id))),
        team=draw(opt(st.sampled_from(LocalityTeam))),
        worker=draw(opt_text),
        safeguarding_flag=draw(st.booleans()),
        young_carer_referral=draw(opt(young_carer_referrals)),
        closure=draw(opt(closures())),
        created_at=draw(timestamps),
    )


@st.composite
def outcome_assessments(draw: st.DrawFn, outcome: CarerOutcome) -> OutcomeAssessment:
    # A reason ticked without "unable" is still unable (reg. 3(4)), so both are drawn.
    return OutcomeAssessment(
        outcome=outcome,
        unable=draw(st.booleans()),
        reasons=draw(enum_tuple(UnableReason)),
        notes=draw(opt_text),
    )


@st.composite
def stage3s(draw: st.DrawFn) -> BuildAGoodLife:
    chosen = draw(st.lists(st.sampled_from(CarerOutcome), unique=True))
    statements = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True))
    return BuildAGoodLife(
        outcomes=tuple(draw(outcome_assessments(o)) for o in chosen),
        health_deteriorating_or_at_risk=draw(st.booleans()),
        significant_impact_on_wellbeing=draw(opt(st.booleans())),
        able_to_continue_caring=draw(opt(st.booleans())),
        willing_to_continue_caring=draw(opt(st.booleans())),
        continuing_to_care_notes=draw(opt_text),
        wellbeing_check=tuple(
            WellbeingAnswer(statement_id=s, answer=draw(st.sampled_from(WellbeingScale)))
            for s in statements
        ),
        goals=tuple(
            draw(
                st.lists(
                    st.builds(
                        Goal,
                        id=ids,
                        description=text,
                        attainment=opt(st.sampled_from(GoalAttainment)),
                    ),
                    max_size=3,
                    unique_by=lambda g: g.id,
                )
            )
        ),
        actions=tuple(
            draw(
                st.lists(
                    st.builds(
                        SupportAction,
                        id=ids,
                        description=text,
                        tag=st.sampled_from(ActionTag),
                        owner=opt_text,
                        due=opt(ANY_DATE),
                        done_on=opt(ANY_DATE),
                    ),
                    max_size=3,
                    unique_by=lambda a: a.id,
                )
            )
        ),
        payment_recommended=draw(st.booleans()),
    )


@st.composite
def stage2s(draw: st.DrawFn) -> UrgentSupport:
    concern = draw(st.booleans())
    return UrgentSupport(
        what_must_change_now=draw(opt_text),
        immediate_help=draw(opt_text),
        emergency_plan_needed=draw(st.booleans()),
        safeguarding_concern=concern,
        safeguarding_details=draw(text) if concern else draw(opt_text),
    )


@st.composite
def families(draw: st.DrawFn) -> WholeFamily:
    helping = draw(opt(st.booleans()))
    return WholeFamily(
        children_in_household=True if helping else draw(opt(st.booleans())),
        children_helping_with_care=helping,
        young_carer_referral_on=draw(opt(PAST)),
        notes=draw(opt_text),
    )


@st.composite
def determinations(draw: st.DrawFn) -> EligibilityDetermination:
    return EligibilityDetermination(
        determined_on=draw(PAST),
        determined_by=draw(text),
        route=draw(st.sampled_from(LegalRoute)),
        route_wording=draw(text),
        eligible=draw(opt(st.booleans())),
        reasons=tuple(draw(st.lists(text, min_size=1, max_size=3))),
        outcomes_not_achieved=draw(enum_tuple(CarerOutcome)),
    )


@st.composite
def conversations(draw: st.DrawFn) -> GuidedConversation:
    started = draw(PAST)
    stage3 = draw(opt(stage3s()))
    complete = draw(st.booleans())
    sufficient = draw(st.booleans()) if stage3 is not None else complete or draw(st.booleans())
    prompt_ids = draw(st.lists(st.sampled_from(["going_well", "good_life", "x"]), unique=True))
    later = st.dates(min_value=started + timedelta(days=1), max_value=date(2045, 1, 1))
    return GuidedConversation(
        id=draw(ids),
        carer_id=draw(ids),
        template_id="guided-conversation",
        template_version=draw(st.integers(1, 5)),
        started_on=started,
        worker=draw(text),
        mode=draw(st.sampled_from(ConversationMode)),
        is_review=draw(st.booleans()),
        seen_alone=draw(opt(st.booleans())),
        stage1=ListenAndConnect(
            answers=tuple((pid, draw(st.text(max_size=30))) for pid in prompt_ids),
            what_matters=draw(opt_text),
            strengths=draw(opt_text),
            circle_of_support=draw(opt_text),
            community_assets=draw(opt_text),
            signposting_given=draw(opt_text),
        ),
        stage2=draw(opt(stage2s())),
        stage3=stage3,
        stage1_sufficient=sufficient,
        review_date=draw(opt(later)),
        reviewed_on=draw(opt(later)),
        status=ConversationStatus.COMPLETE if complete else ConversationStatus.DRAFT,
        completed_on=draw(later) if complete else None,
        family=draw(opt(families())),
        determination=draw(determinations()) if complete and stage3 is not None else None,
    )


def _step(
    request: WellbeingPaymentRequest, step: str, day: date, reason: str
) -> WellbeingPaymentRequest:
    if step == "submit":
        return request.submit(day)
    if step == "approve":
        return request.approve("manager.two", day)
    if step == "decline":
        return request.decline("manager.two", day, reason)
    if step == "pay":
        return request.mark_paid(day)
    return request.cancel(day, reason)


@st.composite
def payment_requests(draw: st.DrawFn) -> WellbeingPaymentRequest:
    """A draft, then a random walk along legal life-cycle steps, so every status occurs
    with the dates and names it implies."""
    day = draw(PAST)
    paid_to = draw(st.sampled_from(PaidTo))
    request = WellbeingPaymentRequest(
        id=draw(ids),
        carer_id=draw(ids),
        conversation_id=draw(ids),
        amount_pence=draw(st.integers(1, 100_000)),
        purpose=draw(st.sampled_from(PaymentPurpose)),
        wellbeing_outcome=draw(text),
        paid_to=paid_to,
        supplier_name=draw(text) if paid_to == PaidTo.SUPPLIER else draw(opt_text),
        requested_by="worker.one",
        requested_on=day,
    )
    steps = draw(
        st.lists(st.sampled_from(["submit", "approve", "decline", "pay", "cancel"]), max_size=4)
    )
    for step in steps:
        day += timedelta(days=draw(st.integers(0, 10)))
        try:
            request = _step(request, step, day, draw(text))
        except (RuleViolation, ValidationError):
            continue  # an illegal step is skipped; legality is tested in test_payment
    return request


medications = st.builds(Medication, name=text, dose=opt_text, when=opt_text, where_kept=opt_text)


@st.composite
def plan_people(draw: st.DrawFn) -> PlanPerson:
    meds = tuple(draw(st.lists(medications, max_size=3)))
    return PlanPerson(
        id=draw(ids),
        cared_for_id=draw(opt(ids)),
        name=draw(text),
        address=draw(opt(addresses)),
        conditions_and_care_needed=draw(opt_text),
        medication=meds,
        takes_no_medication=False if meds else draw(st.booleans()),
        allergies=draw(opt_text),
        gp=draw(opt_text),
        pharmacy=draw(opt_text),
        daily_routine=draw(opt_text),
        likes=draw(opt_text),
        dislikes=draw(opt_text),
        mobility_aids=draw(opt_text),
        communication_needs=draw(opt_text),
        continence_supplies=draw(opt_text),
        behaviour_that_may_worry_a_stranger=draw(opt_text),
    )


@st.composite
def emergency_contacts(draw: st.DrawFn) -> EmergencyContact:
    agreed = draw(st.booleans())
    return EmergencyContact(
        id=draw(ids),
        name=draw(text),
        role=draw(text),
        phone=draw(phones),
        availability=draw(opt_text),
        holds_key=draw(st.booleans()),
        consent_given=agreed,
        consent_date=draw(PAST) if agreed else None,
    )


@st.composite
def plans(draw: st.DrawFn) -> EmergencyPlan:
    created = draw(PAST)
    contacts = tuple(draw(st.lists(emergency_contacts(), max_size=4, unique_by=lambda c: c.id)))
    consenting = [i for i, c in enumerate(contacts) if c.consent_given]
    share = draw(st.booleans())
    key_safe = draw(st.booleans())
    return EmergencyPlan(
        id=draw(ids),
        carer_id=draw(ids),
        cared_for=tuple(draw(st.lists(plan_people(), max_size=2, unique_by=lambda p: p.id))),
        access=HomeAccess(
            key_safe=key_safe,
            key_safe_code_held_by=draw(text) if key_safe else None,
            who_holds_keys=draw(opt_text),
            how_to_get_in=draw(opt_text),
        ),
        pets=draw(opt_text),
        alarms_and_assistive_technology=draw(opt_text),
        services_in_place=draw(opt_text),
        legal=draw(
            st.builds(
                LegalArrangements,
                power_of_attorney=opt_text,
                will=opt_text,
                advance_decisions=opt_text,
            )
        ),
        emergency_contacts=contacts,
        longer_term_plan=draw(opt_text),
        consent_to_share_with_emergency_service=share,
        consent_date=draw(PAST) if share else draw(opt(PAST)),
        consent_withdrawn_on=None if share else draw(opt(PAST)),
        review_date=draw(
            opt(st.dates(min_value=created + timedelta(days=1), max_value=date(2045, 1, 1)))
        ),
        created_on=created,
        updated_on=draw(opt(st.dates(min_value=created, max_value=TODAY))),
        card_first_name_on_back=draw(st.booleans()),
        card_contact_on_back=draw(opt(st.sampled_from(consenting))) if consenting else None,
    )


@st.composite
def cards(draw: st.DrawFn) -> EmergencyCard:
    issued = draw(PAST)
    holder = draw(st.sampled_from(CardHolder))
    card = EmergencyCard(
        id=draw(ids),
        plan_id=draw(ids),
        carer_id=draw(ids),
        number=draw(st.from_regex(r"[0-9]{12}", fullmatch=True)),
        holder=holder,
        plan_person_id=draw(ids) if holder == CardHolder.CARED_FOR else draw(opt(ids)),
        issued_on=issued,
    )
    if draw(st.booleans()):
        card = card.mark_printed(issued + timedelta(days=draw(st.integers(0, 5))))
    if draw(st.booleans()):
        card = card.revoke(
            issued + timedelta(days=draw(st.integers(0, 30))),
            draw(text),
            replaced_by=draw(opt(ids)),
        )
    return card


groups = st.builds(
    PeerGroup,
    id=ids,
    name=text,
    kind=st.sampled_from(GroupKind),
    format=st.sampled_from(SessionFormat),
    town=opt_text,
    venue=opt_text,
    online_link=opt(st.from_regex(r"https://[a-z]{1,10}\.org/[a-z0-9]{0,8}", fullmatch=True)),
    facilitator=opt_text,
    active=st.booleans(),
)
sessions = st.builds(
    GroupSession,
    id=ids,
    group_id=ids,
    on=ANY_DATE,
    starts_at=opt(st.times()),
    format=st.sampled_from(SessionFormat),
    venue=opt_text,
    online_link=opt(st.just("https://meet.example.org/abc")),
    notes=opt_text,
)
attendances = st.builds(
    Attendance,
    id=ids,
    session_id=ids,
    carer_id=ids,
    attended=st.booleans(),
    follow_up_requested=st.booleans(),
    newcomer=st.booleans(),
)


@st.composite
def members(draw: st.DrawFn) -> GroupMember:
    joined = draw(ANY_DATE)
    return GroupMember(
        id=draw(ids),
        group_id=draw(ids),
        carer_id=draw(ids),
        joined_on=joined,
        left_on=draw(opt(st.dates(min_value=joined, max_value=date(2045, 1, 1)))),
        wants_buddy=draw(st.booleans()),
    )


@st.composite
def duplicate_decisions(draw: st.DrawFn) -> DuplicateDecision:
    pair = tuple(draw(st.lists(ids, min_size=2, max_size=2, unique=True)))
    outcome = draw(st.sampled_from(DuplicateOutcome))
    return DuplicateDecision(
        id=draw(ids),
        carer_ids=pair,  # type: ignore[arg-type]
        decision=outcome,
        kept_id=draw(st.sampled_from(pair)) if outcome == DuplicateOutcome.MERGED else None,
        decided_by=draw(text),
        decided_on=draw(PAST),
        note=draw(opt_text),
    )


@st.composite
def emergency_calls(draw: st.DrawFn) -> EmergencyCall:
    arranged = draw(st.booleans())
    exceptional = arranged and draw(st.booleans())
    follow_up = draw(opt_text)
    return EmergencyCall(
        id=draw(ids),
        carer_id=draw(ids),
        card_id=draw(opt(ids)),
        plan_id=draw(opt(ids)),
        card_number=draw(st.from_regex(r"[0-9]{12}", fullmatch=True)),
        received_at=draw(timestamps),
        operator=draw(text),
        caller=draw(text),
        line_status=draw(st.sampled_from(["ready", "incomplete", "consent-withdrawn"])),
        contacts_tried=tuple(
            draw(
                st.lists(
                    st.builds(
                        ContactAttempt,
                        contact_id=opt(ids),
                        name=text,
                        reached=st.booleans(),
                        note=opt_text,
                    ),
                    max_size=4,
                )
            )
        ),
        replacement_care_arranged=arranged,
        replacement_care_hours=draw(st.integers(1, 72)) if arranged else None,
        exceptional=exceptional,
        exceptional_reason=draw(text) if exceptional else draw(opt_text),
        follow_up=follow_up,
        followed_up_on=draw(opt(PAST)) if follow_up and follow_up.strip() else None,
        notes=draw(opt_text),
        created_at=draw(timestamps),
    )


RECORDS = {
    "carer": carers(),
    "conversation": conversations(),
    "payment_request": payment_requests(),
    "plan": plans(),
    "card": cards(),
    "group": groups,
    "session": sessions,
    "attendance": attendances,
    "group_member": members(),
    "duplicate_decision": duplicate_decisions(),
    "emergency_call": emergency_calls(),
}
any_record = st.one_of(*RECORDS.values())
