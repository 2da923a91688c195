"""Unlock, lock and the first screen: which gate the window shows, and what locking does.

Locking (from the menu, Ctrl+L, idle time, the screen locking or the laptop sleeping):

1. ``hub.locking`` — every screen with unsaved edits hands them to the vault lane as a
   sealed draft (the lane is first-in first-out, so those drafts are written before 3);
2. ``hub.locked`` — the workspace is destroyed: no widget, model or cache holding a
   decrypted value survives; only the unlock form is shown;
3. on the vault lane: the session drops its caches and the vault its keys.

After unlock, the window returns to the place it was (the ids of the screen, never its
contents) and each screen takes up its draft.
"""

from __future__ import annotations

import logging
from enum import Enum

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.environment import DeskEnvironment, OpenDesk
from carer_desk.errors import CarerDeskError, UnlockThrottled, WrongPassphrase
from carer_desk.ports import VaultStatus
from ui.context import AppContext
from ui.events import UserMessage
from ui.idle import IdleWatch
from ui.operations import VaultTask, describe_failure

log = logging.getLogger(__name__)


class Gate(Enum):
    """What the window shows instead of (or as) the workspace."""

    CHECKING = "checking"  # reading the vault's header at start
    WELCOME = "welcome"  # first run: connect or try the demo
    UNLOCK = "unlock"
    SETTING_UP = "setting-up"  # creating a laptop, enrolling, first pull
    REVOKED = "revoked"
    WORKSPACE = "workspace"


REVOKED_WIPE_SECONDS = 30


