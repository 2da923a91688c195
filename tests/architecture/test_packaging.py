"""The installed program is the source tree: a wheel built from pyproject.toml holds every
module and resource file of the application's packages. The IT officer installs the
server with ``pip install`` (docs/operations.md), not in editable mode; a package left out
of pyproject's list once made the installed ``carer-desk-server`` die at start with
``ModuleNotFoundError: sync.server.reports`` while every test, run from the source tree,
passed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("carer_desk", "ui", "storage", "sync", "resources")


def source_files() -> set[str]:
    """Every file the application needs at run time, as a path inside the wheel."""
    files = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            relative = path.relative_to(ROOT)
            # Python modules of every package; data files only where the app reads them.
            if path.suffix == ".py" or package == "resources":
                files.add(relative.as_posix())
    return files


def test_the_wheel_holds_every_module_and_resource_file(tmp_path: Path) -> None:
    # Built from a copy: setuptools reuses a build/ folder beside pyproject.toml, whose
    # files from an earlier build would hide a package the configuration leaves out.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", *PACKAGES):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("carer_desk-*.whl")
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(source_files() - in_wheel)
    assert missing == [], f"not in the wheel (pyproject.toml [tool.setuptools]): {missing}"


def test_the_source_listing_sees_the_packages_the_server_imports() -> None:
    files = source_files()
    assert "sync/server/reports/__init__.py" in files
    assert "ui/controllers/__init__.py" in files
    assert "resources/templates/guided-conversation/v2.json" in files
    assert not any("__pycache__" in f for f in files)
