"""Accounts an administrator manages: disable (a leaver), enable, reset a password.

Disabling an account revokes every device it still has, in the same transaction: each
laptop wipes its vault at its next contact, nothing it sends is accepted, and no new
laptop can be enrolled for the account (enrolment refuses a disabled user even with the
right password). Enabling does not bring the revoked devices back; the person enrols
again. The leaver procedure is in docs/operations.md.

The same operations serve the ``carer-desk-server`` CLI (run on the server host) and the
administrators' HTTP API (``/v1/admin/users/...``, admin role only), so both act alike
and both are audited under the name of who acted.
"""

# No "from __future__ import annotations": FastAPI reads the routes' annotations at run
# time, and ``Who`` below is local to account_routes.

import logging
from collections.abc import Callable
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, Request

from sync.protocol import AccountResponse, PasswordResetRequest, Role
from sync.server.access import Principal
from sync.server.errors import AdminError, BadRequest, Forbidden, NotFound
from sync.server.secrets_hashing import hash_password
from sync.server.store import DeviceRow, ServerStore

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters; choose a longer one."
        )


class Accounts:
    def __init__(self, store: ServerStore, hasher: PasswordHasher) -> None:
        self.store = store
        self.hasher = hasher

    def disable(self, username: str, *, by: str) -> list[DeviceRow]:
        revoked = self.store.set_user_disabled(username, True, by)
        log.info("account %s disabled by %s; %d devices revoked", username, by, len(revoked))
        return revoked

    def enable(self, username: str, *, by: str) -> None:
        self.store.set_user_disabled(username, False, by)
        log.info("account %s enabled by %s", username, by)

    def reset_password(self, username: str, password: str, *, by: str) -> None:
        check_password(password)
        self.store.set_password(username, hash_password(self.hasher, password), by)
        log.info("password of %s reset by %s", username, by)


def _admin_only(principal: Principal) -> None:
    if principal.role != Role.ADMIN:
        raise Forbidden("Only an administrator can manage accounts.")


def _known(accounts: Accounts, username: str) -> None:
    if accounts.store.get_user(username) is None:
        raise NotFound(f"No user called {username!r} on this server.")


def disabled_message(username: str, revoked: list[DeviceRow]) -> str:
    devices = (
        f"; {len(revoked)} device(s) revoked, each wipes itself at its next contact"
        if revoked
        else "; it had no active devices"
    )
    return f"Disabled {username}{devices}. No new laptop can be enrolled for it."


def account_routes(authenticated: Callable[..., Principal], responses: dict) -> APIRouter:
    """The admin routes; ``authenticated`` is the app's dependency giving the caller."""
    router = APIRouter(tags=["accounts"], responses=responses)
    Who = Annotated[Principal, Depends(authenticated)]

    def accounts_of(request: Request) -> Accounts:
        return request.app.state.services.accounts

    @router.post("/admin/users/{username}/disable", response_model=AccountResponse)
    def disable(username: str, who: Who, request: Request) -> AccountResponse:
        """Disable an account (a leaver) and revoke all its devices (admins only)."""
        _admin_only(who)
        if username == who.username:
            raise BadRequest(
                "You cannot disable your own account; ask another administrator, or use "
                "the server's disable-user command on the server host."
            )
        accounts = accounts_of(request)
        _known(accounts, username)
        revoked = accounts.disable(username, by=who.username)
        return AccountResponse(
            username=username,
            disabled=True,
            devices_revoked=[d.device_id for d in revoked],
            message=disabled_message(username, revoked),
        )

    @router.post("/admin/users/{username}/enable", response_model=AccountResponse)
    def enable(username: str, who: Who, request: Request) -> AccountResponse:
        """Enable a disabled account; its person then enrols their laptop again."""
        _admin_only(who)
        accounts = accounts_of(request)
        _known(accounts, username)
        accounts.enable(username, by=who.username)
        return AccountResponse(
            username=username,
            disabled=False,
            message=f"Enabled {username}; they can enrol a laptop again.",
        )

    @router.post("/admin/users/{username}/password", response_model=AccountResponse)
    def reset(
        username: str, body: PasswordResetRequest, who: Who, request: Request
    ) -> AccountResponse:
        """Set a new password (admins only); devices already enrolled keep working."""
        _admin_only(who)
        accounts = accounts_of(request)
        _known(accounts, username)
        try:
            accounts.reset_password(username, body.password, by=who.username)
        except AdminError as exc:
            raise BadRequest(str(exc)) from None
        user = accounts.store.get_user(username)
        return AccountResponse(
            username=username,
            disabled=bool(user and user.disabled),
            message=f"Password of {username} reset; tell them by a separate channel.",
        )

    return router
