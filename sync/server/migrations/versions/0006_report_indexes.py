"""Report columns: two more indexes for the quarterly report on PostgreSQL (issue 11).

The point-in-time figures (open carers registered with their GP at the period's end) and
the self-assessment KPI scanned every carer or every conversation of the years held; with
these the database reads only the rows that match (bench/reports.py).

Revision ID: 0006_report_indexes
Revises: 0005_restore_generation
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0006_report_indexes"
down_revision = "0005_restore_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_report_facts_kind_open_gp",
        "report_facts",
        ["kind", "referral_on", "closed_on", "gp_registered"],
    )
    op.create_index(
        "ix_report_facts_kind_mode_started", "report_facts", ["kind", "mode", "started_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_facts_kind_mode_started", table_name="report_facts")
    op.drop_index("ix_report_facts_kind_open_gp", table_name="report_facts")
