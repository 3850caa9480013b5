"""The SQL storage keeps every promise of the storage contract: SQLite, PostgreSQL.

PostgreSQL tests need a server: set ``URGENTCASES_POSTGRES_URL`` to a SQLAlchemy
URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/test``. Each test gets
a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from urgentcases.adapters.sql import (
    SCHEMA_VERSION,
    SchemaVersionError,
    SqlStorage,
    SqlUnitOfWork,
    create_schema,
    schema_info,
    sqlite_engine,
)
from urgentcases.testing import CaseStorageContract, ContractStorage

POSTGRES_URL = os.environ.get("URGENTCASES_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="set URGENTCASES_POSTGRES_URL (e.g. postgresql+psycopg://postgres@"
    "127.0.0.1:5432/test) to run the PostgreSQL tests",
)


class _FailingUnit(SqlUnitOfWork):
    """A unit whose n-th statement, read or write, fails as the database would.

    Failing reads too is stricter than the contract asks (its n-th write).
    """

    def __init__(self, storage: SqlStorage, fail_at: int) -> None:
        super().__init__(storage)
        self._fail_at = fail_at
        self._statements = 0

    @property
    def connection(self) -> Connection:
        opened = self._connection is None
        connection = super().connection
        if opened:
            sa.event.listen(connection, "before_cursor_execute", self._count)
        return connection

    def _count(self, *args: Any, **kwargs: Any) -> None:
        statement: str = args[2]
        self._statements += 1
        if self._statements == self._fail_at:
            raise sa.exc.OperationalError(
                statement, None, RuntimeError(f"injected at statement {self._fail_at}")
            )


def contract_storage(engine: Engine) -> ContractStorage:
    create_schema(engine)
    storage = SqlStorage(engine)
    return ContractStorage(
        units=storage.unit_of_work,
        failing_units=lambda n: lambda: _FailingUnit(storage, n),
    )


class TestSqliteStorage(CaseStorageContract):
    """The contract suite, unchanged, against a SQLite file."""

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> Iterator[None]:
        self.folder = tmp_path
        self.engines: list[Engine] = []
        yield
        for engine in self.engines:
            engine.dispose()

    def make_storage(self) -> ContractStorage:
        engine = sqlite_engine(self.folder / f"{uuid.uuid4().hex}.sqlite")
        self.engines.append(engine)
        return contract_storage(engine)


def postgres_engine(schema: str) -> Engine:
    assert POSTGRES_URL is not None
    return sa.create_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}
    )


@pytest.fixture
def postgres_schema() -> Iterator[Callable[[], Engine]]:
    """Engines on fresh schemas, dropped when the test ends."""
    made: list[tuple[str, Engine]] = []

    def make() -> Engine:
        schema = f"uc_{uuid.uuid4().hex[:12]}"
        assert POSTGRES_URL is not None
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        engine = postgres_engine(schema)
        made.append((schema, engine))
        return engine

    yield make
    for schema, engine in made:
        engine.dispose()
        admin = sa.create_engine(POSTGRES_URL or "")
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@needs_postgres
class TestPostgresStorage(CaseStorageContract):
    """The contract suite, unchanged, against PostgreSQL."""

    @pytest.fixture(autouse=True)
    def _schemas(self, postgres_schema: Callable[[], Engine]) -> None:
        self.new_engine = postgres_schema

    def make_storage(self) -> ContractStorage:
        return contract_storage(self.new_engine())


class TestSchemaVersion:
    def test_a_database_without_the_schema_is_refused(self, tmp_path: Path) -> None:
        """SqlStorage on an empty database says to create or migrate the schema."""
        engine = sqlite_engine(tmp_path / "empty.sqlite")
        with pytest.raises(SchemaVersionError, match="create_schema"):
            SqlStorage(engine)
        engine.dispose()

    def test_another_schema_version_is_refused(self, tmp_path: Path) -> None:
        """A recorded version other than this release's is refused, naming both."""
        engine = sqlite_engine(tmp_path / "old.sqlite")
        create_schema(engine)
        with engine.begin() as connection:
            connection.execute(schema_info.update().values(version=SCHEMA_VERSION + 1))
        with pytest.raises(SchemaVersionError, match=str(SCHEMA_VERSION + 1)):
            SqlStorage(engine)
        engine.dispose()

    def test_creating_the_schema_twice_is_harmless(self, tmp_path: Path) -> None:
        """create_schema on an existing database records the version once."""
        engine = sqlite_engine(tmp_path / "twice.sqlite")
        create_schema(engine)
        create_schema(engine)
        with engine.connect() as connection:
            assert connection.execute(
                sa.select(schema_info.c.version)
            ).scalars().all() == [SCHEMA_VERSION]
        SqlStorage(engine)
        engine.dispose()
