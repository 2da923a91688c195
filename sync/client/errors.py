"""Errors the sync client raises; each message says what happened and what to do."""

from __future__ import annotations

from carer_desk.errors import CarerDeskError, OfficeUnreachable


class SyncError(CarerDeskError):
    """Sync could not finish; local work is kept."""


class ServerUnreachable(SyncError, OfficeUnreachable):
    """The server could not be reached (no network, server down, or it answered 5xx).

    Transient by nature: the engine retries with backoff, and the reachability watcher
    syncs by itself when the server answers again.
    """

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            "The Carer Desk server could not be reached"
            f"{suffix}. Your changes are kept on this laptop and will be sent "
            "automatically when the connection returns."
        )


class NotEnrolled(SyncError):
    def __init__(self) -> None:
        super().__init__(
            "This laptop is not enrolled with a Carer Desk server yet: enrol it with the "
            "server's address and your user name first."
        )


class EnrolmentRefused(SyncError):
    """The server refused the login used to enrol this device."""


class DeviceRevoked(SyncError):
    """The server says this device is revoked; the vault has been wiped."""

    def __init__(self, wiped: bool) -> None:
        self.wiped = wiped
        if wiped:
            text = (
                "The server has revoked this laptop (reported lost or stolen), so its "
                "vault has been wiped. Ask your administrator to enrol a replacement."
            )
        else:
            text = (
                "The server has revoked this laptop. Ask your administrator to enrol it "
                "again before syncing."
            )
        super().__init__(text)


class ServerRefused(SyncError):
    """The server answered with a 4xx error that retrying will not fix."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"The server refused the request ({status}): {reason}")


class ProtocolMismatch(SyncError):
    """The server's answer did not match the protocol this client speaks."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The server's answer was not understood ({detail}). The laptop or the server "
            "may need updating; your changes are kept."
        )
