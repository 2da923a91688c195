"""The wellbeing-payment cap: up to £300 for a carer in any 12-month period.

What counts: every request for the carer that is not declined or cancelled — drafts and
requests waiting for a decision included, so two requests in flight cannot together go
over the cap. The request being checked is left out by id (it is the amount being asked
about), so re-checking an edited draft, or checking at approval, does not count it twice.

The window: "any 12-month period" is rolling. A request counts on its *cap date*
(:attr:`PaymentLike.counted_on`): the day the server accepted it as submitted, which the
server stamps itself (``submitted_on``), or, for a draft not yet submitted, the day it was
recorded (``requested_on``). A date a laptop writes therefore never places a submitted
request in a window: a request written offline on Monday and synced on Thursday counts
on Thursday (docs/rules.md). A request dated D counts the requests dated
after D less 12 months, up to D: for D = 15 March 2025 that is 16 March 2024 to 15 March
2025, both inclusive, so a request exactly 12 months after another is a fresh period.
Months are whole calendar months, clamped at month ends (see
:func:`carer_desk.rules.financial_year.add_months`).

Because requests can be recorded out of date order (a laptop syncs late, a draft is
back-dated), a new request must also fit every later 12-month period it falls in, not only
the one ending on its own date; otherwise a later, already-counted request could end up in
a window that is over the cap. The check takes the fullest of those periods.

Two callers: a laptop (advisory, may not have every request synced: pass
``complete_knowledge=False`` and the message says so) and the server at approval
(authoritative).

Nothing counts silently: the message names each counted request with its status and date.
A draft older than ``stale_draft_days`` (``payments.stale_draft_days``) stops counting —
a forgotten draft must not block a carer — and is listed for the worker to submit or
cancel. When a request does not fit, :attr:`CapCheck.allowed_from` is the first day a
request of that size would (:func:`first_day_allowed`): the window rule followed exactly,
so money from a request on 29 February 2024 frees on 1 March 2025, not 28 February.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.formatting import long_date, money
from carer_desk.formatting import money as format_pounds  # noqa: F401  (sync.server's import)
from carer_desk.rules.financial_year import add_months

log = logging.getLogger(__name__)

DEFAULT_CAP_PENCE = 30_000
DEFAULT_WINDOW_MONTHS = 12
DEFAULT_ASSESSMENT_VALID_MONTHS = 12
DEFAULT_DUPLICATE_PURPOSE_DAYS = 90

# The only statuses that free up the cap again. Values match PaymentStatus, a StrEnum,
# so its members compare equal to these strings.
NOT_COUNTED_STATUSES = frozenset({"declined", "cancelled"})

LAPTOP_CAVEAT = "This is based on what this laptop knows; the office will confirm at approval."


class PaymentLike(Protocol):
    """The fields of a wellbeing payment request the cap reads."""

    @property
    def id(self) -> str: ...
    @property
    def carer_id(self) -> str: ...
    @property
    def amount_pence(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def requested_on(self) -> date: ...
    @property
    def counted_on(self) -> date: ...
    @property
    def purpose(self) -> str: ...


class ConversationLike(Protocol):
    """The fields of a guided conversation the assessment rule reads."""

    @property
    def carer_id(self) -> str: ...
    @property
    def completed_on(self) -> date | None: ...
    @property
    def assessment_completed(self) -> bool: ...


def counts_towards_cap(status: str) -> bool:
    """Whether a request in this status uses up part of the carer's cap."""
    return status not in NOT_COUNTED_STATUSES


def is_stale_draft(request: PaymentLike, on: date, stale_draft_days: int | None) -> bool:
    """A draft dated more than ``stale_draft_days`` before ``on`` (None: never stale)."""
    return (
        stale_draft_days is not None
        and request.status == "draft"
        and (on - request.counted_on).days > stale_draft_days
    )


@dataclass(frozen=True)
class CountedRequest:
    """One request the cap check counted (or left out as a stale draft), as a message
    names it."""

    id: str
    amount_pence: int
    status: str
    counted_on: date  # the cap date the window used

    @classmethod
    def of(cls, request: PaymentLike) -> CountedRequest:
        return cls(request.id, request.amount_pence, str(request.status), request.counted_on)

    def describe(self) -> str:
        """ "£100.00 waiting for a decision, dated 10 February 2025" """
        status = _status_words(self.status)
        return f"{money(self.amount_pence)} {status}, dated {long_date(self.counted_on)}"


def _status_words(status: str) -> str:
    return {
        "draft": "draft (not yet submitted)",
        "submitted": "waiting for a decision",
        "approved": "approved",
        "paid": "paid",
    }.get(str(status), str(status))


