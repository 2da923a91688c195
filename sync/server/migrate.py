"""Programmatic Alembic: bring a database to the newest schema.

The migration scripts ship inside the package (``sync/server/migrations``), so an
installed server migrates itself at start-up with no alembic.ini on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: The PostgreSQL advisory lock held while migrating ("CDmg").
MIGRATION_LOCK = 0x43446D67


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate to head inside one transaction (PostgreSQL DDL is transactional).

    Several server processes may start at once against one database: they migrate one
    at a time (an advisory lock on PostgreSQL, the write lock on SQLite), and each looks
    at the revision again once it holds the lock, so a migration never runs twice."""
    if current_revision(engine) == head_revision():
        return
    cfg = _config()
    with engine.connect() as conn:
        # On SQLite this makes the transaction BEGIN IMMEDIATE (see store.make_engine).
        conn = conn.execution_options(carer_desk_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            before = MigrationContext.configure(conn).get_current_revision()
            if before == head_revision():
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    log.info("database migrated from %s to %s", before or "empty", head_revision())
