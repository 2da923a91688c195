"""The caseload as a list shows it: one light row per carer, built straight from each
record's decrypted summary (the payload cut down to the list's fields,
:mod:`carer_desk.records.summaries`: no full record is opened, built or validated to
list 20,000 carers), with what the row needs from the carer's conversations, plans,
payment requests and cards.

Rows and the search index live in memory after unlock and are dropped by ``forget()``
(the session calls it on lock). ``refresh(changes)`` rebuilds only the carers a change
touched, so a pull of one colleague's edit does not rebuild the list. Nothing is kept of
a payload beyond what its row needs; a plan's state is read from its payload by the same
rule the plan itself uses (:func:`carer_desk.records.plan.plan_gaps`), so listing never
decodes a full record.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from carer_desk.changes import Changes, ChangeSource
from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError, RecordIntegrityError, VaultLocked
from carer_desk.formatting import display_name, full_name
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.codec import payload_date
from carer_desk.records.payment import OPEN_STATUSES
from carer_desk.records.places import District
from carer_desk.records.plan import plan_gaps, plan_recency
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.base import Service
from carer_desk.services.repository import Repository
from carer_desk.services.search import SearchEntry, SearchIndex, fold

# Kinds whose records change a carer's row (besides the carer itself).
ROW_KINDS = ("conversation", "plan", "payment_request", "card", "emergency_call")
REVIEW_SOON_DAYS = 30
# A request still being written or waiting for a decision (the payment's own vocabulary).
_PENDING_PAYMENT = frozenset(str(status) for status in OPEN_STATUSES)
IdentityKey = tuple[str, str, date | None]
T = TypeVar("T")


class PlanState(StrEnum):
    NONE = "none"
    INCOMPLETE = "incomplete"
    IN_PLACE = "in-place"
    REVIEW_DUE = "review-due"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return _PLAN_LABELS[self]


_PLAN_LABELS = {
    PlanState.NONE: "No plan",
    PlanState.INCOMPLETE: "Incomplete",
    PlanState.IN_PLACE: "In place",
    PlanState.REVIEW_DUE: "Review due",
    PlanState.OVERDUE: "Review overdue",
}


class CaseloadRow(NamedTuple):
    """One carer as a caseload list shows them: what a table model needs, no more.

    A named tuple rather than a dataclass: as light and as immutable, and made several
    times faster, which counts when a whole caseload is made after every unlock.
    """

    carer_id: str
    given_name: str
    family_name: str
    preferred_name: str | None
    district: str | None
    postcode: str | None
    town: str | None
    team: str | None
    worker: str | None
    next_review: date | None
    plan_state: PlanState
    payment_pending: bool
    sync_state: SyncState
    safeguarding: bool = False
    date_of_birth: date | None = None

    @property
    def name(self) -> str:
        return full_name(self.given_name, self.family_name)

    @property
    def display_name(self) -> str:
        return display_name(self.given_name, self.family_name, self.preferred_name)

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (fold(self.family_name), fold(self.given_name), self.carer_id)

    def review_due(self, today: date, within_days: int = REVIEW_SOON_DAYS) -> bool:
        return self.next_review is not None and self.next_review <= today + timedelta(
            days=within_days
        )


_make_row = CaseloadRow._make

_NOTHING_LINKED: tuple[date | None, PlanState, bool, tuple[str, ...]] = (
    None,
    PlanState.NONE,
    False,
    (),
)


class CaseloadFilter(StrEnum):
    """The caseload's ready-made views (DESIGN: my caseload, reviews due, …)."""

    ALL = "all"
    MINE = "mine"
    TEAM = "team"
    REVIEW_DUE = "review-due"
    PLAN_NEEDED = "plan-needed"  # no plan, incomplete, or due or overdue for review
    PAYMENT_PENDING = "payment-pending"
    NOT_SYNCED = "not-synced"
    CONFLICT = "conflict"

    @property
    def label(self) -> str:
        return _FILTER_LABELS[self]


