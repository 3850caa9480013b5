"""The storage contract suite: prove that a storage adapter keeps every promise.

A host that stores cases its own way implements `urgentcases.ports` and runs
this suite against its adapter with pytest::

    from urgentcases.testing import CaseStorageContract, ContractStorage

    class TestMyStorage(CaseStorageContract):
        def make_storage(self) -> ContractStorage:
            database = make_empty_test_database()
            return ContractStorage(
                units=lambda: MyUnitOfWork(database),
                failing_units=lambda n: lambda: MyUnitOfWork(database, fail_at=n),
            )

Every test starts from `make_storage`, so each must return empty storage. The
suite covers reads and writes, identifiers unique per insurer, optimistic
concurrency (a stale save conflicts; of two handles the second writer loses),
rollback as the default, all-or-nothing commits, atomic convert and link under
a failure injected at each write in turn, idempotency keys, the id sequence
under threads, the list filters and pages, and the report's counts (checked
against the streaming aggregation when the repository computes them itself,
as a `ReportingRepository`). It needs pytest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from urgentcases._domain.forms import TaskRequest, UrgentCaseForm
from urgentcases._domain.lifecycle import ReportForm, grant
from urgentcases._domain.model import (
    FIRST_AID,
    Case,
    CaseKind,
    CaseStatus,
    Insurer,
    InsurerUser,
    ItemKind,
    Office,
    PartnerUser,
)
from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.periods import period_containing
from urgentcases._domain.policy import Permission
from urgentcases._domain.report import (
    aggregate,
    build_report,
    case_facts,
    report_bounds,
)
from urgentcases.adapters.memory import MemoryStorage, MemoryUnitOfWork
from urgentcases.exceptions import (
    ConflictError,
    DuplicateIdentifierError,
    StorageError,
    UrgentCasesError,
)
from urgentcases.ports import CaseQuery, ReportingRepository, UnitOfWork, page_key
from urgentcases.service import UrgentCaseService

__all__ = ["CaseStorageContract", "ContractStorage", "memory_contract_storage"]

Units = Callable[[], UnitOfWork]


@attrs.frozen
class ContractStorage:
    """Empty storage for one contract test.

    Attributes:
        units: Makes units of work on the storage.
        failing_units: ``failing_units(n)`` makes units of work on the same
            storage whose commit fails (raising `StorageError`) at its n-th
            write, counting from 1; a commit with fewer writes succeeds.
    """

    units: Units
    failing_units: Callable[[int], Units]


# A small world every test uses: one insurer open around the clock for urgent
# cases (ALWAYS), one partner office, one insurer user.
_HOURS = OfficeHours("UTC", [["08:00-16:00"]] * 5 + [[]] * 2)
_INSURER = Insurer("contract-insurer", "Contract Insurer", _HOURS)
_OTHER = Insurer("contract-other", "Other Insurer", _HOURS)
_OFFICE = Office("contract-office", "contract-partner")
_PARTNER = PartnerUser("contract-partner-user", _OFFICE)
_STAFF = InsurerUser("contract-staff", _INSURER.id, authority_level=6)
_GRANT = grant(_INSURER, _OFFICE, Permission.ALWAYS)
_T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
_PHOTO = ReportForm(
    ItemKind.PHOTO,
    file_name="kælder.jpg",
    content_type="image/jpeg",
    size=1234,
    checksum="sha256:ab",
    storage_uri="s3://bucket/kælder.jpg",
)


def _form(name: str = "Søren Åberg") -> UrgentCaseForm:
    return UrgentCaseForm(
        policyholder=name,
        address="Æblevej 7, 8000 Aarhus C",
        loss_date=date(2026, 12, 5),
        description="Vandskade",
        tasks=(TaskRequest(FIRST_AID, _OFFICE),),
    )


def _snapshot(units: Units, insurer_id: str = _INSURER.id) -> tuple[list[Case], int]:
    with units() as unit:
        return (
            unit.cases.list(CaseQuery(insurer_id)),
            unit.cases.count_open_urgent(insurer_id),
        )


class CaseStorageContract:
    """The promises of `urgentcases.ports`; subclass it and define `make_storage`."""

    def make_storage(self) -> ContractStorage:
        """Return empty storage for one test (see `ContractStorage`)."""
        raise NotImplementedError

    # -- helpers --

    def _service(self, storage: ContractStorage) -> UrgentCaseService:
        return UrgentCaseService(storage.units)

    def _urgent(self, service: UrgentCaseService, minutes: int = 0) -> Case:
        outcome = service.create(
            user=_PARTNER,
            insurer=_INSURER,
            grant=_GRANT,
            form=_form(),
            at=_T0 + timedelta(minutes=minutes),
        )
        case = outcome.case
        service.report(
            user=_PARTNER,
            insurer=_INSURER,
            case_id=case.id,
            task_id=case.tasks[0].id,
            report=_PHOTO,
            at=_T0 + timedelta(minutes=minutes + 1),
        )
        return service.case(user=_STAFF, insurer=_INSURER, case_id=case.id)

    def _target(self, service: UrgentCaseService, number: str = "N-1") -> Case:
        return service.open_normal_case(
            insurer=_INSURER, case_number=number, handler=_STAFF, at=_T0
        )

    # -- reading and writing --

    def test_an_added_case_reads_back_equal(self) -> None:
        """A committed case reads back equal, Danish letters included."""
        storage = self.make_storage()
        case = self._urgent(self._service(storage))
        with storage.units() as unit:
            assert unit.cases.get(_INSURER.id, case.id) == case
            assert case.field("policyholder") == "Søren Åberg"

    def test_find_by_id_case_number_and_former_id(self) -> None:
        """A converted case is found by its case number and its former Akut id."""
        storage = self.make_storage()
        service = self._service(storage)
        case = self._urgent(service)
        service.convert(
            user=_STAFF,
            insurer=_INSURER,
            case_id=case.id,
            case_number="C-100",
            handler=_STAFF,
            at=_T0,
        )
        with storage.units() as unit:
            by_number = unit.cases.find(_INSURER.id, "C-100")
            by_former = unit.cases.find(_INSURER.id, case.id)
            assert by_number is not None
            assert by_number == by_former
            assert by_number.kind is CaseKind.NORMAL
            assert unit.cases.find(_INSURER.id, "C-999") is None
            assert unit.cases.find(_OTHER.id, "C-100") is None

    def test_reads_see_the_units_own_writes(self) -> None:
        """Inside a unit, a case added is found before the commit."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        extra = attrs.evolve(case, id="N-2", case_number="N-2")
        with storage.units() as unit:
            unit.cases.add(extra)
            assert unit.cases.get(_INSURER.id, "N-2") == extra
            assert unit.cases.find(_INSURER.id, "N-2") == extra

    def test_rollback_is_the_default(self) -> None:
        """Leaving a unit without commit keeps nothing of it."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        before = _snapshot(storage.units)
        with storage.units() as unit:
            unit.cases.add(attrs.evolve(case, id="N-2", case_number="N-2"))
        with storage.units() as unit:
            unit.cases.add(attrs.evolve(case, id="N-3", case_number="N-3"))
            unit.rollback()
        assert _snapshot(storage.units) == before

    def test_an_error_inside_a_unit_keeps_nothing(self) -> None:
        """An exception leaving the block rolls the unit back."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        before = _snapshot(storage.units)
        with pytest.raises(RuntimeError), storage.units() as unit:
            unit.cases.save(attrs.evolve(case, version=case.version + 1))
            raise RuntimeError("the host failed")
        assert _snapshot(storage.units) == before

    # -- identifiers --

    def test_an_id_is_unique_per_insurer(self) -> None:
        """Adding a second case with a taken id is refused; nothing is stored."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        before = _snapshot(storage.units)
        with (
            pytest.raises(DuplicateIdentifierError),
            storage.units() as unit,
        ):
            unit.cases.add(attrs.evolve(case, handler_id="someone-else"))
            unit.commit()
        assert _snapshot(storage.units) == before

    def test_a_case_number_is_unique_per_insurer(self) -> None:
        """Converting with a case number another case has is refused."""
        storage = self.make_storage()
        service = self._service(storage)
        self._target(service, "N-1")
        case = self._urgent(service)
        before = _snapshot(storage.units)
        with pytest.raises(DuplicateIdentifierError):
            service.convert(
                user=_STAFF,
                insurer=_INSURER,
                case_id=case.id,
                case_number="N-1",
                handler=_STAFF,
                at=_T0,
            )
        assert _snapshot(storage.units) == before

    def test_the_same_identifier_in_two_insurers_is_fine(self) -> None:
        """Identifiers are unique per insurer, not globally."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        other = attrs.evolve(case, insurer_id=_OTHER.id)
        with storage.units() as unit:
            unit.cases.add(other)
            unit.commit()
        with storage.units() as unit:
            assert unit.cases.get(_OTHER.id, case.id) == other
            assert unit.cases.get(_INSURER.id, case.id) == case

    # -- optimistic concurrency --

    def test_a_stale_save_conflicts(self) -> None:
        """Saving a case whose version does not follow the stored one conflicts."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        before = _snapshot(storage.units)
        with pytest.raises(ConflictError), storage.units() as unit:
            unit.cases.save(attrs.evolve(case, version=case.version + 2))
            unit.commit()
        assert _snapshot(storage.units) == before

    def test_of_two_handles_the_second_writer_loses(self) -> None:
        """Two units read version 1; the first commits; the second conflicts."""
        storage = self.make_storage()
        case = self._target(self._service(storage))
        first, second = storage.units(), storage.units()
        with first, second:
            mine = first.cases.get(_INSURER.id, case.id)
            theirs = second.cases.get(_INSURER.id, case.id)
            first.cases.save(attrs.evolve(mine, handler_id="a", version=2))
            first.commit()
            with pytest.raises(ConflictError):
                second.cases.save(attrs.evolve(theirs, handler_id="b", version=2))
                second.commit()
        with storage.units() as unit:
            stored = unit.cases.get(_INSURER.id, case.id)
            assert (stored.handler_id, stored.version) == ("a", 2)

    def test_a_commit_is_all_or_nothing(self) -> None:
        """A unit that saves one case and a stale other keeps neither."""
        storage = self.make_storage()
        service = self._service(storage)
        one, two = self._target(service, "N-1"), self._target(service, "N-2")
        with storage.units() as unit:
            unit.cases.save(attrs.evolve(two, handler_id="x", version=2))
            unit.commit()
        before = _snapshot(storage.units)
        with pytest.raises(ConflictError), storage.units() as unit:
            unit.cases.save(attrs.evolve(one, handler_id="y", version=2))
            unit.cases.save(attrs.evolve(two, handler_id="y", version=2))
            unit.commit()
        assert _snapshot(storage.units) == before

    # -- atomic actions under injected failures --

    def _each_failure(
        self, storage: ContractStorage, act: Callable[[UrgentCaseService], object]
    ) -> int:
        """Run *act* failing at write 1, 2, ... until it succeeds; return the count."""
        before = _snapshot(storage.units)
        for write in range(1, 1000):
            service = UrgentCaseService(storage.failing_units(write))
            try:
                act(service)
            except StorageError:
                assert _snapshot(storage.units) == before, f"failure at write {write}"
                continue
            return write - 1
        raise AssertionError("the action never succeeded")  # pragma: no cover

    def test_link_is_atomic_under_a_failure_at_each_write(self) -> None:
        """Whichever write fails, the link happened entirely or not at all (R16)."""
        storage = self.make_storage()
        service = self._service(storage)
        case, target = self._urgent(service), self._target(service)
        writes = self._each_failure(
            storage,
            lambda s: s.link(
                user=_STAFF,
                insurer=_INSURER,
                case_id=case.id,
                target_id=target.id,
                at=_T0,
            ),
        )
        assert writes >= 2
        with storage.units() as unit:
            source = unit.cases.get(_INSURER.id, case.id)
            into = unit.cases.get(_INSURER.id, target.id)
        assert source.status is CaseStatus.DISCONTINUED
        assert [t.id for t in into.tasks] == [t.id for t in case.tasks]
        assert into.tasks[0].items == case.tasks[0].items

    def test_to_normal_is_atomic_under_a_failure_at_each_write(self) -> None:
        """Whichever write fails, the conversion happened entirely or not at all."""
        storage = self.make_storage()
        service = self._service(storage)
        case = self._urgent(service)
        self._each_failure(
            storage,
            lambda s: s.convert(
                user=_STAFF,
                insurer=_INSURER,
                case_id=case.id,
                case_number="C-7",
                handler=_STAFF,
                at=_T0,
            ),
        )
        with storage.units() as unit:
            assert unit.cases.get(_INSURER.id, case.id).case_number == "C-7"
            assert unit.cases.find(_INSURER.id, "C-7") is not None

    def test_create_is_atomic_under_a_failure_at_each_write(self) -> None:
        """A failed create leaves no case, no identifier and no idempotency key."""
        storage = self.make_storage()
        self._each_failure(
            storage,
            lambda s: s.create(
                user=_PARTNER,
                insurer=_INSURER,
                grant=_GRANT,
                form=_form(),
                at=_T0,
                idempotency_key="k-1",
            ),
        )
        cases, pending = _snapshot(storage.units)
        assert (len(cases), pending) == (1, 1)

    # -- idempotency and sequences --

    def test_an_idempotency_key_is_stored_once(self) -> None:
        """A key remembered reads back; remembering it again conflicts."""
        storage = self.make_storage()
        with storage.units() as unit:
            unit.cases.remember(_INSURER.id, "key", "Akut-000001", "f1")
            unit.commit()
        with storage.units() as unit:
            assert unit.cases.idempotent(_INSURER.id, "key") == ("Akut-000001", "f1")
            assert unit.cases.idempotent(_OTHER.id, "key") is None
        with pytest.raises(ConflictError), storage.units() as unit:
            unit.cases.remember(_INSURER.id, "key", "Akut-000002", "f2")
            unit.commit()

    def test_a_retried_create_returns_the_same_case(self) -> None:
        """Threads retrying one idempotency key get one case between them."""
        storage = self.make_storage()
        service = self._service(storage)
        barrier = threading.Barrier(8)
        ids: list[str] = []
        errors: list[BaseException] = []

        def create() -> None:
            barrier.wait()
            try:
                outcome = service.create(
                    user=_PARTNER,
                    insurer=_INSURER,
                    grant=_GRANT,
                    form=_form(),
                    at=_T0,
                    idempotency_key="retry",
                )
                ids.append(outcome.case.id)
            except UrgentCasesError as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], [repr(error) for error in errors]
        assert len(set(ids)) == 1
        assert len(_snapshot(storage.units)[0]) == 1

    def test_sequence_numbers_are_never_handed_out_twice(self) -> None:
        """Eight threads drawing numbers get distinct ones, per insurer."""
        storage = self.make_storage()
        barrier = threading.Barrier(8)
        numbers: list[int] = []
        lock = threading.Lock()

        def draw() -> None:
            barrier.wait()
            for _ in range(25):
                with storage.units() as unit:
                    number = unit.cases.next_number(_INSURER.id)
                with lock:
                    numbers.append(number)

        threads = [threading.Thread(target=draw) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(numbers)) == 200
        assert min(numbers) >= 1
        with storage.units() as unit:
            assert unit.cases.next_number(_OTHER.id) == 1

    # -- lists --

    def test_lists_filter_and_order(self) -> None:
        """The urgent-only filter, kind, status, event and visibility filters."""
        storage = self.make_storage()
        service = self._service(storage)
        first = self._urgent(service, minutes=0)
        second = self._urgent(service, minutes=10)
        target = self._target(service)
        service.tag_event(
            user=_STAFF, insurer=_INSURER, case_id=second.id, event_code="STORM", at=_T0
        )
        service.link(
            user=_STAFF, insurer=_INSURER, case_id=first.id, target_id=target.id, at=_T0
        )
        stranger = PartnerUser("nobody", Office("elsewhere", "other-partner"))
        with storage.units() as unit:
            cases = unit.cases

            def ids(query: CaseQuery) -> list[str]:
                return [case.id for case in cases.list(query)]

            insurer = _INSURER.id
            assert ids(CaseQuery(insurer, urgent_only=True)) == [second.id]
            assert cases.count_open_urgent(insurer) == 1
            assert ids(CaseQuery(insurer, kind=CaseKind.NORMAL)) == [target.id]
            assert ids(CaseQuery(insurer, status=CaseStatus.DISCONTINUED)) == [first.id]
            assert ids(CaseQuery(insurer, event_code="STORM")) == [second.id]
            assert ids(CaseQuery(insurer, visible_to=stranger)) == []
            # Oldest first, ties by id: "Akut-000001" sorts before "N-1".
            assert ids(CaseQuery(insurer, visible_to=_PARTNER)) == [
                first.id,
                target.id,
                second.id,
            ]
            assert ids(CaseQuery(_OTHER.id)) == []

    def test_lists_come_in_pages(self) -> None:
        """Keyset pages: limit, then after the last case's page_key, in order."""
        storage = self.make_storage()
        service = self._service(storage)
        made = [
            service.create(
                user=_PARTNER,
                insurer=_INSURER,
                grant=_GRANT,
                form=_form(),
                at=_T0 + timedelta(minutes=minute // 2),  # pairs share an instant
            ).case.id
            for minute in range(7)
        ]
        pages: list[list[str]] = []
        after = None
        with storage.units() as unit:
            while True:
                page = unit.cases.list(
                    CaseQuery(_INSURER.id, urgent_only=True, after=after, limit=3)
                )
                if not page:
                    break
                pages.append([case.id for case in page])
                after = page_key(page[-1])
        assert pages == [made[0:3], made[3:6], made[6:7]]

    # -- the report --

    def test_the_report_counts_what_the_cases_say(self) -> None:
        """Report counts from the storage equal `aggregate` over the stored cases.

        A `ReportingRepository` is checked against the streaming aggregation;
        any repository, through the service, against `build_report`.
        """
        storage = self.make_storage()
        service = self._service(storage)
        first = self._urgent(service, minutes=0)
        second = self._urgent(service, minutes=90)
        self._urgent(service, minutes=10 * 24 * 60)  # the week after
        target = self._target(service)
        service.convert(
            user=_STAFF,
            insurer=_INSURER,
            case_id=second.id,
            case_number="N-2",
            handler=_STAFF,
            at=_T0 + timedelta(hours=3, seconds=59),
        )
        service.link(
            user=_STAFF,
            insurer=_INSURER,
            case_id=first.id,
            target_id=target.id,
            at=_T0 + timedelta(days=7),  # after the week: open in its report
        )
        period = period_containing(_INSURER, _T0)
        start, end = report_bounds(_INSURER, period)
        with storage.units() as unit:
            stored = unit.cases.list(CaseQuery(_INSURER.id))
            cases = unit.cases
            if isinstance(cases, ReportingRepository):
                assert cases.report_counts(_INSURER.id, start, end) == aggregate(
                    case_facts(case, end)
                    for case in stored
                    if case.permission is not None and start <= case.created_at < end
                )
        report = service.period_report(user=_STAFF, insurer=_INSURER, period=period)
        assert report == build_report(_INSURER, period, stored)
        assert (report.created, report.converted, report.still_open) == (2, 1, 1)
        assert report.to_conversion.median == 90
        assert report.items == 2


class _FaultyMemoryStorage(MemoryStorage):
    """Memory storage whose next commit can be made to fail at its n-th write."""

    def __init__(self) -> None:
        super().__init__()
        self._armed: int | None = None
        self._count = 0

    def _write(self, write: object, undo: list[Callable[[], None]]) -> None:
        self._count += 1
        if self._armed is not None and self._count == self._armed:
            raise RuntimeError(f"injected failure at write {self._count}")
        super()._write(write, undo)  # type: ignore[arg-type]

    def failing_unit(self, write: int) -> MemoryUnitOfWork:
        storage = self

        class _Failing(MemoryUnitOfWork):
            def commit(self) -> None:
                storage._armed, storage._count = write, 0
                try:
                    super().commit()
                finally:
                    storage._armed = None

        return _Failing(self)


def memory_contract_storage() -> ContractStorage:
    """Empty `MemoryStorage` for the suite, with failures injectable at each write."""
    storage = _FaultyMemoryStorage()
    return ContractStorage(
        units=storage.unit_of_work,
        failing_units=lambda write: lambda: storage.failing_unit(write),
    )
