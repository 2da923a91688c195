"""A restored database knows it was restored (issue 14): its generation and version floor.

* ``counters.generation``: changes when the database is marked restored (``carer-desk-server
  mark-restored``, or noticed at start-up); a laptop that sees a new one re-sends what the
  server lacks and pulls again from the beginning.
* ``counters.version_floor``: every version written after a restore is above it, so a version
  number a laptop holds from before the loss is never given to different content.
* ``recovered``: per record, the latest lost version a laptop sent again.
* Record versions become 64-bit on PostgreSQL (the floor is a time in microseconds). SQLite's
  INTEGER already holds 64 bits.

Revision ID: 0005_restore_generation
Revises: 0004_subject_access
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_restore_generation"
down_revision = "0004_subject_access"
branch_labels = None
depends_on = None

_VERSION_COLUMNS = (
    ("records", "version"),
    ("record_versions", "version"),
    ("conflicts", "server_version"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _VERSION_COLUMNS:
            op.alter_column(
                table, column, type_=sa.BigInteger, existing_type=sa.Integer, nullable=False
            )
    op.create_table(
        "recovered",
        sa.Column("record_id", sa.String(64), primary_key=True),
        sa.Column("through", sa.BigInteger, nullable=False),
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(
        counters, [{"name": "generation", "value": 0}, {"name": "version_floor", "value": 0}]
    )


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name IN ('generation', 'version_floor')")
    op.drop_table("recovered")
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _VERSION_COLUMNS:
            op.alter_column(
                table, column, type_=sa.Integer, existing_type=sa.BigInteger, nullable=False
            )
