"""Desktop benchmark: the figures the desktop issue asks for, printed beside their targets.

    .venv/bin/python bench/ui.py [--carers 20000]

With a vault of 20,000 carers (demo data: conversations, payments, plans and cards too):

* process start to the unlock window (a real ``carer-desk window`` process, offscreen);
* unlock to a usable caseload (the real window, in process);
* keystroke to filtered list, median and 95th percentile;
* open a carer (click to the record page filled in);
* open a group session's register (among 20,000 carers: register fields only);
* open a carer with 10 conversations, and a review beside them (its charts drawn);
* autosave cost while typing a conversation: every keystroke, and every turn of the event
  loop between keystrokes (where the draft is sealed), against 30 ms;
* the approver's queue (*Requests to decide*) with 500 requests waiting, each with its cap
  position and same-purpose check, on an approver's laptop of 2,000 requests and 500
  carer summaries; and choosing a request (its details panel). Listed within 1 s: an
  approver opens the queue many times a day, and a second is the limit for a wait not
  to break their flow; a choice within 100 ms, as opening a carer. The same queue with 50
  requests is timed in the same run, and the ratio says whether the cost grows with the
  queue (10x the requests) or worse.
* the 24-hour line: Enter on a card number to the plan shown (the demo office on loopback,
  the operator's window), beside the bare server look-up measured in the same run;
* open a carer's emergency plan editor, and the print queue of every card waiting;
* resident memory of a window's own process (a fresh one: unlocked, the caseload listed,
  10 carers opened), beside this benchmark's own process after all the figures above
  (which has also hosted the demo office: no user's process does).

Timings are printed, never asserted (a shared machine is noisy). The vault is built once
into a cache folder (``--cache``) so reruns start at once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The source tree measured: this one, or another checkout to compare with in the same run
# (``start_time`` and ``memory_in_own_process`` run it in a process of its own).
ROOT = Path(os.environ.get("CARER_DESK_BENCH_ROOT") or Path(__file__).resolve().parents[1])
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
    "queue": 1.0,
    "choose": 0.100,
    # The operator is on the phone: a pause longer than a conversational beat (about half
    # a second) makes a caller think the line has dropped. On loopback nearly all of it
    # is ours; a rural office link adds its own round trip on top.
    "line": 0.500,
    "keystroke": 0.030,  # no keystroke over 30 ms while a conversation autosaves
    "review": 0.500,  # a record page with its charts: well under the unlock's 1.5 s
    "plan": 0.500,  # a record page of some 200 fields, as a review
    "print_queue": 1.0,  # a list page: as long as unlocking's listed caseload, at most
}
LINE_LOOKUPS = 30
QUEUE_SIZES = (500, 50)


def _load_average() -> float:
    """The 1-minute load average, printed beside the caseload, keystroke and open figures:
    the machine is shared and absolute times drift with it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _argon2id_seconds() -> float:
    """Deriving the passphrase key at the vault's default cost, in this run: the part of
    unlocking that is fixed on purpose (best of 2)."""
    from storage.kdf import KdfParams, derive_key

    params = KdfParams.default().with_fresh_salt()
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        derive_key(PASSPHRASE, params)
        best = min(best, time.perf_counter() - started)
    return best


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


def _fresh_process_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh window process running the source tree ``root``
    offscreen: both fresh-process figures (start time, memory) run this way."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root), **extra}


def start_time(folder: Path, root: Path = ROOT) -> float:
    """A real process: ``carer-desk window`` (offscreen) from its start until it says its
    unlock window has been painted; best of 3. ``root``: the source tree to run (another
    checkout, to compare with, in the same run)."""
    from bench.window_start import to_unlock_window

    env = _fresh_process_env(root, CARER_DESK_SMOKE_TEST="1")
    command = [sys.executable, "-m", "carer_desk", "--data-dir", str(folder), "window"]
    return min(to_unlock_window(command, env, root)[0] for _ in range(3))


