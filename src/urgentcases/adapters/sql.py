"""Cases in a relational database, through SQLAlchemy Core (``urgentcases[sql]``).

SQLite (a file, WAL, a busy timeout) is the embedded default; PostgreSQL is the
production path (``urgentcases[postgres]``). The schema is plain SQLAlchemy
`METADATA` a host can add to its own migrations; `create_schema` creates it in
a new database and records `SCHEMA_VERSION`, which `SqlStorage` checks.

Consistency is kept by the database: a case is updated only ``WHERE version =
:expected`` (no row: `ConflictError`), identifiers are unique per insurer by a
primary key, idempotency keys likewise. A link moves the tasks with one set-based
``UPDATE``; items follow their tasks without being touched.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from urgentcases._domain.forms import FieldError
from urgentcases._domain.model import (
    BudgetState,
    Case,
    CaseKind,
    CaseStatus,
    InsurerUser,
    ItemKind,
    LogAction,
    LogEntry,
    ReportedItem,
    Task,
)
from urgentcases._domain.policy import Permission
from urgentcases._domain.report import ReportCounts, Resolution
from urgentcases.exceptions import (
    CaseNotFoundError,
    ConflictError,
    DuplicateIdentifierError,
    InvalidFormError,
    StorageError,
)
from urgentcases.ports import CaseQuery

__all__ = [
    "METADATA",
    "SCHEMA_VERSION",
    "SchemaVersionError",
    "SqlStorage",
    "SqlUnitOfWork",
    "create_schema",
    "sqlite_engine",
]

SCHEMA_VERSION = 1
"""The schema version this release reads and writes."""

_ID = 100  # the longest identifier a column takes
_NAME = 300

METADATA = sa.MetaData()
"""The tables of urgent cases, for `create_schema` or a host's migrations."""

