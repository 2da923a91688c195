"""Who may read and write which records, decided on the server for every record.

The rules (BRIEF §1, §5 and issue 3):

* **outreach worker** — their team's caseload: carers whose ``team`` is theirs and every
  record linked to those carers (conversations, payment requests, plans, cards,
  attendance). They may create and edit those; payment *decisions* are not theirs. A
  possible-duplicate decision (merge or keep apart) is theirs when BOTH carers are in
  their team's caseload; a pair across teams is for an administrator.
* **group facilitator** — the groups they run, those groups' sessions, attendance and
  members, and of each carer on those registers only the register fields (``register_entry``).
  They may add a newcomer carer (create only) and keep their groups' registers.
* **payments approver** — every payment request, and what deciding one needs: the
  carer's display name and date of last completed assessment (``carer_summary``) and the
  carer's other requests. Decisions go through ``POST /v1/payments/{id}/decision``; they
  push nothing.
* **emergency operator** — nothing by pull or push: only the card look-up.
* **admin** — everything.

Kept free of I/O: callers pass the records involved, and get a :class:`Forbidden` with
a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.protocol import Op, RecordKind, Role
from sync.server.errors import Forbidden
from sync.server.store import Ownership, PullScope

#: Kinds linked to one carer through a ``carer_id`` field.
CARER_LINKED_KINDS = frozenset(
    {
        RecordKind.CONVERSATION,
        RecordKind.PAYMENT_REQUEST,
        RecordKind.PLAN,
        RecordKind.CARD,
        RecordKind.ATTENDANCE,
        RecordKind.GROUP_MEMBER,
    }
)
WORKER_KINDS = frozenset({RecordKind.CARER, RecordKind.DUPLICATE_DECISION} | CARER_LINKED_KINDS)
FACILITATOR_KINDS = frozenset(
    {RecordKind.GROUP, RecordKind.SESSION, RecordKind.ATTENDANCE, RecordKind.GROUP_MEMBER}
)

#: Payment fields only the decision endpoint (or an admin) may set.
DECISION_FIELDS = ("decided_by", "decided_on", "decline_reason")
DECIDED_STATUSES = frozenset({"approved", "declined", "paid"})


@dataclass(frozen=True)
class Principal:
    """The person behind an authenticated device."""

    username: str
    role: Role
    team: str | None
    device_id: str


def pull_scope(principal: Principal) -> PullScope:
    match principal.role:
        case Role.ADMIN:
            return PullScope(everything=True)
        case Role.OUTREACH_WORKER:
            if principal.team is None:
                return PullScope()
            return PullScope(team=principal.team, team_kinds=frozenset(map(str, WORKER_KINDS)))
        case Role.GROUP_FACILITATOR:
            return PullScope(facilitator=principal.username)
        case Role.PAYMENTS_APPROVER:
            return PullScope(approver=True)
    raise Forbidden(
        "Emergency line operators look plans up by card number only; they do not sync records."
    )


def authorise_write(
    principal: Principal,
    kind: str,
    op: Op,
    existing: Ownership | None,
    new: Ownership,
    *,
    group_owner: str | None = None,
) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may make this change.

    ``existing`` is the ownership of the server's copy (None when the record is new);
    ``new`` the ownership the change would give it; ``group_owner`` the facilitator of the
    group a session or attendance belongs to.
    """
    role = principal.role
    if role == Role.ADMIN:
        return
    if role == Role.OUTREACH_WORKER:
        if kind not in WORKER_KINDS:
            raise Forbidden(f"Outreach workers cannot change {kind} records.")
        team = principal.team
        if team is None:
            raise Forbidden("Your account has no team; ask an administrator to set one.")
        if existing is not None and existing.team != team:
            raise Forbidden(f"This {kind} record is not in your team's caseload ({team}).")
        if new.team != team:
            if kind == RecordKind.DUPLICATE_DECISION:
                raise Forbidden(
                    f"Both carers of a duplicate decision must be in your team's caseload "
                    f"({team}) on the server. Sync them first, or ask an administrator to "
                    "decide a pair across teams."
                )
            if kind == RecordKind.CARER:
                raise Forbidden(
                    f"A carer you add or edit must be in your team ({team}); set the team."
                )
            raise Forbidden(
                f"The carer this {kind} belongs to ({new.carer_id}) is not in your team's "
                "caseload on the server. Sync the carer first, or ask the office."
            )
        return
    if role == Role.GROUP_FACILITATOR:
        if kind == RecordKind.CARER:
            if existing is None and op == Op.UPSERT:
                return  # a newcomer met at a group, with minimal details
            raise Forbidden(
                "Group facilitators can add a newcomer but cannot change a carer's record."
            )
        if kind not in FACILITATOR_KINDS:
            raise Forbidden(f"Group facilitators cannot change {kind} records.")
        if kind == RecordKind.GROUP:
            if existing is not None and existing.owner != principal.username:
                raise Forbidden("This group is run by another facilitator.")
            if new.owner != principal.username:
                raise Forbidden("Set yourself as the facilitator of a group you add or edit.")
            return
        if group_owner != principal.username:
            raise Forbidden(
                f"This {kind} belongs to a group you do not run, or its group or session "
                "is not on the server yet."
            )
        return
    if role == Role.PAYMENTS_APPROVER:
        raise Forbidden(
            "Payments approvers decide requests with the decision action; they do not push "
            "record changes."
        )
    raise Forbidden("Emergency line operators cannot change records.")


def check_payment_edit(
    principal: Principal, before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> None:
    """Only the decision endpoint approves or declines; only an admin marks paid; and a
    decided request's amount is fixed."""
    if principal.role == Role.ADMIN:
        return
    before = before or {}
    status_before = before.get("status")
    status_after = after.get("status")
    if status_after != status_before and status_after in ("approved", "declined"):
        raise Forbidden(
            "A wellbeing payment is approved or declined on the server by a payments "
            "approver; submit the request and the decision will come back with the next sync."
        )
    if status_after != status_before and status_after == "paid":
        raise Forbidden("Only an administrator can mark a wellbeing payment as paid.")
    for name in DECISION_FIELDS:
        if after.get(name) != before.get(name):
            raise Forbidden(f"{name} is set by the payments approver's decision, not by an edit.")
    if status_before in DECIDED_STATUSES and after.get("amount_pence") != before.get(
        "amount_pence"
    ):
        raise Forbidden(
            "The amount of a decided request cannot change; cancel it and make a new request."
        )
