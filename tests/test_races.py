"""Concurrent commands on one storage: exactly one wins, the rest conflict (R16).

Every race starts its threads together behind a `threading.Barrier` and runs
a few rounds on fresh storage to shake out interleavings, on each backend
(memory, a SQLite file, PostgreSQL on real connections). Each race runs in
two ways:

- *gated*: every racer's first write waits until all racers have read the
  case, so the attempts are truly simultaneous; the losers must get
  `ConflictError`.
- *free*: the racers only start together; a racer that reads the case after
  the winner committed sees the new state and is refused for it instead.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Self

import pytest

from tests.backends import BACKENDS, Opened, Storage, open_storage
from tests.world import (
    ANNE,
    CHIEF,
    FIRST_AID,
    HANDLER,
    INSPECTION,
    INSURER,
    MONDAY,
    ODENSE,
    OUTSIDE_HOURS,
    SATURDAY_NIGHT,
    form,
)
from urgentcases import (
    Case,
    CaseKind,
    CaseQuery,
    CaseRepository,
    CaseStatus,
    ConflictError,
    InvalidTransitionError,
    ItemKind,
    LogAction,
    Outcome,
    ReportForm,
    TaskRequest,
    UnitOfWork,
    UrgentCasesError,
    UrgentCaseService,
)

RACERS = 16
ROUNDS = 5
TARGETS = ("4711", "4712", "4713")

Result = Outcome | BaseException


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    """Let the interpreter switch threads often, so that racers interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


class GatedCases:
    """A repository whose first write waits at *gate* for every racer to read."""

    def __init__(self, inner: CaseRepository, gate: threading.Barrier) -> None:
        self._inner = inner
        self._gate = gate
        self._waited = False

    def _wait(self) -> None:
        if not self._waited:
            self._waited = True
            self._gate.wait()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def add(self, case: Case) -> None:
        self._wait()
        self._inner.add(case)

    def save(self, case: Case) -> None:
        self._wait()
        self._inner.save(case)

    def remember(
        self, insurer_id: str, key: str, case_id: str, fingerprint: str
    ) -> None:
        self._wait()
        self._inner.remember(insurer_id, key, case_id, fingerprint)


class GatedUnit:
    """A unit of work whose repository waits at *gate* before its first write."""

    def __init__(self, inner: UnitOfWork, gate: threading.Barrier) -> None:
        self._inner = inner
        self._gate = gate
        self._cases = GatedCases(inner.cases, gate)

    @property
    def cases(self) -> CaseRepository:
        return self._cases

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, traceback)

    def commit(self) -> None:
        self._inner.commit()
        self._cases = GatedCases(self._inner.cases, self._gate)
        self._cases._waited = True

    def rollback(self) -> None:
        self._inner.rollback()


