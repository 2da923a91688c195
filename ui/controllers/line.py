"""The 24-hour line's look-up: the number read out over the phone, the plan the office
server answers with, and the call's outcome recorded as an ``emergency_call``.

What the screen may hold, and for how long, is the point of this controller:

* The number is checked here first (its Damm check digit, in the core): a misheard digit
  or two swapped digits are caught before anything is sent, and the operator asked to
  read it back.
* The look-up goes to the office server (``CardLineGateway``: online only; the server
  audits it). The answer lives in this controller and the page's widgets, and nowhere
  else: never in the vault, a cache, a log or a file.
* At "call finished", at lock and after :data:`CLEAR_AFTER_IDLE_MS` without a key press
  or click, :meth:`clear` drops the answer and empties every widget (the page listens to
  :attr:`cleared`). Only the outcome being typed survives a lock or an idle clear, as a
  sealed draft holding the card number and what was typed (ids of contacts, never the
  plan), so the operator loses nothing; it goes once the call is recorded or cleared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from carer_desk.errors import (
    CarerDeskError,
    LaptopRevoked,
    NotFoundError,
    OfficeUnreachable,
    ValidationError,
    VaultLocked,
)
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.rules.card_numbers import format_card_number, normalise_card_number
from carer_desk.rules.emergency_line import LineAnswer, LineStatus
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.operations import CoreOp, NetworkOp

log = logging.getLogger(__name__)

# A call can go quiet for minutes while the operator rings the contacts; a plan left on an
# unattended screen for longer than this is cleared (the lock follows at the idle lock).
CLEAR_AFTER_IDLE_MS = 10 * 60_000
DRAFT_KEY = "emergency-line.call"

OFFLINE = (
    "No connection to the office server: card look-ups need it. Check the network "
    "(cable, Wi-Fi or the office VPN) and try again. Until it is back, follow the printed "
    "card's fallback: arrange replacement care via {route}, note the card number and the "
    "caller, and ring the office."
)


class Attempt(StrEnum):
    """What came of ringing one contact."""

    NOT_RUNG = "not-rung"
    REACHED = "reached"
    NO_ANSWER = "no-answer"

    @property
    def label(self) -> str:
        return _ATTEMPT_LABELS[self]


_ATTEMPT_LABELS = {
    Attempt.NOT_RUNG: "Not rung",
    Attempt.REACHED: "Reached",
    Attempt.NO_ANSWER: "No answer",
}


@dataclass
class CallOutcome:
    """The outcome form's values (Qt-free): what the page hands over to record."""

    caller: str = ""
    attempts: dict[str, Attempt] = field(default_factory=dict)  # contact_id -> what came of it
    notes_on: dict[str, str] = field(default_factory=dict)  # contact_id -> "on her way"
    care_arranged: bool = False
    hours: int = 0
    exceptional_reason: str = ""
    follow_up: str = ""
    notes: str = ""

    def typed(self) -> bool:
        return bool(
            self.caller.strip()
            or any(a is not Attempt.NOT_RUNG for a in self.attempts.values())
            or any(n.strip() for n in self.notes_on.values())
            or self.care_arranged
            or self.exceptional_reason.strip()
            or self.follow_up.strip()
            or self.notes.strip()
        )

    def to_draft(self, number: str) -> dict[str, Any]:
        return {
            "number": number,
            "caller": self.caller,
            "attempts": {k: str(v) for k, v in self.attempts.items()},
            "notes_on": dict(self.notes_on),
            "care_arranged": self.care_arranged,
            "hours": self.hours,
            "exceptional_reason": self.exceptional_reason,
            "follow_up": self.follow_up,
            "notes": self.notes,
        }

    @classmethod
    def from_draft(cls, draft: dict[str, Any]) -> CallOutcome:
        return cls(
            caller=str(draft.get("caller") or ""),
            attempts={k: Attempt(v) for k, v in (draft.get("attempts") or {}).items()},
            notes_on={k: str(v) for k, v in (draft.get("notes_on") or {}).items()},
            care_arranged=bool(draft.get("care_arranged")),
            hours=int(draft.get("hours") or 0),
            exceptional_reason=str(draft.get("exceptional_reason") or ""),
            follow_up=str(draft.get("follow_up") or ""),
            notes=str(draft.get("notes") or ""),
        )


