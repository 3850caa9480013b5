"""The urgent-case lifecycle as pure functions (R5-R16).

Every action takes frozen values and an aware instant and returns an `Outcome`:
the new versions of the cases it changed and the domain events it caused. Each
action that can be refused has a side-effect-free guard (``can_…``) answering
with a `Verdict` whose ``reason`` is the code the action's error carries.
Nothing here reads a clock, touches storage or keeps state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeAlias

import attrs

from urgentcases._domain.forms import (
    FieldError,
    TaskRequest,
    UrgentCaseForm,
    valid_code,
    valid_task_type,
    validate_form,
)
from urgentcases._domain.model import (
    FIRST_AID,
    BudgetState,
    Case,
    CaseKind,
    CaseStatus,
    Grant,
    Insurer,
    InsurerUser,
    ItemKind,
    LogAction,
    LogEntry,
    Office,
    PartnerUser,
    ReportedItem,
    Task,
    User,
    utc_instant,
)
from urgentcases._domain.policy import Permission, decide_creation
from urgentcases.exceptions import (
    BudgetRequiredError,
    CreationRefusedError,
    EnhancedNotEnabledError,
    InvalidFormError,
    InvalidLinkTargetError,
    InvalidTransitionError,
    NotPermittedError,
    RefusedError,
    TaskNotFoundError,
)

__all__ = [
    "REPORT_AUTHORITY_LEVEL",
    "BudgetApproved",
    "CaseConverted",
    "CaseCreated",
    "CaseLinked",
    "Event",
    "EventTagged",
    "ItemReported",
    "Outcome",
    "ReportForm",
    "TaskAssigned",
    "Verdict",
    "approve_budget",
    "assign_task",
    "can_convert",
    "can_link",
    "can_link_from",
    "can_see",
    "can_see_report",
    "convert_to_normal",
    "create_urgent_case",
    "grant",
    "link_into",
    "new_normal_case",
    "report_item",
    "tag_event",
    "urgent_id",
    "visible_cases",
]


# -- events ----------------------------------------------------------------------


@attrs.frozen
class CaseCreated:
    """An urgent case was created."""

    insurer_id: str
    case_id: str
    office_id: str | None
    actor_id: str
    at: datetime
    event_code: str | None = None


@attrs.frozen
class TaskAssigned:
    """A task was created or assigned to an office."""

    insurer_id: str
    case_id: str
    task_id: str
    task_type: str
    office_id: str | None
    actor_id: str
    at: datetime


@attrs.frozen
class BudgetApproved:
    """A task's budget was approved; reporting on it may start."""

    insurer_id: str
    case_id: str
    task_id: str
    actor_id: str
    at: datetime


@attrs.frozen
class ItemReported:
    """A note or multimedia item was reported on a task."""

    insurer_id: str
    case_id: str
    task_id: str
    item_id: str
    kind: ItemKind
    actor_id: str
    at: datetime


@attrs.frozen
class EventTagged:
    """A case was tagged with a catastrophe event code."""

    insurer_id: str
    case_id: str
    event_code: str
    actor_id: str
    at: datetime


@attrs.frozen
class CaseConverted:
    """An urgent case became a normal case (R14)."""

    insurer_id: str
    case_id: str
    case_number: str
    handler_id: str
    actor_id: str
    at: datetime


@attrs.frozen
class CaseLinked:
    """An urgent case was linked into a target and discontinued (R15)."""

    insurer_id: str
    case_id: str
    target_id: str
    task_ids: tuple[str, ...]
    item_count: int
    actor_id: str
    at: datetime


Event: TypeAlias = (
    CaseCreated
    | TaskAssigned
    | BudgetApproved
    | ItemReported
    | EventTagged
    | CaseConverted
    | CaseLinked
)
"""Any domain event."""


@attrs.frozen
class Outcome:
    """What an action did: the changed cases (new versions) and its events.

    Attributes:
        cases: The cases the action changed, as they are now; the acted-on case
            first (for a link: the discontinued urgent case, then the target).
        events: The domain events, in order.
    """

    cases: tuple[Case, ...]
    events: tuple[Event, ...]

    @property
    def case(self) -> Case:
        """The case acted on."""
        return self.cases[0]


