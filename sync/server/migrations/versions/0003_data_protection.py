"""Data protection: the audit chain's links and legal holds (issue 11).

Revision ID: 0003_data_protection
Revises: 0002_report_facts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_data_protection"
down_revision = "0002_report_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("link", sa.String(64), nullable=False),
    )
    op.create_table(
        "legal_holds",
        sa.Column("carer_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("placed_by", sa.String(64), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("legal_holds")
    op.drop_table("audit_chain")
