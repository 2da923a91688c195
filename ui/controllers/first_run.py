"""The first run on a laptop: connect it to the office server (or try the demo), choose a
passphrase, and keep the recovery note.

Connecting is one step for the person and three for the laptop: create the vault (vault
lane), enrol it with the server (network pool), open the session (vault lane). If the
server refuses, the just-made empty vault is removed again, so the person simply corrects
what they typed and tries again; nothing half-made is left behind.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from carer_desk.environment import OpenDesk
from carer_desk.errors import CarerDeskError
from carer_desk.passphrase_strength import Strength, assess
from carer_desk.sync_status import Identity
from ui.context import AppContext
from ui.controllers.office_login import office_login_problems
from ui.controllers.session import SessionController
from ui.operations import NetworkOp, VaultTask, describe_failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectForm:
    server: str
    username: str
    password: str
    passphrase: str
    confirm: str


class FirstRunController(QObject):
    #: {field name: message} for the connect form; empty when all is well.
    field_errors = Signal(dict)
    #: A refusal or failure to show above the form (the server's reason, offline…).
    failed = Signal(object)  # UserMessage
    working = Signal(str)  # what is happening now ("Connecting to the office…")
    #: The recovery note, rendered: (pdf bytes, title) for the preview dialog.
    recovery_note_ready = Signal(bytes, str)

    def __init__(
        self, ctx: AppContext, session: SessionController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.identity: Identity | None = None

    # --- the passphrase ----------------------------------------------------------------

    def strength(self, passphrase: str, username: str = "") -> Strength:
        return assess(passphrase, personal=(username, "carer", "carers", "oxfordshire"))

    def _recoverable(self) -> bool:
        try:
            return self.ctx.env.recovery_public_key() is not None
        except CarerDeskError:
            return False

    def forgotten_sentence(self) -> str:
        """One sentence: what happens if the passphrase is forgotten, on THIS set-up."""
        if self._recoverable():
            return (
                "If you forget it, your office can reset it with the organisation's recovery "
                "key, and nothing on this laptop is lost."
            )
        return (
            "If you forget it, it cannot be reset: what was synced comes back from the "
            "office, but changes not yet synced would be lost."
        )

    # --- connecting --------------------------------------------------------------------

    def validate(self, form: ConnectForm) -> dict[str, str]:
        problems = office_login_problems(form.server, form.username, form.password)
        strength = self.strength(form.passphrase, form.username)
        if not strength.acceptable:
            problems["passphrase"] = f"{strength.label}: {strength.advice}"
        elif form.confirm != form.passphrase:
            problems["confirm"] = "The two passphrases are not the same; type it again."
        return problems

    def connect(self, form: ConnectForm) -> None:
        problems = self.validate(form)
        self.field_errors.emit(problems)
        if problems:
            return
        env = self.ctx.env
        runner = self.ctx.runner
        self.working.emit("Setting up this laptop…")

        def create() -> None:
            env.vault.create(form.passphrase, recovery_public_key_pem=env.recovery_public_key())

        def enrol() -> Identity:
            return env.enrol(
                form.server.strip(),
                form.username.strip(),
                form.password,
                platform.node() or "laptop",
            )

        def enrolled(identity: Identity) -> None:
            self.identity = identity
            VaultTask(runner, env.open_desk).success(self._done).failure(self._failed).run()

        def enrol_failed(exc: BaseException) -> None:
            # Nothing is in the new vault yet: remove it so the next try starts clean.
            VaultTask(runner, env.vault.discard_new).run()
            self._failed(exc)

        def created(_none: None) -> None:
            self.working.emit("Connecting to the office…")
            NetworkOp(runner, enrol).success(enrolled).failure(enrol_failed).run()

        VaultTask(runner, create).success(created).failure(self._failed).run()

    def _done(self, desk: OpenDesk) -> None:
        self.working.emit("")
        self.session.first_run_done(desk)

    def _failed(self, exc: BaseException) -> None:
        self.working.emit("")
        message = describe_failure(exc)
        log.info("first run refused: %s", message.details)
        self.failed.emit(message)

    # --- the recovery note -------------------------------------------------------------

    def make_recovery_note(self) -> None:
        """Render the note (no passphrase in it) for the preview dialog."""
        env = self.ctx.env
        desk = self.ctx.desk
        identity = desk.identity if desk is not None else self.identity

        def render() -> bytes:
            # ReportLab is imported here, on the vault lane, not at start-up.
            from carer_desk.printing.recovery_note import RecoveryNote, render_recovery_note

            return render_recovery_note(
                RecoveryNote(
                    username=identity.username if identity else None,
                    server=identity.server if identity else None,
                    vault_location=env.vault.location,
                    recoverable=env.vault.has_recovery_key(),
                    made_on=env.clock.today(),
                )
            )

        VaultTask(self.ctx.runner, render).success(
            lambda pdf: self.recovery_note_ready.emit(pdf, "Recovery note")
        ).failure(lambda exc: self.failed.emit(describe_failure(exc))).run()