# -- verdicts ----------------------------------------------------------------------


@attrs.frozen
class Verdict:
    """A guard's answer: allowed or not, and why. Truthy when allowed.

    Attributes:
        allowed: Whether the action may go ahead.
        reason: A stable code, ``"allowed"`` or the cause of the refusal; the
            action raises an error carrying the same code.
        message: An English sentence naming the case's state and the action.
    """

    allowed: bool
    reason: str
    message: str
    _error: type[RefusedError] = attrs.field(
        default=RefusedError, eq=False, repr=False, alias="error"
    )

    def __bool__(self) -> bool:
        return self.allowed

    def raise_if_refused(self) -> None:
        """Raise the refusal as its error type; do nothing when allowed."""
        if not self.allowed:
            raise self._error(self.message, reason=self.reason)


_ALLOWED = Verdict(True, "allowed", "allowed")


def _refuse(error: type[RefusedError], reason: str, message: str) -> Verdict:
    return Verdict(False, reason, message, error=error)


def _insurer_actor(user: User, insurer: Insurer, action: str) -> Verdict:
    """Only users of the owning insurer, at the configured level, convert or link."""
    if not isinstance(user, InsurerUser) or user.insurer_id != insurer.id:
        return _refuse(
            NotPermittedError,
            "not_insurer_user",
            f"only users of insurer {insurer.id} may {action} urgent cases",
        )
    if user.authority_level < insurer.min_authority_level:
        return _refuse(
            NotPermittedError,
            "authority_too_low",
            f"{action} needs authority level {insurer.min_authority_level}, "
            f"user {user.id} has {user.authority_level}",
        )
    return _ALLOWED


REPORT_AUTHORITY_LEVEL = 6
"""The lowest authority level that may obtain the urgent-case report (R17)."""


def can_see_report(user: User, insurer: Insurer) -> Verdict:
    """Whether *user* may obtain *insurer*'s urgent-case report (R17).

    Only the insurer's own users of authority level `REPORT_AUTHORITY_LEVEL`
    (6) or higher may; the refusal is a `NotPermittedError` with reason
    ``not_insurer_user`` or ``authority_too_low``.
    """
    if not isinstance(user, InsurerUser) or user.insurer_id != insurer.id:
        return _refuse(
            NotPermittedError,
            "not_insurer_user",
            f"only users of insurer {insurer.id} may see its urgent-case report",
        )
    if user.authority_level < REPORT_AUTHORITY_LEVEL:
        return _refuse(
            NotPermittedError,
            "authority_too_low",
            f"the urgent-case report needs authority level {REPORT_AUTHORITY_LEVEL}, "
            f"user {user.id} has {user.authority_level}",
        )
    return _ALLOWED


def _open_urgent(case: Case, action: str) -> Verdict:
    if case.status is CaseStatus.DISCONTINUED:
        return _refuse(
            InvalidTransitionError,
            "discontinued",
            f"can't {action} case {case.id}: it is discontinued",
        )
    if case.kind is not CaseKind.URGENT:
        return _refuse(
            InvalidTransitionError,
            "not_urgent",
            f"can't {action} case {case.id}: it is a normal case",
        )
    return _ALLOWED


def _open(case: Case, action: str) -> None:
    if case.status is CaseStatus.DISCONTINUED:
        raise InvalidTransitionError(
            f"can't {action} in case {case.id}: it is discontinued",
            reason="discontinued",
        )


def _first_refusal(*verdicts: Verdict) -> Verdict:
    return next((verdict for verdict in verdicts if not verdict), _ALLOWED)


# -- rights -------------------------------------------------------------------------


