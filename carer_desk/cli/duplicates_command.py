"""``carer-desk duplicates``, ``merge-carers`` and ``keep-apart``: a person reviews carers
that may have been registered twice and decides. Part of the composition root: opens the
vault and hands it to :class:`carer_desk.services.duplicates.DuplicateService`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TextIO

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.services.duplicates import DuplicateService

log = logging.getLogger(__name__)


def add_duplicates_parsers(sub: argparse._SubParsersAction) -> None:
    listing = sub.add_parser(
        "duplicates",
        help="list carers who may have been registered twice",
        description="Carers whose name, date of birth and postcode nearly match, best "
        "first. Pairs already kept apart or merged are not listed.",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON object")
    listing.set_defaults(handler=cmd_duplicates)

    merge = sub.add_parser(
        "merge-carers",
        help="merge two records of the same carer, keeping every record of both",
        description="Every record of ABSORB_ID (conversations, payment requests, plans, "
        "cards, groups) moves to KEEP_ID; details only ABSORB_ID has fill the gaps; values "
        "that differ are kept in the decision's note; then ABSORB_ID is deleted. Running it "
        "again finishes a merge that was cut short.",
    )
    merge.add_argument("keep_id", metavar="KEEP_ID", help="the carer record to keep")
    merge.add_argument("absorb_id", metavar="ABSORB_ID", help="the record merged into it")
    merge.add_argument("--note", default=None, help="why (kept with the decision)")
    merge.set_defaults(handler=cmd_merge_carers)

    apart = sub.add_parser(
        "keep-apart",
        help="record that two flagged carers are different people",
        description="The pair is not flagged again, on this laptop or, after sync, any other.",
    )
    apart.add_argument("ids", nargs=2, metavar="ID", help="the two carer ids")
    apart.add_argument("--note", default=None, help="why (e.g. 'mother and daughter')")
    apart.set_defaults(handler=cmd_keep_apart)


def _with_service(ctx: CliContext, run: Callable[[DuplicateService], int]) -> int:
    with ctx.open_vault() as vault:
        return run(DuplicateService(vault, ctx.settings))


def cmd_duplicates(args: argparse.Namespace, ctx: CliContext) -> int:
    return _with_service(ctx, lambda s: run_duplicates(s, as_json=args.json))


def cmd_merge_carers(args: argparse.Namespace, ctx: CliContext) -> int:
    return _with_service(ctx, lambda s: run_merge(s, args.keep_id, args.absorb_id, args.note))


def cmd_keep_apart(args: argparse.Namespace, ctx: CliContext) -> int:
    first, second = args.ids
    return _with_service(ctx, lambda s: run_keep_apart(s, first, second, args.note))


@with_hints
def run_duplicates(
    service: DuplicateService, *, as_json: bool = False, out: TextIO | None = None
) -> int:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced
    found = service.possible_duplicates()
    unfinished = service.unfinished_merges()
    if as_json:
        json.dump(
            {
                "possible_duplicates": [asdict(f) for f in found],
                "unfinished_merges": [
                    {"keep_id": d.kept_id, "absorb_id": d.absorbed_id} for d in unfinished
                ],
            },
            out,
            ensure_ascii=False,
            indent=2,
        )
        print(file=out)
        return 0
    for d in unfinished:
        print(
            f"unfinished merge: run 'carer-desk merge-carers {d.kept_id} {d.absorbed_id}' "
            "to finish it",
            file=out,
        )
    if not found:
        print("No possible duplicates.", file=out)
        return 0
    print(f"{len(found)} possible duplicate(s), most likely first:", file=out)
    for f in found:
        print(f"  {f.carer_name} ({f.carer_id})", file=out)
        print(f"    may be {f.other_name} ({f.other_id}): {'; '.join(f.reasons)}", file=out)
    print(
        "Decide each pair: 'carer-desk merge-carers KEEP_ID ABSORB_ID' or "
        "'carer-desk keep-apart ID ID'.",
        file=out,
    )
    return 0


@with_hints
def run_merge(
    service: DuplicateService,
    keep_id: str,
    absorb_id: str,
    note: str | None = None,
    *,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced
    result = service.merge(keep_id, absorb_id, note)
    verb = "Finished merging" if result.resumed else "Merged"
    print(
        f"{verb} {absorb_id} into {result.carer.display_name} ({keep_id}): "
        f"{len(result.moved)} linked record(s) moved.",
        file=out,
    )
    for warning in result.warnings:
        print(f"Warning: {warning}", file=out)
    return 0


@with_hints
def run_keep_apart(
    service: DuplicateService, a: str, b: str, note: str | None = None, *, out: TextIO | None = None
) -> int:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced
    service.keep_apart(a, b, note)
    print(f"Kept apart: {a} and {b} will not be flagged again.", file=out)
    return 0


__all__ = [
    "add_duplicates_parsers",
    "cmd_duplicates",
    "cmd_keep_apart",
    "cmd_merge_carers",
    "run_duplicates",
    "run_keep_apart",
    "run_merge",
]
