"""One real start of the desktop program, timed to its painted unlock window (offscreen):
what bench/ui.py and bench/built_start.py both measure."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def to_unlock_window(
    command: Sequence[str], env: Mapping[str, str], cwd: Path
) -> tuple[float, float]:
    """Seconds from the process's start until it says its unlock window has been painted
    (``CARER_DESK_SMOKE_TEST`` in ``env``), and the CPU seconds the process used in all
    (where the platform tells them; else 0).

    The process goes on after that line (it finishes loading, in the background, what the
    unlocked window needs, then quits): that is not part of the figure, as the person
    already sees the window and types their passphrase meanwhile."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    assert process.stdout is not None and process.stderr is not None
    shown = None
    for line in process.stdout:
        if "showing unlock" in line:
            shown = time.perf_counter() - started
            break
    process.stdout.read()
    err = process.stderr.read()
    cpu = 0.0
    if hasattr(os, "wait4"):
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    else:
        process.wait(timeout=120)
    if shown is None or process.returncode != 0:
        raise SystemExit(f"{command[0]} did not reach the unlock window: {err[-800:]}")
    return shown, cpu
