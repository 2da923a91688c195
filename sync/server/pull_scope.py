"""Which records a role's pull may return: a :class:`PullScope`, which the store turns
into SQL. The kinds each scope holds come from the table of record kinds
(:mod:`carer_desk.records.kinds`), so a new kind is pulled by the right people without
touching the query.
"""

from __future__ import annotations

from dataclasses import dataclass

from carer_desk.records.kinds import (
    CASELOAD_KINDS,
    GROUP_KINDS,
    GroupRoute,
    RecordKind,
    View,
    kinds_where,
    pulled_as_view,
    pulled_whole_by,
    shown_with_carer,
)
from sync.protocol import Role

_FACILITATOR = Role.GROUP_FACILITATOR
_APPROVER = Role.PAYMENTS_APPROVER
#: The groups themselves (a facilitator pulls the ones they run).
GROUPS = kinds_where(lambda s: s.group_route is GroupRoute.OWN)
#: What the card and plan administrator keeps, for every carer of every team: the plans,
#: the cards, and the carers (whose name, address, phone, GP and cared-for people a plan
#: and a card need). Never conversations (their notes), payments, groups or calls.
PLAN_KEEPING_KINDS = frozenset(
    {RecordKind.CARER.value, RecordKind.PLAN.value, RecordKind.CARD.value}
)
#: Of those, what they may write: plans and cards (a carer's record stays the worker's).
PLAN_KEEPER_WRITES = frozenset({RecordKind.PLAN.value, RecordKind.CARD.value})


@dataclass(frozen=True)
class PullScope:
    """Which records a pull may return, as decided by authorisation.

    Exactly one of: ``everything``; ``team`` (records owned by that team, of
    ``team_kinds``); ``facilitator`` (groups they run, what belongs to those groups, and
    the carers on those registers); ``approver`` (payment requests, and the carers and
    conversations of carers who have one); ``office_kinds`` (every record of those kinds,
    whatever its team).
    """

    everything: bool = False
    team: str | None = None
    team_kinds: frozenset[str] = frozenset()
    facilitator: str | None = None
    approver: bool = False
    #: Records of these kinds across every team (the card and plan administrator's).
    office_kinds: frozenset[str] = frozenset()
    # What the facilitator's and the approver's scopes hold (from the table of kinds).
    group_kinds: frozenset[str] = GROUPS
    in_group_kinds: frozenset[str] = GROUP_KINDS - GROUPS
    register_kinds: frozenset[str] = shown_with_carer(_FACILITATOR, View.REGISTER_ENTRY)
    register_carer_kinds: frozenset[str] = pulled_as_view(_FACILITATOR, View.REGISTER_ENTRY)
    approver_kinds: frozenset[str] = pulled_whole_by(_APPROVER)
    summarised_kinds: frozenset[str] = pulled_as_view(_APPROVER, View.CARER_SUMMARY)


def pull_scope_for(role: Role, username: str, team: str | None) -> PullScope | None:
    """The scope of a user's pull; None for a role that pulls nothing."""
    match role:
        case Role.ADMIN:
            return PullScope(everything=True)
        case Role.OUTREACH_WORKER:
            if team is None:
                return PullScope()
            return PullScope(team=team, team_kinds=CASELOAD_KINDS)
        case Role.GROUP_FACILITATOR:
            return PullScope(facilitator=username)
        case Role.PAYMENTS_APPROVER:
            return PullScope(approver=True)
        case Role.CARD_ADMINISTRATOR:
            return PullScope(office_kinds=PLAN_KEEPING_KINDS)
    return None
