r"""Benchmark the urgent-case report: counting in Python, in pandas and in SQL.

One run measures, side by side:

1. counting 1,000,000 `CaseFacts` rows into `ReportCounts`:

   - ours: ``aggregate(rows)`` on a prebuilt list, and ``aggregate`` fed by a
     generator over the same list (``(row for row in rows)``, streaming);
   - pandas: ``groupby(...).size()`` on a prebuilt ``DataFrame`` of the same
     rows, computing the same outputs (cases per the six group columns, resolved
     cases per ``(resolution, minutes)``, cases per minutes to the first item,
     the item sum, tasks per type) and turning them into a `ReportCounts`; tasks
     per type once by ``explode`` and once by counting the type tuples and
     expanding them in Python. Then the same, building the frame from the rows
     (``pd.DataFrame(rows)``) inside the timing;
   - naive: one plain Python loop over the rows with dicts, as a second
     reference.

   Every method's result must equal ours (``ReportCounts`` compared with
   ``==``). Each method is timed as one call with `time.perf_counter`, the
   garbage collector off, repetitions interleaved across methods; the table
   shows the best and the median repetition and the ratio of the best to the
   best pandas ``groupby`` on a prebuilt frame (target: ours within 2.5x).

   The rows come from a seeded `random.Random`, a block of 1,024 at a time: 20
   partners with 60 offices (busier and quieter ones), a quarter of the offices
   allowed to create at any time (``always``, 45% of their cases inside office
   hours), the rest only outside office hours; 70% without an event code and
   three storm codes; 55% converted, 30% linked, 15% still open; log-normal
   minutes to resolution (median about 20 hours) and to the first item (median
   about 90 minutes), capped at a week (10,080); task types such as
   ``('first_aid',)`` (62%) and ``('first_aid', 'inspection')`` (20%), 3%
   without tasks; 82% of the cases with tasks have 1 to 6 items, the rest none.

2. the peak memory of the streaming aggregation at 100,000 and at 1,000,000
   rows: `tracemalloc` traces ``aggregate(rows)`` where *rows* is a generator
   that makes the same kind of rows lazily, a block of 1,024 at a time (its
   block is included in the peak), measured above what was allocated before
   the call. Target: flat, the 1,000,000 peak at most 1.5x the 100,000 peak.
   The counters hold one entry per distinct group and minute value (at most
   about 30,000 here), so the peak grows until every minute value has been
   seen; the table prints the distinct keys at each size. The 1,000,000-row
   result must equal section 1's (same seed); ``--quick`` compares the
   100,000-row result.

3. the SQL report on SQLite (a temporary file, WAL, as `sqlite_engine` makes
   it) and on PostgreSQL (a throwaway schema ``uc_bench_<random>``, dropped at
   the end even on failure or SIGTERM): 1,000,000 urgent cases of one insurer,
   all created in one monthly report period (November 2026, Europe/Copenhagen),
   are generated inside the database (PostgreSQL ``generate_series``, a
   recursive CTE on SQLite) from integer hashes of the row number: first into a
   facts table ``uc_bench_facts``, then into ``uc_cases`` and ``uc_log``.

   - cases: ``permission``, ``outside_hours``, ``event_code``, partner and
     office set with the shares of section 1 (busier offices by a skewed hash);
     converted cases are normal cases with a case number and handler, linked
     ones discontinued with ``linked_into`` set;
   - log: ``created``; per task (none 3%, one or two) ``task_added`` with
     references ``[["task", id], ["type", "first_aid"]]`` and
     ``task_assigned``, at creation; 0 to 6 ``item_reported`` (18% none), the
     first up to a day after creation (median 3 hours), then 5 minutes apart;
     ``converted`` (55%) or ``linked_into`` (30%) 1 minute to 6 days after the
     last item. Times carry microseconds (creation times: except every
     hundredth slot); positions run 0, 1, 2, ... per case.
     Some items and resolutions fall after the period's end, so the report must
     leave them out. No ``uc_tasks`` or ``uc_items`` rows are written: the
     report reads the log.

   It then times, in a fresh unit of work per call,
   ``unit.cases.report_counts(insurer_id, start, end)`` (after one untimed
   warm-up call) and the whole ``UrgentCaseService.period_report`` for an
   insurer user of authority level 6: the median of up to 3 calls, fewer once
   they have taken 30 s (the table says how many). PostgreSQL is timed after
   ``VACUUM (ANALYZE)``, SQLite as loaded. Cases per second is the generated
   count divided by the median. The plan of the statement ``report_counts``
   issued is printed (PostgreSQL ``EXPLAIN``, SQLite ``EXPLAIN QUERY PLAN``).

   The run checks that the counts' total is the generated count, that they
   equal the counts of the generated facts (read back from ``uc_bench_facts``
   and cut at the period's end in Python), and that SQLite and PostgreSQL
   agree. A second insurer of 12,800 cases (every tenth a normal case; created
   over the period and a day either side, including one at the period's first
   instant and one at the first instant after it) shares the tables: its
   ``report_counts`` must equal ``aggregate`` over the `case_facts` of its
   cases loaded through ``unit.cases.list`` (`build_report`), its
   ``period_report`` must equal `build_report`'s report, and its generated
   facts must count the same.

Targets are marked PASS or MISS; a MISS does not fail the run. The run fails
(exit status 1) only when a result is wrong: counts that differ between
methods, databases or the generated facts.

PostgreSQL is reached through ``URGENTCASES_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and skipped with a
message when unreachable. Run from the project root, with the ``bench`` extra
installed (``pip install -e '.[test,bench]'``)::

    .venv/bin/python bench/report.py            # 1,000,000 rows and cases
    .venv/bin/python bench/report.py --quick    # 100,000 rows and cases

``--quick`` is a smoke run: 100,000 rows, 100,000 SQL cases, 3 repetitions
(section 2 is the same as in a full run); ``--repeats N`` sets section 1's
repetitions.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import random
import secrets
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from urgentcases import (
    FIRST_AID,
    INSPECTION,
    Case,
    CaseFacts,
    CaseQuery,
    Insurer,
    InsurerUser,
    OfficeHours,
    Period,
    Permission,
    Report,
    ReportCounts,
    ReportPeriod,
    Resolution,
    UrgentCaseService,
    aggregate,
    build_report,
    page_key,
    report_bounds,
)
from urgentcases.adapters.sql import SqlStorage, create_schema, sqlite_engine

URL_VARIABLE = "URGENTCASES_POSTGRES_URL"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SQLITE, POSTGRES = "SQLite", "PostgreSQL"

PANDAS_TARGET = 2.5  # ours / pandas on a prebuilt frame, at most
MEMORY_TARGET = 1.5  # streaming peak at the large size / at the small size, at most


@dataclass(frozen=True)
class Sizes:
    """How much one run does."""

    rows: int  # CaseFacts rows counted in section 1
    repeats: int  # timing repetitions of section 1
    memory: tuple[int, int]  # rows streamed in section 2
    cases: int  # urgent cases in the database in section 3
    sql_runs: int  # timed calls per SQL measurement (after one warm-up), at most
    sql_budget: float  # seconds of timed calls after which no more are made


FULL = Sizes(1_000_000, 5, (100_000, 1_000_000), 1_000_000, 3, 30.0)
QUICK = Sizes(100_000, 3, (100_000, 1_000_000), 100_000, 3, 20.0)


def log_progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Results:
    """Measured values by (row key, column), notes, and what went wrong."""

    values: dict[tuple[str, str], float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> bool:
        """Record *message* as a wrong result unless *ok*; return *ok*."""
        if not ok:
            self.problems.append(message)
            log_progress(f"WRONG: {message}")
        return ok


def describe_difference(ours: ReportCounts, theirs: ReportCounts) -> str:
    """Which fields of two `ReportCounts` differ, and by how many entries."""
    parts = []
    for name in ("groups", "to_resolution", "to_first_item", "tasks"):
        mine, other = dict(getattr(ours, name)), dict(getattr(theirs, name))
        differing = sum(
            mine.get(key) != other.get(key) for key in mine.keys() | other.keys()
        )
        if differing:
            parts.append(f"{name}: {differing} of {len(mine)} entries differ")
    if ours.items != theirs.items:
        parts.append(f"items {theirs.items:,}, not {ours.items:,}")
    return "; ".join(parts) or "equal"


# -- 1 and 2: the rows ---------------------------------------------------------------

SEED = 20_261_130
WEEK = 7 * 24 * 60  # minutes
BLOCK = 1024
ALWAYS = Permission.ALWAYS.value
OUTSIDE = Permission.OUTSIDE_OFFICE_HOURS.value
CONVERTED, LINKED, OPEN = (r.value for r in Resolution)

PARTNERS = tuple(f"partner-{k:02d}" for k in range(1, 21))
OFFICES = tuple(
    (PARTNERS[k % 20], f"office-{k + 1:03d}", ALWAYS if k % 4 == 0 else OUTSIDE)
    for k in range(60)
)
OFFICE_CUM = tuple(accumulate(1 / (k + 1) ** 0.8 for k in range(60)))
EVENTS = (None, "SKYBRUD-2026-11", "STORM-2026-11", "OVERSVOEM-2026-11")
EVENT_CUM = (70, 85, 95, 100)
RESOLUTIONS = (CONVERTED, LINKED, OPEN)
RESOLUTION_CUM = (55, 85, 100)
TASK_TYPES: tuple[tuple[str, ...], ...] = (
    (FIRST_AID,),
    (FIRST_AID, INSPECTION),
    (INSPECTION,),
    (FIRST_AID, "repair"),
    (),
    (FIRST_AID, FIRST_AID),
)
TASK_CUM = (62, 82, 88, 93, 96, 100)
ITEM_COUNTS = (1, 2, 3, 4, 5, 6)
ITEM_CUM = (45, 70, 82, 90, 96, 100)
INSIDE_SHARE = 0.45  # of the cases of offices allowed to create at any time
FIRST_ITEM_SHARE = 0.82
TO_RESOLUTION = (7.1, 1.2)  # log-normal mu, sigma: median about 20 hours
TO_FIRST_ITEM = (4.5, 1.3)  # median about 90 minutes


def facts_block(rng: random.Random, size: int) -> list[CaseFacts]:
    """*size* realistic rows, drawn from *rng*."""
    offices = rng.choices(OFFICES, cum_weights=OFFICE_CUM, k=size)
    events = rng.choices(EVENTS, cum_weights=EVENT_CUM, k=size)
    resolutions = rng.choices(RESOLUTIONS, cum_weights=RESOLUTION_CUM, k=size)
    types = rng.choices(TASK_TYPES, cum_weights=TASK_CUM, k=size)
    counts = rng.choices(ITEM_COUNTS, cum_weights=ITEM_CUM, k=size)
    uniform, lognormal = rng.random, rng.lognormvariate
    rows = []
    for (partner, office, permission), event, resolution, tasks, items in zip(
        offices, events, resolutions, types, counts, strict=True
    ):
        outside = permission == OUTSIDE or uniform() >= INSIDE_SHARE
        to_resolution = (
            None if resolution == OPEN else min(WEEK, int(lognormal(*TO_RESOLUTION)))
        )
        if tasks and uniform() < FIRST_ITEM_SHARE:  # items are reported on tasks
            to_first_item: int | None = min(WEEK, int(lognormal(*TO_FIRST_ITEM)))
        else:
            to_first_item, items = None, 0
        rows.append(
            CaseFacts(
                partner,
                office,
                event,
                permission,
                outside,
                resolution,
                to_resolution,
                to_first_item,
                items,
                tasks,
            )
        )
    return rows


def stream_facts(count: int, seed: int = SEED) -> Iterator[CaseFacts]:
    """*count* rows, made lazily a block at a time; the same rows for a seed."""
    rng = random.Random(seed)
    for begin in range(0, count, BLOCK):
        yield from facts_block(rng, min(BLOCK, count - begin))


# -- 1: the methods --------------------------------------------------------------------

COLUMNS = list(CaseFacts._fields)
GROUP_COLUMNS = COLUMNS[:6]


def make_frame(rows: Sequence[CaseFacts]) -> Any:
    return pd.DataFrame(rows, columns=COLUMNS)


def _text(value: Any) -> str | None:
    return None if pd.isna(value) else str(value)


def pandas_counts(frame: Any, explode: bool) -> ReportCounts:
    """The counts by pandas ``groupby``, turned into a `ReportCounts`."""
    groups = frame.groupby(GROUP_COLUMNS, dropna=False, sort=False).size()
    resolved = frame.groupby(
        ["resolution", "minutes_to_resolution"], sort=False
    ).size()  # drops the open cases: their minutes are NaN
    first = frame.groupby("minutes_to_first_item", sort=False).size()
    if explode:
        per_type = frame["task_types"].explode().dropna()
        tasks = {str(t): int(n) for t, n in per_type.groupby(per_type).size().items()}
    else:
        tasks = {}
        for types, n in frame.groupby("task_types", sort=False).size().items():
            for task_type in types:
                tasks[task_type] = tasks.get(task_type, 0) + int(n)
    return ReportCounts(
        groups={
            (str(p), str(o), _text(e), str(perm), bool(out), str(r)): int(n)
            for (p, o, e, perm, out, r), n in groups.items()
        },
        to_resolution={(str(r), int(m)): int(n) for (r, m), n in resolved.items()},
        to_first_item={int(m): int(n) for m, n in first.items()},
        tasks=tasks,
        items=int(frame["items"].sum()),
    )


def naive_counts(rows: Sequence[CaseFacts]) -> ReportCounts:
    """The counts by one Python loop with dicts, as one would write it first."""
    groups: dict[tuple[Any, ...], int] = {}
    to_resolution: dict[tuple[str, int], int] = {}
    to_first_item: dict[int, int] = {}
    tasks: dict[str, int] = {}
    items = 0
    for row in rows:
        key = (
            row.partner_id,
            row.office_id,
            row.event_code,
            row.permission,
            row.outside_office_hours,
            row.resolution,
        )
        groups[key] = groups.get(key, 0) + 1
        if row.minutes_to_resolution is not None:
            pair = (row.resolution, row.minutes_to_resolution)
            to_resolution[pair] = to_resolution.get(pair, 0) + 1
        if row.minutes_to_first_item is not None:
            minutes = row.minutes_to_first_item
            to_first_item[minutes] = to_first_item.get(minutes, 0) + 1
        items += row.items
        for task_type in row.task_types:
            tasks[task_type] = tasks.get(task_type, 0) + 1
    return ReportCounts(
        groups=groups,
        to_resolution=to_resolution,
        to_first_item=to_first_item,
        tasks=tasks,
        items=items,
    )


@dataclass(frozen=True)
class Method:
    """A timed way to count the rows.

    Attributes:
        key: Its key in the results.
        label: Its row label.
        run: Counts the rows (bound to them) once.
    """

    key: str
    label: str
    run: Callable[[], ReportCounts]


PANDAS_KEYS = ("pandas", "pandas_tuples")


def methods(rows: list[CaseFacts], frame: Any) -> list[Method]:
    return [
        Method("ours", "ours: aggregate(list)", lambda: aggregate(rows)),
        Method(
            "ours_stream",
            "ours: aggregate(generator over the list)",
            lambda: aggregate(row for row in rows),
        ),
        Method(
            "pandas",
            "pandas: groupby, prebuilt frame (explode)",
            lambda: pandas_counts(frame, explode=True),
        ),
        Method(
            "pandas_tuples",
            "pandas: groupby, prebuilt frame (type tuples)",
            lambda: pandas_counts(frame, explode=False),
        ),
        Method(
            "pandas_build",
            "pandas: build the frame + groupby (explode)",
            lambda: pandas_counts(make_frame(rows), explode=True),
        ),
        Method(
            "pandas_build_tuples",
            "pandas: build the frame + groupby (tuples)",
            lambda: pandas_counts(make_frame(rows), explode=False),
        ),
        Method(
            "naive", "naive: one Python loop with dicts", lambda: naive_counts(rows)
        ),
    ]


def run_counting(sizes: Sizes, results: Results) -> ReportCounts:
    log_progress(f"1. making {sizes.rows:,} rows")
    rows = list(stream_facts(sizes.rows))
    frame = make_frame(rows)
    reference = aggregate(rows)
    timed = methods(rows, frame)
    timings: dict[str, list[float]] = {method.key: [] for method in timed}
    same = dict.fromkeys(timings, True)
    gc.collect()
    gc.disable()
    try:
        for repeat in range(sizes.repeats):
            for method in timed:
                began = time.perf_counter()
                counts = method.run()
                timings[method.key].append(time.perf_counter() - began)
                same[method.key] &= results.check(
                    counts == reference,
                    f"1. {method.label}: not the counts of aggregate(rows) "
                    f"({describe_difference(reference, counts)})",
                )
            log_progress(
                f"1. repetition {repeat + 1} of {sizes.repeats}: "
                + ", ".join(f"{key} {t[-1]:.2f} s" for key, t in timings.items())
            )
    finally:
        gc.enable()
    for method in timed:
        results.values[("count.best", method.key)] = min(timings[method.key])
        results.values[("count.median", method.key)] = statistics.median(
            timings[method.key]
        )
        results.notes[f"count.label.{method.key}"] = method.label
        results.notes[f"count.same.{method.key}"] = verdict_text(same[method.key])
    results.notes["count.groups"] = (
        f"{len(reference.groups):,} groups, {len(reference.to_resolution):,} "
        f"(resolution, minutes) and {len(reference.to_first_item):,} first-item "
        f"minute values, {reference.items:,} items, "
        + ", ".join(f"{n:,} {t}" for t, n in reference.tasks)
    )
    return reference


# -- 2: memory -------------------------------------------------------------------------


def streaming_peak(count: int) -> tuple[int, ReportCounts]:
    """The traced peak bytes of ``aggregate`` over *count* lazily made rows."""
    gc.collect()
    tracemalloc.start()
    try:
        rows = stream_facts(count)
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        counts = aggregate(rows)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, counts


def run_memory(sizes: Sizes, results: Results, reference: ReportCounts) -> None:
    for count in sizes.memory:
        log_progress(f"2. streaming {count:,} rows under tracemalloc")
        peak, counts = streaming_peak(count)
        results.values[("memory.peak", str(count))] = peak
        results.values[("memory.keys", str(count))] = sum(
            map(len, (counts.groups, counts.to_resolution, counts.to_first_item))
        )
        if count == sizes.rows:
            same = results.check(
                counts == reference,
                f"2. streamed {count:,} rows counted differently from section 1 "
                f"({describe_difference(reference, counts)})",
            )
            results.notes["memory.same"] = (
                f"the {count:,}-row counts equal section 1's: {verdict_text(same)}"
            )


# -- 3: the SQL report -----------------------------------------------------------------

HOURS = OfficeHours.weekdays()
BIG = Insurer("bench-report", "Bench report", HOURS, report_period=ReportPeriod.MONTHLY)
SAMPLE = Insurer(
    "bench-sample", "Bench sample", HOURS, report_period=ReportPeriod.MONTHLY
)
PERIOD = Period(ReportPeriod.MONTHLY, date(2026, 11, 1))
SAMPLE_CASES = 12_800  # one every 216 s over 32 days: slots hit start and end
DAY_US = 24 * 3600 * 1_000_000
SCATTER = 7919  # a prime: n -> n * SCATTER % count permutes the time slots
MINUTE_US = 60_000_000
ITEM_GAP_US = 5 * MINUTE_US
FIELDS_JSON = json.dumps(
    [
        ["policyholder", "Søren Åberg"],
        ["address", "Æblevej 7, 8000 Aarhus C"],
        ["loss_date", "2026-11-14"],
        ["description", "Vandskade efter skybrud; kælderen står under vand."],
        ["policy_number", "P-123456"],
    ],
    ensure_ascii=False,
)


def staff(insurer: Insurer) -> InsurerUser:
    return InsurerUser(f"{insurer.id}-staff", insurer.id, 6)


def epoch_us(at: datetime) -> int:
    """Microseconds since 1970 of the aware instant *at*."""
    return (at - EPOCH) // timedelta(microseconds=1)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

BENCH_METADATA = sa.MetaData()
FACTS = sa.Table(
    "uc_bench_facts",
    BENCH_METADATA,
    sa.Column("insurer_id", sa.String(100), nullable=False),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.Column("case_id", sa.String(100), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("office", sa.Integer, nullable=False),  # index into OFFICES
    sa.Column("event_code", sa.String(100)),
    sa.Column("permission", sa.String(32), nullable=False),
    sa.Column("outside", sa.Boolean, nullable=False),
    sa.Column("normal", sa.Boolean, nullable=False),  # a normal case, not urgent
    sa.Column("resolution", sa.String(16)),  # converted, linked, or NULL
    sa.Column("tasks", sa.Integer, nullable=False),
    sa.Column("t1", sa.String(32)),
    sa.Column("t2", sa.String(32)),
    sa.Column("items", sa.Integer, nullable=False),
    sa.Column("first_us", sa.BigInteger, nullable=False),  # creation to item 1
    sa.Column("res_us", sa.BigInteger, nullable=False),  # creation to resolution
)


@dataclass(frozen=True)
class Dialect:
    """What differs between the two databases in the generating statements.

    Attributes:
        series: A CTE ``series(n)`` of the integers 0 to ``:count - 1``.
        pad: ``pad(expression, width)``: the integer zero-padded as text.
        stamp: ``stamp(expression)``: microseconds since 1970 as the value
            SQLAlchemy stores for a naive UTC ``DateTime``.
    """

    series: str
    pad: Callable[[str, int], str]
    stamp: Callable[[str], str]


POSTGRES_DIALECT = Dialect(
    series="series(n) AS "
    "(SELECT generate_series(CAST(0 AS bigint), CAST(:count AS bigint) - 1))",
    pad=lambda expression, width: f"lpad(CAST({expression} AS text), {width}, '0')",
    stamp=lambda expression: (
        f"(TIMESTAMP '1970-01-01' + ({expression}) * INTERVAL '1 microsecond')"
    ),
)
SQLITE_DIALECT = Dialect(
    series="series(n) AS "
    "(SELECT 0 UNION ALL SELECT n + 1 FROM series WHERE n + 1 < :count)",
    pad=lambda expression, width: f"printf('%0{width}d', {expression})",
    stamp=lambda expression: (
        f"(strftime('%Y-%m-%d %H:%M:%S', ({expression}) / 1000000, 'unixepoch') "
        f"|| printf('.%06d', ({expression}) % 1000000))"
    ),
)

# Row n's facts from integer hashes of n (the same on both databases): h % M for
# h = n * P + C with P prime to M walks every residue once per M rows.
_FACTS_SQL = """
INSERT INTO uc_bench_facts (insurer_id, n, case_id, created_us, office, event_code,
    permission, outside, normal, resolution, tasks, t1, t2, items, first_us, res_us)