@dataclass(frozen=True)
class CapCheck:
    """The answer to "can this carer be given this amount on this date?"."""

    allowed: bool
    amount_pence: int
    cap_pence: int
    already_committed_pence: int  # counted requests in the fullest window the date is in
    remaining_pence: int  # what could still be requested (never below 0)
    window_start: date  # first day of that window (inclusive)
    window_end: date  # last day of that window (inclusive)
    counted_request_ids: tuple[str, ...]
    message: str
    complete_knowledge: bool
    counted: tuple[CountedRequest, ...] = ()  # the counted requests, oldest first
    stale_drafts: tuple[CountedRequest, ...] = ()  # old drafts left out: submit or cancel
    # When refused: the first day a request of this size would be allowed (None when it
    # never would: more than the cap).
    allowed_from: date | None = None

    def raise_if_refused(self) -> None:
        """For the server at approval: refusing is a rule violation, not advice."""
        if not self.allowed:
            raise RuleViolation(self.message)


def _window_for(end: date, window_months: int) -> tuple[date, date]:
    """First and last day (inclusive) of the window that ends on ``end``."""
    return add_months(end, -window_months) + timedelta(days=1), end


def _validate(amount_pence: int, cap_pence: int, window_months: int) -> None:
    problems: list[tuple[str, str]] = []
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence < 0:
        problems.append(("amount_pence", "enter the amount as a whole number of pence, 0 or more"))
    if isinstance(cap_pence, bool) or not isinstance(cap_pence, int) or cap_pence <= 0:
        problems.append(("payments.cap_pence", "the payment cap must be more than £0"))
    if not isinstance(window_months, int) or window_months < 1:
        problems.append(("payments.window_months", "the cap window must be at least 1 month"))
    if problems:
        raise ValidationError(problems)


def _drop_day(requested_on: date, window_months: int) -> date:
    """The first day whose window no longer holds a request dated ``requested_on``: the
    smallest D with ``add_months(D, -window) >= requested_on`` (so 29 February 2024 drops
    out on 1 March 2025, because the window ending 28 February 2025 starts on 29 February
    2024)."""
    day = add_months(requested_on, window_months)
    while add_months(day, -window_months) < requested_on:
        day += timedelta(days=1)
    return day


class _Tally(NamedTuple):
    committed: int
    start: date
    end: date
    inside: tuple[PaymentLike, ...]
    stale: tuple[PaymentLike, ...]


def _tally(
    carer_id: str,
    requested_on: date,
    others: Sequence[PaymentLike],
    request_id: str | None,
    window_months: int,
    stale_draft_days: int | None,
) -> _Tally:
    """The fullest window a request dated ``requested_on`` falls in."""
    mine = [r for r in others if r.carer_id == carer_id and r.id != request_id]
    live = [r for r in mine if counts_towards_cap(r.status)]
    counted = sorted(
        (r for r in live if not is_stale_draft(r, requested_on, stale_draft_days)),
        key=lambda r: (r.counted_on, r.id),
    )
    # Candidate windows: the one ending on the new date, and each one ending on a later
    # request's date that still reaches back to the new date. Totals only change at
    # request dates, so these are the only windows whose fullness can differ.
    ends = [requested_on]
    ends.extend(
        r.counted_on
        for r in counted
        if r.counted_on > requested_on
        and _window_for(r.counted_on, window_months)[0] <= requested_on
    )
    best: _Tally | None = None
    for end in sorted(set(ends)):
        start, _ = _window_for(end, window_months)
        inside = tuple(r for r in counted if start <= r.counted_on <= end)
        total = sum(r.amount_pence for r in inside)
        if best is None or total > best.committed:
            best = _Tally(total, start, end, inside, ())
    assert best is not None  # the window ending on the new date is always a candidate
    start, end = _window_for(requested_on, window_months)
    stale = tuple(
        sorted(
            (
                r
                for r in live
                if start <= r.counted_on <= end
                and is_stale_draft(r, requested_on, stale_draft_days)
            ),
            key=lambda r: (r.counted_on, r.id),
        )
    )
    return best._replace(stale=stale)


