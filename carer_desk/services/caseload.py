"""The caseload as a list shows it: one light row per carer, built straight from the
decrypted payloads (no full record is built or validated to list 20,000 carers), with
what the row needs from the carer's conversations, plans, payment requests and cards.

Rows and the search index live in memory after unlock and are dropped by ``forget()``
(the session calls it on lock). ``refresh(changes)`` rebuilds only the carers a change
touched, so a pull of one colleague's edit does not rebuild the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from carer_desk.changes import Changes
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError, RecordIntegrityError, VaultLocked
from carer_desk.ports import RecordStore, SyncState
from carer_desk.records.codec import from_payload
from carer_desk.records.common import District
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.clock import SYSTEM_CLOCK, ClockLike
from carer_desk.services.search import SearchEntry, SearchIndex, fold

# Kinds whose records change a carer's row (besides the carer itself).
ROW_KINDS = ("conversation", "plan", "payment_request", "card")
REVIEW_SOON_DAYS = 30
# A request still being written or waiting for a decision.
_PENDING_PAYMENT = frozenset({"draft", "submitted"})


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


@dataclass(frozen=True, slots=True)
class CaseloadRow:
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

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (fold(self.family_name), fold(self.given_name), self.carer_id)

    def review_due(self, today: date, within_days: int = REVIEW_SOON_DAYS) -> bool:
        return self.next_review is not None and self.next_review <= today + timedelta(
            days=within_days
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


@dataclass
class _Linked:
    """What a carer's other records contribute to the row."""

    review: date | None = None
    review_from: date | None = None  # completion date of the conversation it came from
    plan_state: PlanState = PlanState.NONE
    plan_at: date | None = None
    payment_pending: bool = False
    card_numbers: tuple[str, ...] = ()


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


