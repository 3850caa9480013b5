"""Storage backends for tests that run on each: memory, a SQLite file, PostgreSQL.

PostgreSQL is used when ``URGENTCASES_POSTGRES_URL`` names a server (CI sets
it); each storage gets a schema of its own, dropped when it is closed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from urgentcases import MemoryStorage, UnitOfWork
from urgentcases.adapters.sql import SqlStorage, create_schema, sqlite_engine

POSTGRES_URL = os.environ.get("URGENTCASES_POSTGRES_URL")
NO_POSTGRES = (
    "set URGENTCASES_POSTGRES_URL (e.g. postgresql+psycopg://postgres@"
    "127.0.0.1:5432/test) to run the PostgreSQL tests"
)
BACKENDS = ("memory", "sqlite", "postgres")


class Storage(Protocol):
    """What the tests need of a storage."""

    def unit_of_work(self) -> UnitOfWork: ...


class Opened:
    """A storage on a backend, and how to close it."""

    def __init__(self, storage: Storage, close: Callable[[], None]) -> None:
        self.storage = storage
        self.close = close


def open_storage(backend: str) -> Opened:
    """Empty storage on *backend*; skip the test when PostgreSQL is not configured."""
    if backend == "memory":
        return Opened(MemoryStorage(), lambda: None)
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="urgentcases-"))
        engine = sqlite_engine(folder / "cases.sqlite")
        return _sql(engine, engine.dispose)
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"uc_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(
        POSTGRES_URL,
        connect_args={"options": f"-csearch_path={schema}"},
        # Racing threads each hold a unit of work, and so a connection.
        pool_size=8,
        max_overflow=32,
    )

    def close() -> None:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return _sql(engine, close)


def _sql(engine: Engine, close: Callable[[], None]) -> Opened:
    create_schema(engine)
    return Opened(SqlStorage(engine), close)