def _window(folder: Path):
    """The real window over the vault in ``folder``, and a wait that idles between rounds
    as Qt's own event loop does (a loop that never sleeps holds the interpreter lock and
    slows the vault thread it waits for)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from carer_desk.config import Settings
    from carer_desk.wiring.desk import Launcher
    from ui.preferences import Preferences
    from ui.shell import Shell

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    launcher = Launcher(folder, Settings(), actor="bench", demo_dir=tmp / "demo")
    prefs = Preferences(QSettings(str(tmp / "prefs.ini"), QSettings.Format.IniFormat))
    shell = Shell(app, launcher, launcher.office(), prefs=prefs)
    shell.window.resize(1280, 800)
    shell.start()

    return app, shell, _spinner(app)


def _spinner(app, default_timeout: float = 120.0):
    """A wait that turns the event loop as Qt's own does: it sleeps between rounds (a loop
    that never sleeps holds the interpreter lock from the vault thread and the demo office
    it waits for) and deletes what was ``deleteLater``'d — ``processEvents`` alone never
    does, so pages closed during the run would stay alive, listening, and do work for
    nobody that the figures would count."""
    from PySide6.QtCore import QCoreApplication, QEvent

    def spin(predicate, timeout: float = default_timeout) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            time.sleep(0.0005)

    return spin


def in_window(folder: Path, cold: bool = False) -> dict[str, float]:
    import psutil

    from carer_desk.roles import Area
    from carer_desk.services.caseload import CaseloadFilter
    from ui.controllers.session import Gate
    from ui.views.carer_page import CarerPage

    app, shell, spin = _window(folder)

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
    unlock_load = _load_average()
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
    keys_load = _load_average()
    shell.window.search.setText("")
    spin(lambda: shell.runner.pending == 0)

    carer_ids = [page.controller.carer_id_at(row) for row in range(0, 200, 20)]
    opens = _time_opens(
        shell,
        spin,
        app,
        "carer",
        carer_ids,
        lambda p: isinstance(p, CarerPage) and p.controller.record is not None,
    )
    open_load = _load_average()
    registers = _open_registers(shell, spin, app)
    conversations = _conversations(shell, spin, app, page.controller.carer_id_at(0))
    plans, queue, checked, queued = _open_plans_and_queue(shell, spin, app)
    memory = psutil.Process().memory_info().rss / 1e6
    shell.shutdown()
    keystrokes.sort()
    return {
        "listed": listed,
        "unlock": unlock,
        "unlock_load": unlock_load,
        "keys_load": keys_load,
        "open_load": open_load,
        "filled": filled,
        "keystroke_median": statistics.median(keystrokes),
        "keystroke_p95": keystrokes[int(len(keystrokes) * 0.95) - 1],
        "open": statistics.median(opens),
        "register": statistics.median(registers),
        **conversations,
        "plan": statistics.median(plans),
        "print_queue": statistics.median(queue),
        "queue_checked": statistics.median(checked),
        "queued": queued,
        "memory_mb": memory,
    }


def memory_probe(folder: Path, opens: int = 10) -> dict[str, float]:
    """What a worker's own process holds: a fresh ``carer-desk window`` process (not this
    benchmark's, which has hosted the demo office and every figure above), unlocked, the
    whole caseload listed, ``opens`` carers opened and closed. Resident memory (RSS), and
    the part no other process shares (USS: without the libraries' pages every Qt program
    shares)."""
    import psutil

    from carer_desk.roles import Area
    from carer_desk.services.caseload import CaseloadFilter
    from ui.controllers.session import Gate
    from ui.views.carer_page import CarerPage

    app, shell, spin = _window(folder)
    spin(lambda: shell.session.gate is Gate.UNLOCK)
    spin(lambda: shell.runner.pending == 0)
    shell.session.unlock(PASSPHRASE)
    spin(lambda: shell.window.workspace is not None)
    page = shell.window.workspace.page_for(Area.CASELOAD)
    spin(lambda: page.controller.linked and shell.runner.pending == 0)
    page.filter.setCurrentIndex(page.filter.findData(CaseloadFilter.ALL))
    spin(lambda: shell.runner.pending == 0)
    listed = psutil.Process().memory_full_info()
    carer_ids = [page.controller.carer_id_at(row) for row in range(0, 20 * opens, 20)]
    _time_opens(
        shell,
        spin,
        app,
        "carer",
        carer_ids,
        lambda p: isinstance(p, CarerPage) and p.controller.record is not None,
    )
    opened = psutil.Process().memory_full_info()
    shell.shutdown()
    return {
        "listed_rss_mb": listed.rss / 1e6,
        "listed_uss_mb": listed.uss / 1e6,
        "rss_mb": opened.rss / 1e6,
        "uss_mb": opened.uss / 1e6,
    }


def memory_in_own_process(folder: Path, root: Path = ROOT) -> dict[str, float]:
    """:func:`memory_probe` in a process of its own (``root``: the source tree to run)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory-probe", str(folder)],
        env=_fresh_process_env(root, CARER_DESK_BENCH_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"the memory probe failed: {done.stderr[-800:]}")