def grant(
    insurer: Insurer,
    office: Office,
    permission: Permission | str = Permission.NEVER,
    *,
    may_assign_other_partners: bool = False,
    may_define_case_id: bool = False,
) -> Grant:
    """Grant *office* its rights at *insurer* (R1, R6).

    *permission* is a `Permission` or its code, e.g. ``"outside-office-hours"``.

    Raises:
        EnhancedNotEnabledError: An enhanced right was asked for while the
            insurer's portal does not have enhanced urgent cases switched on.
        InvalidPermissionError: *permission* names no permission.
    """
    if (may_assign_other_partners or may_define_case_id) and not insurer.enhanced:
        raise EnhancedNotEnabledError(
            "assigning tasks to other partners and defining case ids need enhanced "
            f"urgent cases, which insurer {insurer.id} has not switched on"
        )
    return Grant(
        insurer_id=insurer.id,
        office_id=office.id,
        permission=Permission.parse(permission),
        may_assign_other_partners=may_assign_other_partners,
        may_define_case_id=may_define_case_id,
    )


def can_see(user: User, case: Case) -> bool:
    """Whether *user* may see *case* (R10).

    Insurer users see their insurer's cases; partner users see the cases their
    partner created (from any of its offices) and the cases in which their own
    office has a task. Access follows the tasks when a case is linked.
    """
    if isinstance(user, InsurerUser):
        return case.insurer_id == user.insurer_id
    return case.partner_id == user.partner_id or user.office.id in case.office_ids()


def visible_cases(user: User, cases: Iterable[Case]) -> list[Case]:
    """The cases of *cases* that *user* may see, in the order given."""
    return [case for case in cases if can_see(user, case)]


def _may_assign(
    user: User, case: Case, insurer: Insurer, grant_: Grant | None, office: Office
) -> Verdict:
    """R7: partners assign to their own partner's offices unless R6 says more."""
    if isinstance(user, InsurerUser):
        if user.insurer_id != case.insurer_id:
            return _refuse(
                NotPermittedError, "not_visible", f"case {case.id} is not visible"
            )
        return _ALLOWED
    if not can_see(user, case):
        return _refuse(
            NotPermittedError, "not_visible", f"case {case.id} is not visible"
        )
    if case.kind is not CaseKind.URGENT:
        return _refuse(
            NotPermittedError,
            "not_urgent",
            f"partners assign tasks only in urgent cases; {case.id} is normal",
        )
    if office.partner_id == user.partner_id:
        return _ALLOWED
    if (
        grant_ is None
        or grant_.office_id != user.office.id
        or grant_.insurer_id != case.insurer_id
    ):
        return _refuse(
            NotPermittedError,
            "assign_other_partner",
            f"office {user.office.id} may assign tasks only to its own partner",
        )
    if not grant_.assigns_other_partners(insurer):
        return _refuse(
            NotPermittedError,
            "assign_other_partner",
            f"office {user.office.id} may assign tasks only to its own partner",
        )
    return _ALLOWED


# -- ids ---------------------------------------------------------------------------


def urgent_id(
    insurer: Insurer, *, number: int | None = None, chosen: str | None = None
) -> str:
    """The ``Akut`` id of a new urgent case (R9).

    Generated from the insurer's sequence (``Akut-000123``), or from the id the
    office chose, marked with the prefix unless it already carries it
    (``STORM-7`` -> ``Akut-STORM-7``).
    """
    prefix = insurer.id_prefix
    if chosen is not None:
        # "akut-storm-7" and "Akut-STORM-7" differ only in the marker's case:
        # the marker is always written the insurer's way.
        if chosen[: len(prefix) + 1].lower() == f"{prefix}-".lower():
            chosen = chosen[len(prefix) + 1 :]
        return f"{prefix}-{chosen}"
    if number is None or number < 1:
        raise ValueError("a generated id needs a sequence number of 1 or more")
    return f"{prefix}-{number:06d}"


def _task(case_id: str, index: int, task_type: str, insurer: Insurer) -> Task:
    budget = (
        BudgetState.PENDING
        if task_type != FIRST_AID and insurer.requires_budget(task_type)
        else BudgetState.NOT_REQUIRED
    )
    return Task(id=f"{case_id}/T{index}", type=task_type, budget=budget)


