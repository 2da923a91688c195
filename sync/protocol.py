"""The sync wire protocol, shared by the laptop client and the central server.

Every request and response body is one of the pydantic models below, serialised as JSON.
Keeping them in one module (imported by ``sync.client`` and ``sync.server``) means the two
halves cannot drift apart silently: a field renamed here breaks both sides' tests.

Conventions:

* Paths are under :data:`API_PREFIX` (``/v1``). Every call except ``POST /v1/enrol``
  authenticates with ``Authorization: Bearer <device_credential>``.
* Records travel as ``kind`` + ``record_id`` + a JSON ``payload`` (the codec's dict form).
  Field-level merge works on the payload's **top-level keys**: a nested value (an address,
  a list of contacts) is one field and is merged or conflicted as a whole.
* Request bodies may be gzip-compressed (``Content-Encoding: gzip``); large responses are
  gzip-compressed when the client sends ``Accept-Encoding: gzip``.
* Errors are ``ErrorBody`` JSON with a one-line ``detail`` a person can act on, and an
  HTTP status: 400/422 malformed, 401 unknown or missing credential, 403 not allowed or
  device revoked (``wipe`` true), 404 unknown, 409 refused by a rule (cap, budget, stale),
  413 body too large.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from carer_desk.records import kinds as _kinds
from carer_desk.roles import Role as _Role

API_VERSION = "1"
API_PREFIX = "/v1"

#: The most changes one push may carry; the client drains its outbox in batches this big.
MAX_BATCH_CHANGES = 500
#: The largest request body accepted, after gzip decompression (413 above it).
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Pull page size: the default and the most one page may hold.
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000
#: Bodies larger than this are gzip-compressed by the server when the client accepts it.
GZIP_MINIMUM_BYTES = 1024

#: The cursor for "from the very beginning" (an empty ``since``).
START_CURSOR = ""

#: Header carrying the device credential, as ``Bearer <credential>``.
AUTH_HEADER = "Authorization"

#: A payload field that, in a conflict, stands for "the record was deleted".
DELETED_FIELD = "_deleted"


# Roles, teams, record kinds and what never auto-merges come from the core's one table of
# record kinds (carer_desk.records.kinds), which the laptop and the server both read.
#: Server roles, spelled as on the ``carer-desk-server create-user --role`` line.
Role = _Role
#: Locality teams (``Carer.team``); outreach workers belong to one.
Team = _kinds.Team
#: Kinds a device may push (the codec's kind strings).
RecordKind = _kinds.RecordKind
#: Read-only views the server builds for roles that must not see a whole record. They
#: arrive by pull like records (``record_id`` is the carer's id) but are never pushed
#: back; a push of a projection kind is rejected.
ProjectionKind = _kinds.View
#: Fields that are never merged automatically: when the client changed one of them in an
#: edit based on a stale version, the change is a conflict for a person to resolve, even
#: when the server did not touch that field (money and approvals must be looked at).
NEVER_AUTO_MERGE = _kinds.NEVER_AUTO_MERGE


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class ChangeStatus(StrEnum):
    APPLIED = "applied"  # stored; ``server_version`` is the new version
    CONFLICT = "conflict"  # merged what could be; ``conflicts`` lists fields to resolve
    REJECTED = "rejected"  # refused (validation/authorisation); ``reason`` says why


class _Model(BaseModel):
    # Unknown fields are refused so a typo in a client shows up as a 422, not as a field
    # silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


RecordId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
ChangeId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ErrorBody(_Model):
    """Every 4xx answer. ``wipe`` is true when the device was revoked."""

    detail: str
    wipe: bool = False


# --- enrolment -------------------------------------------------------------------------


class EnrolRequest(_Model):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    device_name: Annotated[str, Field(min_length=1, max_length=128)]


class EnrolResponse(_Model):
    """The ``device_credential`` is shown once; the server keeps only its hash."""

    device_id: str
    device_credential: str
    username: str
    role: Role
    team: Team | None = None
    api_version: str = API_VERSION


class WhoAmIResponse(_Model):
    """``GET /v1/me``: who this device belongs to (also a cheap reachability probe)."""

    device_id: str
    device_name: str
    username: str
    role: Role
    team: Team | None = None
    wipe: bool = False
    api_version: str = API_VERSION


# --- push ------------------------------------------------------------------------------


class Change(_Model):
    """One outbox change (``carer_desk.ports.OutboxChange`` on the wire)."""

    change_id: ChangeId  # client-generated (uuid4 hex or str); the idempotency key
    kind: Annotated[str, Field(min_length=1, max_length=32)]
    record_id: RecordId
    op: Op
    base_version: Annotated[int, Field(ge=1)] | None = None  # None: a new record
    payload: dict[str, Any] | None = None  # required for upsert, ignored for delete
    priority: int = 100


class PushRequest(_Model):
    changes: Annotated[list[Change], Field(min_length=1, max_length=MAX_BATCH_CHANGES)]


class FieldConflict(_Model):
    """A field both sides changed differently (or a protected field changed on a stale
    base). ``base`` is the value both started from (None when the record was new)."""

    field: str
    base: Any = None
    server: Any = None
    client: Any = None


class ChangeResult(_Model):
    change_id: str
    record_id: str
    kind: str
    status: ChangeStatus
    #: The record's server version after this change: the new version when applied; when
    #: a conflict, the version holding the merged non-conflicting fields; None if rejected.
    server_version: int | None = None
    conflict_id: str | None = None
    conflicts: list[FieldConflict] = Field(default_factory=list)
    reason: str | None = None
    #: True when the stored result was returned for a change already applied before.
    replayed: bool = False
    #: True when the server's copy now differs from the payload sent (other people's
    #: fields merged in, or conflicting fields kept): pull to get what the server holds.
    merged: bool = False


class PushResponse(_Model):
    results: list[ChangeResult]
    wipe: bool = False


# --- pull ------------------------------------------------------------------------------


class PulledRecord(_Model):
    kind: str  # a RecordKind or a ProjectionKind
    record_id: str
    server_version: int
    deleted: bool = False
    payload: dict[str, Any] | None = None  # None for a tombstone
    open_conflict_id: str | None = None  # set while a conflict on it awaits a person


class PullResponse(_Model):
    records: list[PulledRecord]
    next_cursor: str  # save it after applying this page; pass it as ``since`` next time
    more: bool  # True: call again with next_cursor straight away
    wipe: bool = False
    #: Asked for with ``count=true``: how many records are still to come after this page
    #: (as of this page; for progress, not for deciding when to stop: that is ``more``).
    remaining: Annotated[int, Field(ge=0)] | None = None


# --- after a restore from a backup ---------------------------------------------------------

#: The most record ids one ``POST /v1/versions`` may ask about.
MAX_VERSION_IDS = 2000


class GenerationResponse(_Model):
    """``GET /v1/generation?since=CURSOR``: which life of the server's database this is.
    It changes when the database is restored from a backup; a laptop that sees a new one
    sends again what the server lacks and pulls from the beginning (docs/operations.md)."""

    generation: str


class VersionsRequest(_Model):
    """``POST /v1/versions``: the records a laptop holds, to learn which the server lacks."""

    record_ids: Annotated[list[RecordId], Field(min_length=1, max_length=MAX_VERSION_IDS)]


class VersionsResponse(_Model):
    """The version the server holds of each record asked about that this user may see
    (tombstones too); a record left out is one the server does not hold."""

    versions: dict[str, int]
    generation: str


# --- conflicts -------------------------------------------------------------------------


class ConflictView(_Model):
    conflict_id: str
    kind: str
    record_id: str
    server_version: int  # the version the conflict was raised against
    change_id: str
    raised_by: str
    raised_at: str  # ISO 8601 UTC
    conflicts: list[FieldConflict]


class ConflictList(_Model):
    conflicts: list[ConflictView]


class Choice(StrEnum):
    SERVER = "server"
    CLIENT = "client"


class ResolveConflictRequest(_Model):
    """Pick, for every conflicting field, which side's value to keep."""

    choices: dict[str, Choice]