WITH RECURSIVE {series},
hashed AS (
    SELECT n,
        n * 7919 % :count AS slot,
        (n * 104729 + 17) % 1000003 % 1000 AS a_office,
        (n * 1299709 + 29) % 1000003 % 100 AS h_hours,
        (n * 15485863 + 31) % 1000003 % 100 AS h_event,
        (n * 179424673 + 37) % 1000003 % 100 AS h_resolution,
        (n * 2147483647 + 41) % 1000003 % 100 AS h_tasks,
        (n * 32452843 + 43) % 1000003 % 100 AS h_items,
        (n * 49979687 + 47) % 1000003 % 1000 AS a_first,
        (n * 67867967 + 53) % 1000003 % 1000 AS a_resolution,
        (n * 86028121 + 59) % 60000000 AS s_first,
        (n * 104395301 + 61) % 60000000 AS s_resolution,
        CASE WHEN :with_normal = 1 AND n % 10 = 9 THEN TRUE ELSE FALSE END AS normal
    FROM series
),
shaped AS (
    SELECT hashed.*,
        a_office * a_office * 60 / 1000000 AS office,
        CASE WHEN normal THEN 0
            WHEN h_tasks < 62 THEN 1 WHEN h_tasks < 82 THEN 2
            WHEN h_tasks < 88 THEN 1 WHEN h_tasks < 93 THEN 2
            WHEN h_tasks < 96 THEN 0 ELSE 2 END AS tasks,
        a_first * a_first * a_first * 1440 / 1000000000 * 60000000 + s_first
            AS first_us
    FROM hashed
),
counted AS (
    SELECT shaped.*,
        CASE WHEN tasks = 0 OR h_items < 18 THEN 0
            WHEN h_items < 55 THEN 1 WHEN h_items < 75 THEN 2
            WHEN h_items < 85 THEN 3 WHEN h_items < 92 THEN 4
            WHEN h_items < 97 THEN 5 ELSE 6 END AS items
    FROM shaped
)
SELECT :insurer, n,
    CASE WHEN normal THEN 'N-' ELSE 'Akut-' END || {pad_n},
    :start_us + slot * :step_us
        + CASE WHEN slot % 100 = 0 THEN 0 ELSE n * 7001 % :jitter END,
    office,
    CASE WHEN normal OR h_event < 70 THEN NULL
        WHEN h_event < 85 THEN 'SKYBRUD-2026-11'
        WHEN h_event < 95 THEN 'STORM-2026-11' ELSE 'OVERSVOEM-2026-11' END,
    CASE WHEN office % 4 = 0 THEN 'always' ELSE 'outside_office_hours' END,
    CASE WHEN office % 4 <> 0 OR h_hours >= 45 THEN TRUE ELSE FALSE END,
    normal,
    CASE WHEN normal THEN NULL WHEN h_resolution < 55 THEN 'converted'
        WHEN h_resolution < 85 THEN 'linked' END,
    tasks,
    CASE WHEN tasks = 0 THEN NULL WHEN h_tasks BETWEEN 82 AND 87 THEN 'inspection'
        ELSE 'first_aid' END,
    CASE WHEN tasks < 2 THEN NULL WHEN h_tasks < 82 THEN 'inspection'
        WHEN h_tasks < 93 THEN 'repair' ELSE 'first_aid' END,
    items,
    first_us,
    CASE WHEN items > 0 THEN first_us + (items - 1) * {gap} ELSE 0 END
        + (1 + a_resolution * a_resolution * a_resolution * 8600 / 1000000000)
        * 60000000 + s_resolution
