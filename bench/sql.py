r"""Benchmark the SQL storage on SQLite (a file, WAL) and PostgreSQL, side by side.

One run measures, on both databases:

1. create throughput with 1 and 4 writer threads: ``service.create(...)`` of an
   urgent case with one first-aid task, without and with an idempotency key,
   against a bare SQLAlchemy Core insert of an equivalent row into ``uc_cases``
   on the same engine (one transaction per insert, same thread count). The cost
   ratio ours/bare is bare cases/s divided by ours (target: at most 2x). The
   statements and commits one create issues are counted with a
   ``before_cursor_execute`` listener;
2. the latency of ``service.link(...)`` of an urgent case into a normal case,
   for 5 tasks / 100 reported items and for 50 tasks / 1,000 items (median of
   several runs, each on a fresh pair), and its statements, which must not grow
   with the items. The urgent case is built through the adapter's own write
   path (``unit.cases.add`` of a `Case` value with every task, item and log
   entry: one executemany per table), not through a thousand ``report`` calls;
3. at 1,000,000 stored cases of one insurer (1% open urgent, 9% discontinued
   urgent, the rest normal; created over two years), generated inside the
   database (PostgreSQL ``generate_series``, a recursive CTE on SQLite), with a
   task, an item and two log entries for each open urgent case: the pending
   count ``unit.cases.count_open_urgent``, the first page of the urgent-only
   list (limit 50) and a deep page (``after=`` the middle of the list), each
   timed as a host calls it (a fresh unit of work: pool checkout, query,
   rollback), median of 20 runs after two warm-ups. They are timed as loaded
   (PostgreSQL analysed, SQLite as the library leaves it), again after
   maintenance (SQLite ``ANALYZE``, PostgreSQL ``VACUUM (ANALYZE)``, as
   autovacuum would), and on PostgreSQL once more with generic plans forced
   (``plan_cache_mode``), the plans a server may pick for prepared statements.
   The plans of the library's own statements are printed (``EXPLAIN ANALYZE``
   on PostgreSQL, also as a generic plan; ``EXPLAIN QUERY PLAN`` on SQLite),
   and, for SQLite, the index it picks without statistics for each order in
   which ``create_schema`` may create the indexes of ``uc_cases``.

Targets are marked PASS or MISS; a MISS does not fail the run. The run fails
(exit status 1) when a result is wrong: a count, a page, or a link that lost
tasks or items.

Each run uses a throwaway SQLite file in a temporary folder and a throwaway
PostgreSQL schema (``uc_bench_<random>``), dropped at the end even on failure.
Without ``URGENTCASES_POSTGRES_URL`` the PostgreSQL half is skipped. Run from the
project root::

    URGENTCASES_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/sql.py [--quick]

``--quick`` is a smoke run: 100,000 cases, shorter timings, fewer repeats.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateIndex, CreateTable

from urgentcases import (
    FIRST_AID,
    Case,
    CaseKind,
    CaseQuery,
    CaseStatus,
    Grant,
    Insurer,
    InsurerUser,
    ItemKind,
    LogAction,
    LogEntry,
    Office,
    OfficeHours,
    PartnerUser,
    Permission,
    ReportedItem,
    Task,
    TaskRequest,
    UrgentCaseForm,
    UrgentCaseService,
    create_urgent_case,
    grant,
    page_key,
)
from urgentcases.adapters.sql import METADATA, SqlStorage, create_schema, sqlite_engine

URL_VARIABLE = "URGENTCASES_POSTGRES_URL"
SQLITE, POSTGRES = "SQLite", "PostgreSQL"

CASES = METADATA.tables["uc_cases"]
TASKS = METADATA.tables["uc_tasks"]
ITEMS = METADATA.tables["uc_items"]
LOG = METADATA.tables["uc_log"]

# -- the world: an insurer open for urgent cases at any instant (ALWAYS) ----------

HOURS = OfficeHours.weekdays()
OFFICE = Office("bench-office", "bench-partner", "Bench Skadeservice")
PARTNER = PartnerUser("bench-partner-user", OFFICE)
AT = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # a Saturday night
FORM = UrgentCaseForm(
    policyholder="Søren Åberg",
    address="Æblevej 7, 8000 Aarhus C",
    loss_date=date(2026, 12, 5),
    description="Vandskade efter skybrud; kælderen står under vand.",
    policy_number="P-123456",
    tasks=(TaskRequest(FIRST_AID, OFFICE),),
)
FIELDS_JSON = json.dumps(FORM.text_fields(), ensure_ascii=False)


@dataclass(frozen=True)
class World:
    """One insurer of a section, its grant and a staff user who may link."""

    insurer: Insurer
    staff: InsurerUser

    @property
    def grant(self) -> Grant:
        """What the insurer allows the office: creation at any instant."""
        return grant(self.insurer, OFFICE, Permission.ALWAYS)


def world(insurer_id: str) -> World:
    insurer = Insurer(insurer_id, f"Bench {insurer_id}", HOURS)
    return World(insurer, InsurerUser(f"{insurer_id}-staff", insurer_id, 6))


# -- sizes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How much one run does."""

    cases: int  # stored cases of section 3
    create_seconds: float  # one timed create cell
    create_rounds: int  # interleaved rounds per cell (median taken)
    breakdown_calls: int  # calls timed for the parts of one create
    link_runs: int
    latency_runs: int


FULL = Sizes(1_000_000, 2.5, 3, 500, 7, 20)
QUICK = Sizes(100_000, 0.6, 2, 100, 3, 10)

