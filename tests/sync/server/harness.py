"""Drive the real server app in-process: real store, real key file, real HTTP handling
(FastAPI's TestClient), users created as the admin CLI creates them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from sync.protocol import Role
from sync.server.app import create_app
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.settings import PasswordCost, ServerSettings
from sync.server.store import SqlStore

# Argon2id at its floor: these tests exercise the server, not the password hash's cost.
CHEAP_PASSWORDS = PasswordCost(time_cost=1, memory_kib=8, parallelism=1)
PASSWORD = "a long enough password"
#: The server's day in these tests (the records in tests/sync/server/records.py are dated
#: early in 2026): the server bounds payment dates by its own day, so a test must not
#: depend on the real date.
HARNESS_TODAY = date(2026, 3, 15)


class Device:
    """One enrolled laptop talking to the server."""

    def __init__(self, client: TestClient, enrolment: dict[str, Any]):
        self.client = client
        self.enrolment = enrolment
        self.device_id: str = enrolment["device_id"]
        self.username: str = enrolment["username"]
        self.headers = {"Authorization": f"Bearer {enrolment['device_credential']}"}

    def push_raw(self, changes: list[dict[str, Any]], *, compress: bool = False) -> Any:
        body = json.dumps({"changes": changes}).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        if compress:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self.client.post("/v1/push", content=body, headers=headers)

    def push(self, *changes: dict[str, Any], compress: bool = False) -> list[dict[str, Any]]:
        response = self.push_raw(list(changes), compress=compress)
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def push_one(self, change: dict[str, Any]) -> dict[str, Any]:
        return self.push(change)[0]

    def pull_page(self, since: str = "", limit: int = 500) -> Any:
        return self.client.get(
            "/v1/changes", params={"since": since, "limit": limit}, headers=self.headers
        )

    def pull_all(self, since: str = "", limit: int = 500) -> dict[tuple[str, str], dict]:
        """Every record this device may see, as {(kind, id): pulled record}."""
        seen: dict[tuple[str, str], dict] = {}
        while True:
            response = self.pull_page(since, limit)
            assert response.status_code == 200, response.text
            page = response.json()
            for record in page["records"]:
                seen[(record["kind"], record["record_id"])] = record
            since = page["next_cursor"]
            if not page["more"]:
                return seen

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)


class Harness:
    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        today: Callable[[], date] | None = None,
        **overrides: Any,
    ):
        self.settings = ServerSettings.for_data_dir(
            data_dir, database_url, password_cost=CHEAP_PASSWORDS, **overrides
        )
        self.app = create_app(self.settings, today=today or (lambda: HARNESS_TODAY))
        self.client = TestClient(self.app, base_url="http://localhost")  # plain http: loopback only
        self.store: SqlStore = self.app.state.services.store
        self._hasher = password_hasher(CHEAP_PASSWORDS)

    def close(self) -> None:
        self.client.close()
        self.app.state.services.close()

    def user(self, username: str, role: Role | str, team: str | None = None) -> None:
        self.store.create_user(username, str(role), team, hash_password(self._hasher, PASSWORD))

    def enrol(self, username: str, password: str = PASSWORD, device_name: str = "laptop") -> Any:
        return self.client.post(
            "/v1/enrol",
            json={"username": username, "password": password, "device_name": device_name},
        )

    def device(
        self,
        username: str,
        role: Role | str | None = None,
        team: str | None = None,
        device_name: str = "laptop",
    ) -> Device:
        if role is not None and self.store.get_user(username) is None:
            self.user(username, role, team)
        response = self.enrol(username, device_name=device_name)
        assert response.status_code == 200, response.text
        return Device(self.client, response.json())
