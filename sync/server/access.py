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
* **card and plan administrator** — the office's keeper of plans and cards, for every
  team: pulls carers, plans and cards (nothing of conversations, payments, groups or
  calls); may create and edit plans and cards (issue, reissue, revoke), never a carer's
  record or anything else.
* **emergency operator** — nothing by pull; the card look-up; and by push only the calls
  they take (``emergency_call``, created once, under their own name: see
  :mod:`sync.server.kind_rules`). A call is then in the carer's history for the team's
  workers and the office.
* **admin** — everything.

Kept free of I/O: callers pass the records involved, and get a :class:`Forbidden` with
a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from carer_desk.records.kinds import KIND_TABLE, GroupRoute, RecordKind, TeamRoute
from sync.protocol import Op, Role
from sync.server.errors import Forbidden
from sync.server.pull_scope import PLAN_KEEPER_WRITES, PullScope, pull_scope_for
from sync.server.store import Ownership


@dataclass(frozen=True)
class Principal:
    """The person behind an authenticated device."""

    username: str
    role: Role
    team: str | None
    device_id: str


def pull_scope(principal: Principal) -> PullScope:
    scope = pull_scope_for(principal.role, principal.username, principal.team)
    if scope is None:
        raise Forbidden(
            "Emergency line operators look plans up by card number only; they do not sync records."
        )
    return scope


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
    spec = KIND_TABLE.get(kind)
    if spec is None:
        raise Forbidden(f"{kind} is not a kind of record this server keeps.")
    if role == Role.OUTREACH_WORKER:
        if not spec.in_caseload:
            raise Forbidden(f"Outreach workers cannot change {kind} records.")
        team = principal.team
        if team is None:
            raise Forbidden("Your account has no team; ask an administrator to set one.")
        if existing is not None and existing.team != team:
            raise Forbidden(f"This {kind} record is not in your team's caseload ({team}).")
        if new.team != team:
            if spec.team_route is TeamRoute.BOTH_CARERS:
                raise Forbidden(
                    f"Both carers of a duplicate decision must be in your team's caseload "
                    f"({team}) on the server. Sync them first, or ask an administrator to "
                    "decide a pair across teams."
                )
            if spec.team_route is TeamRoute.OWN_FIELD:
                raise Forbidden(
                    f"A carer you add or edit must be in your team ({team}); set the team."
                )
            raise Forbidden(
                f"The carer this {kind} belongs to ({new.carer_id}) is not in your team's "
                "caseload on the server. Sync the carer first, or ask the office."
            )
        return
    if role == Role.GROUP_FACILITATOR:
        if spec.team_route is TeamRoute.OWN_FIELD:
            if existing is None and op == Op.UPSERT:
                return  # a newcomer met at a group, with minimal details
            raise Forbidden(
                "Group facilitators can add a newcomer but cannot change a carer's record."
            )
        if not spec.in_group:
            raise Forbidden(f"Group facilitators cannot change {kind} records.")
        if spec.group_route is GroupRoute.OWN:
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
    if role == Role.CARD_ADMINISTRATOR:
        if kind in PLAN_KEEPER_WRITES and op == Op.UPSERT:
            return
        raise Forbidden(
            f"Card and plan administrators keep emergency plans and cards; a {spec.noun} "
            "is changed by the carer's outreach worker or the office."
        )
    if role == Role.PAYMENTS_APPROVER:
        raise Forbidden(
            "Payments approvers decide requests with the decision action; they do not push "
            "record changes."
        )
    if kind == RecordKind.EMERGENCY_CALL and op == Op.UPSERT and existing is None:
        return  # a call they took; kind_rules checks it is theirs and about a held carer
    raise Forbidden("Emergency line operators cannot change records.")
