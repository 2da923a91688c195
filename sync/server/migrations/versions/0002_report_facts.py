"""Report columns: clear, indexed facts the server derives from each record it stores
(issue 11), so reports aggregate in SQL without opening payloads. Existing records are
filled in when the server next starts (``sync.server.reports.facts.ensure_current``): a
migration has no key to open them with.

Revision ID: 0002_report_facts
Revises: 0001_initial
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_report_facts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("record_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("carer_id", sa.String(64), nullable=True),
        sa.Column("team", sa.String(16), nullable=True),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.Column("referral_on", sa.Date, nullable=True),
        sa.Column("referral_source", sa.String(32), nullable=True),
        sa.Column("contacted_on", sa.Date, nullable=True),
        sa.Column("parent_carer", sa.Boolean, nullable=True),
        sa.Column("gp_registered", sa.Boolean, nullable=True),
        sa.Column("gp_encouraged_on", sa.Date, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("adult_on", sa.Date, nullable=True),
        sa.Column("first_assessed_on", sa.Date, nullable=True),
        sa.Column("started_on", sa.Date, nullable=True),
        sa.Column("completed_on", sa.Date, nullable=True),
        sa.Column("mode", sa.String(32), nullable=True),
        sa.Column("is_review", sa.Boolean, nullable=True),
        sa.Column("assessment", sa.Boolean, nullable=True),
        sa.Column("reviewed_on", sa.Date, nullable=True),
        sa.Column("review_due_on", sa.Date, nullable=True),
        sa.Column("wellbeing_score", sa.Integer, nullable=True),
        sa.Column("wellbeing_max", sa.Integer, nullable=True),
        sa.Column("previous_score", sa.Integer, nullable=True),
        sa.Column("previous_max", sa.Integer, nullable=True),
        sa.Column("goals_total", sa.Integer, nullable=True),
        sa.Column("goals_attained", sa.Integer, nullable=True),
        sa.Column("amount_pence", sa.Integer, nullable=True),
        sa.Column("purpose", sa.String(32), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("requested_on", sa.Date, nullable=True),
        sa.Column("submitted_on", sa.Date, nullable=True),
        sa.Column("decided_on", sa.Date, nullable=True),
        sa.Column("paid_on", sa.Date, nullable=True),
        sa.Column("created_on", sa.Date, nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("session_on", sa.Date, nullable=True),
        sa.Column("attended", sa.Boolean, nullable=True),
        sa.Column("joined_on", sa.Date, nullable=True),
        sa.Column("left_on", sa.Date, nullable=True),
    )
    op.create_index("ix_report_facts_carer_kind", "report_facts", ["carer_id", "kind"])
    op.create_index("ix_report_facts_kind_completed", "report_facts", ["kind", "completed_on"])
    op.create_index(
        "ix_report_facts_kind_first_assessed", "report_facts", ["kind", "first_assessed_on"]
    )
    op.create_index("ix_report_facts_kind_paid", "report_facts", ["kind", "paid_on"])
    op.create_index(
        "ix_report_facts_kind_gp_encouraged", "report_facts", ["kind", "gp_encouraged_on"]
    )
    op.create_index("ix_report_facts_kind_referral", "report_facts", ["kind", "referral_on"])
    op.create_index("ix_report_facts_kind_session", "report_facts", ["kind", "session_on"])
    op.create_index("ix_report_facts_kind_session_id", "report_facts", ["kind", "session_id"])
    op.create_index("ix_report_facts_kind_started", "report_facts", ["kind", "started_on"])
    op.create_index("ix_report_facts_kind_team", "report_facts", ["kind", "team"])


def downgrade() -> None:
    op.drop_table("report_facts")
