"""Settings: what this laptop is, the larger-text preference, changing the passphrase, and
connecting a laptop that was set up without an office (from the command line) to one."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from carer_desk.passphrase_strength import Strength, assess
from ui.context import AppContext
from ui.controllers.office_login import office_login_problems
from ui.controllers.session import SessionController
from ui.operations import NetworkOp, VaultTask, describe_failure


@dataclass(frozen=True)
class LaptopFacts:
    who: str
    office: str
    vault: str
    recovery: str
    idle_lock: str
    enrolled: bool


class SettingsController(QObject):
    facts_ready = Signal(object)  # LaptopFacts
    passphrase_errors = Signal(dict)  # field -> message
    passphrase_changed = Signal(str)  # the confirmation sentence
    large_text_changed = Signal(bool)
    connect_errors = Signal(dict)  # field -> message, "" for the form as a whole
    connected = Signal(str)  # the confirmation sentence; the window reopens meanwhile

    def __init__(
        self,
        ctx: AppContext,
        apply_large_text,
        session: SessionController,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self._apply_large_text = apply_large_text
        self._session = session

    def load(self) -> None:
        env = self.ctx.env
        desk = self.ctx.desk
        identity = desk.identity if desk is not None else None
        minutes = env.settings.vault.idle_lock_minutes

        def facts() -> LaptopFacts:
            recoverable = env.vault.has_recovery_key()
            return LaptopFacts(
                who=(
                    f"{identity.username}, {identity.role.label.lower()}"
                    + (f", {identity.team_label} team" if identity.team_label else "")
                    if identity
                    else "Not connected to an office server"
                ),
                office=identity.server if identity else "None",
                vault=env.vault.location,
                recovery=(
                    "Your office can reset a forgotten passphrase (organisation recovery key)."
                    if recoverable
                    else "A forgotten passphrase cannot be reset on this laptop."
                ),
                idle_lock=f"After {minutes} minute{'s' if minutes != 1 else ''} without use "
                "(set by your IT officer)",
                enrolled=identity is not None,
            )

        VaultTask(self.ctx.runner, facts).success(self.facts_ready.emit).run()

    @property
    def large_text(self) -> bool:
        return self.ctx.prefs.large_text

    def set_large_text(self, on: bool) -> None:
        self.ctx.prefs.large_text = on
        self._apply_large_text(on)
        self.large_text_changed.emit(on)

    def strength(self, passphrase: str) -> Strength:
        desk = self.ctx.desk
        name = desk.identity.username if desk and desk.identity else ""
        return assess(passphrase, personal=(name,))

    def change_passphrase(self, old: str, new: str, again: str) -> None:
        problems: dict[str, str] = {}
        if not old:
            problems["old"] = "Type your current passphrase."
        strength = self.strength(new)
        if not strength.acceptable:
            problems["new"] = f"{strength.label}: {strength.advice}"
        elif again != new:
            problems["again"] = "The two new passphrases are not the same."
        elif new == old:
            problems["new"] = "Choose a passphrase different from the current one."
        self.passphrase_errors.emit(problems)
        if problems:
            return
        vault = self.ctx.env.vault
        VaultTask(self.ctx.runner, lambda: vault.change_passphrase(old, new)).success(
            lambda _n: self.passphrase_changed.emit(
                "Your passphrase is changed. Use the new one next time you unlock."
            )
        ).failure(
            lambda exc: self.passphrase_errors.emit({"old": describe_failure(exc).text})
        ).busy("Changing the passphrase…").run()

    # --- connecting to the office ------------------------------------------------------

    def connect_to_office(self, server: str, username: str, password: str) -> None:
        """Enrol this (unlocked, not yet connected) laptop; its records stay and go to the
        office at the first sync, which starts by itself once the window has reopened."""
        problems = office_login_problems(server, username, password)
        self.connect_errors.emit(problems)
        if problems:
            return
        env = self.ctx.env

        def enrol() -> str:
            identity = env.enrol(
                server.strip(), username.strip(), password, platform.node() or "laptop"
            )
            return identity.username

        def enrolled(name: str) -> None:
            self.connected.emit(
                f"This laptop is connected to the office as {name}. Your records are sent "
                "at the first sync, which starts now."
            )
            self._session.reopen("Connected. Opening Carer Desk for your role…")

        NetworkOp(self.ctx.runner, enrol).success(enrolled).failure(
            lambda exc: self.connect_errors.emit({"": describe_failure(exc).text})
        ).busy("Connecting to the office…").run()
