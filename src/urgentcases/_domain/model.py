"""The values of the urgent-case domain: insurers, offices, users, cases, tasks."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TypeAlias

import attrs

from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.policy import Permission
from urgentcases.exceptions import InvalidSettingsError, NaiveDatetimeError

__all__ = [
    "FIRST_AID",
    "INSPECTION",
    "BudgetState",
    "Case",
    "CaseKind",
    "CaseStatus",
    "Grant",
    "Insurer",
    "InsurerUser",
    "ItemKind",
    "LogAction",
    "LogEntry",
    "Office",
    "PartnerUser",
    "ReportPeriod",
    "ReportedItem",
    "Task",
    "User",
    "utc_instant",
]

FIRST_AID = "first_aid"
"""The first-aid task type (*førstehjælpsopgave*): never needs a budget (R11)."""
INSPECTION = "inspection"
"""The inspection task type (*besigtigelsesopgave*)."""


def utc_instant(at: datetime) -> datetime:
    """Return the aware instant *at* in UTC, refusing a naive datetime."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError(at)
    return at.astimezone(UTC)


class ReportPeriod(enum.Enum):
    """How often an insurer's urgent-case report is generated (R17)."""

    WEEKLY = "weekly"
    """Per ISO week, Monday to Sunday, in the insurer's zone."""
    MONTHLY = "monthly"
    """Per calendar month, in the insurer's zone."""


