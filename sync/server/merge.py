"""Field-level three-way merge of a pushed record against the server's copy.

Pure functions over JSON dicts, so the rules can be tested exhaustively on their own.

Fields are the payload's top-level keys. For each one, compared with the *base* (the
version the client's edit started from):

* only the client changed it  -> the client's value is taken;
* only the server changed it  -> the server's value stays;
* both changed it to the same value -> nothing to decide;
* both changed it differently -> a conflict holding base, server and client values; the
  server keeps its value until a person resolves it;
* a *protected* field (money, approvals, card numbers: ``NEVER_AUTO_MERGE``) the client
  changed on a stale base, to a value different from the server's, is always a conflict,
  even when the server did not touch it: an amount or a decision made against an old
  version must be looked at by a person, never slipped in silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.protocol import FieldConflict

_MISSING: Any = object()


@dataclass(frozen=True)
class MergeResult:
    merged: dict[str, Any]  # what the server should now hold
    conflicts: tuple[FieldConflict, ...]
    changed_fields: tuple[str, ...]  # fields whose value differs from the server's copy


def _shown(value: Any) -> Any:
    return None if value is _MISSING else value


def changed_fields(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """Names of top-level fields whose value differs (added and removed ones too)."""
    if not before:  # a new record (or one back from a tombstone): every field it has
        return tuple(sorted(after or ()))
    after = after or {}
    keys = set(before) | set(after)
    return tuple(sorted(k for k in keys if before.get(k, _MISSING) != after.get(k, _MISSING)))


def three_way_merge(
    base: Mapping[str, Any] | None,
    server: Mapping[str, Any],
    client: Mapping[str, Any],
    *,
    protected: frozenset[str] = frozenset(),
) -> MergeResult:
    """Merge ``client`` (an edit of ``base``) into ``server`` (the current copy).

    ``base`` is None when the client created the record without having seen the server's
    copy: every field then counts as changed on both sides.
    """
    base_map: Mapping[str, Any] = base or {}
    stale = base is None or dict(base) != dict(server)
    merged: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for key in sorted(set(base_map) | set(server) | set(client)):
        b = base_map.get(key, _MISSING)
        s = server.get(key, _MISSING)
        c = client.get(key, _MISSING)
        client_changed = c != b
        server_changed = s != b
        value = s
        if client_changed and c != s:
            if not server_changed and not (stale and key in protected):
                value = c
            else:
                conflicts.append(
                    FieldConflict(field=key, base=_shown(b), server=_shown(s), client=_shown(c))
                )
        if value is not _MISSING:
            merged[key] = value
    return MergeResult(merged, tuple(conflicts), changed_fields(server, merged))


def apply_choices(
    current: Mapping[str, Any],
    conflicts: list[FieldConflict] | tuple[FieldConflict, ...],
    take_client: set[str],
) -> dict[str, Any]:
    """The record after a person chose, per conflicting field, the client's value (fields
    in ``take_client``) or the server's (the rest, which ``current`` already holds)."""
    result = dict(current)
    for conflict in conflicts:
        if conflict.field in take_client:
            if conflict.client is None:
                result.pop(conflict.field, None)
            else:
                result[conflict.field] = conflict.client
    return result
