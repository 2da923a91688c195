"""One group's page: its details (add or edit, with messages next to each field), its
sessions with how far each register has been taken, and scheduling or moving a session.
Typing in either form is kept as a sealed draft, as on the carer's record."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.errors import NotFoundError
from carer_desk.records.groups import GroupSession, PeerGroup
from carer_desk.roles import KEEPS_GROUPS, Role
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.events import UserMessage
from ui.forms.fields import FieldSpec
from ui.forms.group_form import (
    GROUP_FIELDS,
    SESSION_FIELDS,
    group_from_values,
    group_values,
    session_from_values,
    session_values,
)
from ui.models.groups_model import SessionRow, SessionsModel, when
from ui.operations import CoreOp, QueryOp, describe_failure

NEW_GROUP = ""  # the record id of a group not added yet

GONE = (
    "This group is no longer on this laptop: it may have been handed to another "
    "facilitator. Go back to the groups."
)


def session_rows(session: DeskSession, group_id: str) -> list[SessionRow]:
    """The group's sessions in date order, each with its marks counted (no carer read)."""
    rows = []
    for s in session.groups.sessions(group_id):
        marks = session.groups.attendance(s.id)
        rows.append(SessionRow(s, sum(1 for a in marks if a.attended), len(marks)))
    return rows


def problems_of(exc: BaseException) -> dict[str, str]:
    """The core's ``ValidationError`` problems by field (empty for any other error)."""
    return {path or "": msg for path, msg in getattr(exc, "problems", ())}


