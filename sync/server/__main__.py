"""``carer-desk-server``: run the sync server and administer it.

    carer-desk-server [--data-dir DIR] [--database URL] [serve [--host H] [--port P]]
    carer-desk-server --version
    carer-desk-server create-user --username U --role ROLE [--team TEAM]
    carer-desk-server list-users | list-devices | revoke-device DEVICE_ID | rotate-key
    carer-desk-server disable-user USERNAME | enable-user USERNAME | reset-password USERNAME
    carer-desk-server audit-export --out FILE
    carer-desk-server mark-restored   (after restoring the database from a backup)
    carer-desk-server seed-demo
    carer-desk-server report quarterly|drill|budget|queues ...   (sync/server/reports/cli.py)
    carer-desk-server audit|retention|dp ...   (sync/server/data_protection/cli.py)
    carer-desk-server settings show|payments|budget|retention ...   (sync/server/admin/cli.py)

Passwords come from the environment variable CARER_DESK_PASSWORD or standard input, never
from an argument (arguments show up in ``ps`` and shell history). Exit status 0 on
success; otherwise 1 with a one-line reason on standard error (2 for a usage mistake).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from carer_desk import __version__
from carer_desk.errors import CarerDeskError
from sync.protocol import Role, Team
from sync.server.accounts import MIN_PASSWORD_LENGTH, Accounts, disabled_message
from sync.server.admin.cli import add_settings_parsers
from sync.server.data_protection.cli import add_data_protection_parsers
from sync.server.errors import AdminError
from sync.server.migrate import current_revision
from sync.server.reports.cli import add_report_parsers
from sync.server.restore import (
    RESTORE_REVISION,
    mark_restored,
    notice_at_start_up,
    remember_database,
)
from sync.server.run_lock import DatabaseLock, hold_exclusive
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.settings import DEFAULT_HOST, DEFAULT_PORT, DatabasePool, ServerSettings
from sync.server.store import SqlStore, make_engine, open_store

log = logging.getLogger(__name__)

PASSWORD_ENV = "CARER_DESK_PASSWORD"

#: ``seed-demo`` users, one per role, for trying the embedded default out. The password is
#: published in docs/operations.md: never seed a server that holds real records.
DEMO_PASSWORD = "carer-desk-demo"
DEMO_USERS: tuple[tuple[str, Role, Team | None], ...] = (
    ("demo-worker", Role.OUTREACH_WORKER, Team.NORTH),
    ("demo-facilitator", Role.GROUP_FACILITATOR, None),
    ("demo-approver", Role.PAYMENTS_APPROVER, None),
    ("demo-operator", Role.EMERGENCY_OPERATOR, None),
    ("demo-cards", Role.CARD_ADMINISTRATOR, None),
    ("demo-admin", Role.ADMIN, None),
)


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carer-desk-server", description="Carer Desk central sync server."
    )
    # Which release is installed, before and after an upgrade (docs/operations.md).
    parser.add_argument("--version", action="version", version=f"carer-desk-server {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite database and server.key live "
        "(default: the platform's user data directory)",
    )
    parser.add_argument(
        "--database",
        default=None,
        help="database URL, e.g. postgresql://user@host/carerdesk "
        "(default: SQLite in the data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the HTTP server (the default)")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes sharing the port (default 1; more on PostgreSQL, see "
        "docs/operations.md)",
    )
    serve.add_argument(
        "--db-pool-size",
        type=_positive,
        default=DatabasePool().size,
        help="database connections each process keeps open (default %(default)s)",
    )
    serve.add_argument(
        "--db-pool-overflow",
        type=_non_negative,
        default=DatabasePool().overflow,
        help="extra connections each process may open under load (default %(default)s)",
    )
    create = sub.add_parser(
        "create-user", help=f"add a user (password from {PASSWORD_ENV} or standard input)"
    )
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--team",
        choices=[t.value for t in Team],
        help="the locality team (required for outreach workers)",
    )
    sub.add_parser("list-users", help="list users and their roles")
    sub.add_parser("list-devices", help="list enrolled devices")
    revoke = sub.add_parser(
        "revoke-device",
        help="revoke a device: it wipes itself on next contact and its pushes are refused",
    )
    revoke.add_argument("device_id")
    disable = sub.add_parser(
        "disable-user",
        help="disable an account (a leaver): all its devices are revoked and wipe "
        "themselves; no new laptop can be enrolled for it",
    )
    disable.add_argument("username")
    enable = sub.add_parser(
        "enable-user", help="enable a disabled account (its person enrols again)"
    )
    enable.add_argument("username")
    reset = sub.add_parser(
        "reset-password",
        help=f"set a new password (from {PASSWORD_ENV} or standard input); enrolled "
        "devices keep working",
    )
    reset.add_argument("username")
    sub.add_parser("rotate-key", help="re-encrypt every stored payload under a new key")
    export = sub.add_parser("audit-export", help="write the audit trail as JSON Lines")
    export.add_argument("--out", type=Path, required=True)
    sub.add_parser("seed-demo", help=f"add one demo user per role (password {DEMO_PASSWORD!r})")
    sub.add_parser(
        "mark-restored",
        help="after restoring the database from a backup: laptops send again what it lacks",
    )
    # Commands of their own modules register themselves (issue 11).
    add_report_parsers(sub)
    add_data_protection_parsers(sub)
    add_settings_parsers(sub)
    return parser


def read_password(prompt: str = "Password for the new user: ") -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass(prompt)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters; set "
            f"{PASSWORD_ENV} or type it on standard input."
        )
    return password


def _make_data_dir(data_dir: Path) -> None:
    """The data directory, made readable by its owner only if it is new; one sentence,
    not a traceback, when this user may not create it."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise AdminError(
            f"Cannot create the data directory {data_dir} ({exc.strerror}). Create it "
            "(mode 0700) owned by the user the server runs as, and run the command as "
            "that user (sudo -u carerdesk ...)."
        ) from None


