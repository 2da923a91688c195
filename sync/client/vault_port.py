"""What the sync engine needs from the laptop vault (``storage.vault.Vault`` provides it).

Declared here rather than imported so the engine can be read, and its dependency checked,
without the storage package: the sync client never imports ``storage``; the composition
root hands it a vault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from carer_desk.ports import HeldBackChange, OutboxChange


@runtime_checkable
class SyncVault(Protocol):
    def outbox_pending(self, limit: int) -> list[OutboxChange]:
        """Changes not yet acknowledged nor rejected (including ones left 'sending' by an
        interrupted push), safeguarding first, then in order of creation. Only changes
        that pass the vault's integrity check: the others are held back."""
        ...

    def outbox_held_back(self) -> list[HeldBackChange]:
        """The changes outbox_pending() held back since last asked, each with why."""
        ...

    def outbox_mark_sending(self, change_ids: list[str]) -> None: ...

    def outbox_acknowledge(self, change_id: str, server_version: int) -> None: ...

    def outbox_acknowledge_many(self, acks: Iterable[tuple[str, int]]) -> None: ...

    def outbox_reject(self, change_id: str, reason: str) -> None: ...

    def mark_conflict(self, record_id: str, details: Mapping[str, Any]) -> None: ...

    def apply_remote(
        self,
        kind: str,
        record_id: str,
        payload: Mapping[str, Any] | None,
        server_version: int,
        deleted: bool = False,
    ) -> bool: ...

    def apply_remote_page(self, records: Sequence[Any], cursor: str) -> list[bool]:
        """Apply a pulled page and save its cursor in one transaction."""
        ...

    def sync_cursor(self) -> str: ...

    def set_sync_cursor(self, cursor: str) -> None: ...

    def count_by_state(self) -> Mapping[str, int]: ...

    def forget_sent(self) -> int:
        """Drop the copies of records the server holds exactly as here (a laptop that
        only sends); returns how many."""
        ...

    def conflict_details(self, record_id: str) -> dict[str, Any] | None:
        """What this laptop was shown of a record's open conflict (None: none kept)."""
        ...

    # --- following a server restored from a backup (SyncEngine.follow_restore) ----------

    def server_generation(self) -> str | None:
        """The generation of the server's database last synced with (None before the
        first sync that asked)."""
        ...

    def adopt_server_generation(self, generation: str) -> None:
        """Keep the server's generation and nothing else (a first sync)."""
        ...

    def held_server_versions(self) -> dict[str, int]:
        """Every record here the server has held, with the version it had."""
        ...

    def follow_restored_server(self, server_versions: Mapping[str, int], generation: str) -> int:
        """Queue again what the restored server lacks or holds older, at the priority an
        edit of each record has; pull from the beginning; keep ``generation``. Returns how
        many records are sent again."""
        ...


@runtime_checkable
class WipeableVault(Protocol):
    """A vault the engine can wipe when the device is revoked."""

    @property
    def path(self) -> Path: ...

    def close(self) -> None: ...
