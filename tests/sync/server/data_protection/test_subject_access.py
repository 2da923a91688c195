"""The server's subject-access copy with its redaction review: every record naming the
person is found (as carer, cared-for person or contact, on any carer's records), the
server's audit entries about them come with it, marked items the reviewer redacts appear
in neither the JSON nor the PDF, and the audit log says who reviewed and produced it.
On SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import io
import json

import pdfplumber
import pytest

from carer_desk import factories as make
from carer_desk.records.carer import Condition
from sync.server.data_protection import subject_access as sar
from sync.server.errors import BadRequest, NotFound, Refused
from tests.sync.server.reports.support import put

SAFEGUARDING = "Bruising seen on Joe's upper arm"
JOE_NEEDS = "Dementia; wanders at night"


def _office(store):
    """Ann cares for Joe; Bea's plan and record name Priya Shah as a contact."""
    ann = make.carer(
        cared_for=(make.cared_for_person(conditions=(Condition.DEMENTIA,)),),
        contacts=(make.contact(),),
    )
    talk = make.completed_conversation(
        ann,
        stage2=make.urgent_support(safeguarding_concern=True, safeguarding_details=SAFEGUARDING),
    )
    ann_plan = make.plan(ann, cared_for=(make.plan_person(conditions_and_care_needed=JOE_NEEDS),))
    priya = {"name": "Priya Shah", "phone": "07700 900456"}
    bea = make.carer(
        given_name="Bea",
        family_name="Khan",
        contacts=(make.contact(**priya, relationship="neighbour"),),
    )
    bea_plan = make.plan(
        bea, emergency_contacts=(make.emergency_contact(**priya, role="neighbour"),)
    )
    put(store, ann, talk, ann_plan, bea, bea_plan)
    # Server-side entries about Ann's records (a card look-up of her plan, a decision),
    # and one about Bea's that must not appear in Ann's copy.
    store.audit(actor="op1", action="card-lookup", kind="plan", record_id=ann_plan.id)
    store.audit(actor="appr", action="payment-approved", kind="carer", record_id=ann.id)
    store.audit(actor="op1", action="card-lookup", kind="plan", record_id=bea_plan.id)
    return ann, talk, ann_plan, bea, bea_plan


def _pdf_text(body: bytes) -> str:
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_a_person_named_as_a_contact_on_another_carers_plan_is_found(store):
    _, _, _, bea, bea_plan = _office(store)
    review = sar.create(store, sar.Subject(name="priya  SHAH"), "dpo")
    found = {(f["record_id"], f["as"]) for f in review["found"]}
    assert found == {(bea.id, "contact"), (bea_plan.id, "emergency contact")}
    assert review["items"] == []  # only the parts about Priya: nothing of others to mark
    copy = json.loads(sar.produce(store, review["review_id"], sar.CopyFormat.JSON, "dpo").body)
    text = json.dumps(copy)
    assert "Priya Shah" in text and "07700 900456" in text
    assert "Khan" not in text  # nothing else of Bea's record leaves with Priya's copy
    # Namesakes are told apart by phone where a record holds one.
    with pytest.raises(NotFound):
        sar.create(store, sar.Subject(name="Priya Shah", phone="07700 900999"), "dpo")


def test_marked_items_redacted_appear_in_neither_output_and_kept_ones_do(store):
    ann, talk, ann_plan, _, bea_plan = _office(store)
    review = sar.create(store, sar.Subject(carer_id=ann.id), "dpo")
    marks = {(i["record_id"], i["path"]): i for i in review["items"]}
    assert marks[(ann.id, "cared_for[0].conditions")]["about"] == "Joe Lee"
    assert marks[(talk.id, "stage2.safeguarding_details")]["reason"] == sar.SAFEGUARDING
    needs = marks[(ann_plan.id, "cared_for[0].conditions_and_care_needed")]
    assert (needs["reason"], needs["text"]) == (sar.THIRD_PARTY, f"Value: {JOE_NEEDS}")
    with pytest.raises(Refused, match="undecided"):
        sar.produce(store, review["review_id"], sar.CopyFormat.JSON, "dpo")
    redact = {
        marks[(talk.id, "stage2.safeguarding_details")]["item_id"],
        needs["item_id"],
    }
    decisions = {
        i["item_id"]: sar.Choice.REDACT if i["item_id"] in redact else sar.Choice.KEEP
        for i in review["items"]
    }
    decided = sar.decide(store, review["review_id"], decisions, "reviewer1")
    assert decided["undecided"] == 0
    body = sar.produce(store, review["review_id"], sar.CopyFormat.JSON, "dpo").body
    pdf = sar.produce(store, review["review_id"], sar.CopyFormat.PDF, "dpo").body
    for text in (body.decode(), _pdf_text(pdf)):
        assert SAFEGUARDING not in text and "wanders at night" not in text
        assert "[redacted]" in text
        assert "Windrush Surgery" in text  # the plan's GP for Joe was kept
    copy = json.loads(body)
    assert copy["redacted_items"] == 2 and "every laptop" in copy["scope"]
    audited = {(e["actor"], e["action"]) for e in copy["audit"]}
    assert {("op1", "card-lookup"), ("appr", "payment-approved")} <= audited
    assert bea_plan.id not in {e["record_id"] for e in copy["audit"]}
    # Produced: decisions are closed.
    with pytest.raises(Refused):
        sar.decide(store, review["review_id"], {"i1": sar.Choice.KEEP}, "reviewer1")


