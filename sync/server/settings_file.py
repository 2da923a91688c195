"""The server's settings file: ``settings.toml`` in its data directory, beside the key.

It holds the rules the server enforces that an organisation may choose (docs/operations.md
lists every key), in tables named as on the laptop where the setting is the same one:

    [payments]                # the same keys as a laptop's [payments]
    cap_pence = 30000

    [cards]
    number_length = 8

    [server]                  # the server's own
    payment_date_allowance_days = 31

    [emergency_line]          # what the 24-hour line's look-up needs and says
    min_consented_contacts = 1
    replacement_care_route = "the emergency replacement care service (0345 000 1122)"
    revoked_number = "names-current"   # or "opens-current"

    [card_lookups]            # look-ups allowed per device and per user (issue 10)
    window_minutes = 10
    per_device = 30

    [retention]               # years after closure, per record kind (issue 11)
    payment_request = 7

The admin API and ``carer-desk-server settings`` edit this same file
(:mod:`sync.server.settings_edits`), so a restart keeps what they set.

A missing file means the defaults. A typo, an unknown key or a bad value stops the
server starting, with a message naming the file and each key: a silently ignored
setting on the emergency line is worse than a refusal to start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carer_desk.config import (
    ConfigError,
    EmergencyLineSettings,
    build_settings,
    read_settings_file,
)
from carer_desk.errors import ValidationError
from carer_desk.rules.payment_rules import PaymentRules
from sync.server.data_protection.retention_policy import (
    DEFAULT_YEARS,
    RetentionPolicy,
    retention_problems,
)

#: How many days before the server's today a laptop may date a payment request or one of
#: its steps (work done offline and synced later); older dates are refused.
DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS = 31
_TABLES = ("payments", "cards", "server", "emergency_line", "card_lookups", "retention")
_SERVER_KEYS = {"payment_date_allowance_days"}


@dataclass(frozen=True, slots=True, kw_only=True)
class CardLookupLimits:
    """How many card look-ups one device, and one user, may make in a window, and how
    many of them may miss (an unknown number or a failed check digit) before the server
    raises an alert and then stops answering (issue 10: numbers must not be enumerable).

    Counted from the audit log, so the limits hold across restarts and every server
    process sharing the database. A real call needs a handful of look-ups; the defaults
    leave room for a busy night and a mistyped number or two (docs/security.md gives the
    residual risk for each card-number length)."""

    window_minutes: int = 10
    per_device: int = 30  # look-ups from one device in the window
    per_user: int = 60  # look-ups by one user, across all their devices
    alert_after_misses: int = 5  # misses by one user in the window that raise an alert
    max_misses: int = 10  # misses by one user in the window before look-ups stop

    def __post_init__(self) -> None:
        counts = ("window_minutes", "per_device", "per_user", "alert_after_misses", "max_misses")
        problems = [
            (name, "must be a whole number of at least 1")
            for name, value in ((n, getattr(self, n)) for n in counts)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1
        ]
        if not problems and self.max_misses < self.alert_after_misses:
            problems.append(("max_misses", "must be at least alert_after_misses"))
        if problems:
            raise ValidationError(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class _LineFileSettings:
    """The [emergency_line] and [card_lookups] tables (each optional)."""

    emergency_line: EmergencyLineSettings = field(default_factory=EmergencyLineSettings)
    card_lookups: CardLookupLimits = field(default_factory=CardLookupLimits)


Problems = list[tuple[str, str]]


def load_settings_file(path: Path) -> dict[str, Any]:
    """The settings ``path`` sets, as :class:`ServerSettings` keyword arguments; a missing
    file sets nothing. A bad file is a :class:`ConfigError` naming the file and every bad
    key: a server must never run with a payment cap or a line rule it silently ignored."""
    if not path.exists():
        return {}
    data = read_settings_file(path)
    expected = ", ".join(f"[{t}]" for t in _TABLES)
    problems: Problems = [
        (key, f"is not a server setting (expected {expected})")
        for key in sorted(set(data) - set(_TABLES))
    ]
    for name in _TABLES:
        if name in data and not isinstance(data[name], dict):
            problems.append((name, "must be a table"))
    tables = {t: data.get(t, {}) for t in _TABLES}
    found: dict[str, Any] = {}
    _payments(tables["payments"], tables["cards"], found, problems)
    _server(tables["server"], found, problems)
    _line(tables, found, problems)
    _retention(tables["retention"], found, problems)
    if problems:
        raise ConfigError(path, problems)
    return found


def _payments(payments: object, cards: object, found: dict[str, Any], problems: Problems) -> None:
    """[payments] and [cards] number_length, built as the laptop builds them."""
    if isinstance(cards, dict):
        problems.extend(
            (f"cards.{k}", "is not a server card setting")
            for k in sorted(set(cards) - {"number_length"})
        )
    if not (isinstance(payments, dict) and isinstance(cards, dict)):
        return
    table = dict(payments)
    if "number_length" in cards:
        table["card_number_length"] = cards["number_length"]
    try:
        found["payments"] = PaymentRules.from_table(table)
    except ValidationError as exc:
        problems.extend(
            ("cards.number_length" if key == "card_number_length" else f"payments.{key}", message)
            for key, message in exc.problems
        )


def _server(server: object, found: dict[str, Any], problems: Problems) -> None:
    """[server]: the keys of the server's own."""
    if not isinstance(server, dict):
        return
    for key in sorted(set(server) - _SERVER_KEYS):
        problems.append((f"server.{key}", "is not a server setting"))
    days = server.get("payment_date_allowance_days", DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        problems.append(("server.payment_date_allowance_days", "must be 0 to 366 days"))
    else:
        found["payment_date_allowance_days"] = days


def _line(tables: dict[str, object], found: dict[str, Any], problems: Problems) -> None:
    """[emergency_line] and [card_lookups], built (and checked) as the laptop's are."""
    given = {t: tables[t] for t in ("emergency_line", "card_lookups") if tables[t]}
    if any(not isinstance(table, dict) for table in given.values()):
        return  # named above as "must be a table"
    try:
        built = build_settings(_LineFileSettings, given)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return
    found.update({name: getattr(built, name) for name in given})


def _retention(table: object, found: dict[str, Any], problems: Problems) -> None:
    """[retention]: years after closure per record kind; kinds not named keep the
    documented defaults."""
    if not isinstance(table, dict) or not table:
        return
    bad = retention_problems(table)
    problems.extend((f"retention.{kind}", message) for kind, message in bad)
    if not bad:
        found["retention"] = RetentionPolicy({**DEFAULT_YEARS, **table})
