"""Merging two records of the same carer: what the surviving record holds, which linked
records move to it, and which of the absorbed record's values could not be kept.

A merge is decided by a person (see :mod:`carer_desk.rules.duplicates` for how pairs are
found) and must keep every record of both carers. Rules, in order of precedence:

* the surviving ("kept") carer's own values win;
* what only the absorbed record knows fills the gaps (at any depth: an empty contact
  e-mail is filled, a missing date of birth is filled);
* cared-for people and contacts are a union by id; the same person (same id) on both is
  merged by these same rules. People are NOT matched by name: an emergency plan may point
  at a cared-for person's id, and two entries for one person are easy for a person to
  tidy, whereas a lost id silently unlinks a plan;
* lists of values (accessible formats, carer types) are a union;
* where both records hold a different value for the same field, the kept value stays and
  the absorbed one is returned as a :class:`FieldDifference`, so the caller can write it
  into the decision's note — a value is never dropped without a trace;
* a safeguarding flag on either record stays raised; the earlier registration time is
  kept (the carer has been known to the service since then).

Pure functions over JSON-shaped payloads: no storage, no clock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

#: Lists of people inside a carer record: merged as a union by id.
PEOPLE_LISTS = ("cared_for", "contacts")


@dataclass(frozen=True)
class FieldDifference:
    """A field both records filled in differently: ``kept`` stays, ``absorbed`` is noted."""

    path: str  # "date_of_birth", "contact.phone", "cared_for[<id>].relationship"
    kept: Any
    absorbed: Any

    def describe(self) -> str:
        return f"{self.path}: kept {_show(self.kept)}; the other record had {_show(self.absorbed)}"


@dataclass(frozen=True)
class MergePlan:
    """What merging ``absorb_id`` into ``keep_id`` writes: the merged carer and every
    linked record re-pointed at it, plus the absorbed values that differed."""

    keep_id: str
    absorb_id: str
    carer_payload: dict[str, Any]
    moved: tuple[tuple[str, str, dict[str, Any]], ...]  # (kind, record_id, payload)
    differences: tuple[FieldDifference, ...]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _union_values(keep: list[Any], absorb: list[Any]) -> list[Any]:
    return keep + [v for v in absorb if v not in keep]


def _union_people(
    keep: list[Any], absorb: list[Any], path: str, diffs: list[FieldDifference]
) -> list[Any]:
    out = list(keep)
    position = {p.get("id"): i for i, p in enumerate(out) if isinstance(p, Mapping)}
    for person in absorb:
        if not isinstance(person, Mapping):
            if person not in out:
                out.append(person)
            continue
        person_id = person.get("id")
        if person_id in position:
            index = position[person_id]
            out[index] = _merge(out[index], person, f"{path}[{person_id}]", diffs)
        else:
            position[person_id] = len(out)
            out.append(dict(person))
    return out


def _merge(
    keep: Mapping[str, Any], absorb: Mapping[str, Any], path: str, diffs: list[FieldDifference]
) -> dict[str, Any]:
    merged = dict(keep)
    for key, value in absorb.items():
        where = f"{path}.{key}" if path else key
        current = merged.get(key)
        if key in PEOPLE_LISTS and isinstance(current, list) and isinstance(value, list):
            merged[key] = _union_people(current, value, where, diffs)
        elif isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(current, value, where, diffs)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = _union_values(current, value)
        elif _empty(current):
            if not _empty(value):
                merged[key] = value
        elif not _empty(value) and value != current:
            diffs.append(FieldDifference(where, current, value))
    return merged


def merge_carer_payloads(
    keep: Mapping[str, Any], absorb: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[FieldDifference, ...]]:
    """The merged carer payload and the absorbed values that could not be kept."""
    diffs: list[FieldDifference] = []
    special = ("id", "created_at", "safeguarding_flag")
    merged = _merge(keep, {k: v for k, v in absorb.items() if k not in special}, "", diffs)
    merged["id"] = keep.get("id", merged.get("id"))
    created = [c for c in (keep.get("created_at"), absorb.get("created_at")) if c]
    if created:
        # ISO 8601 UTC strings from the codec sort as the instants they name.
        merged["created_at"] = min(created)
    if keep.get("safeguarding_flag") or absorb.get("safeguarding_flag"):
        merged["safeguarding_flag"] = True  # a concern on either record stays raised
    return merged, tuple(diffs)


def keep_sections_whole(
    plan: MergePlan, keep: Mapping[str, Any], absorb: Mapping[str, Any], sections: Iterable[str]
) -> MergePlan:
    """Undo the field-by-field fill of these top-level sections (the kept carer's
    section is used whole, the absorbed one is noted whole).

    Filling one field of a section from the other record can break a rule that ties the
    section's fields together (a first-contact date before the kept referral's date);
    the caller validates the merged record and falls back to this for the sections named
    in the problems.
    """
    wanted = set(sections)
    payload = dict(plan.carer_payload)
    diffs = [d for d in plan.differences if d.path.split(".")[0].split("[")[0] not in wanted]
    for section in sorted(wanted):
        if section in keep:
            payload[section] = keep[section]
        else:
            payload.pop(section, None)
        if section in absorb and absorb[section] != keep.get(section):
            diffs.append(FieldDifference(section, keep.get(section), absorb[section]))
    return replace(plan, carer_payload=payload, differences=tuple(diffs))


def repoint(value: Any, absorb_id: str, keep_id: str) -> tuple[Any, bool]:
    """Replace every ``carer_id == absorb_id`` inside ``value`` (at any depth)."""
    if isinstance(value, Mapping):
        changed = False
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "carer_id" and v == absorb_id:
                out[k] = keep_id
                changed = True
            else:
                out[k], sub = repoint(v, absorb_id, keep_id)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        items = [repoint(v, absorb_id, keep_id) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False


def plan_merge(
    keep_id: str,
    keep: Mapping[str, Any],
    absorb_id: str,
    absorb: Mapping[str, Any],
    linked: Iterable[tuple[str, str, Mapping[str, Any]]],
) -> MergePlan:
    """Merge ``absorb`` into ``keep``; ``linked`` is every other record as
    ``(kind, id, payload)`` — only those pointing at ``absorb_id`` come back in ``moved``."""
    if keep_id == absorb_id:
        raise ValueError("a carer cannot be merged with itself")
    moved = []
    for kind, record_id, payload in linked:
        new_payload, changed = repoint(payload, absorb_id, keep_id)
        if changed:
            moved.append((kind, record_id, new_payload))
    merged, diffs = merge_carer_payloads(keep, absorb)
    log.debug("merge plan: %d linked record(s) move, %d difference(s)", len(moved), len(diffs))
    return MergePlan(keep_id, absorb_id, merged, tuple(moved), diffs)