def _entry(at: datetime, user: User, action: LogAction, **references: str) -> LogEntry:
    return LogEntry(
        at=at, actor_id=user.id, action=action, references=tuple(references.items())
    )


def _task_entries(
    at: datetime, user: User, task: Task, *, new: bool = True
) -> tuple[LogEntry, ...]:
    """The log of a task added (if *new*) and assigned (if it has an office)."""
    added = (_entry(at, user, LogAction.TASK_ADDED, task=task.id, type=task.type),)
    if task.office_id is None:
        return added if new else ()
    assigned = _entry(
        at, user, LogAction.TASK_ASSIGNED, task=task.id, office=task.office_id
    )
    return (*added, assigned) if new else (assigned,)


def _changed(case: Case, *entries: LogEntry, **changes: Any) -> Case:
    return attrs.evolve(
        case, log=case.log + entries, version=case.version + 1, **changes
    )


# -- creating ----------------------------------------------------------------------


def create_urgent_case(
    *,
    insurer: Insurer,
    grant: Grant,
    user: PartnerUser,
    form: UrgentCaseForm,
    at: datetime,
    number: int,
    chosen_id_taken: bool = False,
) -> Outcome:
    """Create an urgent case from *form* (R5, R8-R11).

    *grant* is what *insurer* allows the user's office; *number* the next
    number of the insurer's sequence (used when the office does not choose the
    id); *chosen_id_taken* whether storage already has a case with the id the
    form chooses. Every form problem, including tasks the office may not
    assign and a taken id, is reported at once.

    Raises:
        NotPermittedError: The user is not a partner user of the granted office.
        CreationRefusedError: The office may not create urgent cases now.
        InvalidFormError: The form has invalid fields; all are listed.
        NaiveDatetimeError: *at* has no UTC offset.
    """
    if (
        not isinstance(user, PartnerUser)
        or grant.office_id != user.office.id
        or grant.insurer_id != insurer.id
    ):
        raise NotPermittedError(
            "urgent cases are created by a user of the granted office",
            reason="not_office_user",
        )
    decision = decide_creation(grant.permission, insurer.office_hours, at)
    if not decision:
        raise CreationRefusedError(decision)
    errors = list(
        validate_form(
            form,
            today=insurer.office_hours.localize(at).date(),
            may_define_case_id=grant.defines_case_id(insurer),
        )
    )
    draft = Case(
        id="?",
        insurer_id=insurer.id,
        kind=CaseKind.URGENT,
        created_at=utc_instant(at),
        created_by=user.id,
        office_id=user.office.id,
        partner_id=user.partner_id,
    )
    for index, request in enumerate(form.tasks):
        office = request.office
        if office is not None and isinstance(request, TaskRequest):
            verdict = _may_assign(user, draft, insurer, grant, office)
            if not verdict:
                errors.append(
                    FieldError(f"tasks[{index}].office", "not_allowed", verdict.message)
                )
    if chosen_id_taken and not any(error.field == "case_id" for error in errors):
        errors.append(FieldError("case_id", "taken", "is already a case"))
    if errors:
        raise InvalidFormError(errors)
    case_id = urgent_id(insurer, number=number, chosen=form.case_id)
    when = utc_instant(at)
    tasks = tuple(
        attrs.evolve(
            _task(case_id, index, request.type, insurer),
            office_id=None if request.office is None else request.office.id,
        )
        for index, request in enumerate(form.tasks, start=1)
    )
    created = _entry(when, user, LogAction.CREATED, office=user.office.id)
    case = attrs.evolve(
        draft,
        id=case_id,
        fields=form.text_fields(),
        event_code=form.event_code,
        tasks=tasks,
        log=(created, *(e for t in tasks for e in _task_entries(when, user, t))),
        permission=grant.permission,
        outside_office_hours=insurer.office_hours.outside_check(when),
    )
    events: list[Event] = [
        CaseCreated(insurer.id, case_id, user.office.id, user.id, when, form.event_code)
    ]
    events += [
        TaskAssigned(insurer.id, case_id, t.id, t.type, t.office_id, user.id, when)
        for t in tasks
        if t.office_id is not None
    ]
    return Outcome((case,), tuple(events))


