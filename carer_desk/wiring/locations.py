"""Where Carer Desk keeps its files on this laptop.

The demo lives apart from real work (its own folder, its own settings), so a real vault
made afterwards never inherits a demo setting such as the fictional 24-hour number.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from platformdirs import user_data_dir

from carer_desk.errors import CarerDeskError

VAULT_FILENAME = "vault.sqlite"
DATA_DIR_CONFIG = "config.toml"  # settings kept with a vault (the demo's, for example)
USER_ENV = "CARER_DESK_USER"
DATA_DIR_ENV = "CARER_DESK_DATA_DIR"
DEMO_DIR_ENV = "CARER_DESK_DEMO_DIR"


def default_data_dir() -> Path:
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit)
    return Path(user_data_dir("carer-desk", appauthor=False))


def demo_data_dir() -> Path:
    """The demo office and its laptops: beside, never inside, the real data folder."""
    explicit = os.environ.get(DEMO_DIR_ENV)
    if explicit:
        return Path(explicit)
    return default_data_dir().parent / "carer-desk-demo"


def default_actor() -> str:
    """The person acting, for the audit log, until the laptop knows its enrolled user:
    explicit setting first, then the operating-system login."""
    explicit = os.environ.get(USER_ENV)
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers; the audit still needs a name
        return "unknown"


def ensure_private_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise CarerDeskError(
            f"Cannot create the data folder {path}: {exc.strerror}. Check the disk, or "
            "choose another folder."
        ) from exc
