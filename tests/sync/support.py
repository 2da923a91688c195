"""Shared helpers for the sync client tests: real vaults with a cheap KDF, valid carer
payloads the server's validation accepts, and reading what a device holds."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from carer_desk import factories as make
from carer_desk.records.codec import to_payload
from carer_desk.records.teams import LocalityTeam
from storage.vault import Vault
from tests import vaults
from tests.vaults import make_vault

# The suite's one vault recipe (cheap Argon2id, one passphrase), under the names the sync
# tests know it by.
CHEAP_KDF = vaults.CHEAP_KDF
PASSPHRASE = vaults.PASSPHRASE
TEAM = "north"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_vault(path: Path, actor: str = "worker") -> Vault:
    return make_vault(path, actor=actor)


def reopen_vault(path: Path, actor: str = "worker") -> Vault:
    return vaults.reopen_vault(path, actor=actor)


def carer_payload(
    given: str = "Ann",
    family: str = "Smith",
    *,
    record_id: str | None = None,
    born: date | None = date(1961, 3, 4),
    postcode: str = "OX16 5AA",
    team: str = TEAM,
    safeguarding: bool = False,
) -> dict[str, Any]:
    carer = make.carer(
        id=record_id or uuid.uuid4().hex,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        contact=make.contact_details(phone=None),
        address=make.address(
            line1="1 High Street", town="Banbury", postcode=postcode, district=None
        ),
        referral=make.referral(date(2026, 1, 5)),
        consent=make.consent(date(2026, 1, 5)),
        team=LocalityTeam(team),
        safeguarding_flag=safeguarding,
    )
    # Round-trip through JSON types: enums as their string values, as the vault stores them.
    import json

    return json.loads(json.dumps(to_payload(carer)))


def live_records(vault: Vault, kind: str = "carer") -> dict[str, dict[str, Any]]:
    return dict(vault.iter_kind(kind))


# --- a real server, in process ---------------------------------------------------------------


class InProcessServer:
    """The real FastAPI app with its real SQL store, reached through Starlette's
    TestClient (an ``httpx.Client`` that calls the ASGI app in process, no socket)."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        from sync.server.settings import PasswordCost, ServerSettings

        self.settings = ServerSettings.for_data_dir(
            data_dir,
            database_url,
            password_cost=PasswordCost(time_cost=1, memory_kib=8, parallelism=1),
        )
        self.client: Any = None
        self.start()

    def start(self) -> None:
        from starlette.testclient import TestClient

        from sync.server.app import create_app

        self.app = create_app(self.settings)
        self.client = TestClient(
            self.app, base_url="http://localhost", raise_server_exceptions=False
        )

    @property
    def store(self) -> Any:
        return self.app.state.services.store

    def stop(self) -> None:
        self.client.close()
        self.app.state.services.close()

    def restart(self) -> None:
        """Drop every connection and open the same database again (a server restart)."""
        self.stop()
        self.start()

    def create_user(
        self, username: str, password: str, role: str = "outreach-worker", team: str | None = TEAM
    ) -> None:
        from sync.server.secrets_hashing import hash_password, password_hasher

        hashed = hash_password(password_hasher(self.settings.password_cost), password)
        self.store.create_user(username, role, team, hashed)


def enrol_device(server: InProcessServer, vault: Vault, username: str, password: str) -> Any:
    """Enrol over the real HTTP API and keep the credential sealed in the vault."""
    from carer_desk.wiring.enrolment import Enrolment, save_enrolment
    from sync.client.transport import HttpTransport
    from sync.protocol import EnrolRequest

    answer = HttpTransport("http://localhost", client=server.client).enrol(
        EnrolRequest(username=username, password=password, device_name=f"{username}-laptop")
    )
    enrolment = Enrolment(
        "http://localhost",
        answer.device_id,
        answer.username,
        str(answer.role),
        answer.device_credential,
        str(answer.team) if answer.team else None,
    )
    save_enrolment(vault, enrolment)
    return enrolment


# --- a real server, in its own process ---------------------------------------------------------


class ServerProcess:
    """``carer-desk-server serve`` as a uvicorn subprocess on a free loopback port."""

    def __init__(
        self, data_dir: Path, database_url: str | None = None, *, workers: int = 1
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.proc: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _base(self) -> list[str]:
        import sys

        cmd = [sys.executable, "-m", "sync.server", "--data-dir", str(self.data_dir)]
        if self.database_url:
            cmd += ["--database", self.database_url]
        return cmd

    def create_user(
        self, username: str, password: str, role: str = "outreach-worker", team: str | None = TEAM
    ) -> None:
        import os
        import subprocess

        cmd = [*self._base(), "create-user", "--username", username, "--role", role]
        if team:
            cmd += ["--team", team]
        env = {**os.environ, "CARER_DESK_PASSWORD": password}
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)

    def start(self, timeout: float = 30.0) -> None:
        import subprocess
        import time

        import httpx

        serve = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        serve += ["--workers", str(self.workers)]
        # Its own process group, so stopping or killing it reaches every worker process.
        self.proc = subprocess.Popen(
            [*self._base(), *serve],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing — a crash or a pulled plug."""
        if self.proc is not None:
            self._signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)  # the server and its worker processes

    def stop(self) -> None:
        if self.proc is not None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except Exception:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
            self.proc = None


def enrol_over_http(url: str, vault: Vault, username: str, password: str) -> Any:
    from carer_desk.wiring.enrolment import Enrolment, save_enrolment
    from sync.client.transport import HttpTransport
    from sync.protocol import EnrolRequest

    transport = HttpTransport(url)
    try:
        answer = transport.enrol(
            EnrolRequest(username=username, password=password, device_name=f"{username}-pc")
        )
    finally:
        transport.close()
    enrolment = Enrolment(
        url,
        answer.device_id,
        answer.username,
        str(answer.role),
        answer.device_credential,
        str(answer.team) if answer.team else None,
    )
    save_enrolment(vault, enrolment)
    return enrolment


def add_carers(vault: Vault, count: int, prefix: str = "P") -> list[str]:
    """``count`` new carers written in one transaction, as an import would."""
    from carer_desk.ports import RecordWrite

    writes = []
    for i in range(count):
        payload = carer_payload(given=f"{prefix}{i}", family=f"Family{i % 97}")
        writes.append(RecordWrite("carer", payload["id"], payload))
    vault.put_many(writes, action="create")
    return [w.id for w in writes]
