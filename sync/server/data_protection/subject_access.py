"""Subject-access export from the server (UK GDPR art. 15), with a redaction review.

The server is where every laptop's records meet, so its copy is the organisation's whole
record of a person: as a **carer** (their record and every record linked to it, whole),
and as someone **named** on other carers' records — a cared-for person or a contact on a
carer's record, a person cared for or an emergency contact on a plan (only the part that
is about them). The server's own audit entries about those records come with it: views
and prints reported by laptops, card look-ups, payment decisions.

A copy may not be handed over as gathered: other people's special-category details (the
health of the people a carer cares for) and safeguarding content must be considered
first. So a copy goes through a **review**, a stored object:

1. ``create``: gather the person's records now, mark every item to consider (each with
   its record, path, why it is marked and whom it is about), store it sealed;
2. ``decide``: the reviewer keeps or redacts each marked item (any number of calls);
3. ``produce``: once nothing is undecided, the copy as JSON or PDF, each redacted value
   replaced by ``[redacted]``.

Each step is audited (who, which review, counts and item ids — never the contents). The
review is sealed under the server key like record payloads (and re-sealed by
``rotate-key``), because it holds a copy of the whole record.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update

from carer_desk.formatting import full_name
from carer_desk.printing.document import (
    Document,
    Entry,
    Layout,
    Section,
    flatten_entries,
    render_document,
)
from carer_desk.records.kinds import KIND_TABLE, RecordKind
from sync.server import canonical_json
from sync.server import schema as t
from sync.server.data_protection.audit_chain import AuditFilter, export
from sync.server.errors import BadRequest, NotFound, Refused

FORMAT = "carer-desk-server-subject-access/1"
REDACTED = "[redacted]"
SCOPE = (
    "Everything the Carer Desk server holds about this person: every record synced from "
    "every laptop, and the server's own log of who looked at or changed those records."
)
THIRD_PARTY = "third-party special category"
SAFEGUARDING = "safeguarding"

# What is special-category about a cared-for person on a carer's plan (their health and
# care): marked when the person is not the subject.
_PLAN_PERSON_HEALTH = (
    "conditions_and_care_needed",
    "medication",
    "allergies",
    "gp",
    "pharmacy",
    "mobility_aids",
    "communication_needs",
    "continence_supplies",
    "behaviour_that_may_worry_a_stranger",
)


# Every kind whose records belong to a carer (their carer_id routing column).
_LINKED_KINDS = tuple(
    k
    for k in sorted(KIND_TABLE)
    if k not in {RecordKind.CARER, RecordKind.GROUP, RecordKind.SESSION}
)


class Status(StrEnum):
    IN_REVIEW = "in-review"
    PRODUCED = "produced"


class Choice(StrEnum):
    KEEP = "keep"
    REDACT = "redact"


class CopyFormat(StrEnum):
    JSON = "json"
    PDF = "pdf"


@dataclass(frozen=True)
class Subject:
    """Who the copy is for: a carer by id, and/or a person by name (phone and email,
    when given, must match where a record holds one, to tell namesakes apart)."""

    carer_id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if not (self.carer_id or (self.name and self.name.strip())):
            raise BadRequest(
                "Say whose copy this is: the carer's id, or the person's name (as named "
                "on a record, e.g. as a contact)."
            )

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v}

    def names(self, entry: Mapping[str, Any]) -> bool:
        """Whether a cared-for person or contact entry is this person."""
        if not self.name or _folded(entry.get("name")) != _folded(self.name):
            return False
        phone = entry.get("phone")
        if self.phone and phone and _digits(phone)[-10:] != _digits(self.phone)[-10:]:
            return False
        email = entry.get("email")
        return not (self.email and email and email.strip().casefold() != self.email.casefold())


def _folded(text: object) -> str:
    return " ".join(str(text or "").split()).casefold()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _ad(review_id: str) -> str:
    return f"subject-access|{review_id}"


# --- gathering ------------------------------------------------------------------------


def _gather(tx: Any, subject: Subject) -> list[dict[str, Any]]:
    """Every record (or part of one) naming the subject, as found-entries."""
    found: list[dict[str, Any]] = []
    own: set[str] = set()
    if subject.carer_id:
        carer = tx.get_record(subject.carer_id)
        if carer is None or carer.kind != "carer" or carer.payload is None:
            raise NotFound(f"No carer with id {subject.carer_id!r} on the server.")
        found.append(_whole(carer, "carer"))
        own.add(carer.record_id)
        for kind in _LINKED_KINDS:
            for rec in tx.records_for_carer(kind, subject.carer_id):
                if rec.payload is not None and rec.record_id not in own:
                    found.append(_whole(rec, "carer"))
                    own.add(rec.record_id)
    if subject.name:
        parts = (
            ("carer", "cared_for", "cared-for person"),
            ("carer", "contacts", "contact"),
            ("plan", "cared_for", "person cared for on a plan"),
            ("plan", "emergency_contacts", "emergency contact"),
        )
        for kind, key, role in parts:
            for rec in tx.records_of_kind(kind):
                if rec.payload is None or rec.record_id in own:
                    continue
                for index, entry in enumerate(rec.payload.get(key) or ()):
                    if isinstance(entry, Mapping) and subject.names(entry):
                        found.append(
                            {
                                "kind": kind,
                                "record_id": rec.record_id,
                                "as": role,
                                "part": f"{key}[{index}]",
                                "record": dict(entry),
                            }
                        )
    return found


def _whole(rec: Any, role: str) -> dict[str, Any]:
    return {"kind": rec.kind, "record_id": rec.record_id, "as": role, "record": rec.payload}


def _marks(found: list[dict[str, Any]]) -> Iterator[tuple[int, str, str, str | None, Any]]:
    """(found index, path, reason, about, value) for every item the reviewer must decide:
    other people's special-category details and safeguarding content."""
    for index, entry in enumerate(found):
        record, kind = entry["record"], entry["kind"]
        if "part" in entry:
            continue  # the part about the subject themselves
        if kind == "carer":
            for i, person in enumerate(record.get("cared_for") or ()):
                if person.get("conditions"):
                    yield (
                        index,
                        f"cared_for[{i}].conditions",
                        THIRD_PARTY,
                        person.get("name"),
                        person["conditions"],
                    )
            if record.get("safeguarding_flag"):
                yield index, "safeguarding_flag", SAFEGUARDING, None, True
        elif kind == "plan":
            for i, person in enumerate(record.get("cared_for") or ()):
                for key in _PLAN_PERSON_HEALTH:
                    if person.get(key):
                        yield (
                            index,
                            f"cared_for[{i}].{key}",
                            THIRD_PARTY,
                            person.get("name"),
                            person[key],
                        )
        elif kind == "conversation":
            stage2 = record.get("stage2") or {}
            if stage2.get("safeguarding_details"):
                yield (
                    index,
                    "stage2.safeguarding_details",
                    SAFEGUARDING,
                    None,
                    stage2["safeguarding_details"],
                )


