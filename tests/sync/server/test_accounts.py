"""Issue 10 Medium 5 and the enrolment lockout race: a leaver's account is disabled (by
the CLI or the admin API), every device of it is revoked and no new one can be enrolled,
even with the right password; passwords are reset by an admin; and of forty wrong
passwords sent at once, only the intended five are ever checked. On SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

from argon2 import PasswordHasher

from sync.protocol import EnrolRequest, Role
from sync.server.__main__ import main
from sync.server.enrolment import MAX_FAILED_ENROLMENTS
from sync.server.errors import NotAuthenticated, TooManyAttempts
from tests.sync.server import records as r
from tests.sync.server.harness import PASSWORD, Device, Harness

NEW_PASSWORD = "a brand new long password"


def cli(h: Harness, *args: str) -> int:
    return main(
        ["--data-dir", str(h.settings.data_dir), "--database", h.settings.database_url, *args]
    )


def can_push(device: Device) -> int:
    return device.push_raw([r.change(r.carer("north"))]).status_code


def test_a_disabled_user_loses_every_device_and_cannot_enrol_again(
    any_harness: Harness, capsys
) -> None:
    h = any_harness
    laptop = h.device("ann", Role.OUTREACH_WORKER, "north")
    spare = h.device("ann", device_name="spare laptop")
    assert can_push(laptop) == 200
    assert cli(h, "disable-user", "ann") == 0
    assert "2 device(s) revoked" in capsys.readouterr().out
    for device in (laptop, spare):
        answer = device.push_raw([r.change(r.carer("north"))])
        assert answer.status_code == 403 and answer.json()["wipe"] is True
    # The attack of the issue: enrol a new laptop at once with the same password.
    again = h.enrol("ann")
    assert again.status_code == 403 and "disabled" in again.json()["detail"]
    assert all(d.revoked for d in h.store.list_devices() if d.username == "ann")
    # Enabled again, the person enrols afresh; the revoked laptops stay revoked.
    assert cli(h, "enable-user", "ann") == 0
    assert h.enrol("ann").status_code == 200
    assert laptop.push_raw([r.change(r.carer("north"))]).status_code == 403


def test_an_admin_resets_a_password_from_the_cli(any_harness: Harness, monkeypatch, capsys) -> None:
    h = any_harness
    h.user("ann", Role.OUTREACH_WORKER, "north")
    monkeypatch.setenv("CARER_DESK_PASSWORD", "short")
    assert cli(h, "reset-password", "ann") == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setenv("CARER_DESK_PASSWORD", NEW_PASSWORD)
    assert cli(h, "reset-password", "ann") == 0
    assert h.enrol("ann", password=PASSWORD).status_code == 401
    assert h.enrol("ann", password=NEW_PASSWORD).status_code == 200
    assert cli(h, "reset-password", "nobody") == 1
    assert "No user called 'nobody'" in capsys.readouterr().err


def test_admins_disable_and_enable_accounts_over_the_api(any_harness: Harness) -> None:
    h = any_harness
    admin = h.device("office-admin", Role.ADMIN)
    laptop = h.device("ann", Role.OUTREACH_WORKER, "north")
    answer = admin.post("/v1/admin/users/ann/disable", {})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["disabled"] is True and body["devices_revoked"] == [laptop.device_id]
    assert laptop.get("/v1/me").json()["wipe"] is True
    assert h.enrol("ann").status_code == 403
    assert admin.post("/v1/admin/users/ann/enable", {}).json()["disabled"] is False
    assert h.enrol("ann").status_code == 200
    audit = [(row.actor, row.action) for row in h.store.iter_audit()]
    assert ("office-admin", "disable-user") in audit and ("office-admin", "enable-user") in audit


def test_only_admins_manage_accounts(harness: Harness) -> None:
    worker = harness.device("worker-north", Role.OUTREACH_WORKER, "north")
    harness.user("ann", Role.OUTREACH_WORKER, "north")
    for path in ("disable", "enable"):
        answer = worker.post(f"/v1/admin/users/ann/{path}", {})
        assert answer.status_code == 403 and "administrator" in answer.json()["detail"]
    answer = worker.post("/v1/admin/users/ann/password", {"password": NEW_PASSWORD})
    assert answer.status_code == 403
    assert harness.enrol("ann").status_code == 200


def test_the_admin_api_explains_what_it_cannot_do(harness: Harness) -> None:
    admin = harness.device("office-admin", Role.ADMIN)
    harness.user("ann", Role.OUTREACH_WORKER, "north")
    mine = admin.post("/v1/admin/users/office-admin/disable", {})
    assert mine.status_code == 400 and "your own account" in mine.json()["detail"]
    assert admin.get("/v1/me").status_code == 200
    missing = admin.post("/v1/admin/users/nobody/disable", {})
    assert missing.status_code == 404
    short = admin.post("/v1/admin/users/ann/password", {"password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.json()["detail"]
    reset = admin.post("/v1/admin/users/ann/password", {"password": NEW_PASSWORD})
    assert reset.status_code == 200
    assert harness.enrol("ann", password=NEW_PASSWORD).status_code == 200
    assert harness.enrol("ann", password=PASSWORD).status_code == 401


class CountingHasher:
    """The server's real password hasher, counting the passwords it checks."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, stored_hash: str, password: str) -> bool:
        with self._lock:
            self.checked += 1
        return self.real.verify(stored_hash, password)


