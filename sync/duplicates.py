"""Possible-duplicate carers: a carer registered offline may already be known to the
service (met by a colleague, referred by a GP). Carers asked to "tell their story once",
so a likely match is flagged for a person to merge or keep apart — never merged by the
machine, because two different people can share a name, a birthday and a street.

Matching is fuzzy on the three things staff reliably have: name, date of birth and
postcode. Names tolerate spelling slips and word order ("Smyth, Ann" / "Anne Smith");
dates tolerate a swapped day and month or one mistyped digit; postcodes tolerate a typo
and count a shared outward code ("OX4") as weak support.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

log = logging.getLogger(__name__)

NAME_THRESHOLD = 85.0  # rapidfuzz 0-100 similarity for "names nearly match"
STRONG_NAME = 95.0
_NAME_CUTOFF = 70.0  # first-pass filter; below this a pair is never a candidate


@dataclass(frozen=True)
class PersonKey:
    """What matching looks at; built from a carer payload by :func:`person_key`."""

    record_id: str
    name: str  # normalised: casefolded, no accents or punctuation
    date_of_birth: date | None
    postcode: str | None  # normalised: upper case, no spaces


@dataclass(frozen=True)
class DuplicateCandidate:
    """A pair a person should look at: ``record_id`` is the newly registered carer."""

    record_id: str
    other_id: str
    score: float  # 0..1, for ordering the review list
    reasons: tuple[str, ...]


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    no_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    letters = re.sub(r"[^\w\s]", " ", no_marks.casefold())
    return " ".join(letters.split())


def normalise_postcode(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = re.sub(r"\s+", "", text).upper()
    return cleaned or None


def _outward(postcode: str) -> str:
    # The inward code is always digit + two letters, so the outward code is the rest.
    return postcode[:-3] if len(postcode) > 3 else postcode


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def person_key(record_id: str, payload: Mapping[str, Any]) -> PersonKey:
    """Pull name, date of birth and postcode out of a carer payload.

    Tolerates the shapes the record codec may use: ``given_name``/``family_name`` or a
    single ``name``; postcode at the top level or under ``address``.
    """
    parts = [
        str(payload.get(k) or "")
        for k in ("given_name", "first_name", "family_name", "last_name", "surname")
    ]
    name = " ".join(p for p in parts if p) or str(
        payload.get("name") or payload.get("full_name") or ""
    )
    address = payload.get("address")
    postcode = payload.get("postcode")
    if not postcode and isinstance(address, Mapping):
        postcode = address.get("postcode")
    return PersonKey(
        record_id=record_id,
        name=normalise_name(name),
        date_of_birth=_as_date(payload.get("date_of_birth")),
        postcode=normalise_postcode(postcode if isinstance(postcode, str) else None),
    )


def date_similarity(a: date | None, b: date | None) -> float | None:
    """1.0 same day; 0.8 day and month swapped or one digit mistyped; 0.0 otherwise;
    None when either is unknown (a newcomer at a group may give no birth date)."""
    if a is None or b is None:
        return None
    if a == b:
        return 1.0
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 0.8
    if Levenshtein.distance(a.isoformat(), b.isoformat()) == 1:
        return 0.8
    return 0.0


def postcode_similarity(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    if a == b:
        return 1.0
    if len(a) == len(b) and Levenshtein.distance(a, b) == 1:
        return 0.8
    if _outward(a) == _outward(b):
        return 0.5
    return 0.0


def compare(new: PersonKey, other: PersonKey, name_score: float) -> DuplicateCandidate | None:
    """Decide whether one pair is worth a person's attention, and say why."""
    dob = date_similarity(new.date_of_birth, other.date_of_birth)
    postcode = postcode_similarity(new.postcode, other.postcode)
    reasons = [f"names {'match' if name_score >= 99.5 else 'nearly match'} ({name_score:.0f}%)"]
    if dob == 1.0:
        reasons.append("same date of birth")
    elif dob == 0.8:
        reasons.append("dates of birth differ by one slip (swapped or mistyped digit)")
    if postcode == 1.0:
        reasons.append("same postcode")
    elif postcode == 0.8:
        reasons.append("postcodes differ by one character")
    elif postcode == 0.5:
        reasons.append("same postcode area")

    near_name = name_score >= NAME_THRESHOLD
    flagged = (
        # People move house, so name + birth date alone is enough to ask.
        (near_name and dob is not None and dob >= 0.8)
        # No birth date recorded: name and the exact postcode must carry it.
        or (near_name and dob is None and postcode is not None and postcode >= 0.8)
        # A badly misspelt name is still caught when everything else agrees exactly.
        or (name_score >= _NAME_CUTOFF and dob == 1.0 and postcode == 1.0)
    )
    if not flagged:
        return None
    score = 0.5 * name_score / 100 + 0.3 * (dob or 0.0) + 0.2 * (postcode or 0.0)
    return DuplicateCandidate(new.record_id, other.record_id, round(score, 3), tuple(reasons))


