"""Changes the office server refused: see why, then correct or discard each one.

A refused change is held on this laptop with the server's reason and is never sent again
as it is. The person either **corrects** the record (the corrected version replaces the
refused change and goes at the next sync) or **discards** the change (this laptop's copy
of the record goes, and the server's copy, if the server holds one, comes back at the next
sync). Until every refused change is dealt with, the laptop cannot be signed out, because
something on it is not on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError, RecordIntegrityError, ValidationError
from carer_desk.formatting import display_name_of
from carer_desk.ports import JSONDict, OutboxChange, RecordStore, RefusedChangeStore
from carer_desk.records.codec import from_payload
from carer_desk.records.kinds import RecordKind, spec_of
from carer_desk.rules.emergency_line import describe_call
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefusedItem:
    """One refused change, as a person needs it to decide."""

    change_id: str
    record_id: str
    kind: str
    deleting: bool  # the refused change was a delete
    reason: str  # the server's words
    description: str  # "carer Ann Lee", "emergency plan of Ann Lee"


@dataclass(frozen=True, slots=True)
class Discarded:
    change_id: str
    record_id: str
    kind: str
    server_copy_follows: bool
    message: str


class RefusedChangeService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        outbox: RefusedChangeStore,
    ) -> None:
        super().__init__(store, settings, clock)
        self._outbox = outbox

    # --- reading -----------------------------------------------------------------------

    def refused(self) -> list[RefusedItem]:
        """Every refused change, oldest first."""
        return [self._item(change, reason) for change, reason in self._outbox.rejected_changes()]

    def _find(self, change_id: str) -> tuple[OutboxChange, str]:
        for change, reason in self._outbox.rejected_changes():
            if change.change_id == change_id:
                return change, reason
        raise NotFoundError(
            f"There is no refused change {change_id} on this laptop; it may have been "
            "corrected or discarded already."
        )

    def _item(self, change: OutboxChange, reason: str) -> RefusedItem:
        return RefusedItem(
            change_id=change.change_id,
            record_id=change.record_id,
            kind=change.kind,
            deleting=change.op == "delete",
            reason=reason or "no reason was given",
            description=self._describe(change.kind, change.payload),
        )

    def _describe(self, kind: str, payload: Mapping[str, Any] | None) -> str:
        spec = spec_of(kind)
        payload = payload or {}
        words = (describe_call(payload) if kind == RecordKind.EMERGENCY_CALL else None) or (
            spec.noun if spec is not None else kind
        )
        if kind == "carer":
            name = display_name_of(payload)
            return f"carer {name}" if name else "a carer"
        carer_id = payload.get("carer_id")
        if isinstance(carer_id, str):
            try:
                name = display_name_of(self.store.get("carer", carer_id))
            except (NotFoundError, RecordIntegrityError):
                name = ""
            if name:
                return f"{words} of {name}"
        return words

    def record_for_correction(self, change_id: str) -> tuple[str, JSONDict]:
        """``(kind, payload)`` of the record as this laptop holds it, to correct."""
        change, _ = self._find(change_id)
        if change.op == "delete":
            raise ValidationError(
                [("change", "a refused delete cannot be corrected: discard it to keep the record")]
            )
        return change.kind, self.store.get(change.kind, change.record_id)

    # --- dealing with one -----------------------------------------------------------------

    def correct(self, change_id: str, payload: Mapping[str, Any]) -> object:
        """Save a corrected version of the refused record: checked as any edit is, it
        replaces the refused change and goes at the next sync."""
        change, _ = self._find(change_id)
        data = dict(payload)
        if data.get("id", change.record_id) != change.record_id:
            raise ValidationError(
                [("id", f"is {data.get('id')!r}; the refused record is {change.record_id}")]
            )
        data["id"] = change.record_id
        record = from_payload(change.kind, data)
        self.repo.save(record, action="edit")
        logger.info("refused change %s corrected", change_id)
        return record

    def discard(self, change_id: str) -> Discarded:
        """Give up the refused change: this laptop's copy of the record goes, and the
        server's copy (when it has one) comes back at the next sync."""
        change, _ = self._find(change_id)
        description = self._describe(change.kind, change.payload)
        follows = self._outbox.discard_rejected(change_id)
        message = (
            f"Your change to {description} was discarded; the office's copy comes back at "
            "the next sync."
            if follows
            else f"Discarded: {description}. The office never accepted this record, so it is "
            "no longer on this laptop."
        )
        return Discarded(change_id, change.record_id, change.kind, follows, message)
