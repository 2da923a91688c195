"""Record kinds in one table: everything the code knows about a kind of record.

The laptop's core (the codec, the services), the sync client and the central server all
read :data:`KIND_TABLE`, so they cannot disagree about which kinds exist or how one is
owned. It lives in the core because the dependency direction allows nothing else: the
core may not import ``sync``, while both halves of sync already depend on the core's
records (the server decodes every pushed payload with the core's codec). Nothing here
does I/O or knows about HTTP, SQL or Qt; the server turns the *routes* below into SQL and
ownership columns, the client into words for a person.

What an entry says about its kind:

* ``record_class`` — the frozen dataclass the codec decodes the payload into;
* ``team_route`` / ``group_route`` — who owns it: how a record finds the team whose
  caseload it is in, and the group (so the facilitator) it belongs to;
* ``links`` / ``lookup_field`` — further fields that must name the records it belongs
  to, and a field the server indexes by keyed hash (never in clear);
* ``never_auto_merge`` — fields a stale edit may never change without a person deciding;
* ``views`` — how it is pulled by a role that must not see the whole record.

Adding a kind is one entry here plus its record class (docs/development.md); a test
fails while any part of the code knows a kind this table does not, or the other way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from carer_desk.records.calls import EmergencyCall
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.duplicates import DuplicateDecision
from carer_desk.records.groups import Attendance, GroupMember, GroupSession, PeerGroup
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyCard, EmergencyPlan
from carer_desk.records.teams import LocalityTeam
from carer_desk.roles import Role

#: The locality teams (``Carer.team``): the one list, used on the wire as well.
Team = LocalityTeam


class RecordKind(StrEnum):
    """The kind strings. They are part of the stored and wire format: never rename one."""

    CARER = "carer"
    CONVERSATION = "conversation"
    PAYMENT_REQUEST = "payment_request"
    PLAN = "plan"
    CARD = "card"
    GROUP = "group"
    SESSION = "session"
    ATTENDANCE = "attendance"
    GROUP_MEMBER = "group_member"
    DUPLICATE_DECISION = "duplicate_decision"  # a person's merge / keep-apart decision
    EMERGENCY_CALL = "emergency_call"  # a call to the 24-hour line about a carer


class View(StrEnum):
    """Read-only views of a carer the server builds for roles that must not see the whole
    record. They arrive by pull like records (``record_id`` is the carer's id) but are
    never pushed back."""

    #: For group facilitators: ``carer_id, display_name, phone, email, access_needs``.
    REGISTER_ENTRY = "register_entry"
    #: For payments approvers: ``carer_id, display_name, last_assessment_completed_on``.
    CARER_SUMMARY = "carer_summary"


class TeamRoute(StrEnum):
    """How a record finds the team whose caseload it is in."""

    OWN_FIELD = "own_field"  # the payload's ``team`` names it (a carer)
    CARER = "carer"  # the team of the carer its ``carer_id`` names
    BOTH_CARERS = "both_carers"  # the team both carers in ``carer_ids`` are in, if one
    NONE = "none"  # in no team's caseload


class GroupRoute(StrEnum):
    """How a record finds the peer group (and so the facilitator) it belongs to."""

    OWN = "own"  # it is a group; its ``facilitator`` runs it
    GROUP = "group"  # the group its ``group_id`` names
    SESSION = "session"  # the group of the session its ``session_id`` names
    NONE = "none"  # belongs to no group


#: The payload field each route reads.
TEAM_ROUTE_FIELDS: Mapping[TeamRoute, str] = MappingProxyType(
    {TeamRoute.OWN_FIELD: "team", TeamRoute.CARER: "carer_id", TeamRoute.BOTH_CARERS: "carer_ids"}
)
GROUP_ROUTE_FIELDS: Mapping[GroupRoute, str] = MappingProxyType(
    {GroupRoute.OWN: "facilitator", GroupRoute.GROUP: "group_id", GroupRoute.SESSION: "session_id"}
)


@dataclass(frozen=True)
class Pulled:
    """How one role receives a kind by pull: the whole record (``as_view`` None) or only
    a view of its carer; ``with_carer`` adds a view of the record's carer beside it."""

    as_view: View | None = None
    with_carer: View | None = None


@dataclass(frozen=True)
class KindSpec:
    kind: RecordKind
    record_class: type
    noun: str  # how a person reads the kind: "payment request"
    team_route: TeamRoute
    group_route: GroupRoute = GroupRoute.NONE
    links: tuple[str, ...] = ()
    lookup_field: str | None = None
    never_auto_merge: frozenset[str] = frozenset()
    #: Roles missing here pull the whole record if their caseload or groups hold it.
    views: Mapping[Role, Pulled] = field(default_factory=dict)

    @property
    def in_caseload(self) -> bool:
        """Owned by a team: outreach workers of that team keep it."""
        return self.team_route is not TeamRoute.NONE

    @property
    def in_group(self) -> bool:
        """Owned by a group: its facilitator keeps it."""
        return self.group_route is not GroupRoute.NONE

    @property
    def required_fields(self) -> tuple[str, ...]:
        """Payload fields that must name another record (or the card number): a push
        without them cannot be routed, so it is refused."""
        routed = [TEAM_ROUTE_FIELDS[self.team_route]] if self.team_route is TeamRoute.CARER else []
        if self.group_route in (GroupRoute.GROUP, GroupRoute.SESSION):
            routed.append(GROUP_ROUTE_FIELDS[self.group_route])
        extra = [*self.links, *([self.lookup_field] if self.lookup_field else [])]
        return tuple(dict.fromkeys([*routed, *extra]))


_ON_REGISTER = MappingProxyType({Role.GROUP_FACILITATOR: Pulled(with_carer=View.REGISTER_ENTRY)})

KIND_TABLE: Mapping[str, KindSpec] = MappingProxyType(
    {
        spec.kind.value: spec
        for spec in (
            KindSpec(
                RecordKind.CARER,
                Carer,
                "carer",
                TeamRoute.OWN_FIELD,
                views={
                    Role.GROUP_FACILITATOR: Pulled(as_view=View.REGISTER_ENTRY),
                    Role.PAYMENTS_APPROVER: Pulled(as_view=View.CARER_SUMMARY),
                },
            ),
            KindSpec(
                RecordKind.CONVERSATION,
                GuidedConversation,
                "conversation",
                TeamRoute.CARER,
                # The approver needs only the date of the last completed assessment.
                views={Role.PAYMENTS_APPROVER: Pulled(as_view=View.CARER_SUMMARY)},
            ),
            KindSpec(
                RecordKind.PAYMENT_REQUEST,
                WellbeingPaymentRequest,
                "payment request",
                TeamRoute.CARER,
                never_auto_merge=frozenset(
                    {"amount_pence", "status", "decided_by", "decided_on", "decline_reason"}
                ),
                views={Role.PAYMENTS_APPROVER: Pulled(with_carer=View.CARER_SUMMARY)},
            ),
            KindSpec(RecordKind.PLAN, EmergencyPlan, "plan", TeamRoute.CARER),
            KindSpec(
                RecordKind.CARD,
                EmergencyCard,
                "card",
                TeamRoute.CARER,
                links=("plan_id",),
                lookup_field="number",
                never_auto_merge=frozenset({"number"}),
            ),
            KindSpec(
                RecordKind.GROUP,
                PeerGroup,
                "group",
                TeamRoute.NONE,
                GroupRoute.OWN,
                views={Role.GROUP_FACILITATOR: Pulled()},
            ),
            KindSpec(
                RecordKind.SESSION,
                GroupSession,
                "session",
                TeamRoute.NONE,
                GroupRoute.GROUP,
                views={Role.GROUP_FACILITATOR: Pulled()},
            ),
            KindSpec(
                RecordKind.ATTENDANCE,
                Attendance,
                "attendance",
                TeamRoute.CARER,
                GroupRoute.SESSION,
                views=_ON_REGISTER,
            ),
            KindSpec(
                RecordKind.GROUP_MEMBER,
                GroupMember,
                "group member",
                TeamRoute.CARER,
                GroupRoute.GROUP,
                views=_ON_REGISTER,
            ),
            KindSpec(
                RecordKind.DUPLICATE_DECISION,
                DuplicateDecision,
                "duplicate decision",
                TeamRoute.BOTH_CARERS,
            ),
            # In the carer's caseload, so in their history for the team's workers and the
            # office; operators push the calls they take (sync.server.access) but pull
            # nothing. What the line showed and who took the call never merge silently.
            KindSpec(
                RecordKind.EMERGENCY_CALL,
                EmergencyCall,
                "call to the emergency line",
                TeamRoute.CARER,
                never_auto_merge=frozenset({"operator", "line_status", "card_number"}),
            ),
        )
    }
)


#: Kinds the laptop stores that the server does not take yet: no entry in KIND_TABLE until
#: the server's work on them (its routes, who may push and pull them) is done. A record of
#: one is kept, audited and shown on the laptop; a syncing laptop that pushes one has it
#: refused ("unknown record kind") and held, like any refused change. Moving a kind from
#: here into KIND_TABLE is how it becomes synced (calls to the emergency line moved in
#: issue 9); none is waiting now.
LAPTOP_ONLY_KINDS: Mapping[str, type] = MappingProxyType({})


def spec_of(kind: str) -> KindSpec | None:
    return KIND_TABLE.get(kind)


def kinds_where(test: Callable[[KindSpec], bool]) -> frozenset[str]:
    """The kinds whose spec passes ``test``."""
    return frozenset(kind for kind, spec in KIND_TABLE.items() if test(spec))


#: Kinds in some team's caseload (outreach workers keep them).
CASELOAD_KINDS = kinds_where(lambda s: s.in_caseload)
#: Kinds that belong to a peer group (its facilitator keeps them).
GROUP_KINDS = kinds_where(lambda s: s.in_group)
#: Kinds linked to one carer through ``carer_id``: they move team with their carer.
CARER_LINKED_KINDS = kinds_where(lambda s: s.team_route is TeamRoute.CARER)
NEVER_AUTO_MERGE: Mapping[str, frozenset[str]] = MappingProxyType(
    {kind: spec.never_auto_merge for kind, spec in KIND_TABLE.items() if spec.never_auto_merge}
)


def pulled_by(role: Role, kind: str) -> Pulled:
    """How ``role`` receives records of ``kind`` (the whole record unless a view says)."""
    spec = KIND_TABLE.get(kind)
    return spec.views.get(role, Pulled()) if spec is not None else Pulled()


def pulled_whole_by(role: Role) -> frozenset[str]:
    """Kinds a role with views (facilitator, approver) pulls as whole records."""
    return kinds_where(lambda s: role in s.views and s.views[role].as_view is None)


def pulled_as_view(role: Role, view: View) -> frozenset[str]:
    """Kinds ``role`` receives only as ``view`` of their carer."""
    return kinds_where(lambda s: role in s.views and s.views[role].as_view is view)


def shown_with_carer(role: Role, view: View) -> frozenset[str]:
    """Kinds ``role`` pulls with ``view`` of their carer beside them."""
    return kinds_where(lambda s: role in s.views and s.views[role].with_carer is view)
