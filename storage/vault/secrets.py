"""Small secrets kept sealed in the vault header (e.g. the sync device credential).

Each is the header row ``secret:<name>`` holding ``{"gen": generation, "blob": hex}``;
the name is in the associated data, so one secret's value cannot be moved to another.
"""

from __future__ import annotations

import json
import logging

from storage.sealing import secret_ad
from storage.vault.context import VaultContext
from storage.vault.header import SECRET_PREFIX

logger = logging.getLogger(__name__)


def _encode(gen: int, blob: bytes) -> str:
    return json.dumps({"gen": gen, "blob": blob.hex()})


def _decode(stored: str) -> tuple[int, bytes] | None:
    try:
        item = json.loads(stored)
        return int(item["gen"]), bytes.fromhex(item["blob"])
    except (KeyError, ValueError, TypeError):
        return None


class Secrets:
    def __init__(self, ctx: VaultContext) -> None:
        self._ctx = ctx

    def put(self, name: str, value: str) -> None:
        ctx = self._ctx
        gen = ctx.write_gen()
        blob = ctx.seal(gen, value.encode("utf-8"), secret_ad(name, gen))
        ctx.header.set({SECRET_PREFIX + name: _encode(gen, blob)})

    def get(self, name: str) -> str | None:
        """The secret, or None when there is none — or it fails its integrity check, in
        which case a warning is logged and the caller re-creates it (a device credential
        is re-issued by enrolling again)."""
        self._ctx.keys()
        stored = self._ctx.header.get(SECRET_PREFIX + name)
        if not stored:
            return None
        raw = self._open(name, _decode(stored))
        return None if raw is None else raw.decode("utf-8")

    def delete(self, name: str) -> None:
        self._ctx.header.delete(SECRET_PREFIX + name)

    def reseal_all(self, gen: int) -> None:
        """Inside the rotation's final transaction: move every secret to generation gen.
        One that does not open is left as it is (get() reports it missing)."""
        ctx = self._ctx
        updates = []
        for header_name, stored in ctx.header.with_prefix(SECRET_PREFIX):
            name = header_name[len(SECRET_PREFIX) :]
            decoded = _decode(stored)
            if decoded is not None and decoded[0] == gen:
                continue
            raw = self._open(name, decoded)
            if raw is None:
                continue
            blob = ctx.seal(gen, raw, secret_ad(name, gen))
            updates.append((_encode(gen, blob), header_name))
        ctx.header.replace_values(updates)

    def _open(self, name: str, decoded: tuple[int, bytes] | None) -> bytes | None:
        raw = None
        if decoded is not None:
            gen, blob = decoded
            raw = self._ctx.open(gen, blob, secret_ad(name, gen))
        if raw is None:
            logger.warning("stored secret %r failed its integrity check", name)
        return raw
