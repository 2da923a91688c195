"""Payment requests stored before the server dated their steps itself (issue 10 High 2)
are re-dated from the server's own evidence.

Before that change the server kept the submission, cancellation and payment dates a laptop
wrote (bounded to ``payment_date_allowance_days``). Each stored version of a record has the
server's own time of writing (``record_versions.at``): the version that moved a request to
submitted (cancelled, paid) was written when the server accepted that step. A migration has
no key to open the sealed payloads with, so this revision only records whether there is
anything to re-date: a database holding payment requests at upgrade is marked pending, and
the server re-dates them when it next starts with its key
(:func:`sync.server.payment_redating.redate_payment_steps`). A database with none (a new
one) is marked done, so requests the server stamps itself are never touched.

Revision ID: 0007_payment_redating
Revises: 0006_report_indexes
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_payment_redating"
down_revision = "0006_report_indexes"
branch_labels = None
depends_on = None

#: The counter :mod:`sync.server.payment_redating` reads (0 pending, 1 done).
COUNTER = "payment_redating"


def upgrade() -> None:
    held = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM records WHERE kind = 'payment_request'"))
        .scalar()
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": COUNTER, "value": 0 if held else 1}])


def downgrade() -> None:
    op.execute(f"DELETE FROM counters WHERE name = '{COUNTER}'")
