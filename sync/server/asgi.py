"""The server as an ASGI application for worker processes: ``carer-desk-server serve
--workers N`` starts N of them, and any ASGI server can run it on more hosts::

    CARER_DESK_SERVER_DATA_DIR=/srv/carer-desk \\
    CARER_DESK_SERVER_DATABASE=postgresql://carerdesk@db/carerdesk \\
    uvicorn --factory sync.server.asgi:app --workers 4 --host 127.0.0.1 --port 8470

Each worker process builds its own app (its own connection pool and key ring) from the
environment; docs/operations.md says how many to run and what they share.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI

from sync.server.app import create_app, freeze_start_up
from sync.server.settings import DatabasePool, ServerSettings

DATA_DIR_ENV = "CARER_DESK_SERVER_DATA_DIR"
DATABASE_ENV = "CARER_DESK_SERVER_DATABASE"
POOL_SIZE_ENV = "CARER_DESK_SERVER_DB_POOL_SIZE"
POOL_OVERFLOW_ENV = "CARER_DESK_SERVER_DB_POOL_OVERFLOW"


def settings_from_environment() -> ServerSettings:
    data_dir = os.environ.get(DATA_DIR_ENV)
    pool = DatabasePool()  # the defaults, for whatever the environment leaves out
    pool = DatabasePool(
        size=int(os.environ.get(POOL_SIZE_ENV, pool.size)),
        overflow=int(os.environ.get(POOL_OVERFLOW_ENV, pool.overflow)),
    )
    return ServerSettings.for_data_dir(
        Path(data_dir) if data_dir else None,
        os.environ.get(DATABASE_ENV) or None,
        database_pool=pool,
    )


def app() -> FastAPI:
    """The app factory uvicorn calls in each worker process (``--factory``)."""
    if not logging.getLogger().handlers:  # a spawned worker starts with no logging set up
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app = create_app(settings_from_environment())
    freeze_start_up()
    return app
