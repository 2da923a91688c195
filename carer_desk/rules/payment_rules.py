"""The payment rules the server and every laptop must agree on (BRIEF §3).

The server reads these from its own settings file and tells laptops at sync which rules
are in force; a laptop keeps what it was told (sealed in its vault) and prefers it to its
own settings file, so the advice a laptop gives ("£120 left until 1 March") is worked out
by the same numbers the server will approve by. A laptop that has never heard from the
server uses its own settings.

This module is the type both sides speak and its wire form: pure, no I/O. The server loads
a TOML table into it with :meth:`PaymentRules.from_table`, sends :meth:`PaymentRules.to_wire`,
and the laptop reads it back with :meth:`PaymentRules.from_wire` and applies it with
:func:`settings_in_force`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from carer_desk.config import CardSettings, PaymentSettings, Settings, build_settings
from carer_desk.errors import ValidationError

logger = logging.getLogger(__name__)

WIRE_FORMAT = "carer-desk-payment-rules/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRules:
    """The payment settings, and the card number length the server checks numbers by."""

    payments: PaymentSettings = field(default_factory=PaymentSettings)
    card_number_length: int = 12

    def __post_init__(self) -> None:
        # The card settings check the length (6-20 digits).
        CardSettings(number_length=self.card_number_length)

    # --- from and to the settings -----------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings) -> PaymentRules:
        return cls(payments=settings.payments, card_number_length=settings.cards.number_length)

    def apply_to(self, settings: Settings) -> Settings:
        """``settings`` with these rules in place of its own payment rules."""
        cards = dataclasses.replace(settings.cards, number_length=self.card_number_length)
        return dataclasses.replace(settings, payments=self.payments, cards=cards)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> PaymentRules:
        """From a settings table (the server's file: ``[payments]`` keys, and
        ``card_number_length``); every bad key is named (:class:`ValidationError`), as
        for the laptop's settings."""
        data = dict(table)
        length = data.pop("card_number_length", 12)
        payments = build_settings(PaymentSettings, data)
        try:
            return cls(payments=payments, card_number_length=length)
        except ValidationError as exc:
            raise ValidationError([("card_number_length", m) for _, m in exc.problems]) from None

    # --- on the wire ------------------------------------------------------------------

    def to_wire(self) -> dict[str, Any]:
        payments = dataclasses.asdict(self.payments)
        payments["funder_split"] = [list(pair) for pair in self.payments.funder_split]
        payments["budget_by_year"] = [list(pair) for pair in self.payments.budget_by_year]
        return {
            "format": WIRE_FORMAT,
            "payments": payments,
            "card_number_length": self.card_number_length,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PaymentRules:
        """The rules a server sent; :class:`ValidationError` naming every bad field."""
        if not isinstance(data, Mapping) or data.get("format") != WIRE_FORMAT:
            raise ValidationError([("format", f"payment rules must be {WIRE_FORMAT!r}")])
        payments = data.get("payments")
        if not isinstance(payments, Mapping):
            raise ValidationError([("payments", "must be a table of payment settings")])
        table = dict(payments)
        table["card_number_length"] = data.get("card_number_length", 12)
        return cls.from_table(table)


@dataclass(frozen=True, slots=True)
class RulesInForce:
    """The rules a laptop was told by the server, and when and by whom."""

    rules: PaymentRules
    received_at: datetime
    server: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": self.rules.to_wire(),
            "received_at": self.received_at.isoformat(),
            "server": self.server,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RulesInForce:
        try:
            received = datetime.fromisoformat(str(data["received_at"]))
            server = str(data["server"])
            rules = PaymentRules.from_wire(data["rules"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError([("rules_in_force", f"cannot be read ({exc})")]) from None
        return cls(rules, received, server)


def settings_in_force(
    local: Settings, stored: Mapping[str, Any] | None
) -> tuple[Settings, RulesInForce | None]:
    """The settings to decide by: the laptop's own, with the payment rules the server
    sent in place of its own when there are any. Stored rules that cannot be read (a
    damaged or newer format) are set aside with a warning: the laptop's own are used,
    and the server's check at approval still decides."""
    if not stored:
        return local, None
    try:
        received = RulesInForce.from_json(stored)
    except ValidationError as exc:
        logger.warning("the payment rules from the server cannot be read: %s", exc)
        return local, None
    return received.rules.apply_to(local), received