FROM counted
"""
_CASES_SQL = """
INSERT INTO uc_cases (insurer_id, id, kind, status, created_at, created_by,
    office_id, partner_id, fields, event_code, case_number, handler_id,
    linked_into, permission, outside_hours, version)
SELECT insurer_id, case_id,
    CASE WHEN normal OR resolution = 'converted' THEN 'normal' ELSE 'urgent' END,
    CASE WHEN resolution = 'linked' THEN 'discontinued' ELSE 'open' END,
    {created},
    CASE WHEN normal THEN :staff ELSE 'user-' || {office_id} END,
    CASE WHEN normal THEN NULL ELSE {office_id} END,
    CASE WHEN normal THEN NULL ELSE {partner_id} END,
    CASE WHEN normal THEN '[]' ELSE :fields END,
    event_code,
    CASE WHEN normal OR resolution = 'converted' THEN 'S-' || {pad_n} END,
    CASE WHEN normal OR resolution = 'converted' THEN :staff END,
    CASE WHEN resolution = 'linked' THEN 'T-' || {pad_n} END,
    CASE WHEN normal THEN NULL ELSE permission END,
    CASE WHEN normal THEN NULL ELSE outside END,
    1 + items + CASE WHEN resolution IS NULL THEN 0 ELSE 1 END
