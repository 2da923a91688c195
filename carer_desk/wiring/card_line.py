"""The office server's card look-up as the core's ``CardLineGateway`` (the 24-hour line).

Online only, by design: the operator's laptop holds no plans, and nothing of an answer is
written to it (the server audits every look-up). Each look-up is one try with a short
timeout — a person is on the phone — and every way it can fail becomes a sentence the
operator can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

import httpx

from carer_desk.config import Settings
from carer_desk.errors import CarerDeskError, LaptopRevoked, NotFoundError, RuleViolation
from carer_desk.rules.emergency_line import LineAnswer
from carer_desk.wiring.kept_connection import KeptConnection
from sync.client.card_lookup import line_answer
from sync.client.errors import ServerRefused
from sync.client.transport import HttpTransport, RevokedSignal

log = logging.getLogger(__name__)

# Loopback answers in milliseconds and a rural office link in a second or two; a caller
# waiting longer than this is better told to use the printed card's fallback.
LOOKUP_TIMEOUT = httpx.Timeout(8.0, connect=3.0)

NOT_CONNECTED = (
    "This laptop is not connected to the office server, so it cannot look cards up. Ask "
    "your IT officer to enrol it; meanwhile use the line's paper procedure."
)


class ServerCardLine:
    """``CardLineGateway`` over one enrolment (read from the vault when the desk opened,
    so a look-up never waits for the vault)."""

    def __init__(
        self,
        server: str | None,
        credential: str | None,
        settings: Settings,
        *,
        today: Callable[[], date],
        on_revoked: Callable[[], None] = lambda: None,
        client: httpx.Client | None = None,
    ) -> None:
        self._settings = settings
        self._today = today
        self._on_revoked = on_revoked
        self._connection = KeptConnection(
            server, credential, not_connected=NOT_CONNECTED, client=client, timeout=LOOKUP_TIMEOUT
        )

    def _transport(self) -> HttpTransport:
        return self._connection.transport()

    def ready(self) -> bool:
        transport = self._transport()
        return transport.reachable()

    def look_up(self, number: str) -> LineAnswer:
        transport = self._transport()
        try:
            response = transport.look_up_card(number)
        except RevokedSignal:
            self._on_revoked()
            raise LaptopRevoked() from None
        except ServerRefused as exc:
            raise _refusal(exc) from None
        return line_answer(response, self._settings, today=self._today())

    def close(self) -> None:
        self._connection.close()


def _refusal(exc: ServerRefused) -> CarerDeskError:
    """The server's reason as the operator reads it, never a status code."""
    if exc.status == 404:
        return NotFoundError(exc.reason)
    if exc.status in (401, 403):
        return RuleViolation(
            f"The office server refused the look-up: {exc.reason} Ask your administrator; "
            "meanwhile use the line's paper procedure."
        )
    return RuleViolation(f"The office server refused the look-up: {exc.reason}")
