"""What to type next, added by the command line to the core's errors.

The core's messages name no command: the desktop shows them too, where "run
`carer-desk conflicts`" would mean nothing. Where the command line catches one of them,
it adds the command that helps as a note (PEP 678), printed after the reason on the same
line (a refusal is one line on stderr).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from carer_desk.errors import UnknownCarer
from carer_desk.importer import UnknownFileFormat
from carer_desk.services.duplicates import ConflictsFirst, MergedTheOtherWay
from sync.client.conflicts import NoSuchConflict, UndecidedFields
from sync.client.errors import NotEnrolled

P = ParamSpec("P")
R = TypeVar("R")

_MARK = "Hint: "


def _hint(exc: BaseException) -> str | None:
    match exc:
        case UnknownCarer():
            return "'carer-desk list carers --json' shows the ids."
        case MergedTheOtherWay(keep_id=keep, absorb_id=absorb):
            return f"Run 'carer-desk merge-carers {absorb} {keep}' to finish it."
        case ConflictsFirst():
            return "'carer-desk conflicts' lists them; 'carer-desk resolve' decides each one."
        case UnknownFileFormat():
            return "Or say which with --format csv or --format jsonl."
        case NotEnrolled():
            return "Run 'carer-desk enrol --server URL --username NAME' first."
        case UndecidedFields(fields=fields):
            keeps = " ".join(f"--keep {f}=mine|theirs" for f in fields)
            return f"Give {keeps}, or --all mine|theirs."
        case NoSuchConflict():
            return (
                "'carer-desk conflicts' lists the records in conflict; 'carer-desk sync' "
                "brings a decision taken elsewhere."
            )
    return None


def add_hint(exc: BaseException) -> None:
    """Add the command-line hint for ``exc``, if it has one (once)."""
    hint = _hint(exc)
    if hint is not None and not any(n.startswith(_MARK) for n in getattr(exc, "__notes__", ())):
        exc.add_note(_MARK + hint)


def explain(exc: BaseException) -> str:
    """The reason, then any hint, on one line, as the command line prints them."""
    add_hint(exc)
    return " ".join([str(exc), *getattr(exc, "__notes__", ())])


def with_hints(handler: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command's body so every error it lets out carries its hint."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            add_hint(exc)
            raise

    return wrapper