FROM uc_bench_facts WHERE insurer_id = :insurer
"""
_LOG_COLUMNS = "insurer_id, case_id, position, at, actor_id, action, refs"
_CREATED_SQL = f"""
INSERT INTO uc_log ({_LOG_COLUMNS})
SELECT insurer_id, case_id, 0, {{created}},
    CASE WHEN normal THEN :staff ELSE 'user-' || {{office_id}} END,
    'created',
    CASE WHEN normal THEN '[]' ELSE '[["office", "' || {{office_id}} || '"]]' END
FROM uc_bench_facts WHERE insurer_id = :insurer
"""
# Each task: task_added (a = 0) then task_assigned (a = 1), at creation.
_TASKS_SQL = f"""
INSERT INTO uc_log ({_LOG_COLUMNS})
WITH pick(j, a) AS (VALUES (0, 0), (0, 1), (1, 0), (1, 1))
SELECT insurer_id, case_id, 1 + 2 * pick.j + pick.a, {{created}},
    'user-' || {{office_id}},
    CASE WHEN pick.a = 0 THEN 'task_added' ELSE 'task_assigned' END,
    '[["task", "' || case_id || '/T' || (pick.j + 1) || '"], ' || CASE
        WHEN pick.a = 1 THEN '["office", "' || {{office_id}} || '"]]'
        WHEN pick.j = 0 THEN '["type", "' || t1 || '"]]'
        ELSE '["type", "' || t2 || '"]]' END
