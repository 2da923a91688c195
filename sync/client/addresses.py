"""Which server addresses the client will talk to.

Enrolment sends the user's password, and every later request the device credential, so
plain ``http://`` would put both on the network in clear. It is allowed only where the
traffic never leaves the machine — loopback (127.0.0.0/8, ::1, ``localhost``: the
embedded demo office, a server on the same laptop, an SSH tunnel) — or when whoever runs
the laptop says so explicitly with ``CARER_DESK_ALLOW_PLAIN_HTTP=1`` (a lab, a test
network behind its own encryption). Everything else must be ``https://``.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from sync.client.errors import SyncError

ALLOW_PLAIN_HTTP_ENV = "CARER_DESK_ALLOW_PLAIN_HTTP"


class InsecureAddress(SyncError):
    """The server address would send passwords and credentials in clear."""


def is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_allowed() -> bool:
    return os.environ.get(ALLOW_PLAIN_HTTP_ENV, "").strip().lower() in {"1", "true", "yes"}


def check_address(url: str) -> str:
    """``url`` without a trailing slash, or :class:`InsecureAddress` saying what to do."""
    url = str(url).strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("https", "http") or not host:
        raise InsecureAddress(
            f"{url!r} is not a server address: write it as https://carerdesk.example.org "
            "(ask your IT officer for the address)."
        )
    if parts.scheme == "http" and not is_loopback(host) and not plain_http_allowed():
        raise InsecureAddress(
            f"{url} uses plain http://, which would send your password and this laptop's "
            "credential across the network in clear. Use the https:// address of the "
            "server (ask your IT officer). Plain http:// is only allowed to this laptop "
            f"itself (127.0.0.1, ::1, localhost) or when {ALLOW_PLAIN_HTTP_ENV}=1 is set "
            "for a test network."
        )
    return url
