"""The carer's record (BRIEF §6): who they are, how to reach them, who they care for,
the people around them, and how they came to the service.

Most fields are optional because a facilitator may register a newcomer at a group with
little more than a name, a way to get in touch and their consent; the rest is filled in
at the first conversation ("tell your story once").
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from carer_desk.clock import SYSTEM_CLOCK
from carer_desk.config import AgeBandSettings, Settings
from carer_desk.formatting import display_name, full_name
from carer_desk.ids import new_id
from carer_desk.records.contact_details import ContactDetails, check_email, check_phone
from carer_desk.records.places import Address
from carer_desk.records.plausible_dates import IN_THE_PAST, NOT_IN_FUTURE
from carer_desk.records.teams import LocalityTeam
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text

logger = logging.getLogger(__name__)


# --- vocabularies ---------------------------------------------------------------------------


class AccessibleFormat(LabelledEnum):
    LARGE_PRINT = ("large_print", "Large print")
    EASY_READ = ("easy_read", "Easy read")
    BSL = ("bsl", "British Sign Language")
    BRAILLE = ("braille", "Braille")
    AUDIO = ("audio", "Audio")
    TRANSLATION = ("translation", "Translated into their language")


class EmploymentStatus(LabelledEnum):
    EMPLOYED_FULL_TIME = ("employed_full_time", "Employed full time")
    EMPLOYED_PART_TIME = ("employed_part_time", "Employed part time")
    SELF_EMPLOYED = ("self_employed", "Self-employed")
    IN_EDUCATION = ("in_education", "In education")
    IN_TRAINING = ("in_training", "In training")
    VOLUNTEERING = ("volunteering", "Volunteering")
    LOOKING_FOR_WORK = ("looking_for_work", "Looking for work")
    NOT_WORKING = ("not_working", "Not working")
    GAVE_UP_WORK_TO_CARE = ("gave_up_work_to_care", "Gave up work to care")
    RETIRED = ("retired", "Retired")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


class CarerType(LabelledEnum):
    PARENT_CARER = ("parent_carer", "Parent carer")
    SIBLING = ("sibling", "Sibling carer")
    YOUNG_ADULT = ("young_adult", "Young adult carer")
    WORKING = ("working", "Working carer")
    DISTANCE = ("distance", "Distance carer")
    SANDWICH = ("sandwich", "Sandwich carer (caring for children and parents)")
    LONE = ("lone", "Lone carer")
    OLDER = ("older", "Older carer")
    MUTUAL = ("mutual", "Mutual carer (caring for each other)")
    SPOUSE_OR_PARTNER = ("spouse_or_partner", "Caring for a spouse or partner")
    KINSHIP = ("kinship", "Kinship carer")
    MENTAL_HEALTH = ("mental_health", "Caring for someone with mental ill health")


class ReferralSource(LabelledEnum):
    SELF = ("self", "Self-referral")
    GP_PRACTICE = ("gp_practice", "GP practice")
    OPERATIONAL_TEAM = ("operational_team", "Council operational team")
    OTHER_PROFESSIONAL = ("other_professional", "Other professional")
    HOSPITAL = ("hospital", "Hospital")
    CHILDRENS_SERVICES = ("childrens_services", "Children's Services (young carer turning 18)")
    MENTAL_HEALTH_SERVICES = ("mental_health_services", "Mental health services")
    VOLUNTARY_ORGANISATION = ("voluntary_organisation", "Voluntary or community organisation")
    PEER_SUPPORT_GROUP = ("peer_support_group", "Peer support group")
    FAMILY_OR_FRIEND = ("family_or_friend", "Family member or friend")
    OTHER = ("other", "Other")


class LawfulBasis(LabelledEnum):
    """UK GDPR art. 6 bases; the art. 9 condition for health data is recorded in notes."""

    CONSENT = ("consent", "Consent")
    PUBLIC_TASK = ("public_task", "Public task")
    LEGITIMATE_INTERESTS = ("legitimate_interests", "Legitimate interests")
    VITAL_INTERESTS = ("vital_interests", "Vital interests")
    LEGAL_OBLIGATION = ("legal_obligation", "Legal obligation")
    CONTRACT = ("contract", "Contract")


class Condition(LabelledEnum):
    DEMENTIA = ("dementia", "Dementia")
    PHYSICAL_DISABILITY = ("physical_disability", "Physical disability")
    LONG_STANDING_ILLNESS = ("long_standing_illness", "Long-standing illness")
    MENTAL_HEALTH = ("mental_health", "Mental ill health")
    LEARNING_DISABILITY = ("learning_disability", "Learning disability")
    AUTISM = ("autism", "Autism")
    PARKINSONS = ("parkinsons", "Parkinson's")
    STROKE = ("stroke", "Stroke")
    SENSORY_IMPAIRMENT = ("sensory_impairment", "Sight or hearing loss")
    FRAILTY = ("frailty", "Frailty")
    SUBSTANCE_USE = ("substance_use", "Drug or alcohol use")
    OTHER = ("other", "Other")


class ClosureReason(LabelledEnum):
    """Why a carer's record was closed."""

    CARING_ENDED = ("caring_ended", "Caring has ended")
    BEREAVEMENT = ("bereavement", "Bereavement")
    MOVED_AWAY = ("moved_away", "Moved away")
    NO_LONGER_WANTS_SUPPORT = ("no_longer_wants_support", "No longer wants support")
    OTHER = ("other", "Another reason")


