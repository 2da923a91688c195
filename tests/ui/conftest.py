"""The real window over real parts: a real vault in a temporary folder, the real demo
office (a Carer Desk server on loopback), driven through pytest-qt as a person would.

Nothing here is a mock: the shell is the one the application runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QAbstractListModel, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from carer_desk.clock import SYSTEM_CLOCK
from carer_desk.config import Settings
from carer_desk.wiring.desk import DemoEnvironment, Launcher
from tests.sync.cutting_proxy import CuttingProxy
from ui.controllers.session import Gate
from ui.preferences import Preferences
from ui.shell import Shell

WAIT_MS = 30_000
T = TypeVar("T")
# Every role a list's cells are read in: what is drawn, what a screen reader says, tips.
TEXT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ToolTipRole,
)


@dataclass
class Desk:
    shell: Shell
    launcher: Launcher
    root: Path

    @property
    def window(self):
        return self.shell.window

    def idle(self, qtbot, timeout: int = WAIT_MS) -> None:
        """Wait until every background operation has finished and been shown."""
        qtbot.waitUntil(lambda: self.shell.runner.pending == 0, timeout=timeout)
        QApplication.processEvents()

    def at(self, qtbot, gate: Gate, timeout: int = WAIT_MS) -> None:
        qtbot.waitUntil(lambda: self.shell.session.gate is gate, timeout=timeout)
        self.idle(qtbot, timeout)


def make_shell(qtbot, root: Path, env_for: Callable[[Launcher], object]) -> Desk:
    launcher = Launcher(root / "real", Settings(), actor="tester", demo_dir=root / "demo")
    prefs = Preferences(QSettings(str(root / "prefs.ini"), QSettings.Format.IniFormat))
    shell = Shell(QApplication.instance(), launcher, env_for(launcher), prefs=prefs)
    qtbot.addWidget(shell.window)
    shell.start()
    return Desk(shell, launcher, root)


class DemoThroughALink(DemoEnvironment):
    """A demo person's laptop reaching the demo office through a link that can drop
    (``link.go_down()`` / ``come_back()``): a village with no signal."""

    link: CuttingProxy | None = None

    def _server_override(self) -> str | None:
        if self.link is None:
            port = int(self.office.start().rsplit(":", 1)[1])
            self.link = CuttingProxy(port)
        return self.link.url


def demo_on_a_link(qtbot, tmp_path: Path, who: str) -> Iterator[tuple[Desk, DemoThroughALink]]:
    """The window open on demo person ``who``, reaching the office through a link."""
    envs: list[DemoThroughALink] = []

    def env_for(launcher: Launcher) -> DemoThroughALink:
        envs.append(DemoThroughALink(launcher, who, clock=SYSTEM_CLOCK))
        return envs[0]

    desk = make_shell(qtbot, tmp_path, env_for)
    desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
    yield desk, envs[0]
    desk.shell.shutdown()
    if envs[0].link is not None:
        envs[0].link.close()


@pytest.fixture
def fresh_laptop(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """A laptop on its first run: no vault yet."""
    desk = make_shell(qtbot, tmp_path, lambda launcher: launcher.office())
    yield desk
    desk.shell.shutdown()


def _demo_person(qtbot, tmp_path: Path, who: str) -> Iterator[Desk]:
    desk = make_shell(qtbot, tmp_path, lambda launcher: launcher.demo(who))
    desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
    yield desk
    desk.shell.shutdown()


@pytest.fixture
def facilitator(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's group facilitator, set up and unlocked on their groups."""
    yield from _demo_person(qtbot, tmp_path, "facilitator")


@pytest.fixture
def operator(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's emergency line operator, set up and unlocked on the card look-up."""
    yield from _demo_person(qtbot, tmp_path, "operator")


def on_vault(desk: Desk, qtbot, work: Callable[[object], T], timeout: int = WAIT_MS) -> T:
    """Run ``work(session)`` on the window's vault lane (the session refuses the GUI
    thread) and return its result: how a test reads what the window wrote."""
    from ui.operations import Lane

    session = desk.shell.ctx.open_desk().session
    box: list = []
    desk.shell.runner.submit(Lane.VAULT, lambda: work(session), box.append, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


@pytest.fixture
def manager(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's service manager (the admin role), set up and unlocked on Reports."""
    yield from _demo_person(qtbot, tmp_path, "admin")


@pytest.fixture
def worker(qtbot, tmp_path: Path) -> Iterator[Desk]:
    """The demo's outreach worker, set up and unlocked on the caseload."""
    yield from _demo_person(qtbot, tmp_path, "worker")


def press(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed on ``widget``, and what it set off shown."""
    QTest.keyClick(widget, key, modifier)
    QApplication.processEvents()


def type_into(widget, text: str) -> None:
    """``text`` typed into ``widget``, over what it held."""
    widget.setFocus()
    if hasattr(widget, "selectAll"):
        widget.selectAll()
    QTest.keyClicks(widget, text)
    QApplication.processEvents()


def visible_texts(root: QWidget | None = None) -> list[str]:
    """Every piece of text a widget holds or shows, for the lock and canary checks."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QMenu,
        QPlainTextEdit,
        QStatusBar,
        QTabBar,
        QTextEdit,
    )

    widgets = QApplication.allWidgets() if root is None else [root, *root.findChildren(QWidget)]
    texts: list[str] = []
    for w in widgets:
        texts += [w.windowTitle(), w.toolTip(), w.accessibleName(), w.accessibleDescription()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        if isinstance(w, QPlainTextEdit):
            texts.append(w.toPlainText())
        if isinstance(w, QTextEdit):
            texts.append(w.toPlainText())
        if isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTabBar):
            texts += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QMenu):
            texts += [a.text() for a in w.actions()]
        if isinstance(w, QStatusBar):
            texts.append(w.currentMessage())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            # A list's model hides columnCount() in PySide6: a list has one column.
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            for r in range(min(model.rowCount(), 5000)):
                for c in range(columns):
                    for role in TEXT_ROLES:
                        value = model.data(model.index(r, c), role)
                        if value is not None:
                            texts.append(str(value))
    return texts


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def sync_status(desk: Desk) -> str:
    """The status bar's sync sentence, as the person reads it."""
    from PySide6.QtWidgets import QLabel

    label = next(w for w in desk.window.findChildren(QLabel) if w.accessibleName() == "Sync status")
    return label.text()


def demo_workers_new_carer(desk: Desk, given_name: str, family_name: str):
    """A carer the demo worker registers today (north team, on their caseload)."""
    from carer_desk.factories.people import carer, consent, referral
    from carer_desk.records.teams import LocalityTeam

    today = desk.shell.ctx.open_desk().session.clock.today()
    return carer(
        given_name=given_name,
        family_name=family_name,
        referral=referral(on=today),
        consent=consent(on=today),
        team=LocalityTeam.NORTH,
        worker="demo-worker",
    )
