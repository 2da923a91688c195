"""The server's settings file: ``server.toml`` in its data directory, beside the key.

It holds the rules the server enforces that an organisation may choose (docs/operations.md
lists every key), in tables named as on the laptop where the setting is the same one:

    [emergency_line]          # what the 24-hour line's look-up needs and says
    min_consented_contacts = 1
    replacement_care_route = "the emergency replacement care service (0345 000 1122)"
    revoked_number = "names-current"   # or "opens-current"

    [card_lookups]            # look-ups allowed per device and per user (issue 10)
    window_minutes = 10
    per_device = 30

A missing file means the defaults. A typo, an unknown key or a bad value stops the
server starting, with a message naming the file and each key: a silently ignored
setting on the emergency line is worse than a refusal to start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carer_desk.config import ConfigError, EmergencyLineSettings, build_settings
from carer_desk.errors import ValidationError


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
class ServerFileSettings:
    """Everything the settings file may set (each table optional)."""

    emergency_line: EmergencyLineSettings = field(default_factory=EmergencyLineSettings)
    card_lookups: CardLookupLimits = field(default_factory=CardLookupLimits)


def read_settings_file(path: Path) -> dict[str, Any]:
    """The settings ``path`` sets, as :class:`ServerSettings` fields (empty when there is
    no file); :class:`ConfigError` naming the file and every bad key otherwise."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("", f"is not valid TOML ({exc})")]) from None
    except OSError as exc:
        raise ConfigError(path, [("", f"cannot be read ({exc.strerror})")]) from None
    try:
        built = build_settings(ServerFileSettings, data)
    except ValidationError as exc:
        raise ConfigError(path, list(exc.problems)) from None
    return {name: getattr(built, name) for name in data}
