"""``carer-desk conflicts`` and ``carer-desk resolve``: a person settles a sync conflict.

Part of the composition root, like ``sync_command``: it wires the vault to the sync
client. Values are printed because the person must see both to choose; they go to the
terminal only, never to a log or the audit trail (which records field names only).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

import httpx

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.sync_gateway import build_engine
from storage.vault import Vault
from sync.client.backoff import NO_RETRY
from sync.client.conflicts import (
    MINE,
    SIDES,
    THEIRS,
    ConflictEntry,
    ConflictListing,
    describe_value,
    list_conflicts,
    resolve,
)
from sync.client.errors import NotEnrolled
from sync.client.transport import HttpTransport


def add_conflict_parsers(sub: argparse._SubParsersAction) -> None:
    conflicts = sub.add_parser(
        "conflicts",
        help="list records changed differently on two devices, with both values",
        description="Lists the open conflicts from the server (or, offline, the ones this "
        "laptop recorded), each field with the value on this laptop and on the server.",
    )
    conflicts.add_argument("--json", action="store_true", help="print JSON instead of text")
    conflicts.set_defaults(handler=cmd_conflicts)

    res = sub.add_parser(
        "resolve",
        help="choose, for every conflicting field of a record, which value to keep",
        description="Decide every conflicting field: 'mine' keeps the value on this laptop, "
        "'theirs' the other one. The server records the decision so every laptop agrees; "
        "this laptop then syncs. Needs the server.",
    )
    res.add_argument("record_id", metavar="RECORD_ID", help="the record's id (see 'conflicts')")
    res.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="FIELD=mine|theirs",
        help="the side to keep for one field (repeat for each field)",
    )
    res.add_argument(
        "--all", dest="all_side", choices=SIDES, default=None, help="the side for every field"
    )
    res.set_defaults(handler=cmd_resolve)


# --- conflicts ----------------------------------------------------------------------------


def cmd_conflicts(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        return run_conflicts(args, vault)


@with_hints
def run_conflicts(
    args: argparse.Namespace,
    vault: Vault,
    *,
    client: httpx.Client | None = None,
    out: TextIO | None = None,
) -> int:
    # Looked up per call, not bound at import: sys.stdout may be replaced meanwhile.
    out = out or sys.stdout
    enrolment = load_enrolment(vault)
    transport = (
        HttpTransport(enrolment.server, enrolment.credential, client=client)
        if enrolment is not None
        else None
    )
    try:
        listing = list_conflicts(vault, transport)
    finally:
        if transport is not None:
            transport.close()
    if getattr(args, "json", False):
        body = {
            "offline": listing.offline,
            "conflicts": [e.as_json() for e in listing.entries],
            "resolved_elsewhere": [e.record_id for e in listing.settled_elsewhere],
        }
        print(json.dumps(body, indent=2, ensure_ascii=False), file=out)
    else:
        _print_listing(listing, enrolled=enrolment is not None, out=out)
    return 0


def _print_listing(listing: ConflictListing, *, enrolled: bool, out: TextIO) -> None:
    if listing.offline:
        why = "the server cannot be reached" if enrolled else "this laptop is not enrolled"
        print(
            f"offline: {why}; showing the conflicts this laptop recorded when it last "
            "synced (resolving needs the server)",
            file=out,
        )
    for entry in listing.settled_elsewhere:
        print(
            f"resolved elsewhere: {entry.kind} {entry.record_id} — {entry.description}; "
            f"take that decision with: carer-desk resolve {entry.record_id}",
            file=out,
        )
    if not listing.entries:
        print("no conflicts", file=out)
        return
    print(f"conflicts: {len(listing.entries)}", file=out)
    for entry in listing.entries:
        _print_entry(entry, out)


def _print_entry(entry: ConflictEntry, out: TextIO) -> None:
    print("", file=out)
    print(f"{entry.kind} {entry.record_id} — {entry.description}", file=out)
    if entry.raised_by:
        when = f" at {entry.raised_at}" if entry.raised_at else ""
        where = "from this laptop" if entry.raised_here else "from another device"
        print(f"  raised by {entry.raised_by}{when} ({where})", file=out)
    if entry.raised_here:
        mine_label, theirs_label = "on this laptop", "on the server"
    else:
        # This laptop holds the server's value; the other one came from the raising device.
        mine_label = "on this laptop and the server"
        theirs_label = f"from {entry.raised_by}'s device" if entry.raised_by else "other device"
    for f in entry.fields:
        print(f"  {f.field}:", file=out)
        print(f"    {MINE:<6} ({mine_label}): {describe_value(f.mine, f.field)}", file=out)
        print(f"    {THEIRS:<6} ({theirs_label}): {describe_value(f.theirs, f.field)}", file=out)
        if f.parts:
            print(
                f"    differs in {', '.join(f.parts)}; {f.field} is kept or replaced as a whole",
                file=out,
            )
    keeps = " ".join(f"--keep {f.field}=mine|theirs" for f in entry.fields)
    print(f"  to resolve: carer-desk resolve {entry.record_id} {keeps}", file=out)


# --- resolve ------------------------------------------------------------------------------


def cmd_resolve(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        return run_resolve(args, vault)


@with_hints
def run_resolve(
    args: argparse.Namespace,
    vault: Vault,
    *,
    client: httpx.Client | None = None,
    out: TextIO | None = None,
) -> int:
    # Looked up per call, not bound at import: sys.stdout may be replaced meanwhile.
    out = out or sys.stdout
    enrolment = load_enrolment(vault)
    if enrolment is None:
        raise NotEnrolled()
    # One try, no backoff: a person is waiting at the prompt, and offline is answered at
    # once with what to do rather than after a minute of retries.
    engine, transport = build_engine(vault, enrolment, client=client, backoff=NO_RETRY)
    try:
        outcome = resolve(
            vault,
            transport,
            engine,
            args.record_id,
            keep=args.keep,
            all_side=args.all_side,
        )
    finally:
        transport.close()
    if outcome.settled_elsewhere:
        print(
            f"{outcome.kind} {outcome.record_id} was already resolved on another device; "
            f"this laptop now holds that decision ({outcome.state.value})",
            file=out,
        )
    else:
        print(
            f"resolved {outcome.kind} {outcome.record_id}: {', '.join(outcome.fields)} "
            f"(server version {outcome.server_version}); on this laptop: {outcome.state.value}",
            file=out,
        )
    return 0