class SessionController(QObject):
    gate_changed = Signal(object)  # Gate
    #: The unlock was refused: the sentence to show, and seconds to wait (0: none).
    unlock_refused = Signal(str, float)
    unlock_started = Signal()
    #: Set-up progress or failure, for the setting-up gate.
    setup_message = Signal(str)
    setup_failed = Signal(object)  # UserMessage
    #: A revoked laptop: the explanation, and seconds before the wipe.
    revoked = Signal(str, int)
    revoked_tick = Signal(int)
    wiped = Signal()
    #: A laptop was just set up for real work: offer the recovery note.
    set_up = Signal()
    #: Seconds left before the next unlock try is allowed (0: try now).
    throttle_tick = Signal(int)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.gate = Gate.CHECKING
        self.has_recovery_key: bool | None = None
        self.idle = IdleWatch(ctx.env.settings.vault.idle_lock_minutes, self)
        self.idle.lock_now.connect(self.lock)
        self._revoked_left = 0
        self._revoked_timer = QTimer(self)
        self._revoked_timer.setInterval(1000)
        self._revoked_timer.timeout.connect(self._revoked_countdown)
        self._throttle_left = 0
        self._throttle_timer = QTimer(self)
        self._throttle_timer.setInterval(1000)
        self._throttle_timer.timeout.connect(self._throttle_countdown)
        ctx.hub.laptop_revoked.connect(self.laptop_revoked)  # told by a call besides sync

    # --- which gate --------------------------------------------------------------------

    @property
    def env(self) -> DeskEnvironment:
        return self.ctx.env

    @property
    def unlocked(self) -> bool:
        return self.ctx.desk is not None

    def _show(self, gate: Gate) -> None:
        self.gate = gate
        self.gate_changed.emit(gate)

    def start(self) -> None:
        """Show the first screen: first run, the demo's set-up, or the unlock form."""
        status = self.env.vault.status
        if status is VaultStatus.ABSENT:
            if self.env.demo:
                self.set_up_demo()
            else:
                self._show(Gate.WELCOME)
            return
        self._show(Gate.UNLOCK)
        # Whether the office can recover a forgotten passphrase is in the vault's header:
        # read it off the GUI thread (opening the file may apply a migration first).
        VaultTask(self.ctx.runner, self.env.vault.has_recovery_key).success(
            self._recovery_known
        ).failure(lambda _exc: self._recovery_known(None)).run()

    def _recovery_known(self, value: bool | None) -> None:
        self.has_recovery_key = value
        if self.gate is Gate.UNLOCK:
            self.gate_changed.emit(Gate.UNLOCK)  # the unlock form names the recovery route

    def use_environment(self, env: DeskEnvironment) -> None:
        """Switch between real work and a demo person (only while locked)."""
        if self.unlocked:
            raise CarerDeskError("Lock Carer Desk before switching to another laptop.")
        self.ctx.env = env
        self.idle.set_idle_minutes(env.settings.vault.idle_lock_minutes)
        self.has_recovery_key = None
        self.start()

    # --- unlocking ---------------------------------------------------------------------

    def unlock(self, passphrase: str) -> None:
        env = self.env
        self.unlock_started.emit()

        def open_vault() -> OpenDesk:
            env.vault.unlock(passphrase)
            return env.open_desk()

        VaultTask(self.ctx.runner, open_vault).success(self._opened).failure(
            self._unlock_failed
        ).busy("Unlocking…").run()

    def _unlock_failed(self, exc: BaseException) -> None:
        wait = 0.0
        if isinstance(exc, WrongPassphrase):
            # Our own sentence: the form names the recovery route that applies to THIS
            # laptop underneath (a vault without the recovery key cannot be reset).
            wait = float(exc.retry_after)
            text = "That passphrase is not right. Check Caps Lock and the keyboard layout."
        elif isinstance(exc, UnlockThrottled):
            wait = float(exc.retry_after)
            text = "Too many wrong passphrases in a row."
        else:
            text = describe_failure(exc).text
        self.unlock_refused.emit(text, wait)
        self._throttle_left = int(wait + 0.999)
        self.throttle_tick.emit(self._throttle_left)
        if self._throttle_left > 0:
            self._throttle_timer.start()

    def _throttle_countdown(self) -> None:
        self._throttle_left = max(0, self._throttle_left - 1)
        self.throttle_tick.emit(self._throttle_left)
        if self._throttle_left == 0:
            self._throttle_timer.stop()

    def unlock_hint(self) -> str:
        """The recovery route, named on the unlock form."""
        if self.env.demo:
            return f"This is the demo. Its passphrase is: {self.env.demo_passphrase}"
        if self.has_recovery_key is False:
            return (
                "Forgotten it? This laptop cannot be reset: ask your office to set it up "
                "again (what was synced comes back)."
            )
        return (
            "Forgotten it? Ring your office: they can reset it with the organisation's "
            "recovery key, and nothing on this laptop is lost."
        )

    def _opened(self, desk: OpenDesk) -> None:
        runner = self.ctx.runner
        # Nothing touches the vault from the GUI thread: the session refuses it outright.
        desk.session.store.forbid_when(runner.on_gui_thread)
        self.ctx.desk = desk
        self._show(Gate.WORKSPACE)
        self.ctx.hub.unlocked.emit(desk)
        self.idle.arm()
        log.info("unlocked")

    def reopen(self, message: str) -> None:
        """Open the desk again over the same unlocked vault, without asking for the
        passphrase: after this laptop was connected to the office, whose role and team
        now decide what the window shows. Drafts are kept as at a lock."""
        desk = self.ctx.desk
        if desk is None:
            return
        hub = self.ctx.hub
        self.idle.disarm()
        hub.locking.emit()  # screens queue their drafts on the vault lane now
        self.ctx.desk = None
        hub.locked.emit()
        self._show(Gate.SETTING_UP)
        self.setup_message.emit(message)
        env = self.env

        def again() -> OpenDesk:
            desk.sync.stop()
            desk.session.close()
            return env.open_desk()

        VaultTask(self.ctx.runner, again).success(self._opened).failure(self._reopen_failed).run()

    def _reopen_failed(self, exc: BaseException) -> None:
        log.warning("reopening failed: %s", describe_failure(exc).details)
        VaultTask(self.ctx.runner, self.env.vault.lock).run()  # as after any lock
        self._show(Gate.UNLOCK)  # the vault is as it was: unlocking opens it again
        self.unlock_refused.emit(describe_failure(exc).text, 0.0)

    # --- first run and the demo --------------------------------------------------------

    def set_up_demo(self) -> None:
        self._show(Gate.SETTING_UP)
        self.setup_message.emit(
            "Setting up the demo office on this laptop and its invented carers. This takes a "
            "few seconds the first time."
        )
        VaultTask(self.ctx.runner, self.env.set_up_demo).success(self._opened).failure(
            self._setup_failed
        ).run()

    def _setup_failed(self, exc: BaseException) -> None:
        message = describe_failure(exc)
        log.warning("set-up failed: %s", message.details)
        self.setup_failed.emit(message)

    def first_run_done(self, desk: OpenDesk) -> None:
        """The first-run controller created and enrolled the laptop."""
        self._opened(desk)
        self.set_up.emit()

    def show_welcome(self) -> None:
        if not self.unlocked:
            self._show(Gate.WELCOME)

    # --- locking -----------------------------------------------------------------------

    def lock(self, reason: str = "menu") -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        log.info("locking (%s)", reason)
        self.idle.disarm()
        hub = self.ctx.hub
        hub.locking.emit()  # screens queue their drafts on the vault lane now
        self.ctx.desk = None
        hub.locked.emit()  # the workspace goes: nothing decrypted stays on screen
        self._show(Gate.UNLOCK)
        env = self.env

        def close() -> None:
            desk.sync.stop()
            if desk.line is not None:
                desk.line.close()
            if desk.office is not None:
                desk.office.close()
            desk.session.close()
            env.vault.lock()

        VaultTask(self.ctx.runner, close).run()

    # --- a revoked laptop --------------------------------------------------------------

    def laptop_revoked(self, message: str) -> None:
        """The server revoked this laptop: lock, explain, then wipe after a countdown (or
        at once, if the person presses the button)."""
        if self.gate is Gate.REVOKED:
            return
        self.lock("revoked")
        self._show(Gate.REVOKED)
        self._revoked_left = REVOKED_WIPE_SECONDS
        self.revoked.emit(message, self._revoked_left)
        self._revoked_timer.start()

    def _revoked_countdown(self) -> None:
        self._revoked_left -= 1
        self.revoked_tick.emit(max(0, self._revoked_left))
        if self._revoked_left <= 0:
            self.wipe_now()

    def wipe_now(self) -> None:
        self._revoked_timer.stop()
        VaultTask(self.ctx.runner, self.env.wipe).success(lambda _r: self._wiped()).failure(
            lambda exc: self.ctx.hub.problem.emit(describe_failure(exc))
        ).run()

    def _wiped(self) -> None:
        self.wiped.emit()
        self.ctx.hub.problem.emit(
            UserMessage(
                "This laptop's records have been removed. Ask your administrator to set up "
                "a replacement; everything that was synced is safe at the office.",
                title="Laptop revoked",
            )
        )
        self._show(Gate.WELCOME)
