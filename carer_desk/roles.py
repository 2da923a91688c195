"""Who may do what on the laptop: each role's work areas and the one it opens on.

The server decides what a role may read and write (it trusts no laptop); this table
decides what the window offers, so a role's menus show only what it may do — never a
greyed-out temptation (DESIGN.md, "Role first"). The role names are the server's
(``carer-desk-server create-user --role``); a test keeps the two lists equal.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OUTREACH_WORKER = "outreach-worker"
    GROUP_FACILITATOR = "group-facilitator"
    PAYMENTS_APPROVER = "payments-approver"
    EMERGENCY_OPERATOR = "emergency-operator"
    CARD_ADMINISTRATOR = "card-administrator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Role.OUTREACH_WORKER: "Outreach worker",
    Role.GROUP_FACILITATOR: "Group facilitator",
    Role.PAYMENTS_APPROVER: "Payments approver",
    Role.EMERGENCY_OPERATOR: "Emergency line operator",
    Role.CARD_ADMINISTRATOR: "Card and plan administrator",
    Role.ADMIN: "Service manager",
}


class Area(StrEnum):
    """A work area of the window (one entry of the navigation list)."""

    CASELOAD = "caseload"
    REVIEWS = "reviews"
    PLANS = "plans"
    CARDS = "cards"
    GROUPS = "groups"
    REQUESTS = "requests"
    PAYMENTS = "payments"  # approved requests the office pays, and records as paid
    LOOKUP = "lookup"
    REPORTS = "reports"
    ADMIN = "admin"  # users, laptops and the server's settings
    SYNC = "sync"  # conflicts and refused changes


# In the order the navigation list shows them; the first is the role's home.
AREAS: dict[Role, tuple[Area, ...]] = {
    Role.OUTREACH_WORKER: (
        Area.CASELOAD,
        Area.REVIEWS,
        Area.PLANS,
        Area.CARDS,
        Area.GROUPS,
        Area.SYNC,
    ),
    Role.GROUP_FACILITATOR: (Area.GROUPS, Area.SYNC),
    # The approver's laptop holds requests and a summary of each carer, not the caseload.
    Role.PAYMENTS_APPROVER: (Area.REQUESTS, Area.SYNC),
    # The line's laptop holds only the calls it has not sent yet: its Sync area shows the
    # calls the office refused, to correct or discard (it never has conflicts).
    Role.EMERGENCY_OPERATOR: (Area.LOOKUP, Area.SYNC),
    # The office's card and plan administrator (BRIEF §1): keeps plans under review and
    # prints, reissues and revokes cards. Their laptop holds carers, plans and cards,
    # never conversations or payments (the server's pull gives them nothing else).
    Role.CARD_ADMINISTRATOR: (Area.PLANS, Area.CARDS, Area.SYNC),
    # The service manager opens on the office's reports (DESIGN.md, "Role first"). They
    # record payments the office has made; deciding is the approver's (payment_steps).
    Role.ADMIN: (
        Area.REPORTS,
        Area.CASELOAD,
        Area.REVIEWS,
        Area.PLANS,
        Area.CARDS,
        Area.GROUPS,
        Area.PAYMENTS,
        Area.ADMIN,
        Area.SYNC,
    ),
}

# A laptop used without a server (a vault made with ``carer-desk vault init``) works as an
# outreach worker's own records.
UNENROLLED_ROLE = Role.OUTREACH_WORKER

# Roles that may register carers and edit their records on the laptop.
EDITS_CARERS = frozenset({Role.OUTREACH_WORKER, Role.ADMIN})

# Roles that write emergency plans and issue, reissue and revoke cards (the server lets an
# outreach worker do so for their team's carers, the card administrator for every carer).
KEEPS_PLANS = frozenset({Role.OUTREACH_WORKER, Role.CARD_ADMINISTRATOR, Role.ADMIN})

# Roles that keep peer-support groups: add and edit groups, schedule sessions, take the
# register (the server lets a facilitator change only the groups they run).
KEEPS_GROUPS = frozenset({Role.GROUP_FACILITATOR, Role.ADMIN})


# Roles whose laptop syncs records with the office: every role.
SYNCS_RECORDS = frozenset(Role)

# Roles whose laptop also receives records at a sync. The 24-hour line's operator looks
# plans up on the server and holds none (the server refuses an operator's pull): their
# laptop only sends the calls they record, and drops its copy once the office has it.
RECEIVES_RECORDS = SYNCS_RECORDS - {Role.EMERGENCY_OPERATOR}

# What a laptop that only sends calls the records it sends (the status bar's words).
SENDS = {Role.EMERGENCY_OPERATOR: ("call", "calls")}


def areas_for(role: Role) -> tuple[Area, ...]:
    return AREAS[role]


def home_for(role: Role) -> Area:
    return AREAS[role][0]


def may(role: Role, area: Area) -> bool:
    return area in AREAS[role]