CREATE_TARGET = 2.0  # ours/bare cost, at most
COUNT_TARGET_MS = 5.0  # PostgreSQL pending count, under
PAGE_TARGET_MS = 20.0  # PostgreSQL first urgent-only page, under
LINK_SIZES = ((5, 100), (50, 1_000))


def log_progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- backends ----------------------------------------------------------------------


@dataclass
class Backend:
    """A database under test: its engine, storage and service."""

    name: str
    engine: Engine
    storage: SqlStorage = field(init=False)
    service: UrgentCaseService = field(init=False)
    generic: SqlStorage | None = None  # PostgreSQL forced to generic plans

    def __post_init__(self) -> None:
        create_schema(self.engine)
        self.storage = SqlStorage(self.engine)
        self.service = UrgentCaseService(self.storage.unit_of_work)

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL (else SQLite)."""
        return self.engine.dialect.name == "postgresql"


@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="uc_bench_") as folder:
        engine = sqlite_engine(Path(folder) / "bench.sqlite")
        try:
            yield Backend(SQLITE, engine)
        finally:
            engine.dispose()


@contextmanager
def postgres_backend(url: str) -> Iterator[Backend]:
    schema = f"uc_bench_{secrets.token_hex(6)}"
    admin = sa.create_engine(url, poolclass=sa.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = f"-csearch_path={schema}"
    engine = sa.create_engine(url, connect_args={"options": options})
    generic = sa.create_engine(
        url,
        connect_args={"options": f"{options} -cplan_cache_mode=force_generic_plan"},
    )
    try:
        backend = Backend(POSTGRES, engine)
        backend.generic = SqlStorage(generic)
        yield backend
    finally:
        generic.dispose()
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        log_progress(f"dropped schema {schema}")


# -- counting statements -----------------------------------------------------------


@dataclass
class Executed:
    """One cursor execution seen by the listener."""

    statement: str
    parameters: Any
    many: bool


class StatementCounter:
    """Records the statements and commits of an engine while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.executed: list[Executed] = []
        self.commits = 0

    def _on_execute(
        self,
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        self.executed.append(Executed(statement, parameters, executemany))

    def _on_commit(self, connection: Connection) -> None:
        self.commits += 1

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)
        sa.event.listen(self.engine, "commit", self._on_commit)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)
        sa.event.remove(self.engine, "commit", self._on_commit)

    def summary(self) -> list[str]:
        """The recorded statements, one `describe` each."""
        return [describe(executed) for executed in self.executed]


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def describe(executed: Executed) -> str:
    """``SELECT uc_items (51 params)``: the verb, the table, the bound values."""
    verb = executed.statement.split(None, 1)[0].upper()
    found = _TABLE.search(executed.statement)
    table = found.group(1) if found else "?"
    parameters = executed.parameters
    if executed.many:
        return f"{verb} {table} (executemany, {len(parameters)} rows)"
    count = len(parameters) if parameters is not None else 0
    return f"{verb} {table} ({count} params)"


# -- results -----------------------------------------------------------------------


@dataclass
class Results:
    """Every measured value by (row key, backend name), and what went wrong."""

    values: dict[tuple[str, str], float] = field(default_factory=dict)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        """Record *message* as a wrong result unless *ok*."""
        if not ok:
            self.problems.append(message)
            log_progress(f"WRONG: {message}")


# -- 1. create throughput ----------------------------------------------------------

Operation = Callable[[int, int], None]


def throughput(operation: Operation, threads: int, seconds: float) -> float:
    """Run *operation(thread, n)* in *threads* threads for *seconds*; ops per s."""
    start_line = threading.Barrier(threads + 1)
    stop = threading.Event()
    done = [0] * threads
    errors: list[BaseException] = []

    def work(index: int) -> None:
        start_line.wait()
        n = 0
        try:
            while not stop.is_set():
                operation(index, n)
                n += 1
        except BaseException as error:
            errors.append(error)
        done[index] = n

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return sum(done) / elapsed


