"""Commands for the emergency line, consent, cards, closing records and the payment cap:
``lookup``, ``record-call``, ``plan-consent``, ``issue-card``, ``close-record``,
``reopen-record`` and ``cap``. Each is a thin call of the core's service, printing the
service's own words; the rules live in the core."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.errors import CarerDeskError, UnknownCarer
from carer_desk.formatting import long_date, money
from carer_desk.records.calls import ContactAttempt
from carer_desk.records.carer import ClosureReason
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.rules.emergency_line import LineAnswer
from carer_desk.services.calls import CallService
from carer_desk.services.cards import CardService
from carer_desk.services.carers import CarerService
from carer_desk.services.closure import ClosureService
from carer_desk.services.payments import PaymentService
from carer_desk.services.plans import PlanService


def add_care_parsers(sub: argparse._SubParsersAction) -> None:
    lookup = sub.add_parser(
        "lookup",
        help="emergency line: look up a card number read out over the phone (audited)",
    )
    lookup.add_argument("number", help="the card number, with or without spaces")
    lookup.add_argument("--json", action="store_true", help="print the answer as JSON")
    lookup.set_defaults(handler=cmd_lookup)

    call = sub.add_parser(
        "record-call",
        help="emergency line: record a call (who rang, who was reached, replacement care)",
    )
    call.add_argument("number", help="the card number the caller read out")
    call.add_argument("--caller", required=True, help="who rang, e.g. 'a neighbour'")
    call.add_argument(
        "--reached", action="append", default=[], metavar="NAME", help="a contact reached"
    )
    call.add_argument(
        "--tried", action="append", default=[], metavar="NAME", help="a contact not reached"
    )
    call.add_argument("--hours", type=int, default=None, help="hours of replacement care")
    call.add_argument(
        "--exceptional", metavar="REASON", default=None, help="why more hours than usual"
    )
    call.add_argument("--follow-up", default=None, help="what the office must do next")
    call.set_defaults(handler=cmd_record_call)

    consent = sub.add_parser(
        "plan-consent", help="record that a carer withdrew, or gave again, consent to share"
    )
    consent.add_argument("action", choices=["withdraw", "give"])
    consent.add_argument("--carer", required=True, metavar="ID")
    consent.set_defaults(handler=cmd_plan_consent)

    issue = sub.add_parser("issue-card", help="issue an emergency card for a carer's plan")
    issue.add_argument("--carer", required=True, metavar="ID")
    issue.add_argument(
        "--for-person", metavar="PERSON_ID", default=None, help="a person cared for's own card"
    )
    issue.set_defaults(handler=cmd_issue_card)

    close = sub.add_parser("close-record", help="close a carer's record (with reason and date)")
    close.add_argument("carer_id", metavar="ID")
    close.add_argument("--reason", required=True, choices=[r.value for r in ClosureReason])
    close.add_argument("--on", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    close.add_argument("--note", default=None)
    close.set_defaults(handler=cmd_close_record)

    reopen = sub.add_parser("reopen-record", help="reopen a closed carer's record")
    reopen.add_argument("carer_id", metavar="ID")
    reopen.set_defaults(handler=cmd_reopen_record)

    cap = sub.add_parser("cap", help="what is left of a carer's wellbeing-payment limit")
    cap.add_argument("--carer", required=True, metavar="ID")
    cap.set_defaults(handler=cmd_cap)


# --- the emergency line -------------------------------------------------------------------


def answer_lines(answer: LineAnswer) -> list[str]:
    """The operator's screen, as text: the headline first, then what to do, then (only
    when the plan may be used) where care is needed and the contacts in order."""
    lines = [f"Card {answer.number_display}: {answer.message}", f"What to do: {answer.what_to_do}"]
    if answer.missing and answer.usable:
        lines.append("Missing from the plan: " + "; ".join(answer.missing))
    if answer.review_overdue_since:
        lines.append(
            f"The plan was due for review on {long_date(answer.review_overdue_since)}: check "
            "what it says with the caller."
        )
    if answer.carer_name:
        lines.append(f"Carer: {answer.carer_name}")
    if answer.carer_phone and answer.usable:
        lines.append(f"Carer's phone: {answer.carer_phone}")
    for person in answer.people:
        where = ", ".join(person.address) if person.address else "not known"
        lines.append(f"Cared for: {person.name} — care needed at: {where} ({person.address_note})")
        lines.append(f"  Needs: {person.care_needed}")
        lines.append(f"  Medication: {'; '.join(person.medication)}")
        lines.append(f"  Allergies: {person.allergies}")
    if answer.access is not None:
        for label, value in (
            ("How to get in", answer.access.how_to_get_in),
            ("Keys", answer.access.who_holds_keys),
            ("Key safe", answer.access.key_safe),
        ):
            if value:
                lines.append(f"{label}: {value}")
    for c in answer.contacts:
        extra = f", {c.availability}" if c.availability else ""
        key = ", has a key" if c.holds_key else ""
        lines.append(f"Ring {c.position}: {c.name} ({c.role}) {c.phone}{extra}{key}")
    return lines


@with_hints
def cmd_lookup(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        found = CardService(vault, ctx.settings).lookup(args.number)
    if args.json:
        json.dump(asdict(found.answer), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print("\n".join(answer_lines(found.answer)))
    return 0


@with_hints
def cmd_record_call(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        lookup = CardService(vault, ctx.settings).lookup(args.number)
        by_name = {c.name.casefold(): c.contact_id for c in lookup.answer.contacts}
        attempts = [
            ContactAttempt(contact_id=by_name.get(name.casefold()), name=name, reached=reached)
            for names, reached in ((args.reached, True), (args.tried, False))
            for name in names
        ]
        call = CallService(vault, ctx.settings).record_call(
            lookup,
            caller=args.caller,
            contacts_tried=attempts,
            replacement_care_hours=args.hours,
            exceptional_reason=args.exceptional,
            follow_up=args.follow_up,
        )
    ctx.keep("the call was recorded")
    care = (
        f"{call.replacement_care_hours} hours of replacement care"
        if call.replacement_care_arranged
        else "no replacement care"
    )
    print(f"Call {call.id} recorded: {len(call.reached)} contact(s) reached, {care}.")
    return 0


# --- consent, cards and closing -------------------------------------------------------------


@with_hints
def cmd_plan_consent(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        plans = PlanService(vault, ctx.settings)
        plan = plans.find_for_carer(args.carer)
        if plan is None:
            raise CarerDeskError("This carer has no emergency plan yet; write one first.")
        if args.action == "withdraw":
            saved = plans.withdraw_consent(plan.id)
            message = (
                f"Consent to share the plan was withdrawn on "
                f"{long_date(saved.plan.consent_withdrawn_on)}: the carer's cards are "
                "suspended until consent is given again."
            )
        else:
            saved = plans.give_consent(plan.id)
            message = "Consent to share the plan was recorded: the carer's cards work again."
    print(message)
    return 0


@with_hints
def cmd_issue_card(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        plan = PlanService(vault, ctx.settings).find_for_carer(args.carer)
        if plan is None:
            raise CarerDeskError("This carer has no emergency plan yet; write one first.")
        holder = "cared_for" if args.for_person else "carer"
        card = CardService(vault, ctx.settings).issue_card(plan.id, holder, args.for_person)
    print(
        f"Card {format_card_number(card.number, ctx.settings.cards.group_size)} issued "
        f"({card.id}); it waits in the print queue."
    )
    return 0


@with_hints
def cmd_close_record(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        closed = ClosureService(vault, ctx.settings).close(
            args.carer_id, ClosureReason(args.reason), on=args.on, note=args.note
        )
    ctx.keep("the record was closed")
    print(closed.summary)
    for request in closed.flagged_payments:
        print(
            f"  for the office: request {request.id} ({money(request.amount_pence)}, "
            f"{request.status.label.lower()})"
        )
    return 0


@with_hints
def cmd_reopen_record(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        carer = ClosureService(vault, ctx.settings).reopen(args.carer_id)
    print(
        f"{carer.display_name}'s record is open again. Cards revoked at the closure stay "
        "revoked: issue new ones once the plan is checked."
    )
    return 0


@with_hints
def cmd_cap(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        if args.carer not in CarerService(vault, ctx.settings).caseload:
            raise UnknownCarer(args.carer)
        position = PaymentService(vault, ctx.settings).cap_position(args.carer)
    print(position.message)
    return 0
