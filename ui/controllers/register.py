"""A session's page: the attendance register ticked through by keyboard, a newcomer added
with their consent, a follow-up conversation asked for, and the paper sign-in sheet.

Only register fields are ever read (``GroupService.register_rows``): on a facilitator's
laptop the carers themselves are not there, only the server's register entries. Marks
show at once and are written on the vault lane behind them; a mark that cannot be
written is put back and the reason shown. A sync that brings a colleague's marks or a
new member redraws the open register.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes, ChangeSource
from carer_desk.errors import NotFoundError, RuleViolation
from carer_desk.formatting import long_date
from carer_desk.records.groups import REGISTER_ENTRY_KIND, Attendance, GroupSession, PeerGroup
from carer_desk.roles import KEEPS_GROUPS
from carer_desk.services.groups import RegisterRow
from carer_desk.services.printing import Rendered
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.events import UserMessage
from ui.forms.group_form import (
    NEWCOMER_FIELDS,
    blank_newcomer,
    format_time,
    newcomer_from_values,
    newcomer_problems,
)
from ui.models.groups_model import where
from ui.models.register_model import RegisterColumn, RegisterModel, here_word
from ui.operations import CoreOp, QueryOp, describe_failure

#: What a pull must touch for the open register to be read again.
REGISTER_KINDS = ("session", "group", "attendance", "group_member", "carer", REGISTER_ENTRY_KIND)


class RegisterController(QObject):
    loaded = Signal(object, object)  # GroupSession, PeerGroup
    rows_ready = Signal(object)  # the rows were read: a carer id to put the keyboard on, or None
    counts_changed = Signal()
    marked = Signal(str)  # a sentence for the person (and their screen reader)
    newcomer_values = Signal(dict, bool)  # the form's values, whether from a draft
    newcomer_errors = Signal(dict)
    newcomer_added = Signal(str, str)  # a sentence, the newcomer's carer id
    preview_ready = Signal(object)  # Rendered: the sign-in sheet
    printed = Signal(str)
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, session_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session: DeskSession = desk.session
        self.session_id = session_id
        self.group_session: GroupSession | None = None
        self.group: PeerGroup | None = None
        self.editable = desk.role in KEEPS_GROUPS
        self.newcomer_fields = NEWCOMER_FIELDS
        self.model = RegisterModel(self)
        self.model.mark_requested.connect(self._mark_clicked)
        self.draft = FormDraft(ctx, self.session, f"newcomer:{session_id}", self)
        self.ready = False
        self._in_flight: dict[str, int] = {}  # carer id -> marks being written
        ctx.hub.changes_applied.connect(self._changes)

    @property
    def group_id(self) -> str | None:
        return self.group_session.group_id if self.group_session else None

    # --- loading -----------------------------------------------------------------------

    def load(self, *, select: str | None = None) -> None:
        sid, key = self.session_id, self.draft.key

        def read(s: DeskSession) -> tuple[Any, ...]:
            gs = s.groups.session(sid)
            return gs, s.groups.group(gs.group_id), s.groups.register_rows(sid), s.drafts.load(key)

        QueryOp(self.ctx.runner, self.session, read).success(
            lambda result: self._loaded(result, select)
        ).failure(self._load_failed).busy("Opening the register…").run()

    def _loaded(self, result: tuple[Any, ...], select: str | None) -> None:
        group_session, group, rows, draft = result
        first = not self.ready
        self.group_session, self.group, self.ready = group_session, group, True
        self.loaded.emit(group_session, group)
        self.model.set_rows(rows)
        self.rows_ready.emit(select)
        self.counts_changed.emit()
        if first and self.editable:
            values = draft or blank_newcomer()
            if draft:
                self.draft.values, self.draft.dirty = dict(draft), True
            self.newcomer_values.emit(values, bool(draft))

    def _load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFoundError):
            self.problem.emit(
                UserMessage(
                    "This session is no longer on this laptop: its group may have been handed "
                    "to another facilitator. Go back to the groups."
                )
            )
            return
        self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        # Marks made here are shown as they are made; a sync's are read in.
        if (
            self.ready
            and changes.source is not ChangeSource.LOCAL
            and changes.touches(*REGISTER_KINDS)
        ):
            self.load()

    # --- what the page says ------------------------------------------------------------

    def heading(self) -> str:
        gs = self.group_session
        if self.group is None or gs is None:
            return "Register"
        at = f" at {format_time(gs.starts_at)}" if gs.starts_at else ""
        return f"{self.group.name}: {gs.on:%A} {long_date(gs.on)}{at}"

    def details(self) -> str:
        gs = self.group_session
        if gs is None:
            return ""
        parts = [gs.format.label]
        place = where(gs)
        if place and place != "Online":
            parts.append(place)
        if gs.online_link:
            parts.append(gs.online_link)
        if gs.notes:
            parts.append(gs.notes)
        return " · ".join(parts)

    def count_sentence(self) -> str:
        rows = self.model.rows()
        here = sum(1 for r in rows if r.attended)
        unmarked = sum(1 for r in rows if r.attended is None)
        text = f"{here} here of {len(rows)} on the register"
        return text + (f"; {unmarked} not marked yet" if unmarked else "")

    def empty_sentence(self) -> str:
        return "Nobody is on this register yet. Add a newcomer below, or sync (F5)."

    # --- marking -----------------------------------------------------------------------

    def _mark_clicked(self, row: int, column: int) -> None:
        if column == RegisterColumn.HERE:
            self.toggle_here(row)
        elif column == RegisterColumn.FOLLOW_UP:
            self.toggle_follow_up(row)

    def toggle_here(self, row: int) -> None:
        """Not marked -> here; here <-> not here."""
        found = self.model.row_at(row)
        if found is None or not self.editable:
            return
        attended = found.attended is not True
        self._write(
            row,
            replace(found, attended=attended),
            lambda s, sid, cid: s.groups.mark_attendance(sid, cid, attended=attended),
            f"{found.entry.display_name}: {here_word(attended).lower()}",
        )

    def toggle_follow_up(self, row: int) -> None:
        """Ask the office for a follow-up conversation (or take the request back)."""
        found = self.model.row_at(row)
        if found is None or not self.editable:
            return
        if found.follow_up_requested:
            attended = bool(found.attended)
            shown = replace(found, follow_up_requested=False, attended=attended)
            self._write(
                row,
                shown,
                lambda s, sid, cid: s.groups.mark_attendance(
                    sid, cid, attended=attended, follow_up=False
                ),
                f"{found.entry.display_name}: no follow-up asked for",
            )
            return
        attended = found.attended if found.attended is not None else True
        self._write(
            row,
            replace(found, follow_up_requested=True, attended=attended),
            lambda s, sid, cid: s.groups.flag_follow_up(sid, cid),
            f"{found.entry.display_name}: a follow-up conversation is asked for",
        )

    def _write(self, row: int, shown: RegisterRow, mark: Any, sentence: str) -> None:
        self.model.replace_row(row, shown)
        self.marked.emit(sentence)
        self.counts_changed.emit()
        sid, cid = self.session_id, shown.entry.carer_id
        self._in_flight[cid] = self._in_flight.get(cid, 0) + 1
        CoreOp(self.ctx.runner, self.session, lambda s: mark(s, sid, cid)).success(
            lambda mark: self._written(cid, mark)
        ).failure(lambda exc: self._mark_failed(cid, exc)).run()

    def _settled(self, carer_id: str) -> bool:
        """One write for this carer is done; True when it was the newest asked for (an
        older write's answer must not undo a quicker second press shown meanwhile)."""
        left = self._in_flight.get(carer_id, 1) - 1
        if left:
            self._in_flight[carer_id] = left
            return False
        self._in_flight.pop(carer_id, None)
        return True

    def _written(self, carer_id: str, mark: Attendance) -> None:
        if not self._settled(carer_id):
            return
        row = self.model.position(carer_id)
        found = self.model.row_at(row) if row is not None else None
        if found is not None and row is not None:
            confirmed = replace(
                found, attended=mark.attended, follow_up_requested=mark.follow_up_requested
            )
            if confirmed != found:
                self.model.replace_row(row, confirmed)
                self.counts_changed.emit()

    def _mark_failed(self, carer_id: str, exc: BaseException) -> None:
        self._settled(carer_id)
        self.problem.emit(describe_failure(exc))
        self.load()  # show what the vault holds, not what was hoped for

    # --- a newcomer --------------------------------------------------------------------

    def newcomer_edited(self, values: dict[str, Any]) -> None:
        if self.editable:
            self.draft.edited(values)

    def add_newcomer(self, values: dict[str, Any]) -> None:
        if not self.editable:
            return
        self.draft.values = dict(values)
        newcomer, problems = newcomer_from_values(values)
        self.newcomer_errors.emit(problems)
        if newcomer is None:
            return
        sid, key = self.session_id, self.draft.key

        def add(s: DeskSession) -> Any:
            entry = s.groups.add_newcomer(sid, **asdict(newcomer))
            s.drafts.discard(key)
            return entry

        CoreOp(self.ctx.runner, self.session, add).success(self._added).failure(
            self._add_failed
        ).busy("Adding…").run()

    def _added(self, entry: Any) -> None:
        self.draft.forget()
        self.newcomer_values.emit(blank_newcomer(), False)
        self.newcomer_added.emit(
            f"{entry.display_name} is on the register, marked here. They are sent to the "
            "office at the next sync.",
            entry.carer_id,
        )
        self.load(select=entry.carer_id)

    def _add_failed(self, exc: BaseException) -> None:
        if isinstance(exc, RuleViolation):
            # The core's own sentence, next to the consent box it is about.
            self.newcomer_errors.emit({"consent": str(exc)})
            return
        problems = getattr(exc, "problems", None)
        if problems:
            self.newcomer_errors.emit(newcomer_problems(problems))
            return
        self.problem.emit(describe_failure(exc))

    # --- the sign-in sheet -------------------------------------------------------------

    def print_sign_in(self) -> None:
        sid = self.session_id
        QueryOp(self.ctx.runner, self.session, lambda s: s.printing.sign_in(sid)).success(
            self.preview_ready.emit
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Preparing the sign-in sheet…"
        ).run()

    def record_printed(self, rendered: Rendered) -> None:
        """The preview sent the sheet to the printer: note who it lists, on the vault lane."""
        note = "The sign-in sheet was printed; the print is noted."
        CoreOp(
            self.ctx.runner, self.session, lambda s: s.printing.record_printed(rendered)
        ).success(lambda _r: self.printed.emit(note)).run()
