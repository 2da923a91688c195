"""Conflicts a person resolves from the laptop: see both values, choose per field.

When two devices change the same field differently, the server keeps its value and a
conflict record holding both; the laptop that raised it marks its local copy CONFLICT.
This module turns that into something a person can read and decide:

* :func:`list_conflicts` — the server's open conflicts (authoritative) when it answers,
  else the conflicts this laptop recorded, flagged as an offline view.
* :func:`resolve` — a person's choice for every conflicting field, sent to the server
  (so every laptop agrees), then a sync so this laptop holds the resolved record.

"Mine" and "theirs" are from this laptop's point of view. The server speaks of the
``server`` value (kept) and the ``client`` value (from the device that raised the
conflict); on the raising laptop "mine" is the client's value, on any other laptop it is
the server's (which that laptop already holds). Money, approvals and card numbers are
resolved exactly the same way, by a person: nothing here chooses a side by itself.

Field names are the payload's top-level keys, because the server merges at that level: a
nested value (``contact``, ``address``) is kept or replaced as a whole, and the listing
shows which parts of it differ so the person knows what they are choosing between.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from carer_desk.errors import CarerDeskError, NotFoundError, RecordIntegrityError
from carer_desk.formatting import display_name_of, money
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.kinds import KIND_TABLE
from carer_desk.rules.emergency_line import describe_call
from sync.client.errors import ServerUnreachable
from sync.protocol import (
    DELETED_FIELD,
    START_CURSOR,
    Choice,
    ConflictView,
    FieldConflict,
    PulledRecord,
    RecordKind,
)

log = logging.getLogger(__name__)

MINE = "mine"
THEIRS = "theirs"
SIDES = (MINE, THEIRS)

EMPTY = "(empty)"

OFFLINE_RESOLVE = (
    "The server cannot be reached; conflicts are resolved on the server so every laptop "
    "agrees. Try again when connected."
)


class ConflictTransport(Protocol):
    def list_conflicts(self) -> Any: ...

    def resolve_conflict(self, conflict_id: str, choices: Mapping[str, Choice]) -> Any: ...

    def pull(self, since: str, limit: int = ...) -> Any: ...


class Syncer(Protocol):
    def sync_now(self) -> Any: ...


class ConflictVault(RecordStore, Protocol):
    """The laptop vault as conflict handling uses it: the core's record store, and what
    the last sync recorded about each conflict."""

    def conflict_details(self, record_id: str) -> dict[str, Any] | None: ...


class ConflictError(CarerDeskError):
    """A resolution that cannot go ahead as asked; the message says what to do."""


class NoSuchConflict(ConflictError):
    pass


class UndecidedFields(ConflictError):
    def __init__(self, record_id: str, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        super().__init__(
            f"Record {record_id} has conflicting fields nobody has decided yet: "
            f"{', '.join(fields)}. Choose mine or theirs for every one, or one side for all."
        )


# --- what a person sees -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldChoice:
    """One conflicting field, from this laptop's point of view."""

    field: str
    mine: Any
    theirs: Any
    base: Any
    #: For a nested value: the parts that differ (``contact.phone``); empty otherwise.
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConflictEntry:
    record_id: str
    kind: str
    description: str
    fields: tuple[FieldChoice, ...]
    #: The server's conflict id; None in the offline view when the laptop never heard it.
    conflict_id: str | None
    #: True when this laptop sent the edit that raised the conflict ("mine" = client).
    raised_here: bool
    raised_by: str | None = None
    raised_at: str | None = None

    def wire_choice(self, side: str) -> Choice:
        """Turn "mine"/"theirs" into the server's "client"/"server"."""
        if side not in SIDES:
            raise ConflictError(f"{side!r} is not a side: say mine or theirs.")
        mine_is_client = self.raised_here
        if (side == MINE) == mine_is_client:
            return Choice.CLIENT
        return Choice.SERVER

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "kind": self.kind,
            "description": self.description,
            "conflict_id": self.conflict_id,
            "raised_here": self.raised_here,
            "raised_by": self.raised_by,
            "raised_at": self.raised_at,
            "fields": [
                {
                    "field": f.field,
                    "on_this_laptop": f.mine,
                    "on_the_server": _server_value(self, f),
                    "mine": f.mine,
                    "theirs": f.theirs,
                    "parts": list(f.parts),
                }
                for f in self.fields
            ],
        }


