"""``carer-desk print ...``: write a printable (or exportable) PDF where the user chooses.

Part of the composition root: it opens the vault and hands it to the printing services.
The PDF goes only to ``--out``; nothing is written anywhere else.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from carer_desk.cli.hints import with_hints
from carer_desk.config import Settings
from carer_desk.errors import CarerDeskError
from carer_desk.ports import RecordStore
from carer_desk.printing.cards import Duplex
from carer_desk.printing.document import Layout
from carer_desk.services.printing import PrintService, Rendered
from carer_desk.services.subject_access import SubjectAccessService

log = logging.getLogger(__name__)

DOCUMENTS = (
    "card",
    "card-sheet",
    "key-fobs",
    "plan",
    "support-plan",
    "letter",
    "sign-in",
    "subject-access",
)


class PrintUsageError(CarerDeskError):
    """The print command was given options that do not fit together."""


def add_print_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "print",
        help="write a PDF to print: cards, plans, letters, sign-in sheets, subject-access copy",
        description="Write a PDF to the file given with --out. Printing is recorded in the "
        "audit log (what, for whom, by whom).",
    )
    parser.add_argument("document", choices=DOCUMENTS)
    who = parser.add_argument_group("whose document")
    who.add_argument("--carer", metavar="ID", help="a carer id (from 'list carers --json')")
    who.add_argument("--carers", metavar="ID,ID,...", help="card sheets: these carers' cards")
    who.add_argument(
        "--all-pending", action="store_true", help="card sheets: every card waiting to print"
    )
    who.add_argument(
        "--session", metavar="ID", help="sign-in: the group session id (or give --carer)"
    )
    who.add_argument(
        "--request",
        metavar="ID",
        help="letter: the payment request id (or give --carer for their latest decision)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    parser.add_argument(
        "--json", type=Path, metavar="FILE.json", help="subject-access: also write the JSON"
    )
    parser.add_argument("--large-print", action="store_true", help="16 pt and larger")
    parser.add_argument("--easy-read", action="store_true", help="plans: easy-read layout")
    parser.add_argument(
        "--duplex",
        choices=[d.value for d in Duplex],
        default=Duplex.LONG_EDGE.value,
        help="card sheets: the edge your printer turns the sheet over (default long-edge)",
    )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="protect the PDF with the password held in this environment variable",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace, ctx) -> int:
    with ctx.open_vault() as vault:
        return run_print(args, vault, ctx.settings)


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_env:
        return None
    value = os.environ.get(args.password_env)
    if not value:
        raise PrintUsageError(
            f"The environment variable {args.password_env} is empty or not set; put the "
            "PDF password in it (never on the command line)."
        )
    return value


def _need(args: argparse.Namespace, name: str, document: str) -> str:
    value = getattr(args, name)
    if not value:
        raise PrintUsageError(f"'print {document}' needs --{name.replace('_', '-')} ID.")
    return value


def _one_of(args: argparse.Namespace, name: str, document: str) -> tuple[str, str]:
    """``(option, id)`` for a document that takes its own id or the carer's."""
    given = [(n, getattr(args, n)) for n in (name, "carer") if getattr(args, n)]
    if len(given) != 1:
        raise PrintUsageError(f"'print {document}' needs --{name} ID or --carer ID (one of them).")
    return given[0]


def _carer_list(args: argparse.Namespace) -> tuple[list[str] | None, bool]:
    chosen = [bool(args.carers), bool(args.all_pending), bool(args.carer)]
    if sum(chosen) != 1:
        raise PrintUsageError(
            f"'print {args.document}' needs exactly one of --carer ID, --carers ID,ID,... or "
            "--all-pending."
        )
    if args.all_pending:
        return None, True
    raw = args.carers or args.carer
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        raise PrintUsageError("--carers needs at least one carer id.")
    return ids, False


@with_hints
def run_print(args: argparse.Namespace, store: RecordStore, settings: Settings) -> int:
    """Render the document asked for, write it to ``--out`` and audit it; exit code."""
    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise PrintUsageError(f"--out must name a .pdf file, not {out.name!r}.")
    password = _password(args)
    document = args.document
    large = bool(args.large_print)
    if args.easy_read and document != "plan":
        raise PrintUsageError("--easy-read is for plans only.")

    if document == "subject-access":
        result = SubjectAccessService(store, settings).export(
            _need(args, "carer", document),
            pdf_path=out,
            json_path=args.json,
            password=password,
            large_print=large,
        )
        written = ", ".join(str(p) for p in (result.pdf_path, result.json_path) if p)
        print(
            f"Wrote {written}: {result.records} records and {result.audit_entries} audit entries "
            "held on this laptop only. For the organisation's whole record (every laptop and "
            "the server's log) ask the office for the server's copy (carer-desk-server sar)."
        )
        return 0
    if args.json:
        raise PrintUsageError("--json is for subject-access exports only.")

    service = PrintService(store, settings)
    rendered: Rendered
    if document == "card":
        rendered = service.card(_need(args, "carer", document))
    elif document in ("card-sheet", "key-fobs"):
        ids, pending = _carer_list(args)
        if document == "card-sheet":
            rendered = service.card_sheet(
                carer_ids=ids, all_pending=pending, duplex=Duplex(args.duplex)
            )
        else:
            rendered = service.key_fobs(carer_ids=ids, all_pending=pending)
    elif document == "plan":
        if large and args.easy_read:
            raise PrintUsageError("Choose --large-print or --easy-read, not both.")
        layout = (
            Layout.LARGE_PRINT
            if large
            else (Layout.EASY_READ if args.easy_read else Layout.STANDARD)
        )
        rendered = service.plan(_need(args, "carer", document), layout)
    elif document == "support-plan":
        rendered = service.support_plan(_need(args, "carer", document), large_print=large)
    elif document == "letter":
        option, chosen = _one_of(args, "request", document)
        rendered = (
            service.letter(chosen, large_print=large)
            if option == "request"
            else service.letter_for_carer(chosen, large_print=large)
        )
    else:  # sign-in
        option, chosen = _one_of(args, "session", document)
        rendered = (
            service.sign_in(chosen) if option == "session" else service.sign_in_for_carer(chosen)
        )
    service.save(rendered, out, password=password)
    cards = f", {len(rendered.cards)} cards marked printed" if rendered.cards else ""
    print(
        f"Wrote {out} ({document} for {len(rendered.carer_ids)} "
        f"carer{'s' if len(rendered.carer_ids) != 1 else ''}{cards})."
    )
    for _card_id, reason in rendered.held_back:
        print(f"Not printed, left in the queue: {reason}.")
    return 0
