"""Reading secrets for the command line: from the environment or standard input, never
from an argument (arguments show up in ``ps`` and shell history)."""

from __future__ import annotations

import getpass
import os
import sys

from carer_desk.errors import CarerDeskError

PASSPHRASE_ENV = "CARER_DESK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "CARER_DESK_NEW_PASSPHRASE"


class SecretReader:
    """Hands out secrets in the order a command asks for them.

    Each secret comes from its environment variable when set; otherwise the next line of
    standard input (a prompt is shown only when stdin is a terminal). Reading stdin lines
    lazily lets a script pipe several secrets, e.g. ``printf 'old\\nnew\\n' | carer-desk
    vault change-passphrase``.
    """

    def __init__(self, environ: dict[str, str] | None = None, stdin=None) -> None:
        self._environ = os.environ if environ is None else environ
        self._stdin = stdin if stdin is not None else sys.stdin

    def read(self, env_var: str, prompt: str) -> str:
        value = self._environ.get(env_var)
        if value:
            return value
        if self._stdin.isatty():
            value = getpass.getpass(f"{prompt}: ")
        else:
            line = self._stdin.readline()
            if not line:
                raise CarerDeskError(
                    f"{prompt} needed: set {env_var} or pass it on standard input."
                )
            value = line.rstrip("\r\n")
        if not value:
            raise CarerDeskError(f"{prompt} must not be empty.")
        return value