def _server_value(entry: ConflictEntry, f: FieldChoice) -> Any:
    # On the raising laptop the server holds "theirs"; elsewhere the laptop holds the
    # server's value, so the server's value is "mine".
    return f.theirs if entry.raised_here else f.mine


@dataclass(frozen=True)
class ConflictListing:
    entries: tuple[ConflictEntry, ...]
    #: True when the server could not be reached and the list is this laptop's own record.
    offline: bool
    #: Records this laptop still holds in CONFLICT that the server no longer lists:
    #: somebody resolved them from another device. ``resolve RECORD_ID`` takes the decision.
    settled_elsewhere: tuple[ConflictEntry, ...] = ()


@dataclass(frozen=True)
class ResolveOutcome:
    record_id: str
    kind: str
    #: The fields this person decided; empty when the decision was made elsewhere.
    fields: tuple[str, ...]
    #: The server's version after the decision; None when taken from another device's.
    server_version: int | None
    state: SyncState
    #: True when somebody had already resolved it elsewhere and this laptop took that on.
    settled_elsewhere: bool = False


# --- listing ------------------------------------------------------------------------------


def list_conflicts(vault: ConflictVault, transport: ConflictTransport | None) -> ConflictListing:
    """The server's open conflicts when it answers, else this laptop's recorded ones."""
    if transport is not None:
        try:
            views = transport.list_conflicts().conflicts
        except ServerUnreachable:
            log.info("server unreachable; listing this laptop's recorded conflicts")
        else:
            open_ids = {v.record_id for v in views}
            return ConflictListing(
                tuple(_from_server(vault, v) for v in views),
                offline=False,
                settled_elsewhere=tuple(
                    e for e in local_conflicts(vault) if e.record_id not in open_ids
                ),
            )
    return ConflictListing(tuple(local_conflicts(vault)), offline=True)


def _from_server(vault: ConflictVault, view: ConflictView) -> ConflictEntry:
    local = _local_details(vault, view.record_id)
    raised_here = local is not None and local.get("conflict_id") == view.conflict_id
    return ConflictEntry(
        record_id=view.record_id,
        kind=view.kind,
        description=describe_record(vault, view.kind, view.record_id),
        fields=tuple(_field_choice(c, raised_here) for c in view.conflicts),
        conflict_id=view.conflict_id,
        raised_here=raised_here,
        raised_by=view.raised_by,
        raised_at=view.raised_at,
    )


def local_conflicts(vault: ConflictVault) -> list[ConflictEntry]:
    """Records this laptop holds in CONFLICT, with the values it was shown when it synced.

    The vault keeps no index by state, so every kind is walked; a caseload is hundreds to
    a few thousand records and this runs only when a person asks.
    """
    entries = []
    for kind in KIND_TABLE:
        for record_id, _ in vault.iter_kind(kind):
            if vault.meta(record_id).sync_state is not SyncState.CONFLICT:
                continue
            details = vault.conflict_details(record_id) or {}
            fields = [FieldConflict.model_validate(f) for f in details.get("fields", [])]
            entries.append(
                ConflictEntry(
                    record_id=record_id,
                    kind=str(kind),
                    description=describe_record(vault, str(kind), record_id),
                    fields=tuple(_field_choice(f, raised_here=True) for f in fields),
                    conflict_id=details.get("conflict_id"),
                    raised_here=True,
                )
            )
    return entries


def _local_details(vault: ConflictVault, record_id: str) -> dict[str, Any] | None:
    try:
        return vault.conflict_details(record_id)
    except (NotFoundError, RecordIntegrityError):
        # Not held here (another laptop's record the user may still resolve) or damaged.
        return None


def _field_choice(c: FieldConflict, raised_here: bool) -> FieldChoice:
    mine, theirs = (c.client, c.server) if raised_here else (c.server, c.client)
    return FieldChoice(c.field, mine, theirs, c.base, differing_parts(c.field, mine, theirs))


def differing_parts(field: str, a: Any, b: Any) -> tuple[str, ...]:
    """Dotted paths inside a nested value where the two sides differ."""
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return ()
    parts = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            parts.append(f"{field}.{key}")
    return tuple(parts)


