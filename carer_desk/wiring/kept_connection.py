"""One kept connection to the office server for a desk's life, opened on first use.

Making an HTTP client costs about 20 ms (its TLS context), and keeping the connection
saves the handshake on every call; the 24-hour line's look-up and the service manager's
office screens each keep one, closed at lock.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from carer_desk.errors import CarerDeskError
from sync.client.transport import DEFAULT_TIMEOUT, HttpTransport


class KeptConnection:
    def __init__(
        self,
        server: str | None,
        credential: str | None,
        *,
        not_connected: str,
        client: Any = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._server = server
        self._credential = credential
        self._not_connected = not_connected
        self._client = client
        self._timeout = timeout
        self._lock = threading.Lock()
        self._open: HttpTransport | None = None

    def transport(self) -> HttpTransport:
        """The connection; a sentence saying what to do when the laptop is not enrolled."""
        if not self._server or not self._credential:
            raise CarerDeskError(self._not_connected)
        with self._lock:
            if self._open is None:
                self._open = HttpTransport(
                    self._server, self._credential, client=self._client, timeout=self._timeout
                )
            return self._open

    def close(self) -> None:
        with self._lock:
            transport, self._open = self._open, None
        if transport is not None:
            transport.close()
