"""The "+ Ny akutsag" form and its validation (R8)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import attrs

from urgentcases._domain.model import Office

__all__ = [
    "REQUIRED_FIELDS",
    "FieldError",
    "TaskRequest",
    "UrgentCaseForm",
    "validate_form",
]

REQUIRED_FIELDS = ("policyholder", "address", "loss_date", "description")
"""The mandatory fields, marked ``*`` in the form."""

_MAX_LENGTH = {
    "policyholder": 200,
    "address": 300,
    "description": 4000,
    "policy_number": 60,
    "phone": 40,
}
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_TASK_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Text a database or a case list would choke on: NUL and other control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@attrs.frozen
class FieldError:
    """One problem with one form field.

    Attributes:
        field: The field's name, e.g. ``"loss_date"`` or ``"tasks[1].office"``.
        code: A stable code: ``required``, ``too_long``, ``invalid``,
            ``invalid_character``, ``in_future``, ``not_allowed``, ``taken``.
        message: An English sentence for logs and developers.
    """

    field: str
    code: str
    message: str


@attrs.frozen
class TaskRequest:
    """A task to create with the case, optionally assigned to an office.

    Attributes:
        type: The task type, e.g. ``"first_aid"`` or ``"inspection"``.
        office: The office to assign it to, or None.
    """

    type: str
    office: Office | None = None


def _requests(value: Iterable[TaskRequest]) -> tuple[TaskRequest, ...]:
    return tuple(value)


@attrs.frozen
class UrgentCaseForm:
    """What a partner user enters to create an urgent case.

    Attributes:
        policyholder: The policyholder's name. Required.
        address: The damaged property's address. Required.
        loss_date: The date of the loss, a `date` or ``"YYYY-MM-DD"``. Required.
        description: What happened. Required.
        policy_number: The policy number, if known.
        phone: A phone number to call, if any.
        case_id: The case id the office chooses; only with the case-id right (R6).
        event_code: A catastrophe event code, e.g. ``"STORM-ARWEN"``.
        tasks: Tasks to create at once, e.g. first aid.
    """

    policyholder: str = ""
    address: str = ""
    loss_date: date | str | None = None
    description: str = ""
    policy_number: str = ""
    phone: str = ""
    case_id: str | None = None
    event_code: str | None = None
    tasks: tuple[TaskRequest, ...] = attrs.field(default=(), converter=_requests)

    def text_fields(self) -> tuple[tuple[str, str], ...]:
        """The filled-in text fields as sorted (name, value) pairs, stripped."""
        loss = self.loss_date
        values = {
            "policyholder": self.policyholder,
            "address": self.address,
            "description": self.description,
            "policy_number": self.policy_number,
            "phone": self.phone,
            "loss_date": loss.isoformat() if isinstance(loss, date) else loss or "",
        }
        return tuple(
            sorted((name, value.strip()) for name, value in values.items() if value)
        )


def _loss_date(value: date | str | None) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    return None


def validate_form(
    form: UrgentCaseForm, *, today: date, may_define_case_id: bool
) -> tuple[FieldError, ...]:
    """Return every problem with *form*, or an empty tuple when it is valid.

    *today* is the date in the insurer's zone (a loss cannot lie after it);
    *may_define_case_id* whether the office has the case-id right in effect.
    Assignment rights are not form problems: the lifecycle checks them.
    """
    errors: list[FieldError] = []
    # Hosts fill forms from untyped web input: check types, not only values.
    texts: dict[str, object] = {
        "policyholder": form.policyholder,
        "address": form.address,
        "description": form.description,
        "policy_number": form.policy_number,
        "phone": form.phone,
    }
    for name, value in texts.items():
        if not isinstance(value, str):
            errors.append(FieldError(name, "invalid", "must be text"))
        elif name in REQUIRED_FIELDS and not value.strip():
            errors.append(FieldError(name, "required", "is required"))
        elif len(value) > _MAX_LENGTH[name]:
            errors.append(
                FieldError(name, "too_long", f"is longer than {_MAX_LENGTH[name]}")
            )
        elif _CONTROL.search(value):
            errors.append(
                FieldError(name, "invalid_character", "contains a control character")
            )
    if form.loss_date is None or form.loss_date == "":
        errors.append(FieldError("loss_date", "required", "is required"))
    else:
        try:
            loss = _loss_date(form.loss_date)
        except (ValueError, TypeError):
            errors.append(FieldError("loss_date", "invalid", "is not YYYY-MM-DD"))
        else:
            if loss is None or hasattr(loss, "hour"):
                errors.append(FieldError("loss_date", "invalid", "is not a date"))
            elif loss > today:
                errors.append(
                    FieldError("loss_date", "in_future", "lies in the future")
                )
    if form.case_id is not None:
        if not may_define_case_id:
            errors.append(
                FieldError(
                    "case_id", "not_allowed", "the office may not choose case ids"
                )
            )
        elif not isinstance(form.case_id, str) or not _CODE.fullmatch(form.case_id):
            errors.append(
                FieldError("case_id", "invalid", "must be 1-40 letters, digits, - or _")
            )
    if form.event_code is not None and (
        not isinstance(form.event_code, str) or not _CODE.fullmatch(form.event_code)
    ):
        errors.append(
            FieldError("event_code", "invalid", "must be 1-40 letters, digits, - or _")
        )
    requests: tuple[object, ...] = form.tasks
    for index, task in enumerate(requests):
        if not isinstance(task, TaskRequest):
            errors.append(FieldError(f"tasks[{index}]", "invalid", "is not a task"))
        elif not isinstance(task.type, str) or not _TASK_TYPE.fullmatch(task.type):
            errors.append(
                FieldError(f"tasks[{index}].type", "invalid", "is not a task type")
            )
    return tuple(errors)


def valid_code(value: object) -> bool:
    """Whether *value* is a valid case id or event code."""
    return isinstance(value, str) and bool(_CODE.fullmatch(value))


def valid_task_type(value: object) -> bool:
    """Whether *value* is a valid task type."""
    return isinstance(value, str) and bool(_TASK_TYPE.fullmatch(value))