CONVERSATIONS = 10
TYPING_S = 12.0  # long enough for several autosaves (every 3 s) in the middle of typing
KEY_EVERY_S = 0.08  # a brisk typist


def _held_conversations(session, carer_id: str) -> None:
    """Give the carer 10 completed assessments (each with a wellbeing check), once."""
    from carer_desk.records.conversation import CarerOutcome, ConversationStatus

    service = session.conversations
    done = [
        c
        for c in service.list_for_carer(carer_id)
        if c.status == ConversationStatus.COMPLETE and c.assessment_completed
    ]
    for n in range(CONVERSATIONS - len(done)):
        c = service.start(carer_id, is_review=bool(done) or n > 0)
        template = service.template(c)
        for outcome in CarerOutcome:
            service.assess_outcome(c.id, outcome, unable=outcome is CarerOutcome.RECREATION)
        service.decide_impact(c.id, True)
        scale = ["never", "sometimes", "most_of_the_time", "always"]
        service.record_wellbeing_check(
            c.id,
            {s.id: scale[(n + i) % 4] for i, s in enumerate(template.wellbeing_statements)},
        )
        service.record_continuing_to_care(c.id, able=True, willing=True)
        service.add_goal(c.id, f"Goal {n}")
        service.complete(c.id)


def _conversations(shell, spin, app, carer_id: str) -> dict[str, float]:
    from PySide6.QtTest import QTest

    from ui.operations import Lane
    from ui.views.carer_page import CarerPage
    from ui.views.conversation_page import ConversationPage
    from ui.views.conversations_tab import ConversationsTab

    session = shell.ctx.open_desk().session
    box: list = []
    shell.runner.submit(
        Lane.VAULT, lambda: _held_conversations(session, carer_id), box.append, box.append
    )
    spin(lambda: bool(box), 600)
    if isinstance(box[0], BaseException):
        raise box[0]
    ws = shell.window.workspace
    opens = []
    for _ in range(5):
        started = time.perf_counter()
        ws.open_record("carer", carer_id, "conversations")
        spin(
            lambda: (
                isinstance(ws.record_page, CarerPage)
                and isinstance(ws.record_page.tabs.currentWidget(), ConversationsTab)
                and shell.runner.pending == 0
            )
        )
        app.processEvents()
        opens.append(time.perf_counter() - started)
    tab = ws.record_page.tabs.currentWidget()
    started = time.perf_counter()
    tab.review_button.click()
    spin(
        lambda: (
            isinstance(ws.record_page, ConversationPage)
            and ws.record_page.controller.view is not None
            and shell.runner.pending == 0
        )
    )
    app.processEvents()
    review = time.perf_counter() - started
    page = ws.record_page
    # The charts are drawn when the worker turns to them: that turn, timed on its own.
    started = time.perf_counter()
    page.side.setCurrentIndex(1)
    app.processEvents()
    charts_drawn = time.perf_counter() - started
    charts = len(page.trajectory.charts)
    points = page.trajectory.table.rowCount()
    # Every stage tab in turn (each built when first shown), as a worker reads them.
    stage_turns = []
    for index in range(page.stages.count()):
        if not page.stages.isTabVisible(index):
            continue
        started = time.perf_counter()
        page.stages.setCurrentIndex(index)
        app.processEvents()
        stage_turns.append(time.perf_counter() - started)
    page.stages.setCurrentIndex(page.stage_tabs[1])
    prompt = page.controller.view.template.stage(1).prompts[0]
    answer = page.fields[f"answer.{prompt.id}"].widget
    answer.setFocus()
    keys, turns, sealed = [], [], []
    page.controller.draft.sealed.connect(lambda: sealed.append(1))
    text = "the nights are long and I am not sleeping; my daughter helps at weekends. " * 20
    end = time.monotonic() + TYPING_S
    for char in text:
        if time.monotonic() > end:
            break
        started = time.perf_counter()
        QTest.keyClicks(answer, char)
        app.processEvents()
        keys.append(time.perf_counter() - started)
        until = time.perf_counter() + KEY_EVERY_S
        while time.perf_counter() < until:  # between keystrokes: timers fire here
            started = time.perf_counter()
            app.processEvents()
            turns.append(time.perf_counter() - started)
            time.sleep(0.002)
    spin(lambda: shell.runner.pending == 0)
    keys.sort()
    return {
        "conversations_open": statistics.median(opens),
        "review_open": review,
        "review_charts_drawn": charts_drawn,
        "review_stage_turn_max": max(stage_turns),
        "review_charts": charts,
        "review_points": points,
        "typing_keys": len(keys),
        "typing_autosaves": len(sealed),
        "typing_key_max": keys[-1],
        "typing_key_p95": keys[int(len(keys) * 0.95) - 1],
        "typing_turn_max": max(turns),
    }


