"""Errors the server answers with. Each carries the HTTP status it maps to and a one-line
message that tells the caller what to do; the app turns them into ``ErrorBody`` JSON."""

from __future__ import annotations

from carer_desk.errors import CarerDeskError


class ServerError(CarerDeskError):
    status_code = 400


class BadRequest(ServerError):
    status_code = 400


class NotAuthenticated(ServerError):
    status_code = 401


class Forbidden(ServerError):
    status_code = 403


class DeviceRevoked(Forbidden):
    """The device was revoked: the client must wipe its vault."""

    def __init__(self) -> None:
        super().__init__(
            "This device has been revoked by an administrator; its local data must be wiped. "
            "Ask the office to enrol a new device."
        )


class NotFound(ServerError):
    status_code = 404


class Refused(ServerError):
    """A business rule refused the action (cap, budget, stale version, wrong status)."""

    status_code = 409


class PayloadTooLarge(ServerError):
    status_code = 413


class TooManyAttempts(ServerError):
    status_code = 429


class AdminError(CarerDeskError):
    """An admin command could not do what was asked (printed as one line, exit 1)."""