def _text(value: Any) -> str:
    lines: list[Entry] = []
    flatten_entries(value if isinstance(value, Mapping | list) else {"value": value}, "", lines)
    return "; ".join(f"{e.label}: {e.text}" if e.label else e.text for e in lines)


def _audit(store: Any, found: list[dict[str, Any]], carer_id: str | None) -> list[dict]:
    ids = tuple(dict.fromkeys(e["record_id"] for e in found if "part" not in e))
    if carer_id and carer_id not in ids:
        ids = (*ids, carer_id)
    if not ids:
        return []
    return [
        {k: v for k, v in e.items() if k != "link"}
        for e in export(store, AuditFilter(record_ids=ids))
        if not e["action"].startswith("subject-access-")
    ]


# --- erasure ---------------------------------------------------------------------------


def _is_person(subject: Subject, carer_id: str, carer: Mapping[str, Any]) -> bool:
    """Whether a name-only subject is this carer: their name (given or preferred, with
    the family name), told apart from namesakes by any phone or email both hold."""
    if subject.carer_id:
        return subject.carer_id == carer_id
    family = str(carer.get("family_name") or "")
    contact = carer.get("contact") or {}
    phones = [p for p in (contact.get("phone"), contact.get("mobile")) if p] or [None]
    return any(
        subject.names({"name": full_name(str(given), family), "phone": phone, "email": email})
        for given in {carer.get("given_name"), carer.get("preferred_name")} - {None, ""}
        for phone in phones
        for email in (contact.get("email"),)
    )


