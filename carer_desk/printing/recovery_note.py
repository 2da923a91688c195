"""The recovery note a person may keep after choosing their passphrase: what to do if it
is forgotten, for this laptop. It never holds the passphrase, nor anything about carers:
it may be kept in a drawer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carer_desk.printing.document import (
    Document,
    Section,
    entries,
    long_date,
    render_document,
)


@dataclass(frozen=True)
class RecoveryNote:
    username: str | None
    server: str | None
    vault_location: str
    recoverable: bool  # the vault's key is also wrapped to the organisation's recovery key
    made_on: date


def recovery_note_document(note: RecoveryNote) -> Document:
    if note.recoverable:
        forgotten = (
            "Ring your office. Your IT officer can reset the passphrase with the "
            "organisation's recovery key; nothing on this laptop is lost, synced or not."
        )
    else:
        forgotten = (
            "This laptop was set up without the organisation's recovery key, so a forgotten "
            "passphrase cannot be reset. What was synced is safe at the office and comes "
            "back on a new set-up; changes not yet synced would be lost. Sync often."
        )
    return Document(
        title="Carer Desk: if you forget your passphrase",
        about=note.username or "this laptop",
        printed_on=note.made_on,
        intro=(
            "Keep this note somewhere safe but not with the laptop. It does not contain your "
            "passphrase: never write that down next to the laptop."
        ),
        sections=(
            Section("If you forget your passphrase", entries([(None, forgotten)])),
            Section(
                "This laptop",
                entries(
                    [
                        ("Signed in as", note.username or "not connected to an office yet"),
                        ("Office server", note.server or "none yet"),
                        ("Vault file", note.vault_location),
                        ("Set up on", long_date(note.made_on)),
                    ]
                ),
            ),
            Section(
                "If the laptop is lost or stolen",
                entries(
                    [
                        (
                            None,
                            "Tell your office at once. They revoke the laptop, and it wipes "
                            "itself the next time it connects. Its records are encrypted and "
                            "cannot be read without your passphrase.",
                        )
                    ]
                ),
            ),
        ),
        footer_note="Keep apart from the laptop.",
    )


def render_recovery_note(note: RecoveryNote) -> bytes:
    return render_document(recovery_note_document(note))
