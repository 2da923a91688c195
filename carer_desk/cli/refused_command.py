"""``carer-desk refused``: the changes the office server refused, and what to do with each.

    carer-desk refused                      list them, each with the server's reason
    carer-desk refused show CHANGE_ID       the record as this laptop holds it (JSON)
    carer-desk refused correct CHANGE_ID --from FILE.json
                                            save the corrected record; it goes at the next sync
    carer-desk refused discard CHANGE_ID    drop the change; the office's copy comes back

The rules (what a correction must pass, what discarding does) are the core's
(:class:`carer_desk.services.refused.RefusedChangeService`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.errors import CarerDeskError
from carer_desk.services.refused import RefusedChangeService


def add_refused_parsers(sub: argparse._SubParsersAction) -> None:
    refused = sub.add_parser(
        "refused",
        help="changes the office refused: list, show, correct or discard them",
        description="A refused change is held on this laptop with the office's reason and "
        "never sent again as it is. Correct the record (it goes at the next sync) or discard "
        "the change (the office's copy comes back at the next sync).",
    )
    refused.add_argument("--json", action="store_true", help="list as JSON")
    rsub = refused.add_subparsers(dest="refused_action", metavar="ACTION")
    show = rsub.add_parser("show", help="print the refused record as JSON, to correct it")
    show.add_argument("change_id", metavar="CHANGE_ID")
    correct = rsub.add_parser("correct", help="save a corrected record from a JSON file")
    correct.add_argument("change_id", metavar="CHANGE_ID")
    correct.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE.json")
    discard = rsub.add_parser(
        "discard", help="drop the change; the office's copy comes back at the next sync"
    )
    discard.add_argument("change_id", metavar="CHANGE_ID")
    refused.set_defaults(handler=cmd_refused)


@with_hints
def cmd_refused(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = RefusedChangeService(vault, ctx.settings, outbox=vault)
        action = getattr(args, "refused_action", None)
        if action == "show":
            _kind, payload = service.record_for_correction(args.change_id)
            json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return 0
        if action == "correct":
            payload = _read_json(args.source)
            service.correct(args.change_id, payload)
            ctx.keep("the corrected record was saved")
            print("The corrected record is saved; it goes to the office at the next sync.")
            return 0
        if action == "discard":
            print(service.discard(args.change_id).message)
            ctx.keep("the change was discarded")
            return 0
        items = service.refused()
    if args.json:
        json.dump([asdict(i) for i in items], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not items:
        print("Nothing is refused: every change was accepted by the office or is waiting.")
        return 0
    for item in items:
        what = "delete of" if item.deleting else "change to"
        print(f"{item.change_id}  {what} {item.description} ({item.record_id})")
        print(f"    refused because: {item.reason}")
    print(
        f"{len(items)} refused change{'s' if len(items) != 1 else ''}: correct each "
        "('refused show ID', edit, then 'refused correct ID --from FILE') or discard it "
        "('refused discard ID')."
    )
    return 0


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CarerDeskError(f"Cannot read {path}: {exc.strerror}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CarerDeskError(f"{path} is not a JSON record ({exc}); nothing was changed.") from exc
    if not isinstance(data, dict):
        raise CarerDeskError(f"{path} must hold one record (a JSON object); nothing was changed.")
    return data
