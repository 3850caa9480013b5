"""The errors `urgentcases` raises.

Every error derives from `UrgentCasesError`, so a host can catch the library's
refusals with one ``except`` clause. Where a builtin fits, an error subclasses it
too (an invalid definition is also a `ValueError`), so code that already catches
the builtin keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from urgentcases._domain.forms import FieldError
    from urgentcases._domain.policy import CreationDecision

__all__ = [
    "BudgetRequiredError",
    "CaseNotFoundError",
    "ConflictError",
    "CreationRefusedError",
    "DateRangeError",
    "DuplicateIdentifierError",
    "EnhancedNotEnabledError",
    "IdempotencyKeyReusedError",
    "InvalidFormError",
    "InvalidLinkTargetError",
    "InvalidOfficeHoursError",
    "InvalidPeriodError",
    "InvalidPermissionError",
    "InvalidSettingsError",
    "InvalidTransitionError",
    "NaiveDatetimeError",
    "NotPermittedError",
    "RefusedError",
    "StorageError",
    "TaskNotFoundError",
    "UnsupportedLanguageError",
    "UrgentCasesError",
]


class UrgentCasesError(Exception):
    """Base class of every error raised by `urgentcases`."""


class InvalidOfficeHoursError(UrgentCasesError, ValueError):
    """An office-hours definition is invalid: the message says which part and why."""


class NaiveDatetimeError(UrgentCasesError, ValueError):
    """A datetime without a UTC offset was given where an instant is needed."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"{value!r} is a naive datetime; pass an aware instant, for example "
            "datetime.now(timezone.utc) or "
            "datetime(2026, 12, 24, 18, 0, tzinfo=ZoneInfo('Europe/Copenhagen'))"
        )
        self.value = value


class InvalidPermissionError(UrgentCasesError, ValueError):
    """A value is not one of the `Permission` values."""


class UnsupportedLanguageError(UrgentCasesError, ValueError):
    """Text was asked for in a language other than Danish or English."""


class DateRangeError(UrgentCasesError, ValueError):
    """An instant lies outside the years the library can answer for.

    That is a year the holiday calendar does not define (the `holidays`
    package covers Denmark from 1771 to 2100), or an instant that cannot be
    expressed in the insurer's zone (near `datetime.min` or `datetime.max`).
    No answer is guessed.
    """


class InvalidSettingsError(UrgentCasesError, ValueError):
    """Insurer settings, an office, a grant or a user are invalid."""


class EnhancedNotEnabledError(InvalidSettingsError):
    """An enhanced right was granted while the portal's enhanced switch is off (R6)."""


class CreationRefusedError(UrgentCasesError, PermissionError):
    """The office may not create an urgent case now; ``decision`` says why."""

    def __init__(self, decision: CreationDecision) -> None:
        super().__init__(decision.message("en"))
        self.decision = decision


class InvalidFormError(UrgentCasesError, ValueError):
    """A form has invalid fields; ``errors`` lists every one of them (R8)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(
            "; ".join(f"{error.field}: {error.message}" for error in errors)
        )
        self.errors = tuple(errors)


class RefusedError(UrgentCasesError):
    """An action was refused; ``reason`` is a stable code for the cause.

    Every guard (``can_convert``, ``can_link``, …) answers with the same code
    its action raises with.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotPermittedError(RefusedError, PermissionError):
    """The user may not do this: wrong kind of user, too low a level, no right."""


class InvalidTransitionError(RefusedError):
    """The case's state does not allow the action (e.g. linking a discontinued case)."""


class InvalidLinkTargetError(InvalidTransitionError):
    """The target of a link is not an open normal case of the same insurer."""


class BudgetRequiredError(RefusedError):
    """The task's type needs an approved budget before anything is reported (R11)."""


class DuplicateIdentifierError(RefusedError, ValueError):
    """A case id or case number is already taken within the insurer (R9, R14)."""


class IdempotencyKeyReusedError(RefusedError, ValueError):
    """An idempotency key was sent again with a different request."""


class CaseNotFoundError(UrgentCasesError, LookupError):
    """No case has that id within the insurer."""


class TaskNotFoundError(UrgentCasesError, LookupError):
    """The case has no task with that id."""


class ConflictError(UrgentCasesError):
    """Someone else changed the case first; reload it and decide again (R16)."""


class StorageError(UrgentCasesError):
    """The storage failed; nothing of the action was kept."""


class InvalidPeriodError(UrgentCasesError, ValueError):
    """A report period does not start on its first day, or is of another kind."""


class InvalidExportError(UrgentCasesError, ValueError):
    """An export was asked for with an invalid option, e.g. a CSV delimiter."""