def test_the_audit_log_records_who_created_reviewed_and_produced_the_copy(store):
    ann, *_ = _office(store)
    review = sar.create(store, sar.Subject(carer_id=ann.id), "dpo")
    sar.decide(
        store,
        review["review_id"],
        {i["item_id"]: sar.Choice.KEEP for i in review["items"]},
        "reviewer1",
    )
    sar.produce(store, review["review_id"], sar.CopyFormat.PDF, "dpo")
    entries = [
        (a.actor, a.action, dict(a.details))
        for a in store.iter_audit()
        if a.action.startswith("subject-access-")
    ]
    assert [(actor, action) for actor, action, _ in entries] == [
        ("dpo", "subject-access-created"),
        ("reviewer1", "subject-access-decided"),
        ("dpo", "subject-access-produced"),
    ]
    produced = entries[-1][2]
    assert produced["reviewed_by"] == ["reviewer1"] and produced["format"] == "pdf"
    assert produced["kept"] == len(review["items"]) and produced["redacted"] == 0
    # Never the contents: the audit entries hold ids and counts only.
    assert SAFEGUARDING not in json.dumps([e[2] for e in entries])
    listed = sar.list_reviews(store)
    assert [(r["status"], r["produced_by"]) for r in listed] == [("produced", "dpo")]


def test_bad_requests_say_what_to_do(store):
    with pytest.raises(BadRequest, match="Say whose copy"):
        sar.Subject()
    with pytest.raises(NotFound, match="No carer"):
        sar.create(store, sar.Subject(carer_id="nobody"), "dpo")
    ann, *_ = _office(store)
    review = sar.create(store, sar.Subject(carer_id=ann.id), "dpo")
    with pytest.raises(NotFound, match="No item i99"):
        sar.decide(store, review["review_id"], {"i99": sar.Choice.KEEP}, "dpo")
    with pytest.raises(NotFound):
        sar.show(store, "no-such-review")


