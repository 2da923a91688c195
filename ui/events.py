"""The window's hub: one object whose Qt signals tell every screen what happened.

Screens never call each other to say "redraw": an operation ends by broadcasting its
:class:`~carer_desk.changes.Changes` on :attr:`EventHub.changes_applied`, and each screen
decides whether the change concerns it (Anki's ``operation_did_execute``). The same goes
for locking, unlocking and sync progress.

Every signal is emitted on the GUI thread (background operations hop back first), so a
slot may touch widgets directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class UserMessage:
    """A sentence for the person and, behind a "Details" disclosure, the log line.

    ``details`` names what failed and where, never a record's contents."""

    text: str
    details: str = ""
    title: str = "Carer Desk"


class EventHub(QObject):
    #: An operation (or a pull) changed records: ``Changes``.
    changes_applied = Signal(object)
    #: The vault is open: ``OpenDesk``.
    unlocked = Signal(object)
    #: About to lock: screens seal their unsaved edits as drafts now.
    locking = Signal()
    #: Locked: nothing decrypted may remain on screen.
    locked = Signal()
    sync_started = Signal()
    #: A screen wants what it just wrote sent now (a call to the 24-hour line).
    sync_wanted = Signal()
    #: ``SyncProgress``.
    sync_progress = Signal(object)
    #: ``SyncReport``.
    sync_finished = Signal(object)
    #: ``UserMessage``: the sync could not finish (work is kept).
    sync_failed = Signal(object)
    #: ``SyncStatus``, re-read after anything that may move it.
    status_changed = Signal(object)
    #: The server answers (True) or not (False).
    reachability_changed = Signal(bool)
    #: A background operation has taken longer than a moment: label, or "" when done.
    busy_changed = Signal(str)
    #: Something the person must read: ``UserMessage``.
    problem = Signal(object)
    #: Go to a place in the window: ``Place``.
    navigate = Signal(object)
    #: The server revoked this laptop (a call other than sync heard it): the message.
    laptop_revoked = Signal(str)
