"""The pull cursor: the last sequence number a device has looked at, wrapped so clients
treat it as opaque (and a cursor from somewhere else is refused, not misread)."""

from __future__ import annotations

import base64
import binascii

from sync.server.errors import BadRequest

_CURSOR_PREFIX = "c1."


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        seq = int(text[len(_CURSOR_PREFIX) :])
        if seq < 0:
            raise ValueError(text)
        return seq
    except (ValueError, UnicodeError, binascii.Error):
        raise BadRequest(
            "The sync cursor is not one this server issued. Start again from the beginning "
            "(an empty cursor)."
        ) from None
