"""``carer-desk-server audit|retention|dp ...``: the data-protection commands.

carer-desk-server audit verify
carer-desk-server audit export --out FILE [--actor U] [--record ID] [--action A]
    [--since YYYY-MM-DD] [--until YYYY-MM-DD]
carer-desk-server retention run [--dry-run] [--years KIND=N ...] [--as-of YYYY-MM-DD]
    (the years are the stored setting, [retention] in settings.toml; --years for one run)
carer-desk-server retention hold CARER_ID --reason TEXT | retention lift CARER_ID
carer-desk-server dp request --type rectification|erasure --carer ID [--fields a,b]
    [--received YYYY-MM-DD]
carer-desk-server dp decide REQUEST_ID --decision agreed|refused|partly [--reason T]
    [--erase]
carer-desk-server dp list
carer-desk-server sar create (--carer ID | --name "NAME" [--phone P] [--email E]) [--by U]
carer-desk-server sar list | sar show REVIEW_ID
carer-desk-server sar decide REVIEW_ID ITEM=keep|redact ... [--by U]
carer-desk-server sar produce REVIEW_ID --format json|pdf --out FILE [--by U]
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from sync.server.data_protection import audit_chain, retention
from sync.server.data_protection import subject_access as sar
from sync.server.data_protection.requests import (
    Decision,
    RequestType,
    decide,
    list_requests,
    record_request,
)
from sync.server.errors import BadRequest
from sync.server.reports.cli import write_output

ACTOR = "admin-cli"
_DAY = {"type": date.fromisoformat, "metavar": "YYYY-MM-DD", "default": None}


def add_data_protection_parsers(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="verify or export the audit log (with filters)")
    asub = audit.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    verify = asub.add_parser("verify", help="check the audit chain; names the first broken entry")
    verify.set_defaults(handler=cmd_audit_verify)
    export = asub.add_parser("export", help="audit entries as JSON Lines, filtered")
    export.add_argument("--out", required=True, type=str)
    export.add_argument("--actor")
    export.add_argument("--record", dest="record_id")
    export.add_argument("--action")
    export.add_argument("--since", **_DAY)
    export.add_argument("--until", **_DAY)
    export.set_defaults(handler=cmd_audit_export)

    ret = sub.add_parser("retention", help="the retention job and legal holds")
    rsub = ret.add_subparsers(dest="retention_action", required=True, metavar="ACTION")
    run = rsub.add_parser("run", help="erase what is past retention (try --dry-run first)")
    run.add_argument("--dry-run", action="store_true")
    run.add_argument("--years", action="append", default=[], metavar="KIND=N")
    run.add_argument("--as-of", **_DAY)
    run.set_defaults(handler=cmd_retention_run)
    hold = rsub.add_parser("hold", help="place a legal hold on a carer's records")
    hold.add_argument("carer_id")
    hold.add_argument("--reason", required=True)
    hold.set_defaults(handler=cmd_hold)
    lift = rsub.add_parser("lift", help="lift a legal hold")
    lift.add_argument("carer_id")
    lift.set_defaults(handler=cmd_lift)

    dp = sub.add_parser("dp", help="rectification and erasure requests")
    dsub = dp.add_subparsers(dest="dp_action", required=True, metavar="ACTION")
    req = dsub.add_parser("request", help="record a request received")
    req.add_argument("--type", required=True, choices=[t.value for t in RequestType])
    req.add_argument("--carer", required=True)
    req.add_argument("--fields", default="", help="field names concerned, comma separated")
    req.add_argument("--received", **_DAY)
    req.set_defaults(handler=cmd_dp_request)
    dec = dsub.add_parser("decide", help="record the decision on a request")
    dec.add_argument("request_id")
    dec.add_argument("--decision", required=True, choices=[d.value for d in Decision])
    dec.add_argument("--reason")
    dec.add_argument("--erase", action="store_true", help="carry out an agreed erasure now")
    dec.add_argument("--by", default=ACTOR, help="who decided (their username)")
    dec.set_defaults(handler=cmd_dp_decide)
    lst = dsub.add_parser("list", help="requests and their decisions")
    lst.set_defaults(handler=cmd_dp_list)
    _add_subject_access_parsers(sub)


def _add_subject_access_parsers(sub: argparse._SubParsersAction) -> None:
    sar_parser = sub.add_parser("sar", help="subject-access copies with a redaction review")
    ssub = sar_parser.add_subparsers(dest="sar_action", required=True, metavar="ACTION")
    create = ssub.add_parser("create", help="gather a person's records and mark items")
    create.add_argument("--carer", dest="carer_id")
    create.add_argument("--name")
    create.add_argument("--phone")
    create.add_argument("--email")
    create.set_defaults(handler=cmd_sar_create)
    ssub.add_parser("list", help="reviews and how many items are undecided").set_defaults(
        handler=cmd_sar_list
    )
    show = ssub.add_parser("show", help="a review with its marked items (JSON)")
    show.add_argument("review_id")
    show.set_defaults(handler=cmd_sar_show)
    dec = ssub.add_parser("decide", help="keep or redact marked items")
    dec.add_argument("review_id")
    dec.add_argument("choices", nargs="+", metavar="ITEM=keep|redact")
    dec.set_defaults(handler=cmd_sar_decide)
    prod = ssub.add_parser("produce", help="write the copy once every item is decided")
    prod.add_argument("review_id")
    prod.add_argument("--format", choices=[f.value for f in sar.CopyFormat], default="pdf")
    prod.add_argument("--out", required=True)
    prod.set_defaults(handler=cmd_sar_produce)
    for parser in (create, dec, prod):
        parser.add_argument("--by", default=ACTOR, help="who did it (their username)")


def cmd_audit_verify(args: argparse.Namespace, store: Any) -> int:
    audit_chain.seal(store)
    check = audit_chain.verify(store)
    print(check.message)
    return 0 if check.ok else 1


def cmd_audit_export(args: argparse.Namespace, store: Any) -> int:
    from pathlib import Path

    audit_chain.seal(store)
    where = audit_chain.AuditFilter(args.actor, args.record_id, args.action, args.since, args.until)
    lines = [
        json.dumps(e, ensure_ascii=False, sort_keys=True) for e in audit_chain.export(store, where)
    ]
    check = audit_chain.verify(store)
    write_output(("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"), Path(args.out))
    store.audit(
        actor=ACTOR,
        action="audit-export",
        details={"lines": len(lines), "filters": where.to_json(), "chain_ok": check.ok},
    )
    print(f"Wrote {len(lines)} audit entries. {check.message}")
    return 0 if check.ok else 1


def _policy(pairs: list[str], in_force: retention.RetentionPolicy) -> retention.RetentionPolicy:
    """The stored policy (settings.toml [retention]), with this run's ``--years``."""
    years = in_force.in_force()
    for pair in pairs:
        kind, _, n = pair.partition("=")
        if not n.isdigit():
            raise BadRequest(f"--years {pair!r}: write KIND=N, e.g. payment_request=7.")
        years[kind] = int(n)
    return retention.RetentionPolicy(years)