class CaseloadService:
    """Light caseload rows and search-as-you-type over them."""

    def __init__(
        self, store: RecordStore, settings: Settings, clock: ClockLike = SYSTEM_CLOCK
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self._rows: dict[str, CaseloadRow] | None = None
        self._index: SearchIndex | None = None
        self._payloads: dict[str, Mapping[str, Any]] = {}
        self._linked: dict[str, _Linked] = {}
        # A carer's conversations, plans, requests and cards, and whose each record is.
        self._records: dict[str, dict[tuple[str, str], Mapping[str, Any]]] = {}
        self._owner: dict[tuple[str, str], str] = {}

    # --- reading -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if not getattr(self.store, "is_unlocked", True):
            self.forget()
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")

    def _load(self) -> dict[str, CaseloadRow]:
        self._check_open()
        if self._rows is None:
            self._payloads = dict(self.store.iter_kind("carer"))
            self._linked = self._link_all()
            states = self.store.sync_states("carer")
            self._rows = {
                cid: self._row(cid, payload, states.get(cid, SyncState.SYNCED))
                for cid, payload in self._payloads.items()
            }
            self._index = None
        return self._rows

    def rows(self) -> list[CaseloadRow]:
        """Every carer on this laptop, sorted by family name."""
        return sorted(self._load().values(), key=lambda r: r.sort_key)

    def row(self, carer_id: str) -> CaseloadRow | None:
        return self._load().get(carer_id)

    def search(self, query: str) -> list[str]:
        """Ids of carers matching what has been typed: name, preferred name, postcode,
        town, phone, or card number (with or without its spaces)."""
        rows = self._load()
        if self._index is None:
            self._index = SearchIndex.build(self._entry(cid) for cid in rows)
        return self._index.search(query)

    def _entry(self, carer_id: str) -> SearchEntry:
        payload = self._payloads.get(carer_id) or {}
        address = payload.get("address") or {}
        contact = payload.get("contact") or {}
        texts = [
            payload.get("given_name"),
            payload.get("family_name"),
            payload.get("preferred_name"),
            address.get("postcode"),
            address.get("town"),
            contact.get("phone"),
            contact.get("mobile"),
        ]
        linked = self._linked.get(carer_id)
        if linked is not None:
            # As read out over the phone ("6488 1294 1587") and as typed in one run.
            group = self.settings.cards.group_size
            texts.extend(format_card_number(n, group) for n in linked.card_numbers)
        return SearchEntry(carer_id, tuple(t for t in texts if isinstance(t, str) and t))

    # --- building ----------------------------------------------------------------------

    def _link_all(self) -> dict[str, _Linked]:
        self._records = {}
        self._owner = {}
        for kind in ROW_KINDS:
            for record_id, payload in self.store.iter_kind(kind):
                self._hold(kind, record_id, payload)
        return {carer_id: self._link(carer_id) for carer_id in self._records}

    def _hold(self, kind: str, record_id: str, payload: Mapping[str, Any] | None) -> set[str]:
        """Keep (or drop, for None) one linked record; returns the carers it concerns."""
        key = (kind, record_id)
        owners = set()
        old = self._owner.pop(key, None)
        if old is not None:
            self._records.get(old, {}).pop(key, None)
            owners.add(old)
        carer_id = payload.get("carer_id") if payload is not None else None
        if isinstance(carer_id, str):
            self._records.setdefault(carer_id, {})[key] = payload
            self._owner[key] = carer_id
            owners.add(carer_id)
        return owners

    def _link(self, carer_id: str) -> _Linked:
        link = _Linked()
        for (kind, _rid), payload in self._records.get(carer_id, {}).items():
            self._add_link(link, kind, payload)
        return link

    def _add_link(self, link: _Linked, kind: str, payload: Mapping[str, Any]) -> None:
        if kind == "conversation":
            completed = _day(payload.get("completed_on"))
            review = _day(payload.get("review_date"))
            # The latest completed conversation sets the next review.
            if review is not None and (
                link.review_from is None or (completed or date.min) >= link.review_from
            ):
                link.review, link.review_from = review, completed or date.min
        elif kind == "plan":
            at = _day(payload.get("updated_on")) or _day(payload.get("created_on")) or date.min
            if link.plan_at is None or at >= link.plan_at:
                link.plan_state, link.plan_at = self._plan_state(payload), at
        elif kind == "payment_request":
            if payload.get("status") in _PENDING_PAYMENT:
                link.payment_pending = True
        elif kind == "card":
            number = payload.get("number")
            if isinstance(number, str) and payload.get("status") != "revoked":
                link.card_numbers = (*link.card_numbers, number)

    def _plan_state(self, payload: Mapping[str, Any]) -> PlanState:
        try:
            plan = from_payload("plan", dict(payload))
        except Exception:  # a plan that does not read is shown as one to look at
            return PlanState.INCOMPLETE
        if plan.missing_sections(self.settings.plans):
            return PlanState.INCOMPLETE
        today = self.clock.today()
        review = plan.review_date
        if review is not None and review < today:
            return PlanState.OVERDUE
        if review is not None and plan.is_due_for_review(
            today + timedelta(days=self.settings.plans.reminder_days_before)
        ):
            return PlanState.REVIEW_DUE
        return PlanState.IN_PLACE

    def _row(self, carer_id: str, payload: Mapping[str, Any], state: SyncState) -> CaseloadRow:
        address = payload.get("address") or {}
        link = self._linked.get(carer_id) or _Linked()
        return CaseloadRow(
            carer_id=carer_id,
            given_name=str(payload.get("given_name") or ""),
            family_name=str(payload.get("family_name") or ""),
            preferred_name=payload.get("preferred_name") or None,
            district=address.get("district") or None,
            postcode=address.get("postcode") or None,
            town=address.get("town") or None,
            team=payload.get("team") or None,
            worker=payload.get("worker") or None,
            next_review=link.review,
            plan_state=link.plan_state,
            payment_pending=link.payment_pending,
            sync_state=state,
            safeguarding=bool(payload.get("safeguarding_flag")),
        )

    # --- keeping up --------------------------------------------------------------------

    def refresh(self, changes: Changes) -> set[str]:
        """Rebuild the rows a change touched; returns the carer ids whose rows changed."""
        if self._rows is None:
            return set()
        if changes.everything:
            self.forget()
            return set()
        touched = set(changes.ids_of("carer"))
        for kind in ROW_KINDS:
            for record_id in changes.ids_of(kind):
                touched |= self._hold(kind, record_id, self._fetch(kind, record_id))
        states = self.store.sync_states("carer") if (touched or changes.sync_states) else {}
        for carer_id in touched:
            payload = self._fetch("carer", carer_id)
            if payload is None:
                self._rows.pop(carer_id, None)
                self._payloads.pop(carer_id, None)
                self._linked.pop(carer_id, None)
                if self._index is not None:
                    self._index.remove(carer_id)
                continue
            self._payloads[carer_id] = payload
            self._linked[carer_id] = self._link(carer_id)
            state = states.get(carer_id, SyncState.SYNCED)
            self._rows[carer_id] = self._row(carer_id, payload, state)
            if self._index is not None:
                self._index.replace(self._entry(carer_id))
        if changes.sync_states:  # a push moves the states of rows nobody edited
            for carer_id, row in list(self._rows.items()):
                state = states.get(carer_id)
                if state is not None and state != row.sync_state:
                    self._rows[carer_id] = replace(row, sync_state=state)
                    touched.add(carer_id)
        return touched

    def _fetch(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        try:
            return self.store.get(kind, record_id)
        except (NotFoundError, RecordIntegrityError):
            return None

    def forget(self) -> None:
        self._rows = None
        self._index = None
        self._payloads = {}
        self._linked = {}
        self._records = {}
        self._owner = {}
