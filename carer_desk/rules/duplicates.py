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

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from carer_desk.records.codec import payload_date

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
        date_of_birth=payload_date(payload.get("date_of_birth")),
        postcode=normalise_postcode(postcode if isinstance(postcode, str) else None),
    )


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two normalised names are, in either word order.

    Sorting the words first forgives "Smith Ann" / "Ann Smith", but a slip in a word's
    first letters can move it to the other end ("jnes" sorts before "john"), so the plain
    comparison is taken too, and the better of the two counts.
    """
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


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


def _date_blocks(d: date) -> list[tuple[str, ...]]:
    """Keys two dates share when :func:`date_similarity` is 0.8 or more: the date with one
    digit wild (a mistyped digit, or the same day) and the year with the day and month in
    either order (swapped)."""
    text = d.isoformat()
    wild = [("d", text[:i] + "*" + text[i + 1 :]) for i, c in enumerate(text) if c.isdigit()]
    low, high = sorted((d.month, d.day))
    return [*wild, ("s", str(d.year), str(low), str(high))]


def _postcode_blocks(postcode: str) -> list[tuple[str, ...]]:
    """Keys two postcodes share when they are equal or one character apart (same length)."""
    return [("p", postcode[:i] + "*" + postcode[i + 1 :]) for i in range(len(postcode))]


def _candidate_pairs(keys: list[PersonKey]) -> set[tuple[int, int]]:
    """Index pairs that could be flagged: every rule in :func:`compare` needs birth dates at
    least 0.8 alike, or (a birth date missing) postcodes at least 0.8 alike. Blocking on
    those keeps the name comparison to a handful of pairs per carer instead of all of them.
    """
    buckets: dict[tuple[str, ...], list[int]] = {}
    by_postcode: dict[tuple[str, ...], list[int]] = {}
    for index, key in enumerate(keys):
        if key.date_of_birth is not None:
            for block in _date_blocks(key.date_of_birth):
                buckets.setdefault(block, []).append(index)
        if key.postcode:
            for block in _postcode_blocks(key.postcode):
                by_postcode.setdefault(block, []).append(index)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        for pos, a in enumerate(members):
            for b in members[pos + 1 :]:
                pairs.add((min(a, b), max(a, b)))
    # Only carers without a birth date are matched on postcode (rule 2 of compare).
    for index, key in enumerate(keys):
        if key.date_of_birth is not None or not key.postcode:
            continue
        for block in _postcode_blocks(key.postcode):
            for other in by_postcode.get(block, ()):
                if other != index:
                    pairs.add((min(index, other), max(index, other)))
    return pairs


def find_duplicates_among(
    keys: Iterable[PersonKey],
    *,
    new_ids: Iterable[str] | None = None,
    kept_apart: Iterable[frozenset[str]] = (),
) -> list[DuplicateCandidate]:
    """Every pair of carers worth a person's look, best first.

    With ``new_ids``, only pairs involving at least one of those carers are returned and
    each candidate's ``record_id`` is the new one. ``kept_apart`` holds pairs a person
    already decided are different people; they are never flagged again.
    """
    pool: dict[str, PersonKey] = {}
    for key in keys:
        pool.setdefault(key.record_id, key)
    ordered = [k for k in pool.values() if k.name]
    fresh = None if new_ids is None else set(new_ids)
    rank = {k.record_id: i for i, k in enumerate(ordered)}
    decided = set(kept_apart)
    found: dict[frozenset[str], DuplicateCandidate] = {}
    for a, b in _candidate_pairs(ordered):
        first, second = ordered[a], ordered[b]
        if fresh is not None:
            if first.record_id not in fresh and second.record_id not in fresh:
                continue
            if second.record_id in fresh and first.record_id not in fresh:
                first, second = second, first
        pair = pair_key(first.record_id, second.record_id)
        if pair in decided:
            continue
        name_score = name_similarity(first.name, second.name)
        if name_score < _NAME_CUTOFF:
            continue
        candidate = compare(first, second, name_score)
        if candidate is not None:
            found[pair] = candidate
    result = sorted(found.values(), key=lambda c: (-c.score, rank[c.record_id], rank[c.other_id]))
    log.info("duplicate check: %d carer(s), %d possible duplicate(s)", len(ordered), len(result))
    return result


def find_possible_duplicates(
    new: Iterable[PersonKey],
    existing: Iterable[PersonKey],
    *,
    kept_apart: Iterable[frozenset[str]] = (),
) -> list[DuplicateCandidate]:
    """Every (new, existing) pair worth a person's look, best first.

    A new carer is also compared with the other new carers (two colleagues may both have
    met the same person offline).
    """
    new_keys = list(new)
    return find_duplicates_among(
        [*new_keys, *existing], new_ids=[k.record_id for k in new_keys], kept_apart=kept_apart
    )
