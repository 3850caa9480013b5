"""Urgent cases (*akut sager*) for insurance claims portals.

Partner offices may open provisional cases outside office hours or during
natural catastrophes; insurer staff later turn them into normal cases or link
them into an existing case. This package decides who may create them and when.
"""

from __future__ import annotations

from urgentcases._domain.calendar import (
    FAST_YEARS,
    HolidayCalendar,
    HolidayName,
    Language,
)
from urgentcases._domain.hours_file import (
    EXAMPLE_HOURS_TOML,
    office_hours_from_mapping,
    office_hours_from_toml,
)
from urgentcases._domain.office_hours import WEEKDAYS, Interval, OfficeHours
from urgentcases._domain.policy import (
    CreationDecision,
    Permission,
    decide_creation,
    may_create,
)
from urgentcases._domain.reasons import Reason
from urgentcases.exceptions import (
    DateRangeError,
    InvalidOfficeHoursError,
    InvalidPermissionError,
    NaiveDatetimeError,
    UnsupportedLanguageError,
    UrgentCasesError,
)

__all__ = [
    "EXAMPLE_HOURS_TOML",
    "FAST_YEARS",
    "WEEKDAYS",
    "CreationDecision",
    "DateRangeError",
    "HolidayCalendar",
    "HolidayName",
    "Interval",
    "InvalidOfficeHoursError",
    "InvalidPermissionError",
    "Language",
    "NaiveDatetimeError",
    "OfficeHours",
    "Permission",
    "Reason",
    "UnsupportedLanguageError",
    "UrgentCasesError",
    "decide_creation",
    "may_create",
    "office_hours_from_mapping",
    "office_hours_from_toml",
]
