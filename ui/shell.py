"""Puts the window together: controllers, pages per work area, dialogs.

The one place in ui/ that knows every screen; the tests build the same shell the
application runs, over a real session on a temporary vault.
"""

from __future__ import annotations

import threading
from types import ModuleType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QWidget

from carer_desk.environment import DeskEnvironment, DeskLauncher
from carer_desk.errors import CarerDeskError
from carer_desk.roles import Area
from ui.context import AppContext
from ui.controllers.conflicts import ConflictsController
from ui.controllers.first_run import FirstRunController
from ui.controllers.session import SessionController
from ui.controllers.sync import SyncController
from ui.controllers.window import Place, WindowController
from ui.events import EventHub, UserMessage
from ui.first_paint import after_first_paint
from ui.icons import enable_icons
from ui.operations import Lane, OpRunner
from ui.preferences import Preferences
from ui.resources import user_guide
from ui.theme import Theme
from ui.views.main_window import MainWindow
from ui.views.workspace import PageFactory, RecordFactory, Workspace

# The work areas this window has screens for (ui/pages.py builds them).
PAGE_AREAS = (
    Area.CASELOAD,
    Area.REVIEWS,
    Area.PLANS,
    Area.CARDS,
    Area.GROUPS,
    Area.REQUESTS,
    Area.PAYMENTS,
    Area.SYNC,
    Area.LOOKUP,
    Area.REPORTS,
    Area.ADMIN,
)
# The records this window opens as pages (ui/pages.py builds them).
RECORD_KINDS = ("carer", "group", "session", "conversation", "plan")


class Shell:
    """Everything one window needs, wired together."""

    def __init__(
        self,
        app: QApplication,
        launcher: DeskLauncher,
        env: DeskEnvironment,
        *,
        prefs: Preferences | None = None,
    ) -> None:
        self.app = app
        self.prefs = prefs or Preferences()
        self.theme = Theme(app, large_text=self.prefs.large_text)
        self.hub = EventHub()
        self.runner = OpRunner(self.hub)
        self.ctx = AppContext(self.hub, self.runner, launcher, env, self.prefs)
        self.session = SessionController(self.ctx)
        self.first_run = FirstRunController(self.ctx, self.session)
        self.sync = SyncController(self.ctx, self.session)
        self.conflicts = ConflictsController(self.ctx)
        self.window_controller = WindowController(self.ctx, PAGE_AREAS)
        self.window = MainWindow(
            self.ctx,
            self.session,
            self.first_run,
            self.sync,
            self.conflicts,
            self.window_controller,
            self.pages(),
            self.records(),
            open_help=self.open_help,
            open_settings=self.open_settings,
            open_about=self.open_about,
            switch_demo=self.switch_demo,
            preview=self.preview,
        )
        self.window.set_demo_choice(self.choose_demo)
        self.hub.unlocked.connect(lambda _desk: QTimer.singleShot(1_000, self._prepare_records))
        self.window.large_text_action.toggled.connect(self.set_large_text)

    # --- screens -----------------------------------------------------------------------

    def pages(self) -> dict[Area, PageFactory]:
        return {area: (lambda ws, area=area: self._page(area, ws)) for area in PAGE_AREAS}

    def records(self) -> dict[str, RecordFactory]:
        return {
            kind: (
                lambda ws, record_id, tab, existing, kind=kind: self._record(
                    kind, ws, record_id, tab, existing
                )
            )
            for kind in RECORD_KINDS
        }

    def _page(self, area: Area, ws: Workspace) -> QWidget:
        # The work areas' screens (and the services behind them) are imported at the
        # first unlock, not at start: the unlock window must be up within a second.
        return _pages().area_page(self.ctx, self.conflicts, area, ws)

    def _record(
        self,
        kind: str,
        ws: Workspace,
        record_id: str,
        tab: str | None,
        existing: QWidget | None,
    ) -> QWidget:
        return _pages().record_page(self.ctx, kind, ws, record_id, tab, existing)

    def _prepare_records(self) -> None:
        """Build the carer page while the person looks at the list (a second after
        unlock), so opening the first carer does not wait for its sixty fields."""
        ws = self.window.workspace
        if ws is None or "carer" not in ws.opens():  # not for a role without carers' records
            return
        pages = _pages()
        ws.prepare_record_page("carer", lambda: pages.empty_record_page(self.ctx, "carer", ws))

    # --- commands ----------------------------------------------------------------------

    def start(self) -> None:
        self.window.show()
        self.session.start()
        after_first_paint(self.window, self._after_first_paint)

    def _after_first_paint(self) -> None:
        """The unlock window is on screen. Now the icon font; and, while the person types
        their passphrase, what the unlocked window needs (the services and the work
        areas' screens), so unlocking does not wait for it. Not before: the worker's
        imports would take the interpreter from the window being drawn."""
        enable_icons()
        env = self.ctx.env
        self.runner.submit(Lane.VAULT, lambda: _warm_up(env), lambda _r: None, lambda _e: None)

    def open_help(self) -> None:
        from ui.views.help_window import HelpWindow

        HelpWindow(user_guide(), self.window).show()

    def open_settings(self) -> QWidget:
        from ui.controllers.settings import SettingsController
        from ui.views.settings_dialog import SettingsDialog

        controller = SettingsController(self.ctx, self._apply_large_text, self.session)
        dialog = SettingsDialog(controller, self.window)
        controller.setParent(dialog)
        controller.large_text_changed.connect(self.window.large_text_action.setChecked)
        dialog.note_button.clicked.connect(self.first_run.make_recovery_note)
        dialog.open()
        return dialog

    def open_about(self) -> None:
        from ui.views.about_dialog import AboutDialog

        AboutDialog(self.ctx.env.vault.location, self.ctx.env.demo, self.window).open()

    def preview(self, pdf: bytes, title: str) -> None:
        from ui.print_preview import PrintPreviewDialog
        from ui.print_preview_controller import PrintPreviewController

        try:
            controller = PrintPreviewController(pdf, title=title)
        except CarerDeskError as exc:
            self.hub.problem.emit(UserMessage(str(exc)))
            return
        PrintPreviewDialog(controller, self.window).open()

    def set_large_text(self, on: bool) -> None:
        self.prefs.large_text = on
        self._apply_large_text(on)

    def _apply_large_text(self, on: bool) -> None:
        self.theme.set_large_text(on)

    def choose_demo(self, username: str) -> None:
        try:
            self.session.use_environment(self.ctx.launcher.demo(username))
        except CarerDeskError as exc:
            self.hub.problem.emit(UserMessage(str(exc)))
        self.window.environment_changed()

    def switch_demo(self) -> None:
        people = self.ctx.launcher.demo_people
        labels = [p.label for p in people]
        label, ok = QInputDialog.getItem(
            self.window, "Try the demo as someone else", "Open the demo as:", labels, 0, False
        )
        if ok and label in labels:
            self.choose_demo(people[labels.index(label)].username)

    def go(self, place: Place) -> None:
        self.window.go(place)

    def shutdown(self) -> None:
        self.session.lock("quit")
        self.runner.shutdown(wait=True)
        self.ctx.env.close()
        self.ctx.launcher.shutdown()


# The screens are imported by the warm-up (on the vault thread) or, if a page is wanted
# before it has run, by the GUI thread: by one of them, never both at once.
_PAGES_IMPORT = threading.Lock()


def _pages() -> ModuleType:
    with _PAGES_IMPORT:
        from ui import pages
    return pages


def _warm_up(env: DeskEnvironment) -> None:
    _pages()
    env.prepare()
