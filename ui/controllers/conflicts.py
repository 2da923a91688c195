"""What waits for a person after a sync: conflicts (a field changed differently on two
devices) decided field by field, and changes the server refused, with its reason, to
correct or discard.

A laptop that only sends (the 24-hour line's: ``roles.RECEIVES_RECORDS`` leaves it out)
never has conflicts and is never asked about them: it holds only the calls it has not
sent yet, so its page lists the refused calls alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.errors import ValidationError
from carer_desk.roles import RECEIVES_RECORDS
from carer_desk.sync_status import ConflictItem, ConflictListing, RefusedChange, SyncReport
from ui.context import AppContext
from ui.events import UserMessage
from ui.operations import CoreOp, NetworkOp, VaultTask, describe_failure

if TYPE_CHECKING:  # the records and services load after the unlock window is up
    from carer_desk.config import EmergencyLineSettings
    from carer_desk.records.calls import EmergencyCall
    from carer_desk.services.refused import Discarded
    from carer_desk.session import DeskSession

MINE, THEIRS = "mine", "theirs"

# What to do about a refusal, by what the server's reason says.
_ADVICE = (
    ("team", "Check the carer's team on their profile, or ask your manager to move them."),
    ("consent", "Record the carer's consent on their profile, then save."),
    ("cap", "The payment would go over the limit; change the amount or cancel the request."),
    ("too large", "Shorten the longest notes on the record, then save."),
)
_DEFAULT_ADVICE = "Open the record, correct what the reason names and save: it is sent again."
# A call cannot be opened again on the line's laptop (the plan is gone with the call).
_CALL_ADVICE = (
    "Correct what the reason names and send the call again; or ring the office with the "
    "card number, the time of the call and what was arranged, so they can record it, "
    "then discard it here."
)
# "replacement_care_hours: 30 hours is more…": a field's name the server put first.
_FIELD_FIRST = re.compile(r"^([a-z][a-z0-9_.]*): (.+)$", re.DOTALL)


def reason_sentence(reason: str) -> str:
    """The server's reason as a sentence a person reads: a leading field name in words,
    a capital letter and a full stop ("Replacement care hours: 30 hours is more…")."""
    text = reason.strip() or "no reason was given"
    found = _FIELD_FIRST.match(text)
    if found:
        name = found.group(1).rsplit(".", 1)[-1].replace("_", " ")
        text = f"{name}: {found.group(2)}"
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def advice_for(reason: str, kind: str = "") -> str:
    from carer_desk.records.kinds import RecordKind

    if kind == RecordKind.EMERGENCY_CALL:
        return _CALL_ADVICE
    folded = reason.casefold()
    for word, advice in _ADVICE:
        if word in folded:
            return advice
    return _DEFAULT_ADVICE


@dataclass(frozen=True, slots=True)
class CallCorrection:
    """A refused call's outcome as the operator corrects it: what the office checks."""

    care_arranged: bool
    hours: int
    exceptional_reason: str
    follow_up: str
    #: The laptop's bounds, for the form: the usual most and the exceptional most.
    usual_hours: int = 0
    most_hours: int = 0

    @classmethod
    def of(cls, call: EmergencyCall, line: EmergencyLineSettings) -> CallCorrection:
        return cls(
            care_arranged=call.replacement_care_arranged,
            hours=call.replacement_care_hours or min(line.replacement_care_hours, 24),
            exceptional_reason=call.exceptional_reason or "",
            follow_up=call.follow_up or "",
            usual_hours=line.replacement_care_hours,
            most_hours=line.exceptional_replacement_care_hours,
        )


def _refused_call(session: DeskSession, change_id: str) -> EmergencyCall:
    from carer_desk.records.calls import EmergencyCall
    from carer_desk.records.codec import from_payload

    kind, payload = session.refused.record_for_correction(change_id)
    call = from_payload(kind, payload)
    assert isinstance(call, EmergencyCall), kind  # the page offers calls only
    return call


def correct_call(session: DeskSession, change_id: str, c: CallCorrection) -> EmergencyCall:
    """On the vault lane: the refused call with its outcome corrected, in place of the
    refused change (sent at the next sync)."""
    from carer_desk.records.codec import to_payload

    fixed = session.calls.corrected(
        _refused_call(session, change_id),
        replacement_care_hours=c.hours if c.care_arranged else None,
        exceptional_reason=c.exceptional_reason if c.care_arranged else None,
        follow_up=c.follow_up,
    )
    session.refused.correct(change_id, to_payload(fixed))
    return fixed