_FILTER_LABELS = {
    CaseloadFilter.ALL: "Everyone on this laptop",
    CaseloadFilter.MINE: "My caseload",
    CaseloadFilter.TEAM: "My team",
    CaseloadFilter.REVIEW_DUE: "Review due in 30 days",
    CaseloadFilter.PLAN_NEEDED: "Plan missing or out of date",
    CaseloadFilter.PAYMENT_PENDING: "Payment request pending",
    CaseloadFilter.NOT_SYNCED: "Not synced yet",
    CaseloadFilter.CONFLICT: "Conflict to decide",
}
_NOT_SYNCED = frozenset({SyncState.NEW, SyncState.CHANGED, SyncState.SENDING, SyncState.REJECTED})


@dataclass(frozen=True)
class Viewer:
    """Who is looking, for "my caseload" and "my team"."""

    username: str | None
    team: str | None
    today: date


def matches(row: CaseloadRow, which: CaseloadFilter, viewer: Viewer) -> bool:
    match which:
        case CaseloadFilter.ALL:
            return True
        case CaseloadFilter.MINE:
            return viewer.username is not None and row.worker == viewer.username
        case CaseloadFilter.TEAM:
            return viewer.team is None or row.team == viewer.team
        case CaseloadFilter.REVIEW_DUE:
            return row.review_due(viewer.today)
        case CaseloadFilter.PLAN_NEEDED:
            return row.plan_state is not PlanState.IN_PLACE
        case CaseloadFilter.PAYMENT_PENDING:
            return row.payment_pending
        case CaseloadFilter.NOT_SYNCED:
            return row.sync_state in _NOT_SYNCED
        case CaseloadFilter.CONFLICT:
            return row.sync_state is SyncState.CONFLICT
    return True


def district_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return District(value).label
    except ValueError:
        return value


class _Fact(NamedTuple):
    """What one linked record tells the caseload row (kept instead of its payload: a
    conversation's text is never needed to list a carer). A named tuple, as the rows: one
    is made per linked record after every unlock, and a frozen dataclass took several
    times longer to make."""

    kind: str
    at: Any  # which is latest: a plan's recency, a conversation's completion date
    review: date | None = None
    plan_state: PlanState | None = None
    payment_pending: bool = False
    card_number: str | None = None


def _summary(facts: Iterable[_Fact]) -> tuple[date | None, PlanState, bool, tuple[str, ...]]:
    """(next review, plan state, payment pending, live card numbers) of one carer."""
    review, review_at = None, None
    plan, plan_at = PlanState.NONE, None
    pending, cards = False, []
    for f in facts:
        if f.kind == "conversation" and f.review is not None:
            if review_at is None or f.at >= review_at:  # the latest completed sets it
                review, review_at = f.review, f.at
        elif f.kind == "plan" and f.plan_state is not None:
            if plan_at is None or f.at > plan_at:
                plan, plan_at = f.plan_state, f.at
        elif f.kind == "payment_request":
            pending = pending or f.payment_pending
        elif f.kind == "card" and f.card_number:
            cards.append(f.card_number)
    return review, plan, pending, tuple(cards)


