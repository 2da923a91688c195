"""Issue 9 and 10's attacks on the emergency line and the registers, each performed
against a real ``carer-desk-server`` process (its own SQLite files, its settings file,
HTTP over loopback) and each failing:

* card-number shadowing: a card carrying another carer's number, so the 24-hour line
  returns the attacker's plan; a card pointing at another team's plan; cards pushed by
  roles that do not issue them;
* a facilitator reading any carer's contact details by adding their id to a group;
* enumerating card numbers from an operator's device;
* a crafted pull cursor past 2^63;
* reading the server's database files as another user;

and the call records the line now syncs: taken by the operator, checked, kept in the
carer's history for the team and the office only.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from carer_desk.formatting import long_date
from carer_desk.rules.card_numbers import generate_card_number
from sync.server.cursor import encode_cursor
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.service_day import service_today
from sync.server.settings import DATABASE_FILE, SETTINGS_FILE, ServerSettings
from sync.server.store import open_store
from tests.sync.server import records as r
from tests.sync.server.harness import CHEAP_PASSWORDS, PASSWORD
from tests.sync.support import ServerProcess

USERS = {
    "worker-north": ("outreach-worker", "north"),
    "worker-south": ("outreach-worker", "south"),
    "fay": ("group-facilitator", None),
    "op-miss": ("emergency-operator", None),
    "op-busy": ("emergency-operator", None),
    "op": ("emergency-operator", None),
    "approver": ("payments-approver", None),
    "admin": ("admin", None),
}
SETTINGS = """
[emergency_line]
replacement_care_route = "the emergency carers' support service (0345 000 1122)"