# --- readable values ----------------------------------------------------------------------


def describe_value(value: Any, field: str = "") -> str:
    """A value as a person reads it: never "None", money in pounds, yes/no for flags."""
    if field == DELETED_FIELD:
        return "deleted" if value else "kept"
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and field.endswith("_pence"):
        return money(value)
    if isinstance(value, Mapping):
        shown = [f"{k}: {describe_value(v, k)}" for k, v in value.items() if v not in (None, "")]
        return "; ".join(shown) if shown else EMPTY
    if isinstance(value, list):
        return ", ".join(describe_value(v, field) for v in value)
    return str(value)


def describe_record(vault: ConflictVault, kind: str, record_id: str) -> str:
    """A human description: the carer's name when this laptop holds it."""
    payload = _payload(vault, kind, record_id)
    if payload is None:
        return f"{_kind_words(kind)} (not held on this laptop)"
    if kind == RecordKind.CARER:
        return _carer_name(payload) or "carer"
    carer_id = payload.get("carer_id")
    name = _carer_name(_payload(vault, RecordKind.CARER, carer_id)) if carer_id else None
    words = (describe_call(payload) if kind == RecordKind.EMERGENCY_CALL else None) or (
        _kind_words(kind)
    )
    return f"{words} for {name}" if name else words


def _payload(vault: ConflictVault, kind: str, record_id: Any) -> dict[str, Any] | None:
    if not isinstance(record_id, str):
        return None
    try:
        return dict(vault.get(str(kind), record_id))
    except (NotFoundError, RecordIntegrityError):
        return None


def _carer_name(payload: Mapping[str, Any] | None) -> str | None:
    return display_name_of(payload) or None


def _kind_words(kind: str) -> str:
    spec = KIND_TABLE.get(str(kind))
    return spec.noun if spec is not None else str(kind).replace("_", " ")


# --- deciding -----------------------------------------------------------------------------


def decide(
    entry: ConflictEntry, keep: Iterable[str] = (), all_side: str | None = None
) -> dict[str, Choice]:
    """Turn ``--keep FIELD=mine|theirs`` and ``--all SIDE`` into the server's choices.

    Every conflicting field must be decided: a person must have looked at each one. A
    dotted part (``contact.phone``) decides its whole field, since the server keeps or
    replaces nested values whole; two parts of one field chosen differently are refused.
    """
    names = [f.field for f in entry.fields]
    sides: dict[str, str] = {}
    for field, side in parse_keep(keep):
        top = field if field in names else field.split(".", 1)[0]
        if top not in names:
            raise ConflictError(
                f"{field} is not in conflict on record {entry.record_id}; the conflicting "
                f"fields are {', '.join(names)}."
            )
        if sides.get(top, side) != side:
            raise ConflictError(
                f"{top} is kept or replaced as a whole, and it was given both sides; choose one."
            )
        sides[top] = side
    if all_side is not None:
        if all_side not in SIDES:
            raise ConflictError(f"{all_side!r} is not a side: say mine or theirs.")
        for name in names:
            sides.setdefault(name, all_side)
    undecided = [n for n in names if n not in sides]
    if undecided:
        raise UndecidedFields(entry.record_id, undecided)
    return {name: entry.wire_choice(sides[name]) for name in names}


def parse_keep(keep: Iterable[str]) -> list[tuple[str, str]]:
    """``FIELD=mine|theirs`` pairs, checked for form before anything is sent."""
    pairs = []
    for spec in keep:
        field, sep, side = spec.partition("=")
        field, side = field.strip(), side.strip().lower()
        if not sep or not field or side not in SIDES:
            raise ConflictError(
                f"{spec!r} is not understood: write it as FIELD=mine or FIELD=theirs."
            )
        pairs.append((field, side))
    return pairs


def find_entry(listing: ConflictListing, record_id: str) -> ConflictEntry:
    for entry in listing.entries:
        if entry.record_id == record_id:
            return entry
    raise NoSuchConflict(
        f"There is no open conflict on record {record_id}. Someone may have resolved it "
        "already: a sync brings their decision."
    )