def _open_store(settings: ServerSettings) -> SqlStore:
    _make_data_dir(settings.data_dir)
    return open_store(settings.database_url, settings.key_file)


def _create_user(
    store: SqlStore,
    settings: ServerSettings,
    username: str,
    role: Role,
    team: Team | None,
    password: str,
) -> None:
    if role == Role.OUTREACH_WORKER and team is None:
        raise AdminError("An outreach worker needs a team: add --team north|central|south|city.")
    if role != Role.OUTREACH_WORKER and team is not None:
        raise AdminError("Only outreach workers belong to a team; leave --team out.")
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AdminError("A username is 1 to 64 characters with no spaces.")
    hashed = hash_password(password_hasher(settings.password_cost), password)
    store.create_user(username, role.value, team.value if team else None, hashed)


def _account_command(
    store: SqlStore, settings: ServerSettings, command: str, username: str
) -> None:
    accounts = Accounts(store, password_hasher(settings.password_cost))
    if command == "disable-user":
        revoked = accounts.disable(username, by="admin-cli")
        print(disabled_message(username, revoked))
    elif command == "enable-user":
        accounts.enable(username, by="admin-cli")
        print(f"Enabled {username}; they can enrol a laptop again.")
    else:
        if store.get_user(username) is None:
            raise AdminError(f"No user called {username!r}. Run list-users to see them.")
        password = read_password(f"New password for {username}: ")
        accounts.reset_password(username, password, by="admin-cli")
        print(
            f"Password of {username} reset; tell them by a separate channel. Devices already "
            "enrolled keep working (disable-user stops them)."
        )


