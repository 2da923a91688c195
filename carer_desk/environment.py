"""What the window is given by the composition root: one laptop's settings and vault,
and the way to open a session on it once unlocked.

ui/ may not import storage/ or sync/; it receives a :class:`DeskEnvironment` (built by
``carer_desk.wiring``) and works only through it, the session's services and the
``SyncGateway`` port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from carer_desk.clock import Clock
from carer_desk.config import Settings
from carer_desk.ports import SyncGateway, VaultHandle
from carer_desk.roles import Role
from carer_desk.sync_status import Identity

if TYPE_CHECKING:  # the session imports every service: not needed to show the unlock screen
    from carer_desk.office import (
        Audience,
        BudgetPosition,
        ContractReport,
        DrillDown,
        OfficeLaptop,
        OfficeSettings,
        OfficeUser,
        ReportFormat,
        WorkQueues,
    )
    from carer_desk.rules.emergency_line import LineAnswer
    from carer_desk.session import DeskSession


@runtime_checkable
class CardLineGateway(Protocol):
    """The 24-hour line's card look-up on the office server (online only).

    The answer is the core's :class:`~carer_desk.rules.emergency_line.LineAnswer`
    whatever the server sends, so the window shows one thing; the server audits every
    look-up. Nothing of the answer is kept on the laptop: it lives in the window until the
    call is finished. The call blocks on the network: the window runs it on its network
    pool. Raises ``OfficeUnreachable`` (no connection), ``NotFoundError`` (no such card:
    the server's words) and ``RuleViolation`` (the server refused: its reason).
    """

    def look_up(self, number: str) -> LineAnswer:
        """The answer for ``number``: its digits, the check digit already verified."""
        ...

    def ready(self) -> bool:
        """Whether the office answers now; opens the connection ahead of the first call."""
        ...

    def close(self) -> None:
        """Drop the connection (at lock)."""
        ...


@runtime_checkable
class OfficeGateway(Protocol):
    """The office server's reports and administration, for the service manager (online
    only: nothing of it is kept on the laptop). Each call blocks on the network — the
    window runs it on its network pool. The server decides who may ask and audits every
    call; a refusal raises ``OfficeRefused`` carrying the server's sentence,
    ``OfficeUnreachable`` when it cannot be reached, ``LaptopRevoked`` when it says so.
    The types are the core's (``carer_desk.office``); like the line's gateway it sits
    here, above the rules its report figures are read by, not in ``carer_desk.ports``."""

    def quarterly(self, fy: int, quarter: int) -> ContractReport:
        """The quarterly contract report (the quarter and the year to date), every number."""
        ...

    def quarterly_file(
        self,
        fy: int,
        quarter: int,
        fmt: ReportFormat,
        audience: Audience,
        suppress_below: int,
    ) -> bytes:
        """The report as the server renders it (PDF with charts, CSV, JSON); an external
        audience's small numbers are suppressed under ``suppress_below``."""
        ...

    def drill(self, fy: int, quarter: int, key: str, *, year_to_date: bool) -> DrillDown: ...

    def budget(self, fy: int | None) -> BudgetPosition: ...

    def queues(self, team: str | None) -> WorkQueues: ...

    def users(self) -> list[OfficeUser]: ...

    def create_user(self, username: str, role: str, team: str | None, password: str) -> str:
        """Returns the sentence to show (who was created)."""
        ...

    def change_user(self, username: str, role: str, team: str | None) -> str: ...

    def disable_user(self, username: str) -> str:
        """The server's sentence (how many of their laptops were revoked)."""
        ...

    def enable_user(self, username: str) -> str: ...

    def reset_password(self, username: str, password: str) -> str: ...

    def laptops(self) -> list[OfficeLaptop]: ...

    def revoke_laptop(self, device_id: str) -> OfficeLaptop: ...

    def settings(self) -> OfficeSettings: ...

    def change_payment_rules(self, values: Mapping[str, Any]) -> OfficeSettings:
        """Change some payment rules (a server that takes changes: ``editable``); the
        settings in force after it."""
        ...

    def set_budget(self, fy: int, budget_pence: int) -> OfficeSettings:
        """One financial year's budget (``fy``: the year it starts in)."""
        ...

    def change_retention(self, years: Mapping[str, int]) -> OfficeSettings:
        """Years kept after closure for some record kinds."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class OpenDesk:
    """An unlocked laptop: its session, its way to the server, and who it belongs to."""

    session: DeskSession
    sync: SyncGateway
    identity: Identity | None
    #: The 24-hour line's card look-up on the office server (online only).
    line: CardLineGateway | None = None
    #: The office's reports and administration (the service manager; online only).
    office: OfficeGateway | None = None

    @property
    def role(self) -> Role:
        return self.session.role


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: Role
    label: str


class DeskEnvironment(Protocol):
    settings: Settings
    vault: VaultHandle
    clock: Clock
    demo: bool
    #: The demo's published passphrase (None for real work).
    demo_passphrase: str | None

    def recovery_public_key(self) -> bytes | None:
        """The organisation's recovery key a new vault is wrapped to, if configured."""
        ...

    def open_desk(self) -> OpenDesk:
        """The session and sync gateway for the unlocked vault."""
        ...

    def prepare(self) -> None:
        """Load the code ``open_desk`` needs, on a worker thread while the unlock screen
        waits for the passphrase, so unlocking does not wait for imports."""
        ...

    def enrol(self, server: str, username: str, password: str, device_name: str) -> Identity:
        """First run: enrol the (just created, unlocked) vault with the office server."""
        ...

    def set_up_demo(self) -> OpenDesk:
        """Demo only: create this demo user's laptop, enrol it and fetch its records."""
        ...

    def wipe(self) -> None:
        """A revoked laptop: remove the vault (after the person was told why)."""
        ...

    def close(self) -> None: ...


class DeskLauncher(Protocol):
    """Chooses the environment: real work, or the embedded demo office."""

    demo_people: tuple[DemoPerson, ...]

    def office(self) -> DeskEnvironment: ...

    def demo(self, username: str) -> DeskEnvironment: ...

    def shutdown(self) -> None:
        """Stop whatever the launcher started (the demo office)."""
        ...
