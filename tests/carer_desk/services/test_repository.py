"""Typed repository over the real vault."""

from __future__ import annotations

from carer_desk.ports import Priority
from carer_desk.records.carer import Carer
from carer_desk.records.codec import to_payload
from carer_desk.services.repository import Repository, priority_of


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


def test_safeguarding_records_sync_first(carer):
    flagged = carer.__class__(**{**_fields(carer), "safeguarding_flag": True})
    assert priority_of(flagged) == Priority.SAFEGUARDING
    assert priority_of(carer) == Priority.NORMAL


def _fields(record):
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
