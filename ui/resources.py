"""Where the window finds the files it ships with: the user guide and its screenshots.

In a source checkout they are in ``docs/``; in the built application (PyInstaller) they
are unpacked beside the program under ``docs/`` too.
"""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled)
    return Path(__file__).resolve().parents[1]


def user_guide() -> Path | None:
    guide = app_root() / "docs" / "user-guide.md"
    return guide if guide.is_file() else None
