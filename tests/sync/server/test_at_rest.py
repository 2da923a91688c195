"""Nothing a carer told us is written in clear by the server: not in the database files,
not in its logs. A database dump without the key file holds ciphertext only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Harness

CANARIES = ("Xanthippe-Canary", "Garden-Canary-Notes", "Canary-Surgery")


def scan(directory: Path) -> list[tuple[str, str]]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file() and path.name != "server.key":
            data = path.read_bytes()
            for canary in CANARIES:
                for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                    if canary.encode(encoding) in data:
                        found.append((path.name, canary))
    return found


def test_no_canary_reaches_the_database_files_or_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "server"
    h = Harness(data_dir)
    try:
        one = h.device("admin", Role.ADMIN, device_name="one")
        two = h.device("admin", device_name="two")
        carer = r.carer(given=CANARIES[0])
        one.push(r.change(carer))
        one.push(r.change(r.replace(carer, gp_practice=CANARIES[2]), base_version=1))
        conflict = two.push_one(r.change(r.replace(carer, gp_practice=CANARIES[1]), base_version=1))
        assert conflict["status"] == "conflict"
        pulled = one.pull_all()
        # The values are really there for an authorised reader (so the scan can fail).
        assert pulled[("carer", carer.id)]["payload"]["given_name"] == CANARIES[0]
        assert conflict["conflicts"][0]["client"] == CANARIES[1]
        two.push_one(r.change(r.replace(carer, gp_practice=CANARIES[1]), base_version=1))
    finally:
        h.close()
    assert scan(data_dir) == []
    assert not any(c in caplog.text for c in CANARIES)


def test_the_scan_finds_a_canary_written_in_clear(tmp_path: Path) -> None:
    (tmp_path / "plain.db").write_bytes(b"xx" + CANARIES[0].encode("utf-16-le") + b"yy")
    assert scan(tmp_path) == [("plain.db", CANARIES[0])]
