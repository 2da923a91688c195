"""Start-up, in vorta's order: logging, then config, then the vault, then Qt.

The composition root (``carer_desk.__main__`` via the CLI) has done the first three
before it calls :func:`run` with a launcher; here Qt starts, the unlock screen shows at
once, and everything heavier waits until the vault is open, on a worker thread.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from carer_desk import __version__
from carer_desk.environment import DeskLauncher
from ui.first_paint import after_first_paint
from ui.resources import app_icon

log = logging.getLogger(__name__)

SMOKE_ENV = "CARER_DESK_SMOKE_TEST"  # start, reach the first screen, print, quit


def run(
    launcher: DeskLauncher,
    *,
    demo_person: str | None = None,
    argv: Sequence[str] | None = None,
) -> int:
    from ui.shell import Shell  # after QApplication: the views import Qt widgets

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        QGuiApplication.highDpiScaleFactorRoundingPolicy().PassThrough
    )
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Carer Desk")
    app.setApplicationDisplayName("Carer Desk")
    app.setOrganizationName("Carer Desk")
    app.setApplicationVersion(__version__)
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    env = launcher.demo(demo_person) if demo_person else launcher.office()
    shell = Shell(app, launcher, env)  # type: ignore[arg-type]
    app.aboutToQuit.connect(shell.shutdown)
    shell.start()
    if os.environ.get(SMOKE_ENV):
        after_first_paint(shell.window, lambda: _smoke(shell, app))
    return app.exec()


def _smoke(shell, app: QApplication) -> None:
    """For the built program's check (and ``bench/ui.py``'s start figure): the first
    screen has been painted; say which, and quit."""
    print(f"carer-desk {__version__}: window up, showing {shell.session.gate.value}", flush=True)
    app.quit()
