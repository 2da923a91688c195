"""Render docs/screenshots from the real window, on the demo office, offscreen.

    .venv/bin/python docs/screenshots/render.py            # every look
    .venv/bin/python docs/screenshots/render.py --look 100-light

Each look (100 % and 200 % scaling, light and dark, and larger text) runs in its own
process, because Qt's scale factor is fixed when the application starts. The demo office
and its laptops live in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOOKS = {
    "100-light": {"scale": "1", "dark": False, "large": False},
    "100-dark": {"scale": "1", "dark": True, "large": False},
    "200-light": {"scale": "2", "dark": False, "large": False},
    "200-dark": {"scale": "2", "dark": True, "large": False},
    "large-text": {"scale": "1", "dark": False, "large": True},
}
SIZE = (1180, 760)  # logical pixels: a small laptop screen


def _spin(app, predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def render(look: str, out: Path, work: Path) -> list[Path]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QT_SCALE_FACTOR"] = LOOKS[look]["scale"]
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from carer_desk.config import Settings
    from carer_desk.roles import Area
    from carer_desk.wiring.desk import Launcher
    from ui.controllers.session import Gate
    from ui.controllers.window import Place
    from ui.preferences import Preferences
    from ui.shell import Shell
    from ui.views.carer_page import CarerPage

    app = QApplication([])
    prefs = Preferences(QSettings(str(work / f"{look}.ini"), QSettings.Format.IniFormat))
    prefs.large_text = bool(LOOKS[look]["large"])
    launcher = Launcher(work / "real", Settings(), actor="demo", demo_dir=work / "demo")
    shots: list[Path] = []

    def shoot(name: str, widget=None) -> None:
        _spin(app, lambda: shell.runner.pending == 0, 30)
        for _ in range(5):
            app.processEvents()
        target = widget or shell.window
        path = out / f"{name}-{look}.png"
        target.grab().save(str(path))
        shots.append(path)

    # First run: the welcome screen.
    shell = Shell(app, launcher, launcher.office(), prefs=prefs)
    shell.theme.force_dark(bool(LOOKS[look]["dark"]))
    shell.window.resize(*SIZE)
    shell.start()
    _spin(app, lambda: shell.session.gate is Gate.WELCOME)
    shoot("welcome")
    shell.window.welcome.connect_chosen.emit()
    shell.window.connect_view.server.setText("https://carerdesk.example.org")
    shell.window.connect_view.username.setText("asha")
    shell.window.connect_view.passphrase.setText("kettle")
    shoot("connect")
    # The demo worker: set up, then locked, then open.
    shell.choose_demo("worker")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shoot("unlock")
    shell.session.unlock("demo passphrase")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE)
    ws = shell.window.workspace
    caseload = ws.page_for(Area.CASELOAD)
    _spin(app, lambda: caseload.controller.ready)
    shoot("caseload")
    ws.open_record("carer", caseload.controller.carer_id_at(1))
    _spin(app, lambda: isinstance(ws.record_page, CarerPage) and ws.record_page.tabs.count() == 6)
    shoot("carer-profile")
    ws.record_page.tabs.setCurrentIndex(5)
    shoot("carer-history")
    shell.window.new_carer_action.trigger()
    _spin(app, lambda: isinstance(ws.record_page, CarerPage))
    page = ws.record_page
    page.profile.fields["given_name"].widget.setText("Winifred")
    page.profile.fields["date_of_birth"].widget.setText("3/9/2009")
    page.profile.fields["contact.phone"].widget.setText("ring me")
    page._edited()
    page.save_now()
    shoot("new-carer-problems")
    shell.window.go(Place(Area.SYNC))
    shoot("sync-problems")
    dialog = shell.open_settings()
    dialog.resize(int(SIZE[0] * 0.6), int(SIZE[1] * 0.9))
    shoot("settings", dialog)
    dialog.close()
    _plans(app, shell, shoot)
    _groups(app, shell, shoot)
    shell.shutdown()
    return shots


def _plans(app, shell, shoot) -> None:
    """The demo worker: the print queue, an incomplete plan naming what it lacks, its
    contacts in call order, and its cards and printouts."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.views.plan_page import PlanPage

    ws = shell.window.workspace
    shell.go(Place(Area.CARDS))
    queue = ws.page_for(Area.CARDS)
    _spin(app, lambda: queue.controller.checked)
    shoot("print-queue")
    shell.go(Place(Area.CASELOAD))
    caseload = ws.page_for(Area.CASELOAD)
    _spin(app, lambda: caseload.controller.ready)
    source = caseload.controller.model
    incomplete = next(
        row.carer_id
        for row in (source.carer_at(r) for r in range(source.rowCount()))
        if row is not None and row.plan_state.value == "incomplete"
    )
    ws.open_record("plan", incomplete)
    _spin(app, lambda: isinstance(ws.record_page, PlanPage) and ws.record_page.controller.file)
    page = ws.record_page
    shoot("plan-editor")
    page.scroll.ensureWidgetVisible(page.contacts.details, 0, 0)
    page.contacts.list.setFocus()
    shoot("plan-contacts")
    page.scroll.verticalScrollBar().setValue(page.scroll.verticalScrollBar().maximum())
    shoot("plan-cards")
    ws.open_record("plan", queue.controller.carer_id_at(0))
    _spin(app, lambda: isinstance(ws.record_page, PlanPage) and ws.record_page.controller.file)
    shoot("plan-complete")