def new_normal_case(
    *,
    insurer: Insurer,
    case_number: str,
    handler: InsurerUser,
    at: datetime,
    fields: Mapping[str, str] | None = None,
) -> Case:
    """A normal case the insurer opened itself, e.g. as a link target.

    Its id is its case number. Hosts that keep normal cases elsewhere store a
    copy through the repository so that urgent cases can be linked into it;
    *fields* such as ``policy_number``, ``address``, ``policyholder`` and
    ``loss_date`` (ISO) let `link_candidates` find it.
    """
    errors = []
    pairs = tuple(sorted((fields or {}).items()))
    for name, value in pairs:
        if not isinstance(value, str) or "\x00" in value:
            errors.append(FieldError(name, "invalid", "must be text without NUL"))
    if not valid_code(case_number):
        errors.append(
            FieldError("case_number", "invalid", "must be 1-40 letters, digits, - or _")
        )
    if not isinstance(handler, InsurerUser) or handler.insurer_id != insurer.id:
        errors.append(
            FieldError("handler", "invalid", f"must be a user of insurer {insurer.id}")
        )
    if errors:
        raise InvalidFormError(errors)
    when = utc_instant(at)
    return Case(
        id=case_number,
        insurer_id=insurer.id,
        kind=CaseKind.NORMAL,
        created_at=when,
        created_by=handler.id,
        case_number=case_number,
        handler_id=handler.id,
        fields=pairs,
        log=(_entry(when, handler, LogAction.CREATED),),
    )


# -- tasks and reports --------------------------------------------------------------


def assign_task(
    case: Case,
    *,
    insurer: Insurer,
    user: User,
    office: Office,
    at: datetime,
    task_type: str | None = None,
    task_id: str | None = None,
    grant: Grant | None = None,
) -> Outcome:
    """Assign a task to *office*: a new task of *task_type*, or the task *task_id*.

    Insurer users may always assign. Partner users assign in urgent cases they
    see, to their own partner's offices, or to any office with the enhanced
    assign right in their office's *grant* (R6, R7).

    Raises:
        InvalidTransitionError: The case is discontinued.
        NotPermittedError: The user may not assign to that office.
        TaskNotFoundError: *task_id* names no task of the case.
        InvalidFormError: *task_type* is not a task type.
    """
    if (task_type is None) == (task_id is None):
        raise InvalidFormError(
            [FieldError("task", "invalid", "give exactly one of task_type and task_id")]
        )
    _open(case, "assign a task")
    _may_assign(user, case, insurer, grant, office).raise_if_refused()
    when = utc_instant(at)
    if task_id is not None:
        task = _find_task(case, task_id)
        tasks = tuple(
            attrs.evolve(t, office_id=office.id) if t.id == task_id else t
            for t in case.tasks
        )
        task = attrs.evolve(task, office_id=office.id)
    else:
        assert task_type is not None
        if not valid_task_type(task_type):
            raise InvalidFormError(
                [FieldError("task_type", "invalid", "is not a task type")]
            )
        task = attrs.evolve(
            _task(case.id, len(case.tasks) + 1, task_type, insurer), office_id=office.id
        )
        tasks = (*case.tasks, task)
    entries = _task_entries(when, user, task, new=task_id is None)
    event = TaskAssigned(
        case.insurer_id, case.id, task.id, task.type, office.id, user.id, when
    )
    return Outcome((_changed(case, *entries, tasks=tasks),), (event,))