def _text(value: str) -> str | None:
    return value.strip() or None


def record_outcome(session: DeskSession, answer: LineAnswer, outcome: CallOutcome) -> EmergencyCall:
    """On the vault lane: the call kept against the card the answer names; the outcome's
    draft goes in the same operation."""
    attempts = tuple(
        ContactAttempt(
            contact_id=c.contact_id,
            name=c.name,
            reached=outcome.attempts[c.contact_id] is Attempt.REACHED,
            note=_text(outcome.notes_on.get(c.contact_id, "")),
        )
        for c in answer.contacts
        if outcome.attempts.get(c.contact_id, Attempt.NOT_RUNG) is not Attempt.NOT_RUNG
    )
    call = session.calls.record_line_call(
        answer,
        caller=outcome.caller,
        contacts_tried=attempts,
        replacement_care_hours=outcome.hours if outcome.care_arranged else None,
        exceptional_reason=_text(outcome.exceptional_reason) if outcome.care_arranged else None,
        follow_up=_text(outcome.follow_up),
        notes=_text(outcome.notes),
    )
    session.drafts.discard(DRAFT_KEY)
    return call


class LineController(QObject):
    #: The answer shown (``LineAnswer``), or None when the screen is empty.
    answer_changed = Signal(object)
    #: A sentence under the number field ("" clears it): a mistyped number, no such card.
    number_problem = Signal(str)
    #: The page's notice: offline, a refusal, "cleared after ten minutes" ("" clears it).
    notice = Signal(str)
    looking = Signal(bool)
    #: Every widget must drop what it shows: True when the call is over (the number goes
    #: too: finished, locked, idle), False for a new look-up replacing the answer.
    cleared = Signal(bool)
    #: A draft outcome to put back into the form (``CallOutcome``).
    outcome_restored = Signal(object)
    #: ``[(field, message)]`` from recording, for the form to mark.
    outcome_problems = Signal(object)
    #: The sentence after a call was recorded.
    recorded = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session: DeskSession = desk.session
        self.line = desk.line
        settings = self.session.settings
        self.number_length = settings.cards.number_length
        self.group_size = settings.cards.group_size
        self.line_settings = settings.emergency_line
        self.answer: LineAnswer | None = None
        self.online: bool | None = None
        self._asked = 0  # the newest look-up: an older or cleared one's answer is dropped
        self._draft = FormDraft(ctx, self.session, DRAFT_KEY, self)
        self._draft_number: str | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(CLEAR_AFTER_IDLE_MS)
        self._idle.timeout.connect(self._idle_clear)
        self._watching = False
        ctx.hub.locking.connect(self._draft.save)
        ctx.hub.locked.connect(self.clear)
        ctx.hub.reachability_changed.connect(self._reachability)
        self._probe()

    def _probe(self) -> None:
        """Ask the office now (the connection is then open before the first call), so the
        operator knows before a call comes whether look-ups work."""
        line = self.line
        if line is None:
            return
        NetworkOp(self.ctx.runner, line.ready).success(self._reachability).failure(
            lambda _exc: self._reachability(False)
        ).run()

    # --- the number --------------------------------------------------------------------

    def check(self, typed: str) -> str | None:
        """The number's digits when it checks out (the Damm check digit), else None and
        the reason under the field. Nothing is sent for a number that does not check."""
        try:
            return normalise_card_number(typed, length=self.number_length)
        except ValidationError as exc:
            message = exc.problems[0][1] if exc.problems else str(exc)
            self.number_problem.emit(message[:1].upper() + message[1:] + ".")
            return None

    def look_up(self, typed: str) -> None:
        number = self.check(typed)
        if number is None:
            # The plan on screen is not the mistyped number's: it goes, as it would for a
            # new look-up, so no one reads it as the new caller's (any answer still on its
            # way is dropped too). Its outcome's draft stays, as for any new look-up.
            self._asked += 1
            if self.answer is not None:
                self._drop_answer(call_over=False)
            self.looking.emit(False)
            return
        if self.line is None:  # pragma: no cover - every desk the window opens has one
            self.notice.emit("This laptop has no way to the office server's card look-up.")
            return
        self._drop_answer(call_over=False)
        self.number_problem.emit("")
        self.notice.emit("")
        self._asked += 1
        asked = self._asked
        self.looking.emit(True)
        line = self.line
        NetworkOp(self.ctx.runner, lambda: line.look_up(number)).success(
            lambda answer: self._answered(asked, answer)
        ).failure(lambda exc: self._failed(asked, number, exc)).busy("Looking the card up…").run()

    def _answered(self, asked: int, answer: LineAnswer) -> None:
        if asked != self._asked or self.ctx.desk is None:
            return  # cleared, locked or asked again meanwhile: this answer is not shown
        self.looking.emit(False)
        self.online = True
        self.answer = answer
        self._idle.start()
        self.answer_changed.emit(answer)
        # Watched for activity only while a plan is shown, from after it is drawn (the
        # filter sees every event of the application).
        QTimer.singleShot(0, self._watch)
        if self.may_record:
            self._restore_draft(answer.number)

    def _failed(self, asked: int, number: str, exc: BaseException) -> None:
        if asked != self._asked:
            return
        self.looking.emit(False)
        if isinstance(exc, VaultLocked):
            return
        if isinstance(exc, LaptopRevoked):
            self.ctx.hub.laptop_revoked.emit(str(exc))
            return
        if isinstance(exc, OfficeUnreachable):
            self.online = False
            self.notice.emit(self.offline_sentence())
            # The status bar follows the watcher: tell it, so it probes for the way back
            # and the whole window says offline (and online again when it is).
            desk = self.ctx.desk
            if desk is not None:
                NetworkOp(self.ctx.runner, desk.sync.poke).run()
            return
        if isinstance(exc, NotFoundError):
            self.number_problem.emit(str(exc))
            return
        if isinstance(exc, CarerDeskError):
            self.notice.emit(str(exc))
            return
        log.error("card look-up failed: %s", type(exc).__name__)
        self.notice.emit(
            "The look-up did not finish. Try again; if it fails again, follow the printed "
            f"card's fallback and ring the office (card {format_card_number(number)})."
        )

    def offline_sentence(self) -> str:
        return OFFLINE.format(route=self.line_settings.replacement_care_route)

    def _reachability(self, ok: bool) -> None:
        was = self.online
        self.online = ok
        if not ok and self.answer is None:
            self.notice.emit(self.offline_sentence())
        elif ok and was is not True:
            # Back online: the offline notice goes. Only then: a sync that merely confirms
            # the office answers must not wipe "Call recorded…" from under the operator.
            self.notice.emit("")

    # --- what the page shows -----------------------------------------------------------

    @property
    def may_record(self) -> bool:
        """A call is recorded against a card the server named (not an unknown number)."""
        return self.answer is not None and bool(self.answer.card_id and self.answer.carer_id)

    def hours_range(self) -> tuple[int, int, int]:
        """(least, usual most, exceptional most) hours of replacement care."""
        s = self.line_settings
        return 1, s.replacement_care_hours, s.exceptional_replacement_care_hours

    @staticmethod
    def status_word(status: LineStatus) -> str:
        return _STATUS_WORDS[status]

    # --- the outcome -------------------------------------------------------------------

    def outcome_edited(self, outcome: CallOutcome) -> None:
        if self.answer is None or not outcome.typed():
            return
        self._draft.edited(outcome.to_draft(self.answer.number))

    def _restore_draft(self, number: str) -> None:
        def found(draft: dict[str, Any] | None) -> None:
            answer = self.answer
            if draft is None or answer is None or draft.get("number") != number:
                return
            outcome = CallOutcome.from_draft(draft)
            known = {c.contact_id for c in answer.contacts}
            outcome.attempts = {k: v for k, v in outcome.attempts.items() if k in known}
            self.outcome_restored.emit(outcome)

        self._draft.load(found)

    def record(self, outcome: CallOutcome) -> None:
        answer = self.answer
        if answer is None or not self.may_record:
            return
        problems = self._outcome_problems(outcome)
        if problems:
            self.outcome_problems.emit(problems)
            return
        asked = self._asked
        CoreOp(self.ctx.runner, self.session, lambda s: record_outcome(s, answer, outcome)).success(
            lambda call: self._recorded(asked, call)
        ).failure(self._record_failed).busy("Recording the call…").run()

    def _outcome_problems(self, outcome: CallOutcome) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not outcome.caller.strip():
            problems.append(("caller", "Say who rang (for example, a neighbour)."))
        return problems

    def _recorded(self, asked: int, call: EmergencyCall) -> None:
        self._draft.forget()
        # The office follows the call up: it is sent now, not at the next "Sync now".
        self.ctx.hub.sync_wanted.emit()
        # Counts only: the sentence stays on screen after the call, so it names nobody.
        tried, reached = len(call.contacts_tried), len(call.reached)
        parts = [f"{reached} of {tried} contact{'s' if tried != 1 else ''} rung reached"]
        if call.replacement_care_arranged:
            parts.append(f"replacement care arranged for {call.replacement_care_hours} hours")
        if call.follow_up:
            parts.append("a follow-up for the office")
        if asked == self._asked:
            self.clear()
        self.recorded.emit(
            f"Call recorded at {call.received_at.astimezone().strftime('%H:%M')} "
            f"({'; '.join(parts)}). The screen is clear for the next call."
        )

    def _record_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.outcome_problems.emit([(f, m[:1].upper() + m[1:] + ".") for f, m in exc.problems])
            return
        if isinstance(exc, VaultLocked):
            return
        self.notice.emit(
            str(exc) if isinstance(exc, CarerDeskError) else "The call was not recorded: try again."
        )

    # --- call finished -----------------------------------------------------------------

    def finish(self) -> None:
        """The call is over without a record (a wrong number, nothing to keep): clear the
        screen and throw the outcome's draft away."""
        self._draft.discard()
        self.clear()

    def clear(self) -> None:
        """Drop the answer and empty every widget (call finished, lock, idle)."""
        self._asked += 1  # an answer still on its way is dropped when it comes
        self._drop_answer(call_over=True)
        self._draft.forget()
        self.number_problem.emit("")
        self.notice.emit("")
        self.looking.emit(False)

    def _watch(self) -> None:
        app = QApplication.instance()
        if self.answer is not None and not self._watching and app is not None:
            app.installEventFilter(self)
            self._watching = True

    def _unwatch(self) -> None:
        app = QApplication.instance()
        if self._watching and app is not None:
            app.removeEventFilter(self)
        self._watching = False

    def _drop_answer(self, *, call_over: bool) -> None:
        self._idle.stop()
        self._unwatch()
        self.answer = None
        self.cleared.emit(call_over)
        self.answer_changed.emit(None)

    def _idle_clear(self) -> None:
        if self.answer is None:
            return
        self._draft.save()  # typed outcome kept, sealed; the plan is not
        self.clear()
        minutes = CLEAR_AFTER_IDLE_MS // 60_000
        self.notice.emit(
            f"The plan was cleared after {minutes} minutes without use. If the call is still "
            "going on, look the number up again: what you typed of the outcome comes back."
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._idle.start()
        return False


_ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel})

# Icon and word, never colour alone (DESIGN.md): what the operator may do with the plan.
_STATUS_WORDS = {
    LineStatus.READY: "✓ Plan can be used",
    LineStatus.INCOMPLETE: "⚠ Plan not complete: use with care",
    LineStatus.CONSENT_WITHDRAWN: "✕ Do not use this plan",
    LineStatus.NO_PLAN: "✕ No plan to read out",
    LineStatus.REVOKED: "✕ Card revoked",
}
