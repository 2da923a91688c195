"""Commands that record what the contract's KPIs count (issue 11): ``first-contact``,
``waiting-list``, ``gp``, ``self-assessment received|reviewed|queue`` and ``review``
(start a review conversation). Thin calls of :mod:`carer_desk.services.contract_inputs`."""

from __future__ import annotations

import argparse
from datetime import date

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.formatting import long_date
from carer_desk.services.contract_inputs import ContractInputService
from carer_desk.services.conversations import ConversationService

_DAY = {"type": date.fromisoformat, "default": None, "metavar": "YYYY-MM-DD"}
_GP_ANSWERS = {"yes": True, "no": False, "unknown": None}


def add_contract_parsers(sub: argparse._SubParsersAction) -> None:
    first = sub.add_parser(
        "first-contact", help="record the first contact with a carer on the waiting list"
    )
    first.add_argument("carer_id", metavar="ID")
    first.add_argument("--on", help="the day of the contact (default today)", **_DAY)
    first.set_defaults(handler=cmd_first_contact)

    waiting = sub.add_parser(
        "waiting-list", help="referred carers not contacted yet, with their 5-working-day deadline"
    )
    waiting.set_defaults(handler=cmd_waiting_list)

    gp = sub.add_parser("gp", help="record the GP question: encouraged, or registered as a carer")
    gp.add_argument("carer_id", metavar="ID")
    gp.add_argument("--encouraged-on", help="encouraged to register with their GP", **_DAY)
    gp.add_argument("--registered", choices=sorted(_GP_ANSWERS), default=None)
    gp.set_defaults(handler=cmd_gp)

    sa = sub.add_parser("self-assessment", help="self-assessments from the portal")
    sa_sub = sa.add_subparsers(dest="sa_action", required=True, metavar="ACTION")
    received = sa_sub.add_parser("received", help="a self-assessment arrived for a carer")
    received.add_argument("--carer", required=True, metavar="ID")
    received.add_argument("--on", help="the day it arrived (default today)", **_DAY)
    received.set_defaults(handler=cmd_sa_received)
    reviewed = sa_sub.add_parser("reviewed", help="the office reviewed a self-assessment")
    reviewed.add_argument("conversation_id", metavar="CONVERSATION_ID")
    reviewed.add_argument("--on", help="the day of the review (default today)", **_DAY)
    reviewed.set_defaults(handler=cmd_sa_reviewed)
    queue = sa_sub.add_parser("queue", help="self-assessments waiting for review")
    queue.set_defaults(handler=cmd_sa_queue)

    review = sub.add_parser("review", help="start a review conversation with a carer")
    review.add_argument("carer_id", metavar="ID")
    review.add_argument(
        "--mode", choices=["in_person", "phone", "video"], default="in_person", help="how held"
    )
    review.set_defaults(handler=cmd_review)


def _late(overdue: bool) -> str:
    return "  OVERDUE" if overdue else ""


@with_hints
def cmd_first_contact(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = ContractInputService(vault, ctx.settings)
        carer = service.record_first_contact(args.carer_id, args.on)
        within = service.first_contact_within_deadline(carer)
    ctx.keep("the first contact was recorded")
    assert carer.referral.contacted_on is not None
    verdict = "within" if within else "outside"
    print(
        f"First contact with {carer.display_name} recorded on "
        f"{long_date(carer.referral.contacted_on)}: {verdict} 5 working days of the referral "
        f"on {long_date(carer.referral.date)}."
    )
    return 0


@with_hints
def cmd_waiting_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        waiting = ContractInputService(vault, ctx.settings).waiting_list()
    if not waiting:
        print("Nobody is waiting for a first contact.")
        return 0
    for w in waiting:
        print(
            f"{w.contact_due_by.isoformat()}  {w.display_name}  ({w.carer_id}, referred "
            f"{w.referred_on.isoformat()}, {w.team or 'no team'}){_late(w.overdue)}"
        )
    return 0


@with_hints
def cmd_gp(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.encouraged_on is None and args.registered is None:
        print("Say what to record: --encouraged-on YYYY-MM-DD and/or --registered yes|no|unknown.")
        return 2
    with ctx.open_vault() as vault:
        service = ContractInputService(vault, ctx.settings)
        if args.encouraged_on is not None:
            carer = service.record_gp_encouraged(args.carer_id, args.encouraged_on)
        if args.registered is not None:
            carer = service.record_gp_registered(args.carer_id, _GP_ANSWERS[args.registered])
    ctx.keep("the GP answer was recorded")
    registered = {True: "registered", False: "not registered", None: "not known"}[
        carer.registered_with_gp_as_carer
    ]
    encouraged = carer.encouraged_to_register_with_gp_on
    print(
        f"{carer.display_name}: {registered} as a carer with their GP"
        + (f"; encouraged to register on {long_date(encouraged)}." if encouraged else ".")
    )
    return 0


@with_hints
def cmd_sa_received(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = ContractInputService(vault, ctx.settings)
        conversation = service.self_assessment_received(args.carer, args.on)
        [queued] = [
            q for q in service.self_assessments_to_review() if q.conversation_id == conversation.id
        ]
    ctx.keep("the self-assessment was recorded")
    print(
        f"Self-assessment {conversation.id} received on {long_date(conversation.started_on)}; "
        f"review it by {long_date(queued.review_due_by)} (2 working days)."
    )
    return 0


@with_hints
def cmd_sa_reviewed(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        conversation = ContractInputService(vault, ctx.settings).self_assessment_reviewed(
            args.conversation_id, args.on
        )
    ctx.keep("the review was recorded")
    assert conversation.reviewed_on is not None
    print(f"Self-assessment {conversation.id} reviewed on {long_date(conversation.reviewed_on)}.")
    return 0


@with_hints
def cmd_sa_queue(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        queue = ContractInputService(vault, ctx.settings).self_assessments_to_review()
    if not queue:
        print("No self-assessment is waiting for review.")
    for q in queue:
        print(
            f"{q.review_due_by.isoformat()}  {q.conversation_id}  (carer {q.carer_id}, received "
            f"{q.received_on.isoformat()}){_late(q.overdue)}"
        )
    return 0


@with_hints
def cmd_review(args: argparse.Namespace, ctx: CliContext) -> int:
    from carer_desk.records.conversation import ConversationMode

    with ctx.open_vault() as vault:
        conversation = ConversationService(vault, ctx.settings).start(
            args.carer_id, mode=ConversationMode(args.mode), is_review=True
        )
    ctx.keep("the review conversation was started")
    print(f"Review conversation {conversation.id} started.")
    return 0
