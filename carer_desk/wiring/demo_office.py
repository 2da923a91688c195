"""The embedded demo office: a real Carer Desk server on loopback, with one demo user per
role and invented carers, started and stopped by the application itself.

Everything lives in its own folder (:func:`carer_desk.wiring.locations.demo_data_dir`):
the server's database and key, the demo's settings (a fictional 24-hour number), and one
laptop vault per demo user. Nothing of it is shared with real work.

The first start seeds the office the way a real office fills: a throwaway laptop signed
in as the demo administrator writes the invented records and pushes them through the
server's own checks, then is wiped. Each demo user's laptop then enrols and pulls what
its role may see.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn

from carer_desk.config import Settings
from carer_desk.demo import seed_demo
from carer_desk.errors import CarerDeskError
from carer_desk.wiring.demo_people import DEMO_PASSPHRASE
from carer_desk.wiring.locations import ensure_private_dir
from carer_desk.wiring.sync_gateway import ServerSyncGateway, wipe_vault
from storage.kdf import KdfParams
from storage.vault import Vault
from sync.server.__main__ import DEMO_PASSWORD, DEMO_USERS
from sync.server.app import create_app
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.settings import PasswordCost, ServerSettings
from sync.server.store import open_store

log = logging.getLogger(__name__)

DEMO_CARERS = 240
DEMO_SEED = 2026
_SEEDED_MARKER = "seeded"
# Demo users sign in quickly; the server's real cost protects real passwords.
_DEMO_PASSWORD_COST = PasswordCost(time_cost=1, memory_kib=8192, parallelism=1)
# The throwaway seeding laptop is wiped within the minute; its passphrase cost is moot.
_SEEDING_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)


_DEMO_HISTORY_DAYS = 3 * 366


class DemoOffice:
    """The demo server, running in a background thread of this process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.settings = ServerSettings.for_data_dir(
            folder / "office",
            password_cost=_DEMO_PASSWORD_COST,
            # The invented office holds a year of invented history, pushed at once by its
            # seeding laptop: a real office takes only recent dates from a laptop.
            payment_date_allowance_days=_DEMO_HISTORY_DAYS,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    # --- running -----------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> str:
        """Start serving on a free loopback port; returns the base URL."""
        if self.url is not None:
            return self.url
        ensure_private_dir(self.settings.data_dir)
        self._ensure_users()
        app = create_app(self.settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="demo-office", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise CarerDeskError(
                    "The demo office could not start on this laptop. Close other copies of "
                    "Carer Desk and try again; the log has the details."
                )
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        log.info("demo office serving on %s", self.url)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None
        self.url = None

    # --- filling -----------------------------------------------------------------------

    def _ensure_users(self) -> None:
        store = open_store(self.settings.database_url, self.settings.key_file)
        try:
            existing = {u.username for u in store.list_users()}
            hasher = password_hasher(self.settings.password_cost)
            for name, role, team in DEMO_USERS:
                if name not in existing:
                    store.create_user(
                        name,
                        str(role),
                        str(team) if team else None,
                        hash_password(hasher, DEMO_PASSWORD),
                    )
        finally:
            store.close()

    @property
    def seeded(self) -> bool:
        return (self.settings.data_dir / _SEEDED_MARKER).exists()

    def seed(self, settings: Settings) -> None:
        """Fill the office with invented records, once (a marker file says it is done)."""
        if self.seeded:
            return
        url = self.start()
        path = self.folder / "seeding" / "vault.sqlite"
        if path.exists():  # an earlier seeding stopped half way: start it again
            from sync.client.wipe import wipe_vault_files

            wipe_vault_files(path)
        ensure_private_dir(path.parent)
        vault = Vault.create(path, DEMO_PASSPHRASE, actor="demo-admin", kdf=_SEEDING_KDF)
        try:
            # The office server now takes calls to the line, but they stay out of the
            # seeded office: adding them would draw the demo's random choices differently
            # and change the registers and caseloads the desktop's tests are written for.
            seed_demo(vault, settings, carers=DEMO_CARERS, seed=DEMO_SEED, with_calls=False)
            gateway = ServerSyncGateway(vault, server=url)
            gateway.enrol(url, "demo-admin", DEMO_PASSWORD, "demo seeding laptop")
            report = gateway.sync_now()
            if report.refused:
                log.warning("demo seeding: %d records refused", len(report.refused))
        finally:
            wipe_vault(vault)
        (self.settings.data_dir / _SEEDED_MARKER).write_text("demo data pushed\n")
        log.info("demo office seeded with %d carers", DEMO_CARERS)
