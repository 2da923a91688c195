"""Sub-commands of ``carer-desk``. Each handler takes (args, ctx) and returns an exit code;
refusals raise :class:`CarerDeskError` and ``main`` turns them into one line on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from carer_desk.cli.context import CliContext
from carer_desk.cli.hints import with_hints
from carer_desk.cli.passphrase import NEW_PASSPHRASE_ENV, PASSPHRASE_ENV
from carer_desk.cli.show import carer_lines
from carer_desk.demo import seed_demo
from carer_desk.errors import CarerDeskError, UnknownCarer
from carer_desk.formatting import iso_date
from carer_desk.importer import read_carers
from carer_desk.records.carer import Carer
from carer_desk.records.codec import to_payload
from carer_desk.rules.line_number import is_drama_number
from carer_desk.services.carers import CarerService, Unreadable
from carer_desk.services.caseload import CaseloadRow
from carer_desk.wiring.enrolment import load_enrolment
from storage.kdf import KdfParams
from storage.recovery import generate_recovery_keypair
from storage.vault import Vault

RECOVERY_KEY_PASSWORD_ENV = "CARER_DESK_RECOVERY_KEY_PASSWORD"


def register_all(sub: argparse._SubParsersAction) -> None:
    _register_vault(sub)
    _register_recovery_key(sub)
    _register_records(sub)
    _register_optional(sub)


# --- vault ------------------------------------------------------------------------------


def _register_vault(sub: argparse._SubParsersAction) -> None:
    vault = sub.add_parser("vault", help="create, check and manage the encrypted vault")
    vsub = vault.add_subparsers(dest="vault_command", metavar="ACTION", required=True)

    init = vsub.add_parser("init", help="create a new vault in the data folder")
    init.add_argument(
        "--recovery-public-key",
        type=Path,
        default=None,
        help="the organisation's recovery public key (PEM); strongly advised (default: "
        "the settings' vault.recovery_public_key_file, as the window's first run uses)",
    )
    init.set_defaults(handler=cmd_vault_init)

    check = vsub.add_parser(
        "check",
        help="verify every record, the sync bookkeeping, the header and the audit log, "
        "and name anything altered outside Carer Desk",
    )
    check.set_defaults(handler=cmd_vault_check)

    change = vsub.add_parser(
        "change-passphrase",
        help="set a new passphrase (current from CARER_DESK_PASSPHRASE, "
        "new from CARER_DESK_NEW_PASSPHRASE, or two lines on stdin)",
    )
    change.set_defaults(handler=cmd_vault_change_passphrase)

    recover = vsub.add_parser(
        "recover",
        help="set a new passphrase using the organisation's recovery private key (admins)",
    )
    recover.add_argument(
        "--recovery-key",
        type=Path,
        required=True,
        help=f"recovery private key PEM; its password, if any, from {RECOVERY_KEY_PASSWORD_ENV}",
    )
    recover.set_defaults(handler=cmd_vault_recover)

    rotate = vsub.add_parser("rotate-key", help="re-encrypt everything under a new data key")
    rotate.set_defaults(handler=cmd_vault_rotate_key)

    raise_kdf = vsub.add_parser(
        "raise-kdf-cost", help="raise the Argon2id cost of the passphrase key"
    )
    raise_kdf.add_argument("--memory-kib", type=int, required=True)
    raise_kdf.add_argument("--iterations", type=int, required=True)
    raise_kdf.set_defaults(handler=cmd_vault_raise_kdf)


def _kdf_from_settings(ctx: CliContext) -> KdfParams:
    v = ctx.settings.vault
    return KdfParams(
        memory_kib=v.argon2_memory_kib, iterations=v.argon2_iterations, lanes=v.argon2_lanes
    )


def cmd_vault_init(args: argparse.Namespace, ctx: CliContext) -> int:
    _warn_if_demo_settings(ctx)
    ctx.ensure_data_dir()
    # The same key the window's first run uses when none is named here: an IT officer who
    # set it in the settings must not get a vault that no one can recover.
    key_file = args.recovery_public_key or ctx.settings.vault.recovery_public_key_file
    recovery_pem = _read_file(Path(key_file)) if key_file else None
    passphrase = ctx.secrets.read(PASSPHRASE_ENV, "New vault passphrase")
    vault = Vault.create(
        ctx.vault_path,
        passphrase,
        actor=ctx.actor,
        recovery_public_key_pem=recovery_pem,
        kdf=_kdf_from_settings(ctx),
    )
    vault.close()
    ctx.keep("the new vault was created")
    print(f"Created an encrypted vault at {ctx.vault_path}.")
    if recovery_pem is None:
        print(
            "Warning: no recovery key was given, so a forgotten passphrase cannot be "
            "recovered (not even by your administrator). Use --recovery-public-key with "
            "your organisation's key, or set vault.recovery_public_key_file in the settings.",
            file=sys.stderr,
        )
    return 0


def _warn_if_demo_settings(ctx: CliContext) -> None:
    """A real vault must not start out with the demo's settings (an older demo left its
    settings, with a fictional 24-hour number, in the data folder)."""
    cards = ctx.settings.cards
    if ctx.settings.demo.invented_data or is_drama_number(cards.emergency_line_phone):
        print(
            f"Warning: the settings in use ({ctx.settings_source or 'the defaults'}) are the "
            f"demo's: the 24-hour number {cards.emergency_line_phone} rings nobody. Use your "
            "office's settings file for real work; cards will not print with this number.",
            file=sys.stderr,
        )


def cmd_vault_check(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        report = vault.check()
    print(
        f"Records checked: {report.records_checked}; audit entries checked: "
        f"{report.audit_entries_checked}."
    )
    for record_id, kind in report.damaged:
        print(f"DAMAGED: {kind} record {record_id} failed its integrity check.")
    for finding in report.tampered:
        print(f"ALTERED: {finding[:1].upper()}{finding[1:]}.")
    if not report.audit_chain_ok:
        print(f"AUDIT LOG: {report.audit_problem}")
    if report.ok:
        print("The vault is sound.")
        return 0
    if report.tampered:
        print(
            "The vault file was changed outside Carer Desk: nothing altered will be sent to "
            "the server, and the vault will not save over it. Tell your administrator; "
            "records already synced can be downloaded again on a new vault.",
            file=sys.stderr,
        )
        return 1
    print(
        "Problems were found: restore the damaged records from the server or a backup.",
        file=sys.stderr,
    )
    return 1


def cmd_vault_change_passphrase(args: argparse.Namespace, ctx: CliContext) -> int:
    with Vault.open(ctx.vault_path, actor=ctx.actor) as vault:
        old = ctx.secrets.read(PASSPHRASE_ENV, "Current passphrase")
        new = ctx.secrets.read(NEW_PASSPHRASE_ENV, "New passphrase")
        vault.change_passphrase(old, new)
    print("Passphrase changed.")
    return 0


def cmd_vault_recover(args: argparse.Namespace, ctx: CliContext) -> int:
    import os

    pem = _read_file(args.recovery_key)
    password = os.environ.get(RECOVERY_KEY_PASSWORD_ENV)
    new = ctx.secrets.read(NEW_PASSPHRASE_ENV, "New passphrase")
    vault = Vault.recover(
        ctx.vault_path, pem, password.encode() if password else None, new, actor=ctx.actor
    )
    vault.close()
    print("The vault was recovered with the organisation key and has a new passphrase.")
    return 0


def cmd_vault_rotate_key(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        vault.rotate_data_key()
    print("Every record is now encrypted under a new data key.")
    return 0


def cmd_vault_raise_kdf(args: argparse.Namespace, ctx: CliContext) -> int:
    with Vault.open(ctx.vault_path, actor=ctx.actor) as vault:
        passphrase = ctx.secrets.read(PASSPHRASE_ENV, "Vault passphrase")
        params = KdfParams(
            memory_kib=args.memory_kib,
            iterations=args.iterations,
            lanes=ctx.settings.vault.argon2_lanes,
        )
        vault.raise_kdf_cost(passphrase, params)
    print(f"Passphrase key cost raised to {args.memory_kib} KiB, {args.iterations} iterations.")
    return 0


# --- recovery key (admins) --------------------------------------------------------------


def _register_recovery_key(sub: argparse._SubParsersAction) -> None:
    rk = sub.add_parser("recovery-key", help="the organisation's vault recovery key pair")
    rsub = rk.add_subparsers(dest="rk_command", metavar="ACTION", required=True)
    create = rsub.add_parser(
        "create",
        help="create a key pair; the private key is protected "
        f"with the password in {RECOVERY_KEY_PASSWORD_ENV} (or stdin)",
    )
    create.add_argument("--private-out", type=Path, required=True)
    create.add_argument("--public-out", type=Path, required=True)
    create.set_defaults(handler=cmd_recovery_key_create)


def cmd_recovery_key_create(args: argparse.Namespace, ctx: CliContext) -> int:
    for path in (args.private_out, args.public_out):
        if path.exists():
            raise CarerDeskError(f"{path} already exists; choose a new file name.")
    password = ctx.secrets.read(RECOVERY_KEY_PASSWORD_ENV, "Password for the private key")
    private_pem, public_pem = generate_recovery_keypair(password.encode())
    _write_new_file(args.private_out, private_pem, mode=0o600)
    _write_new_file(args.public_out, public_pem, mode=0o644)
    print(f"Recovery private key: {args.private_out} (keep it offline, in the office safe).")
    print(f"Recovery public key: {args.public_out} (give it to `vault init`).")
    return 0


# --- records ----------------------------------------------------------------------------


def _register_records(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser(
        "import", help="import carers from CSV (header row) or JSON Lines; all or nothing"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        default=None,
        help="default: from the file name's extension",
    )
    imp.set_defaults(handler=cmd_import)

    lst = sub.add_parser("list", help="list records")
    lst.add_argument(
        "what",
        choices=["carers", "moving-to-adult"],
        help="carers, or young carers moving to adult services (from 17½)",
    )
    lst.add_argument("--json", action="store_true", help="a JSON array of carer objects")
    lst.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="show one record")
    show.add_argument("what", choices=["carer"])
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    search = sub.add_parser("search", help="find carers by name, postcode, town or phone")
    search.add_argument("query")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    seed = sub.add_parser("seed-demo", help="fill the vault with realistic synthetic data")
    seed.add_argument("--carers", type=int, default=50)
    seed.add_argument("--seed", type=int, default=2026, help="random seed (repeatable data)")
    seed.set_defaults(handler=cmd_seed_demo)


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    carers = read_carers(args.file, fmt=args.format, bands=ctx.settings.age_bands)
    with ctx.open_vault() as vault:
        service = CarerService(vault, ctx.settings)
        written = service.import_carers(carers, source=args.file.name)
    ctx.keep(f"the import of {written} carers finished")
    print(f"Imported {written} carers from {args.file}.")
    return 0


def _carer_row(row: CaseloadRow) -> str:
    born = iso_date(row.date_of_birth) if row.date_of_birth else "-"
    place = row.postcode or "-"
    return f"{row.carer_id}  {row.display_name:<32.32}  {born:<10}  {place:<9}  {row.sync_state}"


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = CarerService(vault, ctx.settings)
        if args.what == "moving-to-adult":
            return _print_moving(service)
        bad = []
        if args.json:
            carers, bad = service.readable(service.caseload.ids())
            _print_json(carers)
        else:
            _print_rows(service.caseload.rows())
        return _report_damaged(service, bad)


def _print_moving(service: CarerService) -> int:
    moving = service.moving_to_adult_services()
    if not moving:
        print("No young carer is within six months of turning 18.")
        return 0
    for m in moving:
        print(
            f"{m.carer_id}  {m.name:<32.32}  born {iso_date(m.date_of_birth)}  "
            f"turns 18 on {iso_date(m.turns_adult_on)}"
        )
    print(f"{len(moving)} young carer{'s' if len(moving) != 1 else ''} moving to adult services.")
    return 0


def _report_damaged(service: CarerService, unreadable: list[Unreadable]) -> int:
    """A carer record that cannot be read is named, never silently left out: exit 1."""
    found = {u.record_id: u for u in [*service.unreadable(), *unreadable]}
    for u in found.values():
        print(
            f"carer-desk: DAMAGED: carer record {u.record_id} {u.reason} and is not listed. "
            "Sync to take the office's copy back, or restore it from a backup.",
            file=sys.stderr,
        )
    if found:
        n = len(found)
        print(
            f"carer-desk: {n} carer record{'s' if n != 1 else ''} could not be read; "
            "'carer-desk vault check' lists every damaged record.",
            file=sys.stderr,
        )
        return 1
    return 0


def _print_json(carers: list[Carer]) -> None:
    json.dump([to_payload(c) for c in carers], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _print_rows(rows: list[CaseloadRow]) -> None:
    if not rows:
        print("No carers found.")
        return
    print(f"{'ID':<32}  {'Name':<32}  {'Born':<10}  {'Postcode':<9}  Sync")
    for row in rows:
        print(_carer_row(row))
    print(f"{len(rows)} carer{'s' if len(rows) != 1 else ''}.")


@with_hints
def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = CarerService(vault, ctx.settings)
        if args.json:
            carer = service.get_carer(args.id)
            json.dump(to_payload(carer), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return 0
        if args.id not in service.caseload:
            raise UnknownCarer(args.id)
        for line in carer_lines(vault, ctx.settings, args.id):
            print(line)
    return 0


def cmd_search(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        service = CarerService(vault, ctx.settings)
        bad = []
        if args.json:
            carers, bad = service.readable(service.caseload.search(args.query))
            _print_json(carers)
        else:
            hits = set(service.caseload.search(args.query))
            _print_rows([r for r in service.caseload.rows() if r.carer_id in hits])
        return _report_damaged(service, bad)


def cmd_seed_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.carers < 1:
        raise CarerDeskError("--carers must be at least 1.")
    with ctx.open_vault() as vault:
        enrolment = load_enrolment(vault)
        if enrolment is not None and not enrolment.demo:
            raise CarerDeskError(
                f"This laptop is enrolled with the office server {enrolment.server}: invented "
                "demo people would be sent to it with real records, so nothing was added. Try "
                "the demo in its own folder instead ('carer-desk demo'), or use a vault that "
                "is not enrolled."
            )
        summary = seed_demo(vault, ctx.settings, carers=args.carers, seed=args.seed)
        ctx.keep("the demo data was written")
    print(summary.describe())
    return 0


# --- optional command groups contributed by other packages -----------------------------


def _register_optional(sub: argparse._SubParsersAction) -> None:
    """Print and sync commands live in their own modules; they register themselves."""
    from carer_desk.cli import (
        care_commands,
        conflict_command,
        contract_command,
        duplicates_command,
        print_command,
        refused_command,
        sync_command,
        window_command,
    )

    print_command.add_print_parser(sub)
    care_commands.add_care_parsers(sub)
    contract_command.add_contract_parsers(sub)
    refused_command.add_refused_parsers(sub)
    sync_command.add_sync_parsers(sub)
    conflict_command.add_conflict_parsers(sub)
    duplicates_command.add_duplicates_parsers(sub)
    window_command.add_window_parsers(sub)


# --- files ------------------------------------------------------------------------------


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CarerDeskError(f"Cannot read {path}: {exc.strerror}.") from exc


def _write_new_file(path: Path, data: bytes, *, mode: int) -> None:
    import os

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise CarerDeskError(f"Cannot create {path}: {exc.strerror}.") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
