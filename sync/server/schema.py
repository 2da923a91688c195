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
    Column("version", Integer, nullable=False),
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
    Column("version", Integer, nullable=False),
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
    Column("server_version", Integer, nullable=False),
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

# Named counters. Taking the "change_seq" row lock at the start of every writing
# transaction serialises writers, so sequence numbers commit in order and a pull cursor
# can never skip a change committed late with a lower number.
counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