@pytest.fixture(params=BACKENDS, autouse=True)
def backend(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each race on each backend: the storage Arena opens comes from here."""
    opened: list[Opened] = []

    def make() -> Storage:
        opened.append(open_storage(request.param))
        return opened[-1].storage

    Arena.open = staticmethod(make)
    yield
    for each in opened:
        each.close()


class Arena:
    """Fresh storage, a service to set a race up, and the racers' service."""

    open: Callable[[], Storage]

    def __init__(self, *, gated: bool, racers: int = RACERS) -> None:
        self.storage = self.open()
        self.service = UrgentCaseService(self.storage.unit_of_work)
        self.racers = racers
        # A generous timeout only keeps a broken race from hanging the run.
        self.gate = threading.Barrier(racers, timeout=60) if gated else None
        self.racing = UrgentCaseService(self._unit)

    def _unit(self) -> UnitOfWork:
        if self.gate is None:
            return self.storage.unit_of_work()
        return GatedUnit(self.storage.unit_of_work(), self.gate)

    def race(self, attempt: Callable[[int], Outcome]) -> list[Result]:
        """Run ``attempt(0)`` ... ``attempt(racers - 1)`` at once; their results."""
        start = threading.Barrier(self.racers, timeout=60)
        results: list[Result | None] = [None] * self.racers

        def run(index: int) -> None:
            try:
                start.wait()
                results[index] = attempt(index)
            except BaseException as error:  # reported below
                results[index] = error
                if self.gate is not None and not isinstance(error, UrgentCasesError):
                    self.gate.abort()  # a racer that fails early frees the others

        threads = [
            threading.Thread(target=run, args=(index,), name=f"racer-{index}")
            for index in range(self.racers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done = [result for result in results if result is not None]
        assert len(done) == self.racers
        for result in done:
            if isinstance(result, BaseException) and not isinstance(
                result, UrgentCasesError
            ):
                raise result
        return done

    def all_cases(self) -> list[Case]:
        with self.storage.unit_of_work() as unit:
            return unit.cases.list(CaseQuery(INSURER.id))

    def stored(self, case_id: str) -> Case:
        return self.service.case(user=HANDLER, insurer=INSURER, case_id=case_id)

    def find(self, identifier: str) -> Case | None:
        with self.storage.unit_of_work() as unit:
            return unit.cases.find(INSURER.id, identifier)

    def urgent_case_with_reports(self) -> Case:
        """An urgent case with two tasks, photos on the first and a note."""
        case = self.service.create(
            user=ANNE,
            insurer=INSURER,
            grant=OUTSIDE_HOURS,
            form=form(
                tasks=(TaskRequest(FIRST_AID, ANNE.office), TaskRequest(INSPECTION))
            ),
            at=SATURDAY_NIGHT,
        ).case
        first = case.tasks[0].id
        for report in (PHOTO, PHOTO, NOTE):
            self.service.report(
                user=ANNE,
                insurer=INSURER,
                case_id=case.id,
                task_id=first,
                report=report,
                at=SATURDAY_NIGHT,
            )
        self.service.assign(
            user=ANNE,
            insurer=INSURER,
            case_id=case.id,
            task_id=case.tasks[1].id,
            office=ODENSE,
            at=SATURDAY_NIGHT,
        )
        return self.stored(case.id)

    def targets(self) -> dict[str, Case]:
        return {
            number: self.service.open_normal_case(
                insurer=INSURER, case_number=number, handler=CHIEF, at=MONDAY
            )
            for number in TARGETS
        }


PHOTO = ReportForm(
    ItemKind.PHOTO,
    file_name="tag.jpg",
    content_type="image/jpeg",
    size=1_234,
    checksum="sha256:00ff",
    storage_uri="s3://claims/tag.jpg",
)
NOTE = ReportForm(ItemKind.NOTE, text="Taget er dækket med presenning.")

ROUND = pytest.mark.parametrize("round_", range(ROUNDS))
GATED = pytest.mark.parametrize("gated", [True, False], ids=["gated", "free"])


def number(index: int) -> str:
    return f"CN-{index:02d}"


def one_winner(results: list[Result]) -> tuple[int, Outcome, list[UrgentCasesError]]:
    """The single success, its index, and the refusals of everyone else."""
    wins = [(i, r) for i, r in enumerate(results) if isinstance(r, Outcome)]
    assert len(wins) == 1, f"{len(wins)} racers succeeded: {results}"
    (index, outcome) = wins[0]
    losses = [r for r in results if isinstance(r, UrgentCasesError)]
    assert len(losses) == len(results) - 1
    return index, outcome, losses


def assert_lost(
    losses: list[UrgentCasesError], *, gated: bool, too_late: set[str]
) -> None:
    """Gated losers conflict; free ones may instead be refused for the new state."""
    for loss in losses:
        if gated or isinstance(loss, ConflictError):
            assert isinstance(loss, ConflictError), repr(loss)
        else:
            assert isinstance(loss, InvalidTransitionError), repr(loss)
            assert loss.reason in too_late, repr(loss)


def assert_contents_exactly_once(
    arena: Arena, tasks: set[str], items: set[str]
) -> None:
    """Every task and item of the urgent case is stored once, nothing more."""
    cases = arena.all_cases()
    task_ids = Counter(task.id for case in cases for task in case.tasks)
    item_ids = Counter(
        item.id for case in cases for task in case.tasks for item in task.items
    )
    assert set(task_ids) == tasks
    assert set(item_ids) == items
    assert set(task_ids.values()) | set(item_ids.values()) == {1}


def contents(case: Case) -> tuple[set[str], set[str]]:
    return (
        {task.id for task in case.tasks},
        {item.id for task in case.tasks for item in task.items},
    )


@ROUND
@GATED
def test_one_of_many_conversions_wins(round_: int, gated: bool) -> None:
    """Sixteen insurer users convert one urgent case with sixteen case numbers:
    one conversion happens, the others get a conflict and leave no trace.
    """
    arena = Arena(gated=gated)
    case = arena.urgent_case_with_reports()
    results = arena.race(
        lambda i: arena.racing.convert(
            user=(HANDLER, CHIEF)[i % 2],
            insurer=INSURER,
            case_id=case.id,
            case_number=number(i),
            handler=HANDLER,
            at=MONDAY,
        )
    )
    index, outcome, losses = one_winner(results)
    assert_lost(losses, gated=gated, too_late={"not_urgent"})
    stored = arena.stored(case.id)
    assert stored == outcome.case
    assert (stored.kind, stored.case_number, stored.version) == (
        CaseKind.NORMAL,
        number(index),
        case.version + 1,
    )
    assert stored.log[: len(case.log)] == case.log
    assert [e.action for e in stored.log].count(LogAction.CONVERTED) == 1
    assert len(stored.log) == len(case.log) + 1
    assert [i for i in range(RACERS) if arena.find(number(i)) is not None] == [index]
    assert arena.all_cases() == [stored]


@ROUND
@GATED
def test_one_of_many_links_wins(round_: int, gated: bool) -> None:
    """Sixteen insurer users link one urgent case into one of three targets:
    one link happens; its tasks and items are stored exactly once.
    """
    arena = Arena(gated=gated)
    case = arena.urgent_case_with_reports()
    targets = arena.targets()
    tasks, items = contents(case)
    results = arena.race(
        lambda i: arena.racing.link(
            user=(HANDLER, CHIEF)[i % 2],
            insurer=INSURER,
            case_id=case.id,
            target_id=TARGETS[i % len(TARGETS)],
            at=MONDAY,
        )
    )
    index, outcome, losses = one_winner(results)
    assert_lost(losses, gated=gated, too_late={"discontinued"})
    winner = TARGETS[index % len(TARGETS)]
    source = arena.stored(case.id)
    assert (source.status, source.linked_into, source.version) == (
        CaseStatus.DISCONTINUED,
        winner,
        case.version + 1,
    )
    assert [e.action for e in source.log].count(LogAction.LINKED_INTO) == 1
    target = arena.stored(winner)
    assert outcome.cases == (source, target)
    assert contents(target) == (tasks, items)
    assert [e.action for e in target.log].count(LogAction.LINKED_FROM) == 1
    for other in set(TARGETS) - {winner}:
        assert arena.stored(other) == targets[other]
    assert_contents_exactly_once(arena, tasks, items)


@ROUND
@GATED
def test_conversions_and_links_at_once_one_wins(round_: int, gated: bool) -> None:
    """Half the racers convert, half link the same urgent case: exactly one
    action happens, whole, and the case ends in the state it gives.
    """
    arena = Arena(gated=gated)
    case = arena.urgent_case_with_reports()
    targets = arena.targets()
    tasks, items = contents(case)

    def convert_or_link(i: int) -> Outcome:
        if i % 2:
            return arena.racing.link(
                user=HANDLER,
                insurer=INSURER,
                case_id=case.id,
                target_id=TARGETS[i % len(TARGETS)],
                at=MONDAY,
            )
        return arena.racing.convert(
            user=CHIEF,
            insurer=INSURER,
            case_id=case.id,
            case_number=number(i),
            handler=HANDLER,
            at=MONDAY,
        )

    results = arena.race(convert_or_link)
    index, _, losses = one_winner(results)
    assert_lost(losses, gated=gated, too_late={"not_urgent", "discontinued"})
    stored = arena.stored(case.id)
    assert stored.version == case.version + 1
    assert len(stored.log) == len(case.log) + 1
    if index % 2:
        winner = TARGETS[index % len(TARGETS)]
        assert (stored.status, stored.linked_into) == (
            CaseStatus.DISCONTINUED,
            winner,
        )
        assert contents(arena.stored(winner)) == (tasks, items)
        unchanged = set(TARGETS) - {winner}
    else:
        assert (stored.kind, stored.status, stored.case_number) == (
            CaseKind.NORMAL,
            CaseStatus.OPEN,
            number(index),
        )
        assert contents(stored) == (tasks, items)
        unchanged = set(TARGETS)
    for other in unchanged:
        assert arena.stored(other) == targets[other]
    numbers = [i for i in range(0, RACERS, 2) if arena.find(number(i)) is not None]
    assert numbers == ([] if index % 2 else [index])
    assert_contents_exactly_once(arena, tasks, items)


@ROUND
@GATED
def test_concurrent_creations_all_get_their_own_id(round_: int, gated: bool) -> None:
    """Sixteen creations at once: sixteen cases, sixteen distinct ids."""
    arena = Arena(gated=gated)
    results = arena.race(
        lambda i: arena.racing.create(
            user=ANNE,
            insurer=INSURER,
            grant=OUTSIDE_HOURS,
            form=form(address=f"Strandvejen {i + 1}, 8000 Aarhus C"),
            at=SATURDAY_NIGHT,
        )
    )
    outcomes = [r for r in results if isinstance(r, Outcome)]
    assert len(outcomes) == RACERS, results
    ids = [outcome.case.id for outcome in outcomes]
    assert len(set(ids)) == RACERS
    stored = arena.all_cases()
    assert sorted(case.id for case in stored) == sorted(ids)
    assert arena.service.pending_count(user=HANDLER, insurer=INSURER) == RACERS
    task_ids = [task.id for case in stored for task in case.tasks]
    assert len(task_ids) == len(set(task_ids)) == RACERS


@ROUND
@GATED
def test_retries_of_one_key_create_one_case(round_: int, gated: bool) -> None:
    """Sixteen retries of one request with one idempotency key, at once: one
    case is created and every retry answers with it.
    """
    arena = Arena(gated=gated)
    request = form()
    results = arena.race(
        lambda _: arena.racing.create(
            user=ANNE,
            insurer=INSURER,
            grant=OUTSIDE_HOURS,
            form=request,
            at=SATURDAY_NIGHT,
            idempotency_key="storm-retry-1",
        )
    )
    outcomes = [r for r in results if isinstance(r, Outcome)]
    assert len(outcomes) == RACERS, results
    assert len({outcome.case.id for outcome in outcomes}) == 1
    assert sum(bool(outcome.events) for outcome in outcomes) == 1
    (stored,) = arena.all_cases()
    assert stored.id == outcomes[0].case.id
    with arena.storage.unit_of_work() as unit:
        known = unit.cases.idempotent(INSURER.id, "storm-retry-1")
    assert known is not None
    assert known[0] == stored.id