def _write_private(path: Path, lines: Sequence[str]) -> None:
    """Write atomically, readable by the owner only (an audit trail names people)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line + "\n")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def audit_lines(store: SqlStore) -> list[str]:
    lines = []
    for row in store.iter_audit():
        lines.append(
            json.dumps(
                {
                    "type": "event",
                    "seq": row.seq,
                    "at": row.at.isoformat(),
                    "actor": row.actor,
                    "device_id": row.device_id,
                    "action": row.action,
                    "kind": row.kind,
                    "record_id": row.record_id,
                    "details": row.details,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    for v in store.iter_versions():
        lines.append(
            json.dumps(
                {
                    "type": "version",
                    "record_id": v.record_id,
                    "kind": v.kind,
                    "version": v.version,
                    "deleted": v.deleted,
                    "changed_fields": list(v.changed_fields),
                    "actor": v.actor,
                    "device_id": v.device_id,
                    "change_id": v.change_id,
                    "at": v.at.isoformat(),
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    return lines


def _start_up(settings: ServerSettings) -> None:
    """Once before serving: migrate, check the key file, and notice a database restored
    from a backup (sync.server.restore), so a problem is one clear message."""
    _make_data_dir(settings.data_dir)
    engine = make_engine(settings.database_url)
    try:
        before = current_revision(engine)
    finally:
        engine.dispose()
    store = _open_store(settings)
    try:
        # Migrated by this start to the schema with generations: an upgrade, not a restore.
        upgraded = before is not None and before < RESTORE_REVISION
        mark = notice_at_start_up(store, settings.data_dir, upgraded=upgraded)
        if mark is not None:
            log.warning(
                "this database was restored from a backup (%s): laptops will send again "
                "what it lacks at their next sync",
                mark.reason,
            )
    finally:
        store.close()


def _remember_on_stop(settings: ServerSettings) -> None:
    store = _open_store(settings)
    try:
        remember_database(store, settings.data_dir)
    finally:
        store.close()


def _serve(settings: ServerSettings, host: str, port: int) -> int:
    import uvicorn

    from sync.server.app import create_app, freeze_start_up

    _start_up(settings)
    app = create_app(settings)
    freeze_start_up()
    log.info("serving on http://%s:%d (data in %s)", host, port, settings.data_dir)
    # The app writes its own access log (card numbers masked); uvicorn's would not mask.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    _remember_on_stop(settings)
    return 0


def _serve_workers(settings: ServerSettings, host: str, port: int, workers: int) -> int:
    """Several worker processes sharing the port, each with its own app (see asgi.py)."""
    import uvicorn

    from sync.server import asgi

    # Migrate and check the key file once, here, so a problem is one clear message rather
    # than one per worker; then each worker builds its own app from the environment.
    _start_up(settings)
    os.environ.update(
        {
            asgi.DATA_DIR_ENV: str(settings.data_dir),
            asgi.DATABASE_ENV: settings.database_url,
            asgi.POOL_SIZE_ENV: str(settings.database_pool.size),
            asgi.POOL_OVERFLOW_ENV: str(settings.database_pool.overflow),
        }
    )
    log.info(
        "serving on http://%s:%d with %d worker processes (data in %s)",
        host,
        port,
        workers,
        settings.data_dir,
    )
    uvicorn.run(
        "sync.server.asgi:app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )
    _remember_on_stop(settings)
    return 0


def _mark_restored(store: SqlStore, settings: ServerSettings) -> None:
    mark = mark_restored(store, by="admin-cli", reason="carer-desk-server mark-restored")
    remember_database(store, settings.data_dir)
    print(
        "Marked the database as restored from a backup. At its next sync every laptop sends "
        "again what the database lacks and receives everything again; versions now start "
        f"above {mark.version_floor}. Start the server now."
    )


def run(args: argparse.Namespace) -> int:
    pool = DatabasePool(
        size=getattr(args, "db_pool_size", DatabasePool().size),
        overflow=getattr(args, "db_pool_overflow", DatabasePool().overflow),
    )
    settings = ServerSettings.for_data_dir(args.data_dir, args.database, database_pool=pool)
    command = args.command or "serve"
    if command == "serve":
        host, port = getattr(args, "host", DEFAULT_HOST), getattr(args, "port", DEFAULT_PORT)
        workers = getattr(args, "workers", 1)
        if workers > 1:
            return _serve_workers(settings, host, port, workers)
        return _serve(settings, host, port)
    store = _open_store(settings)
    try:
        handler = getattr(args, "handler", None)
        if handler is not None:
            args.server_settings = settings  # the payment rules and budgets in force
            return int(handler(args, store))
        if command == "create-user":
            password = read_password()
            _create_user(
                store,
                settings,
                args.username,
                Role(args.role),
                Team(args.team) if args.team else None,
                password,
            )
            print(f"Created {args.role} {args.username}.")
        elif command == "list-users":
            for user in store.list_users():
                team = f" ({user.team})" if user.team else ""
                state = " [disabled]" if user.disabled else ""
                print(f"{user.username}\t{user.role}{team}{state}")
        elif command == "list-devices":
            devices = store.list_devices()
            if not devices:
                print(
                    "No laptops are enrolled yet. A laptop enrols when its user first "
                    "connects it to this server (docs/operations.md, 'Enrolling a laptop')."
                )
            for d in devices:
                state = f"revoked {d.revoked_at:%Y-%m-%d %H:%M} UTC" if d.revoked_at else "active"
                seen = f"{d.last_seen_at:%Y-%m-%d %H:%M}" if d.last_seen_at else "never"
                print(f"{d.device_id}\t{d.username}\t{d.name}\t{state}\tlast seen {seen}")
        elif command == "revoke-device":
            device = store.revoke_device(args.device_id, by="admin-cli")
            print(
                f"Revoked {device.name} ({device.username}); it will wipe itself on its "
                "next contact."
            )
        elif command in ("disable-user", "enable-user", "reset-password"):
            _account_command(store, settings, command, args.username)
        elif command == "rotate-key":
            # Refused while any server runs: on this host (the lock file) or, on
            # PostgreSQL, on any host (the database's advisory lock).
            with (
                hold_exclusive(settings.data_dir),
                DatabaseLock(settings.database_url, exclusive=True),
            ):
                count = store.rotate_key()
            print(
                f"Rotated the server key: {count} stored values re-encrypted under "
                f"generation {store.keyring.current}. Back up {settings.key_file} now."
            )
        elif command == "audit-export":
            lines = audit_lines(store)
            _write_private(args.out, lines)
            store.audit(
                actor="admin-cli",
                action="audit-export",
                details={"lines": len(lines), "file": str(args.out)},
            )
            print(f"Wrote {len(lines)} audit lines to {args.out}.")
        elif command == "mark-restored":
            _mark_restored(store, settings)
        elif command == "seed-demo":
            existing = {u.username for u in store.list_users()}
            for username, role, demo_team in DEMO_USERS:
                if username not in existing:
                    _create_user(store, settings, username, role, demo_team, DEMO_PASSWORD)
                    print(f"Created {role.value} {username}.")
            print(
                f"Demo users share the password {DEMO_PASSWORD!r}; do not use them with "
                "real records."
            )
    finally:
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Admin verbs print their own one-line results; only the running server logs.
    level = logging.INFO if (args.command or "serve") == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except CarerDeskError as exc:
        print(f"carer-desk-server: {exc}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        # Most often an admin command run as the wrong user, on files the server owns.
        print(
            f"carer-desk-server: This user may not open {exc.filename or 'a file it needs'} "
            "(permission denied). Run the command as the user the server runs as "
            "(sudo -u carerdesk ...), and check that user owns the data directory.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
