"""``carer-desk show carer ID``: one carer's record and everything linked to it, each
with its id, so the ids other commands take (``print letter --request``, ``print sign-in
--session``, ``refused discard``) are on screen."""

from __future__ import annotations

from carer_desk.config import Settings
from carer_desk.formatting import iso_date, long_date, money
from carer_desk.ports import RecordStore
from carer_desk.records.conversation import ConversationStatus, GuidedConversation
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.cards import CardService
from carer_desk.services.carer_file import CarerFile, CarerFileService
from carer_desk.services.carers import CarerService
from carer_desk.services.groups import GroupService


def carer_lines(store: RecordStore, settings: Settings, carer_id: str) -> list[str]:
    """The lines ``show carer`` prints (the view is audited once, as the file's)."""
    carers = CarerService(store, settings)
    groups = GroupService(store, settings)
    file = CarerFileService(store, settings, caseload=carers.caseload, groups=groups).open(carer_id)
    lines = carers.describe(file.carer)
    closure = file.carer.closure
    if closure is not None:
        lines.insert(
            1,
            f"  CLOSED on {long_date(closure.closed_on)}: {closure.reason.label}"
            + (f" ({closure.note})" if closure.note else ""),
        )
    lines.extend(f"  Note: {notice}" for notice in carers.notices(file.carer))
    lines.extend(_conversations(file))
    lines.extend(_payments(file))
    lines.extend(_plan(file))
    lines.extend(_cards(file, CardService(store, settings), settings.cards.group_size))
    lines.extend(_calls(file))
    lines.extend(_groups(file))
    return lines


def _heading(title: str, count: int) -> str:
    return f"{title} ({count}):" if count else f"{title}: none"


def _conversations(file: CarerFile) -> list[str]:
    out = [_heading("Conversations", len(file.conversations))]
    for c in file.conversations:
        out.append(f"  {c.id}  started {iso_date(c.started_on)}  {_conversation_state(c)}")
    return out


def _conversation_state(c: GuidedConversation) -> str:
    if c.status != ConversationStatus.COMPLETE:
        return "draft"
    done = f"completed {iso_date(c.completed_on)}" if c.completed_on else "completed"
    if c.determination is not None:
        return f"{done}; assessment: {c.determination.summary}"
    if c.stage3 is None:
        return f"{done}; listening and connecting was enough (no assessment)"
    return f"{done}; assessment"


def _payments(file: CarerFile) -> list[str]:
    out = [_heading("Wellbeing payment requests", len(file.payments))]
    for r in file.payments:
        line = (
            f"  {r.id}  {iso_date(r.requested_on)}  {money(r.amount_pence)}  "
            f"{r.purpose.label}  {r.status.label}"
        )
        if r.office_flag:
            line += f"  [for the office: {r.office_flag}]"
        out.append(line)
    return out


def _plan(file: CarerFile) -> list[str]:
    plan = file.plan
    if plan is None:
        return ["Emergency plan: none"]
    if plan.consent_withdrawn:
        state = f"consent to share withdrawn on {long_date(plan.consent_withdrawn_on)}"
    elif file.plan_missing:
        state = "still needs " + "; ".join(file.plan_missing)
    else:
        state = "in place"
    review = f", review by {iso_date(plan.review_date)}" if plan.review_date else ""
    return ["Emergency plan:", f"  {plan.id}  {state}{review}"]


def _cards(file: CarerFile, cards: CardService, group: int) -> list[str]:
    out = [_heading("Emergency cards", len(file.cards))]
    for card in file.cards:
        standing = cards.standing(card)
        words = standing.reason or card.status.label
        out.append(
            f"  {card.id}  {format_card_number(card.number, group)}  {card.holder.label}  {words}"
        )
    return out


def _calls(file: CarerFile) -> list[str]:
    out = [_heading("Calls to the emergency line", len(file.calls))]
    for call in file.calls:
        care = (
            f"replacement care {call.replacement_care_hours} hours"
            if call.replacement_care_arranged
            else "no replacement care"
        )
        follow = "; follow-up open" if call.follow_up_open else ""
        out.append(
            f"  {call.id}  {call.received_at:%Y-%m-%d %H:%M} UTC  rang: {call.caller}  "
            f"{care}{follow}"
        )
    return out


def _groups(file: CarerFile) -> list[str]:
    out = [_heading("Peer groups", len(file.groups))]
    for group, member in file.groups:
        out.append(f"  {group.id}  {group.name}  (member since {iso_date(member.joined_on)})")
    return out
