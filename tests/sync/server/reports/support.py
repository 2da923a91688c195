"""Writing records straight into a server store for report tests: the same
``write_versions`` a push ends in, so the report columns are derived exactly as for a
laptop's push, without the push's clock and caseload checks in the way of a dataset
spread over years."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from carer_desk.records.codec import kind_of, to_payload
from sync.server.canonical_json import loads
from sync.server.store import NewVersion, Ownership, SqlStore, open_store


def store_at(tmp_path: Path, database_url: str) -> SqlStore:
    return open_store(database_url, tmp_path / "server.key")


def _ownership(record: Any, team: str | None) -> Ownership:
    carer_id = getattr(record, "carer_id", None)
    if kind_of(record) == "carer":
        carer_id = record.id
    return Ownership(team=team, carer_id=carer_id, group_id=getattr(record, "group_id", None))


def put(store: SqlStore, *records: Any, team: str | None = "north", actor: str = "tester") -> None:
    """Store each record as a new version (or the next version of one stored before)."""
    with store.transaction(write=True) as tx:
        known = tx.get_records([r.id for r in records])
        versions = []
        seen: dict[str, int] = {}
        for record in records:
            stored = known[record.id].version if record.id in known else None
            previous = seen.get(record.id) or stored
            payload = loads(json.dumps(to_payload(record)))
            versions.append(
                NewVersion(
                    kind=kind_of(record),
                    record_id=record.id,
                    payload=payload,
                    ownership=_ownership(record, team),
                    changed_fields=tuple(payload),
                    actor=actor,
                    device_id=None,
                    change_id=None,
                    previous_version=previous,
                )
            )
            seen[record.id] = (previous or 0) + 1
        tx.write_versions(versions)


def tombstone(store: SqlStore, kind: str, record_id: str, actor: str = "tester") -> None:
    with store.transaction(write=True) as tx:
        current = tx.get_record(record_id)
        assert current is not None
        tx.write_record(
            kind=kind,
            record_id=record_id,
            payload=None,
            ownership=current.ownership,
            changed_fields=(),
            actor=actor,
            device_id=None,
            change_id=None,
            previous_version=current.version,
        )
