"""Typed access to the record store: domain records in, domain records out.

Services use this instead of the dict-shaped port so every record is validated on the
way in (by its dataclass, and for dates that cannot lie in the future, against the
service's clock) and on the way out (by the codec), and every write keeps what a newer
Carer Desk added to the stored record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import AgeBandSettings
from carer_desk.errors import NotFoundError, RecordIntegrityError, ValidationError
from carer_desk.ports import JSONDict, RecordStore, RecordWrite
from carer_desk.records.bounds import input_problems
from carer_desk.records.codec import KINDS, from_payload, kind_of, to_payload
from carer_desk.records.plausible_dates import dates_after_today
from carer_desk.records.priority import priority_of_payload

T = TypeVar("T")

_KIND_BY_CLASS = {cls: kind for kind, cls in KINDS.items()}

#: Audit actions that only ever write records that do not exist yet: there is no stored
#: payload to keep unknown fields from, so the look-up is skipped (an import of 20,000
#: carers would otherwise ask for 20,000 records that are not there).
NEW_RECORD_ACTIONS = frozenset({"create", "import", "seed-demo"})


def kind_for(cls: type) -> str:
    try:
        return _KIND_BY_CLASS[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a stored record kind") from None


class Repository:
    def __init__(
        self,
        store: RecordStore,
        clock: Clock = SYSTEM_CLOCK,
        bands: AgeBandSettings | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.bands = bands or AgeBandSettings()

    # --- writing ---------------------------------------------------------------------

    def save(self, record: object, *, action: str = "edit") -> int:
        """Write one record. An edit keeps fields a newer Carer Desk added to the stored
        payload, so an older laptop never silently strips them."""
        write = self._write(record, new=action in NEW_RECORD_ACTIONS)
        return self.store.put(
            write.kind, write.id, write.payload, priority=write.priority, action=action
        )

    def save_many(
        self,
        records: Iterable[object],
        *,
        action: str = "import",
        audit_details: Mapping[str, Any] | None = None,
    ) -> int:
        """Write many records in ONE transaction (all or nothing), each keeping what a
        newer Carer Desk added to it, exactly as :meth:`save` does."""
        new = action in NEW_RECORD_ACTIONS
        writes = [self._write(record, new=new) for record in records]
        return self.store.put_many(writes, action=action, audit_details=audit_details)

    def _write(self, record: object, *, new: bool) -> RecordWrite:
        self._check_dates(record)
        kind = kind_of(record)
        record_id: str = record.id  # type: ignore[attr-defined]
        previous = None if new else self._stored(kind, record_id)
        payload = to_payload(record, keep_unknown_from=previous)
        return RecordWrite(kind, record_id, payload, priority_of_payload(payload))

    def _stored(self, kind: str, record_id: str) -> JSONDict | None:
        try:
            return self.store.get(kind, record_id)
        except NotFoundError:
            return None

    def _check_dates(self, record: object) -> None:
        """Dates after today and input out of bounds (lengths, hidden characters, ages):
        refused before anything is written, every problem at once."""
        today = self.clock.today()
        problems = dates_after_today(record, today) + input_problems(record, self.bands, today)
        if problems:
            raise ValidationError(problems)

    # --- reading ---------------------------------------------------------------------

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

    def where(self, cls: type[T], **equals: object) -> list[T]:
        """Records whose attributes equal the given values (e.g. ``carer_id=...``).

        Text values are compared on the payload before it is decoded: a caseload holds
        thousands of records of a kind, and only the matching few need validating.
        """
        kind = kind_for(cls)
        found = []
        for _, payload in self.store.iter_kind(kind):
            if any(isinstance(v, str) and payload.get(k) != v for k, v in equals.items()):
                continue
            record = from_payload(kind, payload)
            if all(getattr(record, k) == v for k, v in equals.items()):
                found.append(record)
        return found

    def damaged(self) -> list[tuple[str, str]]:
        return self.store.damaged_records()


__all__ = [
    "NEW_RECORD_ACTIONS",
    "RecordIntegrityError",
    "Repository",
    "kind_for",
]
