"""The header seal, and the check every write transaction passes before it commits.

The seal is one AES-GCM blob in the header (row ``seal``), under the data key, holding:

* a fingerprint of every header field but the few in :data:`header.UNSEALED` (KDF
  settings, the organisation's recovery key, the sync position, the vault id, the sealed
  secrets and their names...);
* a fingerprint of every ``data_keys`` row (state, both wrappings, check value);
* the root of the records tree and of the outbox tree (:mod:`storage.vault.tree`);
* how many audit entries there are and the last chain link (so erasing the newest
  entries, or all of them, is seen);
* the seed of the wrong-passphrase chain (:mod:`storage.throttle`).

So the whole clear state of the file is authentic: an edit made without the passphrase
no longer matches the seal, and nobody can make a new seal without the data key. What
stays possible is putting back a *whole* older copy of the file (docs/threat-model.md).

:class:`Sealer` runs around every transaction (``VaultContext.transaction``): when it
begins it checks the header as it was against the seal (a write never builds on an
edit), and before it commits it proves the rows it touched were intact, MACs what
changed and writes a new seal. A transaction that cannot pass rolls back with
:class:`VaultTampered`, so the evidence stays as it was found.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from carer_desk.errors import VaultTampered
from storage import throttle
from storage.macs import fingerprint
from storage.sealing import associated_data, encode_json, header_seal_ad
from storage.vault.audit import AuditLog, tail_problem
from storage.vault.context import VaultContext
from storage.vault.header import SECRET_PREFIX, UNSEALED
from storage.vault.layout import MACED_TABLES
from storage.vault.tree import Tree, block_of, forget, install, leftovers, root_of

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1

_FIELD_NAMES = {
    "format": "the vault's format",
    "vault_id": "the vault's id",
    "kdf": "the passphrase key's Argon2id settings",
    "recovery_public_key": "the organisation's recovery key",
    "sync_cursor": "the sync position",
    "summaries": "the format of the records' list summaries",
}


def describe_field(name: str) -> str:
    if name in _FIELD_NAMES:
        return _FIELD_NAMES[name]
    if name.startswith(SECRET_PREFIX + "draft:"):
        return "a saved draft"
    if name.startswith(SECRET_PREFIX):
        return f"the stored secret {name[len(SECRET_PREFIX) :]!r}"
    return f"the header field {name!r}"


@dataclass(frozen=True)
class Snapshot:
    """What the seal holds (see the module's docstring)."""

    fields: Mapping[str, str]
    keys: Mapping[str, str]
    roots: Mapping[str, str]
    audit: tuple[int, str]
    seed: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SNAPSHOT_VERSION,
            "fields": dict(self.fields),
            "keys": dict(self.keys),
            "roots": dict(self.roots),
            "audit": [self.audit[0], self.audit[1]],
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Any) -> Snapshot:
        if not isinstance(data, dict) or data.get("v") != SNAPSHOT_VERSION:
            raise ValueError("not a header seal")
        count, head = data["audit"]
        return cls(
            fields=dict(data["fields"]),
            keys=dict(data["keys"]),
            roots=dict(data["roots"]),
            audit=(int(count), str(head)),
            seed=str(data.get("seed", "")),
        )

    @property
    def audit_tail(self) -> tuple[int, bytes]:
        return self.audit[0], bytes.fromhex(self.audit[1])

    @property
    def seed_bytes(self) -> bytes | None:
        return bytes.fromhex(self.seed) if self.seed else None


def field_fingerprints(header: Mapping[str, str]) -> dict[str, str]:
    return {
        name: fingerprint(value.encode("utf-8"))
        for name, value in header.items()
        if name not in UNSEALED
    }


@dataclass(frozen=True)
class PreImage:
    """The file's bookkeeping as a transaction found it."""

    header: Mapping[str, str]
    keys: Mapping[str, str]
    audit_tail: tuple[int, bytes]
    max_rowids: Mapping[str, int] = field(default_factory=dict)


class Mode(Enum):
    NORMAL = "normal"  # check what was there, seal what changed
    FRESH = "fresh"  # seal everything from scratch: a new vault, or a vault from before m003
    UNSEALED = "unsealed"  # only the throttle may change (locked, or the seal is broken)


