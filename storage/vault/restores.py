"""What a laptop does when its server's database was restored from a backup.

The restored database lacks what was sent to it after the backup. This laptop may hold some
of it: records it sent (acknowledged, so never to be sent again) or pulled after the backup.
:meth:`RestoredServer.follow` compares what is held here with what the server says it holds
(``server_versions``, from ``POST /v1/versions``) and, in one transaction:

* sends again, as an ordinary outbox change based on the version held here, every record
  the server lacks or holds an older version of (the server merges it field by field
  against the nearest version it kept, like any edit made at the same time as another);
  a record with a change already waiting needs nothing more: that change goes anyway.
  Each goes at the priority an edit of it would have (safeguarding first, read from its
  payload by the core's ``priority_of_payload``), in the order the records came to this
  laptop;
* forgets the version of a read-only view the server holds older (so the pull brings the
  server's again) and drops one the server no longer holds;
* sets the pull cursor back to the beginning (numbers after the backup are handed out
  again by the restored database) and keeps the server's new generation.
"""

from __future__ import annotations

from collections.abc import Mapping

from carer_desk.records.kinds import View
from carer_desk.records.priority import priority_of_payload
from storage.vault.audit import AuditLog
from storage.vault.context import VaultContext
from storage.vault.outbox import Outbox
from storage.vault.records import RecordTable, edit_event
from storage.vault.secrets import Secrets
from storage.vault.transitions import sync_state_after

#: The vault secret holding the generation of the server's database last synced with.
GENERATION_SECRET = "server_generation"
_VIEWS = frozenset(v.value for v in View)


class RestoredServer:
    def __init__(
        self,
        ctx: VaultContext,
        records: RecordTable,
        outbox: Outbox,
        secrets: Secrets,
        audit: AuditLog,
    ) -> None:
        self._ctx = ctx
        self._records = records
        self._outbox = outbox
        self._secrets = secrets
        self._audit = audit

    def held(self) -> dict[str, int]:
        """Every record here that the server has held, with the version it had, in the
        order the records came to this laptop."""
        return {
            rid: int(version)
            for rid, version in self._ctx.conn.execute(
                "SELECT id, server_version FROM records WHERE server_version IS NOT NULL "
                "ORDER BY rowid"
            )
        }

    def follow(self, server_versions: Mapping[str, int], generation: str) -> int:
        """Inside the caller's transaction (see the module); returns how many records are
        sent again."""
        self._ctx.keys()
        conn = self._ctx.conn
        held = self.held()
        stored = self._records.stored_many(list(held))
        behind = [
            rid
            for rid, version in held.items()
            if rid in stored and server_versions.get(rid, 0) < version
        ]
        waiting = self._outbox.with_changes(behind) if behind else set()
        resend, states, views_gone, views_again = [], [], [], []
        for rid in behind:
            row = stored[rid]
            there = server_versions.get(rid)
            if row.kind in _VIEWS:
                (views_gone if there is None else views_again).append(rid)
            elif rid not in waiting and not row.deleted:
                # A payload that does not open goes at the normal priority; the push's
                # integrity check holds it back anyway.
                priority = priority_of_payload(self._records.live_payload(rid, row.kind))
                resend.append((rid, row.kind, row.server_version, priority, True))
                after = sync_state_after(row.sync_state, edit_event(row.server_version))
                states.append((rid, after))
        if resend:
            self._outbox.queue_upserts(resend)
            self._records.set_sync_states(states)
        if views_again:
            conn.executemany(
                "UPDATE records SET server_version = NULL WHERE id = ?",
                [(rid,) for rid in views_again],
            )
        self._records.remove_many(views_gone)
        self._ctx.header.set_sync_cursor("")
        self._secrets.put(GENERATION_SECRET, generation)
        self._audit.append(
            "server-restored",
            None,
            None,
            {
                "sent_again": len(resend),
                "waiting_already": len(waiting),
                "views_forgotten": len(views_gone) + len(views_again),
            },
        )
        return len(resend)

    def generation(self) -> str | None:
        return self._secrets.get(GENERATION_SECRET)

    def adopt(self, generation: str) -> None:
        """Inside the caller's transaction: keep the generation (a first sync)."""
        self._secrets.put(GENERATION_SECRET, generation)
