"""Settings: every amount, window, cap, age band and template choice the rules use.

The defaults below are the service's current figures (BRIEF §3-§4). A TOML file may
override any subset of them; unknown keys and wrong types are refused with a message that
names the key and the file, because a silently ignored typo in a payment cap is worse
than a refusal to start. Every setting is documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from carer_desk.errors import ValidationError
from carer_desk.validation import Problems, join_path

logger = logging.getLogger(__name__)

T = TypeVar("T")

APP_NAME = "carer-desk"
CONFIG_FILE_NAME = "config.toml"

# The card's 24-hour number until the real one is configured. It is a deliberately
# unallocated-looking Freephone number; printing code can check
# CardSettings.emergency_line_configured and warn before cards leave the building.
PLACEHOLDER_EMERGENCY_LINE = "0800 000 0000"

# The BRIEF's rule: the line rings 2-4 named people in order. The card and the line's
# screen have room for four, so a plan with more is refused outright; fewer just leaves
# it incomplete. PlanSettings may ask for more than 2 before a plan counts as complete,
# never for more than 4. Plans (carer_desk.records.plan) read these bounds from here:
# settings know nothing of records.
MIN_EMERGENCY_CONTACTS = 2
MAX_EMERGENCY_CONTACTS = 4

# Which financial year approved money counts in once paid (payments.year_end_attribution).
YEAR_APPROVED = "approved"
YEAR_PAID = "paid"
YEAR_END_ATTRIBUTIONS = (YEAR_APPROVED, YEAR_PAID)

# What a look-up of a revoked card number shows (emergency_line.revoked_number): only
# the number of the card that replaced it, or that card's plan straight away.
REVOKED_NAMES_CURRENT = "names-current"
REVOKED_OPENS_CURRENT = "opens-current"
REVOKED_NUMBER_POLICIES = (REVOKED_NAMES_CURRENT, REVOKED_OPENS_CURRENT)


class ConfigError(ValidationError):
    """The settings file could not be used; the message names the file and each key."""

    def __init__(self, source: Path | str, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.source = Path(source)
        self.args = (
            f"Settings file {self.source}: {self.args[0]}. "
            "Correct these settings (see docs/configuration.md) or remove them to use "
            "the defaults.",
        )


def _positive_int(p: Problems, path: str, value: object, *, minimum: int = 1) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(path, "must be a whole number")
        return False
    if value < minimum:
        p.add(path, f"must be at least {minimum}, not {value}")
        return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentSettings:
    cap_pence: int = 30_000  # £300 per carer in any rolling window
    window_months: int = 12
    # A payment needs an assessment completed within this many months.
    assessment_valid_months: int = 12
    # A second request for the same purpose within this many days is flagged.
    duplicate_purpose_days: int = 90
    annual_budget_pence: int = 52_525_000  # £525,250
    funder_split: tuple[tuple[str, int], ...] = (
        ("Oxfordshire County Council", 50),
        ("NHS Buckinghamshire, Oxfordshire and Berkshire West ICB", 50),
    )
    financial_year_start_month: int = 4
    financial_year_start_day: int = 1
    # A draft older than this many days stops counting towards the cap (it is listed for
    # the worker to submit or cancel), so a forgotten draft never blocks a carer silently.
    stale_draft_days: int = 60
    # Which year approved money counts in once it is paid: the year it was approved (the
    # default) or the year it was paid.
    year_end_attribution: str = YEAR_APPROVED
    # Budgets set per financial year: (calendar year the financial year starts in, pence).
    # A year not listed has ``annual_budget_pence``; setting next year's figure never
    # changes an earlier year's position.
    budget_by_year: tuple[tuple[int, int], ...] = ()

    def budget_for(self, first_year: int) -> int:
        """The budget of the financial year that starts in calendar year ``first_year``."""
        for year, pence in self.budget_by_year:
            if year == first_year:
                return pence
        return self.annual_budget_pence

    def __post_init__(self) -> None:
        p = Problems()
        _positive_int(p, "cap_pence", self.cap_pence)
        _positive_int(p, "stale_draft_days", self.stale_draft_days)
        if self.year_end_attribution not in YEAR_END_ATTRIBUTIONS:
            p.add(
                "year_end_attribution",
                f"must be one of {', '.join(repr(a) for a in YEAR_END_ATTRIBUTIONS)}, "
                f"not {self.year_end_attribution!r}",
            )
        years = [year for year, _ in self.budget_by_year]
        if any(
            isinstance(y, bool) or not isinstance(y, int) or not 2000 <= y <= 2200 for y in years
        ):
            p.add("budget_by_year", "each entry is [first calendar year, budget in pence]")
        elif len(set(years)) != len(years):
            p.add("budget_by_year", "a financial year is given two budgets")
        if any(
            isinstance(v, bool) or not isinstance(v, int) or v < 0 for _, v in self.budget_by_year
        ):
            p.add("budget_by_year", "each budget must be whole pence, 0 or more")
        _positive_int(p, "window_months", self.window_months)
        _positive_int(p, "assessment_valid_months", self.assessment_valid_months)
        _positive_int(p, "duplicate_purpose_days", self.duplicate_purpose_days, minimum=0)
        _positive_int(p, "annual_budget_pence", self.annual_budget_pence)
        if not self.funder_split:
            p.add("funder_split", "name at least one funder and its percentage share")
        else:
            shares = [share for _, share in self.funder_split]
            if any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shares):
                p.add("funder_split", "each share must be a whole percentage above 0")
            elif sum(shares) != 100:
                p.add("funder_split", f"shares must add up to 100, not {sum(shares)}")
            names = [name for name, _ in self.funder_split]
            if any(not isinstance(n, str) or not n.strip() for n in names):
                p.add("funder_split", "each funder needs a name")
            elif len(set(names)) != len(names):
                p.add("funder_split", "a funder is named twice")
        month_ok = _positive_int(p, "financial_year_start_month", self.financial_year_start_month)
        if month_ok and self.financial_year_start_month > 12:
            p.add("financial_year_start_month", "must be a month from 1 to 12")
        elif month_ok and _positive_int(
            p, "financial_year_start_day", self.financial_year_start_day
        ):
            try:
                # 2023 is not a leap year, so 29 February is refused: a year must start on
                # a day every year has.
                date(2023, self.financial_year_start_month, self.financial_year_start_day)
            except ValueError:
                p.add("financial_year_start_day", "is not a day of that month in every year")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class AgeBandSettings:
    young_carer_under: int = 18
    # Young adult carers are 18 up to and including this age (some services use 24).
    young_adult_carer_up_to: int = 25
    # Children's Services refer young carers to adult services at 17½ (210 months).
    transition_referral_months: int = 210
    # Ages a carer's date of birth may give (anything else is almost always a typing
    # slip in the year), and the oldest age for anyone else recorded.
    youngest_carer_age: int = 8
    oldest_age: int = 110
    # Who a carer under ``young_carer_under`` (or a child helping with care) is referred to.
    young_carers_service: str = "the young carers' service"

    def __post_init__(self) -> None:
        p = Problems()
        under_ok = _positive_int(p, "young_carer_under", self.young_carer_under)
        youngest_ok = _positive_int(p, "youngest_carer_age", self.youngest_carer_age)
        if _positive_int(p, "oldest_age", self.oldest_age, minimum=60) and (
            youngest_ok and self.oldest_age <= self.youngest_carer_age
        ):
            p.add("oldest_age", "must be more than youngest_carer_age")
        if youngest_ok and under_ok and self.youngest_carer_age > self.young_carer_under:
            p.add(
                "youngest_carer_age",
                f"must not be above young_carer_under ({self.young_carer_under})",
            )
        p.require_text(
            "young_carers_service", self.young_carers_service, "who young carers are referred to"
        )
        if _positive_int(p, "young_adult_carer_up_to", self.young_adult_carer_up_to) and (
            under_ok and self.young_adult_carer_up_to < self.young_carer_under
        ):
            p.add(
                "young_adult_carer_up_to",
                f"must be at least young_carer_under ({self.young_carer_under})",
            )
        if (
            _positive_int(p, "transition_referral_months", self.transition_referral_months)
            and under_ok
            and self.transition_referral_months > self.young_carer_under * 12
        ):
            p.add("transition_referral_months", "must come before the young carer turns adult")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingDaySettings:
    # A file of England bank holidays replacing the bundled list (one ISO date per line
    # or the gov.uk JSON); relative paths are taken from the settings file's folder.
    bank_holidays_file: str | None = None
    extra_holidays: tuple[date, ...] = ()  # e.g. office closure days

    def __post_init__(self) -> None:
        p = Problems()
        p.optional_text("bank_holidays_file", self.bank_holidays_file)
        for index, day in enumerate(self.extra_holidays):
            p.require_date(f"extra_holidays[{index}]", day)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSettings:
    review_months: int = 12
    reminder_days_before: int = 30
    min_contacts: int = MIN_EMERGENCY_CONTACTS
    max_contacts: int = MAX_EMERGENCY_CONTACTS

    def __post_init__(self) -> None:
        p = Problems()
        _positive_int(p, "review_months", self.review_months)
        _positive_int(p, "reminder_days_before", self.reminder_days_before, minimum=0)
        min_ok = _positive_int(p, "min_contacts", self.min_contacts)
        if _positive_int(p, "max_contacts", self.max_contacts):
            if self.max_contacts > MAX_EMERGENCY_CONTACTS:
                p.add(
                    "max_contacts",
                    f"cannot be more than {MAX_EMERGENCY_CONTACTS}: the card and the line's "
                    "screen hold four contacts",
                )
            elif min_ok and self.min_contacts > self.max_contacts:
                p.add("min_contacts", f"must not exceed max_contacts ({self.max_contacts})")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class CardSettings:
    emergency_line_phone: str = PLACEHOLDER_EMERGENCY_LINE
    number_length: int = 12  # digits including the check digit
    group_size: int = 4  # digits are read out in groups: "1234 5678 9012"

    def __post_init__(self) -> None:
        p = Problems()
        p.require_text("emergency_line_phone", self.emergency_line_phone, "the 24-hour number")
        if _positive_int(p, "number_length", self.number_length, minimum=6) and (
            self.number_length > 20
        ):
            p.add("number_length", "must be at most 20 digits, to be read over the phone")
        _positive_int(p, "group_size", self.group_size)
        p.raise_if_any()

    @property
    def emergency_line_configured(self) -> bool:
        return self.emergency_line_phone.strip() != PLACEHOLDER_EMERGENCY_LINE


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyLineSettings:
    """What the 24-hour line needs before a card may ring it, and what it does instead
    (BRIEF §4). The consent to share the plan is always required: it is the law, not a
    setting."""

    # The least a plan must hold for a card to be issued against it and read out.
    min_consented_contacts: int = 1  # with a phone number
    require_cared_for_needs: bool = True  # who is cared for and the care they need
    require_way_in: bool = True  # keys, key safe or how to get in
    # Where care is needed: the person cared for's address, or the carer's when they live
    # together (a distance carer's plan must give it).
    require_care_address: bool = True
    # Who the operator arranges replacement care with when the plan cannot be used.
    replacement_care_route: str = "the emergency replacement care service"
    replacement_care_hours: int = 48  # the most hours arranged on a normal call
    exceptional_replacement_care_hours: int = 72  # in exceptional cases
    # A look-up of a revoked card: "names-current" says which card replaced it (the
    # operator looks that one up); "opens-current" shows that card's plan at once.
    revoked_number: str = REVOKED_NAMES_CURRENT

    def __post_init__(self) -> None:
        p = Problems()
        if (
            _positive_int(p, "min_consented_contacts", self.min_consented_contacts)
            and self.min_consented_contacts > MAX_EMERGENCY_CONTACTS
        ):
            p.add("min_consented_contacts", f"cannot be more than {MAX_EMERGENCY_CONTACTS}")
        p.require_bool("require_cared_for_needs", self.require_cared_for_needs)
        p.require_bool("require_way_in", self.require_way_in)
        p.require_bool("require_care_address", self.require_care_address)
        p.require_text(
            "replacement_care_route", self.replacement_care_route, "who arranges replacement care"
        )
        normal = _positive_int(p, "replacement_care_hours", self.replacement_care_hours)
        if (
            _positive_int(
                p, "exceptional_replacement_care_hours", self.exceptional_replacement_care_hours
            )
            and normal
            and self.exceptional_replacement_care_hours < self.replacement_care_hours
        ):
            p.add(
                "exceptional_replacement_care_hours",
                f"must be at least replacement_care_hours ({self.replacement_care_hours})",
            )
        if self.revoked_number not in REVOKED_NUMBER_POLICIES:
            p.add(
                "revoked_number",
                f"must be one of {', '.join(repr(v) for v in REVOKED_NUMBER_POLICIES)}",
            )
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalRouteSettings:
    """How the record names the law a carer's assessment is held under (BRIEF §2)."""

    adult_carer: str = (
        "Care Act 2014, s.10: carer's assessment; eligibility under the Care and Support "
        "(Eligibility Criteria) Regulations 2015, reg. 3"
    )
    young_carer: str = (
        "Children Act 1989, s.17ZA: young carer's needs assessment (reg. 3 is for adult "
        "carers of adults and does not apply)"
    )
    parent_carer: str = (
        "Children Act 1989, s.17ZD: parent carer's needs assessment (reg. 3 is for adult "
        "carers of adults and does not apply)"
    )

    def __post_init__(self) -> None:
        p = Problems()
        for name in ("adult_carer", "young_carer", "parent_carer"):
            p.require_text(name, getattr(self, name), "the wording of this legal route")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSettings:
    # Marks the demo's own settings file: invented data only, so its fictional 24-hour
    # number may be printed. A vault enrolled with a real server refuses such a file.
    invented_data: bool = False

    def __post_init__(self) -> None:
        p = Problems()
        p.require_bool("invented_data", self.invented_data)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class VaultSettings:
    idle_lock_minutes: int = 5
    # Argon2id cost for new vaults; stored with each vault so it can be raised later.
    argon2_memory_kib: int = 65_536
    argon2_iterations: int = 3
    argon2_lanes: int = 4
    # The organisation's recovery public key (PEM) that new vaults also wrap their key to,
    # so a forgotten passphrase never loses unsynced work. Relative to the settings file.
    recovery_public_key_file: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _positive_int(p, "idle_lock_minutes", self.idle_lock_minutes)
        lanes_ok = _positive_int(p, "argon2_lanes", self.argon2_lanes)
        _positive_int(p, "argon2_iterations", self.argon2_iterations)
        # Below 19 MiB Argon2id stops being memory-hard enough (OWASP's floor).
        _positive_int(p, "argon2_memory_kib", self.argon2_memory_kib, minimum=19_456)
        if lanes_ok and self.argon2_lanes > 255:
            p.add("argon2_lanes", "must be at most 255")
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSettings:
    default_conversation_template: str = "guided-conversation"

    def __post_init__(self) -> None:
        p = Problems()
        p.require_text(
            "default_conversation_template", self.default_conversation_template, "a template id"
        )
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterSettings:
    """Who letters (e.g. wellbeing-payment decisions) come from and how to reply."""

    sender_name: str = "Carers Oxfordshire"
    sender_address: tuple[str, ...] = ()  # printed lines, e.g. ("PO Box 123", "Oxford")
    sender_phone: str | None = None  # the office number for questions about a letter
    # How to complain about a decision, as printed on decision letters ("write to ...").
    complaints_contact: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        p.require_text("sender_name", self.sender_name, "the name letters come from")
        p.optional_text("complaints_contact", self.complaints_contact)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    age_bands: AgeBandSettings = field(default_factory=AgeBandSettings)
    working_days: WorkingDaySettings = field(default_factory=WorkingDaySettings)
    plans: PlanSettings = field(default_factory=PlanSettings)
    cards: CardSettings = field(default_factory=CardSettings)
    vault: VaultSettings = field(default_factory=VaultSettings)
    templates: TemplateSettings = field(default_factory=TemplateSettings)
    letters: LetterSettings = field(default_factory=LetterSettings)
    emergency_line: EmergencyLineSettings = field(default_factory=EmergencyLineSettings)
    legal_routes: LegalRouteSettings = field(default_factory=LegalRouteSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)