class Sealer:
    """The transaction hooks of one open vault (see the module's docstring)."""

    def __init__(self, ctx: VaultContext, audit: AuditLog) -> None:
        self._ctx = ctx
        self._audit = audit
        self.trees = {spec.table: Tree(ctx, spec) for spec in MACED_TABLES}
        self._pre: PreImage | None = None
        self._checked: Snapshot | None = None
        self._mode = Mode.NORMAL
        self._seed: bytes | None = None
        install(ctx.conn)

    # ------------------------------------------------------------------ transaction hooks

    def begin(self) -> None:
        if leftovers(self._ctx.conn):
            raise RuntimeError("a vault row was written outside a vault transaction")
        self._pre = self._capture(with_rowids=True)
        if self._ctx.keyring is not None:
            self._check_pre()

    def before_commit(self) -> None:
        ctx = self._ctx
        if self._mode is Mode.FRESH:
            self._seal_everything()
        elif ctx.keyring is None or self._mode is Mode.UNSEALED:
            self._only_throttle_changed()
        else:
            self._seal_changes()
        forget(ctx.conn)

    def end(self) -> None:
        self._pre = None
        self._checked = None
        self._mode = Mode.NORMAL
        self._seed = None

    # ------------------------------------------------------------------ what unlocking asks

    def on_unlock(self, *, unsealed_vault: bool) -> list[str]:
        """Inside the unlock transaction, once the keys are held: seal a vault that has
        never been sealed (``unsealed_vault``: its data keys were wrapped before m003, or
        recovery found no seal), otherwise check the header against its seal. Returns
        what was found altered; then only the throttle may be written."""
        pre = self._pre
        assert pre is not None, "on_unlock outside the unlock transaction"
        if unsealed_vault and not pre.header.get("seal"):
            self._mode = Mode.FRESH
            self._seed = throttle.new_seed()
            return []
        snap, findings = self._findings(pre)
        if findings:
            self._mode = Mode.UNSEALED
            return findings
        self._checked = snap
        self._seed = throttle.new_seed()
        return []

    def sealed_seed(self) -> bytes | None:
        """The wrong-passphrase chain's seed as sealed before this transaction."""
        if self._checked is not None:
            return self._checked.seed_bytes
        if self._pre is not None and self._pre.header.get("seal"):
            snap = self._open(self._pre.header["seal"])
            return snap.seed_bytes if snap else None
        return None

    def new_seed(self) -> bytes | None:
        """The seed this transaction will seal (a successful unlock renews it)."""
        return self._seed

    def sealing_everything(self) -> bool:
        return self._mode is Mode.FRESH

    def seal_fresh(self) -> None:
        """Seal everything from scratch when this transaction commits (a new vault)."""
        self._mode = Mode.FRESH
        self._seed = throttle.new_seed()

    # ------------------------------------------------------------------ reading, any time

    def current(self) -> tuple[Snapshot | None, list[str]]:
        """The seal, and what in the header as it is now does not match it."""
        return self._findings(self._capture(with_rowids=False))

    def sealed_audit_tail(self) -> tuple[int, bytes] | None:
        snap, _ = self.current()
        return snap.audit_tail if snap else None

    # ------------------------------------------------------------------ inside

    def _capture(self, *, with_rowids: bool) -> PreImage:
        ctx = self._ctx
        return PreImage(
            header=ctx.header.all(),
            keys=key_fingerprints(ctx),
            audit_tail=self._audit.tail(),
            max_rowids=(
                {table: tree.max_rowid() for table, tree in self.trees.items()}
                if with_rowids
                else {}
            ),
        )

    def _check_pre(self) -> Snapshot:
        if self._checked is None:
            assert self._pre is not None
            snap, findings = self._findings(self._pre)
            if findings or snap is None:
                raise VaultTampered(findings)
            self._checked = snap
        return self._checked

    def _open(self, raw: str) -> Snapshot | None:
        ctx = self._ctx
        try:
            stored = json.loads(raw)
            gen, blob = int(stored["gen"]), bytes.fromhex(stored["blob"])
            data = ctx.open_json(gen, blob, header_seal_ad(ctx.vault_id, gen))
            return None if data is None else Snapshot.from_json(data)
        except (ValueError, KeyError, TypeError):
            return None

    def _findings(self, pre: PreImage) -> tuple[Snapshot | None, list[str]]:
        raw = pre.header.get("seal")
        if not raw:
            return None, [
                "the vault's seal is missing (it was removed, or the file was made to look "
                "like a vault from an older version)"
            ]
        snap = self._open(raw)
        if snap is None:
            return None, [
                "the vault's seal does not open (it was altered, or taken from another "
                "vault or an older copy)"
            ]
        problems = _differences(
            field_fingerprints(pre.header), snap.fields, describe_field
        ) + _differences(pre.keys, snap.keys, lambda gen: f"data key generation {gen}")
        tail = tail_problem(snap.audit_tail, pre.audit_tail)
        if tail is not None:
            problems.append(tail)
        return snap, problems

    def _seal_changes(self) -> None:
        pre = self._pre
        assert pre is not None
        snap = self._check_pre()
        roots = dict(snap.roots)
        for table, tree in self.trees.items():
            settled = tree.settle(pre.max_rowids[table], self._ctx.written[table])
            if settled is None:
                continue
            if settled.root_before.hex() != snap.roots.get(table):
                raise VaultTampered(
                    [
                        f"the {table} rows do not match the seal (blocks of rows were put "
                        "back from an older copy, or their digests were edited)"
                    ]
                )
            roots[table] = settled.root.hex()
        self._write(roots, self._seed or snap.seed_bytes)

    def _seal_everything(self) -> None:
        ctx = self._ctx
        roots = {table: tree.seal_all().hex() for table, tree in self.trees.items()}
        self._audit.rechain(ctx.write_gen())
        self._write(roots, self._seed)

    def _write(self, roots: Mapping[str, str], seed: bytes | None) -> None:
        ctx = self._ctx
        count, head = self._audit.tail()
        snap = Snapshot(
            fields=field_fingerprints(ctx.header.all()),
            keys=key_fingerprints(ctx),
            roots=roots,
            audit=(count, head.hex()),
            seed=seed.hex() if seed else "",
        )
        gen = ctx.write_gen()
        blob = ctx.seal(gen, encode_json(snap.to_json()), header_seal_ad(ctx.vault_id, gen))
        ctx.header.write_seal(json.dumps({"gen": gen, "blob": blob.hex()}))

    def _only_throttle_changed(self) -> None:
        """Locked, or the seal is broken: only the wrong-passphrase fields may have
        changed. Anything else is a bug (it would be left unsealed)."""
        pre = self._pre
        assert pre is not None
        now = self._capture(with_rowids=True)
        if (
            field_fingerprints(now.header) != field_fingerprints(pre.header)
            or now.keys != pre.keys
            or now.audit_tail != pre.audit_tail
            or now.max_rowids != pre.max_rowids
            or leftovers(self._ctx.conn)
        ):
            raise RuntimeError("sealed bookkeeping changed while the vault could not seal it")


