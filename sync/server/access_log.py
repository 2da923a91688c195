"""The server's access log: one line per request with method, path, status and time.

It replaces uvicorn's access log, which writes the full path: a card number in a look-up
path is the key to a carer's plan, so here it is masked.
"""

from __future__ import annotations

import logging
import time

from sync.server.body_limits import ASGIApp, Message, Receive, Scope, Send


class AccessLog:
    """ASGI middleware writing the access log (card numbers masked)."""

    def __init__(self, app: ASGIApp, logger_name: str = "sync.server.access"):
        self.app = app
        self.log = logging.getLogger(logger_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            path = str(scope.get("path", ""))
            if path.startswith(_CARD_PATH):
                path = _CARD_PATH + "{number}"
            self.log.info(
                "%s %s %d %.0f ms",
                scope.get("method"),
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )


_CARD_PATH = "/v1/cards/"