FROM uc_bench_facts JOIN pick ON pick.j < tasks
WHERE insurer_id = :insurer
"""
# Item m is reported first_us + m * 5 minutes after creation, on task 1.
_ITEMS_SQL = f"""
INSERT INTO uc_log ({_LOG_COLUMNS})
WITH pick(m) AS (VALUES (0), (1), (2), (3), (4), (5))
SELECT insurer_id, case_id, 1 + 2 * tasks + pick.m, {{item_at}},
    'user-' || {{office_id}},
    'item_reported',
    '[["task", "' || case_id || '/T1"], ["item", "' || case_id || '/T1/'
        || (pick.m + 1) || '"]]'
FROM uc_bench_facts JOIN pick ON pick.m < items
WHERE insurer_id = :insurer
"""
_RESOLUTION_SQL = f"""
INSERT INTO uc_log ({_LOG_COLUMNS})
SELECT insurer_id, case_id, 1 + 2 * tasks + items, {{resolved_at}}, :staff,
    CASE WHEN resolution = 'converted' THEN 'converted' ELSE 'linked_into' END,
    CASE WHEN resolution = 'converted'
        THEN '[["former_id", "' || case_id || '"], ["case_number", "S-'
            || {{pad_n}} || '"], ["handler", "' || CAST(:staff AS VARCHAR(100)) || '"]]'
        ELSE '[["target", "T-' || {{pad_n}} || '"]]' END
FROM uc_bench_facts WHERE insurer_id = :insurer AND resolution IS NOT NULL
"""


def generating_statements(dialect: Dialect) -> list[tuple[str, str]]:
    """The statements that fill the tables, labelled, for one database."""
    names = {
        "series": dialect.series,
        "pad_n": dialect.pad("n + 1", 7),
        "gap": str(ITEM_GAP_US),
        "created": dialect.stamp("created_us"),
        "item_at": dialect.stamp(f"created_us + first_us + pick.m * {ITEM_GAP_US}"),
        "resolved_at": dialect.stamp("created_us + res_us"),
        "office_id": "'office-' || " + dialect.pad("office + 1", 3),
        "partner_id": "'partner-' || " + dialect.pad("office % 20 + 1", 2),
    }
    return [
        ("facts", _FACTS_SQL.format_map(names)),
        ("cases", _CASES_SQL.format_map(names)),
        ("log: created", _CREATED_SQL.format_map(names)),
        ("log: tasks", _TASKS_SQL.format_map(names)),
        ("log: items", _ITEMS_SQL.format_map(names)),
        ("log: resolutions", _RESOLUTION_SQL.format_map(names)),
    ]


# -- 3: backends -----------------------------------------------------------------------


@dataclass
class Backend:
    """A database under test: its engine, storage and service."""

    name: str
    engine: Engine
    dialect: Dialect
    storage: SqlStorage = field(init=False)
    service: UrgentCaseService = field(init=False)

    def __post_init__(self) -> None:
        create_schema(self.engine)
        BENCH_METADATA.create_all(self.engine)
        self.storage = SqlStorage(self.engine)
        self.service = UrgentCaseService(self.storage.unit_of_work)

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL (else SQLite)."""
        return self.engine.dialect.name == "postgresql"