def approve_budget(
    case: Case, *, insurer: Insurer, user: User, task_id: str, at: datetime
) -> Outcome:
    """Approve the budget of a task that needs one (R11); insurer users only.

    Raises:
        NotPermittedError: The user is not a user of the case's insurer, or
            the case is not *insurer*'s.
        InvalidTransitionError: The case is discontinued, or the task's budget
            is not pending (not needed, or already approved).
        TaskNotFoundError: The case has no such task.
    """
    _open(case, "approve a budget")
    _insurer_of(case, insurer)
    if not isinstance(user, InsurerUser) or user.insurer_id != case.insurer_id:
        raise NotPermittedError(
            "only users of the case's insurer approve budgets",
            reason="not_insurer_user",
        )
    task = _find_task(case, task_id)
    if task.budget is not BudgetState.PENDING:
        raise InvalidTransitionError(
            f"can't approve the budget of task {task_id}: it is {task.budget.value}",
            reason="budget_not_pending",
        )
    when = utc_instant(at)
    tasks = tuple(
        attrs.evolve(t, budget=BudgetState.APPROVED) if t.id == task_id else t
        for t in case.tasks
    )
    entry = _entry(when, user, LogAction.BUDGET_APPROVED, task=task_id)
    event = BudgetApproved(case.insurer_id, case.id, task_id, user.id, when)
    return Outcome((_changed(case, entry, tasks=tasks),), (event,))


@attrs.frozen
class ReportForm:
    """A note or the metadata of a multimedia item to report on a task.

    Attributes:
        kind: What it is.
        text: The note's text (required for a note).
        file_name: The file's name (required for media).
        content_type: The MIME type, e.g. ``image/jpeg`` (required for media).
        size: The size in bytes.
        checksum: A checksum of the bytes, e.g. ``sha256:…``.
        storage_uri: Where the host stored the bytes (required for media).
    """

    kind: ItemKind
    text: str = ""
    file_name: str = ""
    content_type: str = ""
    size: int = 0
    checksum: str = ""
    storage_uri: str = ""

    def errors(self) -> tuple[FieldError, ...]:
        """Every problem with the report, or an empty tuple."""
        errors = []
        kind: object = self.kind
        if not isinstance(kind, ItemKind):
            return (FieldError("kind", "invalid", "is not an ItemKind"),)
        texts = ("text", "file_name", "content_type", "checksum", "storage_uri")
        for name in texts:
            value = getattr(self, name)
            if not isinstance(value, str):
                errors.append(FieldError(name, "invalid", "must be text"))
            elif "\x00" in value:
                errors.append(
                    FieldError(name, "invalid_character", "contains a NUL character")
                )
        if errors:
            return tuple(errors)
        if self.kind is ItemKind.NOTE:
            if not self.text.strip():
                errors.append(FieldError("text", "required", "a note needs text"))
        else:
            for name in ("file_name", "content_type", "storage_uri"):
                if not getattr(self, name).strip():
                    errors.append(FieldError(name, "required", "media need it"))
        size: object = self.size
        if type(size) is not int or size < 0:
            errors.append(FieldError("size", "invalid", "is not a byte count"))
        return tuple(errors)


def report_item(
    case: Case, *, user: User, task_id: str, report: ReportForm, at: datetime
) -> Outcome:
    """Report a note or multimedia item on a task (R11).

    Partner users report on tasks assigned to their office; insurer users on
    any task of their insurer's cases. A task whose type needs a budget refuses
    reports until the budget is approved; first aid never needs one.

    Raises:
        InvalidTransitionError: The case is discontinued.
        NotPermittedError: The user may not report on that task.
        BudgetRequiredError: The task's budget is not approved yet.
        InvalidFormError: The report is incomplete.
        TaskNotFoundError: The case has no such task.
    """
    _open(case, "report")
    task = _find_task(case, task_id)
    if isinstance(user, InsurerUser):
        permitted = user.insurer_id == case.insurer_id
    else:
        permitted = task.office_id == user.office.id
    if not permitted:
        raise NotPermittedError(
            f"user {user.id} may not report on task {task_id}", reason="not_assignee"
        )
    if not task.reportable:
        raise BudgetRequiredError(
            f"task {task_id} ({task.type}) needs an approved budget before reports",
            reason="budget_pending",
        )
    errors = report.errors()
    if errors:
        raise InvalidFormError(errors)
    when = utc_instant(at)
    item = ReportedItem(
        id=f"{task.id}/{len(task.items) + 1}",
        kind=report.kind,
        reported_by=user.id,
        reported_at=when,
        text=report.text,
        file_name=report.file_name,
        content_type=report.content_type,
        size=report.size,
        checksum=report.checksum,
        storage_uri=report.storage_uri,
    )
    tasks = tuple(
        attrs.evolve(t, items=(*t.items, item)) if t.id == task_id else t
        for t in case.tasks
    )
    entry = _entry(when, user, LogAction.ITEM_REPORTED, task=task_id, item=item.id)
    event = ItemReported(
        case.insurer_id, case.id, task_id, item.id, item.kind, user.id, when
    )
    return Outcome((_changed(case, entry, tasks=tasks),), (event,))


