"""The caseload screen's logic: loading rows off the GUI thread (usable at once, then the
review, plan and payment columns filled in), search as you type, the filters, and keeping
the list current when records change here or arrive by sync."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.services.caseload import ROW_KINDS, CaseloadFilter, CaseloadRow, Viewer, matches
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.caseload_model import CaseloadModel
from ui.operations import QueryOp

# The filters offered, in order; the first is the default.
FILTERS = (
    CaseloadFilter.MINE,
    CaseloadFilter.TEAM,
    CaseloadFilter.ALL,
    CaseloadFilter.REVIEW_DUE,
    CaseloadFilter.PLAN_NEEDED,
    CaseloadFilter.PAYMENT_PENDING,
    CaseloadFilter.NOT_SYNCED,
    CaseloadFilter.CONFLICT,
)
# Filters that need the carers' other records (conversations, plans, requests).
NEEDS_LINKS = frozenset(
    {CaseloadFilter.REVIEW_DUE, CaseloadFilter.PLAN_NEEDED, CaseloadFilter.PAYMENT_PENDING}
)


class CaseloadController(QObject):
    loaded = Signal(int)  # how many carers are on this laptop
    shown_count = Signal(int, int)  # shown, of total
    linking = Signal(bool)  # the review, plan and payment columns are being worked out

    def __init__(
        self,
        ctx: AppContext,
        *,
        preset: CaseloadFilter | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.session: DeskSession = desk.session
        identity = desk.identity
        self.viewer = Viewer(
            username=identity.username if identity else None,
            team=identity.team if identity else None,
            today=self.session.clock.today(),
        )
        rest = tuple(f for f in FILTERS if f is not preset)
        self.filters = (preset, *rest) if preset else FILTERS
        self.which = self.filters[0]
        self.district: str | None = None
        self.model = CaseloadModel(self)
        self.rows: list[CaseloadRow] = []
        self.hits: frozenset[str] | None = None  # None: nothing typed
        self.query = ""
        self._asked = ""  # the newest search sent to the vault lane
        self.ready = False
        self.linked = False
        ctx.hub.changes_applied.connect(self._changes)

    @property
    def total(self) -> int:
        return len(self.rows)

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.rows()).success(
            self._rows
        ).busy("Opening the caseload…").run()

    def _rows(self, rows: list[CaseloadRow]) -> None:
        self.rows = rows
        self.ready = True
        self.loaded.emit(self.total)
        self._apply()
        if not self.linked:
            self.linking.emit(True)
            # The search index first, then the linked records one kind per vault-lane
            # turn: a keystroke typed meanwhile is answered between two of them, instead
            # of waiting for every conversation, plan and request to be decrypted.
            QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.prepare_search()).run()
            self._link_next(list(ROW_KINDS))

    def _link_next(self, kinds: list[str]) -> None:
        if not kinds:
            QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.finish_link()).success(
                self._linked
            ).run()
            return
        kind, rest = kinds[0], kinds[1:]
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.link_kind(kind)).success(
            lambda _none: self._link_next(rest)
        ).run()

    def _linked(self, rows: list[CaseloadRow]) -> None:
        self.linked = True
        self.linking.emit(False)
        self.rows = rows
        if self.query:
            self.set_search(self.query)  # card numbers are searchable now
        else:
            self._apply()

    def _changes(self, changes: Changes) -> None:
        if not self.ready or not (changes.touches("carer", *ROW_KINDS) or changes.sync_states):
            return
        # Rows come from the session's refreshed cache: nothing is decrypted again here.
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.rows()).success(
            self._refreshed
        ).run()

    def _refreshed(self, rows: list[CaseloadRow]) -> None:
        self.rows = rows
        if self.query:
            self.set_search(self.query)  # the index changed with the rows
        else:
            self._apply()

    # --- search and filters ------------------------------------------------------------

    def set_search(self, text: str) -> None:
        self.query = text
        if not text.strip():
            self.hits = None
            self._apply()
            return
        self._asked = text
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.search(text)).success(
            lambda ids: self._found(text, ids)
        ).run()

    def _found(self, text: str, ids: list[str]) -> None:
        if text != self._asked:
            return  # a later keystroke's answer is on its way
        self.hits = frozenset(ids)
        self._apply()

    def set_filter(self, which: CaseloadFilter, district: str | None = None) -> None:
        self.which, self.district = which, district
        self._apply()

    def _apply(self) -> None:
        hits, district, which, viewer = self.hits, self.district, self.which, self.viewer
        shown = [
            r
            for r in self.rows
            if (hits is None or r.carer_id in hits)
            and (district is None or r.district == district)
            and matches(r, which, viewer)
        ]
        self.model.set_rows(shown)
        self.shown_count.emit(len(shown), self.total)

    # --- what the page says ------------------------------------------------------------

    def empty_sentence(self) -> str:
        if self.total == 0:
            return "No carers yet — add a carer (Ctrl+N), or sync to fetch your team's caseload."
        if self.which in NEEDS_LINKS and not self.linked:
            return "Working out reviews, plans and payments… one moment."
        if self.query:
            return f"No carer matches “{self.query}” with this filter. Try fewer letters."
        return "Nobody here with this filter. Choose “Everyone on this laptop” to see all."

    def carer_id_at(self, row: int) -> str | None:
        found = self.model.carer_at(row)
        return found.carer_id if found else None
