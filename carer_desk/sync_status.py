"""The sync facts the window may see: who the laptop is enrolled as, how a sync is going,
what it did, and what waits for a person (conflicts, refused changes).

These are the core's own types, so ui/ can show them without importing sync/. The
composition root (``carer_desk.wiring``) translates the sync client's answers into them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from carer_desk.changes import NO_CHANGES, Changes
from carer_desk.roles import Role


@dataclass(frozen=True, slots=True)
class Identity:
    """The person this laptop is enrolled for, and where it syncs."""

    username: str
    role: Role
    team: str | None
    server: str
    device_id: str
    demo: bool = False  # the embedded demo office: invented people only

    @property
    def team_label(self) -> str | None:
        return self.team.title() if self.team else None


class SyncPhase(StrEnum):
    CONNECTING = "connecting"
    SENDING = "sending"
    RECEIVING = "receiving"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """One step of a running sync: ``done`` of ``total`` (total None when unknown)."""

    phase: SyncPhase
    done: int = 0
    total: int | None = None

    def describe(self) -> str:
        if self.phase is SyncPhase.CONNECTING:
            return "Connecting to the office…"
        if self.phase is SyncPhase.SENDING:
            return f"Sending changes: {self.done} of {self.total}" if self.total else "Sending…"
        if self.phase is SyncPhase.RECEIVING:
            if self.done and self.total:
                return f"Receiving: {self.done:,} of {self.total:,} records"
            return f"Receiving: {self.done:,} records" if self.done else "Receiving…"
        return "Sync finished"


ProgressCallback = Callable[[SyncProgress], None]


@dataclass(frozen=True, slots=True)
class RefusedChange:
    """A change the server refused: held on this laptop with the server's reason."""

    change_id: str
    record_id: str
    kind: str
    reason: str
    description: str  # "carer Ann Smith", for the person to recognise it


@dataclass(frozen=True, slots=True)
class ConflictField:
    """One field changed differently on two devices; a person keeps one value."""

    field: str
    mine: Any  # the value on this laptop
    theirs: Any  # the other device's value
    mine_text: str  # both as short text a person can read
    theirs_text: str
    parts: tuple[str, ...] = ()  # sub-fields that differ, when the field is a whole block


@dataclass(frozen=True, slots=True)
class ConflictItem:
    record_id: str
    kind: str
    description: str
    fields: tuple[ConflictField, ...]
    raised_by: str | None = None
    raised_at: str | None = None
    raised_here: bool = True

    @property
    def mine_label(self) -> str:
        return "On this laptop" if self.raised_here else "On this laptop and the server"

    @property
    def theirs_label(self) -> str:
        if self.raised_here:
            return "On the server"
        return f"From {self.raised_by}'s device" if self.raised_by else "From another device"


@dataclass(frozen=True, slots=True)
class ConflictListing:
    items: tuple[ConflictItem, ...]
    offline: bool  # from this laptop's own notes: resolving needs the server
    resolved_elsewhere: tuple[str, ...] = ()  # record ids decided on another device


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """Where things stand, from the vault alone (no network)."""

    waiting: int  # new or changed records not yet on the server
    conflicts: int
    refused: int
    last_synced_at: datetime | None
    enrolled: bool

    def describe(self, now: datetime, *, online: bool | None) -> str:
        """The status bar's sentence, e.g. "Offline — 12 changes waiting"."""
        parts: list[str] = []
        if self.conflicts:
            parts.append(_plural(self.conflicts, "conflict needs you", "conflicts need you"))
        if self.refused:
            parts.append(_plural(self.refused, "change refused", "changes refused"))
        waiting = _plural(self.waiting, "change waiting", "changes waiting")
        if not self.enrolled:
            return "Not connected to an office server — changes stay on this laptop"
        if online is False:
            head = f"Offline — {waiting}" if self.waiting else "Offline — nothing waiting"
        elif self.waiting:
            head = waiting
        elif self.last_synced_at is None:
            head = "Not synced yet"
        else:
            head = f"Synced {_ago(now, self.last_synced_at)}"
        if online is False and self.last_synced_at is not None:
            head += f" · last synced {_ago(now, self.last_synced_at)}"
        return " · ".join([head, *parts])

    def describe_sending(self, now: datetime, one: str, many: str) -> tuple[str, ...]:
        """For a laptop that only sends (the 24-hour line's), what the status bar adds to
        whether look-ups work: what waits to be sent, or when it last went; refusals."""
        parts: list[str] = []
        if self.waiting:
            parts.append(f"{_plural(self.waiting, one, many)} waiting to be sent")
        elif self.last_synced_at is not None:
            parts.append(f"{many.capitalize()} sent {_ago(now, self.last_synced_at)}")
        if self.refused:
            parts.append(_plural(self.refused, f"{one} refused", f"{many} refused"))
        return tuple(parts)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did. ``changes`` names the records the pull brought (ids only)."""

    pushed: int
    pulled: int
    conflicts: int
    refused: tuple[RefusedChange, ...]
    finished_at: datetime
    changes: Changes = NO_CHANGES
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: A laptop that only sends (the 24-hour line's): what it calls what it sends, as
    #: ("call", "calls"); None for a laptop that receives records too.
    sends_only: tuple[str, str] | None = None

    def describe(self) -> str:
        if self.sends_only is not None:
            one, many = self.sends_only
            sent = _plural(self.pushed, one, many) if self.pushed else f"no new {many}"
            bits = [f"{sent} sent to the office"]
        else:
            bits = [f"sent {self.pushed}", f"received {self.pulled}"]
        if self.conflicts:
            bits.append(_plural(self.conflicts, "conflict", "conflicts"))
        if self.refused:
            bits.append(f"{len(self.refused)} refused")
        # Notes say what a person must act on (changes held back because the vault file
        # was edited outside Carer Desk, answers that did not come): never left unsaid.
        return (
            "Sync finished: "
            + ", ".join(bits)
            + "".join(f". {n[0].upper()}{n[1:]}" for n in self.notes)
        )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return _plural(minutes, "minute ago", "minutes ago")
    hours = minutes // 60
    if hours < 24:
        return _plural(hours, "hour ago", "hours ago")
    return _plural(hours // 24, "day ago", "days ago")
