"""Where the server keeps its data and the limits it enforces.

The embedded default needs no configuration: a SQLite file and a key file under the
platform's user data directory (``platformdirs.user_data_dir("carer-desk-server")``).
Production points ``database_url`` at PostgreSQL; the key file always stays a separate
file so a database dump alone never holds the key.

The payment rules (cap, window, assessment validity, budgets per financial year, card
number length, ...) come from the server's own settings file, ``settings.toml`` in the
data directory (docs/operations.md): the same ``[payments]`` keys as a laptop's settings,
``[cards] number_length``, and ``[server]`` keys of the server's own. The server tells
laptops at sync which rules are in force (``GET /v1/payment-rules``), so both decide by
the same numbers. The same file holds the 24-hour line's rules (``[emergency_line]``),
the card look-up limits (``[card_lookups]``) and the retention policy (``[retention]``):
one file, one loader (:mod:`sync.server.settings_file`), one writer for the admin API
(:mod:`sync.server.settings_edits`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from carer_desk.config import EmergencyLineSettings
from carer_desk.rules.payment_rules import PaymentRules
from sync.protocol import MAX_BODY_BYTES
from sync.server.data_protection.retention_policy import RetentionPolicy
from sync.server.settings_file import (
    DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS,
    CardLookupLimits,
    load_settings_file,
)

DATABASE_FILE = "server.sqlite3"
KEY_FILE = "server.key"
SETTINGS_FILE = "settings.toml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470


def default_data_dir() -> Path:
    return Path(user_data_dir("carer-desk-server"))


@dataclass(frozen=True)
class PasswordCost:
    """Argon2id cost. The defaults are the RFC 9106 "second recommended" profile; tests
    lower them so enrolling a hundred users takes milliseconds, not minutes."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class DatabasePool:
    """Connections each server process keeps to PostgreSQL (SQLAlchemy's pool): ``size``
    kept open, up to ``overflow`` more under load. Every concurrent request holds one,
    so a process needs about as many as it serves requests at once (40 threads at most);
    every process counts against PostgreSQL's ``max_connections`` (docs/operations.md)."""

    size: int = 10
    overflow: int = 20


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path
    database_url: str
    key_file: Path
    max_body_bytes: int = MAX_BODY_BYTES
    password_cost: PasswordCost = field(default_factory=PasswordCost)
    payments: PaymentRules = field(default_factory=PaymentRules)
    database_pool: DatabasePool = field(default_factory=DatabasePool)
    # From the settings file (sync.server.settings_file; docs/operations.md).
    payment_date_allowance_days: int = DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS
    emergency_line: EmergencyLineSettings = field(default_factory=EmergencyLineSettings)
    card_lookups: CardLookupLimits = field(default_factory=CardLookupLimits)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)

    @property
    def settings_file(self) -> Path:
        return self.data_dir / SETTINGS_FILE

    def fingerprint(self) -> str:
        """A short hash of the rules in force (payment rules and budgets, the line's
        rules, the look-up limits, retention): equal on two hosts exactly when they
        decide alike, whatever the comments or order in their files. Reported by
        ``/v1/health`` so ``carer-desk-server settings check`` can compare hosts."""
        rules = {
            "payments": self.payments.to_wire(),
            "card_number_length": self.payments.card_number_length,
            "payment_date_allowance_days": self.payment_date_allowance_days,
            "emergency_line": _plain(self.emergency_line),
            "card_lookups": _plain(self.card_lookups),
            "retention": self.retention.in_force(),
        }
        text = json.dumps(rules, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def for_data_dir(
        cls,
        data_dir: Path | None = None,
        database_url: str | None = None,
        **overrides: Any,
    ) -> ServerSettings:
        """Settings for ``data_dir`` (the platform default when None): SQLite in it unless
        ``database_url`` is given; the key file always in it; and what its settings file
        (``settings.toml``, :mod:`sync.server.settings_file`: the payment rules, the line's
        rules, the look-up limits) sets, unless overridden."""
        base = Path(data_dir) if data_dir is not None else default_data_dir()
        url = database_url or f"sqlite:///{base / DATABASE_FILE}"
        chosen = {**load_settings_file(base / SETTINGS_FILE), **overrides}
        return cls(data_dir=base, database_url=url, key_file=base / KEY_FILE, **chosen)


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
