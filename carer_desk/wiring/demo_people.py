"""Who can try the demo, and where each demo laptop keeps its files.

Kept apart from :mod:`carer_desk.wiring.demo_office` (which imports the server) so the
window can offer the demo and show its unlock screen before the office has started.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carer_desk.config import Settings, load_settings
from carer_desk.errors import CarerDeskError
from carer_desk.roles import Role
from carer_desk.wiring.locations import DATA_DIR_CONFIG, ensure_private_dir

DEMO_PASSPHRASE = "demo passphrase"  # published: the demo holds invented people only
# Ofcom reserves 0808 157 0000-0999 for drama, so the demo's cards can never ring anyone.
DEMO_SETTINGS = """\
# Settings for the demo only (invented data). A vault enrolled with a real office server
# refuses this file, and only settings marked like this may print a fictional number.
[demo]
invented_data = true

[cards]
emergency_line_phone = "0808 157 0192"  # a fictional number (Ofcom drama range)
"""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    team: str | None

    @property
    def label(self) -> str:
        team = f", {self.team.title()} team" if self.team else ""
        return f"{self.role.label}{team}"


# The server's demo users (sync.server seeds the same names; a test keeps them equal).
DEMO_PEOPLE: tuple[DemoUser, ...] = (
    DemoUser("demo-worker", Role.OUTREACH_WORKER, "north"),
    DemoUser("demo-facilitator", Role.GROUP_FACILITATOR, None),
    DemoUser("demo-approver", Role.PAYMENTS_APPROVER, None),
    DemoUser("demo-operator", Role.EMERGENCY_OPERATOR, None),
    DemoUser("demo-cards", Role.CARD_ADMINISTRATOR, None),
    DemoUser("demo-admin", Role.ADMIN, None),
)


def demo_user(username: str) -> DemoUser:
    for user in DEMO_PEOPLE:
        if username in (user.username, user.role.value, user.username.removeprefix("demo-")):
            return user
    known = ", ".join(u.username.removeprefix("demo-") for u in DEMO_PEOPLE)
    raise CarerDeskError(f"There is no demo person {username!r}; choose one of: {known}.")


def demo_settings(folder: Path) -> Settings:
    """The demo's own settings file, written on first use (and again when an older demo
    left one without the demo mark)."""
    ensure_private_dir(folder)
    path = folder / DATA_DIR_CONFIG
    if not path.exists() or not load_settings(path).demo.invented_data:
        path.write_text(DEMO_SETTINGS, encoding="utf-8")
    return load_settings(path)


def laptop_vault_path(folder: Path, user: DemoUser) -> Path:
    return folder / "laptops" / user.username / "vault.sqlite"
