"""The outbox's state machine, written down once.

Two things move when a change travels to the server: the outbox row of the change
(pending, sending, rejected, gone) and the sync state the person sees on the record (new,
changed, sending, synced, conflict, rejected). Both are tables here, and the code that
writes the ``outbox.state`` and ``records.sync_state`` columns only ever writes what these
tables give; tests/storage/test_outbox_transitions.py walks every state × event pair.

The record's state is a table of its own, not derived from its changes, because it also
remembers the order of things the outbox does not: a conflict reported after a rejection
shows "conflict", a rejection after a conflict shows "rejected".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from carer_desk.errors import VaultError
from carer_desk.ports import SyncState


class ChangeState(StrEnum):
    """The state of one outbox change (the ``outbox.state`` column).

    Every change is created PENDING. GONE is never stored: reaching it deletes the row.
    """

    PENDING = "pending"  # waiting for the next push
    SENDING = "sending"  # in a push not yet answered (sent again after a crash)
    REJECTED = "rejected"  # refused by the server, held back with its reason
    GONE = "gone"  # acknowledged, or replaced by a newer change of its record


class ChangeEvent(StrEnum):
    """What can happen to one outbox change."""

    SEND = "send"  # a push takes it
    ACKNOWLEDGE = "acknowledge"  # the server applied it (acknowledging twice is harmless)
    REJECT = "reject"  # the server refused it; the reason is sealed beside it
    # A newer edit of the record is folded into this unsent upsert: the server only needs
    # the latest state, and one change keeps one base version (offered to upserts only).
    ABSORB = "absorb"
    # A newer edit or delete of the record replaces this change. One already on its way
    # stays, with its own sealed copy of what was sent.
    SUPERSEDE = "supersede"
    REBASE = "rebase"  # an earlier change of the record was acknowledged: its base moves


_P, _S, _R, _G = ChangeState.PENDING, ChangeState.SENDING, ChangeState.REJECTED, ChangeState.GONE

CHANGE_TRANSITIONS: Mapping[tuple[ChangeState, ChangeEvent], ChangeState] = {
    (_P, ChangeEvent.SEND): _S,
    (_S, ChangeEvent.SEND): _S,
    (_P, ChangeEvent.ACKNOWLEDGE): _G,
    (_S, ChangeEvent.ACKNOWLEDGE): _G,
    (_R, ChangeEvent.ACKNOWLEDGE): _G,
    (_P, ChangeEvent.REJECT): _R,
    (_S, ChangeEvent.REJECT): _R,
    (_R, ChangeEvent.REJECT): _R,  # refused again: the newer reason is kept
    (_P, ChangeEvent.ABSORB): _P,
    (_P, ChangeEvent.SUPERSEDE): _G,
    (_S, ChangeEvent.SUPERSEDE): _S,
    (_R, ChangeEvent.SUPERSEDE): _G,  # the person is fixing what the server refused
    (_P, ChangeEvent.REBASE): _P,
}
"""Every allowed move; any other (state, event) pair is refused. A rejected change is not
sent again until a newer edit replaces it, and one being sent keeps the base it was sent
with."""


class RecordEvent(StrEnum):
    """What moves the sync state shown on a record."""

    EDITED_UNSEEN = "edited-unseen"  # edited here; the server has never acknowledged it
    EDITED = "edited"  # edited here since the server's version
    DELETED = "deleted"  # deleted here; the tombstone waits for the server
    ALL_SENDING = "all-sending"  # every change of it is in a push, and no conflict is open
    PARTLY_ACKNOWLEDGED = "partly-acknowledged"  # a change acknowledged, newer ones wait
    ACKNOWLEDGED = "acknowledged"  # its last change acknowledged
    ACKNOWLEDGED_IN_CONFLICT = "acknowledged-in-conflict"  # ... while a conflict is open
    REJECTED = "rejected"  # a change of it was refused
    CONFLICT_FOUND = "conflict-found"  # the server found a field both sides changed
    PULLED = "pulled"  # a newer version came from the server


_HELD: tuple[SyncState | None, ...] = tuple(SyncState)
_HELD_OR_NOT: tuple[SyncState | None, ...] = (None, *SyncState)  # None: not held here yet


def _from(
    states: tuple[SyncState | None, ...], event: RecordEvent, target: SyncState
) -> dict[tuple[SyncState | None, RecordEvent], SyncState]:
    return {(state, event): target for state in states}


SYNC_STATE_TRANSITIONS: Mapping[tuple[SyncState | None, RecordEvent], SyncState] = {
    **_from(_HELD_OR_NOT, RecordEvent.EDITED_UNSEEN, SyncState.NEW),
    **_from(_HELD_OR_NOT, RecordEvent.PULLED, SyncState.SYNCED),
    **_from(_HELD, RecordEvent.EDITED, SyncState.CHANGED),
    **_from(_HELD, RecordEvent.DELETED, SyncState.CHANGED),
    **_from(_HELD, RecordEvent.ALL_SENDING, SyncState.SENDING),
    **_from(_HELD, RecordEvent.ACKNOWLEDGED, SyncState.SYNCED),
    **_from(_HELD, RecordEvent.ACKNOWLEDGED_IN_CONFLICT, SyncState.CONFLICT),
    **_from(_HELD, RecordEvent.REJECTED, SyncState.REJECTED),
    **_from(_HELD, RecordEvent.CONFLICT_FOUND, SyncState.CONFLICT),
    # A change acknowledged while newer ones wait: the record is "changed" again, but what
    # the person must still see (a conflict, a rejection) stays in view.
    **{(state, RecordEvent.PARTLY_ACKNOWLEDGED): state for state in _HELD},
    (SyncState.NEW, RecordEvent.PARTLY_ACKNOWLEDGED): SyncState.CHANGED,
    (SyncState.SENDING, RecordEvent.PARTLY_ACKNOWLEDGED): SyncState.CHANGED,
}
"""The sync state a record shows after each event. Only a record this vault already holds
can be edited since a server version, deleted, sent, acknowledged, refused or in conflict."""


class IllegalTransition(VaultError):
    """The vault was asked to move a change or record in a way its state machine forbids."""

    def __init__(self, state: object, event: object) -> None:
        super().__init__(
            f"The vault's sync bookkeeping refused '{event}' for something in state "
            f"'{state}'. Nothing was changed; report this to your administrator."
        )
        self.state = state
        self.event = event


def next_change_state(state: ChangeState, event: ChangeEvent) -> ChangeState:
    try:
        return CHANGE_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def states_allowing(event: ChangeEvent) -> tuple[ChangeState, ...]:
    """The change states ``event`` may move (for the WHERE clause of a bulk update)."""
    return tuple(s for s in ChangeState if (s, event) in CHANGE_TRANSITIONS)


def sync_state_after(state: SyncState | None, event: RecordEvent) -> SyncState:
    try:
        return SYNC_STATE_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state or "not held", event) from None


def allows(state: ChangeState, event: ChangeEvent) -> bool:
    return (state, event) in CHANGE_TRANSITIONS
