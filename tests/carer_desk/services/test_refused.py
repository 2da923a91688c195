"""A change the office refused is no dead end (issue 9): it can be corrected (the
corrected record goes at the next sync) or discarded (the office's copy comes back)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carer_desk import factories as make
from carer_desk.errors import NotFoundError, ValidationError
from carer_desk.ports import SyncState
from carer_desk.records.codec import to_payload
from carer_desk.services.refused import RefusedChangeService
from carer_desk.services.repository import Repository


@pytest.fixture
def service(vault, settings, clock):
    return RefusedChangeService(vault, settings, clock, outbox=vault)


def _refuse(vault, record_id: str, reason: str = "not in your team") -> str:
    change = next(c for c in vault.outbox_pending(1000) if c.record_id == record_id)
    vault.outbox_reject(change.change_id, reason)
    return change.change_id


def test_a_refused_change_is_listed_with_the_reason(vault, service, carer):
    change_id = _refuse(vault, carer.id)
    (item,) = service.refused()
    assert (item.change_id, item.record_id, item.kind) == (change_id, carer.id, "carer")
    assert item.reason == "not in your team" and item.description == "carer Ann Lee"


def test_correcting_replaces_the_refused_change_with_the_corrected_record(vault, service, carer):
    change_id = _refuse(vault, carer.id)
    kind, payload = service.record_for_correction(change_id)
    assert kind == "carer" and payload["id"] == carer.id
    service.correct(change_id, {**payload, "team": "north"})
    assert service.refused() == []
    assert vault.meta(carer.id).sync_state is SyncState.NEW
    assert vault.get("carer", carer.id)["team"] == "north"
    with pytest.raises(ValidationError, match="the refused record is"):
        service.correct(_refuse(vault, carer.id), {**payload, "id": "e" * 32})
    with pytest.raises(ValidationError, match="postcode"):
        bad = {**payload, "address": {**payload["address"], "postcode": "NOPE"}}
        service.correct(service.refused()[0].change_id, bad)


def test_discarding_a_record_the_office_never_had_removes_it(vault, service, carer):
    change_id = _refuse(vault, carer.id)
    done = service.discard(change_id)
    assert not done.server_copy_follows
    assert "never accepted this record" in done.message
    with pytest.raises(NotFoundError):
        vault.get("carer", carer.id)
    assert service.refused() == [] and vault.count_by_state().get(SyncState.REJECTED, 0) == 0
    assert vault.audit_entries()[-1].action == "discard-refused-change"
    with pytest.raises(NotFoundError, match="no refused change"):
        service.discard(change_id)


def test_discarding_a_change_to_a_synced_record_brings_the_office_copy_back(
    vault, settings, clock, service
):
    theirs = make.carer(given_name="Sue", family_name="Synced")
    vault.apply_remote("carer", theirs.id, to_payload(theirs), server_version=4)
    vault.set_sync_cursor("cursor-after-page-9")
    Repository(vault, clock).save(replace(theirs, worker="someone-else"), action="edit")
    change_id = _refuse(vault, theirs.id, "you may not reassign carers")
    done = service.discard(change_id)
    assert done.server_copy_follows
    assert "the office's copy comes back at the next sync" in done.message
    assert vault.sync_cursor() == ""  # the next pull starts again and brings it back
    assert vault.apply_remote("carer", theirs.id, to_payload(theirs), server_version=4)
    assert vault.get("carer", theirs.id)["worker"] is None
    assert vault.meta(theirs.id).sync_state is SyncState.SYNCED