def resolve(
    vault: ConflictVault,
    transport: ConflictTransport,
    engine: Syncer,
    record_id: str,
    keep: Iterable[str] = (),
    all_side: str | None = None,
) -> ResolveOutcome:
    """Decide every field, tell the server, then sync so this laptop holds the result."""
    keep = list(keep)
    parse_keep(keep)  # a typo is reported before the server is asked anything
    try:
        views = transport.list_conflicts().conflicts
    except ServerUnreachable as exc:
        raise ConflictError(OFFLINE_RESOLVE) from exc
    listing = ConflictListing(tuple(_from_server(vault, v) for v in views), offline=False)
    if all(e.record_id != record_id for e in listing.entries) and _still_in_conflict(
        vault, record_id
    ):
        return _take_decision_made_elsewhere(vault, transport, engine, record_id)
    entry = find_entry(listing, record_id)
    choices = decide(entry, keep, all_side)
    assert entry.conflict_id is not None  # every server entry carries its id
    try:
        answer = transport.resolve_conflict(entry.conflict_id, choices)
    except ServerUnreachable as exc:
        raise ConflictError(OFFLINE_RESOLVE) from exc
    fields = tuple(choices)
    vault.audit(
        "resolve-conflict", record_id=record_id, kind=entry.kind, details={"fields": list(fields)}
    )
    log.info("conflict on %s %s resolved (%d field(s))", entry.kind, record_id, len(fields))
    engine.sync_now()
    if _still_in_conflict(vault, record_id):
        _adopt_server_copy(vault, transport, engine, entry)
    return ResolveOutcome(
        record_id=record_id,
        kind=entry.kind,
        fields=fields,
        server_version=answer.server_version,
        state=_state(vault, record_id),
    )


def _take_decision_made_elsewhere(
    vault: ConflictVault, transport: ConflictTransport, engine: Syncer, record_id: str
) -> ResolveOutcome:
    """The server holds no open conflict on a record this laptop still marks: a colleague
    decided it from their device. Their decision stands (every laptop must agree), so
    this laptop takes the server's copy; no side is chosen here."""
    kind = vault.meta(record_id).kind
    engine.sync_now()
    entry = ConflictEntry(record_id, kind, "", (), None, raised_here=True)
    if _still_in_conflict(vault, record_id):
        _adopt_server_copy(vault, transport, engine, entry)
    vault.audit("take-resolved-conflict", record_id=record_id, kind=kind, details={})
    return ResolveOutcome(
        record_id=record_id,
        kind=kind,
        fields=(),
        server_version=None,
        state=_state(vault, record_id),
        settled_elsewhere=True,
    )


def _state(vault: ConflictVault, record_id: str) -> SyncState:
    try:
        return vault.meta(record_id).sync_state
    except NotFoundError:
        return SyncState.SYNCED  # resolved as deleted: nothing left here to sync


def _still_in_conflict(vault: ConflictVault, record_id: str) -> bool:
    return _state(vault, record_id) is SyncState.CONFLICT


def _adopt_server_copy(
    vault: ConflictVault, transport: ConflictTransport, engine: Syncer, entry: ConflictEntry
) -> None:
    """Bring this laptop level with the server when the resolution wrote no new version.

    Keeping every field's server value changes nothing on the server, so no new version
    exists for the pull to bring; and the laptop that raised the conflict may still hold
    its own value under the server's version number. The server's exact copy is read
    (never rebuilt from guesses) and stored as this laptop's version; the sync that
    follows sends it back unchanged field for field, so the server merges nothing new.
    """
    copy = _server_copy(transport, entry.kind, entry.record_id)
    if copy is None or copy.deleted or copy.payload is None:
        # Gone on the server: its tombstone reaches this laptop by the ordinary pull.
        log.warning("resolved record %s is not readable on the server", entry.record_id)
        return
    vault.put(entry.kind, entry.record_id, copy.payload, action="adopt-server-version")
    engine.sync_now()


def _server_copy(transport: ConflictTransport, kind: str, record_id: str) -> PulledRecord | None:
    """The server's current copy, read by paging from the start (there is no single-record
    read in the protocol; this runs once per resolution, when a person asks)."""
    cursor = START_CURSOR
    found: PulledRecord | None = None
    while True:
        page = transport.pull(cursor)
        for r in page.records:
            if r.record_id == record_id and r.kind == kind:
                found = r
        if not page.more or page.next_cursor == cursor:
            return found
        cursor = page.next_cursor
