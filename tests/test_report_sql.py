"""The report counted in SQL equals the report counted in Python (R17).

`SqlCases.report_counts` counts a period's urgent cases inside the database
(``GROUP BY``); for the same stored cases it must return exactly the
`ReportCounts` that `aggregate` counts over their `case_facts`, on SQLite and
on PostgreSQL, and `UrgentCaseService.period_report` must give the same `Report`
over memory and over SQL.

The property builds random histories through `UrgentCaseService`, the same
commands against memory and against SQL: urgent cases created by offices with
different grants at instants inside and outside office hours on both sides of
the period's bounds, items reported, tasks assigned, events tagged, conversions
and links before and after the period's end, to the microsecond, plus another
insurer's cases and normal cases the insurers opened. Every command runs
on a fresh storage per example: on SQLite a quarter of the examples the loaded
hypothesis profile asks for (15 under ``dev``, 75 under ``ci``), on PostgreSQL a
tenth (6 and 30). The examples pin the rounding of minutes, the bounds of the
period and of its end, and a period across a change of daylight saving time.

PostgreSQL tests need a server: set ``URGENTCASES_POSTGRES_URL`` to a SQLAlchemy
URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial
from types import SimpleNamespace
from typing import Any, TypeAlias, cast

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql

from tests.backends import open_storage
from tests.instants import cph, utc
from tests.world import (
    AARHUS,
    ALWAYS,
    ANNE,
    BO,
    BYG,
    CHIEF,
    INSURER,
    ODENSE,
    OLE,
    OTHER_INSURER,
    STRANGER,
    form,
)
from urgentcases import (
    FIRST_AID,
    INSPECTION,
    Case,
    CaseKind,
    CaseQuery,
    Grant,
    Insurer,
    ItemKind,
    LogAction,
    LogEntry,
    MemoryStorage,
    PartnerUser,
    Period,
    Permission,
    ReportCounts,
    ReportForm,
    ReportingRepository,
    ReportPeriod,
    StorageError,
    TaskRequest,
    UnitOfWork,
    UrgentCasesError,
    UrgentCaseService,
    aggregate,
    case_facts,
    grant,
    report_bounds,
)
from urgentcases.adapters.sql import SqlCases, SqlStorage, SqlUnitOfWork

SQL_BACKENDS = ("sqlite", "postgres")

# The week of Monday 7 December 2026 in Copenhagen: [6 Dec 23:00, 13 Dec 23:00) UTC.
PERIOD = Period(ReportPeriod.WEEKLY, date(2026, 12, 7))
START, END = report_bounds(INSURER, PERIOD)
NOTE = ReportForm(ItemKind.NOTE, text="Kælderen er pumpet tom.")
LOSS = date(2026, 10, 1)  # before every creation: a loss cannot lie in the future


@contextmanager
def sql_storage(backend: str) -> Iterator[SqlStorage]:
    """An empty SQL storage on *backend*, dropped afterwards."""
    opened = open_storage(backend)
    try:
        assert isinstance(opened.storage, SqlStorage)
        yield opened.storage
    finally:
        opened.close()


@pytest.fixture(params=SQL_BACKENDS)
def sql(request: pytest.FixtureRequest) -> Iterator[SqlStorage]:
    """An empty SQL storage on each database."""
    with sql_storage(request.param) as storage:
        yield storage


def counted_in_sql(
    storage: SqlStorage, insurer_id: str, start: datetime, end: datetime
) -> ReportCounts:
    with storage.unit_of_work() as unit:
        return unit.cases.report_counts(insurer_id, start, end)


def counted_in_python(
    units: Callable[[], UnitOfWork], insurer_id: str, start: datetime, end: datetime
) -> ReportCounts:
    """`aggregate` over the `case_facts` of every stored case of the period."""
    with units() as unit:
        stored = unit.cases.list(CaseQuery(insurer_id))
    return aggregate(
        case_facts(case, end)
        for case in stored
        if case.permission is not None and start <= case.created_at < end
    )


# -- random histories ------------------------------------------------------------------


@attrs.frozen
class Creator:
    """Who creates: a partner user, the insurer, and the grant of the user's office."""

    user: PartnerUser
    insurer: Insurer
    grant: Grant