def forget_erased(
    tx: Any,
    record_ids: set[str],
    carer: tuple[str, Mapping[str, Any]] | None,
    actor: str,
) -> None:
    """An erasure reaches every subject-access review: a review *of* the erased carer
    (by id, or by a name that is theirs) is deleted; any other review loses the parts it
    copied from the erased records (and is deleted if nothing is left). ``carer`` is the
    erased carer's (id, record as it was), when the carer's own record is among ``record_ids``.
    Audited with review ids and counts, never contents."""
    if not record_ids:
        return
    reviews = t.subject_access_reviews
    deleted: list[str] = []
    pruned: list[str] = []
    for row in tx.conn.execute(select(reviews)).all():
        content = tx.keyring.open_json(row.payload, row.key_gen, _ad(row.review_id))
        subject = Subject(**content["subject"])
        keep = [i for i, e in enumerate(content["found"]) if e["record_id"] not in record_ids]
        if (carer is not None and _is_person(subject, *carer)) or not keep:
            tx.conn.execute(delete(reviews).where(reviews.c.review_id == row.review_id))
            deleted.append(row.review_id)
            continue
        if len(keep) == len(content["found"]):
            continue
        renumber = {old: new for new, old in enumerate(keep)}
        content["found"] = [content["found"][i] for i in keep]
        content["items"] = [
            {**item, "found": renumber[item["found"]]}
            for item in content["items"]
            if item["found"] in renumber
        ]
        content["audit"] = [a for a in content["audit"] if a.get("record_id") not in record_ids]
        sealed, gen = tx.keyring.seal_json(content, _ad(row.review_id))
        tx.conn.execute(
            update(reviews)
            .where(reviews.c.review_id == row.review_id)
            .values(payload=sealed, key_gen=gen)
        )
        pruned.append(row.review_id)
    if deleted or pruned:
        tx.audit(
            actor=actor,
            action="subject-access-erased",
            details={"deleted": sorted(deleted), "pruned": sorted(pruned)},
        )


# --- the stored review ----------------------------------------------------------------


def create(store: Any, subject: Subject, by: str, device_id: str | None = None) -> dict:
    review_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with store.transaction() as tx:
        found = _gather(tx, subject)
    if not found:
        raise NotFound(
            "No record on the server names this person (as a carer, a cared-for person or "
            "a contact); check the spelling, or give the carer's id."
        )
    items = [
        {
            "item_id": f"i{n}",
            "found": index,
            "kind": found[index]["kind"],
            "record_id": found[index]["record_id"],
            "path": path,
            "reason": reason,
            "about": about,
            "text": _text(value),
            "decision": None,
            "decided_by": None,
        }
        for n, (index, path, reason, about, value) in enumerate(_marks(found), start=1)
    ]
    content = {
        "subject": subject.to_json(),
        "found": found,
        "audit": _audit(store, found, subject.carer_id),
        "items": items,
    }
    with store.transaction(write=True) as tx:
        sealed, gen = store.keyring.seal_json(content, _ad(review_id))
        tx.conn.execute(
            insert(t.subject_access_reviews).values(
                review_id=review_id,
                status=Status.IN_REVIEW.value,
                carer_id=subject.carer_id,
                created_by=by,
                created_at=now,
                payload=sealed,
                key_gen=gen,
            )
        )
        tx.audit(
            actor=by,
            action="subject-access-created",
            device_id=device_id,
            kind="carer" if subject.carer_id else None,
            record_id=subject.carer_id,
            details={
                "review_id": review_id,
                "records": len(found),
                "marked": len(items),
                "audit_entries": len(content["audit"]),
            },
        )
    return show(store, review_id)


