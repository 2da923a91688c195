"""Errors the core raises, each with a message a person can act on.

Every error shown to a user derives from :class:`CarerDeskError`; the CLI and the UI
print ``str(error)`` and never a traceback.
"""

from __future__ import annotations


class CarerDeskError(Exception):
    """Base class: ``str(err)`` is a one-line, user-facing explanation."""


class ValidationError(CarerDeskError):
    """A record or input failed validation.

    ``problems`` lists ``(field_path, message)`` pairs so a form can mark each field and a
    bulk import can report them all at once.
    """

    def __init__(self, problems: list[tuple[str, str]] | tuple[tuple[str, str], ...]):
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        text = "; ".join(f"{path}: {msg}" if path else msg for path, msg in self.problems)
        super().__init__(text or "invalid input")


class RuleViolation(CarerDeskError):
    """A business rule refused an action (cap exceeded, wrong life-cycle step, ...)."""


class NotFoundError(CarerDeskError):
    """A record asked for does not exist."""


class UnknownCarer(NotFoundError):
    """No carer with this id is held here (a mistyped id, or one not synced yet)."""

    def __init__(self, carer_id: str) -> None:
        self.carer_id = carer_id
        super().__init__(
            f"There is no carer with id {carer_id} on this laptop; check the id, or sync if "
            "the carer was registered on another laptop."
        )


# --- vault errors: raised by the storage layer through the core's ports ---------------


class VaultError(CarerDeskError):
    """Something is wrong with the local vault."""


class VaultNotFound(VaultError):
    """No vault exists at the given location."""


class VaultExists(VaultError):
    """A vault already exists where a new one was asked for."""


class VaultLocked(VaultError):
    """The vault is locked: unlock it with the passphrase first."""


class WrongPassphrase(VaultError):
    """The passphrase did not unlock the vault; ``retry_after`` seconds before the next
    try is allowed (0 while tries are free)."""

    def __init__(self, message: str, retry_after: float = 0.0):
        self.retry_after = retry_after
        super().__init__(message)


class UnlockThrottled(VaultError):
    """Too many wrong passphrases: the caller must wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(
            f"Too many wrong passphrases. Wait {int(retry_after + 0.999)} seconds and try again."
        )


class RecordIntegrityError(VaultError):
    """A stored record failed its integrity check (tampered or corrupted)."""

    def __init__(self, record_id: str, kind: str | None = None):
        self.record_id = record_id
        self.kind = kind
        what = f"{kind} record {record_id}" if kind else f"record {record_id}"
        super().__init__(
            f"The {what} failed its integrity check: it has been altered or damaged. "
            "The rest of the vault is usable; restore this record from the server or a backup."
        )


class VaultTampered(VaultError):
    """The vault file was changed outside Carer Desk: its authenticated bookkeeping (the
    header, the outbox, records' versions and sync states, the audit log) does not match
    its seal. Nothing is written over the evidence and nothing of it is sent."""

    def __init__(self, findings: tuple[str, ...] | list[str]):
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else "its seal does not match"
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(
            f"The vault file was changed outside Carer Desk: {first}{more}. Nothing was "
            "saved or sent. Your records can still be read; run `carer-desk vault check` "
            "to see what was altered and tell your administrator before working on in "
            "this vault."
        )


class LaptopRevoked(CarerDeskError):
    """The server says this laptop is revoked. The window explains, then wipes it."""

    def __init__(self) -> None:
        super().__init__(
            "Your administrator has revoked this laptop (it was reported lost, stolen or "
            "retired), so its records are being removed from it. Everything that was synced "
            "is safe at the office. Ask your administrator to set up a replacement."
        )


class OfficeUnreachable(CarerDeskError):
    """The office server could not be reached; work stays on the laptop and is sent when
    the connection returns."""
