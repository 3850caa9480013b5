"""Who may create an urgent case, and when (R1, R4, R5)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

from urgentcases._domain.calendar import HolidayName, Language
from urgentcases._domain.messages import render_decision
from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.reasons import Reason
from urgentcases.exceptions import InvalidPermissionError

__all__ = ["CreationDecision", "Permission", "decide_creation", "may_create"]


class Permission(enum.Enum):
    """An office's right to create urgent cases, granted by an insurer (R1).

    The value is the stable code used in files, JSON and on the command line
    (with ``-`` accepted for ``_``).
    """

    NEVER = "never"
    """The default: the office may not create urgent cases."""
    OUTSIDE_OFFICE_HOURS = "outside_office_hours"
    """The office may create urgent cases only outside the insurer's office hours."""
    ALWAYS = "always"
    """The office may create urgent cases at any time."""

    @classmethod
    def parse(cls, value: str | Permission) -> Permission:
        """Return the permission named *value*, e.g. ``"outside-office-hours"``.

        Raises:
            InvalidPermissionError: *value* names no permission.
        """
        if isinstance(value, Permission):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower().replace("-", "_"))
            except ValueError:
                pass
        choices = ", ".join(p.value for p in cls)
        raise InvalidPermissionError(
            f"{value!r} is not a permission; expected one of {choices}"
        )


# Module constants: looking an enum member up on its class is slow on the hot path.
_NEVER = Permission.NEVER
_OUTSIDE = Permission.OUTSIDE_OFFICE_HOURS
_ALWAYS = Permission.ALWAYS
_new_tuple = tuple.__new__


def _unknown_permission(permission: object) -> InvalidPermissionError:
    return InvalidPermissionError(
        f"{permission!r} is not a Permission; use Permission.parse() for strings"
    )


def may_create(permission: Permission, hours: OfficeHours, at: datetime) -> bool:
    """Return whether an office with *permission* may create an urgent case at *at*.

    The cheap check for the hot path (R4, R5: whether to show "+ New urgent
    case"); it always agrees with `decide_creation`.

    Raises:
        NaiveDatetimeError: *at* has no UTC offset.
        InvalidPermissionError: *permission* is not a `Permission`.
    """
    if permission is _OUTSIDE:
        return hours.outside_check(at)
    hours.localize(at)
    if permission is _ALWAYS:
        return True
    if permission is _NEVER:
        return False
    raise _unknown_permission(permission)


def decide_creation(
    permission: Permission, hours: OfficeHours, at: datetime
) -> CreationDecision:
    """Decide whether an office with *permission* may create an urgent case at *at*.

    The decision explains itself: its `~CreationDecision.reason`, the holiday
    behind it, and `~CreationDecision.next_change`, the instant the answer flips.

    Raises:
        NaiveDatetimeError: *at* has no UTC offset.
        InvalidPermissionError: *permission* is not a `Permission`.

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> hours = OfficeHours.weekdays()
    >>> at = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    >>> decision = decide_creation(Permission.OUTSIDE_OFFICE_HOURS, hours, at)
    >>> bool(decision), decision.reason
    (False, <Reason.INSIDE_OFFICE_HOURS: 'inside_office_hours'>)
    >>> decision.message("da")
    'Det er kontortid. Akut sager kan oprettes igen fra i dag kl. 16:00.'
    """
    if permission is _OUTSIDE:
        reason = hours.reason_check(at)
    else:
        hours.localize(at)
        if permission is _ALWAYS:
            reason = Reason.ALWAYS_GRANTED
        elif permission is _NEVER:
            reason = Reason.NEVER_GRANTED
        else:
            raise _unknown_permission(permission)
    # tuple.__new__ skips the named tuple's Python-level __new__: hot path.
    return _new_tuple(CreationDecision, (permission, reason, at, hours))


_REFUSING = frozenset({Reason.NEVER_GRANTED, Reason.INSIDE_OFFICE_HOURS})


class _DecisionFields(NamedTuple):
    permission: Permission
    reason: Reason
    at: datetime
    office_hours: OfficeHours


class CreationDecision(_DecisionFields):
    """Whether an office may create an urgent case at an instant, and why.

    Truthy exactly when creation is allowed. Obtain one from `decide_creation`.
    An immutable value compared by its fields; it is a named tuple underneath,
    because portals make one per page view and a tuple is the cheapest
    immutable object Python builds.

    Attributes:
        permission: The office's permission.
        reason: Why the answer is what it is.
        at: The instant decided on, as given.
        office_hours: The insurer's office hours the decision was made under.
    """

    __slots__ = ()

    @property
    def allowed(self) -> bool:
        """Whether the office may create an urgent case at `at`."""
        return self.reason not in _REFUSING

    def __bool__(self) -> bool:
        return self.reason not in _REFUSING

    def __repr__(self) -> str:
        return (
            f"CreationDecision(permission={self.permission!r}, "
            f"reason={self.reason!r}, at={self.at!r})"
        )

    @property
    def next_change(self) -> datetime | None:
        """The first instant after `at` at which the answer flips, in UTC.

        None when it never does (`Permission.NEVER` and `Permission.ALWAYS`, or
        office hours that never change). Computed on each access (a few
        microseconds), so a decision that is only tested for truth stays cheap.
        """
        if self.permission is not _OUTSIDE:
            return None
        return self.office_hours.next_change(self.at)

    @property
    def holiday(self) -> HolidayName | None:
        """The public holiday behind `Reason.PUBLIC_HOLIDAY`, else None."""
        calendar = self.office_hours.calendar
        if self.reason is not Reason.PUBLIC_HOLIDAY or calendar is None:
            return None
        return calendar.name(self.office_hours.localize(self.at).date())

    def message(self, language: Language = "da") -> str:
        """Render the decision as a sentence in Danish (``"da"``) or English (``"en"``).

        Times are shown in the insurer's zone, e.g. "Akut sager kan oprettes igen
        fra fredag kl. 16:00." / "Urgent cases can be created again from Friday
        16:00."
        """
        return render_decision(self, language, self.next_change)

    def to_dict(self, language: Language = "da") -> dict[str, Any]:
        """Return the decision as JSON-ready data, with the message in *language*.

        Keys: ``allowed``, ``reason`` (a stable code), ``permission``, ``at``
        and ``next_change`` (ISO 8601 in the insurer's zone, or null),
        ``holiday`` (the holiday's name in *language*, or null), ``message``.
        """
        holiday = self.holiday
        change = self.next_change
        localize = self.office_hours.localize
        return {
            "allowed": self.allowed,
            "reason": self.reason.value,
            "permission": self.permission.value,
            "at": localize(self.at).isoformat(),
            "next_change": None if change is None else localize(change).isoformat(),
            "holiday": None if holiday is None else holiday.in_language(language),
            "message": render_decision(self, language, change),
        }
