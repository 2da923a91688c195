"""The caseload screen's logic: loading rows off the GUI thread, search as you type, the
filters, and keeping the list current when records change here or arrive by sync."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.services.caseload import ROW_KINDS, CaseloadFilter, CaseloadRow, Viewer
from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.models.caseload_filter import CaseloadFilterModel
from ui.models.caseload_model import CaseloadModel
from ui.operations import QueryOp

# Which filters each role is offered, first = the default.
WORKER_FILTERS = (
    CaseloadFilter.MINE,
    CaseloadFilter.TEAM,
    CaseloadFilter.ALL,
    CaseloadFilter.REVIEW_DUE,
    CaseloadFilter.PLAN_NEEDED,
    CaseloadFilter.PAYMENT_PENDING,
    CaseloadFilter.NOT_SYNCED,
    CaseloadFilter.CONFLICT,
)


class CaseloadController(QObject):
    loaded = Signal(int)  # how many carers are on this laptop
    shown_count = Signal(int, int)  # shown, of total
    searching = Signal(bool)

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
        rest = tuple(f for f in WORKER_FILTERS if f is not preset)
        self.filters = (preset, *rest) if preset else WORKER_FILTERS
        self.model = CaseloadModel(self)
        self.proxy = CaseloadFilterModel(self.viewer, self)
        self.proxy.setSourceModel(self.model)
        self.proxy.set_filter(self.filters[0], None)
        self.query = ""
        self._asked = ""  # the newest search sent to the vault lane
        self.total = 0
        self.ready = False
        ctx.hub.changes_applied.connect(self._changes)
        self.proxy.rowsInserted.connect(self._count)
        self.proxy.rowsRemoved.connect(self._count)
        self.proxy.modelReset.connect(self._count)
        self.proxy.layoutChanged.connect(self._count)

    # --- loading -----------------------------------------------------------------------

    def load(self) -> None:
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.rows()).success(
            self._rows
        ).busy("Opening the caseload…").run()

    def _rows(self, rows: list[CaseloadRow]) -> None:
        self.model.set_rows(rows)
        self.total = len(rows)
        self.ready = True
        self.loaded.emit(self.total)
        self._count()
        if self.query:
            self.set_search(self.query)

    def _changes(self, changes: Changes) -> None:
        if not self.ready or not (changes.touches("carer", *ROW_KINDS) or changes.sync_states):
            return
        self.load()  # rows come from the session's refreshed cache: no decryption here

    # --- search and filters ------------------------------------------------------------

    def set_search(self, text: str) -> None:
        self.query = text
        if not text.strip():
            self.proxy.set_hits(None)
            self.searching.emit(False)
            return
        self._asked = text
        self.searching.emit(True)
        QueryOp(self.ctx.runner, self.session, lambda s: s.caseload.search(text)).success(
            lambda ids: self._hits(text, ids)
        ).run()

    def _hits(self, text: str, ids: list[str]) -> None:
        if text != self._asked:
            return  # a later keystroke's answer is on its way
        self.proxy.set_hits(frozenset(ids))
        self.searching.emit(False)

    def set_filter(self, which: CaseloadFilter, district: str | None = None) -> None:
        self.proxy.set_filter(which, district)

    def _count(self, *_args: object) -> None:
        self.shown_count.emit(self.proxy.rowCount(), self.total)

    def empty_sentence(self) -> str:
        if self.total == 0:
            return "No carers yet — add a carer (Ctrl+N), or sync to fetch your team's caseload."
        if self.query:
            return f"No carer matches “{self.query}” with this filter. Try fewer letters."
        return "Nobody here with this filter. Choose “Everyone on this laptop” to see all."

    def carer_id_at(self, proxy_row: int) -> str | None:
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        row = self.model.carer_at(source.row())
        return row.carer_id if row else None
