"""The main window: gates (first run, unlock, set-up, revoked) or the workspace, a toolbar
with the global search, menus with only what the role may do, and the sync status bar.

Layout only: what to show when is decided by the controllers it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
)

from carer_desk.environment import OpenDesk
from carer_desk.roles import Area
from ui.context import AppContext
from ui.controllers.conflicts import ConflictsController
from ui.controllers.first_run import FirstRunController
from ui.controllers.session import Gate, SessionController
from ui.controllers.sync import SyncController
from ui.controllers.window import Chrome, Place, WindowController
from ui.events import UserMessage
from ui.icons import set_icon
from ui.views.gate.connect import ConnectView
from ui.views.gate.revoked import RevokedView
from ui.views.gate.setting_up import SettingUpView
from ui.views.gate.unlock import UnlockView
from ui.views.gate.welcome import WelcomeView
from ui.views.message import show_message
from ui.views.status_bar import PassingMessage, SyncStatusWidget
from ui.views.workspace import PageFactory, RecordFactory, Workspace


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        session: SessionController,
        first_run: FirstRunController,
        sync: SyncController,
        conflicts: ConflictsController,
        window: WindowController,
        pages: Mapping[Area, PageFactory],
        records: Mapping[str, RecordFactory],
        *,
        open_help: Callable[[], None],
        open_settings: Callable[[], None],
        open_about: Callable[[], None],
        switch_demo: Callable[[], None],
        preview: Callable[[bytes, str], None],
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.session = session
        self.first_run = first_run
        self.sync = sync
        self.conflicts = conflicts
        self.window_controller = window
        self._pages = pages
        self._records = records
        self.workspace: Workspace | None = None
        self.setWindowTitle(window.title(None))
        self.setAccessibleName("Carer Desk")
        fm = self.fontMetrics()
        self.resize(self._first_size(fm.averageCharWidth() * 140, fm.height() * 46))

        # --- gates ---
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.checking = QLabel("Opening Carer Desk…", self.stack)
        self.checking.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checking.setAccessibleName("Opening Carer Desk")
        self.welcome = WelcomeView(ctx.launcher.demo_people, self.stack)
        self.connect_view = ConnectView(first_run, self.stack)
        self.unlock_view = UnlockView(session, self.stack)
        self.setting_up = SettingUpView(self.stack)
        self.revoked_view = RevokedView(session, self.stack)
        for view in (
            self.checking,
            self.welcome,
            self.connect_view,
            self.unlock_view,
            self.setting_up,
            self.revoked_view,
        ):
            self.stack.addWidget(view)
        self.welcome.connect_chosen.connect(self._show_connect)
        self.welcome.demo_chosen.connect(self._demo_chosen)
        self.connect_view.back.connect(session.show_welcome)
        self.setting_up.back.connect(session.show_welcome)
        self.setting_up.retry.connect(session.set_up_demo)
        session.setup_message.connect(self.setting_up.show_message)
        session.setup_failed.connect(self.setting_up.show_failure)
        self._demo_choice: Callable[[str], None] | None = None

        # --- toolbar and search ---
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setAccessibleName("Main toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)
        self.search = QLineEdit(self.toolbar)
        self.search.setAccessibleName("Search carers")
        self.search.setAccessibleDescription(
            "Search by name, preferred name, postcode, town, phone or card number (Ctrl+F)"
        )
        self.search.setPlaceholderText("Search carers, postcodes, card numbers…  Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(fm.averageCharWidth() * 48)
        self.toolbar.addWidget(self.search)
        self.search.textChanged.connect(self._search)

        # --- actions ---
        self.actions_by_name: dict[str, QAction] = {}
        self.new_carer_action = self._action(
            "new-carer", "&New carer", "Ctrl+N", self._new_carer, "new-carer"
        )
        self.toolbar.addAction(self.new_carer_action)
        self.find_action = self._action("find", "&Find", "Ctrl+F", self._find, "search")
        self.save_action = self._action("save", "&Save now", "Ctrl+S", self._save_now, "save")
        self.sync_action = self._action("sync", "S&ync now", "F5", sync.sync_now, "sync")
        self.lock_action = self._action(
            "lock", "&Lock", "Ctrl+L", lambda: session.lock("menu"), "lock"
        )
        self.toolbar.addAction(self.lock_action)
        self.problems_action = self._action(
            "problems", "&Conflicts and refused changes", None, self._sync_problems, "warning"
        )
        self.quit_action = self._action("quit", "&Quit", "Ctrl+Q", self.close, None)
        self.help_action = self._action("help", "&User guide", "F1", open_help, "help")
        self.settings_action = self._action(
            "settings", "&Settings…", "Ctrl+,", open_settings, "settings"
        )
        self.about_action = self._action("about", "&About Carer Desk", None, open_about, None)
        self.switch_demo_action = self._action(
            "switch-demo", "Try the demo as someone &else…", None, switch_demo, None
        )
        self.large_text_action = self._action(
            "large-text", "&Larger text", "Ctrl++", None, None, checkable=True
        )
        self.large_text_action.setChecked(ctx.prefs.large_text)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.switch_demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.records_menu = menu.addMenu("R&ecords")
        self.records_menu.addAction(self.new_carer_action)
        self.records_menu.addAction(self.find_action)
        self.records_menu.addAction(self.save_action)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.large_text_action)
        self.sync_menu = menu.addMenu("S&ync")
        self.sync_menu.addAction(self.sync_action)
        self.sync_menu.addAction(self.problems_action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.about_action)

        # --- status bar ---
        self.sync_status = SyncStatusWidget(sync, self)
        self.statusBar().addPermanentWidget(self.sync_status, 1)
        self.demo_badge = QLabel("DEMO", self)
        self.demo_badge.setProperty("role", "demo-badge")
        self.demo_badge.setAccessibleName("Demo: invented people only")
        self.statusBar().addPermanentWidget(self.demo_badge)
        self.busy_label = QLabel("", self)
        self.busy_label.setAccessibleName("Working")
        self.statusBar().addWidget(self.busy_label)
        self.passing = PassingMessage(self)
        self.statusBar().addWidget(self.passing)

        hub = ctx.hub
        session.gate_changed.connect(self.show_gate)
        session.wiped.connect(self._wiped)
        session.set_up.connect(self._offer_recovery_note)
        window.title_changed.connect(self.setWindowTitle)
        hub.unlocked.connect(self._unlocked)
        hub.locked.connect(self._locked)
        hub.problem.connect(self.show_problem)
        hub.sync_failed.connect(self.passing.show_sync_failed)
        hub.sync_finished.connect(self.passing.show_sync_finished)
        hub.busy_changed.connect(self.busy_label.setText)
        hub.navigate.connect(self.go)
        first_run.recovery_note_ready.connect(preview)
        self._locked_chrome()

    def _first_size(self, width: int, height: int) -> QSize:
        """A comfortable size in text units, never larger than most of the screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(width, height)
        space = screen.availableGeometry()
        return QSize(min(width, int(space.width() * 0.92)), min(height, int(space.height() * 0.9)))

    # --- building blocks ---------------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        shortcut: str | None,
        slot: Callable[[], object] | None,
        icon_name: str | None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        if icon_name:
            set_icon(action, icon_name)
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def set_demo_choice(self, choose: Callable[[str], None]) -> None:
        self._demo_choice = choose

    # --- gates -------------------------------------------------------------------------

    def show_gate(self, gate: Gate) -> None:
        views = {
            Gate.CHECKING: self.checking,
            Gate.WELCOME: self.welcome,
            Gate.UNLOCK: self.unlock_view,
            Gate.SETTING_UP: self.setting_up,
            Gate.REVOKED: self.revoked_view,
        }
        if gate is Gate.WORKSPACE:
            if self.workspace is not None:
                self.stack.setCurrentWidget(self.workspace)
            return
        view = views[gate]
        self.stack.setCurrentWidget(view)
        if gate is Gate.UNLOCK:
            self.unlock_view.refresh(self._where())
        elif gate is Gate.WELCOME:
            self.welcome.connect_button.setFocus()

    def _where(self) -> str:
        env = self.ctx.env
        if env.demo:
            return "Demo laptop: invented people only."
        return f"Vault: {env.vault.location}"

    def _show_connect(self) -> None:
        self.stack.setCurrentWidget(self.connect_view)
        self.connect_view.server.setFocus()

    def _demo_chosen(self, username: str) -> None:
        if self._demo_choice is not None:
            self._demo_choice(username)

    def _offer_recovery_note(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Carer Desk is set up")
        box.setAccessibleName("Carer Desk is set up")
        box.setText(
            "This laptop is ready. Would you like a recovery note? It says what to do if you "
            "forget your passphrase (it does not contain the passphrase). Keep it away "
            "from the laptop."
        )
        show = box.addButton("Show the recovery &note", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(show)
        show.clicked.connect(self.first_run.make_recovery_note)
        box.open()

    def _wiped(self) -> None:
        self.connect_view.clear_secrets()

    # --- unlocked and locked -----------------------------------------------------------

    def _unlocked(self, desk: OpenDesk) -> None:
        self.connect_view.clear_secrets()
        self.workspace = Workspace(desk, self.window_controller, self._pages, self._records)
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        self._unlocked_chrome(desk)
        self.workspace.go(self.window_controller.first_place(desk))

    def _locked(self) -> None:
        # Everything that showed a record goes: the pages, their models, the search text.
        if self.workspace is not None:
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        self.search.clear()
        for dialog in self.findChildren(QMessageBox):
            dialog.close()
        self._locked_chrome()

    def _apply(self, chrome: Chrome) -> None:
        for name, action in self.actions_by_name.items():
            action.setVisible(name in chrome.actions)
        self.toolbar.setVisible(chrome.toolbar)
        self.search.setVisible(chrome.search)
        self.records_menu.menuAction().setVisible(chrome.records_menu)
        self.sync_menu.menuAction().setVisible(chrome.sync_menu)
        self.sync_status.set_unlocked(chrome.sync_menu)
        self.demo_badge.setVisible(self.ctx.env.demo)

    def environment_changed(self) -> None:
        """Switched between real work and a demo person (while locked)."""
        self.setWindowTitle(self.window_controller.title(None))
        self._locked_chrome()

    def _locked_chrome(self) -> None:
        self._apply(self.window_controller.locked_chrome())

    def _unlocked_chrome(self, desk: OpenDesk) -> None:
        self._apply(self.window_controller.unlocked_chrome(desk))

    # --- commands ----------------------------------------------------------------------

    def go(self, place: Place) -> None:
        if self.workspace is not None:
            self.workspace.go(place)

    def _search(self, text: str) -> None:
        if self.workspace is None:
            return
        page = self.workspace.page_for(Area.CASELOAD)
        if page is None:
            return
        if self.workspace.current_page() is not page:
            self.workspace.go(Place(Area.CASELOAD))
        page.set_search(text)  # type: ignore[attr-defined]

    def _find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _new_carer(self) -> None:
        if self.workspace is not None:
            self.workspace.open_record("carer", "", None, area=Area.CASELOAD)

    def _save_now(self) -> None:
        page = self.workspace.current_page() if self.workspace else None
        save = getattr(page, "save_now", None)
        if callable(save):
            save()
        else:
            self.passing.show_for("Everything is saved.", 4_000)

    def _sync_problems(self) -> None:
        self.go(Place(Area.SYNC))

    def show_problem(self, message: UserMessage) -> None:
        show_message(self, message)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.lock("quit")
        event.accept()
