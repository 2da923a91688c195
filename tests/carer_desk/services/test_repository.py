"""Typed repository over the real vault."""

from __future__ import annotations

from carer_desk import factories as make
from carer_desk.ports import Priority
from carer_desk.records.carer import Carer
from carer_desk.records.codec import to_payload
from carer_desk.records.priority import priority_of_payload
from carer_desk.services.repository import Repository


def test_an_edit_keeps_fields_a_newer_version_added(vault, carer):
    repo = Repository(vault)
    payload = to_payload(carer)
    payload["added_by_a_newer_version"] = {"kept": True}
    vault.put("carer", carer.id, payload)
    loaded = repo.get(Carer, carer.id)
    assert not hasattr(loaded, "added_by_a_newer_version")
    repo.save(loaded.__class__(**{**_fields(loaded), "given_name": "Renamed"}))
    stored = vault.get("carer", carer.id)
    assert stored["given_name"] == "Renamed"
    assert stored["added_by_a_newer_version"] == {"kept": True}


def test_safeguarding_records_sync_first(vault, carer):
    repo = Repository(vault)
    flagged = carer.__class__(**{**_fields(carer), "safeguarding_flag": True})
    concern = make.urgent_support(safeguarding_concern=True, safeguarding_details="Bruising")
    raised = make.conversation(carer, stage2=concern)
    quiet = make.conversation(make.carer(), stage2=make.urgent_support())
    assert priority_of_payload(to_payload(flagged)) == Priority.SAFEGUARDING
    assert priority_of_payload(to_payload(raised)) == Priority.SAFEGUARDING
    assert priority_of_payload(to_payload(carer)) == Priority.NORMAL
    assert priority_of_payload(to_payload(quiet)) == Priority.NORMAL
    assert priority_of_payload(None) == Priority.NORMAL  # a deletion
    repo.save(quiet)
    repo.save(flagged)
    repo.save(raised)
    # Queued last, sent first: the two safeguarding records, then the ordinary one.
    first = [change.record_id for change in vault.outbox_pending(10)]
    assert first == [flagged.id, raised.id, quiet.id]


def _fields(record):
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