CREATORS = (
    Creator(ANNE, INSURER, ALWAYS),  # Aarhus: at any time
    Creator(OLE, INSURER, grant(INSURER, ODENSE, Permission.OUTSIDE_OFFICE_HOURS)),
    Creator(BO, INSURER, grant(INSURER, BYG, Permission.ALWAYS)),  # another partner
    Creator(ANNE, OTHER_INSURER, grant(OTHER_INSURER, AARHUS, Permission.ALWAYS)),
)
STAFF = {INSURER.id: CHIEF, OTHER_INSURER.id: STRANGER}
TASK_LISTS = ((FIRST_AID,), (FIRST_AID, INSPECTION), (INSPECTION, INSPECTION), ())
TAGGED_CODES = ("STORM-ARWEN", "SKYBRUD-2026")
EVENT_CODES = (None, *TAGGED_CODES)
ASSIGNED_TYPES = (FIRST_AID, INSPECTION, "pumping")

# Instants near the period's bounds and inside it, to the microsecond: some fall
# in office hours (weekdays 08:00-16:00), most outside.
instants = st.builds(
    lambda anchor, offset: anchor + offset,
    st.sampled_from((START, END, cph(2026, 12, 9, 10), cph(2026, 12, 12, 3))),
    st.timedeltas(min_value=timedelta(days=-1), max_value=timedelta(days=1)),
)
MICROSECOND = timedelta(microseconds=1)
# After a case's creation, mostly; a little before it, to check the clamping;
# whole minutes give or take a microsecond, to check the rounding.
delays = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
    st.timedeltas(min_value=timedelta(minutes=-3), max_value=timedelta(minutes=3)),
    st.builds(
        lambda minutes, jitter: timedelta(minutes=minutes) + jitter * MICROSECOND,
        st.integers(min_value=0, max_value=180),
        st.integers(min_value=-1, max_value=1),
    ),
)


@attrs.frozen
class Create:
    """Create an urgent case."""

    creator: int
    at: datetime
    tasks: int
    event_code: str | None


@attrs.frozen
class Act:
    """Do *what* to the *case*-th created case, *delay* after its creation.

    Without a delay, *choice* - 1 microseconds after the period's end.
    """

    what: str
    case: int
    delay: timedelta | None
    choice: int


creates = st.builds(
    Create,
    creator=st.integers(0, len(CREATORS) - 1),
    at=instants,
    tasks=st.integers(0, len(TASK_LISTS) - 1),
    event_code=st.sampled_from(EVENT_CODES),
)
acts = st.builds(
    Act,
    what=st.sampled_from(("report", "report", "assign", "tag", "convert", "link")),
    case=st.integers(0, 99),
    delay=st.one_of(delays, delays, st.none()),
    choice=st.integers(0, 2),
)
History: TypeAlias = tuple[list[Create], list[Act], bool]
"""Creations, then actions, and whether a normal case was opened in the period."""
histories = st.tuples(
    st.lists(creates, min_size=1, max_size=8),
    st.lists(acts, max_size=24),
    st.booleans(),  # whether the insurer opened a normal case inside the period
)


