"""A short form's typing kept as a sealed draft: after a pause in typing and at lock, and
discarded once saved — so a lock in the middle of typing a newcomer's name loses nothing.

The draft lives in the vault (``DraftStore``: sealed, never synced), written on the vault
lane like every other vault call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.session import DeskSession
from ui.context import AppContext
from ui.operations import QueryOp, while_alive

AUTOSAVE_MS = 2_000  # a pause in typing this long seals a draft (as on the carer page)


class FormDraft(QObject):
    """``throttle=True`` (a long form typed into for minutes): the draft is sealed at most
    ``interval_ms`` after the first unsaved keystroke, however long the typing goes on,
    instead of after a pause; with a ``reader`` the values are read only then, so a
    keystroke costs nothing but a flag (:meth:`touched`)."""

    #: A draft is sealed in the vault: emitted once its write has committed, not when it
    #: is asked for, so "Draft kept" is never said of typing still waiting on the lane.
    sealed = Signal()

    def __init__(
        self,
        ctx: AppContext,
        session: DeskSession,
        key: str,
        parent: QObject | None = None,
        *,
        interval_ms: int = AUTOSAVE_MS,
        throttle: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.key = key
        self.values: dict[str, Any] | None = None
        self.dirty = False
        self.throttle = throttle
        self.reader: Callable[[], dict[str, Any]] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.save)
        ctx.hub.locking.connect(self.save)

    def _arm(self) -> None:
        if not (self.throttle and self._timer.isActive()):
            self._timer.start()

    def edited(self, values: dict[str, Any]) -> None:
        self.values = dict(values)
        self.dirty = True
        self._arm()

    def touched(self) -> None:
        """Something changed; the values are read from ``reader`` when sealed."""
        self.dirty = True
        self._arm()

    def resume(self, values: dict[str, Any]) -> None:
        """A draft found at load is shown again: it is still unsaved work."""
        self.values, self.dirty = dict(values), True

    def save(self) -> None:
        self._timer.stop()
        if self.dirty and self.reader is not None:
            # The form's widgets may already be gone: then the last read is kept.
            with contextlib.suppress(RuntimeError):
                self.values = dict(self.reader())
        if not self.dirty or self.values is None or not self.session.is_open:
            return
        values, key = dict(self.values), self.key
        QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.save(key, values)).success(
            while_alive(self, lambda _none: self.sealed.emit())
        ).run()

    def load(self, found: Callable[[dict[str, Any] | None], None]) -> None:
        key = self.key

        def loaded(draft: dict[str, Any] | None) -> None:
            if draft is not None:
                self.values, self.dirty = dict(draft), True
            found(draft)

        QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.load(key)).success(loaded).run()

    def forget(self) -> None:
        """The form was saved, and its draft discarded in the same operation."""
        self._timer.stop()
        self.dirty = False
        self.values = None

    def discard(self) -> None:
        """The person threw their typing away: the draft goes too."""
        self.forget()
        key = self.key
        QueryOp(self.ctx.runner, self.session, lambda s: s.drafts.discard(key)).run()
