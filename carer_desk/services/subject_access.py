"""Subject-access export: one carer's whole record, as JSON and as a readable PDF.

UK GDPR gives a person a copy of everything held about them within a month. The export
gathers the carer record (with the people they care for and their contacts),
conversations, payment requests, plans, cards, group memberships, attendance and every
audit entry about them, straight from the decrypted payloads so nothing is summarised
away. The PDF is the same data laid out for a person to read.

It covers **this laptop only**: the records synced to it and its own audit log. Records
it never received (another team's, those naming the person as someone else's contact)
and the server's audit entries (card look-ups, payment decisions) are in the server's
copy (``carer-desk-server sar``, docs/data-protection.md), which is the one to send in
answer to a request; the copy says so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import Any

from carer_desk.errors import NotFoundError, UnknownCarer, ValidationError
from carer_desk.formatting import full_name
from carer_desk.ports import AuditEntry
from carer_desk.printing.document import (
    Document,
    Entry,
    Layout,
    Section,
    flatten_entries,
    render_document,
)
from carer_desk.printing.protect import protect_pdf
from carer_desk.services.base import Service
from carer_desk.services.printing import write_file_atomically

logger = logging.getLogger(__name__)

FORMAT = "carer-desk-subject-access/1"
SCOPE = (
    "This laptop only: the records synced to this laptop and its own log. It is not the "
    "organisation's whole record; the server's subject-access copy (carer-desk-server sar) "
    "covers every laptop's records and the server's log."
)
# Record kinds that belong to a carer through their "carer_id", in the export's order.
LINKED_KINDS = (
    ("conversation", "conversations", "Guided conversations"),
    ("payment_request", "payment_requests", "Wellbeing payment requests"),
    ("plan", "plans", "Emergency plans"),
    ("card", "cards", "Emergency cards"),
    ("emergency_call", "emergency_calls", "Calls to the emergency line"),
    ("group_member", "group_memberships", "Peer-support groups"),
    ("attendance", "attendance", "Group attendance"),
    # A merge's note can hold values from the absorbed record, so decisions are theirs too.
    ("duplicate_decision", "duplicate_decisions", "Decisions about duplicate records"),
)


@dataclass(frozen=True)
class SubjectAccessExport:
    carer_id: str
    pdf_path: Path | None
    json_path: Path | None
    records: int
    audit_entries: int


def _audit_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "by": entry.actor,
        "action": entry.action,
        "record_id": entry.record_id,
        "kind": entry.kind,
        "details": json.loads(json.dumps(dict(entry.details), default=str)),
    }


def subject_access_document(data: Mapping[str, Any], printed_on: date) -> Document:
    """The gathered data as a readable document, one section per kind of record."""
    carer = data["carer"]
    name = full_name(str(carer.get("given_name") or ""), str(carer.get("family_name") or ""))
    about: list[Entry] = []
    flatten_entries({k: v for k, v in carer.items() if k != "id"}, "", about)
    sections = [Section("Your details", tuple(about))]
    for _, key, title in LINKED_KINDS:
        records = data.get(key) or []
        if not records:
            sections.append(Section(title, (Entry(None, "We hold none."),)))
            continue
        lines: list[Entry] = []
        for index, record in enumerate(records, start=1):
            lines.append(Entry(None, f"Record {index} of {len(records)}"))
            flatten_entries(
                {k: v for k, v in record.items() if k not in ("id", "carer_id")}, "", lines
            )
        sections.append(Section(title, tuple(lines)))
    audit = [
        Entry(
            f"{e['at'][:16].replace('T', ' ')} UTC",
            f"{e['by']}: {e['action']} "
            f"{(e['kind'] or 'record').replace('_', ' ')}"
            + (f" ({e['details']['document']})" if e["details"].get("document") else ""),
        )
        for e in data.get("audit", [])
    ]
    sections.append(
        Section(
            "Who has looked at or changed your record",
            tuple(audit) or (Entry(None, "No entries."),),
        )
    )
    return Document(
        title="Your record: subject access copy",
        about=name or "Carer",
        printed_on=printed_on,
        sections=tuple(sections),
        intro="This is a copy of what this laptop holds about you in Carer Desk, as it stood "
        "on the date printed below: the records synced to this laptop and its own log, not "
        "the organisation's whole record (the office's copy from the server covers that). "
        "Dates are written year-month-day.",
        footer_note="Personal and confidential.",
    )


class SubjectAccessService(Service):
    """Gathers and exports one carer's full record."""

    def gather(self, carer_id: str) -> dict[str, Any]:
        """Everything held about the carer, JSON-compatible."""
        try:
            carer = self.store.get("carer", carer_id)
        except NotFoundError:
            raise UnknownCarer(carer_id) from None
        data: dict[str, Any] = {
            "format": FORMAT,
            "generated_at": self.clock.now().astimezone(UTC).isoformat(),
            "generated_by": self.store.actor,
            "scope": SCOPE,
            "carer_id": carer_id,
            "carer": carer,
        }
        record_ids = {carer_id}
        for kind, key, _ in LINKED_KINDS:
            found = [
                payload
                for _, payload in self.store.iter_kind(kind)
                if payload.get("carer_id") == carer_id
                or carer_id in (payload.get("carer_ids") or ())
            ]
            found.sort(key=lambda p: json.dumps(p, sort_keys=True, default=str))
            data[key] = found
            record_ids.update(p["id"] for p in found if "id" in p)
        data["audit"] = [
            _audit_dict(e)
            for e in self.store.audit_entries()
            if e.record_id in record_ids or dict(e.details).get("for") == carer_id
        ]
        return data

    def render_pdf(self, data: Mapping[str, Any], *, large_print: bool = False) -> bytes:
        doc = subject_access_document(data, self.clock.today())
        return render_document(doc, Layout.LARGE_PRINT if large_print else Layout.STANDARD)

    def export(
        self,
        carer_id: str,
        *,
        pdf_path: Path | None,
        json_path: Path | None = None,
        password: str | None = None,
        large_print: bool = False,
    ) -> SubjectAccessExport:
        """Write the PDF (optionally password-protected) and/or the JSON, then audit it."""
        if pdf_path is None and json_path is None:
            raise ValidationError([("out", "say where to write the export (a .pdf or .json)")])
        data = self.gather(carer_id)
        if pdf_path is not None:
            pdf = self.render_pdf(data, large_print=large_print)
            write_file_atomically(Path(pdf_path), protect_pdf(pdf, password) if password else pdf)
        if json_path is not None:
            text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
            write_file_atomically(Path(json_path), text.encode("utf-8"))
        records = 1 + sum(len(data[key]) for _, key, _ in LINKED_KINDS)
        files = [Path(p).name for p in (pdf_path, json_path) if p is not None]
        self.store.audit(
            "export",
            record_id=carer_id,
            kind="carer",
            details={
                "document": "subject-access",
                "for": carer_id,
                "files": files,
                "records": records,
                "protected": "yes" if password else "no",
            },
        )
        logger.info(
            "subject-access export: %d records, %d audit entries", records, len(data["audit"])
        )
        return SubjectAccessExport(
            carer_id,
            pdf_path and Path(pdf_path),
            json_path and Path(json_path),
            records,
            len(data["audit"]),
        )
