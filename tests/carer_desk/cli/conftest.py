from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSPHRASE = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[3]


class Cli:
    """Runs the real ``carer-desk`` command in a child process, as a user would."""

    def __init__(self, data_dir: Path, tmp: Path) -> None:
        self.data_dir = data_dir
        # Cheap Argon2id for tests only; the default (64 MiB) is measured in bench/vault.py.
        config = tmp / "config.toml"
        config.write_text(
            "[vault]\nargon2_memory_kib = 19456\nargon2_iterations = 1\nargon2_lanes = 1\n"
        )
        self.config = config
        self.tmp = tmp

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        passphrase: str | None = PASSPHRASE,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CARER_DESK")}
        full_env["TMPDIR"] = str(self.tmp)
        full_env["CARER_DESK_USER"] = "tester"
        if passphrase is not None:
            full_env["CARER_DESK_PASSPHRASE"] = passphrase
        full_env.update(env or {})
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "carer_desk",
                "--data-dir",
                str(self.data_dir),
                "--config",
                str(self.config),
                *args,
            ],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            cwd=ROOT,
            timeout=120,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return Cli(tmp_path / "data", tmp)


@pytest.fixture
def vault_cli(cli: Cli) -> Cli:
    result = cli("vault", "init")
    assert result.returncode == 0, result.stderr
    return cli
