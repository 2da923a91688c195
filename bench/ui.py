"""Desktop benchmark: the figures the desktop issue asks for, printed beside their targets.

    .venv/bin/python bench/ui.py [--carers 20000]

With a vault of 20,000 carers (demo data: conversations, payments, plans and cards too):

* process start to the unlock window (a real ``carer-desk window`` process, offscreen);
* unlock to a usable caseload (the real window, in process);
* keystroke to filtered list, median and 95th percentile;
* open a carer (click to the record page filled in);
* open a group session's register (among 20,000 carers: register fields only);
* open a carer's emergency plan editor, and the print queue of every card waiting;
* resident memory with the caseload listed.

Timings are printed, never asserted (a shared machine is noisy). The vault is built once
into a cache folder (``--cache``) so reruns start at once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "benchmark passphrase"
KEYSTROKES = [
    "m",
    "ma",
    "mar",
    "marg",
    "margaret",
    "ox",
    "ox1",
    "ox16",
    "ban",
    "banbury",
    "z",
    "zo",
    "zoë",
    "nguy",
    "01865",
    "01865 7",
    "",
    "r",
    "ru",
    "ruth",
    "ruth g",
]
TARGETS = {
    "start": 1.0,
    "unlock": 1.5,
    "keystroke_p95": 0.030,
    "open": 0.100,
    "memory_mb": 400,
    "print_queue": 1.0,  # a list page: as long as unlocking's listed caseload, at most
}


def _row(label: str, value: float, target: float, unit: str = "s") -> None:
    ok = "ok" if value <= target else "OVER"
    if unit == "ms":
        print(f"{label:<42} {value * 1000:8.1f} ms   target < {target * 1000:.0f} ms   {ok}")
    elif unit == "MB":
        print(f"{label:<42} {value:8.0f} MB   target < {target:.0f} MB   {ok}")
    else:
        print(f"{label:<42} {value:8.2f} s    target < {target:.1f} s    {ok}")


def build_vault(folder: Path, carers: int) -> Path:
    from carer_desk.config import Settings
    from carer_desk.demo import seed_demo
    from storage.vault import Vault

    path = folder / "vault.sqlite"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with Vault.create(path, PASSPHRASE, actor="bench") as vault:  # the default Argon2id cost
        seed_demo(vault, Settings(), carers=carers, seed=2026)
    print(f"(built a vault of {carers} carers in {time.perf_counter() - started:.0f} s)")
    return path


def start_time(folder: Path) -> float:
    """A real process: ``carer-desk window`` until its unlock window is up (offscreen)."""
    env = {**os.environ, "CARER_DESK_SMOKE_TEST": "1", "QT_QPA_PLATFORM": "offscreen"}
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "carer_desk", "--data-dir", str(folder), "window"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        elapsed = time.perf_counter() - started
        if "showing unlock" not in done.stdout:
            raise SystemExit(f"the window did not reach the unlock screen: {done.stderr[-500:]}")
        best = min(best, elapsed)
    return best


def in_window(folder: Path, cold: bool = False) -> dict[str, float]:
    import psutil
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from carer_desk.config import Settings
    from carer_desk.roles import Area
    from carer_desk.services.caseload import CaseloadFilter
    from carer_desk.wiring.desk import Launcher
    from ui.controllers.session import Gate
    from ui.preferences import Preferences
    from ui.shell import Shell
    from ui.views.carer_page import CarerPage

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    launcher = Launcher(folder, Settings(), actor="bench", demo_dir=tmp / "demo")
    prefs = Preferences(QSettings(str(tmp / "prefs.ini"), QSettings.Format.IniFormat))
    shell = Shell(app, launcher, launcher.office(), prefs=prefs)
    shell.window.resize(1280, 800)
    shell.start()

    def spin(predicate, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()

    spin(lambda: shell.session.gate is Gate.UNLOCK)
    # A person takes seconds to type a passphrase; the window loads what unlocking needs
    # meanwhile. The figure is unlock-pressed to caseload, after that warm-up (``cold``
    # below measures the same with the passphrase entered at once).
    if not cold:
        spin(lambda: shell.runner.pending == 0)
    started = time.perf_counter()
    shell.session.unlock(PASSPHRASE)
    spin(lambda: shell.window.workspace is not None)
    page = shell.window.workspace.page_for(Area.CASELOAD)
    spin(lambda: page.controller.ready)
    app.processEvents()
    unlock = time.perf_counter() - started  # listed, searchable, openable
    spin(lambda: page.controller.linked and shell.runner.pending == 0)
    app.processEvents()
    filled = time.perf_counter() - started  # review, plan and payment columns filled in
    page.filter.setCurrentIndex(page.filter.findData(CaseloadFilter.ALL))
    spin(lambda: shell.runner.pending == 0)
    listed = page.controller.model.rowCount()

    keystrokes = []
    for text in KEYSTROKES * 3:
        started = time.perf_counter()
        shell.window.search.setText(text)
        spin(lambda: shell.runner.pending == 0)
        app.processEvents()
        keystrokes.append(time.perf_counter() - started)
    shell.window.search.setText("")
    spin(lambda: shell.runner.pending == 0)

    opens = []
    for row in range(0, 200, 20):
        carer_id = page.controller.carer_id_at(row)
        started = time.perf_counter()
        shell.window.workspace.open_record("carer", carer_id)
        spin(
            lambda: (
                isinstance(shell.window.workspace.record_page, CarerPage)
                and shell.window.workspace.record_page.controller.record is not None
                and shell.runner.pending == 0
            )
        )
        app.processEvents()
        opens.append(time.perf_counter() - started)
        shell.window.workspace.back()
        spin(lambda: shell.runner.pending == 0)
    registers = _open_registers(shell, spin, app)
    plans, queue, checked, queued = _open_plans_and_queue(shell, spin, app)
    memory = psutil.Process().memory_info().rss / 1e6
    shell.shutdown()
    keystrokes.sort()
    return {
        "listed": listed,
        "unlock": unlock,
        "filled": filled,
        "keystroke_median": statistics.median(keystrokes),
        "keystroke_p95": keystrokes[int(len(keystrokes) * 0.95) - 1],
        "open": statistics.median(opens),
        "register": statistics.median(registers),
        "plan": statistics.median(plans),
        "print_queue": statistics.median(queue),
        "queue_checked": statistics.median(checked),
        "queued": queued,
        "memory_mb": memory,
    }


def _open_registers(shell, spin, app) -> list[float]:
    """Every session of every group: click to the register filled in."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.operations import Lane
    from ui.views.register_page import RegisterPage

    session = shell.ctx.open_desk().session
    found: list = []
    shell.runner.submit(
        Lane.VAULT,
        lambda: [s.id for g in session.groups.groups() for s in session.groups.sessions(g.id)],
        found.append,
        found.append,
    )
    spin(lambda: bool(found))
    sessions = found[0]
    if not isinstance(sessions, list) or not sessions:
        raise SystemExit(f"the benchmark vault holds no group session: {sessions!r}")
    shell.go(Place(Area.GROUPS))
    timings = []
    for session_id in sessions:
        started = time.perf_counter()
        shell.window.workspace.open_record("session", session_id)
        spin(
            lambda: (
                isinstance(shell.window.workspace.record_page, RegisterPage)
                and shell.window.workspace.record_page.controller.ready
                and shell.runner.pending == 0
            )
        )
        app.processEvents()
        timings.append(time.perf_counter() - started)
        shell.window.workspace.back()
        spin(lambda: shell.runner.pending == 0)
    return timings