def _time_opens(shell, spin, app, kind: str, record_ids, filled) -> list[float]:
    """Click to the record page filled in (``filled(page)``), for each id: seconds each."""
    ws = shell.window.workspace
    timings = []
    for record_id in record_ids:
        started = time.perf_counter()
        ws.open_record(kind, record_id)
        spin(lambda: filled(ws.record_page) and shell.runner.pending == 0)
        app.processEvents()
        timings.append(time.perf_counter() - started)
        ws.back()
        spin(lambda: shell.runner.pending == 0)
    return timings


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


def build_approver_vault(folder: Path, waiting: int) -> Path:
    """An approver's laptop: ``waiting`` carers' summaries, each with one request waiting
    for a decision and three earlier ones (paid, approved, declined) that the cap and the
    budget count."""
    import random
    from datetime import date, timedelta

    from carer_desk.ids import new_id
    from carer_desk.ports import RecordWrite
    from carer_desk.records.codec import to_payload
    from carer_desk.records.payment import PaidTo, PaymentPurpose, WellbeingPaymentRequest
    from storage.vault import Vault

    path = folder / "vault.sqlite"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(waiting)
    today = date.today()
    purposes = list(PaymentPurpose)
    writes: list[RecordWrite] = []
    for n in range(waiting):
        carer_id, assessment_id = new_id(), new_id()
        writes.append(
            RecordWrite(
                "carer_summary",
                carer_id,
                {
                    "carer_id": carer_id,
                    "display_name": f"Carer {n:04d}",
                    "last_assessment_completed_on": (today - timedelta(days=40)).isoformat(),
                },
            )
        )
        for step in range(4):
            on = today - timedelta(days=rng.randint(1, 300) if step else rng.randint(0, 20))
            request = WellbeingPaymentRequest(
                carer_id=carer_id,
                conversation_id=assessment_id,
                amount_pence=rng.choice((5_000, 7_500, 10_000)),
                purpose=rng.choice(purposes),
                wellbeing_outcome="A break from caring.",
                paid_to=PaidTo.CARER,
                requested_by="bench-worker",
                requested_on=on,
            ).submit(on)
            if step == 1:
                request = request.approve("bench-approver", on).mark_paid(on)
            elif step == 2:
                request = request.approve("bench-approver", on)
            elif step == 3:
                request = request.decline("bench-approver", on, "Covered by another service.")
            writes.append(RecordWrite("payment_request", request.id, to_payload(request)))
    with Vault.create(path, PASSPHRASE, actor="bench") as vault:
        vault.put_many(writes, action="import")
    return path