@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="uc_bench_") as folder:
        engine = sqlite_engine(Path(folder) / "report.sqlite")
        try:
            yield Backend(SQLITE, engine, SQLITE_DIALECT)
        finally:
            engine.dispose()


@contextmanager
def postgres_backend(url: str) -> Iterator[Backend]:
    schema = f"uc_bench_{secrets.token_hex(6)}"
    admin = sa.create_engine(url, poolclass=sa.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield Backend(POSTGRES, engine, POSTGRES_DIALECT)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        log_progress(f"dropped schema {schema}")


def postgres_reachable(url: str) -> str:
    """The server version, or "" when the server cannot be reached."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar())
    except sa.exc.DBAPIError as error:
        log_progress(f"PostgreSQL unreachable: {str(error.orig).strip()}")
        return ""
    finally:
        engine.dispose()


# -- 3: loading, timing, checking ------------------------------------------------------


def load(backend: Backend, insurer: Insurer, count: int, sample: bool) -> float:
    """Generate *count* cases of *insurer*; return the seconds it took.

    The main insurer's cases are all urgent and spread over the period; the
    sample's are spread over the period and a day either side, every tenth a
    normal case.
    """
    start, end = report_bounds(BIG, PERIOD)
    first = epoch_us(start) - (DAY_US if sample else 0)
    span = epoch_us(end) - epoch_us(start) + (2 * DAY_US if sample else 0)
    parameters: dict[str, Any] = {
        "insurer": insurer.id,
        "count": count,
        "start_us": first,
        "step_us": span // count,
        "jitter": min(span // count, 1_000_000),
        "with_normal": 1 if sample else 0,
        "staff": staff(insurer).id,
        "fields": FIELDS_JSON,
    }
    began = time.perf_counter()
    with backend.engine.begin() as connection:
        for label, statement in generating_statements(backend.dialect):
            step = time.perf_counter()
            inserted = connection.execute(sa.text(statement), parameters).rowcount
            if not sample:
                log_progress(
                    f"3. {backend.name}: {label}, {inserted:,} rows in "
                    f"{time.perf_counter() - step:.1f} s"
                )
    return time.perf_counter() - began


def maintain(backend: Backend) -> None:
    """PostgreSQL: VACUUM (ANALYZE), as autovacuum would. SQLite: as loaded."""
    if backend.is_postgres:
        with backend.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            for table in ("uc_cases", "uc_log", "uc_bench_facts"):
                connection.execute(sa.text(f"VACUUM (ANALYZE) {table}"))


def timed(
    call: Callable[[], Any], runs: int, budget: float, warm_up: bool = True
) -> tuple[float, int, Any]:
    """Time *call*: the median seconds, the calls timed, and the first result.

    Up to *runs* calls are timed, after an untimed warm-up call if *warm_up*,
    fewer once they have taken *budget* seconds (at least one), so that a slow
    database keeps the run's length bounded.
    """
    result = call() if warm_up else None
    timings: list[float] = []
    while len(timings) < runs and (not timings or sum(timings) < budget):
        began = time.perf_counter()
        answer = call()
        timings.append(time.perf_counter() - began)
        result = answer if result is None else result
    return statistics.median(timings), len(timings), result


class Captured:
    """Records the statements an engine executes while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []

    def _on_execute(self, *arguments: Any) -> None:
        _connection, _cursor, statement, parameters, _context, _many = arguments
        self.statements.append((statement, parameters))

    def __enter__(self) -> Captured:
        sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)


def explain(backend: Backend, executed: tuple[str, Any]) -> list[str]:
    """The plan of a statement the library issued, with its own parameters.

    PostgreSQL: ``EXPLAIN`` (estimated, not run again). SQLite: ``EXPLAIN QUERY
    PLAN``, indented by its tree.
    """
    statement, parameters = executed
    lines = [f"  {backend.name}:"]
    with backend.engine.connect() as connection:
        if backend.is_postgres:
            plan = connection.exec_driver_sql(
                "EXPLAIN (COSTS OFF) " + statement, parameters
            )
            lines += [f"    {row[0]}" for row in plan]
        else:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
            depth: dict[int, int] = {0: 0}
            for node, parent, _, detail in plan:
                depth[node] = depth.get(parent, 0) + 1
                lines.append(f"  {'  ' * depth[node]}{detail}")
    return lines


def stored_counts(backend: Backend, insurer: Insurer) -> ReportCounts:
    start, end = report_bounds(insurer, PERIOD)
    with backend.storage.unit_of_work() as unit:
        counts: ReportCounts = unit.cases.report_counts(insurer.id, start, end)
    return counts


def generated_counts(backend: Backend, insurer: Insurer) -> ReportCounts:
    """The counts of the generated facts, cut at the period's end in Python."""
    start, end = report_bounds(insurer, PERIOD)
    start_us, end_us = epoch_us(start), epoch_us(end)

    def facts(rows: Any) -> Iterator[CaseFacts]:
        for row in rows:
            created = row.created_us
            if row.normal or not start_us <= created < end_us:
                continue
            items = sum(
                created + row.first_us + m * ITEM_GAP_US < end_us
                for m in range(row.items)
            )
            resolved = row.resolution is not None and created + row.res_us < end_us
            partner, office, _ = OFFICES[row.office]
            yield CaseFacts(
                partner,
                office,
                row.event_code,
                row.permission,
                bool(row.outside),
                row.resolution if resolved else OPEN,
                row.res_us // MINUTE_US if resolved else None,
                row.first_us // MINUTE_US if items else None,
                items,
                tuple(sorted((row.t1, row.t2)[: row.tasks])),
            )

    with backend.engine.connect() as connection:
        rows = connection.execution_options(yield_per=10_000).execute(
            sa.select(FACTS).where(FACTS.c.insurer_id == insurer.id)
        )
        return aggregate(facts(rows))


def loaded_cases(backend: Backend, insurer: Insurer) -> list[Case]:
    """Every case of *insurer*, loaded through the library a page at a time."""
    loaded: list[Case] = []
    after = None
    with backend.storage.unit_of_work() as unit:
        while True:
            page = unit.cases.list(CaseQuery(insurer.id, after=after, limit=500))
            loaded += page
            if len(page) < 500:
                return loaded
            after = page_key(page[-1])


def report_of(backend: Backend, insurer: Insurer) -> Report:
    return backend.service.period_report(
        user=staff(insurer), insurer=insurer, period=PERIOD
    )


def log_rows(backend: Backend, insurer: Insurer) -> int:
    with backend.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM uc_log WHERE insurer_id = :insurer"),
                {"insurer": insurer.id},
            ).scalar_one()
        )


