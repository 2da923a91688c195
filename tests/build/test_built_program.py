"""The built application (PyInstaller, build.spec) works: built once per run, then run as a
person would run it — no Python, no source tree, nothing but the folder.

A build that forgets a module the program loads by name (ReportLab's barcodes, Uvicorn's
loops, the demo office's migration scripts) dies at start or at the first print; each test
here reaches one of those places.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
PASSPHRASE = "correct horse battery staple"
CONFIG = """\
[vault]
argon2_memory_kib = 19456
argon2_iterations = 1
argon2_lanes = 1
[cards]
emergency_line_phone = "0345 050 8725"
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("build")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(build / "dist"),
            "--workpath",
            str(build / "work"),
            str(ROOT / "build.spec"),
        ],
        capture_output=True,
        text=True,
        cwd=build,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    # On Windows carer-desk.exe is windowed (it cannot print); its console twin runs here.
    name = "carer-desk-cli.exe" if sys.platform == "win32" else "carer-desk"
    program = build / "dist" / "carer-desk" / name
    assert program.is_file()
    return program


class Built:
    """Runs the built program in a clean environment: its own home, data and demo
    folders, offscreen Qt, and no trace of this checkout on its paths."""

    def __init__(self, program: Path, home: Path) -> None:
        self.program = program
        self.home = home
        self.config = home / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")

    def __call__(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CARER_DESK", "PYTHON", "VIRTUAL_ENV"))
        }
        clean.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / "share"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            CARER_DESK_DEMO_DIR=str(self.home / "demo"),
            CARER_DESK_USER="tester",
            QT_QPA_PLATFORM="offscreen",
            **(env or {}),
        )
        return subprocess.run(
            [str(self.program), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=clean,
            cwd=self.home,  # not the checkout: nothing may be found through it
            timeout=300,
        )

    def laptop(self, *args: str, **kw) -> subprocess.CompletedProcess[str]:
        data = ["--data-dir", str(self.home / "data"), "--config", str(self.config)]
        return self(*data, *args, **kw)


@pytest.fixture
def built(program: Path, tmp_path: Path) -> Built:
    return Built(program, tmp_path)


def test_the_program_says_its_version(built: Built):
    done = built("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"carer-desk {VERSION}"


def test_a_headless_start_reaches_the_unlock_window(built: Built):
    made = built.laptop("vault", "init", env={"CARER_DESK_PASSPHRASE": PASSPHRASE})
    assert made.returncode == 0, made.stderr
    done = built.laptop("window", env={"CARER_DESK_SMOKE_TEST": "1"})
    assert done.returncode == 0, done.stderr
    assert f"carer-desk {VERSION}: window up, showing unlock" in done.stdout


def test_cards_print_from_the_built_program(built: Built):
    env = {"CARER_DESK_PASSPHRASE": PASSPHRASE}
    assert built.laptop("vault", "init", env=env).returncode == 0
    seeded = built.laptop("seed-demo", "--carers", "5", "--seed", "7", env=env)
    assert seeded.returncode == 0, seeded.stderr
    out = built.home / "cards.pdf"
    printed = built.laptop("print", "card-sheet", "--all-pending", "--out", str(out), env=env)
    assert printed.returncode == 0, printed.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_the_demo_office_runs_inside_the_built_program(built: Built):
    listed = built("demo", "--list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.rstrip().endswith("carers.")
    window = built("demo", env={"CARER_DESK_SMOKE_TEST": "1"})
    assert window.returncode == 0, window.stderr
    assert "window up, showing unlock" in window.stdout


def test_the_help_finds_the_user_guide_and_its_pictures(program: Path):
    folder = program.parent / "_internal"
    guide = folder / "docs" / "user-guide.md"
    assert guide.is_file()
    pictures = list((folder / "docs" / "screenshots").glob("*.png"))
    assert pictures, "the guide's screenshots are missing from the build"
    for picture in pictures:
        assert f"screenshots/{picture.name}" in guide.read_text("utf-8")


@pytest.mark.skipif(sys.platform != "linux", reason="reads ELF libraries with ldd")
def test_no_library_in_the_build_needs_a_qt_library_it_left_out(program: Path):
    """What build.spec leaves out (Qt Quick, EGLFS, ...) is needed by nothing it keeps."""
    folder = program.parent / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(folder)}
    missing = set()
    for library in folder.rglob("*.so*"):
        if library.is_symlink() or not library.is_file():
            continue
        done = subprocess.run(["ldd", str(library)], capture_output=True, text=True, env=env)
        for line in done.stdout.splitlines():
            needed = line.strip().split(" ", 1)[0]
            if "not found" in line and needed.startswith("libQt6"):
                missing.add(f"{library.relative_to(folder)} needs {needed}")
    assert not missing, sorted(missing)


def test_the_build_holds_no_test_tools_nor_what_the_laptop_never_loads(program: Path):
    folder = program.parent / "_internal"
    top = {path.name for path in folder.iterdir()}
    for absent in ("tests", "pytest", "_pytest", "hypothesis", "psycopg", "yaml", "tkinter"):
        assert absent not in top, absent
    qt = folder / "PySide6"
    assert not list(qt.rglob("*.qm")), "Qt's translations: the window is in English"
    assert not list(qt.rglob("*Quick*")) and not list(qt.rglob("*virtualkeyboard*"))