def approver_queue(folder: Path) -> dict[str, float]:
    """Open *Requests to decide* (to every row listed and the first shown), five times;
    then choose each of the first 50 requests in turn."""
    from ui.controllers.approvals import ApprovalsController
    from ui.controllers.session import Gate
    from ui.views.approvals_page import ApprovalsPage

    app, shell, spin = _window(folder)
    spin(lambda: shell.session.gate is Gate.UNLOCK)
    shell.session.unlock(PASSPHRASE)
    spin(lambda: shell.window.workspace is not None and shell.runner.pending == 0)
    ws = shell.window.workspace
    opens, chooses, listed = [], [], 0
    for _ in range(5):
        started = time.perf_counter()
        controller = ApprovalsController(shell.ctx)
        page = ApprovalsPage(controller, parent=ws)
        controller.setParent(page)
        page.show()
        spin(lambda c=controller: c.ready and shell.runner.pending == 0)
        app.processEvents()
        opens.append(time.perf_counter() - started)
        listed = controller.model.rowCount()
        if not chooses:
            for row in range(min(50, listed)):
                started = time.perf_counter()
                page.table.selectRow(row)
                app.processEvents()
                chooses.append(time.perf_counter() - started)
        page.deleteLater()
        app.processEvents()
    shell.shutdown()
    return {
        "queue": statistics.median(opens),
        "choose": statistics.median(chooses),
        "listed": listed,
    }