def first_day_allowed(
    *,
    carer_id: str,
    amount_pence: int,
    on: date,
    others: Iterable[PaymentLike],
    request_id: str | None = None,
    cap_pence: int = DEFAULT_CAP_PENCE,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    stale_draft_days: int | None = None,
) -> date | None:
    """The first day from ``on`` on which a request of ``amount_pence`` for the carer
    fits the cap, by exactly the rule :func:`check_payment_cap` applies; None when it
    never would (more than the cap).

    The answer only relaxes on the day a counted request leaves the window, the day after
    a later request's own window stops applying, or the day a draft goes stale; between
    those days it can only tighten. So the first allowed day is one of them (or ``on``).
    """
    _validate(amount_pence, cap_pence, window_months)
    if amount_pence > cap_pence:
        return None
    mine = [r for r in others if r.carer_id == carer_id and r.id != request_id]
    candidates = {on}
    for r in mine:
        if not counts_towards_cap(r.status):
            continue
        candidates.add(_drop_day(r.counted_on, window_months))
        candidates.add(r.counted_on + timedelta(days=1))
        if stale_draft_days is not None and r.status == "draft":
            candidates.add(r.counted_on + timedelta(days=stale_draft_days + 1))
    for day in sorted(d for d in candidates if d >= on):
        tally = _tally(carer_id, day, mine, request_id, window_months, stale_draft_days)
        if amount_pence <= max(0, cap_pence - tally.committed):
            return day
    raise AssertionError("a request within the cap always fits once every request drops out")


def check_payment_cap(
    *,
    carer_id: str,
    amount_pence: int,
    requested_on: date,
    others: Iterable[PaymentLike],
    request_id: str | None = None,
    cap_pence: int = DEFAULT_CAP_PENCE,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    complete_knowledge: bool = True,
    stale_draft_days: int | None = None,
) -> CapCheck:
    """Check ``amount_pence`` for ``carer_id`` on ``requested_on`` against the cap.

    ``others`` may hold any requests (other carers' are ignored); the one with
    ``request_id`` is left out. An ``amount_pence`` of 0 asks only how much is left.
    ``stale_draft_days`` leaves out drafts older than that many days on ``requested_on``
    (None: every draft counts).
    """
    _validate(amount_pence, cap_pence, window_months)
    others = list(others)
    tally = _tally(carer_id, requested_on, others, request_id, window_months, stale_draft_days)
    committed = tally.committed
    remaining = max(0, cap_pence - committed)
    allowed = amount_pence <= remaining
    counted = tuple(CountedRequest.of(r) for r in tally.inside)
    stale = tuple(CountedRequest.of(r) for r in tally.stale)
    allowed_from = (
        None
        if allowed
        else first_day_allowed(
            carer_id=carer_id,
            amount_pence=amount_pence,
            on=requested_on,
            others=others,
            request_id=request_id,
            cap_pence=cap_pence,
            window_months=window_months,
            stale_draft_days=stale_draft_days,
        )
    )
    message = _cap_message(
        allowed, amount_pence, cap_pence, committed, remaining, tally.start, tally.end, counted
    )
    if not allowed and allowed_from is not None and allowed_from > requested_on:
        message += f" A request of {money(amount_pence)} fits from {long_date(allowed_from)}."
    if stale:
        message += " " + _stale_sentence(stale, stale_draft_days)
    if not complete_knowledge:
        message = f"{message} {LAPTOP_CAVEAT}"
    log.debug("cap check: allowed=%s counted=%d requests", allowed, len(counted))
    return CapCheck(
        allowed=allowed,
        amount_pence=amount_pence,
        cap_pence=cap_pence,
        already_committed_pence=committed,
        remaining_pence=remaining,
        window_start=tally.start,
        window_end=tally.end,
        counted_request_ids=tuple(r.id for r in counted),
        message=message,
        complete_knowledge=complete_knowledge,
        counted=counted,
        stale_drafts=stale,
        allowed_from=allowed_from if not allowed else None,
    )


def _stale_sentence(stale: tuple[CountedRequest, ...], days: int | None) -> str:
    listed = "; ".join(r.describe() for r in stale)
    if len(stale) == 1:
        return f"Not counted: {listed}, more than {days} days old; submit it or cancel it."
    return f"Not counted, as more than {days} days old: {listed}; submit or cancel them."


def counted_summary(check: CapCheck, stale_draft_days: int | None) -> str:
    """Each request a check counted, and each old draft it left out, as sentences."""
    parts = []
    if check.counted:
        parts.append("Counted: " + "; ".join(r.describe() for r in check.counted) + ".")
    if check.stale_drafts:
        parts.append(_stale_sentence(check.stale_drafts, stale_draft_days))
    return " ".join(parts)


def check_request_cap(
    request: PaymentLike,
    others: Iterable[PaymentLike],
    *,
    cap_pence: int = DEFAULT_CAP_PENCE,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    complete_knowledge: bool = True,
    stale_draft_days: int | None = None,
) -> CapCheck:
    """:func:`check_payment_cap` for an existing request (left out of ``others`` by id)."""
    return check_payment_cap(
        carer_id=request.carer_id,
        amount_pence=request.amount_pence,
        requested_on=request.counted_on,
        others=others,
        request_id=request.id,
        cap_pence=cap_pence,
        window_months=window_months,
        complete_knowledge=complete_knowledge,
        stale_draft_days=stale_draft_days,
    )