def key_fingerprints(ctx: VaultContext) -> dict[str, str]:
    out = {}
    for gen, state, wrapped, recovery_wrapped, check_value in ctx.conn.execute(
        "SELECT generation, state, passphrase_wrapped, recovery_wrapped, check_value FROM data_keys"
    ):
        parts = associated_data(state, len(wrapped), len(recovery_wrapped or b""))
        out[str(gen)] = fingerprint(
            parts + bytes(wrapped) + bytes(recovery_wrapped or b"") + bytes(check_value or b"")
        )
    return out


def _differences(now: Mapping[str, str], sealed: Mapping[str, str], name: Any) -> list[str]:
    problems = []
    for key in sorted(set(now) | set(sealed)):
        if key not in now:
            problems.append(f"{name(key)} was removed")
        elif key not in sealed:
            problems.append(f"{name(key)} was added")
        elif now[key] != sealed[key]:
            problems.append(f"{name(key)} was altered")
    return problems


class SendCheck:
    """Whether outbox changes may be handed to a push. Built for one reading of the
    outbox: it checks the header and the trees' roots once, then each block at most
    once."""

    def __init__(self, sealer: Sealer) -> None:
        self._trees = sealer.trees
        snap, findings = sealer.current()
        self.header_problem = findings[0] if findings else None
        self._digests: dict[str, dict[int, bytes]] = {}
        self._roots_ok: dict[str, bool] = {}
        for table, tree in self._trees.items():
            digests = tree.digests()
            self._digests[table] = digests
            self._roots_ok[table] = snap is not None and root_of(
                table, digests
            ).hex() == snap.roots.get(table)
        self._blocks: dict[tuple[str, int], bool] = {}

    def problem(
        self, table: str, rowid: int, values: tuple[object, ...], mac: bytes | None
    ) -> str | None:
        """Why this row cannot be trusted, or None when it is authentic and current."""
        if self.header_problem is not None:
            return f"the vault header does not match its seal ({self.header_problem})"
        tree = self._trees[table]
        if not self._roots_ok[table]:
            return f"the {table} rows do not match the seal (put back from an older copy)"
        block = block_of(rowid)
        intact = self._blocks.get((table, block))
        if intact is None:
            intact = tree.block_is_intact(block, self._digests[table])
            self._blocks[(table, block)] = intact
        if not intact:
            return tree.block_problem(block)
        if not tree.mac_matches(values, mac):
            return f"{tree.spec.describe(values)} was altered"
        return None
