"""Settings: what this laptop is, the larger-text preference, and changing the passphrase."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from carer_desk.passphrase_strength import Strength, assess
from ui.context import AppContext
from ui.operations import VaultTask, describe_failure


@dataclass(frozen=True)
class LaptopFacts:
    who: str
    office: str
    vault: str
    recovery: str
    idle_lock: str


class SettingsController(QObject):
    facts_ready = Signal(object)  # LaptopFacts
    passphrase_errors = Signal(dict)  # field -> message
    passphrase_changed = Signal(str)  # the confirmation sentence
    large_text_changed = Signal(bool)

    def __init__(self, ctx: AppContext, apply_large_text, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._apply_large_text = apply_large_text

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
