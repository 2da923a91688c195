"""``carer-desk-server report ...``: the reports from the server's command line, for the
IT officer or service manager at the server (the same desk the HTTP API uses; the audit
names ``admin-cli``).

    carer-desk-server report quarterly --fy 2024 --quarter 1 [--format json|csv|pdf]
        [--external [--suppress-below N]] [--out FILE]
    carer-desk-server report drill --fy 2024 --quarter 1 --key waiting_list.overdue [--ytd]
    carer-desk-server report budget [--fy 2024]
    carer-desk-server report queues [--team north]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from carer_desk.rules.reporting import DEFAULT_SUPPRESS_BELOW, Audience
from sync.protocol import Role
from sync.server.payments import service_today
from sync.server.reports.desk import Format, ReportDesk
from sync.server.reports.facts import ensure_current
from sync.server.settings import PaymentRules

ACTOR = "admin-cli"


def add_report_parsers(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="contract reports, budget and work queues")
    rsub = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    quarterly = rsub.add_parser("quarterly", help="the quarterly contract-monitoring report")
    _period(quarterly)
    quarterly.add_argument("--format", choices=[f.value for f in Format], default="json")
    quarterly.add_argument(
        "--external", action="store_true", help="for sharing: suppress small numbers"
    )
    quarterly.add_argument("--suppress-below", type=int, default=DEFAULT_SUPPRESS_BELOW)
    quarterly.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    quarterly.set_defaults(handler=cmd_quarterly)
    drill = rsub.add_parser("drill", help="the records behind one figure of the report")
    _period(drill)
    drill.add_argument("--key", required=True, help="a figure key, e.g. waiting_list.overdue")
    drill.add_argument("--ytd", action="store_true", help="the year to date, not the quarter")
    drill.set_defaults(handler=cmd_drill)
    budget = rsub.add_parser("budget", help="the wellbeing budget and its forecast")
    budget.add_argument("--fy", type=int, default=None, help="default: the current year")
    budget.set_defaults(handler=cmd_budget)
    queues = rsub.add_parser("queues", help="work queues per team and worker")
    queues.add_argument("--team", default=None)
    queues.set_defaults(handler=cmd_queues)


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fy", type=int, required=True, help="the year it starts: 2024 = 2024/25")
    parser.add_argument("--quarter", type=int, required=True, choices=(1, 2, 3, 4))


def _desk(store: Any, args: argparse.Namespace) -> ReportDesk:
    ensure_current(store)
    settings = getattr(args, "server_settings", None)
    rules = settings.payments if settings is not None else PaymentRules()
    # Each financial year's own budget (a new year's figure never rewrites an old year).
    return ReportDesk(store, service_today, budget_for=rules.payments.budget_for)


def write_output(body: bytes, out: Path | None) -> None:
    """To ``out`` atomically and readable by the owner only (a report can name people),
    or to standard output."""
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    print(f"Wrote {out}.", file=sys.stderr)


def cmd_quarterly(args: argparse.Namespace, store: Any) -> int:
    rendered = _desk(store, args).quarterly(
        ACTOR,
        Role.ADMIN,
        args.fy,
        args.quarter,
        audience=Audience.EXTERNAL if args.external else Audience.INTERNAL,
        suppress_below=args.suppress_below,
        fmt=Format(args.format),
    )
    write_output(rendered.body, args.out)
    return 0


def cmd_drill(args: argparse.Namespace, store: Any) -> int:
    answer = _desk(store, args).drill(
        ACTOR, Role.ADMIN, args.fy, args.quarter, args.key, year_to_date=args.ytd
    )
    print(json.dumps(answer, ensure_ascii=False, indent=1))
    return 0


def cmd_budget(args: argparse.Namespace, store: Any) -> int:
    answer = _desk(store, args).budget(ACTOR, Role.ADMIN, args.fy)
    if answer["warning"]:
        print(answer["warning"], file=sys.stderr)
    print(json.dumps(answer, ensure_ascii=False, indent=1))
    return 0


def cmd_queues(args: argparse.Namespace, store: Any) -> int:
    answer = _desk(store, args).queues(ACTOR, Role.ADMIN, None, args.team)
    print(json.dumps(answer, ensure_ascii=False, indent=1))
    return 0
