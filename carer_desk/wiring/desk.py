"""The composition root's environments: a laptop for real work, and the embedded demo.

Both implement ``carer_desk.environment.DeskEnvironment``; the window and the command
line are given one and never see the vault or sync classes behind it.

Imports of the sync client, the services and the demo server are deferred to the first
call that needs them: the window must show its unlock screen within a second of start,
and those are only needed once the vault is open (on a worker thread).
"""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.environment import DemoPerson, OpenDesk
from carer_desk.errors import CarerDeskError
from carer_desk.roles import RECEIVES_RECORDS, UNENROLLED_ROLE, Role
from carer_desk.sync_status import Identity
from carer_desk.wiring.demo_people import (
    DEMO_PASSPHRASE,
    DEMO_PEOPLE,
    demo_settings,
    demo_user,
    laptop_vault_path,
)
from carer_desk.wiring.locations import VAULT_FILENAME, demo_data_dir
from carer_desk.wiring.vault_handle import (
    LocalVaultHandle,
    VaultDrafts,
    kdf_from_settings,
    settings_for,
)

if TYPE_CHECKING:
    from carer_desk.environment import CardLineGateway, OfficeGateway
    from carer_desk.session import DeskSession
    from carer_desk.wiring.demo_office import DemoOffice
    from carer_desk.wiring.sync_gateway import ServerSyncGateway
    from sync.client.backoff import Backoff

log = logging.getLogger(__name__)

# The sync client, the protocol's pydantic models and the demo server are first imported
# on worker threads (the warm-up behind the unlock screen, a sync, the demo's set-up):
# one thread at a time. pydantic's lazy imports, run from two threads at once, have
# failed with an ImportError from a partly imported module.
_SYNC_IMPORTS = threading.RLock()


def _window_backoff() -> Backoff:
    from sync.client.backoff import Backoff

    # A person is watching: three tries over a few seconds, then "offline" (the
    # reachability watcher syncs by itself when the office answers again).
    return Backoff(base=0.5, factor=2.0, cap=4.0, max_attempts=3)


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
        clock: Clock = SYSTEM_CLOCK,
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
        with _SYNC_IMPORTS:
            from carer_desk.wiring.sync_gateway import ServerSyncGateway

        vault = self.vault.vault
        if self._gateway is None or self._gateway_vault is not vault:
            self._gateway = ServerSyncGateway(
                vault, server=self._server_override(), backoff=_window_backoff()
            )
            self._gateway_vault = vault
        return self._gateway

    def prepare(self) -> None:
        # The sync client (httpx, the protocol's pydantic models), the session's services
        # and the printing fonts: a second or more of imports a person typing their
        # passphrase never notices, and an unlock would otherwise wait for.
        import carer_desk.services.printing
        import carer_desk.session

        with _SYNC_IMPORTS:
            import carer_desk.wiring.sync_gateway  # noqa: F401

    def open_desk(self) -> OpenDesk:
        from carer_desk.session import DeskSession

        gateway = self.gateway()
        identity = gateway.identity()
        role = identity.role if identity is not None else UNENROLLED_ROLE
        vault = self.vault.vault
        session = DeskSession(
            vault,
            settings_for(vault, self.settings),
            role=role,
            drafts=VaultDrafts(vault),
            clock=self.clock,
        )
        # The office's reports and administration are the service manager's only: the
        # server refuses everyone else, and other roles are never offered the screens.
        office = self._office() if role is Role.ADMIN else None
        return OpenDesk(
            session=session,
            sync=gateway,
            identity=identity,
            line=self._card_line(session),
            office=office,
        )

    def _office_access(self) -> tuple[str | None, str | None, Callable[[], None]]:
        """The enrolment's server and credential (read once, when the desk opens), and
        what to do when the server says this laptop is revoked."""
        from carer_desk.wiring.enrolment import load_enrolment

        gateway = self.gateway()
        enrolment = load_enrolment(self.vault.vault)
        server = credential = None
        if enrolment is not None:
            server = self._server_override() or enrolment.server
            credential = enrolment.credential

        def revoked() -> None:
            gateway.revoked = True  # the window explains, then wipes (as after a sync)

        return server, credential, revoked

    def _card_line(self, session: DeskSession) -> CardLineGateway:
        from carer_desk.wiring.card_line import ServerCardLine

        server, credential, revoked = self._office_access()
        return ServerCardLine(
            server, credential, session.settings, today=self.clock.today, on_revoked=revoked
        )

    def _office(self) -> OfficeGateway:
        from carer_desk.wiring.office_api import ServerOffice

        server, credential, revoked = self._office_access()
        return ServerOffice(server, credential, on_revoked=revoked)

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
    """A demo person's laptop, syncing with the embedded demo office."""

    demo = True
    demo_passphrase = DEMO_PASSPHRASE

    def __init__(self, launcher: Launcher, username: str, *, clock: Clock) -> None:
        self._launcher = launcher
        self.user = demo_user(username)
        folder = launcher.demo_dir
        super().__init__(
            folder,
            demo_settings(folder),
            actor=self.user.username,
            clock=clock,
            vault_path=laptop_vault_path(folder, self.user),
        )

    @property
    def office(self) -> DemoOffice:
        return self._launcher.demo_office()

    def recovery_public_key(self) -> bytes | None:
        return None

    def _server_override(self) -> str | None:
        return self.office.start()

    def set_up_demo(self) -> OpenDesk:
        """Create this demo person's laptop, enrol it with the demo office and pull."""
        from sync.server.__main__ import DEMO_PASSWORD

        office = self.office
        office.seed(self.settings)
        self.vault.create(DEMO_PASSPHRASE)
        gateway = self.gateway()
        self.enrol(office.start(), self.user.username, DEMO_PASSWORD, platform.node() or "demo")
        desk = self.open_desk()
        if desk.role in RECEIVES_RECORDS:  # the line's laptop has nothing to receive
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
        clock: Clock = SYSTEM_CLOCK,
        demo_dir: Path | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._settings = settings
        self._actor = actor
        self._clock = clock
        self.demo_dir = demo_dir or demo_data_dir()
        self._office: DemoOffice | None = None
        self.demo_people = tuple(DemoPerson(u.username, u.role, u.label) for u in DEMO_PEOPLE)

    def office(self) -> LaptopEnvironment:
        return LaptopEnvironment(
            self._data_dir, self._settings, actor=self._actor, clock=self._clock
        )

    def demo(self, username: str) -> DemoEnvironment:
        return DemoEnvironment(self, username, clock=self._clock)

    def demo_office(self) -> DemoOffice:
        """The one demo office of this run, started on first need."""
        with _SYNC_IMPORTS:  # also: two threads asking at once get the same office
            if self._office is None:
                from carer_desk.wiring.demo_office import DemoOffice

                self._office = DemoOffice(self.demo_dir)
        return self._office

    def shutdown(self) -> None:
        if self._office is not None:
            self._office.stop()
            self._office = None