[card_lookups]
window_minutes = 10
per_device = 8
per_user = 12
alert_after_misses = 3
max_misses = 5
"""


@dataclass
class Client:
    http: httpx.Client
    headers: dict[str, str]

    def push(self, *records: object, **change: Any) -> list[dict[str, Any]]:
        body = {"changes": [r.change(x, **change) for x in records]}
        response = self.http.post("/v1/push", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def push_one(self, record: object, **change: Any) -> dict[str, Any]:
        return self.push(record, **change)[0]

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers)

    def pulled(self) -> dict[tuple[str, str], dict[str, Any]]:
        seen, since = {}, ""
        while True:
            page = self.get("/v1/changes", since=since, limit=500).json()
            seen |= {(x["kind"], x["record_id"]): x for x in page["records"]}
            since = page["next_cursor"]
            if not page["more"]:
                return seen


@dataclass
class Server:
    process: ServerProcess
    data_dir: Path
    http: httpx.Client

    def login(self, username: str, device: str = "laptop") -> Client:
        answer = self.http.post(
            "/v1/enrol", json={"username": username, "password": PASSWORD, "device_name": device}
        )
        assert answer.status_code == 200, answer.text
        credential = answer.json()["device_credential"]
        return Client(self.http, {"Authorization": f"Bearer {credential}"})

    def audit(self) -> list[dict[str, Any]]:
        out = self.data_dir / "audit.jsonl"
        cli = [sys.executable, "-m", "sync.server", "--data-dir", str(self.data_dir)]
        subprocess.run([*cli, "audit-export", "--out", str(out)], check=True, timeout=60)
        return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("line-server")
    (data_dir / SETTINGS_FILE).write_text(SETTINGS, "utf-8")
    # Users made as create-user makes them, with a cheap hash (verified by its own cost).
    store = open_store(ServerSettings.for_data_dir(data_dir).database_url, data_dir / "server.key")
    hasher = password_hasher(CHEAP_PASSWORDS)
    for username, (role, team) in USERS.items():
        store.create_user(username, role, team, hash_password(hasher, PASSWORD))
    store.close()
    process = ServerProcess(data_dir)
    process.start(timeout=60)
    http = httpx.Client(base_url=process.url, timeout=30)
    try:
        yield Server(process, data_dir, http)
    finally:
        http.close()
        process.stop()


def _north_card(server: Server):
    worker = server.login("worker-north")
    carer = r.carer("north", given="Nora")
    plan = r.plan(carer.id)
    card = r.card(plan)
    assert {x["status"] for x in worker.push(carer, plan, card)} == {"applied"}
    return carer, plan, card


# --- card-number shadowing ----------------------------------------------------------------


def test_a_card_carrying_another_carers_number_is_refused(server: Server) -> None:
    north_carer, north_plan, north_card = _north_card(server)
    attacker = server.login("worker-south")
    carer = r.carer("south", given="Sam")
    plan = r.plan(carer.id)
    assert {x["status"] for x in attacker.push(carer, plan)} == {"applied"}
    # The attack: a card of the attacker's own carer carrying the north carer's number.
    shadow = r.card(plan, number=north_card.number)
    result = attacker.push_one(shadow)
    assert result["status"] == "rejected"
    assert "already belongs to another card" in result["reason"]
    # Two new cards with one number in one push: the second is refused too.
    twin = generate_card_number()
    first, second = attacker.push(r.card(plan, number=twin), r.card(plan, number=twin))
    assert (first["status"], second["status"]) == ("applied", "rejected")
    # The line still finds the north carer's plan.
    body = server.login("op").get(f"/v1/cards/{north_card.number}").json()
    assert body["carer_display_name"] == "Nora Smith"
    assert body["plan"]["id"] == north_plan.id and body["plan"]["carer_id"] == north_carer.id


def test_a_card_cannot_open_another_carers_plan(server: Server) -> None:
    _, north_plan, _ = _north_card(server)
    attacker = server.login("worker-south")
    carer = r.carer("south", given="Sid")
    assert attacker.push_one(carer)["status"] == "applied"
    pointing = replace(r.card(north_plan), carer_id=carer.id)  # own carer, north's plan
    result = attacker.push_one(pointing)
    assert result["status"] == "rejected" and "another carer" in result["reason"]
    # Not even the office can make a card open the wrong plan.
    admin = server.login("admin")
    assert admin.push_one(replace(r.card(north_plan), carer_id=carer.id))["status"] == "rejected"
    missing = replace(r.card(north_plan), carer_id=carer.id, plan_id="f" * 32)
    refused = admin.push_one(missing)
    assert refused["status"] == "rejected" and "Sync the plan first" in refused["reason"]


def test_cards_are_issued_only_by_the_roles_that_issue_them(server: Server) -> None:
    _, north_plan, _ = _north_card(server)
    for username in ("fay", "op", "approver"):
        result = server.login(username).push_one(r.card(north_plan))
        assert result["status"] == "rejected", username
    assert server.login("worker-north").push_one(r.card(north_plan))["status"] == "applied"


# --- a facilitator's registers -----------------------------------------------------------------


# --- a payment request's dates (issue 10, High 2) --------------------------------------------


def test_a_back_dated_payment_request_counts_from_the_servers_day(server: Server) -> None:
    # The attack: a tampered push dates a request (and its submission) 30 days early,
    # inside the allowance, so the cap's window would move a month earlier.
    worker = server.login("worker-north")
    approver = server.login("approver")
    carer = r.carer("north", given="Pat")
    today = service_today()
    talk = r.assessment(carer.id, today - timedelta(days=40))
    early = today - timedelta(days=30)
    request = r.payment(carer.id, talk.id, 20000, requested_on=early)
    assert request.submitted_on == early
    results = worker.push(carer, talk, request)
    assert [x["status"] for x in results] == ["applied"] * 3, results
    held = worker.pulled()[("payment_request", request.id)]["payload"]
    assert held["requested_on"] == early.isoformat()  # what the worker recorded, shown
    assert held["submitted_on"] == today.isoformat()  # what the cap counts
    answer = approver.http.post(
        f"/v1/payments/{request.id}/decision",
        json={"decision": "approve"},
        headers=approver.headers,
    )
    assert answer.status_code == 200, answer.text
    assert long_date(today) in answer.json()["message"]  # the window names the server's day
    assert long_date(early) not in answer.json()["message"]


def test_a_facilitator_cannot_put_any_carer_on_their_register(server: Server) -> None:
    north_carer, _, _ = _north_card(server)
    fay = server.login("fay")
    group = r.group("fay")
    session = r.session(group.id)
    assert {x["status"] for x in fay.push(group, session)} == {"applied"}
    # The attack: the north carer's id on fay's own register, to pull their details.
    for record in (r.member(group.id, north_carer.id), r.attendance(session.id, north_carer.id)):
        result = fay.push_one(record)
        assert result["status"] == "rejected" and "Ask the office" in result["reason"]
    assert ("register_entry", north_carer.id) not in fay.pulled()
    assert "01295 000111" not in json.dumps(list(fay.pulled().values()))
    # A newcomer fay meets at the group, she registers herself (in one push).
    newcomer = r.carer(None, given="Nell")
    results = fay.push(newcomer, r.member(group.id, newcomer.id))
    assert [x["status"] for x in results] == ["applied", "applied"]
    # A carer the office puts on fay's register, she can then mark at a session.
    office_added = r.carer("south", given="Olive")
    admin = server.login("admin")
    assert {x["status"] for x in admin.push(office_added, r.member(group.id, office_added.id))} == {
        "applied"
    }
    assert fay.push_one(r.attendance(session.id, office_added.id))["status"] == "applied"
    assert ("register_entry", office_added.id) in fay.pulled()


# --- enumeration ------------------------------------------------------------------------------


def test_trying_card_numbers_raises_an_alert_then_stops_answering(server: Server) -> None:
    _, _, real = _north_card(server)
    operator = server.login("op-miss")
    statuses = [operator.get(f"/v1/cards/{generate_card_number()}").status_code for _ in range(5)]
    assert statuses == [404] * 5
    alerts = [e for e in server.audit() if e.get("action") == "card-lookup-alert"]
    assert [(a["actor"], a["details"]["misses"]) for a in alerts] == [("op-miss", 3)]
    # Past the misses allowed, even a real number gets no plan back.
    refused = operator.get(f"/v1/cards/{real.number}")
    assert refused.status_code == 429
    detail = refused.json()["detail"]
    assert "paused for your account" in detail
    assert "arrange replacement care via the emergency carers' support service" in detail
    # ... from another device of the same user too.
    assert server.login("op-miss", "second laptop").get(f"/v1/cards/{real.number}").status_code == (
        429
    )
    # Another operator is not affected.
    assert server.login("op").get(f"/v1/cards/{real.number}").status_code == 200


def test_look_ups_are_limited_per_device_and_per_user(server: Server) -> None:
    _, _, real = _north_card(server)
    first = server.login("op-busy", "desk one")
    codes = [first.get(f"/v1/cards/{real.number}").status_code for _ in range(9)]
    assert codes == [200] * 8 + [429]
    assert "from this device" in first.get(f"/v1/cards/{real.number}").json()["detail"]
    second = server.login("op-busy", "desk two")
    # The user has made 10 look-ups (two of them refused); 12 are allowed in the window.
    codes = [second.get(f"/v1/cards/{real.number}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "by your account" in second.get(f"/v1/cards/{real.number}").json()["detail"]
    refused = [
        e
        for e in server.audit()
        if e.get("action") == "card-lookup" and e["details"].get("result") == "rate-limited"
    ]
    assert sum(e["actor"] == "op-busy" for e in refused) == 4


# --- the pull cursor and the files ---------------------------------------------------------------


@pytest.mark.parametrize("seq", [2**63, 2**64 + 5, 10**40])
def test_a_pull_cursor_past_two_to_the_63_is_a_clear_400(server: Server, seq: int) -> None:
    worker = server.login("worker-north")
    response = worker.get("/v1/changes", since=encode_cursor(seq))
    assert response.status_code == 400
    assert "Start again from the beginning" in response.json()["detail"]
    assert server.http.get("/v1/health").status_code == 200  # the server carried on


def test_the_servers_database_files_are_private(server: Server) -> None:
    _north_card(server)  # something written, so the WAL and shared memory exist
    files = [server.data_dir / f"{DATABASE_FILE}{end}" for end in ("", "-wal", "-shm")]
    modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files if f.exists()}
    assert set(modes) == {f.name for f in files}
    assert set(modes.values()) == {0o600}, modes


# --- calls to the line ---------------------------------------------------------------------------


def test_a_call_is_synced_checked_and_kept_in_the_carers_history(server: Server) -> None:
    carer, _, card = _north_card(server)
    operator = server.login("op")
    call = r.call(card, "op", replacement_care_arranged=True, replacement_care_hours=24)
    assert operator.push_one(call)["status"] == "applied"
    # In the carer's history for their team's worker and the office, nobody else.
    assert ("emergency_call", call.id) in server.login("worker-north").pulled()
    assert ("emergency_call", call.id) in server.login("admin").pulled()
    for username in ("worker-south", "fay", "approver"):
        assert ("emergency_call", call.id) not in server.login(username).pulled(), username
    # Audited: the version trail names who recorded it.
    versions = [
        e for e in server.audit() if e.get("type") == "version" and e["record_id"] == call.id
    ]
    assert [(v["kind"], v["actor"]) for v in versions] == [("emergency_call", "op")]
    # Refused: a call under someone else's name, hours beyond the settings, a carer the
    # server does not hold, and an operator editing a call.
    for bad, words in (
        (r.call(card, "worker-north"), "record it as op"),
        (
            r.call(card, "op", replacement_care_arranged=True, replacement_care_hours=60),
            "more than the usual 48",
        ),
        (replace(r.call(card, "op"), carer_id="e" * 32, card_id=None, plan_id=None), "not on"),
    ):
        result = operator.push_one(bad)
        assert result["status"] == "rejected" and words in result["reason"], result
    noted = replace(call, notes="Rang back at 3am")
    assert operator.push_one(noted, base_version=1)["status"] == "rejected"
    # The office's follow-up is recorded by the carer's worker; the facts stay as taken.
    worker = server.login("worker-north")
    followed = replace(
        call, follow_up="Ring Ann", followed_up_on=date(2026, 1, 7), followed_up_by="wn"
    )
    assert worker.push_one(followed, base_version=1)["status"] == "applied"
    rewritten = replace(followed, operator="worker-north")
    refused = worker.push_one(rewritten, base_version=2)
    assert refused["status"] == "rejected" and "not changed afterwards" in refused["reason"]
    assert carer.id == call.carer_id
