"""A scripted person at the real window, in its own process, for the kill test.

``python -m tests.ui.conversation_driver ROOT`` (offscreen, CARER_DESK_USER set): the demo
worker's laptop under ROOT, a guided conversation started from a carer's page, then one
character typed every :data:`KEY_EVERY_S` seconds into the first answer, each reported on
standard output as ``TYPED <count>`` — until the test kills the process.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

KEY_EVERY_S = 0.05
TEXT = "the nights are long and I am tired " * 40


def typed_text(count: int) -> str:
    return TEXT[:count]


def _wait(predicate, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def _on_vault(shell, work):
    from ui.operations import Lane

    box: list = []
    session = shell.ctx.open_desk().session
    shell.runner.submit(Lane.VAULT, lambda: work(session), box.append, box.append)
    _wait(lambda: bool(box))
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def main(root: Path) -> None:
    from carer_desk.config import Settings
    from carer_desk.roles import Area
    from carer_desk.wiring.desk import Launcher
    from tests.ui.test_conversation import first_adult_carer
    from ui.controllers.session import Gate
    from ui.controllers.window import Place
    from ui.preferences import Preferences
    from ui.shell import Shell
    from ui.views.carer_page import CarerPage
    from ui.views.conversation_page import ConversationPage
    from ui.views.conversations_tab import ConversationsTab

    app = QApplication([])
    launcher = Launcher(
        root / "real", Settings(), actor=os.environ["CARER_DESK_USER"], demo_dir=root / "demo"
    )
    prefs = Preferences(QSettings(str(root / "prefs.ini"), QSettings.Format.IniFormat))
    shell = Shell(app, launcher, launcher.demo("worker"), prefs=prefs)
    shell.start()
    _wait(lambda: shell.session.gate is Gate.WORKSPACE)
    carer_id = _on_vault(shell, first_adult_carer)
    shell.go(Place(Area.CASELOAD, "carer", carer_id, "conversations"))
    ws = shell.window.workspace
    _wait(lambda: isinstance(ws.record_page, CarerPage))
    _wait(lambda: isinstance(ws.record_page.tabs.currentWidget(), ConversationsTab))
    ws.record_page.tabs.currentWidget().start_button.click()
    _wait(lambda: isinstance(ws.record_page, ConversationPage) and bool(ws.record_page.fields))
    page = ws.record_page
    _wait(lambda: page.controller.view is not None)
    prompt = page.controller.view.template.stage(1).prompts[0]
    box = page.fields[f"answer.{prompt.id}"].widget
    box.setFocus()
    # The window has settled (the caseload linked, the pages prepared) before typing
    # starts, as a worker's first words come after the record is open: on a loaded
    # machine that background work would otherwise hold the vault lane past the kill.
    _wait(lambda: shell.runner.pending == 0)
    # Each draft seal is reported once it is in the vault, so the test can kill after one.
    page.controller.draft.sealed.connect(lambda: print("SEALED", flush=True))
    print(f"READY {carer_id} {page.controller.conversation_id}", flush=True)
    key = f"answer.{prompt.id}"
    for count, char in enumerate(TEXT, start=1):
        if page.fields[key].widget is not box:
            # Typing into a form built again under it would go nowhere: say so plainly.
            raise SystemExit("the conversation's form was built again while it was typed in")
        QTest.keyClicks(box, char)
        print(f"TYPED {count}", flush=True)
        deadline = time.monotonic() + KEY_EVERY_S
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.005)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
