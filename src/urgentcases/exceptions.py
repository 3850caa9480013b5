"""The errors `urgentcases` raises.

Every error derives from `UrgentCasesError`, so a host can catch the library's
refusals with one ``except`` clause. Where a builtin fits, an error subclasses it
too (an invalid definition is also a `ValueError`), so code that already catches
the builtin keeps working.
"""

from __future__ import annotations

__all__ = [
    "CalendarRangeError",
    "InvalidOfficeHoursError",
    "InvalidPermissionError",
    "NaiveDatetimeError",
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


class CalendarRangeError(UrgentCasesError, ValueError):
    """A date lies outside the years the holiday calendar knows.

    The `holidays` package defines each country's holidays for a range of years
    (for Denmark 1771 to 2100); no answer is guessed outside it.
    """