class Twins:
    """The same commands against several services; all must answer alike."""

    def __init__(self, *units: Callable[[], UnitOfWork]) -> None:
        self.services = [UrgentCaseService(make) for make in units]
        self.created: list[tuple[Create, list[Case]]] = []
        self.targets: dict[str, list[str]] = {}

    def run(self, command: Callable[[UrgentCaseService], Any]) -> list[Any]:
        """Run *command* on each service; the same refusal, or a result each."""
        results: list[Any] = []
        refusals: list[type[UrgentCasesError] | None] = []
        for service in self.services:
            try:
                results.append(command(service))
                refusals.append(None)
            except UrgentCasesError as refused:
                refusals.append(type(refused))
        assert refusals.count(refusals[0]) == len(refusals), refusals
        return results

    def open_normal_cases(self, at: datetime) -> None:
        """Each insurer opens two normal cases, the targets of links."""
        for insurer in (INSURER, OTHER_INSURER):
            numbers = ["4700", "4701"]
            for number in numbers:
                self.run(
                    partial(
                        UrgentCaseService.open_normal_case,
                        insurer=insurer,
                        case_number=number,
                        handler=STAFF[insurer.id],
                        at=at,
                    )
                )
            self.targets[insurer.id] = numbers

    def create(self, step: Create) -> None:
        creator = CREATORS[step.creator]
        office = creator.user.office
        requested = form(
            loss_date=LOSS,
            event_code=step.event_code,
            tasks=tuple(TaskRequest(t, office) for t in TASK_LISTS[step.tasks]),
        )
        outcomes = self.run(
            lambda s: s.create(
                user=creator.user,
                insurer=creator.insurer,
                grant=creator.grant,
                form=requested,
                at=step.at,
            )
        )
        if outcomes:
            self.created.append((step, [outcome.case for outcome in outcomes]))

    def act(self, step: Act) -> None:
        if not self.created:
            return
        made, twins = self.created[step.case % len(self.created)]
        insurer = CREATORS[made.creator].insurer
        staff = STAFF[insurer.id]
        if step.delay is None:
            at = END + (step.choice - 1) * MICROSECOND
        else:
            at = made.at + step.delay
        case_id = twins[0].id
        assert all(case.id == case_id for case in twins)
        if step.what == "report":
            task_id = f"{case_id}/T{step.choice % 2 + 1}"
            self.run(
                lambda s: s.report(
                    user=staff,
                    insurer=insurer,
                    case_id=case_id,
                    task_id=task_id,
                    report=NOTE,
                    at=at,
                )
            )
        elif step.what == "assign":
            self.run(
                lambda s: s.assign(
                    user=staff,
                    insurer=insurer,
                    case_id=case_id,
                    office=AARHUS,
                    task_type=ASSIGNED_TYPES[step.choice],
                    at=at,
                )
            )
        elif step.what == "tag":
            code = TAGGED_CODES[step.choice % 2]
            self.run(
                lambda s: s.tag_event(
                    user=staff, insurer=insurer, case_id=case_id, event_code=code, at=at
                )
            )
        elif step.what == "convert":
            number = f"48{step.case:02d}"
            self.run(
                lambda s: s.convert(
                    user=staff,
                    insurer=insurer,
                    case_id=case_id,
                    case_number=number,
                    handler=staff,
                    at=at,
                )
            )
        else:
            target = self.targets[insurer.id][step.choice % 2]
            self.run(
                lambda s: s.link(
                    user=staff,
                    insurer=insurer,
                    case_id=case_id,
                    target_id=target,
                    at=at,
                )
            )


def check_history(backend: str, history: History) -> None:
    """Replay *history* on memory and on *backend*; the reports must agree."""
    creations, actions, normal_in_period = history
    with sql_storage(backend) as storage:
        memory = MemoryStorage()
        twins = Twins(memory.unit_of_work, storage.unit_of_work)
        twins.open_normal_cases(
            START + timedelta(hours=5)
            if normal_in_period
            else START - timedelta(days=3)
        )
        for creation in creations:
            twins.create(creation)
        for action in actions:
            twins.act(action)
        for insurer in (OTHER_INSURER, INSURER):
            counted = counted_in_sql(storage, insurer.id, START, END)
            assert counted == counted_in_python(
                storage.unit_of_work, insurer.id, START, END
            )
            assert counted == counted_in_python(
                memory.unit_of_work, insurer.id, START, END
            )
        cases = sum(n for _, n in counted.groups)
        event(f"urgent cases in the period: {min(cases, 3)}{'+' * (cases > 3)}")
        event(f"resolved in the period: {bool(counted.to_resolution)}")
        event(f"with an item in the period: {bool(counted.to_first_item)}")
        memory_service, sql_service = twins.services
        assert memory_service.period_report(
            user=CHIEF, insurer=INSURER, period=PERIOD
        ) == sql_service.period_report(user=CHIEF, insurer=INSURER, period=PERIOD)