class AgeBand(LabelledEnum):
    YOUNG_CARER = ("young_carer", "Young carer")
    YOUNG_ADULT_CARER = ("young_adult_carer", "Young adult carer")
    ADULT = ("adult", "Adult carer")


# Equality monitoring: every answer is optional and each list offers "prefer not to say".


class Gender(LabelledEnum):
    WOMAN = ("woman", "Woman")
    MAN = ("man", "Man")
    NON_BINARY = ("non_binary", "Non-binary")
    SELF_DESCRIBED = ("self_described", "In another way")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


class Ethnicity(LabelledEnum):
    """The 2021 census high-level groups."""

    ASIAN = ("asian", "Asian or Asian British")
    BLACK = ("black", "Black, Black British, Caribbean or African")
    MIXED = ("mixed", "Mixed or multiple ethnic groups")
    WHITE = ("white", "White")
    OTHER = ("other", "Other ethnic group")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


class Religion(LabelledEnum):
    NONE = ("none", "No religion")
    BUDDHIST = ("buddhist", "Buddhist")
    CHRISTIAN = ("christian", "Christian")
    HINDU = ("hindu", "Hindu")
    JEWISH = ("jewish", "Jewish")
    MUSLIM = ("muslim", "Muslim")
    SIKH = ("sikh", "Sikh")
    OTHER = ("other", "Other religion")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


class SexualOrientation(LabelledEnum):
    STRAIGHT = ("straight", "Straight or heterosexual")
    GAY_OR_LESBIAN = ("gay_or_lesbian", "Gay or lesbian")
    BISEXUAL = ("bisexual", "Bisexual")
    OTHER = ("other", "Another sexual orientation")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


class YesNoPreferNot(LabelledEnum):
    YES = ("yes", "Yes")
    NO = ("no", "No")
    PREFER_NOT_TO_SAY = ("prefer_not_to_say", "Prefer not to say")


