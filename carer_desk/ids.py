"""Record ids: random, so an id in a log, a URL or an audit entry says nothing about the
person it belongs to."""

from __future__ import annotations

import re
import uuid

_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    """A fresh record id: a uuid4 as 32 lowercase hex digits."""
    return uuid.uuid4().hex


def is_record_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))