def test_forty_wrong_passwords_at_once_get_only_five_checks(
    tmp_path: Path, database_url: str
) -> None:
    h = Harness(tmp_path / "server", database_url)
    try:
        h.user("ann", Role.OUTREACH_WORKER, "north")
        enrolment = h.app.state.services.enrolment
        counting = CountingHasher(enrolment.hasher)
        enrolment.hasher = counting  # the real check, counted
        outcomes: list[str] = []
        start = threading.Barrier(40)

        def guess(i: int) -> None:
            start.wait()
            try:
                enrolment.enrol(
                    EnrolRequest(username="ann", password=f"guess {i:02d}", device_name="x")
                )
                outcomes.append("enrolled")
            except NotAuthenticated:
                outcomes.append("wrong")
            except TooManyAttempts:
                outcomes.append("paused")

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert counting.checked == MAX_FAILED_ENROLMENTS
        assert sorted(outcomes) == ["paused"] * 35 + ["wrong"] * 5
        # And the right password waits too, until the window has moved on.
        assert h.enrol("ann").status_code == 429
    finally:
        h.close()


def test_successful_enrolments_do_not_count_towards_the_pause(harness: Harness) -> None:
    harness.user("ann", Role.OUTREACH_WORKER, "north")
    for i in range(MAX_FAILED_ENROLMENTS + 2):
        assert harness.enrol("ann", device_name=f"laptop {i}").status_code == 200
    for _ in range(MAX_FAILED_ENROLMENTS - 1):
        assert harness.enrol("ann", password="wrong wrong wrong").status_code == 401
    assert harness.enrol("ann").status_code == 200


def _lock_out(h: Harness, username: str) -> None:
    for _ in range(MAX_FAILED_ENROLMENTS):
        assert h.enrol(username, password="wrong wrong wrong").status_code == 401
    assert h.enrol(username).status_code == 429  # locked, even with the right password


def test_a_password_reset_ends_a_lockout_and_says_so_in_the_audit_log(
    any_harness: Harness, monkeypatch
) -> None:
    h = any_harness
    admin = h.device("office-admin", Role.ADMIN)
    h.user("ann", Role.OUTREACH_WORKER, "north")
    _lock_out(h, "ann")
    # Over the admin API: the person can enrol at once with the new password.
    reset = admin.post("/v1/admin/users/ann/password", {"password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
    assert h.enrol("ann", password=NEW_PASSWORD).status_code == 200
    audit = [(row.actor, row.action, dict(row.details)) for row in h.store.iter_audit()]
    assert ("ann", "enrol-lockout-cleared", {"by": "office-admin"}) in audit

    # The lockout still works after a reset: guesses made after it count again.
    _lock_out(h, "ann")
    # And from the server's command line.
    monkeypatch.setenv("CARER_DESK_PASSWORD", "another long new password")
    assert cli(h, "reset-password", "ann") == 0
    assert h.enrol("ann", password="another long new password").status_code == 200


def test_a_failed_reset_leaves_the_lockout_in_place(any_harness: Harness) -> None:
    h = any_harness
    admin = h.device("office-admin", Role.ADMIN)
    h.user("ann", Role.OUTREACH_WORKER, "north")
    _lock_out(h, "ann")
    short = admin.post("/v1/admin/users/ann/password", {"password": "short"})
    assert short.status_code == 400
    assert h.enrol("ann").status_code == 429