def pair_key(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def find_possible_duplicates(
    new: Iterable[PersonKey],
    existing: Iterable[PersonKey],
    *,
    kept_apart: Iterable[frozenset[str]] = (),
) -> list[DuplicateCandidate]:
    """Every (new, existing) pair worth a person's look, best first.

    ``kept_apart`` holds pairs a person already decided are different people; they are
    never flagged again. A new carer is also compared with the other new carers (two
    colleagues may both have met the same person offline).
    """
    decided = set(kept_apart)
    pool = {k.record_id: k for k in existing}
    new_keys = list(new)
    for k in new_keys:
        pool.setdefault(k.record_id, k)
    ids = list(pool)
    names = [pool[i].name for i in ids]
    found: dict[frozenset[str], DuplicateCandidate] = {}
    for key in new_keys:
        if not key.name:
            continue
        # token_sort_ratio ignores word order ("Smith Ann" vs "Ann Smith").
        matches = process.extract(
            key.name,
            names,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=_NAME_CUTOFF,
            limit=None,
        )
        for _, name_score, index in matches:
            other = pool[ids[index]]
            pair = pair_key(key.record_id, other.record_id)
            if other.record_id == key.record_id or pair in decided or pair in found:
                continue
            candidate = compare(key, other, float(name_score))
            if candidate is not None:
                found[pair] = candidate
    result = sorted(found.values(), key=lambda c: (-c.score, c.record_id, c.other_id))
    log.info(
        "duplicate check: %d new carer(s), %d possible duplicate(s)", len(new_keys), len(result)
    )
    return result


# --- merging two records of the same carer ----------------------------------------------

#: Record kinds that point at a carer through ``carer_id`` (at the top level or inside a
#: list, e.g. a group's members). A merge moves every one of them to the surviving carer.
LINKED_KINDS: tuple[str, ...] = (
    "conversation",
    "payment_request",
    "plan",
    "card",
    "group",
    "session",
    "attendance",
)
#: Lists of people inside a carer record: merged as a union, never one replacing the other.
_PEOPLE_LISTS = ("cared_for", "contacts")


@dataclass(frozen=True)
class MergePlan:
    """What merging ``absorb_id`` into ``keep_id`` writes: the merged carer and every
    linked record re-pointed at it. Nothing is dropped: every linked record of both
    carers survives, and the absorbed carer's details fill the gaps in the survivor."""

    keep_id: str
    absorb_id: str
    carer_payload: dict[str, Any]
    moved: tuple[tuple[str, str, dict[str, Any]], ...]  # (kind, record_id, payload)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _person_marker(person: Mapping[str, Any]) -> tuple[str, str]:
    return (
        normalise_name(str(person.get("name", ""))),
        normalise_name(str(person.get("relationship", ""))),
    )


def _union_people(keep: list[Any], absorb: list[Any]) -> list[Any]:
    out = list(keep)
    ids = {p.get("id") for p in keep if isinstance(p, Mapping)}
    markers = {_person_marker(p) for p in keep if isinstance(p, Mapping)}
    for person in absorb:
        if not isinstance(person, Mapping):
            continue
        if person.get("id") in ids or _person_marker(person) in markers:
            continue  # the same cared-for person or contact, recorded on both
        out.append(person)
    return out


def _fill(keep: Mapping[str, Any], absorb: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(keep)
    for key, value in absorb.items():
        current = merged.get(key)
        if key in _PEOPLE_LISTS and isinstance(current, list) and isinstance(value, list):
            merged[key] = _union_people(current, value)
        elif isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _fill(current, value)
        elif _empty(current) and not _empty(value):
            merged[key] = value
    return merged


def merge_carer_payloads(keep: Mapping[str, Any], absorb: Mapping[str, Any]) -> dict[str, Any]:
    """The surviving carer's details win; what only the absorbed record knows fills the
    gaps; cared-for people and contacts are a union. The survivor keeps its id and the
    earlier registration time (it has been known to the service since then)."""
    merged = _fill(keep, {k: v for k, v in absorb.items() if k != "id"})
    merged["id"] = keep.get("id", merged.get("id"))
    created = [c for c in (keep.get("created_at"), absorb.get("created_at")) if c]
    if created:
        merged["created_at"] = min(created)
    if absorb.get("safeguarding_flag"):
        merged["safeguarding_flag"] = True  # a concern on either record stays raised
    return merged


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
    if keep_id == absorb_id:
        raise ValueError("a carer cannot be merged with itself")
    moved = []
    for kind, record_id, payload in linked:
        new_payload, changed = repoint(payload, absorb_id, keep_id)
        if changed:
            moved.append((kind, record_id, new_payload))
    return MergePlan(keep_id, absorb_id, merge_carer_payloads(keep, absorb), tuple(moved))
