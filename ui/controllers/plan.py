"""A carer's emergency plan and cards: write the plan (kept as a sealed draft while typed),
see what it still needs by the core's own rules, mark it reviewed, issue, reissue and
revoke cards, and print the card, a sheet, key-fob inserts and the plan itself.

The plan of a carer is opened by the carer's id (a carer has one plan; the first save
creates it). Every vault call runs on the vault lane; what was printed is recorded only
once the preview really sent it to the printer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.changes import Changes, ChangeSource
from carer_desk.environment import OpenDesk
from carer_desk.errors import NotFoundError
from carer_desk.formatting import long_date
from carer_desk.printing.document import Layout
from carer_desk.records.carer import Carer
from carer_desk.records.plan import CardHolder, EmergencyCard, EmergencyPlan
from carer_desk.roles import KEEPS_PLANS
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.cards import CardStanding
from carer_desk.services.printing import Rendered
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.controllers.form_draft import FormDraft
from ui.events import UserMessage
from ui.forms.plan_form import (
    Completeness,
    blank_values,
    completeness,
    links_of,
    plan_from_values,
    review_sentence,
    values_of,
)
from ui.operations import CoreOp, QueryOp, describe_failure

log = logging.getLogger(__name__)

PLAN_KINDS = ("plan", "card", "carer")
CHECK_MS = 250  # the completeness indicator follows typing after this pause
SAVE_FIRST = "Save the plan first: a card is issued for a saved plan."
PRINT_SAVED = "Save your changes first: the printout is the saved plan."
LAYOUTS = (
    (Layout.STANDARD, "Standard"),
    (Layout.LARGE_PRINT, "Large print"),
    (Layout.EASY_READ, "Easy read"),
)


@dataclass(frozen=True)
class PlanFile:
    """What the editor shows: the carer, their plan (None before the first save), the
    standing of each card, and the draft of unsaved typing."""

    carer: Carer
    plan: EmergencyPlan | None
    cards: tuple[CardStanding, ...]
    draft: dict | None


def _read(s: DeskSession, carer_id: str, key: str) -> PlanFile:
    record = s.files.open(carer_id)  # audited as a view of the carer's file
    cards = tuple(s.cards.standing(c) for c in record.cards)
    return PlanFile(record.carer, record.plan, cards, s.drafts.load(key))


class PlanController(QObject):
    loaded = Signal(object)  # PlanFile
    values_ready = Signal(dict, bool)  # form values, whether they came from a draft
    checked = Signal(object)  # Completeness
    field_errors = Signal(dict)
    saved = Signal(str)  # a sentence
    preview_ready = Signal(object)  # Rendered
    done = Signal(str)  # a card issued / revoked / printed: a sentence
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, carer_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk: OpenDesk = ctx.open_desk()
        self.session: DeskSession = desk.session
        self.settings = self.session.settings
        self.carer_id = carer_id
        self.editable = desk.role in KEEPS_PLANS
        self.file: PlanFile | None = None
        self.values: dict[str, Any] | None = None
        self.links: dict[str, str] = {}
        self.draft = FormDraft(ctx, self.session, f"plan:{carer_id}", self)
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_MS)
        self._check.timeout.connect(self.check)
        ctx.hub.changes_applied.connect(self._changes)
        ctx.hub.locked.connect(self._forget)

    @property
    def plan(self) -> EmergencyPlan | None:
        return self.file.plan if self.file else None

    @property
    def carer(self) -> Carer | None:
        return self.file.carer if self.file else None

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        cid, key = self.carer_id, self.draft.key
        QueryOp(self.ctx.runner, self.session, lambda s: _read(s, cid, key)).success(
            self._loaded
        ).failure(self._load_failed).busy("Opening the plan…").run()

    def _loaded(self, file: PlanFile) -> None:
        first = self.file is None
        self.file = file
        self.loaded.emit(file)
        if not first and self.draft.dirty:
            return  # a sync or a card action: the typing in progress stays
        from_draft = bool(file.draft and self.editable)
        if from_draft:
            values = dict(file.draft or {})
            self.draft.values, self.draft.dirty = dict(values), True
        else:
            values = values_of(file.plan) if file.plan else blank_values(file.carer)
        self.values = values
        self.links = links_of(file.carer, values) if file.plan is None else {}
        self.values_ready.emit(values, from_draft)
        self.check()

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
        if self.file is None or changes.source is ChangeSource.LOCAL:
            return
        if changes.touches_record(self.carer_id) or changes.touches(*PLAN_KINDS):
            self.load()

    def _forget(self) -> None:
        self.file = None
        self.values = None

    # --- what the page says ------------------------------------------------------------

    def heading(self) -> str:
        carer = self.carer
        name = carer.display_name if carer else "the carer"
        return f"Emergency plan of {name}"

    def review_sentence(self) -> str:
        if self.plan is None or self.plan.review_date is None:
            months = self.settings.plans.review_months
            return (
                f"No review date yet: saving sets it {months} months ahead, unless you "
                "give one under “Consent and review”."
            )
        return review_sentence(self.plan, self.settings.plans, self.session.clock.today())

    def state_sentence(self) -> str:
        plan = self.plan
        if plan is None:
            return "Not saved yet: this carer's first plan. It is kept as a draft as you type."
        updated = plan.updated_on or plan.created_on
        return f"Last changed on {long_date(updated)}."

    def card_rows(self) -> list[tuple[str, str, str, str]]:
        """Number, for whom, state and since when, of each of the carer's cards."""
        size = self.settings.cards.group_size
        names = {p.id: p.name for p in (self.plan.cared_for if self.plan else ())}
        rows = []
        for standing in self.file.cards if self.file else ():
            card = standing.card
            holder = (
                "The carer"
                if card.holder == CardHolder.CARER
                else names.get(card.plan_person_id or "", "A person cared for")
            )
            state = standing.reason or card.status.label
            number = format_card_number(card.number, size)
            rows.append((number, holder, state, long_date(card.issued_on)))
        return rows

    def card_at(self, row: int) -> EmergencyCard | None:
        cards = self.file.cards if self.file else ()
        return cards[row].card if 0 <= row < len(cards) else None

    def holders(self) -> list[tuple[str, str | None]]:
        """Who may have a card: the carer, and each person cared for on the saved plan."""
        people = self.plan.cared_for if self.plan else ()
        return [("The carer", None)] + [(p.name, p.id) for p in people]

    # --- editing -----------------------------------------------------------------------

    def edited(self, values: dict[str, Any]) -> None:
        if not self.editable:
            return
        self.values = dict(values)
        self.draft.edited(values)
        self._check.start()

    def check(self) -> None:
        """The completeness indicator, from what is typed, by the core's rules."""
        self._check.stop()
        if self.values is None or self.file is None:
            return
        self.checked.emit(self._completeness(self.values))

    def _completeness(self, values: dict[str, Any]) -> Completeness:
        return completeness(
            values,
            carer=self.carer,
            existing=self.plan,
            settings=self.settings,
            today=self.session.clock.today(),
        )

    def save(self, values: dict[str, Any] | None = None) -> None:
        if not self.editable or self.file is None:
            return
        values = dict(values if values is not None else (self.values or {}))
        self.values = values
        existing = self.plan
        plan, problems = plan_from_values(
            values,
            carer_id=self.carer_id,
            existing=existing,
            today=self.session.clock.today(),
            links=self.links,
        )
        self.field_errors.emit(problems)
        if plan is None:
            self.check()
            return
        key = self.draft.key

        def write(s: DeskSession) -> Any:
            saved = s.plans.update(plan) if existing is not None else s.plans.create(plan)
            s.drafts.discard(key)
            return saved

        CoreOp(self.ctx.runner, self.session, write).success(self._saved).failure(
            self._save_failed
        ).busy("Saving the plan…").run()

    def _saved(self, saved: Any) -> None:
        self.draft.forget()
        if saved.complete:
            sentence = "Saved: the plan is complete. It is sent to the office at the next sync."
        else:
            sentence = (
                f"Saved, not complete yet ({len(saved.missing)} thing(s) still needed). It is "
                "sent to the office at the next sync."
            )
        self.saved.emit(sentence)
        self.load()

    def _save_failed(self, exc: BaseException) -> None:
        problems = getattr(exc, "problems", None)
        if problems:
            self.field_errors.emit({path or "": msg for path, msg in problems})
        self.problem.emit(describe_failure(exc))

    def discard_changes(self) -> None:
        self.draft.discard()
        self.file = None
        self.load()

    def mark_reviewed(self) -> None:
        """Gone through with the carer today: the next review is set from the settings."""
        plan = self.plan
        if plan is None or not self.editable:
            return
        if self.draft.dirty:
            self.problem.emit(
                UserMessage("Save (or undo) your changes first, then mark the plan reviewed.")
            )
            return
        pid = plan.id
        self._act(
            lambda s: s.plans.mark_reviewed(pid),
            lambda saved: (
                f"Marked reviewed today; the next review is due by "
                f"{long_date(saved.plan.review_date)}."
            ),
        )

    # --- cards -------------------------------------------------------------------------

    def _act(self, work: Any, sentence: Any) -> None:
        def finished(result: Any) -> None:
            self.done.emit(sentence(result))
            self.load()

        CoreOp(self.ctx.runner, self.session, work).success(finished).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()

    def _number(self, card: EmergencyCard) -> str:
        return format_card_number(card.number, self.settings.cards.group_size)

    def issue_card(self, plan_person_id: str | None = None) -> None:
        plan = self.plan
        if plan is None:
            self.problem.emit(UserMessage(SAVE_FIRST))
            return
        if self.draft.dirty:
            self.problem.emit(
                UserMessage("Save your changes to the plan first, then issue the card.")
            )
            return
        holder = CardHolder.CARER if plan_person_id is None else CardHolder.CARED_FOR
        pid = plan.id
        self._act(
            lambda s: s.cards.issue_card(pid, holder, plan_person_id),
            lambda card: (
                f"Card {self._number(card)} issued; it waits in the print queue until printed."
            ),
        )

    def reissue_card(self, row: int, reason: str) -> None:
        card = self.card_at(row)
        if card is None:
            return
        old, cid = self._number(card), card.id
        self._act(
            lambda s: s.cards.reissue_card(cid, reason),
            lambda new: (
                f"Card {old} is revoked; its replacement {self._number(new)} waits to be "
                "printed. A look-up of the old number says it was revoked."
            ),
        )

    def revoke_card(self, row: int, reason: str) -> None:
        card = self.card_at(row)
        if card is None:
            return
        cid = card.id
        self._act(
            lambda s: s.cards.revoke_card(cid, reason),
            lambda revoked: f"Card {self._number(revoked)} is revoked: it no longer works.",
        )

    # --- printing ----------------------------------------------------------------------

    def _print(self, make: Any, busy: str) -> None:
        QueryOp(self.ctx.runner, self.session, make).success(self.preview_ready.emit).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).busy(busy).run()

    def print_card(self) -> None:
        cid = self.carer_id
        self._print(lambda s: s.printing.card(cid), "Preparing the card…")

    def print_card_sheet(self) -> None:
        cid = self.carer_id
        self._print(lambda s: s.printing.card_sheet(carer_ids=[cid]), "Preparing the sheet…")

    def print_key_fobs(self) -> None:
        cid = self.carer_id
        self._print(lambda s: s.printing.key_fobs(carer_ids=[cid]), "Preparing the inserts…")

    def print_plan(self, layout: Layout = Layout.STANDARD) -> None:
        cid = self.carer_id
        if self.draft.dirty:
            self.problem.emit(UserMessage(PRINT_SAVED))
            return
        self._print(lambda s: s.printing.plan(cid, layout), "Preparing the plan…")

    def record_printed(self, rendered: Rendered) -> None:
        """The preview sent it to the printer: note what was printed for whom (and mark
        cards printed) on the vault lane."""
        sentence = (
            "Printed; the cards are marked printed and leave the print queue."
            if rendered.cards
            else "Printed; the print is noted in the record's history."
        )
        self._act(lambda s: s.printing.record_printed(rendered), lambda _r: sentence)