def _load(conn: Any, store: Any, review_id: str) -> tuple[Any, dict]:
    row = conn.execute(
        select(t.subject_access_reviews).where(t.subject_access_reviews.c.review_id == review_id)
    ).first()
    if row is None:
        raise NotFound(f"No subject-access review {review_id!r}; list them to see the ids.")
    return row, store.keyring.open_json(row.payload, row.key_gen, _ad(review_id))


def _summary(row: Any, content: Mapping[str, Any]) -> dict[str, Any]:
    items = content["items"]
    return {
        "review_id": row.review_id,
        "status": row.status,
        "subject": content["subject"],
        "created_by": row.created_by,
        "created_at": _iso(row.created_at),
        "items": len(items),
        "undecided": sum(1 for i in items if i["decision"] is None),
        "produced_by": row.produced_by,
        "produced_at": _iso(row.produced_at),
    }


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def show(store: Any, review_id: str) -> dict[str, Any]:
    """The review with its marked items (what the reviewer decides on)."""
    with store.transaction() as tx:
        row, content = _load(tx.conn, store, review_id)
    return {
        **_summary(row, content),
        "found": [
            {k: e[k] for k in ("kind", "record_id", "as") if k in e} for e in content["found"]
        ],
        "audit_entries": len(content["audit"]),
        "items": [{k: v for k, v in i.items() if k != "found"} for i in content["items"]],
    }


def list_reviews(store: Any) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        rows = tx.conn.execute(
            select(t.subject_access_reviews).order_by(t.subject_access_reviews.c.created_at)
        ).all()
        return [
            _summary(row, store.keyring.open_json(row.payload, row.key_gen, _ad(row.review_id)))
            for row in rows
        ]


def decide(
    store: Any,
    review_id: str,
    decisions: Mapping[str, Choice],
    by: str,
    device_id: str | None = None,
) -> dict[str, Any]:
    """Keep or redact marked items (a later decision on an item replaces an earlier one,
    until the copy is produced)."""
    if not decisions:
        raise BadRequest("Give at least one decision: an item id and keep or redact.")
    with store.transaction(write=True) as tx:
        row, content = _load(tx.conn, store, review_id)
        if row.status == Status.PRODUCED:
            raise Refused("This copy has been produced; start a new review to decide differently.")
        items = {i["item_id"]: i for i in content["items"]}
        unknown = sorted(set(decisions) - set(items))
        if unknown:
            raise NotFound(
                f"No item {', '.join(unknown)} in review {review_id}; its items are "
                f"{', '.join(items) or 'none'}."
            )
        for item_id, choice in decisions.items():
            items[item_id]["decision"] = Choice(choice).value
            items[item_id]["decided_by"] = by
        sealed, gen = store.keyring.seal_json(content, _ad(review_id))
        tx.conn.execute(
            update(t.subject_access_reviews)
            .where(t.subject_access_reviews.c.review_id == review_id)
            .values(payload=sealed, key_gen=gen)
        )
        tx.audit(
            actor=by,
            action="subject-access-decided",
            device_id=device_id,
            details={
                "review_id": review_id,
                "decisions": {k: Choice(v).value for k, v in sorted(decisions.items())},
            },
        )
    return show(store, review_id)


@dataclass(frozen=True)
class Copy:
    body: bytes
    media_type: str
    filename: str


