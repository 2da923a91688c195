"""``carer-desk``: the scripted interface, in the manner of calibre's ``calibredb``.

Exit codes: 0 ok; 1 a refused action or bad input (one-line reason on stderr); 2 bad
command-line usage; 130 interrupted. A user never sees a traceback: unexpected errors are
reported in one line and the details (code locations only, never data) go to the log.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from carer_desk import __version__
from carer_desk.cli.context import (
    DATA_DIR_CONFIG,
    USER_ENV,
    CliContext,
    default_actor,
    default_data_dir,
)
from carer_desk.cli.passphrase import SecretReader
from carer_desk.config import load_settings
from carer_desk.errors import CarerDeskError

log = logging.getLogger(__name__)


# Global options that take a value: skipped when looking for the command's name.
_VALUED = {"--data-dir", "--config", "--user"}
WINDOW_COMMANDS = {"window", "demo"}


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named on the line (after any global options), or None."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(
    register: Callable[[argparse._SubParsersAction], None] | None = None,
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carer-desk",
        description="Carer Desk: encrypted local records for people who support unpaid carers.",
        epilog="The vault passphrase comes from CARER_DESK_PASSPHRASE or standard input, "
        "never from an argument.",
    )
    parser.add_argument("--version", action="version", version=f"carer-desk {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"folder holding the vault (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file (TOML); default: the user config folder",
    )
    parser.add_argument(
        "--user",
        default=None,
        help="who is acting, for the audit log (default: CARER_DESK_USER or the login name)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if register is None:
        from carer_desk.cli import commands  # every command, and what each imports

        register = commands.register_all
    register(sub)
    return parser


def settings_path(explicit: Path | None, data_dir: Path) -> Path | None:
    """--config if given (it must exist); else a config.toml kept with the vault (how the
    demo vault carries its own settings); else the user's config folder (None)."""
    if explicit is not None:
        if not explicit.is_file():
            raise CarerDeskError(f"The settings file {explicit} does not exist.")
        return explicit
    beside_vault = data_dir / DATA_DIR_CONFIG
    return beside_vault if beside_vault.is_file() else None


def interrupted_message(ctx: CliContext | None) -> str:
    """What Ctrl-C left behind: what was already written for good is said to be kept."""
    kept = ctx.kept if ctx is not None else []
    if kept:
        return (
            f"interrupted after {'; '.join(kept)}: that is kept. Nothing after it was half-written."
        )
    return "interrupted; nothing half-written was kept."


def main(argv: Sequence[str] | None = None) -> int:
    # Only errors reach the terminal: a command's answer is its output and its one-line
    # reason, not a stream of warnings (wrong passphrases are already reported as errors).
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv and sys.stdout is None:
        # The windowed Windows build (build.spec) started from its icon: there is no
        # console to print the usage to, and the person wants the window.
        argv = ["window"]
    register = None
    if command_of(argv) in WINDOW_COMMANDS and "--list" not in argv:
        # Opening the window: register only its commands, so the unlock window is not
        # held up by importing the printing, sync and import machinery it does not need.
        from carer_desk.cli.window_command import add_window_parsers

        register = add_window_parsers
    parser = build_parser(register)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    ctx: CliContext | None = None
    try:
        data_dir = args.data_dir or default_data_dir()
        source = settings_path(args.config, data_dir)
        settings = load_settings(source)
        ctx = CliContext(
            data_dir=data_dir,
            settings=settings,
            actor=args.user or default_actor(),
            secrets=SecretReader(),
            actor_given=bool(args.user or os.environ.get(USER_ENV)),
            settings_source=str(source) if source else None,
        )
        return int(args.handler(args, ctx) or 0)
    except CarerDeskError as exc:
        # The hints name the sync and import machinery's errors: imported only when one
        # is to be printed, not before the unlock window.
        from carer_desk.cli.hints import explain

        print(f"carer-desk: {explain(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"carer-desk: {interrupted_message(ctx)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        # Log where it failed but not the message: messages can carry record contents.
        log.error(
            "unexpected %s at:\n%s",
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        print(
            f"carer-desk: unexpected error ({type(exc).__name__}); nothing was lost. "
            "Please report it with the log above.",
            file=sys.stderr,
        )
        return 1