class Creators:
    """The three writers of section 1 on one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.world = world("bench-create")
        self.grant = self.world.grant
        self.round = 0

    def ours(self, thread: int, n: int) -> None:
        """Create an urgent case through the service."""
        self.backend.service.create(
            user=PARTNER, insurer=self.world.insurer, grant=self.grant, form=FORM, at=AT
        )

    def ours_keyed(self, thread: int, n: int) -> None:
        """Create one through the service with a fresh idempotency key."""
        self.backend.service.create(
            user=PARTNER,
            insurer=self.world.insurer,
            grant=self.grant,
            form=FORM,
            at=AT,
            idempotency_key=f"request-{self.round}-{thread}-{n}",
        )

    def bare(self, thread: int, n: int) -> None:
        """Insert an equivalent row into uc_cases, one transaction."""
        row = {
            "insurer_id": self.world.insurer.id,
            "id": f"Bare-{self.round}-{thread}-{n}",
            "kind": "urgent",
            "status": "open",
            "created_at": AT.replace(tzinfo=None),
            "created_by": PARTNER.id,
            "office_id": OFFICE.id,
            "partner_id": OFFICE.partner_id,
            "fields": FIELDS_JSON,
            "event_code": None,
            "case_number": None,
            "handler_id": None,
            "linked_into": None,
            "version": 1,
        }
        with self.backend.engine.begin() as connection:
            connection.execute(CASES.insert(), row)


CREATE_VARIANTS = (
    ("bare", "bare Core insert into uc_cases"),
    ("ours", "service.create"),
    ("ours_keyed", "service.create + idempotency key"),
)


def per_call_ms(call: Callable[[], object], calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - began) / calls * 1e3


def run_create(backends: Sequence[Backend], sizes: Sizes, results: Results) -> None:
    for backend in backends:
        creators = Creators(backend)
        operations: dict[str, Operation] = {
            "bare": creators.bare,
            "ours": creators.ours,
            "ours_keyed": creators.ours_keyed,
        }
        # Count the statements of one create (after the sequence row exists).
        creators.ours(0, 0)
        for key, operation in operations.items():
            with StatementCounter(backend.engine) as counter:
                operation(0, 10**9)
            results.values[(f"create.statements.{key}", backend.name)] = len(
                counter.executed
            )
            results.values[(f"create.commits.{key}", backend.name)] = counter.commits
            if key != "bare":
                results.statements.append(
                    f"{backend.name}, one {dict(CREATE_VARIANTS)[key]}: "
                    + ", ".join(counter.summary())
                )
        for threads in (1, 4):
            rates: dict[str, list[float]] = {key: [] for key in operations}
            for operation in operations.values():  # warm-up
                creators.round += 1
                throughput(operation, threads, min(0.3, sizes.create_seconds))
            for round_ in range(sizes.create_rounds):
                for key, operation in operations.items():
                    creators.round += 1
                    rate = throughput(operation, threads, sizes.create_seconds)
                    rates[key].append(rate)
                    log_progress(
                        f"{backend.name}: create {key}, {threads} thread(s), round "
                        f"{round_ + 1}: {rate:,.0f} cases/s"
                    )
            for key, measured in rates.items():
                results.values[(f"create.{threads}.{key}", backend.name)] = (
                    statistics.median(measured)
                )
        # Where the time of one create goes, single-threaded.
        insurer, calls = creators.world.insurer, sizes.breakdown_calls
        results.values[("create.sequence_ms", backend.name)] = per_call_ms(
            partial(backend.storage.next_number, insurer.id), calls
        )
        results.values[("create.lifecycle_ms", backend.name)] = per_call_ms(
            partial(
                create_urgent_case,
                insurer=insurer,
                grant=creators.grant,
                user=PARTNER,
                form=FORM,
                at=AT,
                number=1,
            ),
            calls,
        )
        with backend.storage.unit_of_work() as unit:
            pending = unit.cases.count_open_urgent(insurer.id)
        results.check(pending > 0, f"{backend.name}: no case was created")


# -- 2. link -----------------------------------------------------------------------


class Linker:
    """Builds fresh urgent/normal pairs in one backend and links them."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.world = world("bench-link")
        self.number = 0

    def urgent_case(self, tasks: int, items: int) -> Case:
        """An open urgent case as the service would have stored it, built at once.

        Its tasks are assigned to the office; the items are spread evenly over
        the tasks; the log has the creation, each assignment and each report.
        """
        self.number += 1
        case_id = f"Akut-{self.number:06d}"
        when = AT
        log = [LogEntry(when, PARTNER.id, LogAction.CREATED, (("office", OFFICE.id),))]
        built = []
        for index in range(1, tasks + 1):
            task_id = f"{case_id}/T{index}"
            log.append(
                LogEntry(
                    when,
                    PARTNER.id,
                    LogAction.TASK_ASSIGNED,
                    (("task", task_id), ("office", OFFICE.id)),
                )
            )
            share = items // tasks + (1 if index <= items % tasks else 0)
            reported = []
            for position in range(1, share + 1):
                item_id = f"{task_id}/{position}"
                reported.append(
                    ReportedItem(
                        id=item_id,
                        kind=ItemKind.PHOTO,
                        reported_by=PARTNER.id,
                        reported_at=when,
                        file_name=f"photo-{position}.jpg",
                        content_type="image/jpeg",
                        size=2_345_678,
                        checksum="sha256:" + "ab" * 32,
                        storage_uri=f"s3://bench-bucket/{item_id}.jpg",
                    )
                )
                log.append(
                    LogEntry(
                        when,
                        PARTNER.id,
                        LogAction.ITEM_REPORTED,
                        (("task", task_id), ("item", item_id)),
                    )
                )
            built.append(
                Task(task_id, FIRST_AID, office_id=OFFICE.id, items=tuple(reported))
            )
        return Case(
            id=case_id,
            insurer_id=self.world.insurer.id,
            kind=CaseKind.URGENT,
            created_at=when,
            created_by=PARTNER.id,
            office_id=OFFICE.id,
            partner_id=OFFICE.partner_id,
            fields=FORM.text_fields(),
            tasks=tuple(built),
            log=tuple(log),
        )

    def pair(self, tasks: int, items: int) -> tuple[Case, Case]:
        """Store a fresh urgent case and a fresh normal case to link it into."""
        source = self.urgent_case(tasks, items)
        with self.backend.storage.unit_of_work() as unit:
            unit.cases.add(source)
            unit.commit()
        target = self.backend.service.open_normal_case(
            insurer=self.world.insurer,
            case_number=f"N-{self.number:06d}",
            handler=self.world.staff,
            at=AT,
        )
        return source, target

    def link(self, source: Case, target: Case) -> float:
        """Link *source* into *target*; return the seconds the call took."""
        began = time.perf_counter()
        self.backend.service.link(
            user=self.world.staff,
            insurer=self.world.insurer,
            case_id=source.id,
            target_id=target.id,
            at=AT + timedelta(hours=1),
        )
        return time.perf_counter() - began

    def verify(self, source: Case, target: Case, results: Results) -> None:
        """Check that the stored target has every task and item of *source*."""
        with self.backend.storage.unit_of_work() as unit:
            stored_source = unit.cases.get(self.world.insurer.id, source.id)
            stored_target = unit.cases.get(self.world.insurer.id, target.id)
        moved_items = sum(len(task.items) for task in stored_target.tasks)
        expected_items = sum(len(task.items) for task in source.tasks)
        name = f"{self.backend.name}: link of {source.id}"
        results.check(
            stored_source.status is CaseStatus.DISCONTINUED
            and not stored_source.tasks
            and stored_source.linked_into == target.id,
            f"{name}: the source is not discontinued and emptied",
        )
        results.check(
            [task.id for task in stored_target.tasks]
            == [task.id for task in source.tasks]
            and moved_items == expected_items,
            f"{name}: the target has {len(stored_target.tasks)} tasks and "
            f"{moved_items} items, not {len(source.tasks)} and {expected_items}",
        )