# --- parts of a carer's record ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Referral:
    # Annotated as dt.date because the field called ``date`` would shadow the type when
    # type hints are resolved (the codec resolves them).
    date: dt.date = field(metadata=NOT_IN_FUTURE)
    source: ReferralSource
    source_detail: str | None = None  # e.g. which GP practice or team
    contacted_on: dt.date | None = None  # first contact, for the "within 5 working days" KPI

    def __post_init__(self) -> None:
        clean_optional_text(self, "source_detail")
        problems = Problems()
        ok = problems.require_date("date", self.date)
        problems.require_enum("source", self.source, ReferralSource)
        if (
            problems.require_date("contacted_on", self.contacted_on, optional=True)
            and ok
            and self.contacted_on < self.date
        ):  # type: ignore[operator]
            problems.add("contacted_on", "must not be before the referral date")
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    given: bool
    date: dt.date | None = field(default=None, metadata=NOT_IN_FUTURE)
    lawful_basis: LawfulBasis = LawfulBasis.CONSENT
    notes: str | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "notes")
        problems = Problems()
        problems.require_bool("given", self.given)
        problems.require_enum("lawful_basis", self.lawful_basis, LawfulBasis)
        problems.require_date("date", self.date, optional=True)
        if self.given is True and self.date is None:
            problems.add("date", "record the date consent was given")
        if self.lawful_basis == LawfulBasis.CONSENT and self.given is False:
            problems.add(
                "given",
                "the lawful basis is consent but consent is not given; record consent or "
                "choose the lawful basis the service relies on",
            )
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class EqualityMonitoring:
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    religion: Religion | None = None
    sexual_orientation: SexualOrientation | None = None
    disability: YesNoPreferNot | None = None
    gender_same_as_at_birth: YesNoPreferNot | None = None

    def __post_init__(self) -> None:
        problems = Problems()
        problems.require_enum("gender", self.gender, Gender, optional=True)
        problems.require_enum("ethnicity", self.ethnicity, Ethnicity, optional=True)
        problems.require_enum("religion", self.religion, Religion, optional=True)
        problems.require_enum(
            "sexual_orientation", self.sexual_orientation, SexualOrientation, optional=True
        )
        problems.require_enum("disability", self.disability, YesNoPreferNot, optional=True)
        problems.require_enum(
            "gender_same_as_at_birth",
            self.gender_same_as_at_birth,
            YesNoPreferNot,
            optional=True,
        )
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class CaredForPerson:
    id: str = field(default_factory=new_id)
    name: str
    relationship: str  # in the carer's words: "my husband", "son", "neighbour"
    date_of_birth: date | None = field(default=None, metadata=IN_THE_PAST)
    conditions: tuple[Condition, ...] = ()
    lives_with_carer: bool | None = None

    def __post_init__(self) -> None:
        clean_text(self, "name", "relationship")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_text("name", self.name, "their name")
        problems.require_text("relationship", self.relationship, "how you are related")
        problems.require_date("date_of_birth", self.date_of_birth, optional=True)
        problems.require_enum_tuple("conditions", self.conditions, Condition)
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """Someone the carer names (a relative, friend, professional). They are people in their
    own right, so their consent to be recorded is kept with them."""

    id: str = field(default_factory=new_id)
    name: str
    relationship: str
    phone: str | None = None
    email: str | None = None
    consent_given: bool = False
    consent_date: date | None = field(default=None, metadata=NOT_IN_FUTURE)

    def __post_init__(self) -> None:
        clean_text(self, "name", "relationship")
        clean_optional_text(self, "phone", "email")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_text("name", self.name, "their name")
        problems.require_text("relationship", self.relationship, "who they are to the carer")
        check_phone(problems, "phone", self.phone)
        check_email(problems, "email", self.email)
        problems.require_bool("consent_given", self.consent_given)
        problems.require_date("consent_date", self.consent_date, optional=True)
        if self.consent_given is True and self.consent_date is None:
            problems.add("consent_date", "record the date they agreed to be a contact")
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class YoungCarerReferral:
    """A carer under 18 referred on to the young carers' service (BRIEF §6)."""

    referred_on: date = field(metadata=NOT_IN_FUTURE)
    to: str  # the service, in words
    by: str  # who made the referral
    note: str | None = None

    def __post_init__(self) -> None:
        clean_text(self, "to", "by")
        clean_optional_text(self, "note")
        problems = Problems()
        problems.require_date("referred_on", self.referred_on)
        problems.require_text("to", self.to, "the service they were referred to")
        problems.require_text("by", self.by, "who made the referral")
        problems.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class Closure:
    """The carer's record is closed: no new work is started, their cards are revoked, and
    the retention period runs from ``closed_on``."""

    closed_on: date = field(metadata=NOT_IN_FUTURE)
    reason: ClosureReason
    closed_by: str
    note: str | None = None

    def __post_init__(self) -> None:
        clean_text(self, "closed_by")
        clean_optional_text(self, "note")
        problems = Problems()
        problems.require_date("closed_on", self.closed_on)
        problems.require_enum("reason", self.reason, ClosureReason)
        problems.require_text("closed_by", self.closed_by, "who closed the record")
        if self.reason == ClosureReason.OTHER and self.note is None:
            problems.add("note", "say why the record is being closed")
        problems.raise_if_any()


# --- the carer ------------------------------------------------------------------------------