class ResolveConflictResponse(_Model):
    conflict_id: str
    record_id: str
    kind: str
    server_version: int


# --- wellbeing-payment decisions -------------------------------------------------------


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


class PaymentDecisionRequest(_Model):
    decision: Decision
    reason: Annotated[str, Field(max_length=2000)] | None = None  # required to decline
    #: The version the approver looked at; a newer one answers 409 so they look again.
    expected_version: Annotated[int, Field(ge=1)] | None = None


class PaymentDecisionResponse(_Model):
    payment_id: str
    status: str  # the request's new status: approved | declined
    server_version: int
    message: str
    cap_pence: int
    already_committed_pence: int  # within the rolling window, before this request
    remaining_pence: int  # after this decision
    budget_remaining_pence: int  # in the financial year, after this decision
    #: Another request for the same purpose near this one (a warning, never a refusal).
    duplicate_purpose_warning: str | None = None


class PaymentRulesResponse(_Model):
    """``GET /v1/payment-rules``: the payment rules in force on the server, in the core's
    wire form (:meth:`carer_desk.rules.payment_rules.PaymentRules.to_wire`). A laptop keeps
    them and decides by them, so its advice matches the server's decisions."""

    rules: dict[str, Any]


# --- accounts (administrators only) ------------------------------------------------------