def line_lookups() -> dict[str, float]:
    """The demo operator's window: Enter on a live card's number to the plan shown, and
    the same look-up through the gateway alone (the server's part), medians."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from carer_desk.config import Settings
    from carer_desk.records.codec import from_payload
    from carer_desk.roles import Area
    from carer_desk.wiring.desk import Launcher
    from sync.server.store import open_store
    from ui.controllers.session import Gate
    from ui.preferences import Preferences
    from ui.shell import Shell

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    _allow_bench_lookups(tmp / "demo")
    launcher = Launcher(tmp / "real", Settings(), actor="bench", demo_dir=tmp / "demo")
    prefs = Preferences(QSettings(str(tmp / "prefs.ini"), QSettings.Format.IniFormat))
    shell = Shell(app, launcher, launcher.demo("operator"), prefs=prefs)
    shell.window.resize(1280, 800)
    shell.start()

    spin = _spinner(app, 180.0)
    spin(lambda: shell.session.gate is Gate.WORKSPACE)
    spin(lambda: shell.runner.pending == 0)
    office = launcher.demo_office()
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            cards = [from_payload("card", r.payload) for r in tx.records_of_kind("card")]
    finally:
        store.close()
    numbers = [c.number for c in cards if c.is_live][:LINE_LOOKUPS]
    page = shell.window.workspace.page_for(Area.LOOKUP)
    shown = []
    for number in numbers:
        page.number.setText(number)
        started = time.perf_counter()
        QTest.keyClick(page.number, Qt.Key.Key_Return)
        spin(lambda: page.answer_box is not None and shell.runner.pending == 0)
        app.processEvents()  # painted
        shown.append(time.perf_counter() - started)
        page._finish()
        spin(lambda: shell.runner.pending == 0)
    line = shell.ctx.open_desk().line
    bare = []
    for number in numbers:
        started = time.perf_counter()
        line.look_up(number)
        bare.append(time.perf_counter() - started)
    shell.shutdown()
    return {"line": statistics.median(shown), "line_bare": statistics.median(bare)}


def _allow_bench_lookups(demo_dir: Path) -> None:
    """The bench's own demo office takes the run's look-ups from its one device.

    The server counts look-ups per device and per user (``[card_lookups]``: 30 a device in
    10 minutes by default, so a stolen laptop cannot walk the card numbers); this run makes
    ``2 x LINE_LOOKUPS`` from one demo device within a minute. The limit stays on: the
    office's settings file raises it for this throwaway office only, as an office would."""
    office = demo_dir / "office"
    office.mkdir(parents=True, exist_ok=True, mode=0o700)
    allowed = 4 * LINE_LOOKUPS
    (office / "settings.toml").write_text(
        f"[card_lookups]\nper_device = {allowed}\nper_user = {allowed}\n"
    )


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
    plans = _time_opens(
        shell,
        spin,
        app,
        "plan",
        with_plans[:200:20],
        lambda p: isinstance(p, PlanPage) and p.controller.file is not None,
    )
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
    parser.add_argument(
        "--queue-only", action="store_true", help="only the approver's queue figures"
    )
    parser.add_argument(
        "--only-line", action="store_true", help="only the 24-hour line's look-up figure"
    )
    parser.add_argument(
        "--memory-probe",
        type=Path,
        metavar="FOLDER",
        help="(used by the benchmark itself) print the memory figures of a fresh window "
        "over the vault in FOLDER, as JSON",
    )
    args = parser.parse_args()
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe)))
        return 0
    if args.queue_only:
        return queue_figures(args.cache)
    line = line_lookups()
    _line_rows(line)
    if args.only_line:
        return 0
    folder = args.cache / f"{args.carers}"
    build_vault(folder, args.carers)
    start = start_time(folder)
    figures = in_window(folder)
    print(f"Desktop window with {args.carers} carers ({figures['listed']} listed)")
    _row("process start to unlock window", start, TARGETS["start"])
    _row("unlock to usable caseload (listed)", figures["unlock"], TARGETS["unlock"])
    kdf = _argon2id_seconds()
    print(
        f"{'  ... Argon2id alone, same run':<42} {kdf:8.2f} s    "
        f"(unlock is {figures['unlock'] / kdf:.1f}x it; load {figures['unlock_load']:.1f})"
    )
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
    print(f"{'  ... load average while typing':<42} {figures['keys_load']:8.1f}")
    _row("open a carer (median)", figures["open"], TARGETS["open"], "ms")
    print(f"{'  ... load average while opening':<42} {figures['open_load']:8.1f}")
    _row("open a session's register (median)", figures["register"], TARGETS["open"], "ms")
    ratio = figures["register"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row(
        f"open a carer with {CONVERSATIONS} conversations",
        figures["conversations_open"],
        TARGETS["open"],
        "ms",
    )
    ratio = figures["conversations_open"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row(
        f"open a review ({figures['review_charts']} charts, {figures['review_points']} checks)",
        figures["review_open"],
        TARGETS["review"],
        "ms",
    )
    ratio = figures["review_open"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row("  turn to the wellbeing charts", figures["review_charts_drawn"], TARGETS["review"], "ms")
    _row(
        "  turn to a stage's tab, slowest",
        figures["review_stage_turn_max"],
        TARGETS["review"],
        "ms",
    )
    print(
        f"typing a conversation: {figures['typing_keys']} keystrokes, "
        f"{figures['typing_autosaves']} drafts sealed while typing"
    )
    _row("  keystroke, 95th percentile", figures["typing_key_p95"], TARGETS["keystroke"], "ms")
    _row("  keystroke, slowest", figures["typing_key_max"], TARGETS["keystroke"], "ms")
    _row(
        "  slowest turn between keys (autosave)",
        figures["typing_turn_max"],
        TARGETS["keystroke"],
        "ms",
    )
    _row("open a carer's plan editor (median)", figures["plan"], TARGETS["plan"], "ms")
    ratio = figures["plan"] / figures["open"]
    print(f"{'  ... against opening a carer, same run':<42} {ratio:8.2f} x")
    _row(
        f"print queue of {figures['queued']} cards listed (median)",
        figures["print_queue"],
        TARGETS["print_queue"],
        "ms",
    )
    print(f"{'  ... each card checked as printing will':<42} {figures['queue_checked']:8.2f} s")
    own = memory_in_own_process(folder)
    _row("resident memory, a window's own process", own["rss_mb"], TARGETS["memory_mb"], "MB")
    print(
        f"{'  ... caseload listed, before any carer':<42} {own['listed_rss_mb']:8.0f} MB"
        f"   (then {own['rss_mb'] - own['listed_rss_mb']:.0f} MB for 10 carers opened)"
    )
    print(f"{'  ... its own pages alone (USS)':<42} {own['uss_mb']:8.0f} MB")
    print(
        f"{'  ... this process, after all the above':<42} {figures['memory_mb']:8.0f} MB"
        "   (also hosted the demo office and every figure: not a user's)"
    )
    return queue_figures(args.cache)


def queue_figures(cache: Path) -> int:
    queues = {}
    for size in QUEUE_SIZES:
        queue_folder = cache / f"approver-{size}"
        build_approver_vault(queue_folder, size)
        queues[size] = approver_queue(queue_folder)
    big, small = queues[QUEUE_SIZES[0]], queues[QUEUE_SIZES[1]]
    print(f"Approver's laptop: {big['listed']} requests waiting, {4 * big['listed']} in all")
    _row("open the approver's queue (median)", big["queue"], TARGETS["queue"])
    print(
        f"{'  ... against 50 waiting, same run':<42} {big['queue'] / small['queue']:8.2f} x"
        "   (10x the requests)"
    )
    _row("choose a request in the queue (median)", big["choose"], TARGETS["choose"], "ms")
    reading = queue_reading_ratio(cache / f"approver-{QUEUE_SIZES[0]}")
    print(
        f"{'  ... the queue, before/after (CPU, same run)':<42} {reading['after'] * 1000:8.1f} ms"
        f"   was {reading['before'] * 1000:.1f} ms: {reading['after'] / reading['before']:.2f} x"
    )
    return 0


def queue_reading_ratio(folder: Path, rounds: int = 7) -> dict[str, float]:
    """The approver's queue worked out by the service (no window), in CPU time, as it is
    and as it was before it read only what it needs (every request decoded, and the sync
    states read in a second pass), alternated in one run; medians."""
    from carer_desk.config import Settings
    from carer_desk.services.payments import PaymentService
    from storage.vault import Vault

    class EveryRequest(PaymentService):
        def _queue_reading(self):  # type: ignore[override]
            return self._all(), self.store.sync_states("payment_request")

    vault = Vault.open(build_approver_vault(folder, QUEUE_SIZES[0]), actor="bench")
    vault.unlock(PASSPHRASE)
    try:
        services = {
            "after": PaymentService(vault, Settings()),
            "before": EveryRequest(vault, Settings()),
        }
        times: dict[str, list[float]] = {"after": [], "before": []}
        for _ in range(rounds):
            for name, service in services.items():
                started = time.process_time()
                service.decision_queue("bench")
                times[name].append(time.process_time() - started)
    finally:
        vault.close()
    return {name: statistics.median(t) for name, t in times.items()}


def _line_rows(line: dict[str, float]) -> None:
    print(f"24-hour line (demo office on loopback, {LINE_LOOKUPS} live cards)")
    _row("Enter on a card number to the plan shown", line["line"], TARGETS["line"], "ms")
    print(f"{'  ... the server look-up alone, same run':<42} {line['line_bare'] * 1000:8.1f} ms")
    ratio = line["line"] / line["line_bare"]
    print(f"{'  ... window against server alone':<42} {ratio:8.2f} x")


if __name__ == "__main__":
    sys.exit(main())
