"""One carer's record page: load it, edit the profile with messages next to each field,
register a new carer after seeing possible duplicates, merge or keep apart, and keep
every unsaved edit sealed as a draft (on a pause in typing, and at lock).

What the page shows of the carer's conversations, payments, plan, cards and groups is
read-only here; the history tab lists this record's audit trail.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.changes import Changes
from carer_desk.environment import OpenDesk
from carer_desk.errors import NotFoundError
from carer_desk.records.carer import Carer
from carer_desk.roles import EDITS_CARERS
from carer_desk.services.carer_file import CarerFile
from carer_desk.services.duplicates import PossibleDuplicate
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.events import UserMessage
from ui.forms.carer_form import blank_values, carer_from_values, values_of
from ui.forms.fields import format_date, parse_date
from ui.operations import CoreOp, QueryOp, describe_failure

log = logging.getLogger(__name__)

AUTOSAVE_MS = 2_000  # a pause in typing this long seals a draft
NEW_CARER = ""  # the record id of a carer not registered yet


# The page shows a carer's whole file, read in one trip to the vault lane.
CarerRecord = CarerFile


class CarerController(QObject):
    loaded = Signal(object)  # CarerRecord (None for a new carer)
    values_ready = Signal(dict, bool)  # form values, whether they came from a draft
    field_errors = Signal(dict)
    saved = Signal(str)  # a sentence
    duplicates_found = Signal(list)  # [PossibleDuplicate] to decide before registering
    age_notice = Signal(str)  # young carer / transition sentence, or ""
    problem = Signal(object)  # UserMessage
    registered = Signal(str)  # the new carer's id
    state_changed = Signal(str)  # the record's sync state, in words

    def __init__(self, ctx: AppContext, carer_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk: OpenDesk = ctx.open_desk()
        self.desk = desk
        self.session = desk.session
        self.carer_id = carer_id
        self.record: CarerRecord | None = None
        self.values: dict[str, Any] | None = None
        self.dirty = False
        self._duplicates_seen = False
        self.editable = desk.role in EDITS_CARERS
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_draft)
        ctx.hub.locking.connect(self._locking)
        ctx.hub.changes_applied.connect(self._changes)

    @property
    def is_new(self) -> bool:
        return self.carer_id == NEW_CARER

    @property
    def draft_key(self) -> str:
        return f"carer-profile:{self.carer_id or 'new'}"

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        key = self.draft_key
        if self.is_new:
            QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.load(key)).success(
                self._new_loaded
            ).run()
            return
        carer_id = self.carer_id
        QueryOp(
            self.ctx.runner,
            self.session,
            lambda s: (s.files.open(carer_id), s.drafts.load(key)),
        ).success(self._loaded).failure(self._load_failed).busy("Opening the record…").run()

    def _new_loaded(self, draft: dict | None) -> None:
        identity = self.desk.identity
        today = self.session.clock.today()
        values = draft or blank_values(
            today_text=format_date(today),
            worker=identity.username if identity else None,
            team=identity.team if identity else None,
        )
        self.values = values
        self.loaded.emit(None)
        self.values_ready.emit(values, draft is not None)
        self.dirty = draft is not None
        self.check_age(values)

    def _loaded(self, result: tuple[CarerRecord, dict | None]) -> None:
        record, draft = result
        self.record = record
        self.loaded.emit(record)
        values = draft if (draft and self.editable) else values_of(record.carer)
        self.values = values
        self.values_ready.emit(values, bool(draft and self.editable))
        self.dirty = bool(draft and self.editable)
        self.state_changed.emit(record.sync_state.value)
        self.check_age(values)

    def _load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFoundError):
            self.problem.emit(
                UserMessage(
                    "This carer is no longer on this laptop: the record was merged or "
                    "removed, perhaps on another laptop. Go back to the caseload."
                )
            )
            return
        self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        """A sync brought a newer copy: reload, unless the person is in the middle of
        editing (their draft stays theirs; a conflict, if any, is decided on the sync page)."""
        if self.is_new or not changes.touches_record(self.carer_id) or self.dirty:
            return
        if changes.source.value == "pull" or changes.sync_states:
            self.load()

    # --- editing -----------------------------------------------------------------------

    def edited(self, values: dict[str, Any]) -> None:
        """The view reports every change; a pause in typing seals a draft."""
        if not self.editable:
            return
        self.values = values
        self.dirty = True
        self._timer.start()
        self.check_age(values)

    def check_age(self, values: dict[str, Any]) -> None:
        try:
            born = parse_date(str(values.get("date_of_birth") or ""))
        except ValueError:
            born = None
        self.age_notice.emit(self.age_sentence(born))

    def age_sentence(self, born: date | None) -> str:
        if born is None:
            return ""
        bands = self.session.settings.age_bands
        today = self.session.clock.today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 0:
            return ""
        months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
        eighteen = bands.young_carer_under
        if months >= bands.transition_referral_months and age < eighteen:
            turns = (
                born.replace(year=born.year + eighteen)
                if not (born.month == 2 and born.day == 29)
                else date(born.year + eighteen, 3, 1)
            )
            return (
                f"Turns {eighteen} on {format_date(turns)}: plan their move to adult carers' "
                "support with them and Children's Services now."
            )
        if age < eighteen:
            return (
                f"Under {eighteen}: this is a young carer. Young carers are supported by "
                "Oxfordshire's young carers' service through Children's Services (Children "
                "Act 1989 s.17ZA): record the referral in the notes and tell your manager "
                "the same day."
            )
        return ""

    def save_draft(self) -> None:
        """Seal what is typed so far (never synced; discarded once saved)."""
        self._timer.stop()
        if not self.dirty or self.values is None or not self.session.is_open:
            return
        values, key = dict(self.values), self.draft_key
        QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.save(key, values)).run()

    def _locking(self) -> None:
        self.save_draft()

    def discard_changes(self) -> None:
        key = self.draft_key
        self.dirty = False
        self._timer.stop()
        QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.discard(key)).success(
            lambda _n: self.load()
        ).run()

    # --- saving ------------------------------------------------------------------------

    def save(self, values: dict[str, Any] | None = None, *, confirmed_new: bool = False) -> None:
        if not self.editable:
            return
        values = values if values is not None else self.values
        if values is None:
            return
        self.values = values
        existing = self.record.carer if self.record is not None else None
        carer, problems = carer_from_values(values, existing=existing)
        self.field_errors.emit(problems)
        if carer is None:
            return
        if self.is_new and not confirmed_new:
            QueryOp(
                self.ctx.runner,
                self.session,
                lambda s: s.duplicates.possible_duplicates(candidate=carer),
            ).success(lambda found: self._checked(carer, found)).run()
            return
        self._write(carer)

    def _checked(self, carer: Carer, found: list[PossibleDuplicate]) -> None:
        if found:
            self.duplicates_found.emit(found)
            return
        self._write(carer)

    def register_anyway(self) -> None:
        """The person looked at the possible duplicates: a different person."""
        self.save(confirmed_new=True)

    def _write(self, carer: Carer) -> None:
        key = self.draft_key
        new = self.is_new

        def write(s: DeskSession) -> Carer:
            saved = s.carers.register(carer) if new else s.carers.update(carer)
            s.drafts.discard(key)
            return saved

        CoreOp(self.ctx.runner, self.session, write).success(self._saved).failure(
            self._save_failed
        ).busy("Saving…").run()

    def _saved(self, carer: Carer) -> None:
        self.dirty = False
        self._timer.stop()
        if self.is_new:
            self.saved.emit(f"{carer.display_name} is registered. It is sent at the next sync.")
            self.registered.emit(carer.id)
            return
        self.saved.emit("Saved. It is sent to the office at the next sync.")
        self.load()

    def _save_failed(self, exc: BaseException) -> None:
        problems = getattr(exc, "problems", None)
        if problems:
            self.field_errors.emit({path or "": msg for path, msg in problems})
        self.problem.emit(describe_failure(exc))

    # --- duplicates --------------------------------------------------------------------

    def merge_into(self, keep_id: str) -> None:
        """This carer is the same person as ``keep_id``: keep that record, absorb this."""
        absorb = self.carer_id
        CoreOp(
            self.ctx.runner, self.session, lambda s: s.duplicates.merge(keep_id, absorb)
        ).success(lambda _r: self.registered.emit(keep_id)).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()

    def keep_apart(self, other_id: str) -> None:
        this = self.carer_id
        CoreOp(
            self.ctx.runner, self.session, lambda s: s.duplicates.keep_apart(this, other_id)
        ).success(lambda _d: self.saved.emit("Noted: these are two different people.")).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()

    def duplicates_of_saved(self) -> None:
        """Possible duplicates of this (registered) carer, to merge or keep apart."""
        if self.is_new:
            return
        ids = {self.carer_id}
        QueryOp(
            self.ctx.runner, self.session, lambda s: s.duplicates.possible_duplicates(ids)
        ).success(self.duplicates_found.emit).run()
