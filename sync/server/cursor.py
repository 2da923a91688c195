"""The pull cursor: the last sequence number a device has looked at, wrapped so clients
treat it as opaque (and a cursor from somewhere else is refused, not misread)."""

from __future__ import annotations

import base64
import binascii

from sync.server.errors import BadRequest

_CURSOR_PREFIX = "c1."
#: Sequence numbers are BIGINT columns: a cursor past the largest one was never issued
#: (and handed to the database it would fail there, as a 500, instead of here as a 400).
MAX_SEQ = 2**63 - 1


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
        digits = text[len(_CURSOR_PREFIX) :]
        if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MAX_SEQ)):
            raise ValueError(text)
        seq = int(digits)
        if seq > MAX_SEQ:
            raise ValueError(text)
        return seq
    except (ValueError, UnicodeError, binascii.Error):
        raise BadRequest(
            "The sync cursor is not one this server issued. Start again from the beginning "
            "(an empty cursor)."
        ) from None