class PasswordResetRequest(_Model):
    """``POST /v1/admin/users/{username}/password``: the new password (10 characters or
    more); devices already enrolled keep working."""

    password: Annotated[str, Field(min_length=1, max_length=1024)]


class AccountResponse(_Model):
    """The answer to disabling, enabling or resetting an account."""

    username: str
    disabled: bool
    devices_revoked: list[str] = []  # revoked now (a disabled account keeps none)
    message: str


# --- card look-up for the 24-hour line -------------------------------------------------


class LineContact(_Model):
    """An emergency contact who agreed to be rung (no other contact is ever sent)."""

    position: int  # 1 = ring first, as on the printed plan
    contact_id: str
    name: str
    role: str
    phone: str
    availability: str | None = None
    holds_key: bool = False


class LinePerson(_Model):
    """A person cared for: where care is needed and what they need."""

    person_id: str
    name: str
    address: list[str]  # where care is needed; empty when not known
    address_note: str  # "Their own address", "Lives with the carer (the carer's address)"
    care_needed: str
    medication: list[str]
    allergies: str
    mobility: str | None = None
    communication: str | None = None
    behaviour: str | None = None
    gp: str | None = None


class LineAccess(_Model):
    how_to_get_in: str | None = None
    who_holds_keys: str | None = None
    key_safe: str | None = None  # who to ask for the code, never the code


class CardLookupResponse(_Model):
    """What the 24-hour line is shown for a number: the same answer the laptop's look-up
    gives (carer_desk.rules.emergency_line), so the two never disagree.

    ``line_status`` says what the operator may do: ``ready`` (ring the contacts),
    ``incomplete`` (below the minimum: ``missing`` says what, ``what_to_do`` what instead),
    ``consent-withdrawn`` (do not use the plan: nothing of it is sent), ``no-plan`` or
    ``revoked``. ``plan``, ``people``, ``access`` and ``contacts`` are filled only when the
    plan may be used, and then with consented contacts only."""

    number: str  # digits only
    status: str  # the card's status: pending_print | printed | revoked
    card_id: str | None = None  # the card looked up and its carer: a call is recorded
    carer_id: str | None = None  # against them, even when nothing of the plan is shown
    revoked: bool
    message: str  # the headline the operator reads first
    current_card_number: str | None = None  # for a revoked card, the one that replaced it
    carer_display_name: str | None = None
    plan: dict[str, Any] | None = None  # read-only, consented contacts only
    plan_version: int | None = None
    line_status: str = "ready"
    what_to_do: str = ""
    missing: list[str] = Field(default_factory=list)
    number_display: str = ""  # grouped, to read back to the caller
    carer_phone: str | None = None
    people: list[LinePerson] = Field(default_factory=list)  # where care is needed first
    access: LineAccess | None = None
    contacts: list[LineContact] = Field(default_factory=list)
    consent_withdrawn_on: date | None = None
    revoked_on: date | None = None
    review_overdue_since: date | None = None  # the plan's review is overdue since
    replacement_care_route: str = ""
    replacement_care_hours: int = 48
    exceptional_replacement_care_hours: int = 72
