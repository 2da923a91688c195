"""A throwaway PostgreSQL cluster for tests: ``initdb`` in a temp directory, started with
``pg_ctl`` on a free port, reached through a unix socket in that directory, removed after.

PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to
the ``postgres`` system user (Debian's package creates it) and the binaries run through
``runuser``. Only Debian's ``postgresql`` package is needed (``apt-get install -y
postgresql``); no system service is started or touched.

Other test packages (the sync client's fault tests) can use :func:`running_cluster` too.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(Exception):
    """The PostgreSQL server binaries are not installed."""


def find_bin_dir() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent  # a link on PATH: the tools sit beside its target
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
            "apt-get install -y postgresql"
        )
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="carer-desk-pg-"))
    prefix: list[str] = []
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    os.chmod(base, 0o700)
    data, sock, log = base / "data", base / "sock", base / "server.log"
    port = _free_port()
    user = "postgres"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run("mkdir", "-p", str(sock))
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )
        yield Cluster(socket_dir=sock, port=port, user=user)
    finally:
        if data.exists():
            subprocess.run(
                [
                    *prefix,
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)
