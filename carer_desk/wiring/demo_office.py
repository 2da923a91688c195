"""The embedded demo office: a real Carer Desk server on loopback, with one demo user per
role and invented carers, started and stopped by the application itself.

Everything lives in its own folder (:func:`carer_desk.wiring.locations.demo_data_dir`):
the server's database and key, the demo's settings (a fictional 24-hour number), and one
laptop vault per demo user. Nothing of it is shared with real work.

The first start seeds the office the way a real office fills: a throwaway laptop signed
in as the demo administrator writes the invented records and pushes them through the
server's own checks, then is wiped. Each demo user's laptop then enrols and pulls what
its role may see.

Wellbeing payments go through the office as real ones do. The server takes a request
from a laptop only as a draft, submitted or cancelled, decides it only through its
decision route (as a payments approver, never the person who asked: four eyes), and
takes "paid" only from an administrator. So the seeding laptop sends the requests the
history has decided as drafts; then, day by day, it submits those submitted that day, the
demo approver decides those decided that day through the decision route, and the
administrator's laptop marks paid those paid that day.

The server dates a submission, a decision and a payment itself, on its own day. A real
office's are spread over the year they were made in; the demo office's are all made
within seconds of its first start. While the seeding replays them, the office's day is
therefore the day each step was taken (:class:`OfficeDay`), so the history reads as a
year of payments rather than a year of requests all decided today. Nothing else
changes: each step still meets the cap, the budget, the recent assessment and four eyes,
and afterwards the office's day is the service's own again.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn

from carer_desk.config import Settings
from carer_desk.demo import OfficeDecision, seed_demo
from carer_desk.errors import CarerDeskError
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.services.repository import Repository
from carer_desk.wiring.demo_people import DEMO_PASSPHRASE
from carer_desk.wiring.locations import ensure_private_dir
from carer_desk.wiring.sync_gateway import ServerSyncGateway, wipe_vault
from storage.kdf import KdfParams
from storage.vault import Vault
from sync.client.errors import ServerRefused
from sync.client.transport import HttpTransport
from sync.protocol import Decision, EnrolRequest, PaymentDecisionRequest
from sync.server.__main__ import DEMO_PASSWORD, DEMO_USERS
from sync.server.app import create_app
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.service_day import service_today
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
# Who decides and who records payment in the seeded history (sync.server's demo users).
_DEMO_APPROVER = "demo-approver"
_DEMO_ADMIN = "demo-admin"


class OfficeDay:
    """The demo office's day: the service's own, except while :meth:`replaying` a day of
    the invented history (module docstring)."""

    def __init__(self) -> None:
        self._replayed: date | None = None
        self._lock = threading.Lock()

    def __call__(self) -> date:
        return self._replayed or service_today()

    @contextmanager
    def replaying(self, day: date) -> Iterator[None]:
        if day > service_today():
            raise ValueError(f"the demo's history cannot be dated after today ({day})")
        with self._lock:  # one replayed day at a time
            self._replayed = day
            try:
                yield
            finally:
                self._replayed = None


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
        self.day = OfficeDay()
        self._server: uvicorn.Server | None = None
        self._app: Any = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        #: What the last seeding's pushes and decisions were refused, with the reasons
        #: (none, when the demo's history keeps the office's rules).
        self.refusals: list[str] = []

    # --- running -----------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> str:
        """Start serving on a free loopback port; returns the base URL."""
        if self.url is not None:
            return self.url
        ensure_private_dir(self.settings.data_dir)
        self._ensure_users()
        app = create_app(self.settings, today=self.day)
        self._app = app
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
        self._app = None
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
        vault = Vault.create(path, DEMO_PASSPHRASE, actor=_DEMO_ADMIN, kdf=_SEEDING_KDF)
        # The seeding's own devices (the administrator's laptop, the approver's
        # connection): revoked once it is done, so the office's list of laptops holds only
        # the ones demo people use.
        seeding: list[str] = []
        try:
            # The office server now takes calls to the line, but they stay out of the
            # seeded office: adding them would draw the demo's random choices differently
            # and change the registers and caseloads the desktop's tests are written for.
            summary = seed_demo(
                vault,
                settings,
                carers=DEMO_CARERS,
                seed=DEMO_SEED,
                with_calls=False,
                decided_at_the_office=True,
            )
            gateway = ServerSyncGateway(vault, server=url)
            identity = gateway.enrol(url, _DEMO_ADMIN, DEMO_PASSWORD, "demo seeding laptop")
            seeding.append(identity.device_id)
            refusals = [f"{r.description}: {r.reason}" for r in gateway.sync_now().refused]
            refusals += self._replay(url, gateway, vault, summary.decisions, seeding)
        finally:
            wipe_vault(vault)
            store = self._app.state.services.store
            for device_id in seeding:
                store.revoke_device(device_id, by=_DEMO_ADMIN)
        self.refusals = refusals
        if refusals:
            log.warning("demo seeding: %d records refused", len(refusals))
        (self.settings.data_dir / _SEEDED_MARKER).write_text("demo data pushed\n")
        log.info(
            "demo office seeded with %d carers and %d payment decisions",
            DEMO_CARERS,
            len(summary.decisions),
        )

    def _replay(
        self,
        url: str,
        gateway: ServerSyncGateway,
        vault: Vault,
        decisions: Sequence[OfficeDecision],
        seeding: list[str],
    ) -> list[str]:
        """Day by day through the history: the requests submitted that day reach the
        office on it, that day's decisions are made, and the administrator's laptop hears
        of earlier approvals and records what was paid that day (the office stamps each
        step's date itself); returns the refusals."""
        repo = Repository(vault)
        submitted: dict[date, list[str]] = {}
        decided: dict[date, list[OfficeDecision]] = {}
        paid: dict[date, list[str]] = {}
        for d in decisions:
            submitted.setdefault(d.submitted_on, []).append(d.payment_id)
            decided.setdefault(d.on, []).append(d)
            if d.approve and d.paid_on is not None:
                paid.setdefault(d.paid_on, []).append(d.payment_id)
        refusals: list[str] = []

        def send(day: date, changed: list[WellbeingPaymentRequest]) -> None:
            repo.save_many(changed, action="edit", audit_details={"records": len(changed)})
            with self.day.replaying(day):
                report = gateway.sync_now()
            refusals.extend(f"{r.description}: {r.reason}" for r in report.refused)

        with self._approver(url, seeding) as transport:
            for day in sorted(submitted.keys() | decided.keys() | paid.keys()):
                if day in submitted:
                    send(
                        day,
                        [repo.get(WellbeingPaymentRequest, p).submit(day) for p in submitted[day]],
                    )
                refusals += self._decide(transport, decided.get(day, []))
                if day in paid:
                    with self.day.replaying(day):
                        gateway.sync_now()  # the approvals reach this laptop
                    send(
                        day,
                        [repo.get(WellbeingPaymentRequest, p).mark_paid(day) for p in paid[day]],
                    )
        return refusals

    @contextmanager
    def _approver(self, url: str, seeding: list[str]) -> Iterator[HttpTransport]:
        """The demo approver's connection to the office (enrolled for the seeding; its
        device added to ``seeding``)."""
        enrolling = HttpTransport(url, None)
        try:
            device = enrolling.enrol(
                EnrolRequest(
                    username=_DEMO_APPROVER,
                    password=DEMO_PASSWORD,
                    device_name="demo seeding: the approver's decisions",
                )
            )
        finally:
            enrolling.close()
        seeding.append(device.device_id)
        transport = HttpTransport(url, device.device_credential)
        try:
            yield transport
        finally:
            transport.close()

    def _decide(self, transport: HttpTransport, decisions: Sequence[OfficeDecision]) -> list[str]:
        """The demo approver's decisions, each through the office's decision route on
        the day it was made; returns the refusals."""
        refusals = []
        for decision in decisions:
            body = PaymentDecisionRequest(
                decision=Decision.APPROVE if decision.approve else Decision.DECLINE,
                reason=decision.reason,
            )
            with self.day.replaying(decision.on):
                try:
                    transport.decide_payment(decision.payment_id, body)
                except ServerRefused as exc:
                    refusals.append(f"decision on {decision.payment_id}: {exc.reason}")
        return refusals