def run_sql(
    backends: Sequence[Backend], sizes: Sizes, results: Results
) -> dict[str, ReportCounts]:
    count = sizes.cases
    big_counts: dict[str, ReportCounts] = {}
    for backend in backends:
        name = backend.name
        log_progress(f"3. {name}: loading {count:,} cases")
        results.values[("sql.load_s", name)] = load(backend, BIG, count, sample=False)
        load(backend, SAMPLE, SAMPLE_CASES, sample=True)
        maintain(backend)
        results.values[("sql.log_rows", name)] = log_rows(backend, BIG)
        log_progress(f"3. {name}: loaded; timing report_counts")
        with Captured(backend.engine) as captured:
            seconds, runs, counts = timed(
                partial(stored_counts, backend, BIG), sizes.sql_runs, sizes.sql_budget
            )
        results.plans += explain(backend, captured.statements[0])
        results.values[("sql.counts_s", name)] = seconds
        results.values[("sql.counts_runs", name)] = runs
        results.values[("sql.counts_rate", name)] = count / seconds
        log_progress(f"3. {name}: report_counts {seconds:.2f} s; period_report")
        seconds, runs, report = timed(
            partial(report_of, backend, BIG),
            sizes.sql_runs,
            sizes.sql_budget,
            warm_up=False,  # report_counts has warmed the database up
        )
        results.values[("sql.report_s", name)] = seconds
        results.values[("sql.report_runs", name)] = runs
        results.values[("sql.report_rate", name)] = count / seconds
        log_progress(f"3. {name}: period_report {seconds:.2f} s")
        big_counts[name] = counts

        log_progress(f"3. {name}: checking")
        total = sum(n for _, n in counts.groups)
        results.values[("sql.total", name)] = total
        results.check(total == count, f"3. {name}: counted {total:,}, not {count:,}")
        results.check(
            report.counts == counts,
            f"3. {name}: period_report's counts are not report_counts'",
        )
        expected = generated_counts(backend, BIG)
        results.notes[f"sql.generated.{name}"] = verdict_text(
            results.check(
                counts == expected,
                f"3. {name}: report_counts differs from the generated facts "
                f"({describe_difference(expected, counts)})",
            )
        )
        sample_check(backend, results)
    if len(big_counts) == 2:
        sqlite_counts, postgres_counts = big_counts[SQLITE], big_counts[POSTGRES]
        results.notes["sql.agree"] = verdict_text(
            results.check(
                sqlite_counts == postgres_counts,
                "3. SQLite and PostgreSQL count the same cases differently "
                f"({describe_difference(sqlite_counts, postgres_counts)})",
            )
        )
    return big_counts


def sample_check(backend: Backend, results: Results) -> None:
    """The sample insurer: SQL counts against `case_facts` of the loaded cases."""
    name = backend.name
    cases = loaded_cases(backend, SAMPLE)
    expected = build_report(SAMPLE, PERIOD, cases)
    counts = stored_counts(backend, SAMPLE)
    results.values[("sql.sample_cases", name)] = expected.created
    results.notes[f"sql.sample.{name}"] = verdict_text(
        results.check(
            len(cases) == SAMPLE_CASES and counts == expected.counts,
            f"3. {name}: the sample's report_counts differs from aggregate over "
            f"case_facts of its {len(cases):,} loaded cases "
            f"({describe_difference(expected.counts, counts)})",
        )
    )
    results.notes[f"sql.sample_report.{name}"] = verdict_text(
        results.check(
            report_of(backend, SAMPLE) == expected,
            f"3. {name}: the sample's period_report differs from build_report",
        )
    )
    generated = generated_counts(backend, SAMPLE)
    results.check(
        generated == expected.counts,
        f"3. {name}: the sample's generated facts differ from case_facts of its "
        f"loaded cases ({describe_difference(expected.counts, generated)})",
    )


def verdict_text(ok: bool) -> str:
    return "yes" if ok else "NO"


# -- the tables ------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def size_text(value: float) -> str:
    return f"{value / 1024:,.0f} KiB ({value / 2**20:.2f} MiB)"


def best_pandas(results: Results) -> tuple[str, float]:
    """The faster pandas ``groupby`` on a prebuilt frame: its key and seconds."""
    return min(
        ((key, results.values[("count.best", key)]) for key in PANDAS_KEYS),
        key=lambda pair: pair[1],
    )


def counting_table(sizes: Sizes, results: Results) -> list[str]:
    values, notes = results.values, results.notes
    pandas_key, pandas_best = best_pandas(results)
    lines = [
        f"1. Counting {sizes.rows:,} CaseFacts rows into ReportCounts: "
        f"{sizes.repeats} repetitions, interleaved, garbage collector off",
        f"   ({notes['count.groups']})",
        f"   ratio = best / best of {notes[f'count.label.{pandas_key}']}",
    ]
    header = (
        f"  {'method':<46}{'best s':>9}{'median s':>10}{'rows/s':>12}{'ratio':>8}"
        "  same counts"
    )
    lines += [header, "  " + "-" * (len(header) - 2)]
    for key in (key for (kind, key) in values if kind == "count.best"):
        best = values[("count.best", key)]
        lines.append(
            f"  {notes[f'count.label.{key}']:<46}{best:>9.3f}"
            f"{values[('count.median', key)]:>10.3f}{sizes.rows / best:>12,.0f}"
            f"{best / pandas_best:>7.2f}x  {notes[f'count.same.{key}']}"
        )
    return lines


def memory_table(sizes: Sizes, results: Results) -> list[str]:
    small, large = sizes.memory
    low = results.values[("memory.peak", str(small))]
    high = results.values[("memory.peak", str(large))]
    keys = [results.values[("memory.keys", str(size))] for size in (small, large)]
    return [
        "2. Peak memory of aggregate(rows made lazily by a generator), traced by "
        "tracemalloc above the memory before the call; the counters hold one "
        "entry per distinct group and minute value",
        f"  {small:>9,} rows  {size_text(low):>24}  {keys[0]:>7,.0f} distinct keys",
        f"  {large:>9,} rows  {size_text(high):>24}  {keys[1]:>7,.0f} distinct keys",
        f"  ratio {high / low:.2f}x (target <= {MEMORY_TARGET}x: "
        f"{verdict(high / low <= MEMORY_TARGET)})"
        + (f"; {same}" if (same := results.notes.get("memory.same")) else ""),
    ]


LABEL, COLUMN, RATIO = 50, 14, 10


