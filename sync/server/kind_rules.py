"""Rules the server enforces for particular kinds of record, on every push.

The table of record kinds says what every kind *is*; this module holds what the server
*enforces* for some of them beyond ownership, in two places the push pipeline calls:

* :data:`PAYLOAD_RULES` — checks of a payload on its own (before anything is read from the
  database, outside the writers' lock), each returning the problems it finds;
* :data:`STAMPS` — fields the server writes itself (who made a payment request, and the
  day of each step);
* :data:`EDIT_RULES` — checks of an edit after authorisation, given who makes it, the
  server's copy, what the edit is judged against and what would be stored, and the other
  records as this push sees them; each raises :class:`Forbidden` with a reason.

A rule for a new kind, or a new rule for a kind (a payment's life cycle, a card number
that must be unique), is one function added here; a test checks every key is a kind in
the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from carer_desk.config import EmergencyLineSettings
from carer_desk.errors import ValidationError
from carer_desk.records.codec import from_payload
from carer_desk.records.kinds import RecordKind
from carer_desk.records.plan import CardStatus, EmergencyPlan
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.rules.emergency_line import CONSENT_GAP, line_gaps, replacement_hours_problem
from sync.protocol import Role
from sync.server.access import Principal
from sync.server.errors import Forbidden
from sync.server.ownership import RecordLookup
from sync.server.payment_life_cycle import PaymentPolicy, check_step, stamp_payment
from sync.server.store import StoredRecord

Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class Edit:
    """A change to one record, as an edit rule sees it."""

    principal: Principal
    kind: str
    record_id: str
    existing: StoredRecord | None  # the server's copy; None for a new record
    before: Mapping[str, Any] | None  # what the edit is judged against
    after: Mapping[str, Any]  # what would be stored
    records: RecordLookup  # other records, including those written earlier in this push
    # The payment rules in force and the server's day (bounds on amounts and dates).
    payments: PaymentPolicy | None = None
    # The server's [emergency_line] settings (sync.server.settings_file).
    line: EmergencyLineSettings = field(default_factory=EmergencyLineSettings)

    @property
    def is_new(self) -> bool:
        return self.existing is None or self.before is None

    def changes(self, *names: str) -> bool:
        """Whether the edit sets any of these fields (always, for a new record)."""
        before = self.before or {}
        return self.is_new or any(self.after.get(n) != before.get(n) for n in names)


PayloadRule = Callable[[Mapping[str, Any]], Problems]
EditRule = Callable[[Edit], None]
#: ``(who pushes, the server's payload or None, the pushed payload, the server's day)
#: -> what to store``.
Stamp = Callable[[Principal, Mapping[str, Any] | None, Mapping[str, Any], date], dict[str, Any]]


def positive_amount(payload: Mapping[str, Any]) -> Problems:
    amount = payload.get("amount_pence")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return [("amount_pence", "must be a whole number of pence above 0")]
    return []


#: The payment life cycle (:mod:`sync.server.payment_life_cycle`), for every role.
payment_edit = check_step


def card_number_fixed(edit: Edit) -> None:
    if (
        edit.existing is not None
        and edit.before is not None
        and edit.principal.role != Role.ADMIN
        and edit.before.get("number") != edit.after.get("number")
    ):
        raise Forbidden("A card's number never changes; reissue the card to give it a new number.")


#: Who may issue (create or edit) a card: the carer's outreach worker, the office's card
#: and plan administrator, and the office.
CARD_ISSUERS = frozenset({Role.OUTREACH_WORKER, Role.CARD_ADMINISTRATOR, Role.ADMIN})


def card_issued_by_allowed_role(edit: Edit) -> None:
    if edit.principal.role not in CARD_ISSUERS:
        raise Forbidden(
            "Emergency cards are issued by the carer's outreach worker or the office; "
            "ask them to issue or change this card."
        )


def card_number_unique(edit: Edit) -> None:
    """A number belongs to one card for ever: another card carrying it (live, revoked or
    deleted) would shadow it on the 24-hour line (issue 10)."""
    number = edit.after.get("number")
    if not isinstance(number, str) or not edit.changes("number"):
        return
    lookup = edit.records.lookup_key(number)
    if edit.records.other_with_lookup(RecordKind.CARD, lookup, edit.record_id) is not None:
        raise Forbidden(
            f"Card number {format_card_number(number)} already belongs to another card on "
            "the server, and a number is never used twice. Issue the card again so it "
            "gets a new number."
        )


def card_plan_is_its_carers(edit: Edit) -> None:
    """A card opens its own carer's plan, never another's."""
    if not edit.changes("plan_id", "carer_id"):
        return
    plan_id = str(edit.after.get("plan_id"))
    plan = edit.records.get(plan_id)
    if plan is None or plan.kind != RecordKind.PLAN or plan.deleted:
        raise Forbidden(
            f"The card's plan ({plan_id}) is not on the server. Sync the plan first, then the card."
        )
    if plan.ownership.carer_id != edit.after.get("carer_id"):
        raise Forbidden(
            "A card must open its own carer's emergency plan; this plan belongs to "
            "another carer. Issue the card from the carer's own plan."
        )


def card_plan_meets_minimum(edit: Edit) -> None:
    """A card is issued only against a plan that meets the line's configured minimum
    (issue 9), as the server holds the plan and its carer — the laptop refuses first, but
    the server trusts no laptop. Checked when a live card is new or moves to another plan;
    a plan that falls below the minimum later leaves its cards in place (the look-up then
    says what is missing and what to do instead).

    One case is not an issue against a thin plan: the card was issued while the carer
    agreed to share, and their withdrawal (on or after the card's issue date) reaches the
    server first in the same sync. The card is then suspended — the line is told "consent
    withdrawn: do not use this plan" — so it is kept, as long as nothing else is missing.
    """
    after = edit.after
    if after.get("status") == str(CardStatus.REVOKED):
        return
    if not (edit.is_new or edit.changes("plan_id")):
        return
    plan = _held(edit, RecordKind.PLAN, str(after.get("plan_id")))
    if plan is None:
        return  # card_plan_is_its_carers has refused it already
    carer = _held(edit, RecordKind.CARER, str(after.get("carer_id")))
    gaps = line_gaps(plan, carer, edit.line)
    if gaps and _withdrawn_since_issue(plan, after.get("issued_on")):
        gaps = tuple(g for g in gaps if g != CONSENT_GAP)
    if gaps:
        raise Forbidden(
            "The card cannot be issued: its plan on the server does not meet the emergency "
            f"line's minimum. It needs {'; '.join(gaps)}. Complete the plan and sync it, "
            "then issue the card again (discard this one)."
        )


def _held(edit: Edit, kind: str, record_id: str) -> Any:
    """The record as the core's record, as this push sees the server (None when it is not
    held, or not readable as one)."""
    stored = edit.records.get(record_id)
    if stored is None or stored.deleted or stored.kind != kind or stored.payload is None:
        return None
    try:
        return from_payload(kind, stored.payload)
    except ValidationError:
        return None


def _withdrawn_since_issue(plan: EmergencyPlan, issued_on: object) -> bool:
    withdrawn = plan.consent_withdrawn_on
    if not plan.consent_withdrawn or withdrawn is None or not isinstance(issued_on, str):
        return False
    try:
        return withdrawn >= date.fromisoformat(issued_on)
    except ValueError:
        return False


#: Call fields that say what happened on the line: fixed once recorded.
CALL_FACTS = ("carer_id", "card_id", "plan_id", "card_number", "received_at", "operator")


def call_recorded_as_it_happened(edit: Edit) -> None:
    """A call is recorded by who took it, about a carer (and their card and plan) the
    server holds, with hours of replacement care the server's settings allow; what
    happened on the line is not rewritten afterwards (the office adds the follow-up)."""
    after = edit.after
    admin = edit.principal.role == Role.ADMIN
    if not edit.is_new:
        if not admin and edit.changes(*CALL_FACTS):
            raise Forbidden(
                "What happened on a call (who took it, when, which card) is not changed "
                "afterwards; add a note or the follow-up instead."
            )
        return
    if not admin and after.get("operator") != edit.principal.username:
        raise Forbidden(
            "A call is recorded under the name of the person who took it; record it as "
            f"{edit.principal.username}."
        )
    carer_id = after.get("carer_id")
    carer = edit.records.get(str(carer_id))
    if carer is None or carer.kind != RecordKind.CARER or carer.deleted:
        raise Forbidden(
            f"The carer this call is about ({carer_id}) is not on the server; ring the office."
        )
    for name, kind in (("card_id", RecordKind.CARD), ("plan_id", RecordKind.PLAN)):
        linked_id = after.get(name)
        if linked_id is None:
            continue
        linked = edit.records.get(str(linked_id))
        if linked is None or linked.kind != kind or linked.ownership.carer_id != carer_id:
            raise Forbidden(f"The call's {kind} ({linked_id}) is not this carer's on the server.")
    hours = after.get("replacement_care_hours")
    problem = replacement_hours_problem(
        hours if isinstance(hours, int) else None, after.get("exceptional") is True, edit.line
    )
    if problem is not None:
        raise Forbidden(f"replacement_care_hours: {problem}.")


#: Kinds that put a carer on a facilitator's register (they then pull its entry).
REGISTER_KINDS = (RecordKind.GROUP_MEMBER, RecordKind.ATTENDANCE)


def facilitator_registers_only_their_carers(edit: Edit) -> None:
    """A facilitator puts on their registers only carers they may register: a newcomer
    they added themselves, or someone already on one of their groups' registers (the
    office adds anyone else). Otherwise adding any carer's id to their own group would
    hand them that carer's contact details (issue 10)."""
    if edit.principal.role != Role.GROUP_FACILITATOR or not edit.changes("carer_id"):
        return
    carer_id = str(edit.after.get("carer_id"))
    me = edit.principal.username
    if edit.records.first_author(carer_id) == me:
        return  # a newcomer they met at a group
    for member in edit.records.records_for_carer(RecordKind.GROUP_MEMBER, carer_id):
        if member.deleted or member.record_id == edit.record_id:
            continue
        group = edit.records.get(member.ownership.group_id or "")
        if group is not None and group.ownership.owner == me:
            return
    raise Forbidden(
        "You can add to your groups the newcomers you register yourself and carers already "
        "on your registers. Ask the office to add this carer to the group."
    )


PAYLOAD_RULES: Mapping[str, tuple[PayloadRule, ...]] = MappingProxyType(
    {RecordKind.PAYMENT_REQUEST: (positive_amount,)}
)
EDIT_RULES: Mapping[str, tuple[EditRule, ...]] = MappingProxyType(
    {
        RecordKind.PAYMENT_REQUEST: (payment_edit,),
        RecordKind.CARD: (
            card_issued_by_allowed_role,
            card_number_fixed,
            card_number_unique,
            card_plan_is_its_carers,
            card_plan_meets_minimum,
        ),
        RecordKind.EMERGENCY_CALL: (call_recorded_as_it_happened,),
        **{kind: (facilitator_registers_only_their_carers,) for kind in REGISTER_KINDS},
    }
)


#: Fields the server sets itself, whatever the laptop sent (the push marks the change
#: merged when a stamp changed it, so the laptop takes the server's copy at its pull).
STAMPS: Mapping[str, Stamp] = MappingProxyType({RecordKind.PAYMENT_REQUEST: stamp_payment})


def check_edit(edit: Edit) -> None:
    for rule in EDIT_RULES.get(edit.kind, ()):
        rule(edit)