def _open_plans_and_queue(shell, spin, app) -> tuple[list[float], list[float], list[float], int]:
    """Click to a carer's plan editor filled in (every section, its cards), for carers
    with a plan; and to the print queue listed, with every card waiting."""
    from carer_desk.roles import Area
    from ui.controllers.window import Place
    from ui.operations import Lane
    from ui.views.plan_page import PlanPage

    session = shell.ctx.open_desk().session
    found: list = []
    shell.runner.submit(
        Lane.VAULT,
        lambda: [r.carer_id for r in session.caseload.rows() if r.plan_state.value != "none"],
        found.append,
        found.append,
    )
    spin(lambda: bool(found))
    with_plans = found[0]
    if not isinstance(with_plans, list) or not with_plans:
        raise SystemExit(f"the benchmark vault holds no plan: {with_plans!r}")
    shell.go(Place(Area.CASELOAD))
    plans = []
    for carer_id in with_plans[:200:20]:
        started = time.perf_counter()
        shell.window.workspace.open_record("plan", carer_id)
        spin(
            lambda: (
                isinstance(shell.window.workspace.record_page, PlanPage)
                and shell.window.workspace.record_page.controller.file is not None
                and shell.runner.pending == 0
            )
        )
        app.processEvents()
        plans.append(time.perf_counter() - started)
        shell.window.workspace.back()
        spin(lambda: shell.runner.pending == 0)
    queue, checked = [], []
    shell.go(Place(Area.CARDS))
    page = shell.window.workspace.page_for(Area.CARDS)
    for _ in range(3):  # the first visit, then read again as a sync touching a card does
        started = time.perf_counter()
        page.controller.ready = page.controller.checked = False
        if _:
            page.controller.load()
        spin(lambda: page.controller.ready)
        app.processEvents()
        queue.append(time.perf_counter() - started)  # listed: on screen, usable
        spin(lambda: page.controller.checked and shell.runner.pending == 0)
        app.processEvents()
        checked.append(time.perf_counter() - started)  # each card checked as printing will
    return plans, queue, checked, page.controller.model.rowCount()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--carers", type=int, default=20_000)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "carer-desk-bench-ui"
    )
    parser.add_argument(
        "--cold", action="store_true", help="also unlock before the warm-up has finished"
    )
    args = parser.parse_args()
    folder = args.cache / f"{args.carers}"
    build_vault(folder, args.carers)
    start = start_time(folder)
    figures = in_window(folder)
    print(f"Desktop window with {args.carers} carers ({figures['listed']} listed)")
    _row("process start to unlock window", start, TARGETS["start"])
    _row("unlock to usable caseload (listed)", figures["unlock"], TARGETS["unlock"])
    if args.cold:
        cold = in_window(folder, cold=True)["unlock"]
        print(f"{'  ... passphrase entered at once (cold)':<42} {cold:8.2f} s")
    print(f"{'  ... review, plan, payment columns filled':<42} {figures['filled']:8.2f} s")
    _row(
        "keystroke to filtered list, median",
        figures["keystroke_median"],
        TARGETS["keystroke_p95"],
        "ms",
    )
    _row(
        "keystroke to filtered list, 95th percentile",
        figures["keystroke_p95"],
        TARGETS["keystroke_p95"],
        "ms",
    )
    _row("open a carer (median)", figures["open"], TARGETS["open"], "ms")
    _row("open a session's register (median)", figures["register"], TARGETS["open"], "ms")
    ratio = figures["register"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row("open a carer's plan editor (median)", figures["plan"], TARGETS["open"], "ms")
    ratio = figures["plan"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row(
        f"print queue of {figures['queued']} cards listed (median)",
        figures["print_queue"],
        TARGETS["print_queue"],
        "ms",
    )
    print(f"{'  ... each card checked as printing will':<42} {figures['queue_checked']:8.2f} s")
    _row("resident memory, caseload listed", figures["memory_mb"], TARGETS["memory_mb"], "MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
