"""The server key file and AES-256-GCM sealing of everything sensitive at rest.

The key file lives beside the database but is a separate file (mode 0600), so a database
dump or backup alone never holds the key. It keeps numbered key *generations*: every
ciphertext records the generation that sealed it, so ``rotate-key`` can add a new
generation, re-seal every row, then drop the old one, and a crash half way through still
leaves every row readable.

Layout of a sealed blob: 12-byte random nonce || AES-GCM ciphertext+tag. The associated
data names the row (for a record version: kind, id and version), so a ciphertext copied
to another row or version fails to open instead of showing the wrong person's data.

A separate *index key* keys the HMAC used to find a card by its number without storing
the number in clear.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.server import canonical_json
from sync.server.errors import AdminError

log = logging.getLogger(__name__)

_NONCE_BYTES = 12
_FORMAT = "carer-desk-server-key/1"


class KeyFileError(AdminError):
    """The key file is missing, unreadable or damaged."""


class SealedDataError(Exception):
    """A ciphertext did not open: altered, moved to another row, or a missing key."""


@functools.lru_cache(maxsize=8)
def _aead(key: bytes) -> AESGCM:
    # One cipher object per key instead of one per row: building it cost as much as
    # sealing a record.
    return AESGCM(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Keyring:
    path: Path
    current: int
    keys: dict[int, bytes]
    index_key: bytes

    # --- file handling ------------------------------------------------------------------

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        if path.exists():
            return cls.load(path)
        keyring = cls.unsaved(path)
        if not keyring.save(only_if_new=True):
            # Another server process starting at the same moment wrote its key first:
            # use that one, or the two would seal rows the other could never read.
            return cls.load(path)
        log.info("created a new server key file at %s", path)
        return keyring

    @classmethod
    def unsaved(cls, path: Path) -> Keyring:
        """A fresh keyring not written anywhere (to open a database before its key)."""
        return cls(
            path=path,
            current=1,
            keys={1: AESGCM.generate_key(256)},
            index_key=secrets.token_bytes(32),
        )

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != _FORMAT:
                raise ValueError("unknown format")
            keys = {int(gen): base64.b64decode(k) for gen, k in data["keys"].items()}
            current = int(data["current"])
            index_key = base64.b64decode(data["index_key"])
            if current not in keys or any(len(k) != 32 for k in keys.values()):
                raise ValueError("inconsistent keys")
        except FileNotFoundError:
            raise KeyFileError(
                f"The server key file {path} is missing. Restore it from the key backup; "
                "without it the stored records cannot be read."
            ) from None
        except PermissionError:
            # Typically an admin command run as root made the file: the key is fine.
            raise KeyFileError(
                f"The server key file {path} cannot be read by this user. Run the "
                "command as the user the server runs as (sudo -u carerdesk ...), or give "
                "that user the file (chown, mode 0600); the key itself is not damaged."
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(
                f"The server key file {path} is damaged ({exc}). Restore it from the key backup."
            ) from None
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning(
                "the server key file %s is readable by others (mode %o); chmod 600 it", path, mode
            )
        return cls(path=path, current=current, keys=keys, index_key=index_key)

    def save(self, *, only_if_new: bool = False) -> bool:
        """Write atomically with mode 0600 (temp file in the same directory, then rename).
        With ``only_if_new`` the file is written only if there is none yet (a hard link
        instead of the rename, which fails when the file exists); returns whether it was
        written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "format": _FORMAT,
                "current": self.current,
                "keys": {str(gen): _b64(k) for gen, k in sorted(self.keys.items())},
                "index_key": _b64(self.index_key),
            },
            indent=1,
        )
        # A temporary name of this process's own, so two processes never share one.
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            if not only_if_new:
                os.replace(tmp, self.path)
                return True
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            return True
        finally:
            if tmp.exists():
                tmp.unlink()

    def with_new_generation(self) -> Keyring:
        gen = max(self.keys) + 1
        return Keyring(self.path, gen, {**self.keys, gen: AESGCM.generate_key(256)}, self.index_key)

    def without_old_generations(self) -> Keyring:
        return Keyring(
            self.path, self.current, {self.current: self.keys[self.current]}, self.index_key
        )

    # --- sealing ------------------------------------------------------------------------

    def seal(self, plaintext: bytes, ad: bytes) -> tuple[bytes, int]:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        blob = nonce + _aead(self.keys[self.current]).encrypt(nonce, plaintext, ad)
        return blob, self.current

    def open(self, blob: bytes, generation: int, ad: bytes) -> bytes:
        key = self.keys.get(generation)
        if key is None:
            raise SealedDataError(f"key generation {generation} is not in the key file")
        try:
            return _aead(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], ad)
        except InvalidTag:
            raise SealedDataError("ciphertext failed authentication") from None

    def seal_json(self, value: object, ad: str) -> tuple[bytes, int]:
        return self.seal(canonical_json.dumps(value), ad.encode("utf-8"))

    def open_json(self, blob: bytes, generation: int, ad: str) -> object:
        return canonical_json.loads(self.open(blob, generation, ad.encode("utf-8")))

    def check_value(self) -> int:
        """A keyed hash of nothing, under the current key: tells two copies of the key
        file apart without saying anything about the key (a signed 64-bit number)."""
        digest = hmac.new(self.keys[self.current], b"carer-desk key check", hashlib.sha256)
        return int.from_bytes(digest.digest()[:8], "big", signed=True)

    def index(self, value: str) -> str:
        """Keyed hash used as a look-up column (card numbers) instead of the clear value."""
        return hmac.new(self.index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
