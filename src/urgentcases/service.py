"""The service layer: what a host calls, one transaction per command.

Each command loads what it needs through a fresh `UnitOfWork`, applies a pure
lifecycle function, saves the result with optimistic concurrency and commits;
it returns the lifecycle's `Outcome` with the domain events for the host to
publish. The host passes in who acts (a `User` it has authenticated), the
insurer's settings, and an aware instant: the service reads no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from urgentcases._domain import lifecycle
from urgentcases._domain.calendar import Language
from urgentcases._domain.candidates import Candidate, link_candidates
from urgentcases._domain.forms import UrgentCaseForm, valid_code
from urgentcases._domain.lifecycle import Outcome, ReportForm, Verdict
from urgentcases._domain.messages import pending_notice
from urgentcases._domain.model import (
    Case,
    CaseKind,
    CaseStatus,
    Grant,
    Insurer,
    InsurerUser,
    Office,
    PartnerUser,
    User,
)
from urgentcases._domain.periods import Period
from urgentcases._domain.report import (
    Report,
    aggregate,
    case_facts,
    report_bounds,
)
from urgentcases.exceptions import (
    CaseNotFoundError,
    ConflictError,
    DuplicateIdentifierError,
    IdempotencyKeyReusedError,
    NotPermittedError,
    StorageError,
)
from urgentcases.ports import (
    CaseQuery,
    CaseRepository,
    ReportingRepository,
    UnitOfWork,
    page_key,
)

__all__ = ["UrgentCaseService"]


class UrgentCaseService:
    """The commands and queries of urgent cases over a host's storage.

    Args:
        units: Makes a new `UnitOfWork`, e.g. ``MemoryStorage().unit_of_work``.
    """

    def __init__(self, units: Callable[[], UnitOfWork]) -> None:
        self._units = units

    # -- commands ----------------------------------------------------------------

    def create(
        self,
        *,
        user: PartnerUser,
        insurer: Insurer,
        grant: Grant,
        form: UrgentCaseForm,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Create an urgent case (see `create_urgent_case`).

        With an *idempotency_key*, a retry of the same request returns the case
        the first attempt created, with no events, instead of a duplicate.

        Raises:
            CreationRefusedError: The office may not create urgent cases now.
            InvalidFormError: The form is invalid (a chosen id that is taken is
                reported as a ``case_id`` error).
            IdempotencyKeyReusedError: The key came with a different request.
        """
        fingerprint = _fingerprint(user, grant, form)
        for attempt in range(2):
            with self._units() as unit:
                if idempotency_key is not None:
                    known = unit.cases.idempotent(insurer.id, idempotency_key)
                    if known is not None:
                        return _replay(
                            unit, insurer, idempotency_key, known, fingerprint
                        )
                outcome = lifecycle.create_urgent_case(
                    insurer=insurer,
                    grant=grant,
                    user=user,
                    form=form,
                    at=at,
                    number=self._free_number(unit, insurer, form),
                    chosen_id_taken=self._chosen_id_taken(unit, insurer, form),
                )
                try:
                    unit.cases.add(outcome.case)
                    if idempotency_key is not None:
                        unit.cases.remember(
                            insurer.id, idempotency_key, outcome.case.id, fingerprint
                        )
                    unit.commit()
                except (ConflictError, DuplicateIdentifierError):
                    # A concurrent retry with the same key won: answer as it did.
                    if idempotency_key is None or attempt:
                        raise
                    continue
                return outcome
        raise AssertionError("unreachable")  # pragma: no cover

    def assign(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        office: Office,
        at: datetime,
        task_type: str | None = None,
        task_id: str | None = None,
        grant: Grant | None = None,
    ) -> Outcome:
        """Assign a task to *office* (see `assign_task`)."""
        return self._change(
            user,
            insurer,
            case_id,
            lambda case: lifecycle.assign_task(
                case,
                insurer=insurer,
                user=user,
                office=office,
                at=at,
                task_type=task_type,
                task_id=task_id,
                grant=grant,
            ),
        )

    def approve_budget(
        self, *, user: User, insurer: Insurer, case_id: str, task_id: str, at: datetime
    ) -> Outcome:
        """Approve a task's budget (see `approve_budget`)."""
        return self._change(
            user,
            insurer,
            case_id,
            lambda case: lifecycle.approve_budget(
                case, insurer=insurer, user=user, task_id=task_id, at=at
            ),
        )

    def report(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        task_id: str,
        report: ReportForm,
        at: datetime,
    ) -> Outcome:
        """Report a note or multimedia item on a task (see `report_item`)."""
        return self._change(
            user,
            insurer,
            case_id,
            lambda case: lifecycle.report_item(
                case, user=user, task_id=task_id, report=report, at=at
            ),
        )

    def tag_event(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        event_code: str,
        at: datetime,
    ) -> Outcome:
        """Tag a case with a catastrophe event code (see `tag_event`)."""
        return self._change(
            user,
            insurer,
            case_id,
            lambda case: lifecycle.tag_event(
                case, insurer=insurer, user=user, event_code=event_code, at=at
            ),
        )

    def convert(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        case_number: str,
        handler: InsurerUser,
        at: datetime,
    ) -> Outcome:
        """Turn an urgent case into a normal case (see `convert_to_normal`).

        Raises:
            DuplicateIdentifierError: The case number is taken.
            ConflictError: Someone else changed the case first.
        """
        with self._units() as unit:
            case = self._visible(unit, user, insurer, case_id)
            outcome = lifecycle.convert_to_normal(
                case,
                insurer=insurer,
                user=user,
                case_number=case_number,
                handler=handler,
                at=at,
            )
            # Only once the user may convert: no one else learns which numbers exist.
            self._number_free(unit, insurer, case_number)
            unit.cases.save(outcome.case)
            unit.commit()
            return outcome

    def link(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        target_id: str,
        at: datetime,
    ) -> Outcome:
        """Link an urgent case into a normal case (see `link_into`).

        Both cases change in one transaction: either the whole link happened or
        none of it (R16).

        Raises:
            CaseNotFoundError: The target does not exist.
            ConflictError: Someone else changed either case first.
        """
        with self._units() as unit:
            source = self._visible(unit, user, insurer, case_id)
            # Only once the user may link: no one else learns which cases exist.
            lifecycle.can_link_from(
                source, insurer=insurer, user=user
            ).raise_if_refused()
            target = unit.cases.find(insurer.id, target_id)
            if target is None:
                raise CaseNotFoundError(
                    f"insurer {insurer.id} has no case {target_id!r}"
                )
            outcome = lifecycle.link_into(
                source, target, insurer=insurer, user=user, at=at
            )
            for case in outcome.cases:
                unit.cases.save(case)
            unit.commit()
            return outcome

    def open_normal_case(
        self,
        *,
        insurer: Insurer,
        case_number: str,
        handler: InsurerUser,
        at: datetime,
        fields: Mapping[str, str] | None = None,
    ) -> Case:
        """Store a normal case the insurer opened, e.g. as a link target."""
        case = lifecycle.new_normal_case(
            insurer=insurer,
            case_number=case_number,
            handler=handler,
            at=at,
            fields=fields,
        )
        with self._units() as unit:
            unit.cases.add(case)
            unit.commit()
        return case

    # -- guards --------------------------------------------------------------------

    def can_convert(
        self,
        *,
        user: User,
        insurer: Insurer,
        case_id: str,
        case_number: str,
        handler: InsurerUser,
    ) -> Verdict:
        """Whether `convert` would succeed now, without doing it."""
        with self._units() as unit:
            case = self._visible(unit, user, insurer, case_id)
            verdict = lifecycle.can_convert(
                case,
                insurer=insurer,
                user=user,
                case_number=case_number,
                handler=handler,
            )
            if verdict and unit.cases.find(insurer.id, case_number) is not None:
                return Verdict(
                    False,
                    "identifier_taken",
                    f"{case_number!r} is already a case of insurer {insurer.id}",
                    error=DuplicateIdentifierError,
                )
            return verdict

    def can_link(
        self, *, user: User, insurer: Insurer, case_id: str, target_id: str
    ) -> Verdict:
        """Whether `link` would succeed now, without doing it."""
        with self._units() as unit:
            source = self._visible(unit, user, insurer, case_id)
            verdict = lifecycle.can_link_from(source, insurer=insurer, user=user)
            if not verdict:
                return verdict
            target = unit.cases.find(insurer.id, target_id)
            if target is None:
                raise CaseNotFoundError(
                    f"insurer {insurer.id} has no case {target_id!r}"
                )
            return lifecycle.can_link(source, target, insurer=insurer, user=user)

    # -- queries -----------------------------------------------------------------

    def link_candidates(
        self, *, user: User, insurer: Insurer, case_id: str, limit: int = 10
    ) -> list[Candidate]:
        """The open normal cases the urgent case most likely belongs to, ranked.

        Asked by someone who may link it (see `can_link_from`); each candidate
        says why it ranks where it does.

        Raises:
            NotPermittedError: The user may not link urgent cases.
            InvalidTransitionError: The case is not an open urgent case.
        """
        with self._units() as unit:
            urgent = self._visible(unit, user, insurer, case_id)
            lifecycle.can_link_from(
                urgent, insurer=insurer, user=user
            ).raise_if_refused()
            normal = unit.cases.list(
                CaseQuery(insurer.id, kind=CaseKind.NORMAL, status=CaseStatus.OPEN)
            )
            return link_candidates(urgent, normal, limit=limit)

    def case(self, *, user: User, insurer: Insurer, case_id: str) -> Case:
        """Return a case the user may see, by id, case number or former id.

        Raises:
            CaseNotFoundError: There is no such case.
            NotPermittedError: The user may not see it (R10).
        """
        with self._units() as unit:
            return self._visible(unit, user, insurer, case_id)

    def cases(
        self, *, user: User, insurer: Insurer, urgent_only: bool = False
    ) -> list[Case]:
        """The user's case list; *urgent_only* is the "Akut sag" filter (R12)."""
        with self._units() as unit:
            return unit.cases.list(
                CaseQuery(insurer.id, urgent_only=urgent_only, visible_to=user)
            )

    def pending_count(self, *, user: User, insurer: Insurer) -> int:
        """How many urgent cases must be linked: the insurer's open urgent cases.

        Raises:
            NotPermittedError: The user is not a user of the insurer.
        """
        if not isinstance(user, InsurerUser) or user.insurer_id != insurer.id:
            raise NotPermittedError(
                "the notice is for the insurer's users", reason="not_insurer_user"
            )
        with self._units() as unit:
            return unit.cases.count_open_urgent(insurer.id)

    def pending_notice(
        self, *, user: User, insurer: Insurer, language: Language = "da"
    ) -> str:
        """The notice "X sag(er) skal tilknyttes" / "X case(s) must be linked"."""
        return pending_notice(self.pending_count(user=user, insurer=insurer), language)

    def period_report(self, *, user: User, insurer: Insurer, period: Period) -> Report:
        """The urgent-case report of *insurer* for *period* (R17).

        Counted inside the storage when its repository is a
        `ReportingRepository` (the SQL adapter), else by streaming the
        period's cases through `aggregate`, a page at a time.

        Raises:
            NotPermittedError: The user is not one of the insurer's users of
                authority level 6 or higher (see `can_see_report`).
            InvalidPeriodError: *period* is not of the insurer's report period.
        """
        lifecycle.can_see_report(user, insurer).raise_if_refused()
        start, end = report_bounds(insurer, period)
        with self._units() as unit:
            cases = unit.cases
            if isinstance(cases, ReportingRepository):
                counts = cases.report_counts(insurer.id, start, end)
            else:
                counts = aggregate(
                    case_facts(case, end)
                    for case in _created_between(cases, insurer.id, start, end)
                    if case.permission is not None
                )
        return Report.from_counts(insurer, period, counts)

    # -- internals -----------------------------------------------------------------

    def _change(
        self,
        user: User,
        insurer: Insurer,
        case_id: str,
        action: Callable[[Case], Outcome],
    ) -> Outcome:
        with self._units() as unit:
            outcome = action(self._visible(unit, user, insurer, case_id))
            for case in outcome.cases:
                unit.cases.save(case)
            unit.commit()
            return outcome

    @staticmethod
    def _visible(unit: UnitOfWork, user: User, insurer: Insurer, case_id: str) -> Case:
        case = unit.cases.find(insurer.id, case_id)
        if case is None:
            raise CaseNotFoundError(f"insurer {insurer.id} has no case {case_id!r}")
        if not lifecycle.can_see(user, case):
            raise NotPermittedError(
                f"user {user.id} may not see case {case_id}", reason="not_visible"
            )
        return case

    @staticmethod
    def _chosen_id_taken(
        unit: UnitOfWork, insurer: Insurer, form: UrgentCaseForm
    ) -> bool:
        if form.case_id is None or not valid_code(form.case_id):
            return False
        chosen = lifecycle.urgent_id(insurer, chosen=form.case_id)
        return any(
            unit.cases.find(insurer.id, name) is not None
            for name in {chosen, form.case_id}
        )

    @staticmethod
    def _free_number(unit: UnitOfWork, insurer: Insurer, form: UrgentCaseForm) -> int:
        """The next sequence number whose generated id no chosen id has taken."""
        if form.case_id is not None:
            return 1  # unused: the office chose the id
        while True:
            number = unit.cases.next_number(insurer.id)
            if (
                unit.cases.find(insurer.id, lifecycle.urgent_id(insurer, number=number))
                is None
            ):
                return number

    @staticmethod
    def _number_free(unit: UnitOfWork, insurer: Insurer, case_number: str) -> None:
        if unit.cases.find(insurer.id, case_number) is not None:
            raise DuplicateIdentifierError(
                f"{case_number!r} is already a case of insurer {insurer.id}",
                reason="identifier_taken",
            )


_PAGE = 1000


def _created_between(
    cases: CaseRepository, insurer_id: str, start: datetime, end: datetime
) -> Iterator[Case]:
    """The insurer's cases created in ``[start, end)``, a page at a time."""
    after = (start, "")  # every id is longer than ""
    while True:
        page = cases.list(CaseQuery(insurer_id, after=after, limit=_PAGE))
        for case in page:
            if case.created_at >= end:
                return
            yield case
        if len(page) < _PAGE:
            return
        last = page_key(page[-1])
        if last <= after:  # a repository whose pages do not advance
            raise StorageError(f"case list paging did not advance past {after}")
        after = last


def _fingerprint(user: PartnerUser, grant: Grant, form: UrgentCaseForm) -> str:
    return hashlib.sha256(repr((user, grant, form)).encode()).hexdigest()


def _replay(
    unit: UnitOfWork,
    insurer: Insurer,
    key: str,
    known: tuple[str, str],
    fingerprint: str,
) -> Outcome:
    case_id, stored = known
    if stored != fingerprint:
        raise IdempotencyKeyReusedError(
            f"idempotency key {key!r} was used for another request",
            reason="key_reused",
        )
    return Outcome((unit.cases.get(insurer.id, case_id),), ())
