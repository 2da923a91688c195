"""The server's tables (SQLAlchemy Core), shared by the SQLite and PostgreSQL backends.

Alembic migrations in ``sync/server/migrations`` create exactly these; a contract test
compares the migrated database with this metadata, so the two cannot drift.

Clear columns hold only what routing and authorisation need: ids, kinds, versions, the
owning team / carer / group / facilitator, timestamps, usernames and changed field
*names*. Payloads, conflict values and stored push results are AES-GCM ciphertext.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: A record version: 64 bits, as versions written after a restore start above a floor
#: taken from the clock (migration 0005; SQLite's INTEGER is 64 bits already).
_VERSION = BigInteger().with_variant(Integer, "sqlite")

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("team", String(16), nullable=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("credential_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(64), nullable=True),
)

# The current state of every record. ``seq`` is the global change sequence of its latest
# version: pull pages through records by ``seq``.
records = Table(
    "records",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("version", _VERSION, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("team", String(16), nullable=True),
    Column("carer_id", String(64), nullable=True),
    Column("group_id", String(64), nullable=True),
    Column("owner", String(64), nullable=True),  # a group's facilitator (username)
    Column("lookup", String(64), nullable=True),  # keyed hash of a card number
    Column("payload", LargeBinary, nullable=True),
    Column("key_gen", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Index("ix_records_carer_kind", "carer_id", "kind"),
    Index("ix_records_team_seq", "team", "seq"),
    Index("ix_records_group", "group_id"),
    Index("ix_records_lookup", "lookup"),
)

# Every version ever stored: who, when, which fields changed, and the sealed payload.
record_versions = Table(
    "record_versions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("record_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("version", _VERSION, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("payload", LargeBinary, nullable=True),
    Column("key_gen", Integer, nullable=True),
    Column("changed_fields", Text, nullable=False),  # JSON list of field names
    Column("actor", String(64), nullable=False),
    Column("device_id", String(64), nullable=True),
    Column("change_id", String(64), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("record_id", "version", name="uq_record_versions_record_version"),
)

# The idempotency ledger: one row per change_id ever processed, with its sealed result.
applied_changes = Table(
    "applied_changes",
    metadata,
    Column("change_id", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("result", LargeBinary, nullable=False),
    Column("key_gen", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("conflict_id", String(64), primary_key=True),
    Column("record_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("server_version", _VERSION, nullable=False),
    Column("change_id", String(64), nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("details", LargeBinary, nullable=False),
    Column("key_gen", Integer, nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(64), nullable=True),
)

# Who did what: enrolments, revocations, card look-ups, decisions, exports. Details hold
# ids, field names and outcomes, never payload values.
audit = Table(
    "audit",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("device_id", String(64), nullable=True),
    Column("action", String(32), nullable=False),
    Column("kind", String(32), nullable=True),
    Column("record_id", String(64), nullable=True),
    Column("details", Text, nullable=False),  # JSON object
)

# After a restore: the latest lost version (from before the restore) a laptop sent again of
# each record, so the laptops that hold it or an older one need not (sync.server.restore).
recovered = Table(
    "recovered",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("through", BigInteger, nullable=False),
)

# Named counters. Taking the "change_seq" row lock at the start of every writing
# transaction serialises writers, so sequence numbers commit in order and a pull cursor
# can never skip a change committed late with a lower number.
counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Clear report columns the server derives from a record when it stores it (issue 11), so
# a report aggregates in SQL without opening a payload. One row per live record; a
# tombstone removes its row. What these columns reveal is in docs/threat-model.md: dates,
# codes and counts, never a name, an address, a note or a health condition.
report_facts = Table(
    "report_facts",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("carer_id", String(64), nullable=True),
    Column("team", String(16), nullable=True),
    Column("district", String(32), nullable=True),  # a carer's district
    Column("worker", String(64), nullable=True),  # assigned worker / who held it
    # carer
    Column("referral_on", Date, nullable=True),
    Column("referral_source", String(32), nullable=True),
    Column("contacted_on", Date, nullable=True),
    Column("parent_carer", Boolean, nullable=True),
    Column("gp_registered", Boolean, nullable=True),
    Column("gp_encouraged_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("adult_on", Date, nullable=True),  # 18th birthday, kept for young carers only
    # Across the carer's records, kept by the store on every write touching the carer:
    Column("first_assessed_on", Date, nullable=True),  # first completed assessment
    # conversation
    Column("started_on", Date, nullable=True),
    Column("completed_on", Date, nullable=True),
    Column("mode", String(32), nullable=True),
    Column("is_review", Boolean, nullable=True),
    Column("assessment", Boolean, nullable=True),  # a completed, lawful assessment
    Column("reviewed_on", Date, nullable=True),  # the office's review of a self-assessment
    Column("review_due_on", Date, nullable=True),  # conversation or plan review date
    Column("wellbeing_score", Integer, nullable=True),
    Column("wellbeing_max", Integer, nullable=True),
    Column("previous_score", Integer, nullable=True),  # the carer's check before this one
    Column("previous_max", Integer, nullable=True),
    Column("goals_total", Integer, nullable=True),
    Column("goals_attained", Integer, nullable=True),
    # payment request (and a card's status)
    Column("amount_pence", Integer, nullable=True),
    Column("purpose", String(32), nullable=True),
    Column("status", String(32), nullable=True),
    Column("requested_on", Date, nullable=True),
    Column("submitted_on", Date, nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("paid_on", Date, nullable=True),
    # plan, card, group session, attendance, membership
    Column("created_on", Date, nullable=True),
    Column("session_id", String(64), nullable=True),
    Column("session_on", Date, nullable=True),
    Column("attended", Boolean, nullable=True),
    Column("joined_on", Date, nullable=True),
    Column("left_on", Date, nullable=True),
    Index("ix_report_facts_kind_referral", "kind", "referral_on"),
    Index("ix_report_facts_kind_completed", "kind", "completed_on"),
    Index("ix_report_facts_kind_started", "kind", "started_on"),
    Index("ix_report_facts_kind_paid", "kind", "paid_on"),
    Index("ix_report_facts_kind_session", "kind", "session_on"),
    Index("ix_report_facts_kind_session_id", "kind", "session_id"),
    Index("ix_report_facts_carer_kind", "carer_id", "kind"),
    Index("ix_report_facts_kind_team", "kind", "team"),
    Index("ix_report_facts_kind_first_assessed", "kind", "first_assessed_on"),
    Index("ix_report_facts_kind_gp_encouraged", "kind", "gp_encouraged_on"),
    # The point-in-time figures (open at the period's end) and the self-assessment KPI
    # read only the rows that match (migration 0006, bench/reports.py).
    Index("ix_report_facts_kind_open_gp", "kind", "referral_on", "closed_on", "gp_registered"),
    Index("ix_report_facts_kind_mode_started", "kind", "mode", "started_on"),
)

# Data protection (issue 11). The audit chain: a keyed hash link per audit entry, appended
# in order by a sealing step (export, verify, the retention job), so altering or removing
# a sealed entry is detected and named. Legal holds stop the retention job for a carer.
audit_chain = Table(
    "audit_chain",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("link", String(64), nullable=False),
)

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("carer_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("placed_by", String(64), nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
)


# Subject-access reviews (issue 11): the copy gathered for one person, sealed like record
# payloads (it is their whole record), with the reviewer's keep/redact decisions inside.
subject_access_reviews = Table(
    "subject_access_reviews",
    metadata,
    Column("review_id", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("carer_id", String(64), nullable=True, index=True),  # erased with the carer
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("produced_by", String(64), nullable=True),
    Column("produced_at", DateTime(timezone=True), nullable=True),
    Column("payload", LargeBinary, nullable=True),
    Column("key_gen", Integer, nullable=True),
)