def _groups(app, shell, shoot) -> None:
    """The demo facilitator: their groups, a group's sessions, a register being taken
    with a newcomer refused for want of consent, and the sign-in sheet's preview."""
    from carer_desk.roles import Area
    from ui.controllers.session import Gate
    from ui.controllers.window import Place
    from ui.print_preview import PrintPreviewDialog
    from ui.views.group_page import GroupPage
    from ui.views.register_page import RegisterPage

    shell.session.lock("screenshot")
    _spin(app, lambda: shell.session.gate is Gate.UNLOCK)
    shell.choose_demo("facilitator")
    _spin(app, lambda: shell.session.gate is Gate.WORKSPACE, 90)
    ws = shell.window.workspace
    shell.go(Place(Area.GROUPS))  # the facilitator's home (not where the worker left off)
    groups = ws.page_for(Area.GROUPS)
    _spin(app, lambda: groups.controller.ready)
    shoot("groups")
    ws.open_record("group", groups.controller.group_id_at(3))
    _spin(app, lambda: isinstance(ws.record_page, GroupPage) and ws.record_page.controller.group)
    group = ws.record_page
    shoot("group-sessions")
    group.tabs.setCurrentWidget(group.details_scroll)
    shoot("group-details")
    row = group.controller.next_session_row()
    ws.open_record("session", group.controller.session_id_at(row or 0))
    _spin(app, lambda: isinstance(ws.record_page, RegisterPage) and ws.record_page.controller.ready)
    page = ws.record_page
    _spin(app, lambda: shell.runner.pending == 0)
    for r in range(page.controller.model.rowCount() - 1):
        page.controller.toggle_here(r)
    page.controller.toggle_follow_up(0)
    page.table.selectRow(1)
    shoot("register")
    page.open_newcomer()
    fields = page.newcomer.fields
    fields["given_name"].widget.setText("Nia")
    fields["family_name"].widget.setText("Newcombe")
    fields["phone"].widget.setText("07700 900555")
    page._add()
    _spin(app, lambda: fields["consent"].row.error.isVisible())
    shoot("register-newcomer")
    page.print_button.click()
    _spin(app, lambda: isinstance(getattr(page, "preview", None), PrintPreviewDialog))
    page.preview.resize(int(SIZE[0] * 0.7), SIZE[1])
    shoot("sign-in-preview", page.preview)
    page.preview.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--look", choices=sorted(LOOKS), action="append")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work is not None:  # the child: one look
        (look,) = args.look
        for path in render(look, args.out, args.work):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for look in args.look or list(LOOKS):
            work = Path(tmp) / look
            work.mkdir()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--look",
                    look,
                    "--out",
                    str(args.out),
                    "--work",
                    str(work),
                ],
                check=True,
                env={**os.environ, "CARER_DESK_DEMO_DIR": str(work / "demo")},
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
