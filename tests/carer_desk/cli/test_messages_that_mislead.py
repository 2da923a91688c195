"""Messages that used to mislead a new user (issue 9), each now saying what happened and
what to do: a failed enrolment, an interrupted command, a sync that left work refused."""

from __future__ import annotations

import argparse
import io
import socket
from pathlib import Path

import httpx
import pytest

from carer_desk.cli.context import CliContext
from carer_desk.cli.main import interrupted_message
from carer_desk.cli.passphrase import SecretReader
from carer_desk.cli.sync_command import run_enrol
from carer_desk.config import Settings
from carer_desk.wiring.enrolment import load_enrolment
from sync.client.errors import EnrolmentRefused
from tests.vaults import make_vault


def _enrol(vault, server: str, client: httpx.Client | None = None) -> None:
    args = argparse.Namespace(server=server, username="ann", device_name="pc1")
    secrets = SecretReader(environ={"CARER_DESK_PASSWORD": "a password"}, stdin=io.StringIO())
    run_enrol(args, vault, secrets=secrets, client=client, out=io.StringIO())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def vault(tmp_path: Path):
    v = make_vault(tmp_path / "vault.sqlite", actor="ann")
    yield v
    v.close()


def test_a_wrong_address_says_nothing_answered_not_connect_error(vault) -> None:
    with pytest.raises(EnrolmentRefused) as caught:
        _enrol(vault, f"http://127.0.0.1:{_closed_port()}")
    text = str(caught.value)
    assert "No Carer Desk server answered at http://127.0.0.1:" in text
    assert "nothing answered at that address" in text
    assert "ConnectError" not in text and "password" not in text
    assert "sent automatically" not in text
    assert "This laptop is not enrolled, and nothing on it was changed." in text
    assert load_enrolment(vault) is None


def test_a_web_server_that_is_not_carer_desk_is_not_blamed_on_the_password(vault) -> None:
    other = httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(404, text="Not Found")),
        base_url="https://intranet.example.org",
    )
    with pytest.raises(EnrolmentRefused) as caught:
        _enrol(vault, "https://intranet.example.org", client=other)
    assert "has no Carer Desk enrolment there: check the address" in str(caught.value)
    assert "password" not in str(caught.value)


def test_a_refused_login_is_about_the_user_name_and_password(vault) -> None:
    server = httpx.Client(
        transport=httpx.MockTransport(
            lambda request: httpx.Response(401, json={"detail": "wrong user name or password"})
        ),
        base_url="https://carerdesk.example.org",
    )
    with pytest.raises(EnrolmentRefused, match="Check the user name and password"):
        _enrol(vault, "https://carerdesk.example.org", client=server)


def test_ctrl_c_after_an_import_finished_says_it_was_kept(tmp_path: Path) -> None:
    ctx = CliContext(data_dir=tmp_path, settings=Settings(), actor="ann", secrets=SecretReader())
    assert interrupted_message(ctx) == "interrupted; nothing half-written was kept."
    ctx.keep("the import of 20 carers finished")
    assert interrupted_message(ctx) == (
        "interrupted after the import of 20 carers finished: that is kept. Nothing after it "
        "was half-written."
    )
    assert interrupted_message(None) == "interrupted; nothing half-written was kept."
