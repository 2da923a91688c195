"""The built program (build.spec) against the source: size, and start to the unlock window.

    .venv/bin/python bench/built_start.py [--program dist/carer-desk/carer-desk] [--runs 7]

Build it first (``.venv/bin/pyinstaller --noconfirm build.spec``). Then, offscreen, on
one small vault, it starts the built program and ``python -m carer_desk`` one after the
other, ``--runs`` times each, and times each from the start of the process to the line
the window prints once the unlock window is painted (``CARER_DESK_SMOKE_TEST``).
Printed: the folder's size, each side's median and best, the ratio of each pair started
one after the other (built / source: on a shared machine the load moves both alike) and
its median, the processes' CPU time to the end of the smoke test (which moves much less
with the load than wall time), and the load average.

The target is bench/ui.py's for the same step (process start to the unlock window,
1 s); the figure is printed beside it, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.window_start import to_unlock_window  # noqa: E402

DEFAULT = ROOT / "dist" / "carer-desk" / ("carer-desk-cli.exe" if os.name == "nt" else "carer-desk")
PASSPHRASE = "correct horse battery staple"
CONFIG = """\
[vault]
argon2_memory_kib = 19456
argon2_iterations = 1
argon2_lanes = 1
"""
TARGET_S = 1.0  # bench/ui.py: process start to the unlock window


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.program.is_file():
        raise SystemExit(
            f"No built program at {args.program}: build it first "
            "(.venv/bin/pyinstaller --noconfirm build.spec), or give --program."
        )
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    folder = args.program.parent
    size = folder_size(folder)
    print(f"folder {folder}: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB)")

    with tempfile.TemporaryDirectory(prefix="carer-desk-start-") as tmp:
        home = Path(tmp)
        (home / "config.toml").write_text(CONFIG, encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CARER_DESK", "PYTHON", "VIRTUAL_ENV"))
        }
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "share"),
            XDG_CONFIG_HOME=str(home / "config"),
            CARER_DESK_USER="bench",
            QT_QPA_PLATFORM="offscreen",
        )
        laptop = ["--data-dir", str(home / "data"), "--config", str(home / "config.toml")]
        subprocess.run(
            [str(args.program), *laptop, "vault", "init"],
            env={**env, "CARER_DESK_PASSPHRASE": PASSPHRASE},
            check=True,
            capture_output=True,
        )
        smoke = {**env, "CARER_DESK_SMOKE_TEST": "1"}
        source = {**smoke, "PYTHONPATH": str(ROOT)}
        built_runs, source_runs = [], []
        for _ in range(args.runs):
            built_runs.append(to_unlock_window([str(args.program), *laptop, "window"], smoke, home))
            source_runs.append(
                to_unlock_window(
                    [sys.executable, "-m", "carer_desk", *laptop, "window"], source, home
                )
            )

    def line(name: str, runs: list[tuple[float, float]]) -> str:
        walls = [wall for wall, _ in runs]
        cpu = statistics.median(c for _, c in runs)
        return (
            f"{name:<22} median {statistics.median(walls):5.2f} s  best {min(walls):5.2f} s  "
            f"CPU {cpu:5.2f} s"
        )

    print(f"start to the unlock window ({args.runs} runs each, offscreen; target {TARGET_S} s):")
    print(line("built program", built_runs))
    print(line("python -m carer_desk", source_runs))
    ratios = [b[0] / s[0] for b, s in zip(built_runs, source_runs, strict=True)]
    cpu_ratio = statistics.median(b[1] for b in built_runs) / statistics.median(
        s[1] for s in source_runs
    )
    print(
        "same-run ratio built / source: median "
        f"{statistics.median(ratios):.2f} (pairs {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"CPU {cpu_ratio:.2f}"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
