"""Administration over the HTTP API: users, laptops and settings, for the admin role only,
every change audited with the admin's name."""

from __future__ import annotations

import pytest

from sync.protocol import Role
from tests.sync.server.harness import Harness


@pytest.fixture
def office(tmp_path):
    h = Harness(tmp_path / "server")
    yield h
    h.close()


def test_an_admin_creates_a_user_and_changes_their_team_and_role(office):
    admin = office.device("manager", Role.ADMIN)
    made = admin.post(
        "/v1/admin/users",
        {
            "username": "amy",
            "role": "outreach-worker",
            "team": "north",
            "password": "long enough pw",
        },
    )
    assert made.status_code == 200, made.text
    assert (made.json()["role"], made.json()["team"]) == ("outreach-worker", "north")
    assert office.enrol("amy", password="long enough pw").status_code == 200
    moved = admin.client.patch("/v1/admin/users/amy", json={"team": "south"}, headers=admin.headers)
    assert moved.json()["team"] == "south"
    promoted = admin.client.patch(
        "/v1/admin/users/amy", json={"role": "payments-approver"}, headers=admin.headers
    )
    assert (promoted.json()["role"], promoted.json()["team"]) == ("payments-approver", None)
    bad = admin.client.patch(
        "/v1/admin/users/amy", json={"role": "outreach-worker"}, headers=admin.headers
    )
    assert bad.status_code == 400 and "needs a team" in bad.json()["detail"]
    names = [u["username"] for u in admin.get("/v1/admin/users").json()]
    assert names == ["amy", "manager"]
    audited = [
        (a.actor, a.action) for a in office.store.iter_audit() if a.action.startswith("admin-")
    ]
    assert audited == [
        ("manager", "admin-create-user"),
        ("manager", "admin-change-user"),
        ("manager", "admin-change-user"),
    ]


def test_an_admin_lists_laptops_with_last_contact_and_revokes_a_lost_one(office):
    admin = office.device("manager", Role.ADMIN)
    worker = office.device("amy", Role.OUTREACH_WORKER, "north", device_name="amy-laptop")
    worker.get("/v1/me")
    devices = {d["name"]: d for d in admin.get("/v1/admin/devices").json()}
    assert devices["amy-laptop"]["last_seen_at"] is not None
    lost = devices["amy-laptop"]["device_id"]
    revoked = admin.post(f"/v1/admin/devices/{lost}/revoke", {})
    assert revoked.json()["revoked_by"] == "manager"
    answer = worker.get("/v1/me")
    assert answer.status_code == 403 and answer.json()["wipe"] is True
    assert admin.post("/v1/admin/devices/nope/revoke", {}).status_code == 404


def test_settings_are_shown_and_other_roles_are_refused(office):
    admin = office.device("manager", Role.ADMIN)
    shown = admin.get("/v1/admin/settings").json()
    assert shown["payments"]["cap_pence"] == 30_000
    assert shown["retention_years"]["payment_request"] == 7
    worker = office.device("amy", Role.OUTREACH_WORKER, "north")
    for path in ("/v1/admin/users", "/v1/admin/devices", "/v1/admin/settings"):
        refused = worker.get(path)
        assert refused.status_code == 403 and "admin role" in refused.json()["detail"]


def test_user_changes_are_attributed_and_refused_where_they_would_do_harm(any_harness):
    office = any_harness
    admin = office.device("manager", Role.ADMIN)
    body = {"username": "bo", "role": "group-facilitator", "password": "long enough pw"}
    assert admin.post("/v1/admin/users", body).status_code == 200
    again = admin.post("/v1/admin/users", body)
    assert again.status_code == 400 and "already exists" in again.json()["detail"]
    short = admin.post("/v1/admin/users", {**body, "username": "cy", "password": "short"})
    assert short.status_code == 422
    created = [a.actor for a in office.store.iter_audit() if a.action == "create-user"]
    assert created[-1] == "manager"  # not the command line's name
    demote = admin.client.patch(
        "/v1/admin/users/manager", json={"role": "payments-approver"}, headers=admin.headers
    )
    assert demote.status_code == 403 and "your own role" in demote.json()["detail"]
    missing = admin.client.patch(
        "/v1/admin/users/nobody", json={"role": "admin"}, headers=admin.headers
    )
    assert missing.status_code == 404
    disabled = admin.post("/v1/admin/users/bo/disable", {})
    assert disabled.status_code == 200, disabled.text
    listed = {u["username"]: u for u in admin.get("/v1/admin/users").json()}
    assert listed["bo"]["disabled"] is True
