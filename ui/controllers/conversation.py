"""One guided conversation: load it with the template version it was held with, keep what
is typed as a sealed draft (at most a few seconds behind, at lock and at close), save it,
complete it (the core names whatever the assessment still needs), show a review beside
the previous conversation and the wellbeing trajectory, and print its documents.

Typing never waits for the vault: a keystroke only marks the form changed; within
:data:`AUTOSAVE_MS` the values are read once and sealed on the vault lane.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes, ChangeSource
from carer_desk.errors import NotFoundError
from carer_desk.records.conversation import ConversationStatus, GuidedConversation
from carer_desk.roles import EDITS_CARERS
from carer_desk.rules.eligibility import EligibilityResult, assess_eligibility
from carer_desk.services.conversations import AssessmentIncomplete, WellbeingPoint
from carer_desk.services.printing import Rendered
from carer_desk.session import DeskSession
from carer_desk.templates import ConversationTemplate
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.events import UserMessage
from ui.forms.conversation_form import conversation_from_values, review_date_of, values_of
from ui.operations import CoreOp, QueryOp, describe_failure, while_alive

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3_000  # the most typing a crash can lose


@dataclass(frozen=True)
class ConversationView:
    """Everything the page shows, read in one trip to the vault lane."""

    conversation: GuidedConversation
    template: ConversationTemplate
    carer_name: str
    sync_state: str
    draft: dict[str, Any] | None
    previous: GuidedConversation | None
    previous_template: ConversationTemplate | None
    trajectory: tuple[WellbeingPoint, ...]
    reminders: tuple[str, ...]

    @property
    def editable(self) -> bool:
        return self.conversation.status == ConversationStatus.DRAFT


def _read(s: DeskSession, conversation_id: str, draft_key: str) -> ConversationView:
    service = s.conversations
    conversation = service.get(conversation_id)
    previous = service.previous(conversation)
    carer = s.carers.get_carer(conversation.carer_id)
    editable = conversation.status == ConversationStatus.DRAFT
    return ConversationView(
        conversation=conversation,
        template=service.template(conversation),
        carer_name=carer.display_name,
        sync_state=s.store.meta(conversation_id).sync_state.value,
        draft=s.drafts.load(draft_key) if editable else None,
        previous=previous,
        previous_template=service.template(previous) if previous is not None else None,
        trajectory=service.wellbeing_trajectory(conversation.carer_id),
        reminders=service.reminders(conversation_id) if editable else (),
    )


def draft_key(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class ConversationController(QObject):
    loaded = Signal(object)  # ConversationView: build the form afresh
    refreshed = Signal(object)  # ConversationView: the same form; its sync state read again
    values_ready = Signal(dict, bool)  # form values, whether they came from a draft
    field_errors = Signal(dict)
    saved = Signal(object, str)  # GuidedConversation, a sentence
    completed = Signal(object)  # GuidedConversation
    missing = Signal(str)  # what completing still needs, in a sentence
    draft_kept = Signal(str)  # a sentence: when the draft was last sealed
    problem = Signal(object)  # UserMessage
    preview_ready = Signal(object)  # Rendered
    printed = Signal(str)
    eligibility_changed = Signal(object)  # EligibilityResult | None (stage 3 not started)

    def __init__(self, ctx: AppContext, conversation_id: str, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session = desk.session
        self.conversation_id = conversation_id
        self.view: ConversationView | None = None
        self.may_edit = desk.role in EDITS_CARERS
        self.draft = FormDraft(
            ctx,
            self.session,
            draft_key(conversation_id),
            self,
            interval_ms=AUTOSAVE_MS,
            throttle=True,
        )
        self.draft.sealed.connect(self._sealed)
        self._read_values = None  # the view's reader: called when a draft is sealed
        ctx.hub.changes_applied.connect(self._changes)

    @property
    def editable(self) -> bool:
        return self.may_edit and self.view is not None and self.view.editable

    @property
    def carer_id(self) -> str | None:
        return self.view.conversation.carer_id if self.view else None

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        """Read the conversation and build the form from it (at opening; once completed)."""
        self._read_then(self._loaded).busy("Opening the conversation…").run()

    def _reread(self) -> None:
        """Read the conversation again because something changed it (a save moved its
        sync state, a pull brought a copy); :meth:`_reread_done` decides what to show."""
        self._read_then(self._reread_done).run()

    def _read_then(self, shown: Callable[[ConversationView], None]) -> QueryOp[ConversationView]:
        cid, key = self.conversation_id, draft_key(self.conversation_id)
        op = QueryOp(self.ctx.runner, self.session, lambda s: _read(s, cid, key))
        # The page may be gone (locked, left) by the time the answer is back.
        op.success(while_alive(self, shown)).failure(while_alive(self, self._load_failed))
        return op

    def _loaded(self, view: ConversationView) -> None:
        self.view = view
        self.loaded.emit(view)
        from_draft = view.draft is not None and self.editable
        values = dict(view.draft) if from_draft else values_of(view.conversation)
        if from_draft:
            self.draft.resume(values)
        self.values_ready.emit(values, from_draft)
        self.values_changed(values)

    def _load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFoundError):
            self.problem.emit(
                UserMessage(
                    "This conversation is not on this laptop (it may not have synced yet). "
                    "Go back to the carer's record."
                )
            )
            return
        self.problem.emit(describe_failure(exc))

    def _changes(self, changes: Changes) -> None:
        if not changes.touches_record(self.conversation_id):
            return
        if self.view is None and changes.source is ChangeSource.LOCAL:
            # The write that started this conversation (its Changes are broadcast after
            # the page opened): the first read, queued after it, already has it.
            return
        if changes.source.value == "pull" or changes.sync_states:
            self._reread()

    def _reread_done(self, view: ConversationView) -> None:
        """The form is built again only when what it shows changed and nobody is typing.

        Whether someone is typing is decided here, when the answer is back, not when the
        read was asked for: the read takes a moment on the vault lane, and a keystroke
        in that moment (just after pressing Save, or as the page opens while the start's
        own change comes round) must not be thrown away with the form it was typed into.
        A pull's newer copy is not taken while there is typing: the draft stays the
        person's, and a conflict, if any, is decided on the sync page."""
        shown = self.view
        if shown is None:
            self._loaded(view)
            return
        if self.draft.dirty:
            self.view = replace(shown, sync_state=view.sync_state, reminders=view.reminders)
            self.refreshed.emit(self.view)
            return
        if view.conversation == shown.conversation and view.template == shown.template:
            # Only its sync state moved (this page's own save or start): same form.
            self.view = replace(view, draft=None)
            self.refreshed.emit(self.view)
            return
        self._loaded(view)

    # --- typing ------------------------------------------------------------------------

    def watch_values(self, read_values) -> None:
        """``read_values()`` gives the form's values; read only when a draft is sealed."""
        self._read_values = read_values
        self.draft.reader = read_values

    def edited(self) -> None:
        """A keystroke or a choice: nothing is read or written now (typing stays quick)."""
        if self.editable:
            self.draft.touched()

    def values_changed(self, values: dict[str, Any]) -> None:
        """A choice that changes the decision shown (outcomes, impact, health)."""
        self.eligibility_changed.emit(self.eligibility_of(values))

    def eligibility_of(self, values: dict[str, Any]) -> EligibilityResult | None:
        if self.view is None:
            return None
        built, _problems = conversation_from_values(
            self.view.conversation, self.view.template, values
        )
        if built is None or built.stage3 is None:
            return None
        return assess_eligibility(built.stage3)

    def _sealed(self) -> None:
        self.draft_kept.emit(
            f"Draft kept on this laptop at {self.session.clock.now().astimezone():%H:%M:%S}."
        )

    def save_draft_now(self) -> None:
        self.draft.save()

    # --- saving and completing --------------------------------------------------------

    def _built(self, values: dict[str, Any]) -> GuidedConversation | None:
        if self.view is None or not self.editable:
            return None
        built, problems = conversation_from_values(
            self.view.conversation, self.view.template, values
        )
        self.field_errors.emit(problems)
        if built is None:
            self.problem.emit(
                UserMessage(
                    f"Not saved: {len(problems)} thing(s) to correct, each marked in red. "
                    "Your typing is kept as a draft."
                )
            )
        return built

    def save(self, values: dict[str, Any]) -> None:
        built = self._built(values)
        if built is None:
            return
        key = draft_key(self.conversation_id)

        def write(s: DeskSession) -> GuidedConversation:
            saved = s.conversations.save_draft(built)
            s.drafts.discard(key)
            return saved

        CoreOp(self.ctx.runner, self.session, write).success(
            lambda saved: self._stored(saved, "Saved. It is sent to the office at the next sync.")
        ).failure(self._failed).busy("Saving…").run()

    def complete(self, values: dict[str, Any]) -> None:
        """Save, then complete: the core says what is missing, if anything."""
        built = self._built(values)
        if built is None:
            return
        key, review = draft_key(self.conversation_id), review_date_of(values)
        stage1_enough = built.stage1_sufficient

        def write(s: DeskSession) -> GuidedConversation:
            s.conversations.save_draft(built)
            s.drafts.discard(key)
            return s.conversations.complete(
                built.id, stage1_sufficient=stage1_enough, review_date=review
            )

        CoreOp(self.ctx.runner, self.session, write).success(self._completed).failure(
            self._failed
        ).busy("Completing…").run()

    def _stored(self, saved: GuidedConversation, sentence: str) -> None:
        self.draft.forget()
        if self.view is not None:
            self.view = _replace_conversation(self.view, saved)
        self.saved.emit(saved, sentence)

    def _completed(self, done: GuidedConversation) -> None:
        self.draft.forget()
        self.completed.emit(done)
        self.load()  # read-only now, with its determination

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, AssessmentIncomplete):
            # The draft was saved in the same operation only if it got that far: keep
            # the typing as a draft either way, so nothing is lost.
            self.draft.touched()
            self.missing.emit(str(exc))
            return
        problems = getattr(exc, "problems", None)
        if problems:
            self.field_errors.emit({path or "": msg for path, msg in problems})
        self.problem.emit(describe_failure(exc))

    # --- printing ----------------------------------------------------------------------

    def print_support_plan(self, *, large_print: bool = False) -> None:
        carer_id, cid = self.carer_id, self.conversation_id
        if carer_id is None:
            return
        self._print(
            lambda s: s.printing.support_plan(
                carer_id, large_print=large_print, conversation_id=cid
            ),
            "Preparing the support plan…",
        )

    def print_letter(self, *, large_print: bool = False) -> None:
        cid = self.conversation_id
        self._print(
            lambda s: s.printing.letter_for_conversation(cid, large_print=large_print),
            "Preparing the decision letter…",
        )

    def _print(self, render: Callable[[DeskSession], Rendered], busy: str) -> None:
        """What is on screen is what prints: typing not saved yet is saved first, in the
        same step (the renderers read the saved conversation, so a support plan printed
        mid-visit said "Not recorded" under what the worker had just typed)."""
        built = None
        if self.editable and self.draft.dirty and self._read_values is not None:
            built = self._built(self._read_values())
            if built is None:
                return  # the problems are marked; nothing printed from a half-read form
        key = draft_key(self.conversation_id)

        def work(s: DeskSession) -> tuple[GuidedConversation | None, Rendered]:
            saved = None
            if built is not None:
                saved = s.conversations.save_draft(built)
                s.drafts.discard(key)
            return saved, render(s)

        def done(result: tuple[GuidedConversation | None, Rendered]) -> None:
            saved, rendered = result
            if saved is not None:
                self._stored(saved, "Saved, so the printout shows what you typed.")
            self.preview_ready.emit(rendered)

        CoreOp(self.ctx.runner, self.session, work).success(done).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).busy(busy).run()

    def record_printed(self, rendered: Rendered) -> None:
        note = "Printed; the print is noted in the record's history."
        QueryOp(
            self.ctx.runner, self.session, lambda s: s.printing.record_printed(rendered)
        ).success(lambda _r: self.printed.emit(note)).run()


def _replace_conversation(view: ConversationView, saved: GuidedConversation) -> ConversationView:
    return replace(view, conversation=saved, draft=None)


class ConversationStarter(QObject):
    """The carer page's way into conversations: start one (or a review), or open one."""

    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, carer_id: str, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.carer_id = carer_id
        self.may_start = ctx.open_desk().role in EDITS_CARERS

    def start(self, *, review: bool = False) -> None:
        carer_id = self.carer_id
        CoreOp(
            self.ctx.runner,
            self.ctx.open_desk().session,
            lambda s: s.conversations.start(carer_id, is_review=review),
        ).success(lambda c: self.open(c.id)).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).busy("Starting the conversation…").run()

    def open(self, conversation_id: str) -> None:
        from carer_desk.roles import Area
        from ui.controllers.window import Place

        self.ctx.hub.navigate.emit(Place(Area.CASELOAD, "conversation", conversation_id))
