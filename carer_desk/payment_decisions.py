"""An approver's decision as the office server answers it (the window's side of
``POST /v1/payments/{id}/decision``): Qt-free and sync-free, so the core's port can name it.

The server is the only place a decision is made (it holds every request, the budget and
the assessments); a laptop never records an approval by itself. A refusal — over the cap,
over the budget, no recent assessment, already decided — comes back as the server's own
sentence, which the window shows as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from carer_desk.errors import RuleViolation
from carer_desk.sync_status import SyncReport

DECLINE_REASON_MAX = 2_000  # the server's limit on a reason


class DecisionRefused(RuleViolation):
    """The server refused the decision; ``str()`` is its reason, for the approver."""


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    payment_id: str
    status: str  # "approved" | "declined"
    message: str  # the server's sentence: what was decided, and the cap after it
    remaining_pence: int  # of the carer's cap, after the decision
    budget_remaining_pence: int  # of the financial year's budget, after the decision
    #: The sync that brought the decided request to this laptop; None when it could not
    #: run (the decision stands on the server all the same, and arrives at the next sync).
    report: SyncReport | None = None
