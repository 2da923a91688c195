"""``carer-desk window`` and ``carer-desk demo``: the desktop window, on this laptop's
vault or on the embedded demo office (calibre's GUI beside ``calibredb``)."""

from __future__ import annotations

import argparse
import sys

from carer_desk.cli.context import CliContext
from carer_desk.ports import VaultStatus
from carer_desk.wiring.demo_people import DEMO_PEOPLE
from carer_desk.wiring.desk import Launcher

_PEOPLE = [p.username.removeprefix("demo-") for p in DEMO_PEOPLE]


def add_window_parsers(sub: argparse._SubParsersAction) -> None:
    window = sub.add_parser(
        "window",
        help="open the desktop window on this laptop's vault",
        description="Opens Carer Desk's window: the first run sets the laptop up (connect to "
        "the office, or try the demo); afterwards it opens on the unlock screen.",
    )
    window.set_defaults(handler=cmd_window)
    demo = sub.add_parser(
        "demo",
        help="open the window on the demo office (invented people; no set-up needed)",
        description="Starts a demo office on this laptop (loopback only) with one demo user "
        "per role and invented carers, kept apart from real work, and opens the window as "
        "one of them. The demo passphrase is 'demo passphrase'.",
    )
    demo.add_argument(
        "--as",
        dest="person",
        choices=_PEOPLE,
        default="worker",
        help="which demo person to be (default: worker)",
    )
    demo.add_argument(
        "--list",
        action="store_true",
        help="no window: set the demo up and list that person's carers",
    )
    demo.set_defaults(handler=cmd_demo)


def _launcher(ctx: CliContext) -> Launcher:
    return Launcher(ctx.data_dir, ctx.settings, actor=ctx.actor)


def cmd_window(args: argparse.Namespace, ctx: CliContext) -> int:
    from ui.app import run

    return run(_launcher(ctx))


def cmd_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    launcher = _launcher(ctx)
    if not args.list:
        from ui.app import run

        return run(launcher, demo_person=args.person)
    try:
        env = launcher.demo(args.person)
        if env.vault.status is VaultStatus.ABSENT:
            print("Setting up the demo office (invented people only)…", file=sys.stdout)
            desk = env.set_up_demo()
        else:
            env.vault.unlock(env.demo_passphrase or "")
            desk = env.open_desk()
            desk.session.absorb(desk.sync.sync_now().changes)
        rows = desk.session.caseload.rows()
        for row in rows:
            print(f"{row.carer_id}  {row.name}  {row.postcode or ''}  {row.plan_state.label}")
        print(f"{len(rows)} carers.")
        env.close()
    finally:
        launcher.shutdown()
    return 0
