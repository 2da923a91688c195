"""The Plans work area: every carer's emergency plan as the person who keeps plans under
review needs it — overdue, due soon, incomplete (naming what is missing), no plan at all,
cards waiting to print — filtered, and opened in the plan editor.

The list is read on the vault lane (``PlanReviewService.rows``); a change to a carer, a
plan or a card (typed here or pulled by a sync) reads it again. Filtering is done here on
the rows already read: choosing a filter or typing a name never waits for the vault. At
lock every row goes (the model is cleared; the page with it).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.services.caseload import PlanState
from carer_desk.services.plan_reviews import PlanFilter, PlanReviewRow
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.plans_model import PlansModel
from ui.operations import QueryOp, describe_failure

PLANS_KINDS = ("carer", "plan", "card")


class PlansController(QObject):
    loaded = Signal(int)  # how many rows the chosen filter shows
    problem = Signal(object)  # UserMessage

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session: DeskSession = ctx.open_desk().session
        self.model = PlansModel(self)
        self.ready = False
        self.chosen = PlanFilter.NEEDS_ATTENTION
        self.text = ""
        self._all: list[PlanReviewRow] = []
        ctx.hub.changes_applied.connect(self._changes)
        ctx.hub.locked.connect(self.clear)

    def load(self) -> None:
        QueryOp(self.ctx.runner, self.session, lambda s: s.plan_reviews.rows()).success(
            self._loaded
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Reading the plans…"
        ).run()

    def _loaded(self, rows: list[PlanReviewRow]) -> None:
        self._all = rows
        self.ready = True
        self._show()

    def _changes(self, changes: Changes) -> None:
        if self.ready and changes.touches(*PLANS_KINDS):
            self.load()

    def clear(self) -> None:
        """Lock means locked: no carer's name or plan state stays in memory."""
        self._all = []
        self.ready = False
        self.model.clear()

    # --- filtering -----------------------------------------------------------------------

    def choose(self, chosen: PlanFilter | str) -> None:
        # The filter box hands back its item data as a plain str (Qt keeps no enum type).
        self.chosen = PlanFilter(chosen)
        self._show()

    def search(self, text: str) -> None:
        self.text = text.strip()
        self._show()

    def _show(self) -> None:
        shown = [r for r in self._all if r.matches(self.chosen, self.text)]
        self.model.set_rows(shown)
        self.loaded.emit(len(shown))

    # --- what the page says --------------------------------------------------------------

    def counts(self) -> dict[PlanFilter, int]:
        return {f: sum(1 for r in self._all if r.matches(f)) for f in PlanFilter}

    def count_sentence(self) -> str:
        c = self.counts()
        return (
            f"{c[PlanFilter.OVERDUE]} overdue for review, {c[PlanFilter.DUE_SOON]} due soon, "
            f"{c[PlanFilter.INCOMPLETE]} incomplete, {c[PlanFilter.NO_PLAN]} carer(s) without "
            f"a plan, {c[PlanFilter.CARDS_WAITING]} with cards waiting to print "
            f"(of {len(self._all)} carers on this laptop)."
        )

    def empty_sentence(self) -> str:
        if not self._all:
            return "No carers on this laptop yet. Sync (F5) to receive the plans you keep."
        if self.text:
            return (
                f"No carer named “{self.text}” in this list. Clear the search, or choose "
                "another list."
            )
        if self.chosen is PlanFilter.NEEDS_ATTENTION:
            return "Every plan is in place and no card waits to print: nothing to do."
        return f"None: “{self.chosen.label}” is empty. Choose another list above."

    def row_at(self, row: int) -> PlanReviewRow | None:
        return self.model.row_at(row)

    def carer_id_at(self, row: int) -> str | None:
        found = self.model.row_at(row)
        return found.carer_id if found else None

    def detail_of(self, row: PlanReviewRow | None) -> str:
        """The whole story of the selected row (the table's columns may cut it short)."""
        if row is None:
            return ""
        parts = [f"{row.carer_name}: {row.state.label.lower()}."]
        if row.state is PlanState.NONE:
            parts = [f"{row.carer_name} has no emergency plan yet: open it to write one."]
        if row.missing:
            parts.append("Still needs: " + "; ".join(row.missing) + ".")
        if row.cards_waiting:
            parts.append(f"{row.cards_waiting} card(s) waiting to be printed (Cards area).")
        return " ".join(parts)
