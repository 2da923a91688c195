"""The person's display preferences (larger text, which demo person to open as), kept by
Qt's settings store in the user's config folder.

Only preferences live here, never a record's content or an id: this file is in clear.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings


class Preferences:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings("Carer Desk", "carer-desk")

    @property
    def large_text(self) -> bool:
        return str(self._s.value("display/large_text", "false")).lower() == "true"

    @large_text.setter
    def large_text(self, on: bool) -> None:
        self._s.setValue("display/large_text", "true" if on else "false")
        self._s.sync()
