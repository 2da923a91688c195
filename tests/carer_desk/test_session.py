"""The desktop's unit of work: lock means locked, and every operation says what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.changes import Changes, ChangeSource
from carer_desk.config import Settings
from carer_desk.errors import VaultLocked
from carer_desk.records.carer import Carer
from carer_desk.roles import Role
from carer_desk.services.carers import CarerService
from carer_desk.session import DeskSession
from carer_desk.wiring.vault_handle import VaultDrafts
from storage.vault import Vault
from tests.sync.support import carer_payload


@pytest.fixture
def vault_actor() -> str:
    return "asha"


def _carer(given: str, family: str, postcode: str = "OX16 5AA") -> Carer:
    return make.carer(given_name=given, family_name=family, address=make.address(postcode=postcode))


def test_after_the_vault_locks_a_warmed_carer_service_answers_nothing(vault: Vault):
    service = CarerService(vault, Settings())
    service.register(_carer("Canary", "Wilson"))
    assert [c.given_name for c in service.search("canary")] == ["Canary"]  # warmed
    vault.lock()
    with pytest.raises(VaultLocked):
        service.list_carers()
    with pytest.raises(VaultLocked):
        service.search("canary")
    # The caches went with the lock: nothing decrypted is left to read.
    assert not service.holds_decrypted_data


def test_a_closed_session_refuses_every_call(vault: Vault):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    session.run(lambda s: s.carers.register(_carer("Mary", "Jones")))
    session.carers.list_carers()
    session.close()
    assert not session.is_open
    with pytest.raises(VaultLocked):
        session.run(lambda s: s.carers.list_carers())
    with pytest.raises(VaultLocked):
        session.carers.list_carers()
    with pytest.raises(VaultLocked):
        session.payments.waiting_for_decision()


def test_an_operation_reports_the_records_it_wrote(vault: Vault):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    carer = _carer("Mary", "Jones")
    result, changes = session.run(lambda s: s.carers.register(carer))
    assert result.id == carer.id
    assert changes.ids_of("carer") == {carer.id}
    assert changes.sync_states
    _, reading = session.run(lambda s: s.carers.list_carers())
    assert reading.empty


def test_a_carer_written_behind_the_session_appears_once_absorbed(vault: Vault):
    """What a pull does: the vault gains a carer the warmed caseload has never seen."""
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    session.run(lambda s: s.carers.register(_carer("Mary", "Jones")))
    assert [c.given_name for c in session.carers.search("")] == ["Mary"]
    pulled = carer_payload("Pat", "Brown", postcode="OX4 1AA")
    vault.put("carer", pulled["id"], pulled, action="sync")
    assert [c.given_name for c in session.carers.list_carers()] == ["Mary"]  # stale cache
    session.absorb(Changes.of([("carer", pulled["id"])], source=ChangeSource.PULL))
    assert sorted(c.given_name for c in session.carers.list_carers()) == ["Mary", "Pat"]
    assert [c.given_name for c in session.carers.search("ox4")] == ["Pat"]


def test_a_carer_removed_behind_the_session_disappears_once_absorbed(vault: Vault):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    carer = _carer("Mary", "Jones")
    session.run(lambda s: s.carers.register(carer))
    session.carers.search("mary")
    vault.delete("carer", carer.id)
    session.absorb(Changes.of([("carer", carer.id)]))
    assert session.carers.list_carers() == []
    assert session.carers.search("mary") == []


def test_drafts_are_sealed_in_the_vault_and_refused_after_close(vault: Vault):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    session.drafts.save("carer-profile:x", {"given_name": "Canarydraft"})
    assert session.drafts.load("carer-profile:x") == {"given_name": "Canarydraft"}
    raw = vault.path.read_bytes() + Path(str(vault.path) + "-wal").read_bytes()
    assert b"Canarydraft" not in raw
    session.close()
    with pytest.raises(VaultLocked):
        session.drafts.load("carer-profile:x")
    session2 = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    session2.drafts.discard("carer-profile:x")
    assert session2.drafts.load("carer-profile:x") is None


def test_the_audit_log_is_read_once_then_only_what_was_added(vault: Vault, monkeypatch):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    carer = session.run(lambda s: s.carers.register(_carer("Mary", "Jones")))[0]
    asked: list[int] = []
    read = vault.audit_entries
    monkeypatch.setattr(vault, "audit_entries", lambda after=0: asked.append(after) or read(after))

    first = session.store.audit_entries()
    assert [e.seq for e in first] == [e.seq for e in read()]
    session.files.open(carer.id)  # audits a view, then reads the history
    vault.audit("print", record_id=carer.id, kind="carer")  # written behind the session
    latest = session.store.audit_entries()

    assert [e.seq for e in latest] == [e.seq for e in read()]
    assert [e.action for e in latest[-2:]] == ["view", "print"]
    # all of it once; then only what was added since the last read
    assert asked == [0, first[-1].seq, latest[-2].seq]
    assert [e.seq for e in session.store.audit_entries(after=first[-1].seq)] == [
        e.seq for e in latest[len(first) :]
    ]

    session.close()  # the decrypted entries go with the lock
    assert not session.store._audit
    with pytest.raises(VaultLocked):
        session.store.audit_entries()
