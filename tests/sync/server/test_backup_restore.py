"""A tested restore, as docs/operations.md tells the IT officer to do it: back up the
database and the key file, lose the server entirely (database dropped, data directory
gone), restore both, start again — and every laptop syncs on: what each had is still
there, what they send afterwards reaches the others, nothing is applied twice.

On PostgreSQL with ``pg_dump -Fc`` / ``pg_restore`` (the documented production case) and
on SQLite with the online backup API (what ``sqlite3 … ".backup"`` does).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from carer_desk.wiring.enrolment import Enrolment, save_enrolment
from sync.client.backoff import Backoff
from sync.client.engine import SyncEngine
from sync.client.transport import HttpTransport
from sync.protocol import EnrolRequest
from tests.sync.server.postgres_cluster import Cluster, find_bin_dir
from tests.sync.support import ServerProcess, add_carers, new_vault

PASSWORD = "a long enough password"


class Laptop:
    def __init__(self, path: Path, server: ServerProcess, username: str) -> None:
        self.vault = new_vault(path, actor=username)
        answer = HttpTransport(server.url).enrol(
            EnrolRequest(username=username, password=PASSWORD, device_name=f"{username}-pc")
        )
        save_enrolment(
            self.vault,
            Enrolment(
                server.url,
                answer.device_id,
                answer.username,
                str(answer.role),
                answer.device_credential,
                str(answer.team) if answer.team else None,
            ),
        )
        self.engine = SyncEngine(
            self.vault,
            HttpTransport(server.url, answer.device_credential),
            backoff=Backoff(max_attempts=3),
        )

    def sync(self) -> None:
        summary = self.engine.sync_now()
        assert not summary.rejected and not summary.conflicts, summary.lines()

    def carers(self) -> set[str]:
        return {rid for rid, _ in self.vault.iter_kind("carer")}


class Postgres:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.url = cluster.create_database()
        self.name = self.url.split("@/", 1)[1].split("?", 1)[0]  # postgresql://user@/NAME?host=…
        self.bin = find_bin_dir()

    def _run(self, tool: str, *args: str) -> None:
        c = self.cluster
        where = ["-h", str(c.socket_dir), "-p", str(c.port), "-U", c.user]
        subprocess.run([str(self.bin / tool), *where, *args], check=True, capture_output=True)

    def back_up(self, to: Path) -> None:
        self._run("pg_dump", "-Fc", "-f", str(to), self.name)

    def lose(self) -> None:
        self._run("dropdb", self.name)

    def restore(self, dump: Path) -> None:
        self._run("createdb", self.name)
        self._run("pg_restore", "-d", self.name, str(dump))


class Sqlite:
    def __init__(self, folder: Path) -> None:
        self.file = folder / "server.sqlite3"
        self.url = f"sqlite:///{self.file}"

    def back_up(self, to: Path) -> None:
        with sqlite3.connect(self.file) as live, sqlite3.connect(to) as copy:
            live.backup(copy)  # consistent while the server runs

    def lose(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.file}{suffix}").unlink(missing_ok=True)

    def restore(self, backup: Path) -> None:
        shutil.copy2(backup, self.file)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "postgresql":
        return Postgres(request.getfixturevalue("pg_cluster"))
    (tmp_path / "db").mkdir()
    return Sqlite(tmp_path / "db")


def back_up(database, data: Path, backups: Path) -> Path:  # type: ignore[no-untyped-def]
    """The nightly backup: the database, and (kept apart) the key file."""
    backups.mkdir()
    database.back_up(backups / "carerdesk.dump")
    shutil.copy2(data / "server.key", backups / "server.key")
    return backups


def lose_and_restore(  # type: ignore[no-untyped-def]
    server: ServerProcess, database, data: Path, backups: Path, *, mark_restored: bool
) -> None:
    """The server is lost (process, database and data directory); both are restored and
    it starts again at the same address (the laptops know no other)."""
    server.kill()
    database.lose()
    shutil.rmtree(data)
    data.mkdir(mode=0o700)
    database.restore(backups / "carerdesk.dump")
    shutil.copy2(backups / "server.key", data / "server.key")
    if mark_restored:
        done = subprocess.run(
            [*server._base(), "mark-restored"], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0 and "Marked the database as restored" in done.stdout
    server.start(timeout=60)


@dataclass
class Office:
    """The server on ``database`` with two workers' laptops enrolled, and where its backups go."""

    server: ServerProcess
    database: object
    data: Path
    backups: Path
    amy: Laptop
    ben: Laptop

    def back_up(self) -> None:
        back_up(self.database, self.data, self.backups)

    def lose_and_restore(self, *, mark_restored: bool) -> None:
        lose_and_restore(
            self.server, self.database, self.data, self.backups, mark_restored=mark_restored
        )


@contextmanager
def office(tmp_path: Path, database) -> Iterator[Office]:  # type: ignore[no-untyped-def]
    data = tmp_path / "server"
    server = ServerProcess(data, database.url)
    server.create_user("amy", PASSWORD)
    server.create_user("ben", PASSWORD)
    server.start(timeout=60)
    try:
        amy = Laptop(tmp_path / "amy" / "vault.sqlite", server, "amy")
        ben = Laptop(tmp_path / "ben" / "vault.sqlite", server, "ben")
        yield Office(server, database, data, tmp_path / "backups", amy, ben)
    finally:
        server.stop()


def test_back_up_lose_everything_restore_and_every_laptop_syncs_on(tmp_path: Path, database):
    with office(tmp_path, database) as o:
        amy, ben = o.amy, o.ben
        before = set(add_carers(amy.vault, 12, prefix="A")) | set(add_carers(ben.vault, 7, "B"))
        for laptop in (amy, ben, amy):
            laptop.sync()
        assert amy.carers() == ben.carers() == before

        o.back_up()
        # As docs/operations.md says, mark-restored included.
        o.lose_and_restore(mark_restored=True)

        # Every laptop syncs on: nothing of theirs lost, new work flows both ways once.
        after = set(add_carers(ben.vault, 5, prefix="C"))
        for laptop in (ben, amy, ben):
            laptop.sync()
        assert amy.carers() == ben.carers() == before | after
        again = amy.engine.sync_now()
        assert again.pushed == 0 and not again.rejected


def test_work_sent_after_the_backup_reaches_every_laptop_after_a_restore(tmp_path: Path, database):
    with office(tmp_path, database) as o:
        amy, ben = o.amy, o.ben
        before = set(add_carers(amy.vault, 3, prefix="A"))
        for laptop in (amy, ben):
            laptop.sync()

        o.back_up()

        # After the backup: amy sends work (and receives its own sequence numbers back).
        lost = set(add_carers(amy.vault, 2, prefix="L"))
        amy.sync()

        # mark-restored forgotten: the server notices its data directory was lost.
        o.lose_and_restore(mark_restored=False)

        # Ben's new records take the sequence numbers amy's lost ones had.
        after = set(add_carers(ben.vault, 2, prefix="C"))
        for laptop in (ben, amy, ben):
            laptop.sync()
        everything = before | lost | after
        assert ben.carers() == everything, "amy's work sent after the backup is lost"
        assert amy.carers() == everything, "amy missed ben's records that re-used numbers"
