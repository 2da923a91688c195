"""``carer-desk-server settings ...``: show and edit the settings the admin API edits.

carer-desk-server settings show
carer-desk-server settings payments KEY=VALUE ...     (e.g. cap_pence=30000)
carer-desk-server settings budget YEAR PENCE          (e.g. 2026 55000000 for 2026/27)
carer-desk-server settings retention KIND=YEARS ...   (e.g. payment_request=8)

The same edits as ``/v1/admin/settings/...`` (:mod:`sync.server.settings_edits`): checked
as the server loads the file, written atomically to settings.toml, audited with who ran
them (``--by``). A running server takes the change up at its next request.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from sync.server.errors import BadRequest
from sync.server.settings_edits import SettingsEditor, apply_audited

ACTOR = "admin-cli"


def add_settings_parsers(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("settings", help="show or change payment rules, budgets, retention")
    ssub = group.add_subparsers(dest="settings_action", required=True, metavar="ACTION")
    show = ssub.add_parser("show", help="the settings in force, as JSON")
    show.set_defaults(handler=cmd_show)
    pay = ssub.add_parser("payments", help="change payment rules: KEY=VALUE ...")
    pay.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    pay.set_defaults(handler=cmd_payments)
    budget = ssub.add_parser("budget", help="set one financial year's budget")
    budget.add_argument("year", type=int, help="the year it starts in: 2026 for 2026/27")
    budget.add_argument("pence", type=int, help="whole pence: £550,000 is 55000000")
    budget.set_defaults(handler=cmd_budget)
    ret = ssub.add_parser("retention", help="years kept after closure: KIND=YEARS ...")
    ret.add_argument("pairs", nargs="+", metavar="KIND=YEARS")
    ret.set_defaults(handler=cmd_retention)
    for parser in (pay, budget, ret):
        parser.add_argument("--by", default=ACTOR, help="who made the change (their username)")


def _pairs(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` with the value read as JSON where it parses (numbers, lists, true),
    else as text (``year_end_attribution=paid``)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise BadRequest(f"{pair!r}: write KEY=VALUE, e.g. cap_pence=30000.")
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


def _apply(args: argparse.Namespace, store: Any, table: str, edit: Any) -> int:
    editor = SettingsEditor(args.server_settings.settings_file)
    changed = apply_audited(store, editor, table, edit, actor=args.by)
    if not changed:
        print("Nothing changed: the settings already say that.")
    for key, change in changed.items():
        print(f"{key}: {change['old']} -> {change['new']}")
    return 0


def cmd_show(args: argparse.Namespace, store: Any) -> int:
    settings = args.server_settings
    print(
        json.dumps(
            {
                "file": str(settings.settings_file),
                "payments": settings.payments.to_wire()["payments"],
                "card_number_length": settings.payments.card_number_length,
                "retention_years": settings.retention.in_force(),
            },
            indent=2,
        )
    )
    return 0


def cmd_payments(args: argparse.Namespace, store: Any) -> int:
    values = _pairs(args.pairs)
    return _apply(args, store, "payments", lambda e: e.change_payments(values))


def cmd_budget(args: argparse.Namespace, store: Any) -> int:
    return _apply(
        args, store, "budgets", lambda e: e.set_budget(args.year, args.pence, date.today())
    )


def cmd_retention(args: argparse.Namespace, store: Any) -> int:
    years = _pairs(args.pairs)
    return _apply(args, store, "retention", lambda e: e.change_retention(years))
