"""The errors `urgentcases` raises.

Every error derives from `UrgentCasesError`, so a host can catch the library's
refusals with one ``except`` clause. Where a builtin fits, an error subclasses it
too (an invalid definition is also a `ValueError`), so code that already catches
the builtin keeps working.
"""

from __future__ import annotations

__all__ = [
    "DateRangeError",
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


class DateRangeError(UrgentCasesError, ValueError):
    """An instant lies outside the years the library can answer for.

    That is a year the holiday calendar does not define (the `holidays`
    package covers Denmark from 1771 to 2100), or an instant that cannot be
    expressed in the insurer's zone (near `datetime.min` or `datetime.max`).
    No answer is guessed.
    """