def _age_on(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def months_between(born: date, on: date) -> int:
    months = (on.year - born.year) * 12 + (on.month - born.month)
    if on.day < born.day:
        months -= 1
    return months


@dataclass(frozen=True, slots=True, kw_only=True)
class Carer:
    id: str = field(default_factory=new_id)
    given_name: str
    family_name: str
    preferred_name: str | None = None
    date_of_birth: date | None = field(default=None, metadata=IN_THE_PAST)
    contact: ContactDetails = field(default_factory=ContactDetails)
    address: Address | None = None
    language: str | None = None  # preferred language, in words ("English", "Polish")
    interpreter_needed: bool = False
    accessible_formats: tuple[AccessibleFormat, ...] = ()
    gp_practice: str | None = None
    registered_with_gp_as_carer: bool | None = None
    encouraged_to_register_with_gp_on: date | None = field(default=None, metadata=NOT_IN_FUTURE)
    employment_status: EmploymentStatus | None = None
    carer_types: tuple[CarerType, ...] = ()
    hours_of_care_per_week: int | None = None
    lives_with_cared_for: bool | None = None
    referral: Referral
    consent: Consent
    equality: EqualityMonitoring = field(default_factory=EqualityMonitoring)
    cared_for: tuple[CaredForPerson, ...] = ()
    contacts: tuple[Contact, ...] = ()
    team: LocalityTeam | None = None
    worker: str | None = None  # username of the assigned outreach worker
    safeguarding_flag: bool = False
    young_carer_referral: YoungCarerReferral | None = None
    closure: Closure | None = None  # the record was closed (caring ended, moved away...)
    # When the record was first made, in UTC. Services stamp it from their own clock; a
    # record made without one (a test, a script) is stamped by the system clock.
    created_at: datetime = field(default_factory=SYSTEM_CLOCK.now)

    def __post_init__(self) -> None:
        clean_text(self, "given_name", "family_name")
        clean_optional_text(self, "preferred_name", "language", "gp_practice", "worker")
        problems = Problems()
        problems.require_id("id", self.id)
        problems.require_text("given_name", self.given_name, "the carer's first name")
        problems.require_text("family_name", self.family_name, "the carer's family name")
        for name in ("preferred_name", "language", "gp_practice", "worker"):
            problems.optional_text(name, getattr(self, name))
        problems.require_date("date_of_birth", self.date_of_birth, optional=True)
        if not isinstance(self.contact, ContactDetails):
            problems.add("contact", "must be ContactDetails")
        if self.address is not None and not isinstance(self.address, Address):
            problems.add("address", "must be an Address")
        problems.require_bool("interpreter_needed", self.interpreter_needed)
        if self.interpreter_needed is True and self.language is None:
            problems.add("language", "an interpreter is needed; record which language")
        problems.require_enum_tuple("accessible_formats", self.accessible_formats, AccessibleFormat)
        if self.registered_with_gp_as_carer is not None and not isinstance(
            self.registered_with_gp_as_carer, bool
        ):
            problems.add("registered_with_gp_as_carer", "must be true, false or not known")
        problems.require_date(
            "encouraged_to_register_with_gp_on",
            self.encouraged_to_register_with_gp_on,
            optional=True,
        )
        problems.require_enum(
            "employment_status", self.employment_status, EmploymentStatus, optional=True
        )
        problems.require_enum_tuple("carer_types", self.carer_types, CarerType)
        hours = self.hours_of_care_per_week
        if hours is not None and (
            isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= 168
        ):
            problems.add(
                "hours_of_care_per_week",
                f"{hours!r} is not a number of hours between 0 and 168 (a week)",
            )
        if self.lives_with_cared_for is not None and not isinstance(
            self.lives_with_cared_for, bool
        ):
            problems.add("lives_with_cared_for", "must be true, false or not known")
        if not isinstance(self.referral, Referral):
            problems.add("referral", "must be a Referral")
        if not isinstance(self.consent, Consent):
            problems.add("consent", "must be a Consent")
        if not isinstance(self.equality, EqualityMonitoring):
            problems.add("equality", "must be EqualityMonitoring")
        if problems.require_tuple_of("cared_for", self.cared_for, CaredForPerson):
            problems.unique_ids("cared_for", self.cared_for)
        if problems.require_tuple_of("contacts", self.contacts, Contact):
            problems.unique_ids("contacts", self.contacts)
        problems.require_enum("team", self.team, LocalityTeam, optional=True)
        problems.require_bool("safeguarding_flag", self.safeguarding_flag)
        if self.young_carer_referral is not None and not isinstance(
            self.young_carer_referral, YoungCarerReferral
        ):
            problems.add("young_carer_referral", "must be a YoungCarerReferral")
        if self.closure is not None and not isinstance(self.closure, Closure):
            problems.add("closure", "must be a Closure")
        problems.require_aware("created_at", self.created_at)
        problems.raise_if_any()

    @property
    def is_closed(self) -> bool:
        return self.closure is not None

    @property
    def display_name(self) -> str:
        """The name to greet them by: their preferred name if they gave one."""
        return display_name(self.given_name, self.family_name, self.preferred_name)

    @property
    def full_name(self) -> str:
        return full_name(self.given_name, self.family_name)

    def age_on(self, on: date) -> int | None:
        """Age in whole years on a day, or None when the date of birth is not recorded."""
        if self.date_of_birth is None:
            return None
        return _age_on(self.date_of_birth, on)

    def age_band(self, config: Settings | AgeBandSettings, on: date) -> AgeBand | None:
        """Which age band the carer is in on ``on``, using the configured bands; None when
        the date of birth is not recorded."""
        bands = config.age_bands if isinstance(config, Settings) else config
        age = self.age_on(on)
        if age is None:
            return None
        if age < bands.young_carer_under:
            return AgeBand.YOUNG_CARER
        if age <= bands.young_adult_carer_up_to:
            return AgeBand.YOUNG_ADULT_CARER
        return AgeBand.ADULT

    def in_transition_to_adult_services(self, config: Settings | AgeBandSettings, on: date) -> bool:
        """True from the age Children's Services refer young carers on (17½ by default)
        until the carer turns 18, so the service can plan their move across."""
        bands = config.age_bands if isinstance(config, Settings) else config
        if self.date_of_birth is None:
            return False
        months = months_between(self.date_of_birth, on)
        return bands.transition_referral_months <= months < bands.young_carer_under * 12
