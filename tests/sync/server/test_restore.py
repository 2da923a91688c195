"""The server after a restore from a backup (sync.server.restore): it knows, it never gives
a version number to different content again, and it takes back what laptops held.

Whole restores, with real backups and laptops, are in test_backup_restore.py and
tests/sync/test_restore_properties.py; these drive each piece through the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.protocol import Role
from sync.server.__main__ import main
from sync.server.cursor import encode_cursor
from sync.server.restore import (
    MARKER_FILE,
    mark_restored,
    notice_at_start_up,
    remember_database,
    restore_reason,
)
from tests.sync.server import records as r
from tests.sync.server.harness import Harness


def _generation(device, since: str = "", known: str = "") -> str:  # type: ignore[no-untyped-def]
    response = device.get("/v1/generation", params={"since": since, "known": known})
    assert response.status_code == 200, response.text
    return response.json()["generation"]


def test_versions_written_after_a_restore_start_above_the_floor(any_harness: Harness) -> None:
    worker = any_harness.device("amy", Role.OUTREACH_WORKER, "north")
    carer = r.carer()
    assert worker.push_one(r.change(carer))["server_version"] == 1
    before = _generation(worker)

    mark = mark_restored(any_harness.store, by="admin-cli", reason="test")

    assert _generation(worker) == str(mark.generation) != before
    edited = r.replace(carer, preferred_name="Annie")
    version = worker.push_one(r.change(edited, base_version=1))["server_version"]
    assert version == mark.version_floor + 1 > 2**40  # a time in microseconds
    assert worker.push_one(r.change(r.carer()))["server_version"] == mark.version_floor + 1
    # A second restore starts higher still, whatever the records reached meanwhile.
    again = mark_restored(any_harness.store, by="admin-cli", reason="test")
    assert again.version_floor > version
    audit = [row for row in any_harness.store.iter_audit() if row.action == "mark-restored"]
    assert len(audit) == 2 and audit[0].details["reason"] == "test"


def test_an_edit_of_a_lost_version_is_merged_against_the_nearest_one_kept(
    any_harness: Harness,
) -> None:
    amy = any_harness.device("amy", Role.OUTREACH_WORKER, "north")
    carer = r.replace(r.carer(preferred="Ann"), gp_practice="Banbury Cross")
    amy.push_one(r.change(carer))  # version 1: in the backup
    # Version 2 was lost with the database; amy still holds it (her language edit).
    lost = r.replace(carer, language="Welsh")
    refused = amy.push_one(r.change(lost, base_version=2))
    assert refused["status"] == "rejected"  # never restored: a base from nowhere

    mark_restored(any_harness.store, by="admin-cli", reason="test")
    # A colleague changed the GP since the restore; amy sends version 2 again.
    ben = any_harness.device("ben", Role.OUTREACH_WORKER, "north")
    ben.push_one(r.change(r.replace(carer, gp_practice="Horse Fair"), base_version=1))
    result = amy.push_one(r.change(lost, base_version=2))

    assert result["status"] == "applied" and result["merged"]
    held = amy.pull_all()[("carer", carer.id)]["payload"]
    assert (held["language"], held["gp_practice"]) == ("Welsh", "Horse Fair")


def test_a_record_the_restored_database_lacks_is_taken_back_whole(harness: Harness) -> None:
    amy = harness.device("amy", Role.OUTREACH_WORKER, "north")
    carer = r.carer()
    assert amy.push_one(r.change(carer, base_version=3))["status"] == "rejected"
    mark_restored(harness.store, by="admin-cli", reason="test")
    assert amy.push_one(r.change(carer, base_version=3))["status"] == "applied"


def test_versions_say_what_the_server_holds_from_before_the_restore(harness: Harness) -> None:
    amy = harness.device("amy", Role.OUTREACH_WORKER, "north")
    south = harness.device("sue", Role.OUTREACH_WORKER, "south")
    kept, edited, lost = r.carer(), r.carer(), r.carer()
    amy.push(r.change(kept), r.change(edited))
    mark = mark_restored(harness.store, by="admin-cli", reason="test")
    amy.push_one(r.change(r.replace(edited, preferred_name="E"), base_version=1))
    amy.push_one(r.change(lost, base_version=4))  # a lost record sent again at version 4
    ids = [kept.id, edited.id, lost.id, "never-seen"]

    answer = amy.post("/v1/versions", {"record_ids": ids})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "versions": {kept.id: 1, edited.id: 1, lost.id: 4},
        "generation": str(mark.generation),
    }
    # Another team's worker learns nothing of these carers.
    assert south.post("/v1/versions", {"record_ids": ids}).json()["versions"] == {}


def test_a_cursor_past_the_database_marks_it_restored_once(harness: Harness) -> None:
    amy = harness.device("amy", Role.OUTREACH_WORKER, "north")
    amy.push_one(r.change(r.carer()))
    first = _generation(amy)
    assert _generation(amy, encode_cursor(1), first) == first  # the cursor it was given

    ahead = _generation(amy, encode_cursor(9), first)  # numbers it never handed out
    assert ahead != first
    # A laptop that knows the old generation follows the new one; nothing is marked again.
    assert _generation(amy, encode_cursor(9), first) == ahead
    bad = amy.get("/v1/generation", params={"since": "not a cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]


def test_start_up_notices_a_database_that_went_back(tmp_path: Path) -> None:
    h = Harness(tmp_path / "server")
    data = h.settings.data_dir
    try:
        # A new server: no marker yet, nothing in it.
        assert notice_at_start_up(h.store, data, upgraded=False) is None
        amy = h.device("amy", Role.OUTREACH_WORKER, "north")
        assert restore_reason(h.store, data, upgraded=False) is None  # marker still fresh
        amy.push_one(r.change(r.carer()))
        remember_database(h.store, data)  # the server stops
        marker = json.loads((data / MARKER_FILE).read_text())
        assert marker["seq"] == 1
        assert (data / MARKER_FILE).stat().st_mode & 0o077 == 0

        (data / MARKER_FILE).write_text(json.dumps({**marker, "seq": 5}))
        assert "went back in time" in (restore_reason(h.store, data, upgraded=False) or "")
        (data / MARKER_FILE).write_text(json.dumps({**marker, "generation": 7}))
        assert "not the one" in (restore_reason(h.store, data, upgraded=False) or "")
        (data / MARKER_FILE).unlink()
        assert "was missing" in (restore_reason(h.store, data, upgraded=False) or "")
        # Missing because this start migrated an older server to generations: an upgrade.
        assert restore_reason(h.store, data, upgraded=True) is None

        mark = notice_at_start_up(h.store, data, upgraded=False)
        assert mark is not None and "was missing" in mark.reason
        assert restore_reason(h.store, data, upgraded=False) is None  # marker written
        (data / MARKER_FILE).write_text("{not json")
        assert restore_reason(h.store, data, upgraded=False) is not None
    finally:
        h.close()


def test_mark_restored_from_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "server"
    assert main(["--data-dir", str(data), "mark-restored"]) == 0
    out = capsys.readouterr().out
    assert "Marked the database as restored" in out and "Start the server now" in out
    assert (data / MARKER_FILE).exists()
    h = Harness(data)
    try:
        assert [row.actor for row in h.store.iter_audit() if row.action == "mark-restored"] == [
            "admin-cli"
        ]
        assert restore_reason(h.store, data, upgraded=False) is None
    finally:
        h.close()


@pytest.mark.parametrize("ids", [[], ["x"] * 2001, ["bad id"]])
def test_versions_refuses_a_malformed_list(harness: Harness, ids: list[str]) -> None:
    amy = harness.device("amy", Role.OUTREACH_WORKER, "north")
    assert amy.post("/v1/versions", {"record_ids": ids}).status_code == 422


def test_a_backup_restored_after_a_crash_under_the_same_data_directory_is_noticed(
    tmp_path: Path,
) -> None:
    """The hole docs/operations.md warned of: the server ran for weeks since its last start
    (its marker as it started), took a nightly backup, served more work, and died without
    stopping cleanly; the database is restored from the backup while the data directory
    survives, and mark-restored is forgotten. The marker now follows every write, so it is
    ahead of the restored database and the start-up notices."""
    import shutil
    import sqlite3

    from sync.server.store import sqlite_file

    data = tmp_path / "server"
    h = Harness(data)
    database = sqlite_file(h.settings.database_url)
    assert database is not None
    try:
        assert notice_at_start_up(h.store, data, upgraded=False) is None  # it starts
        amy = h.device("amy", Role.OUTREACH_WORKER, "north")
        amy.push_one(r.change(r.carer()))  # weeks of work
        backup = tmp_path / "nightly.sqlite3"
        with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        amy.push_one(r.change(r.carer()))  # sent after the backup: lost with the database
    finally:
        h.close()  # it dies: no clean stop, nothing remembered on the way out
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copy2(backup, database)

    again = Harness(data)
    try:
        mark = notice_at_start_up(again.store, data, upgraded=False)
        assert mark is not None and "went back in time" in mark.reason
        # The next start after that is an ordinary one.
        assert restore_reason(again.store, data, upgraded=False) is None
    finally:
        again.close()


def test_the_marker_follows_writes_and_a_new_generation_but_not_reads(harness: Harness) -> None:
    data = harness.settings.data_dir
    amy = harness.device("amy", Role.OUTREACH_WORKER, "north")

    def marker() -> dict[str, int]:
        return json.loads((data / MARKER_FILE).read_text())

    amy.push(r.change(r.carer()), r.change(r.carer()))
    assert marker()["seq"] == 2
    with harness.store.transaction() as tx:
        generation = tx.generation()
    assert marker()["generation"] == generation
    written = (data / MARKER_FILE).stat().st_mtime_ns
    amy.pull_all()
    assert (data / MARKER_FILE).stat().st_mtime_ns == written  # a pull writes nothing
    mark = mark_restored(harness.store, by="admin-cli", reason="test")
    assert marker() == {"generation": mark.generation, "seq": 2}
    assert restore_reason(harness.store, data, upgraded=False) is None
