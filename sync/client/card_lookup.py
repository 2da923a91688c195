"""The office server's answer to a card look-up, as the core's :class:`LineAnswer`.

The window shows one thing for a number, whatever server answers. A server that builds
the line's answer itself (it sends ``line_status``, the people, access and consented
contacts) is taken at its word. A server that sends the stored plan instead gets the
core's own rules applied here (:func:`carer_desk.rules.emergency_line.answer_for_plan`):
the minimum, consent withdrawn and consented contacts only, so a plan that must not be
read out is never shown as good, whichever side of the upgrade the office is on. Such a
server sends no carer record, so where care is needed is known only when the plan gives
the cared-for person's address; the answer says what is missing.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any

from carer_desk.config import Settings
from carer_desk.errors import ValidationError
from carer_desk.records.codec import from_payload
from carer_desk.records.plan import EmergencyPlan
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.rules.emergency_line import (
    AccessOnLine,
    ContactOnLine,
    LineAnswer,
    LineStatus,
    PersonOnLine,
    answer_for_plan,
    revoked_what_to_do,
)
from sync.client.errors import ProtocolMismatch
from sync.protocol import CardLookupResponse


def line_answer(response: CardLookupResponse, settings: Settings, *, today: date) -> LineAnswer:
    """The core's answer for what the server sent."""
    return answer_from_wire(response.model_dump(), settings, today=today)


def answer_from_wire(data: dict[str, Any], settings: Settings, *, today: date) -> LineAnswer:
    """The core's answer for a look-up response's fields (as a dict: the fields a newer
    server adds are read when present, so the laptop follows the server's answer)."""
    try:
        if "line_status" in data:
            return _from_line_answer(data, settings)
        return _from_stored_plan(data, settings, today)
    except (KeyError, TypeError, ValueError) as exc:
        # An answer this laptop cannot read is never half shown.
        raise ProtocolMismatch(f"card look-up: {type(exc).__name__}") from exc


def _shown(data: dict[str, Any], settings: Settings) -> str:
    return data.get("number_display") or format_card_number(
        data["number"], settings.cards.group_size
    )


def _of(cls: type, item: dict[str, Any], **tuples: Any) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in item.items() if k in names}, **tuples)


def _from_line_answer(data: dict[str, Any], settings: Settings) -> LineAnswer:
    """A server that built the line's answer (the same rules, on its side)."""
    plan = data.get("plan") or {}
    return LineAnswer(
        number=data["number"],
        number_display=_shown(data, settings),
        status=LineStatus(data["line_status"]),
        message=data["message"],
        what_to_do=data.get("what_to_do") or "",
        missing=tuple(data.get("missing") or ()),
        card_id=data.get("card_id") or "",
        carer_id=data.get("carer_id") or "",
        plan_id=plan.get("id") or data.get("plan_id"),
        carer_name=data.get("carer_display_name"),
        carer_phone=data.get("carer_phone"),
        people=tuple(
            _of(
                PersonOnLine,
                {k: v for k, v in p.items() if k not in ("address", "medication")},
                address=tuple(p.get("address") or ()),
                medication=tuple(p.get("medication") or ()),
            )
            for p in data.get("people") or ()
        ),
        access=_of(AccessOnLine, data["access"]) if data.get("access") else None,
        contacts=tuple(_of(ContactOnLine, c) for c in data.get("contacts") or ()),
        consent_withdrawn_on=data.get("consent_withdrawn_on"),
        revoked_on=data.get("revoked_on"),
        current_card_number=data.get("current_card_number"),
        replacement_care_route=data.get("replacement_care_route")
        or settings.emergency_line.replacement_care_route,
        replacement_care_hours=data.get("replacement_care_hours")
        or settings.emergency_line.replacement_care_hours,
        exceptional_replacement_care_hours=data.get("exceptional_replacement_care_hours")
        or settings.emergency_line.exceptional_replacement_care_hours,
        review_overdue_since=data.get("review_overdue_since"),
    )


def _from_stored_plan(data: dict[str, Any], settings: Settings, today: date) -> LineAnswer:
    """A server that sends the stored plan: the core decides what may be shown."""
    line = settings.emergency_line
    group = settings.cards.group_size
    name = data.get("carer_display_name")
    if data["revoked"]:
        current = data.get("current_card_number")
        return LineAnswer(
            number=data["number"],
            number_display=_shown(data, settings),
            status=LineStatus.REVOKED,
            message=data["message"],
            what_to_do=revoked_what_to_do(current, line, group),
            missing=(),
            card_id=data.get("card_id") or "",
            carer_id=data.get("carer_id") or "",
            plan_id=None,
            carer_name=name,
            carer_phone=None,
            current_card_number=current,
            replacement_care_route=line.replacement_care_route,
            replacement_care_hours=line.replacement_care_hours,
            exceptional_replacement_care_hours=line.exceptional_replacement_care_hours,
        )
    plan: EmergencyPlan | None = None
    if data.get("plan") is not None:
        try:
            plan = from_payload("plan", data["plan"])
        except ValidationError as exc:
            raise ProtocolMismatch("card look-up: the plan could not be read") from exc
    carer_id = data.get("carer_id") or (plan.carer_id if plan is not None else "")
    answer = answer_for_plan(
        data.get("card_id") or "",
        data["number"],
        carer_id,
        plan.id if plan is not None else "",
        plan,
        None,
        line,
        today=today,
        group_size=group,
    )
    if plan is None:
        # The server's own words: the card is registered, its plan is not on the server.
        answer = replace(answer, message=data["message"], plan_id=None)
    return replace(answer, carer_name=name)
