"""Composition root: ``python -m carer_desk`` and the ``carer-desk`` console script.

Start-up order (after vorta): logging, then config, then the vault, then (later) Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from carer_desk.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