schema_info = sa.Table(
    "uc_schema", METADATA, sa.Column("version", sa.Integer, nullable=False)
)
cases = sa.Table(
    "uc_cases",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),  # UTC
    sa.Column("created_by", sa.String(_ID), nullable=False),
    sa.Column("office_id", sa.String(_ID)),
    sa.Column("partner_id", sa.String(_ID)),
    sa.Column("fields", sa.Text, nullable=False),  # JSON pairs
    sa.Column("event_code", sa.String(_ID)),
    sa.Column("case_number", sa.String(_ID)),
    sa.Column("handler_id", sa.String(_ID)),
    sa.Column("linked_into", sa.String(_ID)),
    sa.Column("permission", sa.String(32)),  # urgent cases: created under
    sa.Column("outside_hours", sa.Boolean),  # urgent cases: created outside hours
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("insurer_id", "case_number", name="uc_cases_case_number"),
)
# Written as literals, not bound values, so that a planner can prove that the
# partial index below covers a query without seeing its parameters (PostgreSQL
# generic plans, SQLite's covering-index check).
_OPEN_URGENT = sa.and_(
    cases.c.kind == sa.literal_column("'urgent'"),
    cases.c.status == sa.literal_column("'open'"),
)
sa.Index(
    "uc_cases_open_urgent",
    cases.c.insurer_id,
    cases.c.created_at,
    cases.c.id,
    postgresql_where=_OPEN_URGENT,
    sqlite_where=_OPEN_URGENT,
)
sa.Index("uc_cases_partner", cases.c.insurer_id, cases.c.partner_id)
# Without statistics SQLite picks among indexes that start alike by creation
# order, which SQLAlchemy does not fix: name the index for the urgent queries.
_SQLITE_OPEN_URGENT = "INDEXED BY uc_cases_open_urgent"
sa.Index("uc_cases_listing", cases.c.insurer_id, cases.c.created_at, cases.c.id)
identifiers = sa.Table(
    "uc_identifiers",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("identifier", sa.String(_ID), primary_key=True),
    sa.Column("case_id", sa.String(_ID), nullable=False),
    sa.ForeignKeyConstraint(
        ["insurer_id", "case_id"], ["uc_cases.insurer_id", "uc_cases.id"]
    ),
)
tasks = sa.Table(
    "uc_tasks",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("id", sa.String(2 * _ID), primary_key=True),
    sa.Column("case_id", sa.String(_ID), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("type", sa.String(_ID), nullable=False),
    sa.Column("office_id", sa.String(_ID)),
    sa.Column("budget", sa.String(16), nullable=False),
    sa.Column("origin_case_id", sa.String(_ID)),
    sa.ForeignKeyConstraint(
        ["insurer_id", "case_id"], ["uc_cases.insurer_id", "uc_cases.id"]
    ),
)
sa.Index("uc_tasks_case", tasks.c.insurer_id, tasks.c.case_id, tasks.c.position)
sa.Index("uc_tasks_office", tasks.c.insurer_id, tasks.c.office_id)
items = sa.Table(
    "uc_items",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("id", sa.String(3 * _ID), primary_key=True),
    sa.Column("task_id", sa.String(2 * _ID), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("reported_by", sa.String(_ID), nullable=False),
    sa.Column("reported_at", sa.DateTime(), nullable=False),  # UTC
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("file_name", sa.String(_NAME), nullable=False),
    sa.Column("content_type", sa.String(_ID), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("checksum", sa.String(_NAME), nullable=False),
    sa.Column("storage_uri", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["insurer_id", "task_id"], ["uc_tasks.insurer_id", "uc_tasks.id"]
    ),
)
sa.Index("uc_items_task", items.c.insurer_id, items.c.task_id, items.c.position)
log = sa.Table(
    "uc_log",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("case_id", sa.String(_ID), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(), nullable=False),  # UTC
    sa.Column("actor_id", sa.String(_ID), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("refs", sa.Text, nullable=False),  # JSON pairs
    sa.ForeignKeyConstraint(
        ["insurer_id", "case_id"], ["uc_cases.insurer_id", "uc_cases.id"]
    ),
)
sequences = sa.Table(
    "uc_sequences",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)
idempotency = sa.Table(
    "uc_idempotency",
    METADATA,
    sa.Column("insurer_id", sa.String(_ID), primary_key=True),
    sa.Column("key", sa.String(_NAME), primary_key=True),
    sa.Column("case_id", sa.String(_ID), nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=False),
)


class SchemaVersionError(StorageError):
    """The database's schema is missing or of another version than this release's."""


def sqlite_engine(path: str | Path, **options: Any) -> Engine:
    """An engine on a SQLite file with WAL, a 30 s busy timeout and foreign keys.

    Its pool keeps up to 40 connections, so that as many threads can each hold a
    unit of work (SQLite connections are cheap); *options* go to
    `sqlalchemy.create_engine` and may say otherwise.
    """
    options = {"pool_size": 8, "max_overflow": 32, **options}
    engine = sa.create_engine(f"sqlite:///{path}", **options)

    @sa.event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def create_schema(engine: Engine) -> None:
    """Create the tables in a new database and record `SCHEMA_VERSION`."""
    with engine.begin() as connection:
        METADATA.create_all(connection)
        if connection.execute(
            sa.select(sa.func.count()).select_from(schema_info)
        ).scalar():
            return
        connection.execute(schema_info.insert().values(version=SCHEMA_VERSION))


# -- rows and values ----------------------------------------------------------------


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((key, value) for key, value in json.loads(text))


def _check_text(values: Iterable[tuple[str, object, int | None]]) -> None:
    """Refuse what a database would choke on before it sees it."""
    errors = []
    for name, value, limit in values:
        if isinstance(value, str):
            if "\x00" in value:
                errors.append(FieldError(name, "invalid_character", "contains NUL"))
            elif limit is not None and len(value) > limit:
                errors.append(FieldError(name, "too_long", f"is longer than {limit}"))
    if errors:
        raise InvalidFormError(errors)


def _case_row(case: Case) -> dict[str, Any]:
    _check_text(
        [
            ("id", case.id, _ID),
            ("insurer_id", case.insurer_id, _ID),
            ("created_by", case.created_by, _ID),
            ("office_id", case.office_id, _ID),
            ("partner_id", case.partner_id, _ID),
            ("event_code", case.event_code, _ID),
            ("case_number", case.case_number, _ID),
            ("handler_id", case.handler_id, _ID),
            *((name, value, None) for name, value in case.fields),
        ]
    )
    return {
        "insurer_id": case.insurer_id,
        "id": case.id,
        "kind": case.kind.value,
        "status": case.status.value,
        "created_at": _naive_utc(case.created_at),
        "created_by": case.created_by,
        "office_id": case.office_id,
        "partner_id": case.partner_id,
        "fields": json.dumps(case.fields, ensure_ascii=False),
        "event_code": case.event_code,
        "case_number": case.case_number,
        "handler_id": case.handler_id,
        "linked_into": case.linked_into,
        "permission": None if case.permission is None else case.permission.value,
        "outside_hours": case.outside_office_hours,
        "version": case.version,
    }


def _task_row(case: Case, task: Task, position: int) -> dict[str, Any]:
    _check_text([("task.id", task.id, 2 * _ID), ("task.type", task.type, _ID)])
    return {
        "insurer_id": case.insurer_id,
        "id": task.id,
        "case_id": case.id,
        "position": position,
        "type": task.type,
        "office_id": task.office_id,
        "budget": task.budget.value,
        "origin_case_id": task.origin_case_id,
    }


def _item_row(
    insurer_id: str, task: Task, item: ReportedItem, position: int
) -> dict[str, Any]:
    _check_text(
        [
            ("item.id", item.id, 3 * _ID),
            ("text", item.text, None),
            ("file_name", item.file_name, _NAME),
            ("content_type", item.content_type, _ID),
            ("checksum", item.checksum, _NAME),
            ("storage_uri", item.storage_uri, None),
        ]
    )
    return {
        "insurer_id": insurer_id,
        "id": item.id,
        "task_id": task.id,
        "position": position,
        "kind": item.kind.value,
        "reported_by": item.reported_by,
        "reported_at": _naive_utc(item.reported_at),
        "text": item.text,
        "file_name": item.file_name,
        "content_type": item.content_type,
        "size": item.size,
        "checksum": item.checksum,
        "storage_uri": item.storage_uri,
    }


def _log_row(case: Case, entry: LogEntry, position: int) -> dict[str, Any]:
    return {
        "insurer_id": case.insurer_id,
        "case_id": case.id,
        "position": position,
        "at": _naive_utc(entry.at),
        "actor_id": entry.actor_id,
        "action": entry.action.value,
        "refs": json.dumps(entry.references, ensure_ascii=False),
    }


# -- storage --------------------------------------------------------------------------


class SqlStorage:
    """Cases in a database; ``SqlStorage(engine).unit_of_work`` makes units.

    Raises:
        SchemaVersionError: The database has no schema or one of another version.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            with engine.connect() as connection:
                found = (
                    connection.execute(sa.select(schema_info.c.version)).scalars().all()
                )
        except sa.exc.DBAPIError as error:
            raise SchemaVersionError(
                "no urgentcases schema in this database; run create_schema(engine) "
                "or the migrations"
            ) from error
        if found != [SCHEMA_VERSION]:
            raise SchemaVersionError(
                f"the database has schema version {found or 'none'}, this release "
                f"needs {SCHEMA_VERSION}; migrate it first"
            )

    def unit_of_work(self) -> SqlUnitOfWork:
        """Start a unit of work on its own connection."""
        return SqlUnitOfWork(self)

    def next_number(self, insurer_id: str) -> int:
        """Draw the insurer's next sequence number in a transaction of its own."""
        with _translated(), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Safe without waiting for the disk: a case that uses the number
                # commits later, synchronously, and so flushes this draw too;
                # a draw lost in a crash was used by no committed case.
                connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
            draw = (
                sequences.update()
                .where(sequences.c.insurer_id == insurer_id)
                .values(last_number=sequences.c.last_number + 1)
                .returning(sequences.c.last_number)
            )
            number = connection.execute(draw).scalar()
            if number is None:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            sequences.insert().values(
                                insurer_id=insurer_id, last_number=1
                            )
                        )
                    return 1
                except sa.exc.IntegrityError:
                    # Another writer made the insurer's row first: draw from it.
                    number = connection.execute(draw).scalar_one()
            return int(number)


@contextmanager
def _translated(duplicate: str | None = None) -> Iterator[None]:
    """Turn driver errors into the library's; *duplicate* names a unique write."""
    try:
        yield
    except sa.exc.IntegrityError as error:
        if duplicate == "key":
            raise ConflictError("the idempotency key was stored meanwhile") from error
        if duplicate is not None:
            raise DuplicateIdentifierError(
                f"{duplicate!r} is already a case of this insurer",
                reason="identifier_taken",
            ) from error
        raise StorageError(f"the database refused a write: {error.orig}") from error
    except sa.exc.DBAPIError as error:
        raise StorageError(f"the database failed: {error.orig}") from error


class SqlCases:
    """The `CaseRepository` of a `SqlUnitOfWork`."""

    def __init__(self, unit: SqlUnitOfWork) -> None:
        self._unit = unit
        self._seen: dict[tuple[str, str], Case] = {}

    @property
    def _connection(self) -> Connection:
        return self._unit.connection

    def _run(
        self, statement: Any, rows: Any = None, *, duplicate: str | None = None
    ) -> Any:
        with _translated(duplicate):
            if rows is None:
                return self._connection.execute(statement)
            return self._connection.execute(statement, rows)

    # -- reading ----------------------------------------------------------------------

    def _load(self, rows: Sequence[Any]) -> list[Case]:
        if not rows:
            return []
        insurer_ids = {row.insurer_id for row in rows}
        keys = [(row.insurer_id, row.id) for row in rows]
        case_ids = [row.id for row in rows]
        task_rows = self._run(
            sa.select(tasks)
            .where(tasks.c.insurer_id.in_(insurer_ids), tasks.c.case_id.in_(case_ids))
            .order_by(tasks.c.position)
        ).all()
        item_rows = (
            self._run(
                sa.select(items)
                .where(
                    items.c.insurer_id.in_(insurer_ids),
                    items.c.task_id.in_([row.id for row in task_rows]),
                )
                .order_by(items.c.position)
            ).all()
            if task_rows
            else []
        )
        log_rows = self._run(
            sa.select(log)
            .where(log.c.insurer_id.in_(insurer_ids), log.c.case_id.in_(case_ids))
            .order_by(log.c.position)
        ).all()
        by_task: dict[tuple[str, str], list[ReportedItem]] = {}
        for row in item_rows:
            by_task.setdefault((row.insurer_id, row.task_id), []).append(
                ReportedItem(
                    id=row.id,
                    kind=ItemKind(row.kind),
                    reported_by=row.reported_by,
                    reported_at=_aware(row.reported_at),
                    text=row.text,
                    file_name=row.file_name,
                    content_type=row.content_type,
                    size=row.size,
                    checksum=row.checksum,
                    storage_uri=row.storage_uri,
                )
            )
        by_case: dict[tuple[str, str], list[Task]] = {}
        for row in task_rows:
            by_case.setdefault((row.insurer_id, row.case_id), []).append(
                Task(
                    id=row.id,
                    type=row.type,
                    office_id=row.office_id,
                    budget=BudgetState(row.budget),
                    items=tuple(by_task.get((row.insurer_id, row.id), ())),
                    origin_case_id=row.origin_case_id,
                )
            )
        logs: dict[tuple[str, str], list[LogEntry]] = {}
        for row in log_rows:
            logs.setdefault((row.insurer_id, row.case_id), []).append(
                LogEntry(
                    at=_aware(row.at),
                    actor_id=row.actor_id,
                    action=LogAction(row.action),
                    references=_pairs(row.refs),
                )
            )
        loaded = []
        for row, key in zip(rows, keys, strict=True):
            case = Case(
                id=row.id,
                insurer_id=row.insurer_id,
                kind=CaseKind(row.kind),
                created_at=_aware(row.created_at),
                created_by=row.created_by,
                status=CaseStatus(row.status),
                office_id=row.office_id,
                partner_id=row.partner_id,
                fields=_pairs(row.fields),
                event_code=row.event_code,
                case_number=row.case_number,
                handler_id=row.handler_id,
                tasks=tuple(by_case.get(key, ())),
                log=tuple(logs.get(key, ())),
                linked_into=row.linked_into,
                permission=None
                if row.permission is None
                else Permission(row.permission),
                outside_office_hours=row.outside_hours,
                version=row.version,
            )
            self._seen[key] = case
            loaded.append(case)
        return loaded

    def get(self, insurer_id: str, case_id: str) -> Case:
        """See `CaseRepository.get`."""
        rows = self._run(
            sa.select(cases).where(
                cases.c.insurer_id == insurer_id, cases.c.id == case_id
            )
        ).all()
        if not rows:
            raise CaseNotFoundError(f"insurer {insurer_id} has no case {case_id!r}")
        return self._load(rows)[0]

    def find(self, insurer_id: str, identifier: str) -> Case | None:
        """See `CaseRepository.find`."""
        case_id = self._run(
            sa.select(identifiers.c.case_id).where(
                identifiers.c.insurer_id == insurer_id,
                identifiers.c.identifier == identifier,
            )
        ).scalar()
        return None if case_id is None else self.get(insurer_id, case_id)

    def list(self, query: CaseQuery) -> list[Case]:
        """See `CaseRepository.list`."""
        statement = (
            sa.select(cases)
            .where(_where(query))
            .order_by(cases.c.created_at, cases.c.id)
            .limit(query.limit)
        )
        if query.urgent_only:
            statement = statement.with_hint(cases, _SQLITE_OPEN_URGENT, "sqlite")
        return self._load(self._run(statement).all())

    def count_open_urgent(self, insurer_id: str) -> int:
        """See `CaseRepository.count_open_urgent`."""
        return int(
            self._run(
                sa.select(sa.func.count())
                .select_from(cases)
                .where(_where(CaseQuery(insurer_id, urgent_only=True)))
                .with_hint(cases, _SQLITE_OPEN_URGENT, "sqlite")
            ).scalar_one()
        )

    def report_counts(
        self, insurer_id: str, start: datetime, end: datetime
    ) -> ReportCounts:
        """See `ReportingRepository.report_counts`: counted in the database.

        One statement (see `_report_statement`) returns a row per group and
        per minute value, however many cases there are; the rows are summed
        into the counts here.

        Raises:
            StorageError: The database failed, or is neither SQLite nor
                PostgreSQL.
        """
        dialect = self._connection.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise StorageError(
                f"the report is counted in SQLite or PostgreSQL, not in {dialect}"
            )
        statement = _report_statement(dialect, insurer_id, start, end)
        with _translated():  # SQLite runs the statement as its rows are read
            rows = self._connection.execute(statement).all()
        groups: Counter[tuple[str, str, str | None, str, bool, str]] = Counter()
        to_resolution: dict[tuple[str, int], int] = {}
        to_first_item: dict[int, int] = {}
        tasks: Counter[str] = Counter()
        items = 0
        for row in rows:
            n = int(row.n)
            if row.part == _GROUPS:
                groups[
                    (
                        row.partner_id,
                        row.office_id,
                        row.event_code,
                        row.permission,
                        bool(row.outside_hours),
                        row.resolution,
                    )
                ] += n
                for task_type in json.loads(row.task_types or "[]"):
                    tasks[task_type] += n
                items += int(row.items)
            elif row.part == _TO_RESOLUTION:
                to_resolution[(row.resolution, int(row.minutes))] = n
            else:
                to_first_item[int(row.minutes)] = n
        return ReportCounts(
            groups=groups,
            to_resolution=to_resolution,
            to_first_item=to_first_item,
            tasks=tasks,
            items=items,
        )

    def next_number(self, insurer_id: str) -> int:
        """See `CaseRepository.next_number`."""
        return self._unit.storage.next_number(insurer_id)

    def idempotent(self, insurer_id: str, key: str) -> tuple[str, str] | None:
        """See `CaseRepository.idempotent`."""
        row = self._run(
            sa.select(idempotency.c.case_id, idempotency.c.fingerprint).where(
                idempotency.c.insurer_id == insurer_id, idempotency.c.key == key
            )
        ).first()
        return None if row is None else (row.case_id, row.fingerprint)

    # -- writing ----------------------------------------------------------------------

    def add(self, case: Case) -> None:
        """See `CaseRepository.add`."""
        if case.version != 1:
            raise ValueError(f"a new case has version 1, not {case.version}")
        row = _case_row(case)
        self._run(cases.insert(), row, duplicate=case.id)
        names = [case.id] + ([case.case_number] if case.case_number else [])
        for name in dict.fromkeys(names):
            self._run(
                identifiers.insert(),
                {"insurer_id": case.insurer_id, "identifier": name, "case_id": case.id},
                duplicate=name,
            )
        self._write_contents(case, stored=None)
        self._seen[(case.insurer_id, case.id)] = case

    def save(self, case: Case) -> None:
        """See `CaseRepository.save`."""
        key = (case.insurer_id, case.id)
        stored = self._seen.get(key) or self.get(*key)
        row = _case_row(case)
        updated = self._run(
            cases.update()
            .where(
                cases.c.insurer_id == case.insurer_id,
                cases.c.id == case.id,
                cases.c.version == case.version - 1,
            )
            .values(row)
        ).rowcount
        if updated != 1:
            raise ConflictError(
                f"case {case.id} changed since it was read; reload it and try again"
            )
        if case.case_number and case.case_number != stored.case_number:
            self._run(
                identifiers.insert().values(
                    insurer_id=case.insurer_id,
                    identifier=case.case_number,
                    case_id=case.id,
                ),
                duplicate=case.case_number,
            )
        self._write_contents(case, stored=stored)
        self._seen[key] = case

    def _write_contents(self, case: Case, stored: Case | None) -> None:
        """Write what is new in *case* since *stored*: tasks, items, log entries."""
        old_tasks = {} if stored is None else {task.id: task for task in stored.tasks}
        task_rows: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        moved_from: dict[str, int] = {}
        for position, task in enumerate(case.tasks):
            before = old_tasks.get(task.id)
            origin = task.origin_case_id
            if before is None and origin is not None and origin != case.id:
                # Linked in: the source's tasks move in one statement below, and
                # their items, which refer to the tasks, need not move at all.
                moved_from.setdefault(origin, position)
                continue
            if before is None:
                task_rows.append(_task_row(case, task, position))
                known = 0
            else:
                known = len(before.items)
                if (before.office_id, before.budget) != (task.office_id, task.budget):
                    self._run(
                        tasks.update()
                        .where(
                            tasks.c.insurer_id == case.insurer_id,
                            tasks.c.id == task.id,
                        )
                        .values(office_id=task.office_id, budget=task.budget.value)
                    )
            item_rows += [
                _item_row(case.insurer_id, task, item, index)
                for index, item in enumerate(task.items[known:], start=known)
            ]
        for source, first in moved_from.items():
            self._run(
                tasks.update()
                .where(tasks.c.insurer_id == case.insurer_id, tasks.c.case_id == source)
                .values(
                    case_id=case.id,
                    position=tasks.c.position + first,
                    origin_case_id=sa.func.coalesce(tasks.c.origin_case_id, source),
                )
            )
        if task_rows:
            self._run(tasks.insert(), task_rows, duplicate=task_rows[0]["id"])
        if item_rows:
            self._run(items.insert(), item_rows, duplicate=item_rows[0]["id"])
        logged = 0 if stored is None else len(stored.log)
        log_rows = [
            _log_row(case, entry, position)
            for position, entry in enumerate(case.log[logged:], start=logged)
        ]
        if log_rows:
            self._run(log.insert(), log_rows)

    def remember(
        self, insurer_id: str, key: str, case_id: str, fingerprint: str
    ) -> None:
        """See `CaseRepository.remember`."""
        _check_text([("idempotency_key", key, _NAME)])
        self._run(
            idempotency.insert().values(
                insurer_id=insurer_id, key=key, case_id=case_id, fingerprint=fingerprint
            ),
            duplicate="key",
        )


def _where(query: CaseQuery) -> Any:
    conditions = [cases.c.insurer_id == query.insurer_id]
    if query.urgent_only:
        conditions.append(_OPEN_URGENT)
    if query.kind is not None:
        conditions.append(cases.c.kind == query.kind.value)
    if query.status is not None:
        conditions.append(cases.c.status == query.status.value)
    if query.event_code is not None:
        conditions.append(cases.c.event_code == query.event_code)
    if query.after is not None:
        at, case_id = query.after
        conditions.append(
            sa.tuple_(cases.c.created_at, cases.c.id)
            > sa.tuple_(sa.literal(_naive_utc(at)), sa.literal(case_id))
        )
    user = query.visible_to
    if isinstance(user, InsurerUser):
        conditions.append(cases.c.insurer_id == user.insurer_id)
    elif user is not None:
        has_task = (
            sa.select(tasks.c.id)
            .where(
                tasks.c.insurer_id == cases.c.insurer_id,
                tasks.c.case_id == cases.c.id,
                tasks.c.office_id == user.office.id,
            )
            .exists()
        )
        conditions.append(sa.or_(cases.c.partner_id == user.partner_id, has_task))
    return sa.and_(*conditions)


# -- the report (R17) ----------------------------------------------------------------
#
# `SqlCases.report_counts` counts in the database what `aggregate` counts over the
# `case_facts` of a period's urgent cases, in one statement:
#
#   per_case  the insurer's urgent cases (permission set) created in [start, end),
#             each joined to its own log entries before `end` that the report
#             reads, GROUP BY case: item count, first item, conversion, link,
#             and the list of its tasks' types
#   facts     per case: the `CaseFacts` columns (resolution, whole minutes, ...)
#   then      UNION ALL of three GROUP BYs over facts, each row tagged with its
#             part: cases and items per group and list of task types (the
#             groups, the tasks per type and the item total are summed from
#             these), cases per (resolution, minutes), cases per minutes to the
#             first item.
#
# Only two expressions depend on the dialect: whole minutes between two stored
# timestamps, and the task type in a log entry's JSON references.

_GROUPS, _TO_RESOLUTION, _TO_FIRST_ITEM = "groups", "to_resolution", "to_first_item"
_MICROSECONDS_PER_MINUTE = 60_000_000


def _sqlite_microseconds(at: Any) -> Any:
    """Microseconds since the epoch of a timestamp stored by SQLAlchemy on SQLite.

    SQLite has no timestamp type: SQLAlchemy stores text such as
    ``2026-12-05 22:00:00.123456``. ``julianday`` is a float and loses the
    microseconds, so the whole seconds (``strftime('%s', ...)`` of the first 19
    characters) and the six digits after the point are read as integers.
    """
    seconds = sa.cast(sa.func.strftime("%s", sa.func.substr(at, 1, 19)), sa.Integer)
    fraction = sa.cast(sa.func.substr(at, 21, 6), sa.Integer)
    return seconds * 1_000_000 + fraction


def _whole_minutes(dialect: str, start: Any, end: Any) -> Any:
    """Whole minutes from *start* to *end* as `report._minutes` counts them.

    Rounded down, 0 when *end* is earlier, NULL when *end* is NULL, and exact to
    the microsecond: integer microseconds on SQLite; on PostgreSQL ``EXTRACT
    (EPOCH FROM interval)``, an exact numeric, and ``div``. Both truncate toward
    zero, which rounds down here: the span divided is never negative.
    """
    if dialect == "postgresql":
        minutes = sa.func.div(sa.extract("epoch", end - start), 60)
    else:
        span = _sqlite_microseconds(end) - _sqlite_microseconds(start)
        minutes = span // _MICROSECONDS_PER_MINUTE  # integers: SQL's plain "/"
    return sa.case((end < start, 0), else_=sa.cast(minutes, sa.Integer))


def _task_type(dialect: str, refs: Any) -> Any:
    """The ``type`` reference of a log entry's JSON references, or ``''``.

    The references are a JSON list of ``[name, value]`` pairs, and names are
    unique within an entry (keyword arguments of `lifecycle._entry`). A task's
    entry has ``type`` second (`lifecycle._task_entries`): that position is read
    directly, and any other layout falls back to searching the pairs, so that
    the result is always what `LogEntry.reference` returns.
    """
    second_name: Any
    second_value: Any
    search: Any
    if dialect == "postgresql":
        pairs = sa.cast(refs, postgresql.JSONB)
        second = pairs.op("->")(sa.literal_column("1"))
        second_name = second.op("->>")(sa.literal_column("0"))
        second_value = second.op("->>")(sa.literal_column("1"))
        # strict: no implicit unwrapping of the pairs; silent: skip odd ones.
        search = sa.func.jsonb_path_query_first(
            pairs,
            sa.literal_column("""'strict $[*] ? (@[0] == "type")[1]'"""),
            sa.literal_column("'{}'"),
            sa.true(),
        ).op("#>>")(sa.literal_column("'{}'"))
    else:
        second_name = sa.func.json_extract(refs, "$[1][0]")
        second_value = sa.func.json_extract(refs, "$[1][1]")
        pair = sa.func.json_each(refs).table_valued("key", "value").alias("pair")
        search = (  # json_each walks the list in order
            sa.select(sa.func.json_extract(pair.c.value, "$[1]"))
            .where(sa.func.json_extract(pair.c.value, "$[0]") == "type")
            .limit(1)
            .scalar_subquery()
        )
    found = sa.case((second_name == "type", second_value), else_=search)
    return sa.func.coalesce(found, "")


def _task_types(dialect: str, task_type: Any, added: Any) -> Any:
    """A case's task types as a JSON list, in any order: the types of *added*."""
    if dialect == "postgresql":
        return sa.cast(sa.func.json_agg(task_type).filter(added), sa.Text)
    return sa.func.json_group_array(task_type).filter(added)


def _report_statement(
    dialect: str, insurer_id: str, start: datetime, end: datetime
) -> Any:
    """The statement of `SqlCases.report_counts`; see the comment above."""
    until = _naive_utc(end)
    action = log.c.action

    def when(what: LogAction, value: Any) -> Any:
        return sa.case((action == what.value, value))

    # Grouped by the listing index's columns, which hold the primary key:
    # SQLite walks the period in that index and aggregates each case as it
    # goes, without sorting; PostgreSQL may select the other columns of
    # uc_cases because its primary key is grouped. A case has at most one
    # conversion or link (the lifecycle allows one); MAX merely picks it.
    per_case = (
        sa.select(
            cases.c.created_at,
            cases.c.partner_id,
            cases.c.office_id,
            cases.c.event_code,
            cases.c.permission,
            cases.c.outside_hours,
            sa.func.count(when(LogAction.ITEM_REPORTED, 1)).label("item_count"),
            sa.func.min(when(LogAction.ITEM_REPORTED, log.c.at)).label("first_item"),
            sa.func.max(when(LogAction.CONVERTED, log.c.at)).label("converted_at"),
            sa.func.max(when(LogAction.LINKED_INTO, log.c.at)).label("linked_at"),
            _task_types(
                dialect,
                _task_type(dialect, log.c.refs),
                action == LogAction.TASK_ADDED.value,
            ).label("task_types"),
        )
        .select_from(
            cases.outerjoin(
                log,
                sa.and_(
                    log.c.insurer_id == cases.c.insurer_id,
                    log.c.case_id == cases.c.id,
                    log.c.at < until,
                    action.in_(
                        [
                            LogAction.ITEM_REPORTED.value,
                            LogAction.CONVERTED.value,
                            LogAction.LINKED_INTO.value,
                            LogAction.TASK_ADDED.value,
                        ]
                    ),
                ),
            )
        )
        .where(
            cases.c.insurer_id == insurer_id,
            cases.c.permission.is_not(None),
            cases.c.created_at >= _naive_utc(start),
            cases.c.created_at < until,
        )
        .group_by(cases.c.insurer_id, cases.c.created_at, cases.c.id)
        .cte("per_case")
    )
    resolved_at = sa.func.coalesce(per_case.c.converted_at, per_case.c.linked_at)
    # Every branch below reads it, so both databases compute it once.
    facts = sa.select(
        per_case.c.partner_id,
        per_case.c.office_id,
        per_case.c.event_code,
        per_case.c.permission,
        sa.func.coalesce(per_case.c.outside_hours, sa.false()).label("outside_hours"),
        sa.case(
            (per_case.c.converted_at.is_not(None), Resolution.CONVERTED.value),
            (per_case.c.linked_at.is_not(None), Resolution.LINKED.value),
            else_=Resolution.OPEN.value,
        ).label("resolution"),
        _whole_minutes(dialect, per_case.c.created_at, resolved_at).label(
            "to_resolution"
        ),
        _whole_minutes(dialect, per_case.c.created_at, per_case.c.first_item).label(
            "to_first_item"
        ),
        per_case.c.item_count,
        per_case.c.task_types,
    ).cte("facts")

    def part(name: str) -> Any:
        return sa.literal_column(f"'{name}'", sa.String).label("part")

    none = sa.null()
    n = sa.func.count().label("n")
    group = (
        facts.c.partner_id,
        facts.c.office_id,
        facts.c.event_code,
        facts.c.permission,
        facts.c.outside_hours,
        facts.c.resolution,
        facts.c.task_types,
    )
    return sa.union_all(
        sa.select(
            part(_GROUPS),
            *group,
            none.label("minutes"),
            n,
            sa.func.sum(facts.c.item_count).label("items"),
        ).group_by(*group),
        sa.select(
            part(_TO_RESOLUTION),
            *[none] * 5,
            facts.c.resolution,
            none,
            facts.c.to_resolution,
            n,
            none,
        )
        .where(facts.c.to_resolution.is_not(None))
        .group_by(facts.c.resolution, facts.c.to_resolution),
        sa.select(part(_TO_FIRST_ITEM), *[none] * 7, facts.c.to_first_item, n, none)
        .where(facts.c.to_first_item.is_not(None))
        .group_by(facts.c.to_first_item),
    )


class SqlUnitOfWork:
    """A transaction on its own connection; rolls back unless committed."""

    def __init__(self, storage: SqlStorage) -> None:
        self.storage = storage
        self._connection: Connection | None = None
        self.cases = SqlCases(self)

    @property
    def connection(self) -> Connection:
        """The unit's connection, opened (and its transaction begun) on first use."""
        if self._connection is None:
            with _translated():
                self._connection = self.storage.engine.connect()
        return self._connection

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        """See `UnitOfWork.commit`."""
        if self._connection is not None:
            with _translated():
                self._connection.commit()
        self.cases = SqlCases(self)

    def rollback(self) -> None:
        """See `UnitOfWork.rollback`."""
        if self._connection is not None:
            self._connection.rollback()
        self.cases = SqlCases(self)
