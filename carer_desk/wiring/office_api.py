"""The office server's reports and admin API as the core's ``OfficeGateway``.

Online only, like the 24-hour line: what the server answers lives in the window while it
is shown and is never written to the laptop. One kept connection for the desk's life.
Every way a call can fail becomes a sentence: the server's own for a refusal
(``OfficeRefused``), "not reachable" for no connection, and a revoked laptop is handed to
the window to explain and wipe, as after a sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from carer_desk.errors import LaptopRevoked
from carer_desk.office import (
    Audience,
    BudgetPosition,
    ContractReport,
    DrillDown,
    OfficeLaptop,
    OfficeRefused,
    OfficeSettings,
    OfficeUser,
    ReportFormat,
    WorkQueues,
)
from carer_desk.wiring.kept_connection import KeptConnection
from sync.client.errors import ProtocolMismatch, ServerRefused
from sync.client.transport import RevokedSignal
from sync.protocol import API_PREFIX

REPORTS = f"{API_PREFIX}/reports"
ADMIN = f"{API_PREFIX}/admin"

NOT_CONNECTED = (
    "This laptop is not connected to the office server, so it cannot show the office's "
    "reports or administration. Ask your IT officer to enrol it."
)


def _user_path(username: str, tail: str = "") -> str:
    # Typed names go into the path: quoted, so they cannot reach another endpoint.
    return f"{ADMIN}/users/{quote(username, safe='')}{tail}"


class ServerOffice:
    """``OfficeGateway`` over one enrolment (server and credential read from the vault when
    the desk opened, so a call never waits for the vault lane)."""

    def __init__(
        self,
        server: str | None,
        credential: str | None,
        *,
        on_revoked: Callable[[], None] = lambda: None,
        client: Any = None,
    ) -> None:
        self._on_revoked = on_revoked
        self._connection = KeptConnection(
            server, credential, not_connected=NOT_CONNECTED, client=client
        )

    def _raw(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None = None,
        body: object = None,
    ) -> bytes:
        try:
            data, _media = self._connection.transport().call_raw(
                method, path, params=params, json_body=body
            )
        except RevokedSignal:
            self._on_revoked()
            raise LaptopRevoked() from None
        except ServerRefused as exc:
            raise OfficeRefused(exc.reason, exc.status) from None
        return data

    def _json(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None = None,
        body: object = None,
    ) -> Any:
        data = self._raw(method, path, params, body)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ProtocolMismatch("an answer that is not JSON") from exc

    def _message(self, answer: Mapping[str, Any], fallback: str) -> str:
        return str(answer.get("message") or fallback)

    # --- reports -----------------------------------------------------------------------

    def quarterly(self, fy: int, quarter: int) -> ContractReport:
        params = {"fy": fy, "quarter": quarter, "format": "json", "audience": "internal"}
        return ContractReport.from_json(self._json("GET", f"{REPORTS}/quarterly", params))

    def quarterly_file(
        self,
        fy: int,
        quarter: int,
        fmt: ReportFormat,
        audience: Audience,
        suppress_below: int,
    ) -> bytes:
        params = {
            "fy": fy,
            "quarter": quarter,
            "format": fmt.value,
            "audience": audience.value,
            "suppress_below": suppress_below,
        }
        return self._raw("GET", f"{REPORTS}/quarterly", params)

    def drill(self, fy: int, quarter: int, key: str, *, year_to_date: bool) -> DrillDown:
        params = {
            "fy": fy,
            "quarter": quarter,
            "key": key,
            "year_to_date": "true" if year_to_date else "false",
        }
        return DrillDown.from_json(self._json("GET", f"{REPORTS}/quarterly/drill", params))

    def budget(self, fy: int | None) -> BudgetPosition:
        params = {"fy": fy} if fy is not None else {}
        return BudgetPosition.from_json(self._json("GET", f"{REPORTS}/budget", params))

    def queues(self, team: str | None) -> WorkQueues:
        params = {"team": team} if team else {}
        return WorkQueues.from_json(self._json("GET", f"{REPORTS}/queues", params))

    # --- users -------------------------------------------------------------------------

    def users(self) -> list[OfficeUser]:
        return [OfficeUser.from_json(u) for u in self._json("GET", f"{ADMIN}/users")]

    def create_user(self, username: str, role: str, team: str | None, password: str) -> str:
        body = {"username": username, "role": role, "team": team, "password": password}
        user = OfficeUser.from_json(self._json("POST", f"{ADMIN}/users", body=body))
        return f"Created {user.username}; they can enrol a laptop with the password given."

    def change_user(self, username: str, role: str, team: str | None) -> str:
        user = OfficeUser.from_json(
            self._json("PATCH", _user_path(username), body={"role": role, "team": team})
        )
        team_words = f", {user.team.title()} team" if user.team else ""
        return (
            f"{user.username} is now {role_words(user.role)}{team_words}; the change applies "
            "from their laptop's next sync."
        )

    def disable_user(self, username: str) -> str:
        answer = self._json("POST", _user_path(username, "/disable"), body={})
        return self._message(answer, f"Disabled {username}.")

    def enable_user(self, username: str) -> str:
        answer = self._json("POST", _user_path(username, "/enable"), body={})
        return self._message(answer, f"Enabled {username}.")

    def reset_password(self, username: str, password: str) -> str:
        answer = self._json("POST", _user_path(username, "/password"), body={"password": password})
        return self._message(answer, f"Password of {username} reset.")

    # --- laptops and settings ----------------------------------------------------------

    def laptops(self) -> list[OfficeLaptop]:
        return [OfficeLaptop.from_json(d) for d in self._json("GET", f"{ADMIN}/devices")]

    def revoke_laptop(self, device_id: str) -> OfficeLaptop:
        path = f"{ADMIN}/devices/{quote(device_id, safe='')}/revoke"
        return OfficeLaptop.from_json(self._json("POST", path, body={}))

    def settings(self) -> OfficeSettings:
        return OfficeSettings(raw=self._json("GET", f"{ADMIN}/settings"))

    def change_payment_rules(self, values: Mapping[str, Any]) -> OfficeSettings:
        answer = self._json("PATCH", f"{ADMIN}/settings/payments", body=dict(values))
        return OfficeSettings(raw=answer)

    def set_budget(self, fy: int, budget_pence: int) -> OfficeSettings:
        body = {"budget_pence": budget_pence}
        return OfficeSettings(
            raw=self._json("PUT", f"{ADMIN}/settings/budgets/{int(fy)}", body=body)
        )

    def change_retention(self, years: Mapping[str, int]) -> OfficeSettings:
        body = {"years": dict(years)}
        return OfficeSettings(raw=self._json("PATCH", f"{ADMIN}/settings/retention", body=body))

    def close(self) -> None:
        self._connection.close()


def role_words(role: str) -> str:
    from carer_desk.roles import Role

    try:
        label = Role(role).label.lower()
    except ValueError:
        return role
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
