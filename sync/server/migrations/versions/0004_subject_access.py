"""Subject-access reviews: the sealed copy and its redaction decisions (issue 11).

Revision ID: 0004_subject_access
Revises: 0003_data_protection
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_subject_access"
down_revision = "0003_data_protection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_access_reviews",
        sa.Column("review_id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("carer_id", sa.String(64), nullable=True, index=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("produced_by", sa.String(64), nullable=True),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("key_gen", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("subject_access_reviews")