@settings(max_examples=max(1, settings().max_examples // 4))
@given(histories)
def test_sqlite_counts_what_python_counts(history: History) -> None:
    """On SQLite: counts and report equal Python's over any history."""
    check_history("sqlite", history)


@settings(max_examples=max(1, settings().max_examples // 10))
@given(histories)
def test_postgres_counts_what_python_counts(history: History) -> None:
    """On PostgreSQL: counts and report equal Python's over any history."""
    check_history("postgres", history)


# -- examples --------------------------------------------------------------------------

SUNDAY = cph(2026, 12, 13, 20, 0)  # inside the period, outside office hours


def create_at(service: UrgentCaseService, at: datetime, **changes: Any) -> Case:
    return service.create(
        user=ANNE,
        insurer=INSURER,
        grant=ALWAYS,
        form=form(loss_date=LOSS, **changes),
        at=at,
    ).case


def convert_at(
    service: UrgentCaseService, case: Case, number: str, at: datetime
) -> None:
    service.convert(
        user=CHIEF,
        insurer=INSURER,
        case_id=case.id,
        case_number=number,
        handler=CHIEF,
        at=at,
    )


def report_at(service: UrgentCaseService, case: Case, at: datetime) -> None:
    service.report(
        user=ANNE,
        insurer=INSURER,
        case_id=case.id,
        task_id=f"{case.id}/T1",
        report=NOTE,
        at=at,
    )


def test_the_sql_repository_is_a_reporting_repository(sql: SqlStorage) -> None:
    with sql.unit_of_work() as unit:
        assert isinstance(unit.cases, ReportingRepository)


def test_a_period_without_cases_counts_nothing(sql: SqlStorage) -> None:
    assert counted_in_sql(sql, INSURER.id, START, END) == ReportCounts(
        groups={}, to_resolution={}, to_first_item={}, tasks={}
    )


def test_minutes_are_whole_minutes_rounded_down(sql: SqlStorage) -> None:
    """59.999999 seconds after creation is minute 0; exactly 60 seconds, minute 1.

    Created half a second past a whole second, so that whole seconds alone
    would count the first a minute too.
    """
    service = UrgentCaseService(sql.unit_of_work)
    created = SUNDAY + timedelta(milliseconds=500)
    early, late = create_at(service, created), create_at(service, created)
    convert_at(service, early, "4711", created + timedelta(seconds=60) - MICROSECOND)
    convert_at(service, late, "4712", created + timedelta(seconds=60))
    report_at(service, early, created + timedelta(minutes=2) - MICROSECOND)
    report_at(service, late, created + timedelta(minutes=2))
    counts = counted_in_sql(sql, INSURER.id, START, END)
    assert counts.to_resolution == ((("converted", 0), 1), (("converted", 1), 1))
    assert counts.to_first_item == ((1, 1), (2, 1))
    assert counts == counted_in_python(sql.unit_of_work, INSURER.id, START, END)


def test_an_entry_exactly_at_the_end_is_not_counted(sql: SqlStorage) -> None:
    service = UrgentCaseService(sql.unit_of_work)
    at_end, before_end = create_at(service, SUNDAY), create_at(service, SUNDAY)
    report_at(service, at_end, END)
    convert_at(service, at_end, "4711", END)
    report_at(service, before_end, END - timedelta(microseconds=1))
    convert_at(service, before_end, "4712", END - timedelta(microseconds=1))
    counts = counted_in_sql(sql, INSURER.id, START, END)
    minutes = (END - timedelta(microseconds=1) - SUNDAY) // timedelta(minutes=1)
    assert counts.to_resolution == ((("converted", minutes), 1),)
    assert counts.to_first_item == ((minutes, 1),)
    assert counts.items == 1
    assert sorted(group[5] for group, _ in counts.groups) == ["converted", "open"]


def test_a_case_created_at_the_start_counts_and_one_at_the_end_does_not(
    sql: SqlStorage,
) -> None:
    service = UrgentCaseService(sql.unit_of_work)
    for at in (
        START - timedelta(microseconds=1),
        START,
        END - timedelta(microseconds=1),
        END,
    ):
        create_at(service, at)
    counts = counted_in_sql(sql, INSURER.id, START, END)
    assert sum(n for _, n in counts.groups) == 2
    assert counts == counted_in_python(sql.unit_of_work, INSURER.id, START, END)


def test_a_period_across_a_change_of_daylight_saving_time(sql: SqlStorage) -> None:
    """The week Copenhagen leaves summer time counts real, not wall-clock, minutes."""
    insurer = attrs.evolve(INSURER, report_period=ReportPeriod.WEEKLY)
    week = Period(ReportPeriod.WEEKLY, date(2026, 10, 19))  # clocks go back on the 25th
    start, end = report_bounds(insurer, week)
    assert (start, end) == (utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
    service = UrgentCaseService(sql.unit_of_work)
    for at in (
        start - timedelta(microseconds=1),
        start,
        end - timedelta(microseconds=1),
        end,
    ):
        create_at(service, at)
    # 00:30 summer time, then 02:30 winter time: three hours, not two.
    night = create_at(service, cph(2026, 10, 25, 0, 30))
    convert_at(service, night, "4711", cph(2026, 10, 25, 2, 30, fold=1))
    counts = counted_in_sql(sql, insurer.id, start, end)
    assert sum(n for _, n in counts.groups) == 3
    assert counts.to_resolution == ((("converted", 180), 1),)
    assert counts == counted_in_python(sql.unit_of_work, insurer.id, start, end)


def test_a_task_type_is_found_wherever_its_entry_lists_it(sql: SqlStorage) -> None:
    """The type is read by name from the references, not by position."""
    at = SUNDAY
    entries = (
        LogEntry(at, ANNE.id, LogAction.CREATED, (("office", AARHUS.id),)),
        LogEntry(
            at,
            ANNE.id,
            LogAction.TASK_ADDED,
            (("task", "Akut-1/T1"), ("type", "first_aid")),
        ),
        LogEntry(
            at,
            ANNE.id,
            LogAction.TASK_ADDED,
            (("type", "inspection"), ("task", "Akut-1/T2")),
        ),
        LogEntry(
            at,
            ANNE.id,
            LogAction.TASK_ADDED,
            (("task", "Akut-1/T3"), ("office", "x"), ("type", "pumping")),
        ),
        LogEntry(at, ANNE.id, LogAction.TASK_ADDED, (("task", "Akut-1/T4"),)),
    )
    case = Case(
        id="Akut-1",
        insurer_id=INSURER.id,
        kind=CaseKind.URGENT,
        created_at=at,
        created_by=ANNE.id,
        office_id=AARHUS.id,
        partner_id=AARHUS.partner_id,
        log=entries,
        permission=Permission.ALWAYS,
        outside_office_hours=True,
    )
    with sql.unit_of_work() as unit:
        unit.cases.add(case)
        unit.commit()
    counts = counted_in_sql(sql, INSURER.id, START, END)
    assert counts.tasks == (
        ("", 1),
        ("first_aid", 1),
        ("inspection", 1),
        ("pumping", 1),
    )
    assert counts == aggregate([case_facts(case, END)])


def test_a_log_with_a_conversion_and_a_link_counts_alike_everywhere(
    sql: SqlStorage,
) -> None:
    """No lifecycle writes both; should a log hold them, a conversion wins.

    Each resolution counts at its latest entry, in SQL as in `case_facts`.
    """
    entries = (
        LogEntry(SUNDAY, ANNE.id, LogAction.CREATED, (("office", AARHUS.id),)),
        *(
            LogEntry(SUNDAY + timedelta(minutes=minutes), CHIEF.id, action)
            for minutes, action in (
                (30, LogAction.LINKED_INTO),
                (10, LogAction.CONVERTED),
                (50, LogAction.LINKED_INTO),
                (20, LogAction.CONVERTED),
            )
        ),
    )
    case = Case(
        id="Akut-2",
        insurer_id=INSURER.id,
        kind=CaseKind.URGENT,
        created_at=SUNDAY,
        created_by=ANNE.id,
        office_id=AARHUS.id,
        partner_id=AARHUS.partner_id,
        log=entries,
        permission=Permission.ALWAYS,
        outside_office_hours=True,
    )
    with sql.unit_of_work() as unit:
        unit.cases.add(case)
        unit.commit()
    counts = counted_in_sql(sql, INSURER.id, START, END)
    assert counts.to_resolution == ((("converted", 20), 1),)
    assert counts == aggregate([case_facts(case, END)])


def test_a_failing_database_raises_storage_error(sql: SqlStorage) -> None:
    with sql.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE uc_log"))
    with pytest.raises(StorageError):
        counted_in_sql(sql, INSURER.id, START, END)


def test_a_database_other_than_sqlite_or_postgresql_is_refused() -> None:
    """The adapter writes its report in SQLite's and PostgreSQL's SQL only."""
    unit = SimpleNamespace(connection=SimpleNamespace(dialect=mysql.dialect()))
    with pytest.raises(StorageError, match="not in mysql"):
        SqlCases(cast(SqlUnitOfWork, unit)).report_counts(INSURER.id, START, END)
