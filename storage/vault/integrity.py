"""``Vault.check``: every sealed blob opened, the audit chain followed end to end."""

from __future__ import annotations

from carer_desk.ports import IntegrityReport
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.layout import RECORDS, SEALED_TABLES


class IntegrityCheck:
    def __init__(self, ctx: VaultContext, audit: AuditLog) -> None:
        self._ctx = ctx
        self._audit = audit

    def run(self) -> IntegrityReport:
        ctx = self._ctx
        ctx.keys()
        damaged: dict[str, str] = {}
        checked = 0
        for table in SEALED_TABLES:
            width = len(table.clear)
            for _key, gen, *rest in ctx.conn.execute(table.select()):
                clear = tuple(rest[:width])
                if table is RECORDS:
                    checked += 1
                for column, blob in zip(table.sealed, rest[width:], strict=True):
                    if blob is not None and ctx.open_json(gen, blob, column.ad(clear, gen)) is None:
                        rid, kind = table.owner(clear)
                        damaged[rid] = kind
                        break
        ctx.damaged.update(damaged)
        audit_count, problem = self._audit.verify()
        return IntegrityReport(
            records_checked=checked,
            damaged=tuple(sorted(damaged.items())),
            audit_entries_checked=audit_count,
            audit_chain_ok=problem is None,
            audit_problem=problem,
        )
