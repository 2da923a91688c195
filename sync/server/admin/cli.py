"""``carer-desk-server settings ...``: show and edit the settings the admin API edits.

carer-desk-server settings show
carer-desk-server settings check URL ...            (other hosts' settings the same?)
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

from sync.protocol import API_PREFIX
from sync.server.errors import BadRequest
from sync.server.settings_edits import SettingsEditor, apply_audited

ACTOR = "admin-cli"


def add_settings_parsers(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("settings", help="show or change payment rules, budgets, retention")
    ssub = group.add_subparsers(dest="settings_action", required=True, metavar="ACTION")
    show = ssub.add_parser("show", help="the settings in force, as JSON")
    show.set_defaults(handler=cmd_show)
    check = ssub.add_parser(
        "check", help="compare this host's settings with other hosts' (their /v1/health)"
    )
    check.add_argument("urls", nargs="+", metavar="URL", help="e.g. https://desk2.example.org")
    check.set_defaults(handler=cmd_check)
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
                "fingerprint": settings.fingerprint(),
                "payments": settings.payments.to_wire()["payments"],
                "card_number_length": settings.payments.card_number_length,
                "retention_years": settings.retention.in_force(),
            },
            indent=2,
        )
    )
    return 0


def cmd_check(args: argparse.Namespace, store: Any, get: Any = None) -> int:
    """Each host's settings fingerprint against this host's: 0 when all agree, 1 (with
    a warning naming each host that differs or cannot be asked) otherwise."""
    import httpx

    get = get or (lambda url: httpx.get(url, timeout=10))
    mine = args.server_settings.fingerprint()
    print(f"this host ({args.server_settings.settings_file}): {mine}")
    differ = 0
    for url in args.urls:
        health = url.rstrip("/") + f"{API_PREFIX}/health"
        try:
            response = get(health)
            response.raise_for_status()
            theirs = response.json().get("settings_fingerprint")
        except (httpx.HTTPError, ValueError) as exc:
            print(f"WARNING {url}: could not be asked ({exc}); check it is running.")
            differ += 1
            continue
        if theirs == mine:
            print(f"{url}: {theirs} (the same)")
        else:
            print(
                f"WARNING {url}: {theirs or 'no fingerprint (an older server)'} differs: copy "
                f"this host's {args.server_settings.settings_file.name} there (docs/operations.md)."
            )
            differ += 1
    if differ:
        print(f"{differ} of {len(args.urls)} hosts differ from this one.")
    return 1 if differ else 0


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
