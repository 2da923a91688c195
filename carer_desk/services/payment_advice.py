"""What the payment screens say about one request, in plain sentences: where the carer
stands against the cap ("£180.00 used since 3 March 2026; £120.00 left until 3 March
2027"), whether the amount typed fits, the same-purpose warning, how far this laptop's
knowledge can be trusted (it last synced N days ago), and whether the carer's assessment
still allows a payment.

Pure functions over the requests and conversations a laptop holds, so the worker's form
(as they type) and the approver's queue say the same thing by the same rules; the cap and
its "until" day come from :mod:`carer_desk.rules.payment_cap`, never worked out here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from carer_desk.config import PaymentSettings
from carer_desk.formatting import long_date, money
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.payment import PaymentPurpose, WellbeingPaymentRequest
from carer_desk.rules.payment_cap import (
    CapCheck,
    check_payment_cap,
    counted_summary,
    duplicate_purpose_warning,
    first_day_allowed,
    requires_recent_assessment,
)

# Under a day since the last sync, the laptop is taken as current (it still says that
# the office confirms at approval).
CURRENT_WITHIN_HOURS = 24


@dataclass(frozen=True, slots=True)
class _Typed:
    """The request as typed so far (not a record yet), as the same-purpose rule reads it."""

    id: str
    carer_id: str
    amount_pence: int
    status: str
    requested_on: date
    purpose: PaymentPurpose

    @property
    def counted_on(self) -> date:
        return self.requested_on  # not submitted yet: counted on the day it is typed


@dataclass(frozen=True, slots=True)
class RequestAdvice:
    """Every sentence the request form or the approver's queue shows for one request."""

    position: str  # "£180.00 used since 3 March 2026; £120.00 left until 3 March 2027."
    verdict: str  # for the amount asked: fits, or over the cap and why (each request named)
    fits: bool | None  # None while no amount is given
    counted: str  # each counted request, and drafts left out as too old
    warning: str | None  # another request for the same purpose near this one
    knowledge: str  # how current this laptop's knowledge is
    assessment_problem: str | None  # why no payment can be requested yet, or None
    remaining_pence: int
    check: CapCheck


def position_sentence(
    check: CapCheck, until: date | None, then_pence: int | None, window_months: int
) -> str:
    """ "£180.00 used since 3 March 2026; £120.00 left until 3 March 2027." """
    if not check.counted:
        return (
            f"Nothing used in the last {window_months} months: the full "
            f"{money(check.cap_pence)} can be requested."
        )
    since = min(r.counted_on for r in check.counted)
    used = f"{money(check.already_committed_pence)} used since {long_date(since)}"
    left = money(check.remaining_pence)
    if until is None:
        return f"{used}; {left} left."
    more = f" (then up to {money(then_pence)})" if then_pence is not None else ""
    return f"{used}; {left} left until {long_date(until)}{more}."


def knowledge_sentence(last_synced_at: datetime | None, now: datetime, *, enrolled: bool) -> str:
    """How far the laptop's count can be trusted: it only knows what it has synced."""
    confirm = "The office checks the cap again when it decides."
    if not enrolled:
        return (
            f"This laptop is not connected to an office: only requests on it are counted. {confirm}"
        )
    if last_synced_at is None:
        return (
            "This laptop has not synced yet, so requests made on other laptops are not "
            f"counted here. {confirm}"
        )
    hours = (now - last_synced_at).total_seconds() / 3600
    if hours < CURRENT_WITHIN_HOURS:
        return f"This laptop synced within the last day. {confirm}"
    days = int(hours // 24)
    plural = "day" if days == 1 else "days"
    return (
        f"This laptop last synced {days} {plural} ago, so it may not know everything: "
        f"requests made on other laptops since then are not counted here. {confirm}"
    )


def advise(
    *,
    carer_id: str,
    amount_pence: int | None,
    purpose: PaymentPurpose | None,
    on: date,
    requests: Sequence[WellbeingPaymentRequest],
    conversations: Sequence[GuidedConversation] | None,
    rules: PaymentSettings,
    knowledge: str,
    request_id: str | None = None,
) -> RequestAdvice:
    """The advice for a request of ``amount_pence`` (None: not typed yet) on ``on``;
    ``request_id`` names the request being checked so it is not counted twice.
    ``conversations`` None: this laptop holds none (an approver's), so the assessment is
    not judged here (the server checks it at the decision)."""
    mine = [r for r in requests if r.carer_id == carer_id]
    asked = amount_pence if amount_pence and amount_pence > 0 else 0
    common = dict(
        carer_id=carer_id,
        others=mine,
        request_id=request_id,
        cap_pence=rules.cap_pence,
        window_months=rules.window_months,
        stale_draft_days=rules.stale_draft_days,
    )
    now_check = check_payment_cap(
        amount_pence=0, requested_on=on, complete_knowledge=True, **common
    )
    until = then = None
    if now_check.remaining_pence < now_check.cap_pence:
        until = first_day_allowed(amount_pence=now_check.remaining_pence + 1, on=on, **common)
    if until is not None:
        then = check_payment_cap(
            amount_pence=0, requested_on=until, complete_knowledge=True, **common
        ).remaining_pence
    check = (
        check_payment_cap(amount_pence=asked, requested_on=on, complete_knowledge=True, **common)
        if asked
        else now_check
    )
    if not asked:
        verdict, fits = "Type the amount to check it against the limit.", None
    else:
        verdict, fits = check.message, check.allowed
    warning = None
    if purpose is not None:
        probe = _Typed(request_id or "", carer_id, asked, "draft", on, purpose)
        warning = duplicate_purpose_warning(mine, probe, rules.duplicate_purpose_days)
    assessment = (
        requires_recent_assessment(
            conversations, on, rules.assessment_valid_months, carer_id=carer_id
        )
        if conversations is not None
        else None
    )
    return RequestAdvice(
        position=position_sentence(now_check, until, then, rules.window_months),
        verdict=verdict,
        fits=fits,
        counted=counted_summary(now_check, rules.stale_draft_days),
        warning=warning,
        knowledge=knowledge,
        assessment_problem=None if assessment is None or assessment.ok else assessment.message,
        remaining_pence=now_check.remaining_pence,
        check=check,
    )