def cmd_retention_run(args: argparse.Namespace, store: Any) -> int:
    policy = _policy(args.years, args.server_settings.retention)
    as_of = args.as_of or date.today()
    plan = retention.run(store, policy, as_of, dry_run=args.dry_run)
    audit_chain.seal(store)
    verb = "would erase" if args.dry_run else "erased"
    for item in plan:
        what = ", ".join(f"{n} {k}" for k, n in sorted(item.records.items()))
        state = f"HELD ({item.hold_reason}): kept" if item.held else f"{verb} {what}"
        print(f"{item.carer_id}\tclosed {item.closed_on.isoformat()}\t{state}")
    print(f"{len(plan)} closed carers past retention; {sum(i.held for i in plan)} held.")
    return 0


def cmd_hold(args: argparse.Namespace, store: Any) -> int:
    retention.place_hold(store, args.carer_id, args.reason, ACTOR)
    print(f"Legal hold placed on {args.carer_id}: the retention job will keep every record.")
    return 0


def cmd_lift(args: argparse.Namespace, store: Any) -> int:
    retention.lift_hold(store, args.carer_id, ACTOR)
    print(f"Legal hold lifted from {args.carer_id}.")
    return 0


def cmd_dp_request(args: argparse.Namespace, store: Any) -> int:
    fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
    rid = record_request(
        store, ACTOR, RequestType(args.type), args.carer, args.received or date.today(), fields
    )
    print(f"Request {rid} recorded ({args.type}); decide it within one month.")
    return 0


def cmd_dp_decide(args: argparse.Namespace, store: Any) -> int:
    done = decide(
        store, args.by, args.request_id, Decision(args.decision), args.reason, erase=args.erase
    )
    extra = (
        f"; {done.erased} records erased (tombstones reach laptops at sync)" if done.erased else ""
    )
    print(f"Request {done.request_id}: {done.decision} by {done.decided_by}{extra}.")
    return 0


def cmd_dp_list(args: argparse.Namespace, store: Any) -> int:
    for r in list_requests(store):
        print(json.dumps(r.to_json(), ensure_ascii=False))
    return 0


def cmd_sar_create(args: argparse.Namespace, store: Any) -> int:
    subject = sar.Subject(args.carer_id, args.name, args.phone, args.email)
    review = sar.create(store, subject, args.by)
    print(
        f"Review {review['review_id']}: {len(review['found'])} records, "
        f"{review['items']} items marked to keep or redact "
        f"(sar show {review['review_id']})."
    )
    return 0


def cmd_sar_list(args: argparse.Namespace, store: Any) -> int:
    for review in sar.list_reviews(store):
        print(json.dumps(review, ensure_ascii=False))
    return 0


def cmd_sar_show(args: argparse.Namespace, store: Any) -> int:
    print(json.dumps(sar.show(store, args.review_id), ensure_ascii=False, indent=2))
    return 0


def cmd_sar_decide(args: argparse.Namespace, store: Any) -> int:
    chosen: dict[str, sar.Choice] = {}
    for pair in args.choices:
        item, _, choice = pair.partition("=")
        if choice not in {c.value for c in sar.Choice}:
            raise BadRequest(f"{pair!r}: write ITEM=keep or ITEM=redact, e.g. i1=redact.")
        chosen[item] = sar.Choice(choice)
    review = sar.decide(store, args.review_id, chosen, args.by)
    print(f"Recorded {len(chosen)} decisions; {review['undecided']} items still undecided.")
    return 0


def cmd_sar_produce(args: argparse.Namespace, store: Any) -> int:
    from pathlib import Path

    out = sar.produce(store, args.review_id, sar.CopyFormat(args.format), args.by)
    write_output(out.body, Path(args.out))
    print(f"Wrote the subject-access copy to {args.out}.")
    return 0