def produce(
    store: Any, review_id: str, fmt: CopyFormat, by: str, device_id: str | None = None
) -> Copy:
    """The copy, with every redacted item removed; refused while any is undecided."""
    now = datetime.now(UTC)
    with store.transaction(write=True) as tx:
        _, content = _load(tx.conn, store, review_id)
        undecided = [i["item_id"] for i in content["items"] if i["decision"] is None]
        if undecided:
            raise Refused(
                f"Decide keep or redact for every marked item first: {', '.join(undecided)} "
                "undecided."
            )
        data = copy_data(content, review_id, by, now)
        fmt = CopyFormat(fmt)
        if fmt == CopyFormat.JSON:
            body, media = canonical_json.dumps(data), "application/json"
        else:
            body, media = (
                render_document(_document(data, now.date()), Layout.STANDARD),
                ("application/pdf"),
            )
        tx.conn.execute(
            update(t.subject_access_reviews)
            .where(t.subject_access_reviews.c.review_id == review_id)
            .values(status=Status.PRODUCED.value, produced_by=by, produced_at=now)
        )
        redacted = sum(1 for i in content["items"] if i["decision"] == Choice.REDACT)
        tx.audit(
            actor=by,
            action="subject-access-produced",
            device_id=device_id,
            kind="carer" if content["subject"].get("carer_id") else None,
            record_id=content["subject"].get("carer_id"),
            details={
                "review_id": review_id,
                "format": fmt.value,
                "records": len(content["found"]),
                "kept": len(content["items"]) - redacted,
                "redacted": redacted,
                "reviewed_by": sorted({i["decided_by"] for i in content["items"]}),
            },
        )
    return Copy(body, media, f"subject-access-{review_id}.{fmt.value}")


_STEP = re.compile(r"([a-z_0-9]+)(?:\[(\d+)\])?")


def _redact(record: Any, path: str) -> None:
    """Replace the value at ``path`` ("cared_for[0].allergies") with the redaction mark."""
    steps = path.split(".")
    node = record
    for n, step in enumerate(steps):
        match = _STEP.fullmatch(step)
        if match is None:
            raise ValueError(path)
        key, index = match.group(1), match.group(2)
        last = n == len(steps) - 1
        if index is None:
            if last:
                node[key] = REDACTED
                return
            node = node[key]
        else:
            if last:
                node[key][int(index)] = REDACTED
                return
            node = node[key][int(index)]


def copy_data(content: Mapping[str, Any], review_id: str, by: str, at: datetime) -> dict:
    """The copy as handed over: the found records with redacted items replaced."""
    found = copy.deepcopy(content["found"])
    for item in content["items"]:
        if item["decision"] == Choice.REDACT:
            _redact(found[item["found"]]["record"], item["path"])
    return {
        "format": FORMAT,
        "scope": SCOPE,
        "review_id": review_id,
        "subject": content["subject"],
        "produced_at": at.isoformat(),
        "produced_by": by,
        "records": found,
        "audit": content["audit"],
        "redacted_items": sum(1 for i in content["items"] if i["decision"] == Choice.REDACT),
    }


def _document(data: Mapping[str, Any], printed_on: date) -> Document:
    subject = data["subject"]
    sections = []
    for n, entry in enumerate(data["records"], start=1):
        lines: list[Entry] = []
        flatten_entries({k: v for k, v in entry["record"].items() if k != "id"}, "", lines)
        where = f" ({entry['part']})" if "part" in entry else ""
        heading = f"{n}. {entry['kind'].replace('_', ' ').capitalize()}: you as {entry['as']}"
        sections.append(
            Section(heading + where, tuple(lines) or (Entry(None, "Nothing recorded."),))
        )
    audit = tuple(
        Entry(
            f"{e['at'][:16].replace('T', ' ')} UTC",
            f"{e['actor']}: {e['action']} {(e['kind'] or 'record').replace('_', ' ')}",
        )
        for e in data["audit"]
    )
    sections.append(
        Section(
            "Who has looked at or changed these records",
            audit or (Entry(None, "No entries."),),
        )
    )
    if data["redacted_items"]:
        sections.append(
            Section(
                "Information withheld",
                (
                    Entry(
                        None,
                        f"{data['redacted_items']} items about other people, or about "
                        "safeguarding, are shown as [redacted]. You may ask us why.",
                    ),
                ),
            )
        )
    about = subject.get("name")
    if not about and data["records"]:
        first = data["records"][0]["record"]
        about = full_name(str(first.get("given_name") or ""), str(first.get("family_name") or ""))
    return Document(
        title="Your record: subject access copy",
        about=about or "",
        printed_on=printed_on,
        sections=tuple(sections),
        intro=SCOPE + " Dates are written year-month-day.",
        footer_note="Personal and confidential.",
    )
