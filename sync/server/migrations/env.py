"""Alembic environment, run programmatically by :func:`sync.server.migrate.upgrade`.

The caller hands over an open connection in ``config.attributes["connection"]``, so
migrations run inside the server's own engine and transaction (SQLite or PostgreSQL).
"""

from __future__ import annotations

from alembic import context

from sync.server.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
