"""A call to the 24-hour emergency line (BRIEF §4): who rang, which contacts were reached,
whether replacement care was arranged and for how long, and what the office must follow
up. It is kept with the carer's record and appears in their history.

The hours of replacement care are bounded by the settings (1-48 hours, 72 in exceptional
cases by default); those bounds are checked when a call is recorded (by
:func:`carer_desk.rules.emergency_line.replacement_hours_problem`), not when one is read
back, so a record never becomes unreadable because the settings changed. Here only the
shape is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from carer_desk.clock import SYSTEM_CLOCK
from carer_desk.ids import new_id
from carer_desk.records.plausible_dates import NOT_IN_FUTURE
from carer_desk.validation import Problems, clean_optional_text, clean_text

# No shift of replacement care is ever longer than a week; the settings bound it further.
MAX_RECORDED_HOURS = 168


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactAttempt:
    """One emergency contact the operator tried, in the order they were rung."""

    contact_id: str | None = None  # the plan's EmergencyContact, when it was one of them
    name: str
    reached: bool
    note: str | None = None  # "on her way, 20 minutes", "no answer, left a message"

    def __post_init__(self) -> None:
        clean_text(self, "name")
        clean_optional_text(self, "note")
        p = Problems()
        p.require_id("contact_id", self.contact_id, optional=True)
        p.require_text("name", self.name, "who was rung")
        p.require_bool("reached", self.reached)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyCall:
    id: str = field(default_factory=new_id)
    carer_id: str
    card_id: str | None = None  # the card whose number was read out
    plan_id: str | None = None
    card_number: str  # digits, as looked up
    received_at: datetime  # when the call came in, UTC
    operator: str  # username of the person who took the call
    caller: str  # who rang, in their words: "a neighbour", "paramedic at the house"
    line_status: str  # what the look-up said (a LineStatus value): ready, incomplete...
    contacts_tried: tuple[ContactAttempt, ...] = ()
    replacement_care_arranged: bool = False
    replacement_care_hours: int | None = None
    exceptional: bool = False  # more hours than usual, with the reason
    exceptional_reason: str | None = None
    follow_up: str | None = None  # what the office must do next
    followed_up_on: date | None = field(default=None, metadata=NOT_IN_FUTURE)
    followed_up_by: str | None = None
    notes: str | None = None
    created_at: datetime = field(default_factory=SYSTEM_CLOCK.now)

    def __post_init__(self) -> None:
        clean_text(self, "card_number", "operator", "caller", "line_status")
        clean_optional_text(self, "exceptional_reason", "follow_up", "followed_up_by", "notes")
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("carer_id", self.carer_id)
        p.require_id("card_id", self.card_id, optional=True)
        p.require_id("plan_id", self.plan_id, optional=True)
        if not isinstance(self.card_number, str) or not (
            self.card_number.isascii() and self.card_number.isdigit()
        ):
            p.add("card_number", "must be the card number's digits")
        p.require_aware("received_at", self.received_at)
        p.require_text("operator", self.operator, "who took the call")
        p.require_text("caller", self.caller, "who rang (for example, a neighbour)")
        p.require_text("line_status", self.line_status, "what the look-up said")
        p.require_tuple_of("contacts_tried", self.contacts_tried, ContactAttempt)
        p.require_bool("replacement_care_arranged", self.replacement_care_arranged)
        p.require_bool("exceptional", self.exceptional)
        hours = self.replacement_care_hours
        if self.replacement_care_arranged is True:
            if isinstance(hours, bool) or not isinstance(hours, int):
                p.add("replacement_care_hours", "say for how many hours care was arranged")
            elif not 1 <= hours <= MAX_RECORDED_HOURS:
                p.add("replacement_care_hours", f"{hours} is not a number of hours from 1")
        elif hours is not None:
            p.add(
                "replacement_care_hours",
                "no replacement care was arranged; tick 'arranged' or clear the hours",
            )
        if self.exceptional is True and self.exceptional_reason is None:
            p.add("exceptional_reason", "say why this case is exceptional")
        if self.exceptional is True and self.replacement_care_arranged is not True:
            p.add("exceptional", "only arranged replacement care can be exceptional")
        p.require_date("followed_up_on", self.followed_up_on, optional=True)
        if self.followed_up_on is not None and self.follow_up is None:
            p.add("followed_up_on", "there was nothing to follow up")
        p.require_aware("created_at", self.created_at)
        p.raise_if_any()

    @property
    def reached(self) -> tuple[ContactAttempt, ...]:
        return tuple(a for a in self.contacts_tried if a.reached)

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up is not None and self.followed_up_on is None
