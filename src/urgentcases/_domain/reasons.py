"""Why a creation decision came out as it did."""

from __future__ import annotations

import enum

__all__ = ["Reason"]


class Reason(enum.Enum):
    """The reason behind a creation decision; the value is a stable code.

    The codes are part of the public contract (they appear in JSON output and
    host logs) and never change meaning.
    """

    NEVER_GRANTED = "never_granted"
    """The office's permission is `Permission.NEVER` (the default)."""
    ALWAYS_GRANTED = "always_granted"
    """The office's permission is `Permission.ALWAYS`."""
    INSIDE_OFFICE_HOURS = "inside_office_hours"
    """The instant lies inside one of the day's office-hour intervals."""
    BEFORE_OPENING = "before_opening"
    """An ordinary working day, before its first interval starts."""
    AFTER_CLOSING = "after_closing"
    """An ordinary working day, after its last interval ends."""
    BETWEEN_INTERVALS = "between_intervals"
    """An ordinary working day, in a gap between two intervals (a lunch break)."""
    WEEKEND = "weekend"
    """A Saturday or Sunday without office hours."""
    CLOSED_WEEKDAY = "closed_weekday"
    """A Monday to Friday for which the insurer defines no office hours."""
    PUBLIC_HOLIDAY = "public_holiday"
    """A public holiday of the insurer's holiday calendar."""
    EXTRA_CLOSED_DATE = "extra_closed_date"
    """A date the insurer closed in addition to its calendar (e.g. 24 December)."""

    @property
    def inside_office_hours(self) -> bool:
        """Whether this reason means the instant is inside office hours."""
        return self is Reason.INSIDE_OFFICE_HOURS
