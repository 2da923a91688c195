"""Rules the server enforces for particular kinds of record, on every push.

The table of record kinds says what every kind *is*; this module holds what the server
*enforces* for some of them beyond ownership, in two places the push pipeline calls:

* :data:`PAYLOAD_RULES` — checks of a payload on its own (before anything is read from the
  database, outside the writers' lock), each returning the problems it finds;
* :data:`STAMPS` — fields the server writes itself (who made a payment request);
* :data:`EDIT_RULES` — checks of an edit after authorisation, given who makes it, the
  server's copy, what the edit is judged against and what would be stored, and the other
  records as this push sees them; each raises :class:`Forbidden` with a reason.

A rule for a new kind, or a new rule for a kind (a payment's life cycle, a card number
that must be unique), is one function added here; a test checks every key is a kind in
the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from carer_desk.records.kinds import RecordKind
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


PayloadRule = Callable[[Mapping[str, Any]], Problems]
EditRule = Callable[[Edit], None]
#: ``(who pushes, the server's payload or None, the pushed payload) -> what to store``.
Stamp = Callable[[Principal, Mapping[str, Any] | None, Mapping[str, Any]], dict[str, Any]]


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


PAYLOAD_RULES: Mapping[str, tuple[PayloadRule, ...]] = MappingProxyType(
    {RecordKind.PAYMENT_REQUEST: (positive_amount,)}
)
EDIT_RULES: Mapping[str, tuple[EditRule, ...]] = MappingProxyType(
    {
        RecordKind.PAYMENT_REQUEST: (payment_edit,),
        RecordKind.CARD: (card_number_fixed,),
    }
)


#: Fields the server sets itself, whatever the laptop sent (the push marks the change
#: merged when a stamp changed it, so the laptop takes the server's copy at its pull).
STAMPS: Mapping[str, Stamp] = MappingProxyType({RecordKind.PAYMENT_REQUEST: stamp_payment})


def check_edit(edit: Edit) -> None:
    for rule in EDIT_RULES.get(edit.kind, ()):
        rule(edit)
