"""Plain http:// only where nothing leaves the laptop (issue 10): the enrolment password
and the device credential never travel in clear to another host."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from carer_desk.wiring.sync_gateway import enrol_laptop
from sync.client.addresses import ALLOW_PLAIN_HTTP_ENV, InsecureAddress, check_address
from sync.client.transport import HttpTransport
from sync.protocol import EnrolRequest
from tests.sync.support import new_vault


@pytest.mark.parametrize(
    "url",
    [
        "https://carerdesk.example.org",
        "https://10.0.0.5:8443/",
        "http://127.0.0.1:8765",
        "http://127.8.9.10",
        "http://[::1]:9000",
        "http://localhost:8000",
        "http://LOCALHOST.",
    ],
)
def test_https_anywhere_and_http_to_this_laptop_are_allowed(url: str) -> None:
    assert check_address(url) == url.strip().rstrip("/")
    HttpTransport(url).close()


@pytest.mark.parametrize(
    "url",
    ["http://carerdesk.example.org", "http://10.0.0.5:8000", "http://[fe80::1]", "http://0.0.0.0"],
)
def test_plain_http_to_another_host_is_refused_with_what_to_do(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW_PLAIN_HTTP_ENV, raising=False)
    with pytest.raises(InsecureAddress, match=r"in clear.*https://"):
        HttpTransport(url, "credential")


@pytest.mark.parametrize(
    "url", ["ftp://carerdesk.example.org", "carerdesk.example.org", "https://"]
)
def test_what_is_not_an_address_is_refused(url: str) -> None:
    with pytest.raises(InsecureAddress, match="not a server address"):
        check_address(url)


def test_the_documented_override_allows_a_test_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PLAIN_HTTP_ENV, "1")
    assert check_address("http://10.0.0.5:8000") == "http://10.0.0.5:8000"


def test_enrolment_sends_no_password_to_a_plain_http_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listening socket on this machine, reached by a non-loopback name: not one byte
    of the login may arrive."""
    monkeypatch.delenv(ALLOW_PLAIN_HTTP_ENV, raising=False)
    received: list[bytes] = []
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen(1)
    listener.settimeout(2.0)
    port = listener.getsockname()[1]

    def accept() -> None:
        try:
            conn, _ = listener.accept()
            received.append(conn.recv(65536))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    vault = new_vault(tmp_path / "vault.sqlite", actor="ann")
    try:
        host = socket.gethostname()
        with pytest.raises(InsecureAddress):
            enrol_laptop(vault, f"http://{host}:{port}", "ann", "the password itself")
        with pytest.raises(InsecureAddress):
            HttpTransport(f"http://{host}:{port}").enrol(
                EnrolRequest(username="ann", password="the password itself", device_name="x")
            )
    finally:
        thread.join()
        listener.close()
        vault.close()
    assert received == []