def run_link(backends: Sequence[Backend], sizes: Sizes, results: Results) -> None:
    for backend in backends:
        linker = Linker(backend)
        for tasks, items in LINK_SIZES:
            key = f"link.{tasks}.{items}"
            source, target = linker.pair(tasks, items)
            with StatementCounter(backend.engine) as counter:
                linker.link(source, target)
            linker.verify(source, target, results)
            results.values[(f"{key}.statements", backend.name)] = len(counter.executed)
            results.values[(f"{key}.commits", backend.name)] = counter.commits
            results.statements.append(
                f"{backend.name}, link of {tasks} tasks / {items:,} items: "
                + ", ".join(counter.summary())
            )
            timings = []
            for _ in range(sizes.link_runs):
                source, target = linker.pair(tasks, items)
                timings.append(linker.link(source, target))
            results.values[(f"{key}.ms", backend.name)] = (
                statistics.median(timings) * 1e3
            )
            log_progress(
                f"{backend.name}: link {tasks}/{items}: "
                + ", ".join(f"{t * 1e3:.1f}" for t in timings)
                + " ms"
            )


# -- 3. a million cases ------------------------------------------------------------

BIG = world("bench-big")
START = datetime(2025, 1, 1)  # naive UTC, as stored
SPAN_US = 730 * 24 * 3600 * 1_000_000  # two years
SCATTER = 7919  # a prime: n -> n * SCATTER % count permutes the time slots

_CASE_COLUMNS = (
    "insurer_id, id, kind, status, created_at, created_by, office_id, partner_id, "
    "fields, event_code, case_number, handler_id, linked_into, version"
)
# Row n: n % 100 == 0 open urgent, 1-9 discontinued urgent (linked into a normal
# case), 10-99 normal. created_at is slot (n * SCATTER) % count of two years.
_CASE_VALUES = """
    :insurer,
    CASE WHEN n % 100 < 10 THEN 'Akut-' ELSE 'N-' END || {pad_n},
    CASE WHEN n % 100 < 10 THEN 'urgent' ELSE 'normal' END,
    CASE WHEN n % 100 BETWEEN 1 AND 9 THEN 'discontinued' ELSE 'open' END,
    {created_at},
    CASE WHEN n % 100 < 10 THEN :partner_user ELSE :staff END,
    CASE WHEN n % 100 < 10 THEN :office END,
    CASE WHEN n % 100 < 10 THEN :partner END,
    CASE WHEN n % 100 < 10 THEN :fields ELSE '[]' END,
    NULL,
    CASE WHEN n % 100 >= 10 THEN 'N-' || {pad_n} END,
    CASE WHEN n % 100 >= 10 THEN :staff END,
    CASE WHEN n % 100 BETWEEN 1 AND 9 THEN 'N-' || {pad_target} END,
    CASE WHEN n % 100 BETWEEN 1 AND 9 THEN 2 ELSE 1 END
"""
POSTGRES_LOAD = (
    f"INSERT INTO uc_cases ({_CASE_COLUMNS}) SELECT "
    + _CASE_VALUES.format(
        pad_n="lpad(n::text, 7, '0')",
        pad_target="lpad((n - n % 100 + 10)::text, 7, '0')",
        created_at="CAST(:start AS timestamp) + "
        "((n::bigint * :scatter) % :count) * :step * interval '1 microsecond'",
    )
    + " FROM generate_series(0, :count - 1) AS series(n)"
)
SQLITE_LOAD = (
    f"INSERT INTO uc_cases ({_CASE_COLUMNS}) "
    "WITH RECURSIVE series(n) AS "
    "(SELECT 0 UNION ALL SELECT n + 1 FROM series WHERE n + 1 < :count) SELECT "
    + _CASE_VALUES.format(
        pad_n="printf('%07d', n)",
        pad_target="printf('%07d', n - n % 100 + 10)",
        # The text SQLAlchemy stores for a DateTime on SQLite.
        created_at="strftime('%Y-%m-%d %H:%M:%S', :start_epoch + "
        "(n * :scatter) % :count * :step / 1000000, 'unixepoch') || "
        "printf('.%06d', (n * :scatter) % :count * :step % 1000000)",
    )
    + " FROM series"
)


def _open_urgent_source() -> Any:
    return sa.select(CASES).where(
        CASES.c.insurer_id == BIG.insurer.id,
        CASES.c.kind == CaseKind.URGENT.value,
        CASES.c.status == CaseStatus.OPEN.value,
    )


