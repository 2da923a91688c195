"""Initial schema: users, devices, records and their versions, idempotency ledger,
conflicts, audit, counters.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("team", sa.String(16), nullable=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("credential_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_devices_username", "devices", ["username"])
    op.create_table(
        "records",
        sa.Column("record_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("team", sa.String(16), nullable=True),
        sa.Column("carer_id", sa.String(64), nullable=True),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("lookup", sa.String(64), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("key_gen", sa.Integer, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_records_carer_kind", "records", ["carer_id", "kind"])
    op.create_index("ix_records_team_seq", "records", ["team", "seq"])
    op.create_index("ix_records_group", "records", ["group_id"])
    op.create_index("ix_records_lookup", "records", ["lookup"])
    op.create_table(
        "record_versions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("key_gen", sa.Integer, nullable=True),
        sa.Column("changed_fields", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("change_id", sa.String(64), nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.UniqueConstraint("record_id", "version", name="uq_record_versions_record_version"),
    )
    op.create_table(
        "applied_changes",
        sa.Column("change_id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("result", sa.LargeBinary, nullable=False),
        sa.Column("key_gen", sa.Integer, nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("conflict_id", sa.String(64), primary_key=True),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("server_version", sa.Integer, nullable=False),
        sa.Column("change_id", sa.String(64), nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("details", sa.LargeBinary, nullable=False),
        sa.Column("key_gen", sa.Integer, nullable=False),
        sa.Column("resolved_at", _TS, nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_conflicts_record_id", "conflicts", ["record_id"])
    op.create_table(
        "audit",
        sa.Column("seq", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "change_seq", "value": 0}])


def downgrade() -> None:
    for table in (
        "counters",
        "audit",
        "conflicts",
        "applied_changes",
        "record_versions",
        "records",
        "devices",
        "users",
    ):
        op.drop_table(table)
