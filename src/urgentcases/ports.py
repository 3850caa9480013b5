"""The storage ports: what the service needs from a host's storage.

A host plugs in its own storage by implementing `UnitOfWork` and
`CaseRepository` (structurally: no base class to inherit) and proves it with
the contract suite in `urgentcases.testing`.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from urgentcases._domain.model import Case, CaseKind, CaseStatus, User
from urgentcases._domain.report import ReportCounts

__all__ = [
    "CaseQuery",
    "CaseRepository",
    "ReportingRepository",
    "UnitOfWork",
    "page_key",
]


@attrs.frozen
class CaseQuery:
    """Which cases a case list shows.

    Attributes:
        insurer_id: The insurer whose cases are listed.
        urgent_only: Only open urgent cases: the "Akut sag" filter (R12).
        kind: Only cases of this kind, if given.
        status: Only cases in this status, if given.
        event_code: Only cases tagged with this catastrophe event, if given.
        visible_to: Only cases this user may see (R10), if given.
        after: Keyset pagination: only cases after this ``(created_at, id)``,
            the last case of the previous page (`page_key`).
        limit: At most this many cases (a page), if given.
    """

    insurer_id: str
    urgent_only: bool = False
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    event_code: str | None = None
    visible_to: User | None = None
    after: tuple[datetime, str] | None = None
    limit: int | None = None


def page_key(case: Case) -> tuple[datetime, str]:
    """The `CaseQuery.after` that continues a list after *case*."""
    return (case.created_at, case.id)


class CaseRepository(Protocol):
    """The cases of all insurers, as seen through one unit of work.

    Reads see the unit's own writes. Writes take effect on commit, all of them
    or none. Case identifiers (ids and case numbers) are unique per insurer.
    """

    def get(self, insurer_id: str, case_id: str) -> Case:
        """Return the case with this id.

        Raises:
            CaseNotFoundError: There is none.
        """
        ...

    def find(self, insurer_id: str, identifier: str) -> Case | None:
        """Return the case whose id or case number is *identifier*, or None.

        An urgent case keeps its ``Akut`` id after conversion, so the former id
        finds the normal case it became.
        """
        ...

    def add(self, case: Case) -> None:
        """Store a new case (version 1).

        Raises:
            DuplicateIdentifierError: Its id or case number is taken (here or
                on commit).
        """
        ...

    def save(self, case: Case) -> None:
        """Store a changed case whose version is the stored version plus one.

        Raises:
            ConflictError: The stored version is not ``case.version - 1``: someone
                else changed the case first (here or on commit).
            DuplicateIdentifierError: Its new case number is taken.
        """
        ...

    def list(self, query: CaseQuery) -> list[Case]:
        """Return the cases matching *query*, oldest first (then by id).

        With ``query.limit`` a page of them, after ``query.after``.
        """
        ...

    def count_open_urgent(self, insurer_id: str) -> int:
        """Return how many open urgent cases the insurer has (R12)."""
        ...

    def next_number(self, insurer_id: str) -> int:
        """Return the next number of the insurer's id sequence (1, 2, ...).

        Numbers are never handed out twice, even to units that roll back, so
        ids may have gaps.
        """
        ...

    def idempotent(self, insurer_id: str, key: str) -> tuple[str, str] | None:
        """Return the (case id, request fingerprint) stored for *key*, or None."""
        ...

    def remember(
        self, insurer_id: str, key: str, case_id: str, fingerprint: str
    ) -> None:
        """Store *key* for the case created with it.

        Raises:
            ConflictError: The key is stored already (here or on commit).
        """
        ...


@runtime_checkable
class ReportingRepository(CaseRepository, Protocol):
    """A `CaseRepository` that computes the urgent-case report's counts itself.

    Optional: for a repository without `report_counts` the service streams the
    period's cases through `aggregate`. A database adapter implements it to
    count inside the database (``GROUP BY``) instead of loading every case.
    """

    def report_counts(
        self, insurer_id: str, start: datetime, end: datetime
    ) -> ReportCounts:
        """Return the `ReportCounts` of the insurer's urgent cases in a period.

        Exactly what `aggregate` counts over the `case_facts` (as of *end*) of
        the insurer's urgent cases created in ``[start, end)``.
        """
        ...


class UnitOfWork(Protocol):
    """A transaction over the cases: all of its writes happen, or none.

    Use it as a context manager; leaving the block without `commit` rolls back.
    """

    @property
    def cases(self) -> CaseRepository:
        """The unit's view of the cases."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every write of the unit durable and visible, atomically.

        Raises:
            ConflictError: A case changed, or a key was stored, since it was read.
            DuplicateIdentifierError: An identifier was taken meanwhile.
            StorageError: The storage failed; nothing was written.
        """
        ...

    def rollback(self) -> None:
        """Forget every write of the unit."""
        ...