def load_big(backend: Backend, count: int) -> float:
    """Store *count* cases of the big insurer; return the seconds it took."""
    began = time.perf_counter()
    parameters: dict[str, Any] = {
        "insurer": BIG.insurer.id,
        "count": count,
        "scatter": SCATTER,
        "step": SPAN_US // count,
        "partner_user": PARTNER.id,
        "staff": BIG.staff.id,
        "office": OFFICE.id,
        "partner": OFFICE.partner_id,
        "fields": FIELDS_JSON,
    }
    if backend.is_postgres:
        statement, parameters["start"] = POSTGRES_LOAD, START
    else:
        statement = SQLITE_LOAD
        parameters["start_epoch"] = int(START.replace(tzinfo=UTC).timestamp())
    source = _open_urgent_source().subquery()
    task_id = source.c.id + "/T1"
    with backend.engine.begin() as connection:
        connection.execute(sa.text(statement), parameters)
        # A first-aid task, a reported item and two log entries per open urgent
        # case, so that a page loads something.
        connection.execute(
            TASKS.insert().from_select(
                [
                    *("insurer_id", "id", "case_id", "position", "type"),
                    *("office_id", "budget", "origin_case_id"),
                ],
                sa.select(
                    source.c.insurer_id,
                    task_id,
                    source.c.id,
                    sa.literal(0),
                    sa.literal(FIRST_AID),
                    sa.literal(OFFICE.id),
                    sa.literal("not_required"),
                    sa.null(),
                ),
            )
        )
        connection.execute(
            ITEMS.insert().from_select(
                [
                    *("insurer_id", "id", "task_id", "position", "kind"),
                    *("reported_by", "reported_at", "text", "file_name"),
                    *("content_type", "size", "checksum", "storage_uri"),
                ],
                sa.select(
                    source.c.insurer_id,
                    task_id + "/1",
                    task_id,
                    sa.literal(0),
                    sa.literal(ItemKind.NOTE.value),
                    sa.literal(PARTNER.id),
                    source.c.created_at,
                    sa.literal("Vand pumpet ud; affugter opstillet."),
                    sa.literal(""),
                    sa.literal(""),
                    sa.literal(0),
                    sa.literal(""),
                    sa.literal(""),
                ),
            )
        )
        for position, action, refs in (
            (0, LogAction.CREATED, sa.literal(f'[["office", "{OFFICE.id}"]]')),
            (
                1,
                LogAction.TASK_ASSIGNED,
                sa.literal('[["task", "')
                + task_id
                + sa.literal(f'"], ["office", "{OFFICE.id}"]]'),
            ),
        ):
            connection.execute(
                LOG.insert().from_select(
                    [
                        *("insurer_id", "case_id", "position", "at", "actor_id"),
                        *("action", "refs"),
                    ],
                    sa.select(
                        source.c.insurer_id,
                        source.c.id,
                        sa.literal(position),
                        source.c.created_at,
                        sa.literal(PARTNER.id),
                        sa.literal(action.value),
                        refs,
                    ),
                )
            )
    if backend.is_postgres:
        with backend.engine.begin() as connection:
            for table in ("uc_cases", "uc_tasks", "uc_items", "uc_log"):
                connection.execute(sa.text(f"ANALYZE {table}"))
    return time.perf_counter() - began


def timed_calls(storage: SqlStorage, call: Callable[[Any], object], runs: int) -> float:
    """Median milliseconds of *call(unit)* in a fresh unit, after two warm-ups."""
    timings = []
    for run in range(runs + 2):
        began = time.perf_counter()
        with storage.unit_of_work() as unit:
            call(unit)
        if run >= 2:
            timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1e3


def explain(
    backend: Backend, executed: Executed, label: str, generic: bool = True
) -> list[str]:
    """The plan of the statement the library issued, with its own parameters."""
    lines = [f"{backend.name}, {label}:"]
    with backend.engine.connect() as connection:
        if backend.is_postgres:
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                + executed.statement,
                executed.parameters,
            )
            lines += [f"    {row[0]}" for row in plan]
            if generic:
                connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
                connection.exec_driver_sql(
                    "PREPARE uc_bench_generic AS " + _numbered(executed)
                )
                values = ", ".join(map(_literal, executed.parameters.values()))
                plan = connection.exec_driver_sql(
                    f"EXPLAIN (COSTS OFF) EXECUTE uc_bench_generic({values})"
                )
                lines.append("  the same as a generic plan (parameters unknown):")
                lines += [f"    {row[0]}" for row in plan]
            connection.rollback()
        else:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + executed.statement, executed.parameters
            )
            lines += [f"    {row[-1]}" for row in plan]
    return lines


def _numbered(executed: Executed) -> str:
    """The psycopg statement with ``$1, $2, ...`` for ``%(name)s``."""
    text = executed.statement
    for index, name in enumerate(executed.parameters, start=1):
        text = text.replace(f"%({name})s", f"${index}")
    return text.replace("%%", "%")


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")


