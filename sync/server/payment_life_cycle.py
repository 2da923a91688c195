"""The wellbeing-payment life cycle as the server enforces it on every push.

A laptop can send anything (a modified one, or a vault file edited without the
passphrase), so the server does not trust the request's status, its dates or who made it.
Each push of a payment request is judged as a *step* from the server's copy (or from
nothing, for a new request) to what would be stored:

=============  ===================  ==============================================
from           to                   who (by push)
=============  ===================  ==============================================
(new)          draft, submitted,    whoever may write the carer's records
               cancelled
draft          draft (an edit)      the same
draft          submitted            the same
draft          cancelled            the same
submitted      cancelled            the same
approved       cancelled            the same (the money was never paid)
approved       paid                 an administrator (``payment_steps.MARKS_PAID``)
submitted      approved, declined   nobody: only ``POST /v1/payments/{id}/decision``
=============  ===================  ==============================================

Every other step is refused, for every role: a paid, declined or cancelled request is
final (cancelling a paid request would free the cap for a second payment), and nothing
goes back to draft. A request stays with its carer, unless that carer's record is merged
into another (a merge moves the spending with it). Once a request is submitted, what it
asks for is fixed: the assessment, the amount, the purpose and outcome, the payee and
supplier, who asked and when (:data:`FIXED_AFTER_SUBMISSION`); a change of mind is a
cancellation and a new request. What a step records (the cancellation, the payment date)
may only be set by that step, and the decision's fields only by the decision endpoint.

The server stamps who asked and when each step happened (:func:`stamp_payment`), whatever
the laptop wrote: ``requested_by`` is the user who pushed the new request and never changes
afterwards (an administrator entering a paper request names who made it);
``submitted_on`` is the server's day when it first accepts the request as submitted,
``cancelled_on`` its day when it accepts the cancellation, ``paid_on`` its day when an
administrator marks the request paid, and ``decided_on`` is written by the decision
endpoint. The cap counts a request on its ``submitted_on``
(:attr:`~carer_desk.records.payment.WellbeingPaymentRequest.counted_on`), so no date a
laptop writes places a submitted request in the cap's window: a request written offline
on Monday and synced on Thursday counts from Thursday. ``requested_on`` stays the day the
worker recorded it (shown, never counted); it is bounded all the same: never after the
server's today (a day ahead is brought back to today), and a new one no more than
``payment_date_allowance_days`` before it. Amounts are whole pence above 0 and never above
the cap in force (a request above it could never be approved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from carer_desk.records.plausible_dates import FUTURE_SLACK
from carer_desk.rules.payment_cap import format_pounds
from carer_desk.rules.payment_rules import PaymentRules
from carer_desk.rules.payment_steps import MARK_PAID_REFUSAL, MARKS_PAID
from sync.protocol import Change, RecordKind, Role
from sync.server.access import Principal
from sync.server.errors import Forbidden
from sync.server.service_day import service_today
from sync.server.settings import DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS

if TYPE_CHECKING:
    from sync.server.kind_rules import Edit

DRAFT, SUBMITTED, APPROVED, DECLINED, PAID, CANCELLED = (
    "draft",
    "submitted",
    "approved",
    "declined",
    "paid",
    "cancelled",
)

#: Steps a push may take, and which roles may take them (None: any role that may write
#: the carer's records, which :mod:`sync.server.access` has already checked).
_STEPS: Mapping[tuple[str | None, str], frozenset[str] | None] = {
    (None, DRAFT): None,
    (None, SUBMITTED): None,
    # Made and cancelled on a laptop before it synced: it reaches the server cancelled.
    (None, CANCELLED): None,
    (DRAFT, DRAFT): None,
    (DRAFT, SUBMITTED): None,
    (DRAFT, CANCELLED): None,
    (SUBMITTED, SUBMITTED): None,
    (SUBMITTED, CANCELLED): None,
    (APPROVED, APPROVED): None,
    (APPROVED, CANCELLED): None,
    # Who marks a request paid is the core's rule, which the laptop applies too.
    (APPROVED, PAID): MARKS_PAID,
    (PAID, PAID): None,
    (DECLINED, DECLINED): None,
    (CANCELLED, CANCELLED): None,
}

#: What a submitted request asks for: fixed from submission on, for every role.
FIXED_AFTER_SUBMISSION = (
    "carer_id",
    "conversation_id",
    "amount_pence",
    "purpose",
    "wellbeing_outcome",
    "paid_to",
    "supplier_name",
    "requested_by",
    "requested_on",
    "submitted_on",
    "duplicate_purpose_warning",
)
#: Set only by the decision endpoint.
DECISION_FIELDS = ("decided_by", "decided_on", "decline_reason")
#: Set only by the step that records them (and fixed afterwards).
_STEP_FIELDS = {
    CANCELLED: ("cancelled_on", "cancel_reason"),
    PAID: ("paid_on",),
    SUBMITTED: ("submitted_on",),
}
#: Dates a laptop may give; each, when new or changed, must lie within the allowance.
#: (Of the steps' dates the server stamps its own; a laptop's is bounded all the same
#: where the stamp leaves it, as on a request made and cancelled before it ever synced.)
_LAPTOP_DATES = ("requested_on", "submitted_on", "cancelled_on", "paid_on")
#: The step dates the server writes: the date field, and the status whose step sets it.
STAMPED_STEP_DATES = (("submitted_on", SUBMITTED), ("cancelled_on", CANCELLED), ("paid_on", PAID))


@dataclass(frozen=True)
class PaymentPolicy:
    """What the payment rules on push need beside the record: the rules in force (the
    server's settings file) and the server's day."""

    rules: PaymentRules = field(default_factory=PaymentRules)
    today: Callable[[], date] = service_today
    date_allowance_days: int = DEFAULT_PAYMENT_DATE_ALLOWANCE_DAYS
    #: ``(absorbed carer, kept carer)`` of the merges this push records: a merge moves
    #: the absorbed carer's requests to the kept one (their spending goes with them).
    merges: frozenset[tuple[str, str]] = frozenset()


def merges_in(changes: Iterable[Change]) -> frozenset[tuple[str, str]]:
    """The carer merges a batch of changes records (its duplicate decisions)."""
    found = set()
    for change in changes:
        payload = change.payload or {}
        if change.kind != RecordKind.DUPLICATE_DECISION or payload.get("decision") != "merged":
            continue
        pair, kept = payload.get("carer_ids"), payload.get("kept_id")
        if isinstance(pair, list) and len(pair) == 2 and kept in pair:
            found.add((str(pair[1] if pair[0] == kept else pair[0]), str(kept)))
    return frozenset(found)


def _status_words(status: str | None) -> str:
    return "a new request" if status is None else f"a {status} request"


def check_step(edit: Edit) -> None:
    """The push rule for payment requests (module docstring): raises :class:`Forbidden`
    saying what is allowed instead."""
    before = edit.before
    after = edit.after
    old = before.get("status") if before is not None else None
    new = after.get("status")
    if new in (APPROVED, DECLINED) and old != new:
        raise Forbidden(
            "A wellbeing payment is approved or declined only by a payments approver's "
            "decision on the server (the cap, the budget and the four-eyes rule are checked "
            "there), never by sending the record; submit the request and the decision "
            "comes back with the next sync."
        )
    allowed = _STEPS.get((old, str(new)))
    if (old, new) not in _STEPS:
        raise Forbidden(_refusal(old, str(new)))
    if allowed is not None and edit.principal.role not in allowed:
        raise Forbidden(MARK_PAID_REFUSAL)
    before = before or {}
    moved = old is not None and after.get("carer_id") != before.get("carer_id")
    if moved and not _merged(edit, before.get("carer_id"), after.get("carer_id")):
        # Moving a request away from a carer who is still there would free their cap.
        raise Forbidden(
            "A request stays with its carer (only merging two records of one carer moves "
            "it); make a new request for the other carer."
        )
    if old is not None and old != DRAFT:
        for name in FIXED_AFTER_SUBMISSION:
            if name != "carer_id" and after.get(name) != before.get(name):
                raise Forbidden(
                    f"{name} cannot change once a request is submitted (it is "
                    f"{_status_words(old)}); cancel it and make a new request."
                )
    for name in DECISION_FIELDS:
        if after.get(name) != before.get(name):
            raise Forbidden(f"{name} is set by the payments approver's decision, not by an edit.")
    for status, names in _STEP_FIELDS.items():
        for name in names:
            if after.get(name) != before.get(name) and not (new == status and old != status):
                raise Forbidden(f"{name} is set only when the request is {status}.")
    if edit.payments is not None:
        _check_bounds(edit, before)


def _merged(edit: Edit, old: object, new: object) -> bool:
    """True when carer ``old`` was merged into ``new``: by a merge in this push, or
    before it (the absorbed carer is then deleted on the server)."""
    if edit.payments is not None and (old, new) in edit.payments.merges:
        return True
    absorbed = edit.records.get(str(old)) if isinstance(old, str) else None
    return absorbed is not None and absorbed.deleted


def _refusal(old: str | None, new: str) -> str:
    if old in (PAID, DECLINED, CANCELLED):
        return (
            f"This request is {old}, which is final; it cannot become {new}. Make a new "
            "request if one is needed."
        )
    if old is None:
        return (
            f"A new request must be a draft or submitted, not {new}; "
            "a decision comes only from a payments approver."
        )
    return f"A {old} request cannot become {new}."


def _check_bounds(edit: Edit, before: Mapping[str, Any]) -> None:
    policy = edit.payments
    assert policy is not None
    cap = policy.rules.payments.cap_pence
    amount = edit.after.get("amount_pence")
    if isinstance(amount, int) and amount > cap and amount != before.get("amount_pence"):
        raise Forbidden(
            f"A wellbeing payment request cannot be more than the {format_pounds(cap)} limit "
            f"(this one asks for {format_pounds(amount)}); lower the amount."
        )
    today = policy.today()
    earliest = today - timedelta(days=policy.date_allowance_days)
    for name in _LAPTOP_DATES:
        value = edit.after.get(name)
        if value is None or value == before.get(name):
            continue
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            continue  # the record's own validation names a malformed date
        if day > today + FUTURE_SLACK:
            raise Forbidden(
                f"{name} is {day:%d %B %Y}, after today ({today:%d %B %Y}); a request and "
                "its steps are dated when they happen. Check the laptop's date and correct it."
            )
        if day < earliest:
            raise Forbidden(
                f"{name} is {day:%d %B %Y}, more than {policy.date_allowance_days} days "
                f"before today ({today:%d %B %Y}); a request and its steps are dated when "
                "they happen. Correct the date or discard the change and make a new request."
            )


def stamp_payment(
    principal: Principal,
    existing: Mapping[str, Any] | None,
    payload: Mapping[str, Any],
    today: date,
) -> dict[str, Any]:
    """The payload as the server stores it (module docstring): ``requested_by`` is who
    pushed the new request (kept from the server's copy afterwards), never what the laptop
    wrote; an administrator cannot decide payments, so the four-eyes rule still holds.
    A step's date is the server's ``today`` when it accepts that step (the life cycle
    then keeps it fixed); a ``requested_on`` within the core's day of slack after
    ``today`` is brought back to ``today``, so no step can be dated before it (one further
    ahead is refused by :func:`check_step`)."""
    stamped = dict(payload)
    if existing is not None and "requested_by" in existing:
        stamped["requested_by"] = existing["requested_by"]
    elif existing is None and principal.role != Role.ADMIN:
        stamped["requested_by"] = principal.username
    old = existing.get("status") if existing is not None else None
    new = payload.get("status")
    for name, status in STAMPED_STEP_DATES:
        if new == status and old != status:
            stamped[name] = today.isoformat()
    requested = payload.get("requested_on")
    ahead = (today + FUTURE_SLACK).isoformat()
    if isinstance(requested, str) and today.isoformat() < requested <= ahead:
        stamped["requested_on"] = today.isoformat()
    return stamped
