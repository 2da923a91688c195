"""How a record's sync state is shown: an icon AND a word, never colour alone."""

from __future__ import annotations

from carer_desk.ports import SyncState

WORDS = {
    SyncState.NEW: "New, waiting",
    SyncState.CHANGED: "Changed, waiting",
    SyncState.SENDING: "Sending",
    SyncState.SYNCED: "Synced",
    SyncState.CONFLICT: "Conflict",
    SyncState.REJECTED: "Refused",
}
SYMBOLS = {
    SyncState.NEW: "↻",
    SyncState.CHANGED: "↻",
    SyncState.SENDING: "↻",
    SyncState.SYNCED: "✓",
    SyncState.CONFLICT: "⚠",
    SyncState.REJECTED: "✕",
}


def state_word(state: SyncState) -> str:
    return WORDS[state]


def state_icon_name(state: SyncState) -> str:
    return f"state-{state.value}"