def tag_event(
    case: Case, *, insurer: Insurer, user: User, event_code: str, at: datetime
) -> Outcome:
    """Tag *case* with a catastrophe event code, e.g. a named storm; insurer only.

    Raises:
        NotPermittedError: The user is not a user of the case's insurer, or
            the case is not *insurer*'s.
        InvalidTransitionError: The case is discontinued.
        InvalidFormError: The code is not 1-40 letters, digits, ``-`` or ``_``.
    """
    _open(case, "tag an event")
    _insurer_of(case, insurer)
    if not isinstance(user, InsurerUser) or user.insurer_id != case.insurer_id:
        raise NotPermittedError(
            "only users of the case's insurer tag events", reason="not_insurer_user"
        )
    if not isinstance(event_code, str) or not valid_code(event_code):
        raise InvalidFormError(
            [
                FieldError(
                    "event_code", "invalid", "must be 1-40 letters, digits, - or _"
                )
            ]
        )
    when = utc_instant(at)
    entry = _entry(when, user, LogAction.EVENT_TAGGED, event=event_code)
    event = EventTagged(case.insurer_id, case.id, event_code, user.id, when)
    return Outcome((_changed(case, entry, event_code=event_code),), (event,))


def _insurer_of(case: Case, insurer: Insurer) -> None:
    if case.insurer_id != insurer.id:
        raise NotPermittedError(
            f"case {case.id} is not {insurer.id}'s", reason="wrong_insurer"
        )


def _find_task(case: Case, task_id: str) -> Task:
    task = case.task(task_id)
    if task is None:
        raise TaskNotFoundError(f"case {case.id} has no task {task_id!r}")
    return task


# -- to normal and link ---------------------------------------------------------------


def can_convert(
    case: Case,
    *,
    insurer: Insurer,
    user: User,
    case_number: str,
    handler: InsurerUser,
) -> Verdict:
    """Whether *user* may turn *case* into a normal case (R13, R14).

    The uniqueness of *case_number* within the insurer is a question for
    storage; the service layer checks it.
    """
    if case.insurer_id != insurer.id:
        return _refuse(
            NotPermittedError, "wrong_insurer", f"case {case.id} is not {insurer.id}'s"
        )
    return _first_refusal(
        _insurer_actor(user, insurer, "convert"),
        _open_urgent(case, "convert"),
        _refusal_if(
            not (isinstance(case_number, str) and valid_code(case_number)),
            "invalid_case_number",
            f"{case_number!r} is not a case number (1-40 letters, digits, - or _)",
        ),
        _refusal_if(
            not isinstance(handler, InsurerUser) or handler.insurer_id != insurer.id,
            "invalid_handler",
            f"the case handler must be a user of insurer {insurer.id}",
        ),
    )


def _refusal_if(condition: bool, reason: str, message: str) -> Verdict:
    if condition:
        return _refuse(InvalidTransitionError, reason, message)
    return _ALLOWED


