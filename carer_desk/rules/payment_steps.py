"""Who takes which step of a wellbeing payment's life cycle (BRIEF §1 and §3).

One table, read by the laptop (:class:`~carer_desk.services.payments.PaymentService`
refuses the step with the sentence below before anything is saved) and by the server (the
push rule of :mod:`sync.server.payment_life_cycle` and the decision endpoint refuse it with
the same sentence), so the two can never disagree about who may do what.

* The **payments approver** (a team manager) decides: approves or declines a submitted
  request against the cap and the budget.
* The **office's administrator** (the service manager, who makes the payment) records that
  an approved request has been paid. An approver decides but never marks paid, so the
  person who authorises the money is not the one who records it leaving.
"""

from __future__ import annotations

from carer_desk.errors import RuleViolation
from carer_desk.roles import Role

#: Roles that approve or decline a submitted request.
DECIDES = frozenset({Role.PAYMENTS_APPROVER})
#: Roles that mark an approved request paid.
MARKS_PAID = frozenset({Role.ADMIN})

DECIDE_REFUSAL = "Only a payments approver can approve or decline a wellbeing payment."
MARK_PAID_REFUSAL = (
    "Only an administrator (the office, who makes the payment) can mark a wellbeing "
    "payment as paid; a payments approver decides, and the office records the payment."
)


def may_decide(role: str) -> bool:
    return role in DECIDES


def may_mark_paid(role: str) -> bool:
    return role in MARKS_PAID


def require_may_mark_paid(role: str) -> None:
    """Raise :class:`RuleViolation` with :data:`MARK_PAID_REFUSAL` unless ``role`` may."""
    if not may_mark_paid(role):
        raise RuleViolation(MARK_PAID_REFUSAL)
