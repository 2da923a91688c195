"""The composition root's environments: a laptop for real work, and the embedded demo.

Both implement ``carer_desk.environment.DeskEnvironment``; the window and the command
line are given one and never see the vault or sync classes behind it.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path

from carer_desk.config import Settings
from carer_desk.environment import DemoPerson, OpenDesk
from carer_desk.errors import CarerDeskError
from carer_desk.roles import UNENROLLED_ROLE
from carer_desk.services.clock import SYSTEM_CLOCK, ClockLike
from carer_desk.session import DeskSession
from carer_desk.sync_status import Identity
from carer_desk.wiring.demo_office import (
    DEMO_PASSPHRASE,
    DEMO_PEOPLE,
    DemoOffice,
    demo_settings,
    demo_user,
    laptop_vault_path,
)
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.locations import VAULT_FILENAME, demo_data_dir
from carer_desk.wiring.sync_gateway import ServerSyncGateway
from carer_desk.wiring.vault_handle import LocalVaultHandle, kdf_from_settings
from sync.server.__main__ import DEMO_PASSWORD

log = logging.getLogger(__name__)


class LaptopEnvironment:
    """One vault file on this laptop and, once enrolled, its office server."""

    demo = False
    demo_passphrase: str | None = None

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        *,
        actor: str,
        clock: ClockLike = SYSTEM_CLOCK,
        vault_path: Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.clock = clock
        self.vault = LocalVaultHandle(
            vault_path or data_dir / VAULT_FILENAME, actor=actor, kdf=kdf_from_settings(settings)
        )
        self._gateway: ServerSyncGateway | None = None
        self._gateway_vault: object | None = None  # the vault object the gateway serves

    def recovery_public_key(self) -> bytes | None:
        path = self.settings.vault.recovery_public_key_file
        if not path:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CarerDeskError(
                f"The organisation's recovery key file {path} cannot be read "
                f"({exc.strerror}). Ask your IT officer to check vault.recovery_public_key_file "
                "in the settings."
            ) from exc

    def _server_override(self) -> str | None:
        return None

    def gateway(self) -> ServerSyncGateway:
        vault = self.vault.vault
        if self._gateway is None or self._gateway_vault is not vault:
            self._gateway = ServerSyncGateway(vault, server=self._server_override())
            self._gateway_vault = vault
        return self._gateway

    def open_desk(self) -> OpenDesk:
        gateway = self.gateway()
        identity = gateway.identity()
        role = identity.role if identity is not None else UNENROLLED_ROLE
        session = DeskSession(self.vault.vault, self.settings, role=role, clock=self.clock)
        return OpenDesk(session=session, sync=gateway, identity=identity)

    def enrol(self, server: str, username: str, password: str, device_name: str) -> Identity:
        identity = self.gateway().enrol(server, username, password, device_name)
        self.vault.vault.actor = identity.username
        return identity

    def set_up_demo(self) -> OpenDesk:
        raise CarerDeskError("Only the demo sets itself up; connect this laptop to your office.")

    def wipe(self) -> None:
        gateway = self._gateway
        if gateway is None or not gateway.revoked:
            raise CarerDeskError("Only a laptop the server has revoked is wiped.")
        gateway.wipe()
        self.vault.forget_wiped()
        self._gateway = None

    def close(self) -> None:
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        self.vault.close()


class DemoEnvironment(LaptopEnvironment):
    """A demo user's laptop, syncing with the embedded demo office."""

    demo = True
    demo_passphrase = DEMO_PASSPHRASE

    def __init__(self, office: DemoOffice, username: str, *, clock: ClockLike) -> None:
        self.office = office
        self.user = demo_user(username)
        settings = demo_settings(office.folder)
        super().__init__(
            office.folder,
            settings,
            actor=self.user.username,
            clock=clock,
            vault_path=laptop_vault_path(office.folder, self.user),
        )

    def recovery_public_key(self) -> bytes | None:
        return None

    def _server_override(self) -> str | None:
        return self.office.start()

    def set_up_demo(self) -> OpenDesk:
        """Create this demo user's laptop, enrol it with the demo office and pull."""
        self.office.seed(self.settings)
        self.vault.create(DEMO_PASSPHRASE)
        gateway = self.gateway()
        if load_enrolment(self.vault.vault) is None:
            self.enrol(self.office.start(), self.user.username, DEMO_PASSWORD, platform.node())
        desk = self.open_desk()
        if desk.role.value != "emergency-operator":  # the line looks plans up, never syncs
            report = gateway.sync_now()
            desk.session.absorb(report.changes)
        return desk


class Launcher:
    """``DeskLauncher``: the real laptop, or one demo person's laptop."""

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        *,
        actor: str,
        clock: ClockLike = SYSTEM_CLOCK,
        demo_dir: Path | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._settings = settings
        self._actor = actor
        self._clock = clock
        self._demo_dir = demo_dir or demo_data_dir()
        self._office: DemoOffice | None = None
        self.demo_people = tuple(DemoPerson(u.username, u.role, u.label) for u in DEMO_PEOPLE)

    def office(self) -> LaptopEnvironment:
        return LaptopEnvironment(
            self._data_dir, self._settings, actor=self._actor, clock=self._clock
        )

    def demo(self, username: str) -> DemoEnvironment:
        if self._office is None:
            self._office = DemoOffice(self._demo_dir)
        return DemoEnvironment(self._office, username, clock=self._clock)

    def shutdown(self) -> None:
        if self._office is not None:
            self._office.stop()
            self._office = None
