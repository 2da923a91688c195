"""The vault's one new call for issue 9: discarding a change the server refused."""

from __future__ import annotations

import pytest

from carer_desk.errors import NotFoundError
from carer_desk.ports import SyncState
from storage.vault import Vault
from tests.sync.support import carer_payload
from tests.vaults import reopen_vault


def _queued(vault: Vault, record_id: str) -> str:
    return next(c.change_id for c in vault.outbox_pending(100) if c.record_id == record_id)


def test_only_a_refused_change_can_be_discarded(vault: Vault) -> None:
    p = carer_payload()
    vault.put("carer", p["id"], p)
    pending = _queued(vault, p["id"])
    with pytest.raises(NotFoundError, match="no refused change"):
        vault.discard_rejected(pending)
    vault.outbox_mark_sending([pending])
    vault.outbox_reject(pending, "refused")
    vault.put("carer", p["id"], {**p, "worker": "amy"})  # a newer edit replaces the refusal
    with pytest.raises(NotFoundError, match="no refused change"):
        vault.discard_rejected(pending)


def test_a_change_being_sent_blocks_the_discard(vault: Vault) -> None:
    p = carer_payload()
    vault.put("carer", p["id"], p)
    first = _queued(vault, p["id"])
    vault.outbox_mark_sending([first])
    vault.put("carer", p["id"], {**p, "worker": "amy"})  # newer, waits behind the one sent
    second = next(c.change_id for c in vault.outbox_pending(100) if c.change_id != first)
    vault.outbox_reject(second, "refused")
    with pytest.raises(NotFoundError, match="being sent"):
        vault.discard_rejected(second)


def test_a_discard_is_one_sound_transaction_that_survives_a_restart(tmp_path) -> None:
    from tests.vaults import make_vault

    path = tmp_path / "vault.sqlite"
    vault = make_vault(path)
    p = carer_payload()
    vault.apply_remote("carer", p["id"], p, server_version=2)
    vault.set_sync_cursor("page-7")
    vault.put("carer", p["id"], {**p, "worker": "amy"})
    change = _queued(vault, p["id"])
    vault.outbox_reject(change, "refused")
    assert vault.discard_rejected(change) is True
    vault.close()
    again = reopen_vault(path)
    try:
        assert again.sync_cursor() == ""
        assert again.rejected_changes() == []
        assert again.count_by_state().get(SyncState.REJECTED, 0) == 0
        report = again.check()
        assert report.ok, report
        assert "discard-refused-change" in [e.action for e in again.audit_entries()]
    finally:
        again.close()