def sqlite_index_orders(
    backend: Backend, statements: dict[str, Executed], results: Results
) -> None:
    """Which index SQLite picks, without statistics, for each creation order.

    create_schema creates the indexes of ``uc_cases`` in the order SQLAlchemy
    iterates ``Table.indexes``, a set; SQLite without ``sqlite_stat1`` breaks
    ties between indexes by that order. Each order is tried on an empty
    in-memory database with the library's DDL and statements.
    """
    dialect = backend.engine.dialect
    table = str(CreateTable(CASES).compile(dialect=dialect))
    indexes = sorted(CASES.indexes, key=lambda index: str(index.name))
    using: dict[str, int] = dict.fromkeys(statements, 0)
    orders = list(itertools.permutations(indexes))
    results.plans.append(
        f"{backend.name} without statistics, the index chosen for each order in "
        "which create_schema may create the indexes:"
    )
    for order in orders:
        connection = sqlite3.connect(":memory:")
        try:
            connection.execute(table)
            for index in order:
                connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
            chosen = {}
            for key, executed in statements.items():
                plan = connection.execute(
                    "EXPLAIN QUERY PLAN " + executed.statement, executed.parameters
                ).fetchall()
                found = _INDEX.search(str(plan[-1][-1]))
                chosen[key] = found.group(1) if found else "none"
                using[key] += chosen[key] == "uc_cases_open_urgent"
        finally:
            connection.close()
        results.plans.append(
            f"    created {', '.join(str(index.name) for index in order)}: "
            + ", ".join(f"{key} uses {name}" for key, name in chosen.items())
        )
    for key, count in using.items():
        results.notes[(f"scale.{key}_orders", backend.name)] = (
            f"{count} of {len(orders)}"
        )


def maintain(backend: Backend) -> None:
    """What a maintained database has: VACUUM ANALYZE (PostgreSQL), ANALYZE."""
    if backend.is_postgres:
        with backend.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(sa.text("VACUUM (ANALYZE) uc_cases"))
    else:
        with backend.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))


def run_scale(backends: Sequence[Backend], sizes: Sizes, results: Results) -> None:
    count = sizes.cases
    insurer_id = BIG.insurer.id
    expected_open = count // 100
    first = CaseQuery(insurer_id, urgent_only=True, limit=50)
    for backend in backends:
        name = backend.name
        log_progress(f"{name}: loading {count:,} cases")
        seconds = load_big(backend, count)
        results.values[("scale.load_s", name)] = seconds
        log_progress(f"{name}: loaded in {seconds:.1f} s")
        # The deep page continues after the middle open urgent case.
        with backend.engine.connect() as connection:
            keys = connection.execute(
                sa.select(CASES.c.created_at, CASES.c.id)
                .where(_open_urgent_source().whereclause)
                .order_by(CASES.c.created_at, CASES.c.id)
                .offset(expected_open // 2 - 1)
                .limit(51)
            ).all()
            stored = connection.execute(
                sa.select(sa.func.count())
                .select_from(CASES)
                .where(CASES.c.insurer_id == insurer_id)
            ).scalar_one()
            if not backend.is_postgres:
                order = connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = 'uc_cases' AND sql IS NOT NULL ORDER BY rowid"
                ).scalars()
                results.plans.append(
                    f"{name}: indexes of uc_cases in the order create_schema "
                    f"created them (SQLAlchemy iterates a set): {', '.join(order)}"
                )
        results.check(stored == count, f"{name}: stored {stored:,} cases")
        after = (keys[0].created_at.replace(tzinfo=UTC), keys[0].id)
        deep = CaseQuery(insurer_id, urgent_only=True, after=after, limit=50)

        # Correctness and statements, once each.
        with backend.storage.unit_of_work() as unit:
            with StatementCounter(backend.engine) as counted_count:
                pending = unit.cases.count_open_urgent(insurer_id)
            with StatementCounter(backend.engine) as counted_first:
                page = unit.cases.list(first)
            with StatementCounter(backend.engine) as counted_deep:
                deep_page = unit.cases.list(deep)
        results.check(
            pending == expected_open,
            f"{name}: pending count {pending}, not {expected_open}",
        )
        results.check(
            len(page) == 50
            and all(case.is_open_urgent and len(case.tasks) == 1 for case in page)
            and all(len(case.tasks[0].items) == 1 for case in page)
            and all(len(case.log) == 2 for case in page)
            and [page_key(case) for case in page]
            == sorted(page_key(case) for case in page),
            f"{name}: the first page is not 50 open urgent cases in order",
        )
        results.check(
            [case.id for case in deep_page] == [row.id for row in keys[1:]],
            f"{name}: the deep page is not the 50 cases after the middle",
        )
        for key, counter in (
            ("count", counted_count),
            ("first", counted_first),
            ("deep", counted_deep),
        ):
            results.values[(f"scale.statements.{key}", name)] = len(counter.executed)
        count_statement = counted_count.executed[0]
        if not backend.is_postgres:
            sqlite_index_orders(
                backend,
                {
                    "count": count_statement,
                    "first": counted_first.executed[0],
                    "deep": counted_deep.executed[0],
                },
                results,
            )
        results.plans.append(f"{name}, the count's statement:")
        results.plans.append("    " + " ".join(count_statement.statement.split()))

        calls: dict[str, Callable[[Any], object]] = {
            "count": lambda unit: unit.cases.count_open_urgent(insurer_id),
            "first": lambda unit: unit.cases.list(first),
            "deep": partial(_listed, deep),
        }
        for state in ("", ".maintained"):
            if state:
                log_progress(f"{name}: {MAINTENANCE[name]}")
                maintain(backend)
            for key, call in calls.items():
                results.values[(f"scale.{key}_ms{state}", name)] = timed_calls(
                    backend.storage, call, sizes.latency_runs
                )
            log_progress(
                f"{name}{state}: "
                + ", ".join(
                    f"{key} {results.values[(f'scale.{key}_ms{state}', name)]:.2f} ms"
                    for key in calls
                )
            )
            when = f" after {MAINTENANCE[name]}" if state else ""
            plans = [
                explain(backend, count_statement, f"count_open_urgent{when}", not state)
            ]
            plans += [
                explain(backend, counter.executed[0], f"{label}{when}", not state)
                for counter, label in (
                    (counted_first, "the first page's case query"),
                    (counted_deep, "the deep page's case query"),
                )
            ]
            for key, plan in zip(("count", "first", "deep"), plans, strict=True):
                results.plans += plan
                own = plan[1 : plan.index(GENERIC) if GENERIC in plan else None]
                used = any("uc_cases_open_urgent" in line for line in own)
                results.notes[(f"scale.{key}_index{state}", name)] = (
                    "yes" if used else "NO"
                )

        if backend.generic is not None:
            for key, call in calls.items():
                results.values[(f"scale.{key}_ms.generic", name)] = timed_calls(
                    backend.generic, call, sizes.latency_runs
                )
            log_progress(
                f"{name} with generic plans: "
                + ", ".join(
                    f"{key} {results.values[(f'scale.{key}_ms.generic', name)]:.2f} ms"
                    for key in calls
                )
            )