# --- loading --------------------------------------------------------------------------------


def default_config_path() -> Path:
    """Where the settings file lives for this user (e.g. ~/.config/carer-desk/config.toml)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def read_settings_file(source: Path) -> dict[str, Any]:
    """The TOML table in ``source``; :class:`ConfigError` naming the file when it cannot
    be read or is not TOML (the laptop's settings and the server's use it alike)."""
    try:
        with source.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [("", f"is not valid TOML ({exc})")]) from exc
    except OSError as exc:
        raise ConfigError(source, [("", f"cannot be read ({exc.strerror})")]) from exc


def load_settings(path: Path | None = None) -> Settings:
    """Defaults overridden by the TOML file at ``path`` (default: :func:`default_config_path`).

    A missing file means the defaults. Raises :class:`ConfigError` naming the file and
    every bad key when the file cannot be used.
    """
    source = Path(path) if path is not None else default_config_path()
    if not source.exists():
        logger.info("No settings file at %s; using the defaults", source)
        return Settings()
    data = read_settings_file(source)
    problems = Problems()
    settings = _build(Settings, data, "", problems)
    if problems.items or settings is None:
        raise ConfigError(source, problems.items)
    settings = _resolve_paths(settings, source.parent)
    logger.info("Settings loaded from %s", source)
    return settings


def build_settings(cls: type[T], data: object) -> T:
    """One settings class from a table (parsed TOML, or JSON sent by the server), every
    unknown key, wrong type and bad value named (:class:`ValidationError`; a caller
    reading a file wraps it in a :class:`ConfigError` naming the file)."""
    problems = Problems()
    built = _build(cls, data, "", problems)
    if problems.items or built is None:
        raise ValidationError(problems.items or [("", "cannot be read")])
    return built


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    file = settings.working_days.bank_holidays_file
    if file is not None and not Path(file).is_absolute():
        working_days = dataclasses.replace(
            settings.working_days, bank_holidays_file=str(base / file)
        )
        settings = dataclasses.replace(settings, working_days=working_days)
    key = settings.vault.recovery_public_key_file
    if key is not None and not Path(key).is_absolute():
        vault = dataclasses.replace(settings.vault, recovery_public_key_file=str(base / key))
        settings = dataclasses.replace(settings, vault=vault)
    return settings


def _build(cls: type, data: object, prefix: str, problems: Problems) -> Any:
    """Build settings dataclass ``cls`` from a TOML table, adding every problem found."""
    if not isinstance(data, dict):
        problems.add(prefix, "must be a table of settings")
        return None
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            known = ", ".join(sorted(names))
            problems.add(join_path(prefix, key), f"is not a setting; settings here: {known}")
    kwargs: dict[str, Any] = {}
    ok = True
    for name in (n for n in names if n in data):
        path = join_path(prefix, name)
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            value = _build(hint, data[name], path, problems)
            ok = ok and value is not None
        else:
            value, good = _convert(hint, data[name], path, problems)
            ok = ok and good
        kwargs[name] = value
    if not ok or problems.items:
        return None
    try:
        return cls(**kwargs)
    except ValidationError as exc:
        problems.extend(prefix, exc.problems)
        return None


def _convert(hint: Any, value: object, path: str, problems: Problems) -> tuple[Any, bool]:
    """Check a TOML value against a settings field's type; TOML has no arrays of tuples,
    so arrays become tuples here."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # "X | None": TOML has no null
        inner = next(a for a in args if a is not type(None))
        return _convert(inner, value, path, problems)
    if hint is bool:
        if isinstance(value, bool):
            return value, True
        problems.add(path, f"must be true or false, not {value!r}")
        return None, False
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, True
        problems.add(path, f"must be a whole number, not {value!r}")
        return None, False
    if hint is str:
        if isinstance(value, str):
            return value, True
        problems.add(path, f"must be text in quotes, not {value!r}")
        return None, False
    if hint is date:
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value, True
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), True
            except ValueError:
                pass
        problems.add(path, f"must be a date like 2025-12-24, not {value!r}")
        return None, False
    if origin is tuple:
        if not isinstance(value, list):
            problems.add(path, "must be a list in square brackets")
            return None, False
        if len(args) == 2 and args[1] is Ellipsis:
            items = [_convert(args[0], v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
        else:
            if len(value) != len(args):
                problems.add(path, f"must have {len(args)} items, not {len(value)}")
                return None, False
            items = [
                _convert(a, v, f"{path}[{i}]", problems)
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            ]
        return tuple(v for v, _ in items), all(good for _, good in items)
    raise TypeError(f"settings field type {hint!r} has no TOML conversion")  # a bug, not input
