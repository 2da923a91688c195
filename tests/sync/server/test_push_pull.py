"""Push and pull through the HTTP API: idempotent resends, merges and conflicts, one bad
change not blocking the rest, paging, compression, limits, revoked devices."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest

from sync.protocol import PushRequest, Role
from sync.server.access import Principal
from tests.sync.server import records as r
from tests.sync.server.harness import Harness


@pytest.fixture
def admin(harness: Harness):
    return harness.device("admin", Role.ADMIN)


def test_enrolment_needs_the_right_password_and_says_nothing_about_which_was_wrong(
    harness: Harness,
) -> None:
    harness.user("ann", Role.OUTREACH_WORKER, "north")
    wrong_password = harness.enrol("ann", password="not the password")
    unknown_user = harness.enrol("nobody-here")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["detail"] == unknown_user.json()["detail"]
    ok = harness.enrol("ann")
    assert ok.status_code == 200
    body = ok.json()
    assert body["role"] == "outreach-worker" and body["team"] == "north"
    me = harness.client.get(
        "/v1/me", headers={"Authorization": f"Bearer {body['device_credential']}"}
    )
    assert me.json()["username"] == "ann"


def test_calls_without_a_known_credential_are_refused(harness: Harness) -> None:
    assert harness.client.get("/v1/changes").status_code == 401
    bogus = harness.client.get("/v1/changes", headers={"Authorization": "Bearer made-up"})
    assert bogus.status_code == 401 and "Enrol" in bogus.json()["detail"]


def test_a_new_record_is_applied_and_pulled_back(any_harness: Harness) -> None:
    device = any_harness.device("admin", Role.ADMIN)
    carer = r.carer()
    result = device.push_one(r.change(carer))
    assert result["status"] == "applied" and result["server_version"] == 1
    assert result["merged"] is False
    pulled = device.pull_all()[("carer", carer.id)]
    assert pulled["server_version"] == 1
    assert r.decode("carer", pulled["payload"]) == carer


def test_resending_an_applied_change_returns_the_stored_result_and_writes_nothing(
    any_harness: Harness,
) -> None:
    device = any_harness.device("admin", Role.ADMIN)
    change = r.change(r.carer())
    first = device.push_one(change)
    again = device.push_one(change)
    assert again["replayed"] is True
    assert {**again, "replayed": False} == first
    with any_harness.store.transaction() as tx:
        assert len(tx.versions(change["record_id"])) == 1


def test_concurrent_resends_of_one_change_apply_it_once(any_harness: Harness) -> None:
    device = any_harness.device("admin", Role.ADMIN)
    principal = Principal("admin", Role.ADMIN, None, device.device_id)
    request = PushRequest.model_validate({"changes": [r.change(r.carer())]})
    service = any_harness.app.state.services.push
    results: list = []
    start = threading.Barrier(6)

    def send() -> None:
        start.wait()
        results.append(service.push(principal, request).results[0])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(results) == 6
    assert {res.server_version for res in results} == {1}
    assert sum(not res.replayed for res in results) == 1
    with any_harness.store.transaction() as tx:
        assert len(tx.versions(request.changes[0].record_id)) == 1


def test_a_change_id_reused_for_different_content_is_rejected(admin) -> None:
    carer = r.carer()
    change = r.change(carer)
    admin.push_one(change)
    other = r.change(r.carer(), change_id=change["change_id"])
    result = admin.push_one(other)
    assert result["status"] == "rejected" and "new id" in result["reason"]


def test_edits_to_different_fields_on_two_laptops_both_land(harness: Harness) -> None:
    one = harness.device("admin", Role.ADMIN, device_name="one")
    two = harness.device("admin", device_name="two")
    carer = r.carer()
    one.push_one(r.change(carer))
    one.push_one(r.change(r.replace(carer, gp_practice="Windrush Surgery"), base_version=1))
    result = two.push_one(r.change(r.replace(carer, preferred_name="Annie"), base_version=1))
    assert result["status"] == "applied" and result["server_version"] == 3
    assert result["merged"] is True  # the laptop must pull to see the other edit
    merged = r.decode("carer", one.pull_all()[("carer", carer.id)]["payload"])
    assert merged.gp_practice == "Windrush Surgery" and merged.preferred_name == "Annie"


def test_the_same_field_edited_differently_is_a_conflict_a_person_resolves(
    harness: Harness,
) -> None:
    one = harness.device("admin", Role.ADMIN, device_name="one")
    two = harness.device("admin", device_name="two")
    carer = r.carer()
    one.push_one(r.change(carer))
    one.push_one(r.change(r.replace(carer, gp_practice="Windrush Surgery"), base_version=1))
    edit = r.replace(carer, gp_practice="Banbury Cross Practice", preferred_name="Annie")
    result = two.push_one(r.change(edit, base_version=1))
    assert result["status"] == "conflict"
    assert result["conflicts"] == [
        {
            "field": "gp_practice",
            "base": "Horsefair Surgery",
            "server": "Windrush Surgery",
            "client": "Banbury Cross Practice",
        }
    ]
    # The field without a conflict merged; the server kept its value for the other.
    stored = r.decode("carer", one.pull_all()[("carer", carer.id)]["payload"])
    assert stored.preferred_name == "Annie" and stored.gp_practice == "Windrush Surgery"
    pulled = two.pull_all()[("carer", carer.id)]
    assert pulled["open_conflict_id"] == result["conflict_id"]

    listed = two.get("/v1/conflicts").json()["conflicts"]
    assert [c["conflict_id"] for c in listed] == [result["conflict_id"]]
    incomplete = two.post(f"/v1/conflicts/{result['conflict_id']}/resolve", {"choices": {}})
    assert incomplete.status_code == 400 and "gp_practice" in incomplete.json()["detail"]
    resolved = two.post(
        f"/v1/conflicts/{result['conflict_id']}/resolve", {"choices": {"gp_practice": "client"}}
    )
    assert resolved.status_code == 200, resolved.text
    final = r.decode("carer", one.pull_all()[("carer", carer.id)]["payload"])
    assert final.gp_practice == "Banbury Cross Practice" and final.preferred_name == "Annie"
    assert two.get("/v1/conflicts").json()["conflicts"] == []
    twice = two.post(
        f"/v1/conflicts/{result['conflict_id']}/resolve", {"choices": {"gp_practice": "server"}}
    )
    assert twice.status_code == 409


def test_money_never_merges_silently(harness: Harness) -> None:
    one = harness.device("admin", Role.ADMIN, device_name="one")
    two = harness.device("admin", device_name="two")
    carer = r.carer()
    request = r.payment(carer.id, r.assessment(carer.id).id, submitted=False)
    one.push(r.change(carer), r.change(request))
    one.push_one(r.change(r.replace(request, wellbeing_outcome="Rest and sleep"), base_version=1))
    result = two.push_one(r.change(r.replace(request, amount_pence=29000), base_version=1))
    assert result["status"] == "conflict"
    assert [c["field"] for c in result["conflicts"]] == ["amount_pence"]
    stored = one.pull_all()[("payment_request", request.id)]["payload"]
    assert stored["amount_pence"] == 15000 and stored["wellbeing_outcome"] == "Rest and sleep"


def test_one_bad_change_does_not_hold_back_the_others(admin) -> None:
    good, bad, also_good = r.change(r.carer()), r.change(r.carer()), r.change(r.carer())
    bad["payload"]["date_of_birth"] = "not a date"
    results = admin.push(good, bad, also_good)
    assert [x["status"] for x in results] == ["applied", "rejected", "applied"]
    assert "date_of_birth" in results[1]["reason"]
    # A rejected change is not recorded: fixed and resent with the same id, it applies.
    bad["payload"]["date_of_birth"] = "1961-03-04"
    assert admin.push_one(bad)["status"] == "applied"


def test_unknown_kinds_and_read_only_views_are_rejected(admin) -> None:
    change = r.change(r.carer())
    results = admin.push(
        {**change, "kind": "spaceship"},
        {**change, "change_id": "another-change-id", "kind": "register_entry"},
    )
    assert [x["status"] for x in results] == ["rejected", "rejected"]
    assert "unknown record kind" in results[0]["reason"]
    assert "read-only" in results[1]["reason"]


def test_an_edit_based_on_a_version_the_server_never_had_is_rejected(admin) -> None:
    carer = r.carer()
    admin.push_one(r.change(carer))
    result = admin.push_one(r.change(carer, base_version=7))
    assert result["status"] == "rejected" and "version 7" in result["reason"]


def test_deletes_leave_tombstones_and_a_stale_delete_is_a_conflict(harness: Harness) -> None:
    one = harness.device("admin", Role.ADMIN, device_name="one")
    two = harness.device("admin", device_name="two")
    kept, gone = r.carer(), r.carer()
    one.push(r.change(kept), r.change(gone))
    deleted = one.push_one(r.change(gone, base_version=1, op="delete"))
    assert deleted["status"] == "applied" and deleted["server_version"] == 2
    tomb = two.pull_all()[("carer", gone.id)]
    assert tomb["deleted"] is True and tomb["payload"] is None

    one.push_one(r.change(r.replace(kept, gp_practice="Elsewhere"), base_version=1))
    stale = two.push_one(r.change(kept, base_version=1, op="delete"))
    assert stale["status"] == "conflict"
    assert stale["conflicts"][0]["field"] == "_deleted"
    assert one.pull_all()[("carer", kept.id)]["deleted"] is False
    resolved = two.post(
        f"/v1/conflicts/{stale['conflict_id']}/resolve", {"choices": {"_deleted": "client"}}
    )
    assert resolved.status_code == 200
    assert one.pull_all()[("carer", kept.id)]["deleted"] is True


def test_pull_pages_through_everything_exactly_once_and_resumes(admin) -> None:
    carers = [r.carer() for _ in range(25)]
    admin.push(*[r.change(c) for c in carers])
    pages, since, seen = 0, "", []
    while True:
        page = admin.pull_page(since, limit=10).json()
        pages += 1
        seen += [x["record_id"] for x in page["records"]]
        since = page["next_cursor"]
        if not page["more"]:
            break
    assert pages == 3 and sorted(seen) == sorted(c.id for c in carers)
    # Nothing new: the saved cursor gives an empty page, then later changes only.
    assert admin.pull_page(since).json()["records"] == []
    admin.push_one(r.change(r.replace(carers[3], preferred_name="Tess"), base_version=1))
    again = admin.pull_page(since).json()
    assert [x["record_id"] for x in again["records"]] == [carers[3].id]


def test_a_cursor_the_server_never_issued_is_a_clear_400(admin) -> None:
    response = admin.pull_page("not-a-cursor!")
    assert response.status_code == 400 and "cursor" in response.json()["detail"]


def test_gzip_push_is_accepted_and_big_pulls_come_back_compressed(admin) -> None:
    results = admin.push(*[r.change(r.carer()) for _ in range(20)], compress=True)
    assert {x["status"] for x in results} == {"applied"}
    response = admin.client.get("/v1/changes", headers={**admin.headers, "Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    assert len(response.json()["records"]) == 20


def test_bad_bodies_get_clear_4xx_answers(admin) -> None:
    headers = {**admin.headers, "Content-Type": "application/json"}
    post = admin.client.post
    not_json = post("/v1/push", content=b"{nope", headers=headers)
    assert not_json.status_code == 422 and not_json.json()["detail"].startswith("The request")
    not_gzip = post("/v1/push", content=b"plain", headers={**headers, "Content-Encoding": "gzip"})
    assert not_gzip.status_code == 400 and "gzip" in not_gzip.json()["detail"]
    brotli = post("/v1/push", content=b"{}", headers={**headers, "Content-Encoding": "br"})
    assert brotli.status_code == 415
    too_many = admin.push_raw([r.change(r.carer()) for _ in range(501)])
    assert too_many.status_code == 422 and "changes" in too_many.json()["detail"]
    empty = admin.push_raw([])
    assert empty.status_code == 422


def test_oversized_bodies_and_zip_bombs_get_413(tmp_path: Path) -> None:
    h = Harness(tmp_path / "small", max_body_bytes=20_000)
    try:
        device = h.device("admin", Role.ADMIN)
        headers = {**device.headers, "Content-Type": "application/json"}
        big = json.dumps({"changes": [r.change(r.carer()) for _ in range(40)]}).encode()
        plain = h.client.post("/v1/push", content=big, headers=headers)
        assert plain.status_code == 413 and "fewer changes" in plain.json()["detail"]
        bomb = gzip.compress(b" " * 10_000_000)
        assert len(bomb) < 20_000
        zipped = h.client.post(
            "/v1/push", content=bomb, headers={**headers, "Content-Encoding": "gzip"}
        )
        assert zipped.status_code == 413
    finally:
        h.close()


def test_a_revoked_device_is_told_to_wipe_and_its_pushes_are_refused(harness: Harness) -> None:
    device = harness.device("ann", Role.OUTREACH_WORKER, "north")
    harness.store.revoke_device(device.device_id, by="admin")
    pushed = device.push_raw([r.change(r.carer())])
    assert pushed.status_code == 403
    assert pushed.json()["wipe"] is True and "revoked" in pushed.json()["detail"]
    pulled = device.pull_page()
    assert pulled.status_code == 403 and pulled.json()["wipe"] is True
    # The user can still enrol a replacement laptop.
    assert harness.enrol("ann").status_code == 200


def test_a_carer_moved_to_another_team_arrives_with_their_records(harness: Harness) -> None:
    admin = harness.device("admin", Role.ADMIN)
    south = harness.device("south-worker", Role.OUTREACH_WORKER, "south")
    cursor = south.pull_page().json()["next_cursor"]
    carer = r.carer("north")
    plan = r.plan(carer.id)
    admin.push(r.change(carer), r.change(plan))
    assert south.pull_page(cursor).json()["records"] == []
    admin.push_one(r.change(r.replace(carer, team=r.LocalityTeam("south")), base_version=1))
    got = {(x["kind"], x["record_id"]) for x in south.pull_page(cursor).json()["records"]}
    assert got == {("carer", carer.id), ("plan", plan.id)}


def test_a_facilitator_taking_over_a_group_receives_its_register(harness: Harness) -> None:
    admin = harness.device("admin", Role.ADMIN)
    newcomer = harness.device("gil", Role.GROUP_FACILITATOR)
    cursor = newcomer.pull_page().json()["next_cursor"]
    group = r.group("fay")
    session = r.session(group.id)
    carer = r.carer("north")
    admin.push(
        r.change(group),
        r.change(session),
        r.change(carer),
        r.change(r.attendance(session.id, carer.id)),
    )
    admin.push_one(r.change(r.replace(group, facilitator="gil"), base_version=1))
    kinds = sorted(x["kind"] for x in newcomer.pull_page(cursor).json()["records"])
    assert kinds == ["attendance", "group", "register_entry", "session"]


def test_password_guessing_through_enrolment_is_slowed_down(harness: Harness) -> None:
    harness.user("ann", Role.OUTREACH_WORKER, "north")
    for _ in range(5):
        assert harness.enrol("ann", password="guess guess guess").status_code == 401
    paused = harness.enrol("ann")  # even the right password waits now
    assert paused.status_code == 429 and "wait 15 minutes" in paused.json()["detail"]
    harness.user("bob", Role.OUTREACH_WORKER, "north")
    assert harness.enrol("bob").status_code == 200  # other accounts are unaffected
