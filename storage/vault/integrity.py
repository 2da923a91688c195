"""``Vault.check``: every sealed blob opened, every row's MAC and every block's digest
recomputed, the header compared with its seal, the audit chain followed end to end and
its end compared with the seal, each data key's check value recomputed. Each finding is
one sentence naming what was altered."""

from __future__ import annotations

import hmac

from carer_desk.ports import IntegrityReport
from carer_desk.records.summaries import summarise
from storage.macs import key_check_value
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.layout import RECORDS, SEALED_TABLES, SealedColumn
from storage.vault.seal import Sealer
from storage.vault.tree import Tree, root_of


class IntegrityCheck:
    def __init__(self, ctx: VaultContext, audit: AuditLog, sealer: Sealer) -> None:
        self._ctx = ctx
        self._audit = audit
        self._seal = sealer

    def run(self) -> IntegrityReport:
        ctx = self._ctx
        ctx.keys()
        damaged: dict[str, str] = {}
        summaries: list[str] = []
        checked = 0
        for table in SEALED_TABLES:
            width = len(table.clear)
            for _key, gen, *rest in ctx.conn.execute(table.select()):
                clear = tuple(rest[:width])
                blobs = rest[width:]
                if table is RECORDS:
                    checked += 1
                opened = []
                for column, blob in zip(table.sealed, blobs, strict=True):
                    ad = column.ad(clear, gen, blobs)
                    value = None if blob is None else ctx.open_json(gen, blob, ad)
                    if blob is not None and value is None and not column.derived:
                        rid, kind = table.owner(clear)
                        damaged[rid] = kind
                        break
                    opened.append((column, blob, value))
                else:
                    if table is RECORDS:
                        summaries.extend(_summary_problems(clear, opened))
        snap, tampered = self._seal.current()
        tampered.extend(summaries)
        for tree in self._seal.trees.values():
            tampered.extend(self._rows(tree, damaged))
            tampered.extend(self._blocks(tree, snap.roots.get(tree.table) if snap else None))
        tampered.extend(self._key_checks())
        tampered.extend(ctx.unlock_findings)
        ctx.damaged.update(damaged)
        audit_count, problem = self._audit.verify(snap.audit_tail if snap else None)
        return IntegrityReport(
            records_checked=checked,
            damaged=tuple(sorted(damaged.items())),
            audit_entries_checked=audit_count,
            audit_chain_ok=problem is None,
            audit_problem=problem,
            tampered=tuple(dict.fromkeys(tampered)),  # each finding once, in order
        )

    def _rows(self, tree: Tree, damaged: dict[str, str]) -> list[str]:
        found = []
        for _rowid, *values, mac in self._ctx.conn.execute(tree.spec.select("ORDER BY rowid")):
            if not tree.mac_matches(tuple(values), mac):
                rid, kind = tree.spec.owner(tuple(values))
                damaged[rid] = kind
                found.append(f"{tree.spec.describe(tuple(values))} was altered")
        return found

    def _blocks(self, tree: Tree, sealed_root: str | None) -> list[str]:
        stored = tree.digests()
        computed = tree.computed()
        found = [
            tree.block_problem(block)
            for block in sorted(set(stored) | set(computed))
            if stored.get(block) != computed.get(block)
        ]
        if (
            not found
            and sealed_root is not None
            and root_of(tree.table, stored).hex() != sealed_root
        ):
            found.append(
                f"the {tree.table} rows do not match the seal (blocks of rows were put back "
                "from an older copy, or their digests were edited)"
            )
        return found

    def _key_checks(self) -> list[str]:
        ctx = self._ctx
        found = []
        for gen, check_value in ctx.conn.execute("SELECT generation, check_value FROM data_keys"):
            key = ctx.keys().raw.get(gen)
            if key is None:
                continue
            expected = key_check_value(key, ctx.vault_id, gen)
            if check_value is None or not hmac.compare_digest(expected, check_value):
                found.append(f"the check value of data key generation {gen} was altered")
        return found


def _summary_problems(
    clear: tuple[object, ...], opened: list[tuple[SealedColumn, bytes | None, object]]
) -> list[str]:
    """A record's summary against its payload: it must open beside this payload blob (it
    was not moved from another row or version) and say what the payload says."""
    record_id, kind, _version = clear
    by_name = {column.name: (blob, value) for column, blob, value in opened}
    payload = by_name["sealed"][1]
    blob, summary = by_name["summary_sealed"]
    if blob is None:
        return []  # none yet (built at the next unlock): the list reads the payload
    what = f"the list summary of the {kind} record {record_id}"
    if summary is None:
        return [f"{what} does not open beside its record (altered, or moved from another row)"]
    if not isinstance(payload, dict) or summary != summarise(str(kind), payload):
        return [f"{what} does not match the record"]
    return []
