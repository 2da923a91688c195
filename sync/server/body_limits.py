"""ASGI middleware for request bodies: a size limit and gzip-compressed uploads.

Rural links are slow, so laptops gzip their push batches (``Content-Encoding: gzip``).
The limit applies to the body *after* decompression, and decompression stops as soon as
it passes the limit, so a small "zip bomb" cannot make the server inflate gigabytes.
Oversized bodies get a 413, a body that claims gzip but is not gets a 400, and any other
content encoding a 415 — each with a one-line JSON ``detail``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Refuse(Exception):
    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail


class RequestBodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> _Refuse:
        return _Refuse(
            413,
            f"The request body is larger than the server accepts ({self.max_bytes} bytes "
            "after decompression). Send fewer changes per batch.",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k.lower(), v) for k, v in scope.get("headers", [])]
        lookup = dict(headers)
        try:
            body = await self._read(lookup, receive)
            if body is None:
                await self.app(scope, receive, send)
                return
            encoding = lookup.get(b"content-encoding", b"identity").strip().lower()
            if encoding == b"gzip":
                body = self._gunzip(body)
            elif encoding not in (b"", b"identity"):
                raise _Refuse(
                    415,
                    f"Content-Encoding {encoding.decode('latin-1')!r} is not supported; "
                    "send the body plain or gzip-compressed.",
                )
        except _Refuse as refuse:
            await _send_error(send, refuse.status, refuse.detail)
            return
        new_headers = [
            (k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")
        ]
        new_headers.append((b"content-length", str(len(body)).encode("ascii")))
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": new_headers}, replay, send)

    async def _read(self, headers: dict[bytes, bytes], receive: Receive) -> bytes | None:
        """The whole body, or None when the request has none to speak of."""
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise _Refuse(400, "The Content-Length header is not a number.") from None
            if declared > self.max_bytes:
                raise self._too_large()
        elif b"transfer-encoding" not in headers:
            return None
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Refuse(400, "The connection closed before the whole body arrived.")
            chunks += message.get("body", b"")
            if len(chunks) > self.max_bytes:
                raise self._too_large()
            if not message.get("more_body", False):
                return bytes(chunks)

    def _gunzip(self, data: bytes) -> bytes:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(data, self.max_bytes + 1)
            if len(out) > self.max_bytes or inflater.unconsumed_tail:
                raise self._too_large()
            out += inflater.flush()
        except zlib.error:
            raise _Refuse(
                400, "The body says it is gzip-compressed but is not valid gzip data."
            ) from None
        if not inflater.eof:
            raise _Refuse(400, "The gzip-compressed body is cut short; send it again.")
        if len(out) > self.max_bytes:
            raise self._too_large()
        return out


async def _send_error(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail, "wipe": False}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