class GroupController(QObject):
    loaded = Signal(object)  # PeerGroup, or None for a new group
    values_ready = Signal(dict, bool)  # the group form's values, whether from a draft
    field_errors = Signal(dict)
    saved = Signal(str)
    created = Signal(str)  # the new group's id
    sessions_ready = Signal()
    session_values_ready = Signal(dict, str)  # values, and the sentence heading the form
    session_errors = Signal(dict)
    session_saved = Signal(str, str)  # a sentence, the session's id
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, group_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session: DeskSession = desk.session
        self.group_id = group_id
        self.group: PeerGroup | None = None
        self.editable = desk.role in KEEPS_GROUPS
        # A facilitator runs the groups they add; the office lets them change only those.
        identity = desk.identity
        self.facilitator = (
            identity.username if desk.role is Role.GROUP_FACILITATOR and identity else None
        )
        self.fields: tuple[FieldSpec, ...] = tuple(
            s for s in GROUP_FIELDS if not (self.facilitator and s.key == "facilitator")
        )
        self.session_fields = SESSION_FIELDS
        self.sessions = SessionsModel(self)
        self.editing_session: GroupSession | None = None
        self.draft = FormDraft(ctx, self.session, f"group:{group_id or 'new'}", self)
        self.session_draft = FormDraft(ctx, self.session, f"group-session:{group_id}", self)
        ctx.hub.changes_applied.connect(self._changes)

    @property
    def is_new(self) -> bool:
        return self.group_id == NEW_GROUP

    @property
    def title(self) -> str:
        return self.group.name if self.group else "New group"

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        keys = (self.draft.key, self.session_draft.key)
        if self.is_new:
            QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.load(keys[0])).success(
                lambda draft: self._loaded((None, [], draft, None))
            ).run()
            return
        gid = self.group_id

        def read(s: DeskSession) -> tuple[Any, ...]:
            return (
                s.groups.group(gid),
                session_rows(s, gid),
                s.drafts.load(keys[0]),
                s.drafts.load(keys[1]),
            )

        QueryOp(self.ctx.runner, self.session, read).success(self._loaded).failure(
            self._load_failed
        ).busy("Opening the group…").run()

    def _loaded(self, result: tuple[Any, ...]) -> None:
        group, rows, draft, session_draft = result
        self.group = group
        self.loaded.emit(group)
        from_draft = bool(draft and self.editable)
        values = draft if from_draft else group_values(group, facilitator=self.facilitator)
        self.draft.values, self.draft.dirty = dict(values), from_draft
        self.values_ready.emit(values, from_draft)
        self.sessions.set_rows(rows)
        self.sessions_ready.emit()
        if group is not None and self.editable and not self.session_draft.dirty:
            if session_draft:
                self.session_draft.values, self.session_draft.dirty = dict(session_draft), True
                self.session_values_ready.emit(session_draft, "Your unsaved session, kept")
            else:
                self.new_session()

    def _load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFoundError):
            self.problem.emit(UserMessage(GONE))
            return
        self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        """A sync brought a newer group or its sessions: read them again (typing in the
        forms stays the person's own)."""
        if self.is_new or changes.source.value != "pull":
            return
        if changes.touches("group", "session", "attendance"):
            self._reload_sessions()
            if changes.touches_record(self.group_id) and not self.draft.dirty:
                self.load()

    def _reload_sessions(self) -> None:
        gid = self.group_id
        QueryOp(self.ctx.runner, self.session, lambda s: session_rows(s, gid)).success(
            self._sessions
        ).run()

    def _sessions(self, rows: list[SessionRow]) -> None:
        self.sessions.set_rows(rows)
        self.sessions_ready.emit()

    # --- the group's details -----------------------------------------------------------

    def edited(self, values: dict[str, Any]) -> None:
        if self.editable:
            self.draft.edited(values)

    def save(self, values: dict[str, Any]) -> None:
        if not self.editable:
            return
        self.draft.values = dict(values)
        group, problems = group_from_values(
            values, existing=self.group, facilitator=self.facilitator
        )
        self.field_errors.emit(problems)
        if group is None:
            return
        new, key = self.is_new, self.draft.key

        def write(s: DeskSession) -> PeerGroup:
            saved = s.groups.create_group(group) if new else s.groups.update_group(group)
            s.drafts.discard(key)
            return saved

        CoreOp(self.ctx.runner, self.session, write).success(self._saved).failure(
            self._save_failed
        ).busy("Saving…").run()

    def _saved(self, group: PeerGroup) -> None:
        self.draft.forget()
        if self.is_new:
            self.created.emit(group.id)
            return
        self.group = group
        self.loaded.emit(group)
        self.saved.emit("Saved. It is sent to the office at the next sync.")

    def _save_failed(self, exc: BaseException) -> None:
        self.field_errors.emit(problems_of(exc))
        self.problem.emit(describe_failure(exc))

    def discard_changes(self) -> None:
        self.draft.discard()
        values = group_values(self.group, facilitator=self.facilitator)
        self.draft.values = dict(values)
        self.values_ready.emit(values, False)

    # --- its sessions ------------------------------------------------------------------

    def session_id_at(self, row: int) -> str | None:
        found = self.sessions.row_at(row)
        return found.session.id if found else None

    def next_session_row(self) -> int | None:
        """The row of the first session on or after today (where the person starts)."""
        today = self.session.clock.today()
        rows = self.sessions.rows()
        return next((i for i, r in enumerate(rows) if r.session.on >= today), None)

    def session_note(self) -> str:
        """What a session's empty venue and link fall back to."""
        g = self.group
        usual = [v for v in (g.venue, g.online_link) if v] if g else []
        if not usual:
            return "Say where each session meets, or paste its link."
        return f"Venue and link left empty: the group's usual ({', '.join(usual)})."

    def new_session(self) -> None:
        if self.group is None:
            return
        self.editing_session = None
        values = session_values(None, self.group, today=self.session.clock.today())
        self.session_values_ready.emit(values, "Schedule a session")

    def edit_session(self, row: int) -> None:
        found = self.sessions.row_at(row)
        if found is None or self.group is None:
            return
        self.editing_session = found.session
        heading = f"Change the session of {when(found.session)}"
        self.session_values_ready.emit(session_values(found.session, self.group), heading)

    def session_edited(self, values: dict[str, Any]) -> None:
        if self.editable:
            self.session_draft.edited(values)

    def schedule(self, values: dict[str, Any]) -> None:
        """Schedule a new session, or move the one being changed."""
        group = self.group
        if group is None or not self.editable:
            return
        plan, problems = session_from_values(values, group)
        self.session_errors.emit(problems)
        if plan is None:
            return
        editing, key = self.editing_session, self.session_draft.key
        gid = group.id

        def write(s: DeskSession) -> GroupSession:
            if editing is not None:
                done = s.groups.update_session(plan.applied_to(editing, group))
            else:
                done = s.groups.schedule_session(gid, **plan.schedule_args())
            s.drafts.discard(key)
            return done

        CoreOp(self.ctx.runner, self.session, write).success(
            lambda done: self._scheduled(done, editing is not None)
        ).failure(self._schedule_failed).busy("Saving the session…").run()

    def _scheduled(self, done: GroupSession, moved: bool) -> None:
        self.session_draft.forget()
        verb = "moved to" if moved else "scheduled for"
        self.session_saved.emit(f"Session {verb} {when(done)}.", done.id)
        self._reload_sessions()
        self.new_session()

    def _schedule_failed(self, exc: BaseException) -> None:
        self.session_errors.emit(problems_of(exc))
        self.problem.emit(describe_failure(exc))