def _task_types(value: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class Insurer:
    """An insurer (*forsikringsselskab*) and its portal settings.

    Attributes:
        id: The insurer's identifier.
        name: Its name.
        office_hours: Its office hours (R2, R3).
        enhanced: The portal switch for enhanced urgent cases (R6).
        report_period: Weekly or monthly urgent-case report (R17).
        min_authority_level: The lowest authority level allowed to convert and
            link urgent cases; 0 means any insurer user.
        budget_task_types: Task types that need an approved budget before
            anything is reported on them (R11); first aid never does.
        id_prefix: The marker in urgent-case ids, ``"Akut"`` (R9).
    """

    id: str
    name: str
    office_hours: OfficeHours = attrs.field(repr=False)
    enhanced: bool = False
    report_period: ReportPeriod = ReportPeriod.WEEKLY
    min_authority_level: int = 0
    budget_task_types: frozenset[str] = attrs.field(
        default=frozenset({"repair"}), converter=_task_types
    )
    id_prefix: str = "Akut"

    def __attrs_post_init__(self) -> None:
        _require_id(self.id, "insurer id")
        if FIRST_AID in self.budget_task_types:
            raise InvalidSettingsError("first-aid tasks never need a budget (R11)")
        if not self.id_prefix.isalnum():
            raise InvalidSettingsError(
                f"id_prefix must be letters and digits, not {self.id_prefix!r}"
            )
        if self.min_authority_level < 0:
            raise InvalidSettingsError("min_authority_level cannot be negative")

    def requires_budget(self, task_type: str) -> bool:
        """Whether a task of *task_type* needs an approved budget before reports."""
        return task_type in self.budget_task_types


@attrs.frozen
class Office:
    """A partner's office (*kontor*); rights are granted per office.

    Attributes:
        id: The office's identifier, unique across partners.
        partner_id: The partner (company) the office belongs to.
        name: Its name.
    """

    id: str
    partner_id: str
    name: str = ""

    def __attrs_post_init__(self) -> None:
        _require_id(self.id, "office id")
        _require_id(self.partner_id, "partner id")


@attrs.frozen
class Grant:
    """What an insurer allows one office (R1, R6).

    Obtain one with `urgentcases.grant`, which refuses the enhanced rights when
    the insurer's portal does not have enhanced urgent cases switched on.

    Attributes:
        insurer_id: The granting insurer.
        office_id: The office.
        permission: When the office may create urgent cases.
        may_assign_other_partners: May assign tasks to other partners' offices.
        may_define_case_id: May choose the id of the urgent cases it creates.
    """

    insurer_id: str
    office_id: str
    permission: Permission = Permission.NEVER
    may_assign_other_partners: bool = False
    may_define_case_id: bool = False

    def __attrs_post_init__(self) -> None:
        _require_id(self.insurer_id, "insurer id")
        _require_id(self.office_id, "office id")
        if not isinstance(self.permission, Permission):
            raise InvalidSettingsError(
                f"permission must be a Permission, not {self.permission!r}"
            )

    def assigns_other_partners(self, insurer: Insurer) -> bool:
        """Whether the assign right has effect: granted and the portal enhanced."""
        return self.may_assign_other_partners and insurer.enhanced

    def defines_case_id(self, insurer: Insurer) -> bool:
        """Whether the case-id right has effect: granted and the portal enhanced."""
        return self.may_define_case_id and insurer.enhanced


@attrs.frozen
class InsurerUser:
    """A user of an insurer, with an authority level (*autoritetsniveau*).

    Attributes:
        id: The user's identifier.
        insurer_id: The insurer the user works for.
        authority_level: 1 and up; level 6 sees the urgent-case report.
        name: A display name.
    """

    id: str
    insurer_id: str
    authority_level: int = 1
    name: str = ""

    def __attrs_post_init__(self) -> None:
        _require_id(self.id, "user id")
        _require_id(self.insurer_id, "insurer id")
        level: object = self.authority_level
        if type(level) is not int or level < 1:
            raise InvalidSettingsError(
                f"authority_level is 1 or more, not {self.authority_level!r}"
            )


@attrs.frozen
class PartnerUser:
    """A user of a partner office.

    Attributes:
        id: The user's identifier.
        office: The office the user works in.
        name: A display name.
    """

    id: str
    office: Office
    name: str = ""

    def __attrs_post_init__(self) -> None:
        _require_id(self.id, "user id")
        if not isinstance(self.office, Office):
            raise InvalidSettingsError(f"office must be an Office, not {self.office!r}")

    @property
    def partner_id(self) -> str:
        """The partner the user's office belongs to."""
        return self.office.partner_id


User: TypeAlias = InsurerUser | PartnerUser
"""Anyone acting on cases: an insurer user or a partner user."""


class CaseKind(enum.Enum):
    """Whether a case is (still) an urgent case."""

    URGENT = "urgent"
    NORMAL = "normal"


class CaseStatus(enum.Enum):
    """Whether a case is open or discontinued (*afbrudt*, terminal)."""

    OPEN = "open"
    DISCONTINUED = "discontinued"


class BudgetState(enum.Enum):
    """Where a task's budget stands (R11)."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    APPROVED = "approved"


class ItemKind(enum.Enum):
    """What a reported item (*rapportering*) is."""

    NOTE = "note"
    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


@attrs.frozen
class ReportedItem:
    """A note or a multimedia item reported on a task; the bytes live elsewhere.

    Attributes:
        id: Unique within the insurer: the task's id and a sequence number.
        kind: Note or multimedia kind.
        reported_by: The reporting user's id.
        reported_at: When, as an aware UTC instant.
        text: A note's text (empty for media).
        file_name: The media file's name.
        content_type: Its MIME type, e.g. ``image/jpeg``.
        size: Its size in bytes.
        checksum: Its checksum, e.g. ``sha256:…``.
        storage_uri: Where the host stored the bytes.
    """

    id: str
    kind: ItemKind
    reported_by: str
    reported_at: datetime
    text: str = ""
    file_name: str = ""
    content_type: str = ""
    size: int = 0
    checksum: str = ""
    storage_uri: str = ""


@attrs.frozen
class Task:
    """A task in a case (*opgave*), e.g. first aid or inspection.

    Attributes:
        id: Unique within the insurer; kept when the task moves (R15).
        type: The task type, e.g. `FIRST_AID` or `INSPECTION`.
        office_id: The office the task is assigned to, or None.
        budget: Where its budget stands.
        items: What has been reported on it, oldest first.
        origin_case_id: The urgent case it came from when linked, else None.
    """

    id: str
    type: str
    office_id: str | None = None
    budget: BudgetState = BudgetState.NOT_REQUIRED
    items: tuple[ReportedItem, ...] = ()
    origin_case_id: str | None = None

    @property
    def reportable(self) -> bool:
        """Whether items may be reported now: no budget needed, or approved."""
        return self.budget is not BudgetState.PENDING


class LogAction(enum.Enum):
    """What a case-log entry records."""

    CREATED = "created"
    TASK_ADDED = "task_added"
    TASK_ASSIGNED = "task_assigned"
    BUDGET_APPROVED = "budget_approved"
    ITEM_REPORTED = "item_reported"
    EVENT_TAGGED = "event_tagged"
    CONVERTED = "converted"
    LINKED_INTO = "linked_into"
    LINKED_FROM = "linked_from"


@attrs.frozen
class LogEntry:
    """One entry of a case's append-only log (the "Grand log").

    Attributes:
        at: When, as an aware UTC instant.
        actor_id: Who.
        action: What.
        references: Related ids, e.g. ``(("target", "4711"),)``.
    """

    at: datetime
    actor_id: str
    action: LogAction
    references: tuple[tuple[str, str], ...] = ()

    def reference(self, name: str) -> str | None:
        """Return the reference called *name*, or None."""
        return next((value for key, value in self.references if key == name), None)


@attrs.frozen
class Case:
    """A case: an urgent case (*akut sag*) or a normal case.

    Attributes:
        id: The case's identifier within its insurer. For an urgent case the
            ``Akut`` id (R9); it stays the same after conversion, so the former
            id remains findable.
        insurer_id: The owning insurer.
        kind: Urgent or normal.
        status: Open or discontinued.
        created_at: When it was created, as an aware UTC instant.
        created_by: The creating user's id.
        office_id: The creating office (None for a case the insurer opened).
        partner_id: The creating office's partner (None likewise).
        fields: The form's fields, as sorted (name, value) pairs.
        event_code: A catastrophe event code, e.g. a named storm, or None.
        case_number: The insurer's case number (*sagsnummer*) once normal.
        handler_id: The case handler (*sagsbehandler*) once normal.
        tasks: Its tasks.
        log: Its log, oldest first; it only grows.
        linked_into: For a discontinued urgent case, the target's id.
        permission: For an urgent case, the permission it was created under
            (None for a case the insurer opened).
        outside_office_hours: For an urgent case, whether it was created
            outside the insurer's office hours (None likewise).
        version: Increases by one with every change (optimistic concurrency).
    """

    id: str
    insurer_id: str
    kind: CaseKind
    created_at: datetime
    created_by: str
    status: CaseStatus = CaseStatus.OPEN
    office_id: str | None = None
    partner_id: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    event_code: str | None = None
    case_number: str | None = None
    handler_id: str | None = None
    tasks: tuple[Task, ...] = ()
    log: tuple[LogEntry, ...] = ()
    linked_into: str | None = None
    permission: Permission | None = None
    outside_office_hours: bool | None = None
    version: int = 1

    @property
    def is_open_urgent(self) -> bool:
        """Whether the case still needs an insurer's action (R12)."""
        return self.kind is CaseKind.URGENT and self.status is CaseStatus.OPEN

    @property
    def display_id(self) -> str:
        """The id shown in case lists: the case number once normal, else the id."""
        return self.case_number or self.id

    def field(self, name: str) -> str | None:
        """Return the form field *name*, or None."""
        return next((value for key, value in self.fields if key == name), None)

    def task(self, task_id: str) -> Task | None:
        """Return the task *task_id*, or None."""
        return next((task for task in self.tasks if task.id == task_id), None)

    def office_ids(self) -> frozenset[str]:
        """The offices with a task in the case."""
        return frozenset(t.office_id for t in self.tasks if t.office_id is not None)


def _require_id(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSettingsError(f"{what} must be a non-empty string, not {value!r}")