def test_the_review_over_http_for_the_admin_role_only(any_harness):
    from sync.protocol import Role

    office = any_harness
    ann, *_ = _office(office.store)
    admin = office.device("dpo", Role.ADMIN)
    worker = office.device("amy", Role.OUTREACH_WORKER, "north")
    assert worker.post("/v1/admin/subject-access", {"carer_id": ann.id}).status_code == 403
    made = admin.post("/v1/admin/subject-access", {"carer_id": ann.id})
    assert made.status_code == 200, made.text
    review = made.json()
    rid = review["review_id"]
    assert review["status"] == "in-review" and review["undecided"] == len(review["items"])
    early = admin.get(f"/v1/admin/subject-access/{rid}/copy", params={"format": "json"})
    assert early.status_code == 409 and "undecided" in early.json()["detail"]
    decisions = [
        {
            "item_id": i["item_id"],
            "decision": "redact" if i["reason"] == "safeguarding" else "keep",
        }
        for i in review["items"]
    ]
    decided = admin.post(f"/v1/admin/subject-access/{rid}/decisions", {"decisions": decisions})
    assert decided.json()["undecided"] == 0
    bad = admin.post(
        f"/v1/admin/subject-access/{rid}/decisions",
        {"decisions": [{"item_id": "i1", "decision": "maybe"}]},
    )
    assert bad.status_code == 422
    pdf = admin.get(f"/v1/admin/subject-access/{rid}/copy", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert SAFEGUARDING not in _pdf_text(pdf.content)
    listed = admin.get("/v1/admin/subject-access").json()
    assert [(r["review_id"], r["status"]) for r in listed] == [(rid, "produced")]
    assert admin.get("/v1/admin/subject-access/nope").status_code == 404


def test_the_review_from_the_command_line(tmp_path, capsys):
    from sync.server.__main__ import main
    from sync.server.settings import ServerSettings
    from sync.server.store import open_store

    settings = ServerSettings.for_data_dir(tmp_path / "server")
    settings.data_dir.mkdir(parents=True)
    store = open_store(settings.database_url, settings.key_file)
    ann, *_ = _office(store)
    store.close()
    run = ["--data-dir", str(settings.data_dir), "sar"]
    assert main([*run, "create", "--carer", ann.id, "--by", "dpo"]) == 0
    assert "items marked to keep or redact" in capsys.readouterr().out
    assert main([*run, "list"]) == 0
    rid = json.loads(capsys.readouterr().out.splitlines()[0])["review_id"]
    assert main([*run, "show", rid]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    out = tmp_path / "copy.json"
    assert main([*run, "produce", rid, "--format", "json", "--out", str(out)]) == 1
    assert "undecided" in capsys.readouterr().err
    choices = [f"{i['item_id']}=redact" for i in items]
    assert main([*run, "decide", rid, *choices, "--by", "reviewer1"]) == 0
    assert main([*run, "decide", rid, "i1=perhaps"]) == 1
    assert main([*run, "produce", rid, "--format", "json", "--out", str(out)]) == 0
    assert SAFEGUARDING not in out.read_text() and "[redacted]" in out.read_text()
    assert out.stat().st_mode & 0o077 == 0


def test_a_review_is_sealed_at_rest_and_survives_key_rotation(store):
    from sqlalchemy import select

    from sync.server import schema as t

    ann, *_ = _office(store)
    review = sar.create(store, sar.Subject(carer_id=ann.id), "dpo")
    with store.transaction() as tx:
        sealed = tx.conn.execute(select(t.subject_access_reviews.c.payload)).scalar_one()
    assert SAFEGUARDING.encode() not in sealed and b"Joe Lee" not in sealed
    assert store.rotate_key() >= 1
    assert sar.show(store, review["review_id"])["items"] == review["items"]


def test_an_agreed_erasure_removes_the_carers_reviews(store):
    from datetime import date

    from sync.server.data_protection.requests import Decision, RequestType, decide, record_request

    ann, *_ = _office(store)
    sar.create(store, sar.Subject(carer_id=ann.id), "dpo")
    by_name = sar.create(store, sar.Subject(name="Priya Shah"), "dpo")
    erase = record_request(store, "office", RequestType.ERASURE, ann.id, date(2025, 5, 2))
    decide(store, "dpo", erase, Decision.AGREED, "no longer needed", erase=True)
    assert [r["review_id"] for r in sar.list_reviews(store)] == [by_name["review_id"]]


def _erase(store, carer_id):
    from datetime import date

    from sync.server.data_protection.requests import Decision, RequestType, decide, record_request

    erase = record_request(store, "office", RequestType.ERASURE, carer_id, date(2025, 5, 2))
    decide(store, "dpo", erase, Decision.AGREED, "no longer needed", erase=True)


def test_erasing_a_carer_removes_reviews_that_name_them_only_by_name(store):
    from sqlalchemy import select

    from sync.server import schema as t

    ann, _, ann_plan, _, bea_plan = _office(store)
    # Cal's record names Ann (same phone) as a contact: a review of "Ann Lee" by name
    # finds her there, stored with no carer id. Erasing Ann must take it too.
    cal = make.carer(
        given_name="Cal",
        family_name="Doe",
        contacts=(make.contact(name="Ann  LEE", phone="01865 123456", relationship="friend"),),
    )
    put(store, cal)
    of_ann = sar.create(store, sar.Subject(name="ann lee"), "dpo")
    assert {f["record_id"] for f in of_ann["found"]} == {cal.id}
    # A namesake told apart by phone is someone else: their review stays.
    namesake = make.carer(
        given_name="Dee",
        family_name="Roe",
        contacts=(make.contact(name="Ann Lee", phone="07700 900111", relationship="aunt"),),
    )
    put(store, namesake)
    other_ann = sar.create(store, sar.Subject(name="Ann Lee", phone="07700 900111"), "dpo")
    # Joe's review by name copies the parts of Ann's records about him: they go with
    # Ann's erasure; what Bea's plan says of a Joe Lee stays.
    of_joe = sar.create(store, sar.Subject(name="Joe Lee"), "dpo")
    assert {f["record_id"] for f in of_joe["found"]} == {ann.id, ann_plan.id, bea_plan.id}
    of_priya = sar.create(store, sar.Subject(name="Priya Shah"), "dpo")

    _erase(store, ann.id)

    left = {r["review_id"] for r in sar.list_reviews(store)}
    assert of_ann["review_id"] not in left
    assert left == {other_ann["review_id"], of_priya["review_id"], of_joe["review_id"]}
    joe_after = sar.show(store, of_joe["review_id"])
    assert [f["record_id"] for f in joe_after["found"]] == [bea_plan.id]
    assert {i["record_id"] for i in joe_after["items"]} <= {bea_plan.id}
    with store.transaction() as tx:
        audit = tx.conn.execute(
            select(t.audit.c.details).where(t.audit.c.action == "subject-access-erased")
        ).scalar_one()
    assert of_ann["review_id"] in audit and "Ann" not in audit


def test_erasing_a_carer_prunes_their_records_from_other_peoples_reviews(store):
    ann, _, _, bea, bea_plan = _office(store)
    # Priya is also Ann's contact: her review copies parts of Ann's and Bea's records.
    put(
        store,
        make.carer(
            id=ann.id,
            cared_for=ann.cared_for,
            contacts=(make.contact(name="Priya Shah", phone="07700 900456"),),
        ),
    )
    review = sar.create(store, sar.Subject(name="Priya Shah"), "dpo")
    assert {f["record_id"] for f in review["found"]} == {ann.id, bea.id, bea_plan.id}

    _erase(store, ann.id)

    after = sar.show(store, review["review_id"])
    assert {f["record_id"] for f in after["found"]} == {bea.id, bea_plan.id}
    copy = sar.produce(store, review["review_id"], sar.CopyFormat.JSON, "dpo").body
    assert ann.id.encode() not in copy and b"Priya Shah" in copy
