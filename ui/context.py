"""What every controller is given: the hub, the background runner, the environment and,
while unlocked, the open desk (session + sync gateway)."""

from __future__ import annotations

from dataclasses import dataclass, field

from carer_desk.environment import DeskEnvironment, DeskLauncher, OpenDesk
from carer_desk.errors import VaultLocked
from ui.events import EventHub
from ui.operations import OpRunner
from ui.preferences import Preferences


@dataclass
class AppContext:
    hub: EventHub
    runner: OpRunner
    launcher: DeskLauncher
    env: DeskEnvironment
    prefs: Preferences
    desk: OpenDesk | None = field(default=None)

    def open_desk(self) -> OpenDesk:
        """The unlocked desk; ``VaultLocked`` when there is none (the screen is gone)."""
        if self.desk is None:
            raise VaultLocked("Carer Desk is locked.")
        return self.desk
