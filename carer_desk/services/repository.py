"""Typed access to the record store: domain records in, domain records out.

Services use this instead of the dict-shaped port so every record is validated on the
way in (by its dataclass) and on the way out (by the codec), and every read of a person's
record can be audited in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from carer_desk.errors import NotFoundError, RecordIntegrityError
from carer_desk.ports import Priority, RecordStore, RecordWrite
from carer_desk.records.codec import KINDS, from_payload, kind_of, to_payload

T = TypeVar("T")

_KIND_BY_CLASS = {cls: kind for kind, cls in KINDS.items()}


def kind_for(cls: type) -> str:
    try:
        return _KIND_BY_CLASS[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a stored record kind") from None


def priority_of(record: Any) -> int:
    """Safeguarding concerns sync first and are never held back by other records."""
    if getattr(record, "safeguarding_flag", False):
        return Priority.SAFEGUARDING
    stage2 = getattr(record, "stage2", None)
    if stage2 is not None and getattr(stage2, "safeguarding_concern", False):
        return Priority.SAFEGUARDING
    return Priority.NORMAL


class Repository:
    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def save(self, record: Any, *, action: str = "edit") -> int:
        """Write one record. An edit keeps fields a newer Carer Desk added to the stored
        payload, so an older laptop never silently strips them."""
        kind = kind_of(record)
        previous = None
        if action != "create":
            try:
                previous = self.store.get(kind, record.id)
            except NotFoundError:
                previous = None
        payload = to_payload(record, keep_unknown_from=previous)
        return self.store.put(kind, record.id, payload, priority=priority_of(record), action=action)

    def save_many(
        self,
        records: list[Any],
        *,
        action: str = "import",
        audit_details: dict[str, Any] | None = None,
    ) -> int:
        writes = [RecordWrite(kind_of(r), r.id, to_payload(r), priority_of(r)) for r in records]
        return self.store.put_many(writes, action=action, audit_details=audit_details)

    def get(self, cls: type[T], record_id: str) -> T:
        return from_payload(kind_for(cls), self.store.get(kind_for(cls), record_id))

    def find(self, cls: type[T], record_id: str) -> T | None:
        try:
            return self.get(cls, record_id)
        except NotFoundError:
            return None

    def all(self, cls: type[T]) -> Iterator[T]:
        kind = kind_for(cls)
        for _record_id, payload in self.store.iter_kind(kind):
            yield from_payload(kind, payload)

    def where(self, cls: type[T], **equals: Any) -> list[T]:
        """Records whose attributes equal the given values (e.g. ``carer_id=...``)."""
        return [r for r in self.all(cls) if all(getattr(r, k) == v for k, v in equals.items())]

    def damaged(self) -> list[tuple[str, str]]:
        return self.store.damaged_records()


__all__ = ["RecordIntegrityError", "Repository", "kind_for", "priority_of"]
