"""The demo's 24-hour line: a few cards with fixed, documented numbers and a few calls.

A person trying the demo as the line's operator needs numbers to type, the same in every
demo office (docs/user-guide.md, "Trying the line in the demo"). Each showcase below is
given to the first demo carer that fits it while the demo is generated; nothing here
draws from the demo's random stream, so every other record a seed gives stays as it was.

All the numbers start 2026 0000: invented, and shown only in the demo office.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from carer_desk import factories as make
from carer_desk.records.calls import ContactAttempt, EmergencyCall
from carer_desk.records.carer import Carer
from carer_desk.records.plan import CardStatus, EmergencyCard, EmergencyPlan
from carer_desk.records.teams import LocalityTeam
from carer_desk.rules.emergency_line import LineStatus

#: A live, printed card whose plan the line reads out (a carer of the north team, the
#: demo worker's caseload), with two calls in its carer's history.
READY = "202600000012"
#: A card reported lost: revoked, and replaced by :data:`REPLACEMENT`.
LOST = "202600000020"
#: The card that replaced :data:`LOST` (waiting to be printed).
REPLACEMENT = "202600000036"
#: A card whose carer withdrew consent to share the plan: the line says do not use it.
WITHDRAWN = "202600000048"

FIXED_NUMBERS = frozenset({READY, LOST, REPLACEMENT, WITHDRAWN})
OPERATOR = "demo-operator"


class Showcase(StrEnum):
    READY = "ready"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


def _at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    """``day`` at the time given, UTC, never later than an hour before ``now``."""
    when = datetime.combine(day, time(hour, minute), tzinfo=UTC)
    return min(when, now - timedelta(hours=1))


def _call(card: EmergencyCard, when: datetime, **changes: object) -> EmergencyCall:
    return make.emergency_call(
        card, received_at=when, created_at=when, operator=OPERATOR, **changes
    )


@dataclass
class DemoLine:
    """Hands the fixed numbers out, once each, as the demo is generated."""

    today: date
    now: datetime
    given: set[Showcase] = field(default_factory=set)

    def wants(self, carer: Carer, card: EmergencyCard, *, withdrawn: bool) -> Showcase | None:
        """Which showcase this carer's new card becomes, if any."""
        if withdrawn:
            return None if Showcase.WITHDRAWN in self.given else Showcase.WITHDRAWN
        if card.status != CardStatus.PRINTED or carer.team != LocalityTeam.NORTH:
            return None
        for showcase in (Showcase.READY, Showcase.LOST):
            if showcase not in self.given:
                return showcase
        return None

    def records(
        self, showcase: Showcase, card: EmergencyCard, plan: EmergencyPlan
    ) -> list[EmergencyCard | EmergencyCall]:
        """The card (and its replacement, and its calls) for ``showcase``, in the order a
        laptop writes them: a call only after the card it is about."""
        self.given.add(showcase)
        first = plan.emergency_contacts[0] if plan.emergency_contacts else None
        if showcase is Showcase.WITHDRAWN:
            card = replace(card, number=WITHDRAWN)
            return [
                card,
                _call(
                    card,
                    _at(max(card.issued_on, self.today - timedelta(days=5)), 14, 20, self.now),
                    caller="A shop assistant",
                    line_status=str(LineStatus.CONSENT_WITHDRAWN),
                    contacts_tried=(),
                    replacement_care_arranged=True,
                    replacement_care_hours=24,
                    follow_up="Consent was withdrawn: ring the carer about a new plan",
                ),
            ]
        if showcase is Showcase.LOST:
            old = replace(card, number=LOST)
            revoked_on = max(old.printed_on or old.issued_on, self.today - timedelta(days=10))
            new = make.card(plan, number=REPLACEMENT, issued_on=revoked_on)
            return [new, old.revoke(revoked_on, "Reported lost by the carer", replaced_by=new.id)]
        card = replace(card, number=READY)
        attempts = []
        if first is not None:
            attempts = [
                ContactAttempt(
                    contact_id=first.id,
                    name=first.name,
                    reached=True,
                    note="on her way, 20 minutes",
                ),
                ContactAttempt(
                    contact_id=first.id,
                    name=first.name,
                    reached=False,
                    note="no answer, left a message",
                ),
            ]
        return [
            card,
            _call(
                card,
                _at(max(card.issued_on, self.today - timedelta(days=3)), 2, 35, self.now),
                caller="A neighbour",
                contacts_tried=tuple(attempts[:1]),
            ),
            _call(
                card,
                _at(max(card.issued_on, self.today - timedelta(days=12)), 21, 5, self.now),
                caller="Paramedic at the house",
                contacts_tried=tuple(attempts[1:]),
                replacement_care_arranged=True,
                replacement_care_hours=12,
                follow_up="Ring the carer about who else could be an emergency contact",
            ),
        ]