@contextmanager
def _bulk_decoding() -> Iterator[None]:
    """Pause the cycle collector while thousands of payloads are decoded and kept.

    Decoded JSON holds no reference cycles, but every container it creates counts towards
    the collector's thresholds, so full collections walk the growing cache again and
    again: over 20,000 carers that was a large share of the wait. Reference counting
    still frees everything as usual; the previous setting is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class CaseloadService(Service):
    """Light caseload rows, search-as-you-type over them, and an index of each carer's
    records (so opening one carer reads only that carer's records).

    Loading is in two steps so the list is usable at once: :meth:`rows` builds rows from
    the carers alone; :meth:`link` (run next, in the background) reads the carers'
    conversations, plans, requests and cards and fills the review, plan and payment
    columns. ``linked`` says whether that has happened.
    """

    def __init__(self, store: RecordStore, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(store, settings, clock)
        self.forget()

    # --- reading -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if not getattr(self.store, "is_unlocked", True):
            self.forget()
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")

    def _load(self) -> dict[str, CaseloadRow]:
        self._check_open()
        if self._rows is None:
            rows: dict[str, CaseloadRow] = {}
            with _bulk_decoding():
                # Each carer's summary (the payload cut down to what the row and the
                # search read: carer_desk.records.summaries), with its sync state, in the
                # one query: no whole carer record is opened to list them.
                for carer_id, payload, state in self.store.iter_kind_summaries("carer"):
                    rows[carer_id], self._texts[carer_id] = self._read_carer(
                        carer_id, payload, state
                    )
            self._rows = rows
        return self._rows

    def ids(self) -> list[str]:
        """Every carer id, in name order (family name, then given name)."""
        rows = self._load()
        if self._order is None:
            # Each row's sort_key, made in one pass and sorted as plain tuples: the key
            # property called per row (two folds, a lambda and a look-up each) was a
            # sixth of listing 20,000 carers. Most names are ASCII: lower() folds them.
            keys = [
                (
                    f.lower() if (f := row[2]).isascii() else fold(f),
                    g.lower() if (g := row[1]).isascii() else fold(g),
                    carer_id,
                )
                for carer_id, row in rows.items()
            ]
            keys.sort()
            self._order = [key[2] for key in keys]
        return self._order

    def rows(self) -> list[CaseloadRow]:
        """Every carer on this laptop, sorted by family name."""
        rows = self._load()
        return [rows[carer_id] for carer_id in self.ids()]

    def identities(self) -> dict[IdentityKey, str]:
        """Same folded names and date of birth -> carer id, for an import's checks."""
        return {
            (fold(r.given_name), fold(r.family_name), r.date_of_birth): carer_id
            for carer_id, r in self._load().items()
        }

    def __contains__(self, carer_id: object) -> bool:
        return carer_id in self._load()

    def row(self, carer_id: str) -> CaseloadRow | None:
        return self._load().get(carer_id)

    def link(self) -> list[CaseloadRow]:
        """Read every carer's linked records once and fill their rows' columns. Returns
        the rows again, sorted. (:meth:`link_kind` then :meth:`finish_link` do the same
        one kind at a time, so a window can answer a keystroke between them.)"""
        for kind in ROW_KINDS:
            self.link_kind(kind)
        return self.finish_link()

    def link_kind(self, kind: str) -> None:
        """Read the records of one of :data:`ROW_KINDS` and keep what the rows need of
        them (once per unlock: a later change of them arrives through :meth:`refresh`)."""
        self._load()
        if self.linked or kind in self._linked_kinds:
            return
        facts, owner, fact = self._facts, self._owner, self._fact
        with _bulk_decoding():
            for record_id, payload, _state in self.store.iter_kind_summaries(kind):
                # What _hold does, without its look-ups of an earlier owner: nothing of
                # this kind is held before it is read (refresh skips a kind not read yet).
                key = (kind, record_id)
                carer_id = payload.get("carer_id")
                if isinstance(carer_id, str):
                    held = facts.get(carer_id)
                    if held is None:
                        facts[carer_id] = held = {}
                    held[key] = fact(kind, payload)
                    owner[key] = carer_id
        self._linked_kinds.add(kind)

    def finish_link(self) -> list[CaseloadRow]:
        """Fill the rows' review, plan and payment columns from the kinds read (reading
        any not read yet), and add card numbers to the search index. Returns the rows,
        sorted."""
        self.ensure_linked()
        return self.rows()

    def records_for(self, repo: Repository, cls: type[T], kind: str, carer_id: str) -> list[T]:
        """A carer's records of one kind, read by id through the index of each carer's
        records, instead of decoding every record of the kind on the laptop (opening a
        carer with 10,000 conversations and requests beside theirs)."""
        self.ensure_linked()
        found = (repo.find(cls, rid) for rid in self.records_of(carer_id, kind))
        return [r for r in found if r is not None and getattr(r, "carer_id", None) == carer_id]

    def ensure_linked(self) -> None:
        """As :meth:`finish_link`, without sorting the rows (once per unlock)."""
        rows = self._load()
        if not self.linked:
            for kind in ROW_KINDS:
                self.link_kind(kind)
            for carer_id in self._facts:
                if carer_id in rows:
                    rows[carer_id] = self._with_links(rows[carer_id])
            self.linked = True
            if self._index is not None:
                # Built before the links (so the first keystroke need not wait for them):
                # only the carers holding a card gain words, and only they are re-entered.
                self._index.replace_many(
                    self._entry(carer_id)
                    for carer_id, facts in self._facts.items()
                    if carer_id in rows and any(f.card_number for f in facts.values())
                )

    def records_of(self, carer_id: str, kind: str) -> list[str]:
        """Ids of a carer's records of one kind (once :meth:`link` has run)."""
        return [rid for (k, rid) in self._facts.get(carer_id, {}) if k == kind]

    def search(self, query: str) -> list[str]:
        """Ids of carers matching what has been typed: name, preferred name, postcode,
        town, phone, or card number (with or without its spaces)."""
        self._load()
        return self._search_index().search(query)

    def prepare_search(self) -> None:
        """Build the search index now (in the background after unlock), so the first
        keystroke does not wait for it."""
        self._load()
        self._search_index()

    def _search_index(self) -> SearchIndex:
        if self._index is None:
            rows, texts, facts = self._load(), self._texts, self._facts
            # A carer with no linked records yet (all of them, when the index is built
            # before the links) is entered with their own texts as they are held.
            self._index = SearchIndex.from_texts(
                (cid, self._entry(cid).texts if cid in facts else texts.get(cid, ()))
                for cid in rows
            )
        return self._index

    def _entry(self, carer_id: str) -> SearchEntry:
        texts = list(self._texts.get(carer_id, ()))
        group = self.settings.cards.group_size
        for f in self._facts.get(carer_id, {}).values():
            if f.card_number:
                # As read out over the phone ("6488 1294 1587") and as typed in one run.
                texts.append(format_card_number(f.card_number, group))
        return SearchEntry(carer_id, tuple(texts))

    # --- building ----------------------------------------------------------------------

    def _hold(self, kind: str, record_id: str, payload: Mapping[str, Any] | None) -> set[str]:
        """Keep (or drop, for None) one linked record's facts; returns the carers it
        concerns (its owner before and after)."""
        key = (kind, record_id)
        owners = set()
        old = self._owner.pop(key, None)
        if old is not None:
            self._facts.get(old, {}).pop(key, None)
            owners.add(old)
        carer_id = payload.get("carer_id") if payload is not None else None
        if payload is not None and isinstance(carer_id, str):
            self._facts.setdefault(carer_id, {})[key] = self._fact(kind, payload)
            self._owner[key] = carer_id
            owners.add(carer_id)
        return owners

    def _fact(self, kind: str, payload: Mapping[str, Any]) -> _Fact:
        if kind == "conversation":
            at = payload_date(payload.get("completed_on")) or date.min
            return _Fact(kind, at, review=payload_date(payload.get("review_date")))
        if kind == "plan":
            # The same choice of "the" plan as the plan itself makes (latest_plan).
            at = plan_recency(
                str(payload.get("updated_on") or ""),
                str(payload.get("created_on") or ""),
                str(payload.get("id") or ""),
            )
            return _Fact(kind, at, plan_state=self._plan_state(payload))
        if kind == "payment_request":
            return _Fact(kind, date.min, payment_pending=payload.get("status") in _PENDING_PAYMENT)
        if kind != "card":  # a call: indexed under its carer, nothing on the row
            return _Fact(kind, date.min)
        number = payload.get("number")
        live = isinstance(number, str) and payload.get("status") != "revoked"
        return _Fact(kind, date.min, card_number=number if live else None)

    def _with_links(self, row: CaseloadRow) -> CaseloadRow:
        review, plan, pending, _cards = _summary(self._facts.get(row.carer_id, {}).values())
        # The row with its three linked columns filled: row._replace() is several times
        # slower, and this runs once per carer with records after every unlock.
        return _make_row((*row[:9], review, plan, pending, *row[12:]))

    def _plan_state(self, payload: Mapping[str, Any]) -> PlanState:
        # From the payload, by the plan's own rule: no plan is decoded to list carers.
        if plan_gaps(payload, self.settings.plans):
            return PlanState.INCOMPLETE
        today = self.clock.today()
        review = payload_date(payload.get("review_date"))
        if review is not None and review < today:
            return PlanState.OVERDUE
        if review is not None and review <= today + timedelta(
            days=self.settings.plans.reminder_days_before
        ):
            return PlanState.REVIEW_DUE
        return PlanState.IN_PLACE

    def _read_carer(
        self, carer_id: str, payload: Mapping[str, Any], state: SyncState | None
    ) -> tuple[CaseloadRow, tuple[str, ...]]:
        """A carer's row and searchable texts, from one reading of the payload (the two
        read the same names and address: one pass is run once per carer after unlock)."""
        get = payload.get
        address = get("address") or {}
        contact = get("contact") or {}
        given, family, preferred = get("given_name"), get("family_name"), get("preferred_name")
        postcode, town = address.get("postcode"), address.get("town")
        texts = (
            given,
            family,
            preferred,
            postcode,
            town,
            contact.get("phone"),
            contact.get("mobile"),
        )
        facts = self._facts.get(carer_id)
        review, plan, pending, _cards = _summary(facts.values()) if facts else _NOTHING_LINKED
        row = CaseloadRow(
            carer_id,
            str(given or ""),
            str(family or ""),
            preferred or None,
            address.get("district") or None,
            postcode or None,
            town or None,
            get("team") or None,
            get("worker") or None,
            review,
            plan,
            pending,
            state or SyncState.SYNCED,
            bool(get("safeguarding_flag")),
            payload_date(get("date_of_birth")),
        )
        return row, tuple([t for t in texts if t and isinstance(t, str)])  # a list: no generator

    # --- keeping up ---------------------------------------------------------------------

    def refresh(self, changes: Changes) -> set[str]:
        """Rebuild the rows a change touched; returns the carer ids whose rows changed."""
        if self._rows is None:
            return set()
        if changes.everything:
            self.forget()
            return set()
        touched = set(changes.ids_of("carer"))
        for kind in ROW_KINDS:
            if kind in self._linked_kinds:  # a kind not read yet is read whole later
                for record_id in changes.ids_of(kind):
                    touched |= self._hold(kind, record_id, self._fetch(kind, record_id))
        # A write on this laptop moves only the states of the records it wrote, whose rows
        # are rebuilt below: their states are read one by one. A sync (or a change that
        # names no record) may move any row's state: every carer's state is read once.
        sweep = changes.sync_states and not (
            changes.source is ChangeSource.LOCAL and changes.records
        )
        if sweep:
            states = self.store.sync_states("carer")
        else:
            states = {cid: state for cid in touched if (state := self._state(cid)) is not None}
        for carer_id in touched:
            payload = self._fetch("carer", carer_id)
            if payload is None:
                self._rows.pop(carer_id, None)
                self._texts.pop(carer_id, None)
                if self._index is not None:
                    self._index.remove(carer_id)
                continue
            self._rows[carer_id], self._texts[carer_id] = self._read_carer(
                carer_id, payload, states.get(carer_id)
            )
            if self._index is not None:
                self._index.replace(self._entry(carer_id))
        if touched:
            self._order = None  # a name may have changed, or a carer come or gone
        if sweep:  # a push moves the states of rows nobody edited
            for carer_id, row in list(self._rows.items()):
                state = states.get(carer_id)
                if state is not None and state != row.sync_state:
                    self._rows[carer_id] = row._replace(sync_state=state)
                    touched.add(carer_id)
        return touched

    def _state(self, carer_id: str) -> SyncState | None:
        try:
            return self.store.meta(carer_id).sync_state
        except NotFoundError:
            return None

    def _fetch(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        try:
            return self.store.get(kind, record_id)
        except (NotFoundError, RecordIntegrityError):
            return None

    def forget(self) -> None:
        """Drop every decrypted row, search entry and linked fact held in memory."""
        self._rows: dict[str, CaseloadRow] | None = None
        self._order: list[str] | None = None  # the ids in name order, until a row changes
        self._texts: dict[str, tuple[str, ...]] = {}  # each carer's searchable text
        self._index: SearchIndex | None = None
        self._facts: dict[str, dict[tuple[str, str], _Fact]] = {}  # carer id -> its records
        self._owner: dict[tuple[str, str], str] = {}  # (kind, id) -> carer id
        self._linked_kinds: set[str] = set()  # which of ROW_KINDS have been read
        self.linked = False

    @property
    def holds_decrypted_data(self) -> bool:
        """Whether anything decrypted is held in memory (False after :meth:`forget`)."""
        return self._rows is not None or bool(self._texts or self._facts)