def _cap_message(
    allowed: bool,
    amount: int,
    cap: int,
    committed: int,
    remaining: int,
    start: date,
    end: date,
    counted: tuple[CountedRequest, ...],
) -> str:
    period = f"from {long_date(start)} to {long_date(end)}"
    count = len(counted)
    if count == 0:
        already = f"nothing else is counted {period}"
    else:
        plural = "request" if count == 1 else "requests"
        listed = "; ".join(r.describe() for r in counted)
        already = f"{money(committed)} is already counted in {count} {plural} {period} ({listed})"
    if amount == 0:
        return f"{money(remaining)} of the {money(cap)} limit is left; {already}."
    if allowed:
        return (
            f"{money(amount)} is within the {money(cap)} limit: {already}, "
            f"leaving {money(remaining - amount)} after this request."
        )
    if remaining == 0:
        return (
            f"{money(amount)} cannot be given: {already}, so none of the "
            f"{money(cap)} limit is left for this period."
        )
    return (
        f"{money(amount)} is more than the {money(remaining)} left of the "
        f"{money(cap)} limit: {already}. The most that can be requested is "
        f"{money(remaining)}."
    )


# --- the assessment a payment follows from ------------------------------------------


class AssessmentCheck(NamedTuple):
    ok: bool
    message: str


def requires_recent_assessment(
    conversations: Iterable[ConversationLike],
    on: date,
    valid_months: int = DEFAULT_ASSESSMENT_VALID_MONTHS,
    carer_id: str | None = None,
) -> AssessmentCheck:
    """A payment on ``on`` needs a carer's assessment completed within ``valid_months``
    before it (same window convention as the cap: completed on 15 March 2024, it is valid
    up to 14 March 2025). Pass ``carer_id`` to ignore other carers' conversations."""
    earliest, _ = _window_for(on, valid_months)
    completed = [
        c.completed_on
        for c in conversations
        if (carer_id is None or c.carer_id == carer_id)
        and c.assessment_completed
        and c.completed_on is not None
        and c.completed_on <= on
    ]
    if not completed:
        return AssessmentCheck(
            False,
            "This carer has no completed carer's assessment; complete stage 3 of a guided "
            "conversation before requesting a wellbeing payment.",
        )
    latest = max(completed)
    if latest < earliest:
        return AssessmentCheck(
            False,
            f"This carer's last assessment was completed on {long_date(latest)}, more than "
            f"{valid_months} months before {long_date(on)}; review the assessment before "
            "requesting a wellbeing payment.",
        )
    return AssessmentCheck(True, f"Assessment completed on {long_date(latest)} is current.")


# --- the same purpose twice ---------------------------------------------------------


def _purpose_label(purpose: str) -> str:
    label = getattr(purpose, "label", None)
    return str(label) if label else str(purpose).replace("_", " ")


def duplicate_purpose_warning(
    requests: Sequence[PaymentLike] | Iterable[PaymentLike],
    new: PaymentLike,
    days: int = DEFAULT_DUPLICATE_PURPOSE_DAYS,
) -> str | None:
    """A warning (never a refusal) when the carer has another request for the same
    purpose within ``days`` days either side of ``new``; ``None`` when there is none.
    Declined and cancelled requests are not counted, as for the cap. Requests are
    compared on the day the cap counts them (:attr:`PaymentLike.counted_on`: the server's
    day of submission where known, else the day a draft was recorded), so a laptop's date
    neither hides a second request nor invents one."""
    near = [
        r
        for r in requests
        if r.carer_id == new.carer_id
        and r.id != new.id
        and r.purpose == new.purpose
        and counts_towards_cap(r.status)
        and abs((r.counted_on - new.counted_on).days) <= days
    ]
    if not near:
        return None
    closest = min(near, key=lambda r: (abs((r.counted_on - new.counted_on).days), r.id))
    gap = (new.counted_on - closest.counted_on).days
    when = (
        "on the same day"
        if gap == 0
        else f"{abs(gap)} day{'s' if abs(gap) != 1 else ''} {'before' if gap > 0 else 'after'}"
        " this one"
    )
    status = getattr(closest.status, "label", closest.status)
    others = f" (and {len(near) - 1} more)" if len(near) > 1 else ""
    return (
        f"This carer already has a request for “{_purpose_label(new.purpose)}” dated "
        f"{long_date(closest.counted_on)}, {when} ({money(closest.amount_pence)}, "
        f"{str(status).lower()}){others}. Check it is not a duplicate before going ahead."
    )
