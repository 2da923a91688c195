"""``carer-desk enrol`` and ``carer-desk sync``: the laptop's side of the central server.

Part of the composition root: this module wires the vault (``storage``) to the sync client
(``sync.client``). The device credential the server hands out at enrolment is kept sealed
inside the vault, never in a plain file, and the user's server password is never stored.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

import httpx

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.cli.passphrase import SecretReader
from carer_desk.errors import CarerDeskError
from carer_desk.ports import SyncState
from carer_desk.rules.duplicates import (
    DuplicateCandidate,
    find_duplicates_among,
    pair_key,
    person_key,
)
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.sync_gateway import (
    build_engine,
    check_server_address,
    enrol_laptop,
    wipe_vault,
)
from storage.vault import Vault
from sync.client.engine import SyncEngine, SyncSummary, held_back_sentence
from sync.client.errors import NotEnrolled, ServerUnreachable
from sync.client.reachability import ReachabilityWatcher, WatchSettings
from sync.client.transport import HttpTransport
from sync.client.wipe import safe_to_decommission, unsynced_count

log = logging.getLogger(__name__)

PASSWORD_ENV = "CARER_DESK_PASSWORD"


def new_carer_ids(vault: Vault) -> set[str]:
    """Carers registered on this laptop and never synced: the ones to check for duplicates."""
    ids = set()
    for record_id, _ in vault.iter_kind("carer"):
        if vault.meta(record_id).server_version is None:
            ids.add(record_id)
    return ids


def possible_duplicates(vault: Vault, new_ids: Iterable[str]) -> list[DuplicateCandidate]:
    wanted = set(new_ids)
    if not wanted:
        return []
    keys = [person_key(rid, payload) for rid, payload in vault.iter_kind("carer")]
    # Pairs a person has already kept apart or merged (here or, synced, elsewhere).
    decided = [
        pair_key(*payload["carer_ids"])
        for _, payload in vault.iter_kind("duplicate_decision")
        if len(payload.get("carer_ids") or ()) == 2
    ]
    return find_duplicates_among(keys, new_ids=wanted, kept_apart=decided)


# --- commands -----------------------------------------------------------------------------


def add_sync_parsers(sub: argparse._SubParsersAction) -> None:
    enrol = sub.add_parser(
        "enrol",
        help="enrol this laptop with the Carer Desk server (once)",
        description="Log in to the server once; the laptop gets its own device credential, "
        f"kept sealed in the vault. Password from {PASSWORD_ENV} or standard input (after "
        "the vault passphrase).",
    )
    enrol.add_argument(
        "--server", required=True, help="server address, e.g. https://carerdesk.example.org"
    )
    enrol.add_argument("--username", required=True, help="your server user name")
    enrol.add_argument(
        "--device-name",
        default=None,
        help="name shown to administrators (default: this computer's name)",
    )
    enrol.set_defaults(handler=cmd_enrol)

    sync = sub.add_parser(
        "sync",
        help="send your changes and fetch your colleagues' now",
        description="Push the outbox, then pull; prints what happened.",
    )
    sync.add_argument(
        "--watch",
        action="store_true",
        help="keep running: sync again whenever the server becomes reachable (stop with Ctrl+C)",
    )
    sync.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    sync.set_defaults(handler=cmd_sync)

    sign_out = sub.add_parser(
        "sign-out", help="remove this laptop's vault, only if nothing unsynced would be lost"
    )
    sign_out.add_argument("--yes", action="store_true", help="confirm the removal")
    sign_out.set_defaults(handler=cmd_sign_out)


def cmd_enrol(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        return run_enrol(args, vault, secrets=ctx.secrets)


@with_hints
def run_enrol(
    args: argparse.Namespace,
    vault: Vault,
    *,
    secrets: SecretReader,
    client: httpx.Client | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced
    server = check_server_address(args.server)
    password = secrets.read(PASSWORD_ENV, f"Server password for {args.username}")
    enrolment = enrol_laptop(
        vault,
        server,
        args.username,
        password,
        device_name=args.device_name,
        client=client,
    )
    print(
        f"enrolled as {enrolment.username} ({enrolment.role}) on {server}; "
        f"device {enrolment.device_id}",
        file=out,
    )
    return 0


def cmd_sync(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        return run_sync(args, vault)


@with_hints
def run_sync(
    args: argparse.Namespace,
    vault: Vault,
    *,
    client: httpx.Client | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced
    enrolment = load_enrolment(vault)
    if enrolment is None:
        raise NotEnrolled()
    engine, transport = build_engine(
        vault, enrolment, client=client, batch_size=getattr(args, "batch_size", None)
    )
    try:
        if getattr(args, "watch", False):
            return _watch(engine, transport, vault, out)
        result = _sync_once(engine, vault)
        _print_summary(result, vault, out)
        return max(_held_back_exit(result[0]), _refused_exit(vault))
    finally:
        transport.close()


def _held_back_exit(summary: SyncSummary) -> int:
    """1 when changes were held back: the vault file was edited outside Carer Desk, and
    what it holds was not sent. A script must notice that as much as a refusal."""
    if not summary.held_back:
        return 0
    print(f"carer-desk: {held_back_sentence(len(summary.held_back))}.", file=sys.stderr)
    return 1


def _refused_exit(vault: Vault) -> int:
    """1, with a one-line summary on stderr, while the office has refused anything: a
    sync that leaves work refused has not done its job (scripts must notice)."""
    refused = vault.rejected_changes()
    if not refused:
        return 0
    n = len(refused)
    print(
        f"carer-desk: {n} change{'s were' if n != 1 else ' was'} refused by the office and "
        f"{'are' if n != 1 else 'is'} held on this laptop: correct or discard "
        f"{'them' if n != 1 else 'it'} ('carer-desk refused' lists them with the reasons).",
        file=sys.stderr,
    )
    return 1


def _sync_once(engine: SyncEngine, vault: Vault) -> tuple[SyncSummary, list[DuplicateCandidate]]:
    fresh = new_carer_ids(vault)
    summary = engine.sync_now()
    return summary, possible_duplicates(vault, fresh)


def _print_summary(
    result: tuple[SyncSummary, list[DuplicateCandidate]], vault: Vault, out: TextIO
) -> None:
    summary, duplicates = result
    for line in summary.lines():
        print(line, file=out)
    if duplicates:
        print(f"possible duplicates: {len(duplicates)}", file=out)
        for d in duplicates:
            print(
                f"  new carer {d.record_id} may be carer {d.other_id}: {'; '.join(d.reasons)}",
                file=out,
            )
        print(
            "  decide with 'carer-desk merge-carers KEEP_ID ABSORB_ID' or "
            "'carer-desk keep-apart ID ID'",
            file=out,
        )


def _watch(engine: SyncEngine, transport: HttpTransport, vault: Vault, out: TextIO) -> int:
    done = threading.Event()

    def on_reachable() -> None:
        try:
            _print_summary(_sync_once(engine, vault), vault, out)
        except ServerUnreachable:
            watcher.mark_unreachable()
        except CarerDeskError as exc:
            print(f"carer-desk: {exc}", file=sys.stderr)
            if "revoked" in str(exc):
                done.set()

    watcher = ReachabilityWatcher(
        transport.reachable,
        on_reachable,
        WatchSettings(),
        on_change=lambda ok: print("server reachable" if ok else "server unreachable", file=out),
    )
    watcher.start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()
        watcher.stop()
    return 0


def cmd_sign_out(args: argparse.Namespace, ctx: CliContext) -> int:
    vault = ctx.open_vault()
    states = {str(k): v for k, v in vault.count_by_state().items()}
    waiting = unsynced_count(states)
    if not safe_to_decommission(states):
        vault.close()
        steps = ["run 'carer-desk sync'"]
        if states.get(SyncState.CONFLICT.value):
            steps.append("decide the conflicts ('carer-desk conflicts')")
        if states.get(SyncState.REJECTED.value):
            steps.append("correct or discard the refused changes ('carer-desk refused')")
        raise CarerDeskError(
            f"{waiting} record(s) are not synced yet ({_describe(states)}). To sign out, "
            f"{', '.join(steps)}, then sign out again."
        )
    if not args.yes:
        vault.close()
        raise CarerDeskError("Everything is synced. Add --yes to remove this laptop's vault.")
    wipe_vault(vault)
    print("vault removed: everything was synced first", file=sys.stdout)
    return 0


def _describe(states: dict[str, int]) -> str:
    order = [s.value for s in SyncState if s is not SyncState.SYNCED]
    return ", ".join(f"{states[s]} {s}" for s in order if states.get(s))
