"""Device enrolment (a user logs in once from a laptop) and device authentication (every
later call carries the device's own revocable credential)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from sync.protocol import EnrolRequest, EnrolResponse, Role, Team
from sync.server.access import Principal
from sync.server.errors import DeviceRevoked, Forbidden, NotAuthenticated, TooManyAttempts
from sync.server.secrets_hashing import (
    credential_hash,
    hash_password,
    new_device_credential,
    verify_password,
)
from sync.server.store import ServerStore

log = logging.getLogger(__name__)

# "Last seen" is for administrators spotting dormant laptops; minute precision is plenty
# and saves a write on every call.
_TOUCH_EVERY = timedelta(minutes=1)
# Password guessing through enrolment: after this many attempts for one username within
# the window that did not succeed, enrolment for it pauses until the window has moved on.
# Counted from the audit log, so it holds across restarts and several server processes,
# and counted and recorded in one writing transaction before the password is checked, so
# concurrent guesses cannot all slip past the count. Devices already enrolled are
# unaffected, so a guesser can delay a new laptop, never lock anyone out.
MAX_FAILED_ENROLMENTS = 5
FAILED_ENROLMENT_WINDOW = timedelta(minutes=15)
_BAD_LOGIN = "The username or password is not right. Check them and try again."


class Enrolment:
    def __init__(self, store: ServerStore, hasher: PasswordHasher):
        self.store = store
        self.hasher = hasher
        # Verified against when the username is unknown, so a wrong username takes as
        # long as a wrong password and does not reveal which accounts exist.
        self._decoy_hash = hash_password(hasher, new_device_credential())

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        since = datetime.now(UTC) - FAILED_ENROLMENT_WINDOW
        if not self.store.reserve_enrolment_attempt(request.username, since, MAX_FAILED_ENROLMENTS):
            raise TooManyAttempts(
                f"Too many wrong passwords for this account; wait "
                f"{int(FAILED_ENROLMENT_WINDOW.total_seconds() // 60)} minutes and try again, "
                "or ask an administrator."
            )
        user = self.store.get_user(request.username)
        stored_hash = user.password_hash if user else self._decoy_hash
        ok = verify_password(self.hasher, stored_hash, request.password)
        if user is None or not ok:
            self.store.audit(
                actor=request.username,
                action="enrol-refused",
                details={"device_name": request.device_name},
            )
            log.info("enrolment refused for %r", request.username)
            raise NotAuthenticated(_BAD_LOGIN)
        if user.disabled:
            self.store.audit(
                actor=user.username,
                action="enrol-refused-disabled",
                details={"device_name": request.device_name},
            )
            raise Forbidden(
                "This account is disabled, so no laptop can be enrolled for it. Ask an "
                "administrator if it should be enabled again."
            )
        credential = new_device_credential()
        device = self.store.add_device(
            user.username, request.device_name, credential_hash(credential)
        )
        log.info("device %s enrolled for %s", device.device_id, user.username)
        return EnrolResponse(
            device_id=device.device_id,
            device_credential=credential,
            username=user.username,
            role=Role(user.role),
            team=Team(user.team) if user.team else None,
        )

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal behind an ``Authorization: Bearer`` header, or an error."""
        if not authorization:
            raise NotAuthenticated(
                "This call needs the device credential (Authorization: Bearer ...); enrol "
                "the device first."
            )
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthenticated("Send the device credential as 'Authorization: Bearer ...'.")
        device = self.store.device_by_credential(credential_hash(credential.strip()))
        if device is None:
            raise NotAuthenticated(
                "This device credential is not known to the server. Enrol the device again."
            )
        if device.revoked:
            self.store.audit(
                actor=device.username, action="revoked-device-contact", device_id=device.device_id
            )
            raise DeviceRevoked()
        user = self.store.get_user(device.username)
        if user is None or user.disabled:
            raise Forbidden("The account this device belongs to is disabled. Ask an administrator.")
        now = datetime.now(UTC)
        if device.last_seen_at is None or now - device.last_seen_at > _TOUCH_EVERY:
            self.store.touch_device(device.device_id)
        return Principal(
            username=user.username, role=Role(user.role), team=user.team, device_id=device.device_id
        )
