"""This laptop's enrolment with the central server, kept sealed inside the vault.

The device credential the server hands out at enrolment is a secret: it lives in the
vault's sealed secrets (re-sealed by key rotation), never in a plain file, and the user's
server password is never stored at all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from carer_desk.errors import CarerDeskError
from carer_desk.roles import Role
from carer_desk.sync_status import Identity
from storage.vault import Vault

ENROLMENT_SECRET = "sync.enrolment"
# The demo office is started by the application on a free loopback port each time, so a
# demo laptop records this marker instead of an address that would be stale tomorrow.
EMBEDDED_DEMO_SERVER = "embedded-demo"


@dataclass(frozen=True)
class Enrolment:
    server: str
    device_id: str
    username: str
    role: str
    credential: str
    team: str | None = None

    @property
    def demo(self) -> bool:
        return self.server == EMBEDDED_DEMO_SERVER

    def identity(self, server_shown: str | None = None) -> Identity:
        return Identity(
            username=self.username,
            role=Role(self.role),
            team=self.team,
            server=server_shown or ("the demo office on this laptop" if self.demo else self.server),
            device_id=self.device_id,
            demo=self.demo,
        )


def save_enrolment(vault: Vault, enrolment: Enrolment) -> None:
    vault.put_secret(ENROLMENT_SECRET, json.dumps(asdict(enrolment)))


def load_enrolment(vault: Vault) -> Enrolment | None:
    raw = vault.get_secret(ENROLMENT_SECRET)
    if raw is None:
        return None
    try:
        return Enrolment(**json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise CarerDeskError(
            "This laptop's enrolment record could not be read. Enrol the laptop with the "
            "office server again."
        ) from exc
