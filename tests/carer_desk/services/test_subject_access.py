"""Subject-access export: everything about one carer, and nothing about anyone else."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from carer_desk.clock import FixedClock
from carer_desk.config import CardSettings, Settings
from carer_desk.errors import NotFoundError
from carer_desk.services.printing import PrintService
from carer_desk.services.subject_access import SubjectAccessService
from tests.carer_desk.printing import samples
from tests.carer_desk.printing.pdf_probe import all_text

NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
CLOCK = FixedClock(NOW.date(), NOW.time())


@pytest.fixture
def store(tmp_path):
    vault = samples.open_vault(tmp_path)
    yield vault
    vault.close()


@pytest.fixture
def world(store):
    return samples.seed(store)


def test_gather_holds_every_record_of_the_carer_and_only_theirs(store, world):
    data = SubjectAccessService(store, Settings(), CLOCK).gather(world.long_name.id)
    json.dumps(data)  # JSON-compatible, as it is written
    assert data["carer"]["family_name"] == samples.LONG_NAME_FAMILY
    assert [p["id"] for p in data["plans"]] == [world.plans[world.long_name.id].id]
    assert sorted(c["id"] for c in data["cards"]) == sorted(
        c.id for c in world.cards if c.carer_id == world.long_name.id
    )
    assert [c["id"] for c in data["conversations"]] == [world.conversation.id]
    assert [r["id"] for r in data["payment_requests"]] == [world.declined.id]
    assert len(data["group_memberships"]) == 1
    assert world.rtl.id not in json.dumps(data)
    assert data["generated_at"] == NOW.isoformat()


def test_audit_entries_about_the_carer_include_prints_for_them(store, world):
    printing = PrintService(
        store, Settings(cards=CardSettings(emergency_line_phone="0345 050 8725"))
    )
    printing.record_printed(printing.plan(world.long_name.id))
    printing.record_printed(printing.plan(world.rtl.id))
    data = SubjectAccessService(store, Settings()).gather(world.long_name.id)
    prints = [e for e in data["audit"] if e["action"] == "print"]
    assert len(prints) == 1 and prints[0]["details"]["for"] == world.long_name.id
    creates = {e["record_id"] for e in data["audit"] if e["action"] == "create"}
    assert world.long_name.id in creates and world.rtl.id not in creates


def test_export_writes_protected_pdf_and_json_and_audits_the_export(store, world, tmp_path):
    service = SubjectAccessService(store, Settings(), CLOCK)
    result = service.export(
        world.long_name.id,
        pdf_path=tmp_path / "sar.pdf",
        json_path=tmp_path / "sar.json",
        password="correct horse battery",
    )
    reader = PdfReader(io.BytesIO((tmp_path / "sar.pdf").read_bytes()))
    assert reader.is_encrypted and reader.decrypt("correct horse battery")
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Rochefoucauld" in text and "Penicillin" in text
    assert "Amount: £300.00" in text and "30000" not in text
    loaded = json.loads((tmp_path / "sar.json").read_text("utf-8"))
    assert loaded["carer_id"] == world.long_name.id
    assert result.records == 1 + sum(
        len(loaded[k])
        for k in (
            "conversations",
            "payment_requests",
            "plans",
            "cards",
            "group_memberships",
            "attendance",
        )
    )
    entry = store.audit_entries()[-1]
    assert entry.action == "export" and entry.details["for"] == world.long_name.id
    assert entry.details["files"] == ["sar.pdf", "sar.json"]


def test_pdf_reads_plainly_and_never_prints_none(store, world):
    service = SubjectAccessService(store, Settings(), CLOCK)
    pdf = service.render_pdf(service.gather(world.plain.id))
    text = all_text(pdf)
    assert "Your details" in text and "Nguyễn" in text
    assert "Emergency plans" in text and "We hold none." in text
    assert "None" not in text


def test_unknown_carer_is_a_clear_error(store, world):
    with pytest.raises(NotFoundError, match="no carer with id"):
        SubjectAccessService(store, Settings()).gather("f" * 32)


def test_decisions_about_duplicate_records_are_part_of_the_carers_record(store, world):
    from carer_desk.services.duplicates import DuplicateService

    DuplicateService(store, Settings()).keep_apart(
        world.long_name.id, world.plain.id, note="Different people: checked by phone"
    )
    data = SubjectAccessService(store, Settings(), CLOCK).gather(world.long_name.id)
    assert [d["note"] for d in data["duplicate_decisions"]] == [
        "Different people: checked by phone"
    ]
    other = SubjectAccessService(store, Settings(), CLOCK).gather(world.rtl.id)
    assert other["duplicate_decisions"] == []


def test_the_laptops_copy_says_it_covers_this_laptop_only(store, world):
    service = SubjectAccessService(store, Settings(), CLOCK)
    data = service.gather(world.long_name.id)
    assert data["scope"].startswith("This laptop only")
    text = " ".join(all_text(service.render_pdf(data)).split())
    assert "what this laptop holds about you" in text
    assert "not the organisation's whole record" in text