def sql_table(
    sizes: Sizes, results: Results, names: Sequence[str], skipped: str
) -> list[str]:
    values, notes = results.values, results.notes

    def row(label: str, cells: Sequence[str], ratio: str = "") -> str:
        return (
            f"  {label:<{LABEL}}{cells[0]:>{COLUMN}}{cells[1]:>{COLUMN}}"
            f"{ratio:>{RATIO}}"
        ).rstrip()

    def measured(label: str, key: str, form: str, ratio: bool = True) -> str:
        found = [values.get((key, name)) for name in (SQLITE, POSTGRES)]
        cells = ["-" if value is None else format(value, form) for value in found]
        low, high = found
        quotient = f"{high / low:.2f}" if ratio and low and high else ""
        return row(label, cells, quotient)

    def noted(label: str, key: str) -> str:
        return row(
            label, [notes.get(f"{key}.{name}", "-") for name in (SQLITE, POSTGRES)]
        )

    sample = values.get(("sql.sample_cases", names[0]), 0)
    lines = [
        f"3. The SQL report at {sizes.cases:,} urgent cases in one period "
        f"({PERIOD.label}; median of up to {sizes.sql_runs} calls, fewer once they "
        f"take {sizes.sql_budget:.0f} s, after a warm-up call of report_counts; "
        "a fresh unit of work each; PostgreSQL after VACUUM (ANALYZE), SQLite as "
        "loaded)",
        row("", [SQLITE, POSTGRES], "PG/SQLite"),
        "  " + "-" * (LABEL + 2 * COLUMN + RATIO),
        measured("load: generate cases and log (s)", "sql.load_s", ".1f"),
        measured("  log entries of those cases", "sql.log_rows", ",.0f", ratio=False),
        measured("unit.cases.report_counts (s)", "sql.counts_s", ".3f"),
        measured("  cases/s", "sql.counts_rate", ",.0f"),
        measured("  calls timed (median taken)", "sql.counts_runs", ".0f", ratio=False),
        measured("service.period_report, level-6 user (s)", "sql.report_s", ".3f"),
        measured("  cases/s", "sql.report_rate", ",.0f"),
        measured("  calls timed (median taken)", "sql.report_runs", ".0f", ratio=False),
        measured(
            "cases counted (must be the generated count)",
            "sql.total",
            ",.0f",
            ratio=False,
        ),
        noted("counts = the generated facts", "sql.generated"),
        noted(f"sample ({sample:,} cases in the period): = case_facts", "sql.sample"),
        noted("sample: period_report = build_report", "sql.sample_report"),
    ]
    if len(names) == 2:
        lines.append(f"  SQLite and PostgreSQL give equal counts: {notes['sql.agree']}")
    if skipped:
        lines.append(f"  {skipped}")
    return lines


def summary_table(
    sizes: Sizes, results: Results, names: Sequence[str], wrong: bool
) -> list[str]:
    values = results.values
    _, pandas_best = best_pandas(results)
    ours = values[("count.best", "ours")]
    small, large = sizes.memory
    low = values[("memory.peak", str(small))]
    high = values[("memory.peak", str(large))]
    lines = [
        "Summary",
        f"  {'measurement':<58}{'value':>26}  target",
        f"  {'-' * 96}",
        f"  {f'{sizes.rows:,} rows: ours aggregate(list) / pandas groupby':<58}"
        f"{f'{ours / pandas_best:.2f}x ({ours:.3f} / {pandas_best:.3f} s)':>26}"
        f"  <= {PANDAS_TARGET}x {verdict(ours <= PANDAS_TARGET * pandas_best)}",
        f"  {f'streaming peak, {large:,} / {small:,} rows':<58}"
        f"{f'{high / low:.2f}x ({high / 2**20:.2f} / {low / 2**20:.2f} MiB)':>26}"
        f"  <= {MEMORY_TARGET}x {verdict(high / low <= MEMORY_TARGET)}",
    ]
    for name in names:
        counts, report = values[("sql.counts_s", name)], values[("sql.report_s", name)]
        lines.append(
            f"  {f'{name}: report_counts at {sizes.cases:,} cases':<58}"
            f"{f'{counts:.2f} s ({sizes.cases / counts:,.0f}/s)':>26}"
        )
        lines.append(
            f"  {f'{name}: period_report at {sizes.cases:,} cases':<58}"
            f"{f'{report:.2f} s ({sizes.cases / report:,.0f}/s)':>26}"
        )
    lines.append(
        f"  {'same counts: ours, pandas, naive, streamed, SQL, generated':<58}"
        f"{'NO' if wrong else 'yes':>26}"
    )
    return lines


# -- main ------------------------------------------------------------------------------


def _terminate(signum: int, frame: Any) -> None:
    sys.exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 100,000 rows and cases, fewer repetitions",
    )
    parser.add_argument("--repeats", type=int, help="section 1's repetitions")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.repeats:
        sizes = dataclasses.replace(sizes, repeats=args.repeats)
    # Leave through the finally blocks (the PostgreSQL schema is dropped there).
    signal.signal(signal.SIGTERM, _terminate)
    began = time.perf_counter()
    results = Results()

    reference = run_counting(sizes, results)
    run_memory(sizes, results, reference)

    url = os.environ.get(URL_VARIABLE, DEFAULT_URL)
    server = postgres_reachable(url)
    skipped = "" if server else f"PostgreSQL skipped: cannot connect ({URL_VARIABLE})"
    with ExitStack() as stack:
        backends = [stack.enter_context(sqlite_backend())]
        if server:
            backends.append(stack.enter_context(postgres_backend(url)))
        names = [backend.name for backend in backends]
        run_sql(backends, sizes, results)

    print(f"urgentcases report benchmark ({'quick' if args.quick else 'full'} run)")
    print(
        f"Python {platform.python_version()}, urgentcases {version('urgentcases')}, "
        f"pandas {pd.__version__}, numpy {version('numpy')}, SQLAlchemy "
        f"{sa.__version__}, SQLite {sqlite3.sqlite_version}, PostgreSQL "
        f"{server or '-'}; {os.cpu_count()} CPUs"
    )
    for table in (
        counting_table(sizes, results),
        memory_table(sizes, results),
        sql_table(sizes, results, names, skipped),
        ["Plans of report_counts' statement at that size", *results.plans],
        summary_table(sizes, results, names, bool(results.problems)),
    ):
        print()
        for line in table:
            print(line)
    print(f"\nRuntime: {time.perf_counter() - began:.0f} s")
    if results.problems:
        print("\nWRONG RESULTS:")
        for problem in results.problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
