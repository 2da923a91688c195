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
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from carer_desk.config import ConfigError, read_settings_file
from carer_desk.errors import ValidationError
from carer_desk.rules.payment_rules import PaymentRules
from sync.protocol import MAX_BODY_BYTES

DATABASE_FILE = "server.sqlite3"
KEY_FILE = "server.key"
SETTINGS_FILE = "settings.toml"
#: How many days before the server's today a laptop may date a payment request or one of
#: its steps (work done offline and synced later); older dates are refused.
DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS = 31
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
    payment_date_allowance_days: int = DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS

    @classmethod
    def for_data_dir(
        cls,
        data_dir: Path | None = None,
        database_url: str | None = None,
        **overrides: Any,
    ) -> ServerSettings:
        """Settings for ``data_dir`` (the platform default when None): SQLite in it unless
        ``database_url`` is given; the key file always in it; the payment rules from its
        ``settings.toml`` when there is one (``overrides`` win over the file)."""
        base = Path(data_dir) if data_dir is not None else default_data_dir()
        url = database_url or f"sqlite:///{base / DATABASE_FILE}"
        from_file = load_settings_file(base / SETTINGS_FILE)
        return cls(
            data_dir=base,
            database_url=url,
            key_file=base / KEY_FILE,
            **{**from_file, **overrides},
        )


_SERVER_KEYS = {"payment_date_allowance_days"}


def load_settings_file(path: Path) -> dict[str, Any]:
    """The settings ``path`` sets, as :class:`ServerSettings` keyword arguments; a missing
    file sets nothing. A bad file is a :class:`ConfigError` naming the file and every bad
    key: a server must never run with a payment cap it silently ignored."""
    if not path.exists():
        return {}
    data = read_settings_file(path)
    problems: list[tuple[str, str]] = []
    for key in sorted(set(data) - {"payments", "cards", "server"}):
        problems.append((key, "is not a server setting (expected [payments], [cards], [server])"))
    found: dict[str, Any] = {}
    payments, cards, server = (data.get(t, {}) for t in ("payments", "cards", "server"))
    for name, table in (("payments", payments), ("cards", cards), ("server", server)):
        if not isinstance(table, dict):
            problems.append((name, "must be a table"))
    if isinstance(cards, dict):
        problems.extend(
            (f"cards.{k}", "is not a server card setting")
            for k in sorted(set(cards) - {"number_length"})
        )
    if isinstance(payments, dict) and isinstance(cards, dict):
        table = dict(payments)
        if "number_length" in cards:
            table["card_number_length"] = cards["number_length"]
        try:
            found["payments"] = PaymentRules.from_table(table)
        except ValidationError as exc:
            problems.extend(
                (
                    "cards.number_length" if key == "card_number_length" else f"payments.{key}",
                    message,
                )
                for key, message in exc.problems
            )
    if isinstance(server, dict):
        for key in sorted(set(server) - _SERVER_KEYS):
            problems.append((f"server.{key}", "is not a server setting"))
        days = server.get("payment_date_allowance_days", DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
            problems.append(("server.payment_date_allowance_days", "must be 0 to 366 days"))
        else:
            found["payment_date_allowance_days"] = days
    if problems:
        raise ConfigError(path, problems)
    return found