def _listed(query: CaseQuery, unit: Any) -> object:
    return unit.cases.list(query)


MAINTENANCE = {SQLITE: "ANALYZE", POSTGRES: "VACUUM (ANALYZE)"}
GENERIC = "  the same as a generic plan (parameters unknown):"


# -- the table ---------------------------------------------------------------------


def _under(limit: float, value: float) -> bool:
    return value < limit


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


Judge = Callable[[float], bool]
LABEL, COLUMN, RATIO = 46, 15, 10


class Report:
    """The plain-text table: one row per measurement, SQLite and PostgreSQL."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self.lines: list[str] = []

    def heading(self, text: str) -> None:
        """Add a section heading."""
        self.lines.append(text)

    def line(self, label: str, cells: Sequence[str], ratio: str, target: str) -> None:
        """Add a row of ready texts."""
        self.lines.append(
            f"  {label:<{LABEL}}{cells[0]:>{COLUMN}}{cells[1]:>{COLUMN}}"
            f"{ratio:>{RATIO}}  {target}".rstrip()
        )

    def value(
        self,
        label: str,
        key: str,
        form: str,
        target: str = "",
        judges: dict[str, Judge] | None = None,
        ratio: bool = True,
    ) -> None:
        """Add a row of measured values, judged where a judge is given."""
        cells = []
        for name in (SQLITE, POSTGRES):
            value = self.results.values.get((key, name))
            judge = (judges or {}).get(name)
            text = "-" if value is None else format(value, form)
            if value is not None and judge is not None:
                text += f" {verdict(judge(value))}"
            cells.append(text)
        low = self.results.values.get((key, SQLITE))
        high = self.results.values.get((key, POSTGRES))
        quotient = f"{high / low:.2f}" if ratio and low and high is not None else ""
        self.line(label, cells, quotient, target)

    def text(self, label: str, key: str, target: str = "") -> None:
        """Add a row of notes."""
        cells = [
            self.results.notes.get((key, name), "-") for name in (SQLITE, POSTGRES)
        ]
        self.line(label, cells, "", target)


def build_report(names: Sequence[str], sizes: Sizes, results: Results) -> list[str]:
    values, notes = results.values, results.notes
    report = Report(results)
    header = f"  {'':<{LABEL}}{SQLITE:>{COLUMN}}{POSTGRES:>{COLUMN}}"
    report.lines.append(f"{header}{'PG/SQLite':>{RATIO}}  target")
    report.lines.append("  " + "-" * (LABEL + 2 * COLUMN + RATIO + 18))
    at_most: dict[str, Judge] = {
        name: partial(_under, CREATE_TARGET + 1e-9) for name in names
    }
    for name in names:
        for threads in (1, 4):
            bare = values.get((f"create.{threads}.bare", name))
            for key, _ in CREATE_VARIANTS[1:]:
                ours = values.get((f"create.{threads}.{key}", name))
                if bare and ours:
                    values[(f"create.{threads}.{key}.cost", name)] = bare / ours
        for key, _ in CREATE_VARIANTS:
            statements = values[(f"create.statements.{key}", name)]
            commits = values[(f"create.commits.{key}", name)]
            notes[(f"create.count.{key}", name)] = f"{statements:.0f} ({commits:.0f})"
            if name == POSTGRES:
                notes[(f"create.trips.{key}", name)] = f"{statements + 2 * commits:.0f}"
        rate = values.get(("create.1.ours", name))
        bare_rate = values.get(("create.1.bare", name))
        if rate and bare_rate:
            values[("create.ours_ms", name)] = 1e3 / rate
            values[("create.bare_ms", name)] = 1e3 / bare_rate
    for threads in (1, 4):
        plural = "s" if threads > 1 else ""
        report.heading(f"1. create, {threads} writer thread{plural} (cases/s)")
        for key, label in CREATE_VARIANTS:
            report.value(label, f"create.{threads}.{key}", ",.0f")
        for key, label in CREATE_VARIANTS[1:]:
            report.value(
                f"cost ours/bare: {label}",
                f"create.{threads}.{key}.cost",
                ".2f",
                f"<= {CREATE_TARGET:.1f}x",
                at_most,
            )
    report.heading("1. one create, 1 thread (ms per case)")
    report.value("bare Core insert into uc_cases", "create.bare_ms", ".3f")
    report.value("service.create", "create.ours_ms", ".3f")
    report.value(
        "  its sequence draw (next_number, own txn)", "create.sequence_ms", ".3f"
    )
    report.value(
        "  its lifecycle (create_urgent_case, pure)", "create.lifecycle_ms", ".3f"
    )
    report.heading("1. statements (transactions) per create")
    for key, label in CREATE_VARIANTS:
        report.text(label, f"create.count.{key}")
    report.heading("1. round trips per create on PostgreSQL (+ BEGIN, COMMIT)")
    for key, label in CREATE_VARIANTS:
        report.text(label, f"create.trips.{key}")

    small, big = LINK_SIZES
    for name in names:
        for tasks, items in LINK_SIZES:
            statements = values[(f"link.{tasks}.{items}.statements", name)]
            commits = values[(f"link.{tasks}.{items}.commits", name)]
            flat = (
                statements == values[(f"link.{small[0]}.{small[1]}.statements", name)]
            )
            notes[(f"link.{tasks}.{items}.count", name)] = (
                f"{statements:.0f} ({commits:.0f})"
                + (f" {verdict(flat)}" if (tasks, items) == big else "")
            )
    report.heading(
        f"2. link into a normal case (ms, median of {sizes.link_runs} fresh pairs)"
    )
    for tasks, items in LINK_SIZES:
        report.value(
            f"{tasks} tasks / {items:,} items", f"link.{tasks}.{items}.ms", ".1f"
        )
    for tasks, items in LINK_SIZES:
        report.text(
            f"statements (transactions), {tasks} / {items:,}",
            f"link.{tasks}.{items}.count",
            f"as for {small[0]} / {small[1]}" if (tasks, items) == big else "",
        )

    runs = sizes.latency_runs
    report.heading(
        f"3. {sizes.cases:,} cases, {sizes.cases // 100:,} open urgent "
        f"(ms, median of {runs}; a fresh unit of work per call)"
    )
    report.value("load: generate the rows (s)", "scale.load_s", ".1f")
    rows = (
        ("count_open_urgent", "count", COUNT_TARGET_MS),
        ("list urgent_only, first page (50)", "first", PAGE_TARGET_MS),
        ("list urgent_only, after= the middle (50)", "deep", None),
    )
    for state, title in (
        ("", "as loaded (PostgreSQL: ANALYZE)"),
        (".maintained", "after ANALYZE (SQLite) / VACUUM (ANALYZE) (PostgreSQL)"),
        (".generic", "the same, PostgreSQL forced to generic plans (plan_cache_mode)"),
    ):
        report.heading(f"   {title}")
        for label, key, limit in rows:
            judges: dict[str, Judge] | None = None
            target = ""
            if limit is not None:
                judges = {POSTGRES: partial(_under, limit)}
                target = f"< {limit:.0f} ms (PostgreSQL)"
            report.value(label, f"scale.{key}_ms{state}", ".2f", target, judges)
        if state == ".generic":
            continue
        for _, key, _ in rows:
            report.text(
                f"  uses uc_cases_open_urgent: {key}", f"scale.{key}_index{state}"
            )
        if not state:
            for _, key, _ in rows:
                report.text(
                    f"  ... {key}, in how many index orders (SQLite)",
                    f"scale.{key}_orders",
                )
    report.value("statements: count", "scale.statements.count", ".0f", ratio=False)
    report.value(
        "statements: a page (cases, tasks, items, log)",
        "scale.statements.first",
        ".0f",
        ratio=False,
    )
    return report.lines


# -- main --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 100,000 cases, short timings"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    url = os.environ.get(URL_VARIABLE)
    postgres_note = (
        ""
        if url
        else f"PostgreSQL skipped: set {URL_VARIABLE}, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    if postgres_note:
        log_progress(postgres_note)
    results = Results()
    with ExitStack() as stack:
        backends = [stack.enter_context(sqlite_backend())]
        if url:
            backends.append(stack.enter_context(postgres_backend(url)))
        server = ""
        if url:
            with backends[1].engine.connect() as connection:
                server = str(connection.exec_driver_sql("SHOW server_version").scalar())
        names = [backend.name for backend in backends]
        log_progress("1. create throughput")
        run_create(backends, sizes, results)
        log_progress("2. link")
        run_link(backends, sizes, results)
        log_progress(f"3. {sizes.cases:,} cases")
        run_scale(backends, sizes, results)

    print(
        f"urgentcases SQL storage benchmark ({'quick' if args.quick else 'full'} run)"
    )
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"psycopg {version('psycopg') if url else '-'}, SQLite "
        f"{sqlite3.sqlite_version}, PostgreSQL {server or '-'}; "
        f"{os.cpu_count()} CPUs; medians; PG/SQLite = PostgreSQL value / SQLite value"
    )
    print()
    for line in build_report(names, sizes, results):
        print(line)
    if postgres_note:
        print(f"\n{postgres_note}")
    print("\nStatements issued (verb, table, bound values):")
    for line in results.statements:
        print(f"  {line}")
    print("\nPlans of the library's statements (with its own parameters):")
    for line in results.plans:
        print(f"  {line}")
    print(f"\nRuntime: {time.perf_counter() - began:.0f} s")
    if results.problems:
        print("\nWRONG RESULTS:")
        for problem in results.problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
