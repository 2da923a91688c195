"""What an operation changed, so each screen can decide whether to redraw (Anki's
``OpChanges``).

Every operation the window runs (an edit here, or a pull that brought a colleague's work)
ends with a :class:`Changes`: the records written, by kind and id, and whether sync states
may have moved. A screen asks the narrow question it cares about ("did any carer change?",
"did *this* carer change?") instead of reloading everything after every click.

Only ids and kinds: a change set never carries a decrypted value, so it may be logged,
queued or kept after lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ChangeSource(StrEnum):
    LOCAL = "local"  # an operation on this laptop
    PULL = "pull"  # records a sync brought from the server
    SESSION = "session"  # the whole view changed: unlocked, or the vault was replaced


@dataclass(frozen=True, slots=True)
class Changes:
    """Which records and kinds an operation (or a pull) changed."""

    records: frozenset[tuple[str, str]] = frozenset()  # (kind, record id)
    sync_states: bool = False  # outbox or sync states may have moved (a push, an edit)
    source: ChangeSource = ChangeSource.LOCAL
    everything: bool = False  # redraw all: a session started, a whole caseload arrived

    @classmethod
    def of(
        cls,
        records: Iterable[tuple[str, str]],
        *,
        source: ChangeSource = ChangeSource.LOCAL,
        sync_states: bool | None = None,
    ) -> Changes:
        recs = frozenset(records)
        # Any write goes to the outbox, so a local write moves a sync state too.
        moved = bool(recs) if sync_states is None else sync_states
        return cls(records=recs, sync_states=moved, source=source)

    @classmethod
    def all(cls, source: ChangeSource = ChangeSource.SESSION) -> Changes:
        return cls(sync_states=True, source=source, everything=True)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(kind for kind, _ in self.records)

    @property
    def empty(self) -> bool:
        return not self.records and not self.sync_states and not self.everything

    def touches(self, *kinds: str) -> bool:
        """True when any record of these kinds changed (or everything did)."""
        return self.everything or any(kind in kinds for kind, _ in self.records)

    def touches_record(self, record_id: str) -> bool:
        return self.everything or any(rid == record_id for _, rid in self.records)

    def ids_of(self, kind: str) -> frozenset[str]:
        return frozenset(rid for k, rid in self.records if k == kind)

    def __or__(self, other: Changes) -> Changes:
        source = self.source if self.source == other.source else ChangeSource.LOCAL
        if ChangeSource.PULL in (self.source, other.source):
            source = ChangeSource.PULL
        return Changes(
            records=self.records | other.records,
            sync_states=self.sync_states or other.sync_states,
            source=source,
            everything=self.everything or other.everything,
        )


NO_CHANGES = Changes()