def convert_to_normal(
    case: Case,
    *,
    insurer: Insurer,
    user: User,
    case_number: str,
    handler: InsurerUser,
    at: datetime,
) -> Outcome:
    """Turn the urgent *case* into a normal case (R14).

    Its ``Akut`` id stays its id (and findable); it gains the case number and
    the case handler, and the log records the conversion.

    Raises:
        NotPermittedError: Not a user of the insurer, or too low a level.
        InvalidTransitionError: The case is not an open urgent case, or the
            case number or handler is invalid.
    """
    can_convert(
        case, insurer=insurer, user=user, case_number=case_number, handler=handler
    ).raise_if_refused()
    when = utc_instant(at)
    entry = _entry(
        when,
        user,
        LogAction.CONVERTED,
        former_id=case.id,
        case_number=case_number,
        handler=handler.id,
    )
    changed = _changed(
        case,
        entry,
        kind=CaseKind.NORMAL,
        case_number=case_number,
        handler_id=handler.id,
    )
    event = CaseConverted(
        case.insurer_id, case.id, case_number, handler.id, user.id, when
    )
    return Outcome((changed,), (event,))


def can_link(source: Case, target: Case, *, insurer: Insurer, user: User) -> Verdict:
    """Whether *user* may link the urgent case *source* into *target* (R15).

    The target must be another open normal case of the same insurer.
    """
    return _first_refusal(
        can_link_from(source, insurer=insurer, user=user), _link_target(source, target)
    )


def can_link_from(source: Case, *, insurer: Insurer, user: User) -> Verdict:
    """Whether *user* may link *source* into some case: `can_link` less the target.

    A host asks this before it looks the target up, so that someone who may not
    link learns nothing about which cases exist.
    """
    if source.insurer_id != insurer.id:
        return _refuse(
            NotPermittedError,
            "wrong_insurer",
            f"case {source.id} is not {insurer.id}'s",
        )
    return _first_refusal(
        _insurer_actor(user, insurer, "link"), _open_urgent(source, "link")
    )


def _link_target(source: Case, target: Case) -> Verdict:
    def refuse(reason: str, why: str) -> Verdict:
        return _refuse(
            InvalidLinkTargetError,
            reason,
            f"can't link case {source.id} into {target.id}: {why}",
        )

    if target.insurer_id != source.insurer_id:
        return refuse("cross_insurer", "it belongs to another insurer")
    if target.id == source.id:
        return refuse("self_link", "a case cannot be linked into itself")
    if target.status is CaseStatus.DISCONTINUED:
        return refuse("target_discontinued", "it is discontinued")
    if target.kind is CaseKind.URGENT:
        return refuse("target_urgent", "it is an urgent case; convert it first")
    return _ALLOWED


def link_into(
    source: Case, target: Case, *, insurer: Insurer, user: User, at: datetime
) -> Outcome:
    """Link the urgent case *source* into *target* and discontinue it (R15).

    Every task, with its assignment, budget and reported items, moves into the
    target with its id kept and its origin recorded; the target's log links to
    the source and the source's log names the target.

    Returns:
        An outcome whose cases are the discontinued source, then the target.

    Raises:
        NotPermittedError: Not a user of the insurer, or too low a level.
        InvalidTransitionError: The source is not an open urgent case.
        InvalidLinkTargetError: The target is not another open normal case of
            the same insurer.
    """
    can_link(source, target, insurer=insurer, user=user).raise_if_refused()
    when = utc_instant(at)
    moved = tuple(
        attrs.evolve(task, origin_case_id=task.origin_case_id or source.id)
        for task in source.tasks
    )
    items = sum(len(task.items) for task in moved)
    discontinued = _changed(
        source,
        _entry(when, user, LogAction.LINKED_INTO, target=target.id),
        status=CaseStatus.DISCONTINUED,
        tasks=(),
        linked_into=target.id,
    )
    linked = _changed(
        target,
        _entry(
            when,
            user,
            LogAction.LINKED_FROM,
            source=source.id,
            tasks=str(len(moved)),
            items=str(items),
        ),
        tasks=target.tasks + moved,
    )
    event = CaseLinked(
        source.insurer_id,
        source.id,
        target.id,
        tuple(task.id for task in moved),
        items,
        user.id,
        when,
    )
    return Outcome((discontinued, linked), (event,))