class ConflictsController(QObject):
    conflicts_loaded = Signal(object)  # ConflictListing
    refused_loaded = Signal(list)  # [RefusedChange]
    problem = Signal(object)  # UserMessage
    resolved = Signal(str)  # record id
    discarded = Signal(str)  # what discarding did, in a sentence
    #: A refused call to correct: ``(RefusedChange, CallCorrection)`` for the form.
    correction_ready = Signal(object, object)
    #: ``[(field, message)]`` the correction must fix before it is sent.
    correction_problems = Signal(object)
    corrected = Signal(str)  # what correcting did, in a sentence

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.listing: ConflictListing | None = None
        self.choices: dict[str, dict[str, str]] = {}  # record id -> field -> side
        ctx.hub.sync_finished.connect(lambda _r: self.load())

    def load(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        if self.has_conflicts:
            NetworkOp(self.ctx.runner, desk.sync.conflicts).success(self._conflicts).failure(
                lambda exc: self.problem.emit(describe_failure(exc))
            ).busy("Fetching conflicts…").run()
        self._load_refused()

    @property
    def has_conflicts(self) -> bool:
        """False on a laptop that only sends: it holds nothing the office could change."""
        desk = self.ctx.desk
        return desk is not None and desk.role in RECEIVES_RECORDS

    def _load_refused(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        VaultTask(self.ctx.runner, desk.sync.refused).success(self.refused_loaded.emit).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()

    def _conflicts(self, listing: ConflictListing) -> None:
        self.listing = listing
        known = {item.record_id for item in listing.items}
        self.choices = {k: v for k, v in self.choices.items() if k in known}
        self.conflicts_loaded.emit(listing)

    def choose(self, record_id: str, field: str, side: str) -> None:
        self.choices.setdefault(record_id, {})[field] = side

    def undecided(self, item: ConflictItem) -> list[str]:
        chosen = self.choices.get(item.record_id, {})
        return [f.field for f in item.fields if f.field not in chosen]

    def resolve(self, item: ConflictItem) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        missing = self.undecided(item)
        if missing:
            self.problem.emit(UserMessage(f"Choose which value to keep for: {', '.join(missing)}."))
            return
        if self.listing is not None and self.listing.offline:
            self.problem.emit(
                UserMessage(
                    "Deciding a conflict needs the office server, which cannot be reached "
                    "now. Your choice can be made when the laptop is back online."
                )
            )
            return
        choices = dict(self.choices[item.record_id])
        NetworkOp(self.ctx.runner, lambda: desk.sync.resolve(item.record_id, choices)).success(
            lambda report: self._resolved(item.record_id, report)
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Sending your decision…"
        ).run()

    def _resolved(self, record_id: str, report: SyncReport) -> None:
        desk = self.ctx.desk
        self.choices.pop(record_id, None)
        if desk is not None:
            changes: Changes = report.changes

            def absorb() -> None:
                desk.session.absorb(changes)

            VaultTask(self.ctx.runner, absorb).success(
                lambda _n: self.ctx.hub.changes_applied.emit(changes)
            ).run()
        self.resolved.emit(record_id)
        self.load()

    def discard(self, refused: RefusedChange) -> None:
        """Give up a refused change (the person has confirmed): this laptop's copy goes,
        and the office's copy, when it has one, comes back at the next sync."""
        desk = self.ctx.desk
        if desk is None:
            return
        change_id = refused.change_id
        CoreOp(self.ctx.runner, desk.session, lambda s: s.refused.discard(change_id)).success(
            self._discarded
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Discarding the change…"
        ).run()

    def call_to_correct(self, refused: RefusedChange) -> None:
        """Read the refused call's outcome for the correction form."""
        from carer_desk.records.kinds import RecordKind

        desk = self.ctx.desk
        if desk is None or refused.kind != RecordKind.EMERGENCY_CALL:
            return
        line = desk.session.settings.emergency_line
        change_id = refused.change_id
        VaultTask(self.ctx.runner, lambda: _refused_call(desk.session, change_id)).success(
            lambda call: self.correction_ready.emit(refused, CallCorrection.of(call, line))
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).run()

    def correct_call(self, refused: RefusedChange, correction: CallCorrection) -> None:
        """Send the corrected call again: it replaces the refused one, and goes at once
        (a call is sent as soon as it is recorded)."""
        desk = self.ctx.desk
        if desk is None:
            return
        change_id = refused.change_id
        CoreOp(
            self.ctx.runner, desk.session, lambda s: correct_call(s, change_id, correction)
        ).success(lambda _call: self._corrected(refused)).failure(self._correction_failed).busy(
            "Sending the call again…"
        ).run()

    def _corrected(self, refused: RefusedChange) -> None:
        self.corrected.emit(f"Corrected: {refused.description}. It is being sent again.")
        self._load_refused()
        self.ctx.hub.sync_wanted.emit()

    def _correction_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.correction_problems.emit(
                [(f, m[:1].upper() + m[1:] + ".") for f, m in exc.problems]
            )
            return
        self.problem.emit(describe_failure(exc))

    def _discarded(self, outcome: Discarded) -> None:
        self.discarded.emit(outcome.message)
        self._load_refused()  # its Changes, broadcast after this, redraw the status bar

    @staticmethod
    def advice(refused: RefusedChange) -> str:
        return advice_for(refused.reason, refused.kind)

    @staticmethod
    def reason(refused: RefusedChange) -> str:
        return reason_sentence(refused.reason)
