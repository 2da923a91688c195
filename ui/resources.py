"""Where the window finds the files it ships with: the user guide and its screenshots, and
the program's icon.

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


def app_icon() -> Path | None:
    """The program's icon (drawn from the bundled icon set by resources/icons/make_icons.py)."""
    icon = app_root() / "resources" / "icons" / "carer-desk.png"
    return icon if icon.is_file() else None
