"""Cases in memory: the default storage, with the same promises as a database.

Units of work buffer their writes; `MemoryUnitOfWork.commit` takes the
storage's lock, checks every write against what is stored (versions,
identifiers, idempotency keys), then applies them, undoing the applied ones if
one fails. Safe to share between threads; nothing survives the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

import attrs

from urgentcases._domain.lifecycle import can_see
from urgentcases._domain.model import Case
from urgentcases.exceptions import (
    CaseNotFoundError,
    ConflictError,
    DuplicateIdentifierError,
    StorageError,
    UrgentCasesError,
)
from urgentcases.ports import CaseQuery, page_key

__all__ = ["MemoryCases", "MemoryStorage", "MemoryUnitOfWork"]

_Key = tuple[str, str]


@attrs.frozen
class _Write:
    """One write of a unit: a case, an identifier or an idempotency key."""

    table: str  # "cases", "identifiers" or "keys"
    key: _Key
    value: object
    # For a case: the version the stored case must have (0: must not exist).
    expected_version: int = 0


class MemoryStorage:
    """The committed state, shared by every unit of work made from it.

    ``MemoryStorage().unit_of_work`` is the factory the service takes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, dict[_Key, object]] = {
            "cases": {},
            "identifiers": {},
            "keys": {},
        }
        self._numbers: dict[str, int] = {}

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Start a unit of work on this storage."""
        return MemoryUnitOfWork(self)

    # -- committed reads ---------------------------------------------------------

    def _read(self, table: str, key: _Key) -> object | None:
        with self._lock:
            return self._tables[table].get(key)

    def _cases(self) -> list[Case]:
        with self._lock:
            return list(self._tables["cases"].values())  # type: ignore[arg-type]

    def _next_number(self, insurer_id: str) -> int:
        with self._lock:
            number = self._numbers.get(insurer_id, 0) + 1
            self._numbers[insurer_id] = number
            return number

    # -- commit ------------------------------------------------------------------

    def _commit(self, writes: list[_Write]) -> None:
        with self._lock:
            self._check(writes)
            undo: list[Callable[[], None]] = []
            try:
                for write in writes:
                    self._write(write, undo)
            except BaseException as error:
                for step in reversed(undo):
                    step()
                if isinstance(error, UrgentCasesError):
                    raise
                raise StorageError(
                    f"commit failed, nothing was written: {error}"
                ) from error

    def _check(self, writes: list[_Write]) -> None:
        """Raise if any write no longer fits what is stored; write nothing."""
        versions: dict[_Key, int] = {}
        taken: dict[_Key, object] = {}
        for write in writes:
            stored = self._tables[write.table].get(write.key)
            if write.table == "cases":
                current = versions.get(
                    write.key,
                    0 if stored is None else stored.version,  # type: ignore[attr-defined]
                )
                if current != write.expected_version:
                    raise ConflictError(
                        f"case {write.key[1]} of insurer {write.key[0]} was changed "
                        "by someone else; reload it and try again"
                    )
                versions[write.key] = write.expected_version + 1
                continue
            owner = taken.get(write.key, stored)
            if owner is not None and owner != write.value:
                if write.table == "keys":
                    raise ConflictError(
                        f"idempotency key {write.key[1]!r} was used meanwhile"
                    )
                raise DuplicateIdentifierError(
                    f"{write.key[1]!r} is already a case of insurer {write.key[0]}",
                    reason="identifier_taken",
                )
            taken[write.key] = write.value

    def _write(self, write: _Write, undo: list[Callable[[], None]]) -> None:
        """Apply one write, recording how to undo it. Tests make it fail."""
        table = self._tables[write.table]
        missing = object()
        before = table.get(write.key, missing)
        table[write.key] = write.value

        def restore() -> None:
            if before is missing:
                del table[write.key]
            else:
                table[write.key] = before

        undo.append(restore)


class MemoryCases:
    """The `CaseRepository` of a `MemoryUnitOfWork`: its writes overlay the store."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._writes: list[_Write] = []
        self._overlay: dict[str, dict[_Key, object]] = {
            "cases": {},
            "identifiers": {},
            "keys": {},
        }

    def _read(self, table: str, key: _Key) -> object | None:
        if key in self._overlay[table]:
            return self._overlay[table][key]
        return self._storage._read(table, key)

    def _stage(self, write: _Write) -> None:
        self._writes.append(write)
        self._overlay[write.table][write.key] = write.value

    def _claim(self, case: Case, identifier: str) -> None:
        key = (case.insurer_id, identifier)
        owner = self._read("identifiers", key)
        if owner is not None and owner != case.id:
            raise DuplicateIdentifierError(
                f"{identifier!r} is already a case of insurer {case.insurer_id}",
                reason="identifier_taken",
            )
        if owner is None:
            self._stage(_Write("identifiers", key, case.id))

    # -- CaseRepository ----------------------------------------------------------

    def get(self, insurer_id: str, case_id: str) -> Case:
        """See `CaseRepository.get`."""
        case = self._read("cases", (insurer_id, case_id))
        if case is None:
            raise CaseNotFoundError(f"insurer {insurer_id} has no case {case_id!r}")
        return case  # type: ignore[return-value]

    def find(self, insurer_id: str, identifier: str) -> Case | None:
        """See `CaseRepository.find`."""
        case_id = self._read("identifiers", (insurer_id, identifier))
        if case_id is None:
            return None
        return self.get(insurer_id, case_id)  # type: ignore[arg-type]

    def add(self, case: Case) -> None:
        """See `CaseRepository.add`."""
        if case.version != 1:
            raise ValueError(f"a new case has version 1, not {case.version}")
        key = (case.insurer_id, case.id)
        if self._read("cases", key) is not None:
            raise DuplicateIdentifierError(
                f"{case.id!r} is already a case of insurer {case.insurer_id}",
                reason="identifier_taken",
            )
        for identifier in {case.id, case.case_number} - {None}:
            self._claim(case, identifier)  # type: ignore[arg-type]
        self._stage(_Write("cases", key, case, expected_version=0))

    def save(self, case: Case) -> None:
        """See `CaseRepository.save`."""
        key = (case.insurer_id, case.id)
        stored = self._read("cases", key)
        if stored is None:
            raise CaseNotFoundError(
                f"insurer {case.insurer_id} has no case {case.id!r}"
            )
        if stored.version != case.version - 1:  # type: ignore[attr-defined]
            raise ConflictError(
                f"case {case.id} is at version {stored.version}, "  # type: ignore[attr-defined]
                f"not {case.version - 1}: someone else changed it; reload it"
            )
        if case.case_number is not None:
            self._claim(case, case.case_number)
        self._stage(_Write("cases", key, case, expected_version=case.version - 1))

    def list(self, query: CaseQuery) -> list[Case]:
        """See `CaseRepository.list`."""
        cases = {(case.insurer_id, case.id): case for case in self._storage._cases()}
        cases.update(self._overlay["cases"])  # type: ignore[arg-type]
        found = sorted(
            (case for case in cases.values() if _matches(case, query)), key=page_key
        )
        return found if query.limit is None else found[: query.limit]

    def count_open_urgent(self, insurer_id: str) -> int:
        """See `CaseRepository.count_open_urgent`."""
        return len(self.list(CaseQuery(insurer_id, urgent_only=True)))

    def next_number(self, insurer_id: str) -> int:
        """See `CaseRepository.next_number`."""
        return self._storage._next_number(insurer_id)

    def idempotent(self, insurer_id: str, key: str) -> tuple[str, str] | None:
        """See `CaseRepository.idempotent`."""
        return self._read("keys", (insurer_id, key))  # type: ignore[return-value]

    def remember(
        self, insurer_id: str, key: str, case_id: str, fingerprint: str
    ) -> None:
        """See `CaseRepository.remember`."""
        if self._read("keys", (insurer_id, key)) is not None:
            raise ConflictError(f"idempotency key {key!r} is stored already")
        self._stage(_Write("keys", (insurer_id, key), (case_id, fingerprint)))


def _matches(case: Case, query: CaseQuery) -> bool:
    return (
        case.insurer_id == query.insurer_id
        and (not query.urgent_only or case.is_open_urgent)
        and (query.kind is None or case.kind is query.kind)
        and (query.status is None or case.status is query.status)
        and (query.event_code is None or case.event_code == query.event_code)
        and (query.visible_to is None or can_see(query.visible_to, case))
        and (query.after is None or page_key(case) > query.after)
    )


class MemoryUnitOfWork:
    """A unit of work on a `MemoryStorage`; rolls back unless committed."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self.cases = MemoryCases(storage)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """See `UnitOfWork.commit`."""
        writes, self.cases = self.cases._writes, MemoryCases(self._storage)
        self._storage._commit(writes)

    def rollback(self) -> None:
        """See `UnitOfWork.rollback`."""
        self.cases = MemoryCases(self._storage)
