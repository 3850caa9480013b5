"""Office hours written as TOML, for configuration files and the command line."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from typing import Any

from urgentcases._domain.calendar import HolidayCalendar
from urgentcases._domain.office_hours import WEEKDAYS, OfficeHours
from urgentcases.exceptions import InvalidOfficeHoursError

__all__ = ["EXAMPLE_HOURS_TOML", "office_hours_from_mapping", "office_hours_from_toml"]

EXAMPLE_HOURS_TOML = """\
# The article's example: Monday to Friday 08:00-16:00 in Copenhagen,
# closed on Danish public holidays.
time_zone = "Europe/Copenhagen"
closed_dates = []
open_dates = []

[week]
monday = ["08:00-16:00"]
tuesday = ["08:00-16:00"]
wednesday = ["08:00-16:00"]
thursday = ["08:00-16:00"]
friday = ["08:00-16:00"]
saturday = []
sunday = []

[holidays]
country = "DK"
"""
"""An hours file describing the article's example office hours."""

_TOP_KEYS = {"time_zone", "week", "holidays", "closed_dates", "open_dates"}
_HOLIDAY_KEYS = {"country", "subdivision", "categories"}


def office_hours_from_toml(text: str) -> OfficeHours:
    """Parse an hours file.

    The format, with every key but ``time_zone`` optional::

        time_zone = "Europe/Copenhagen"      # an IANA zone
        closed_dates = [2026-12-24]          # extra closed dates (TOML dates)
        open_dates = []                      # holidays the offices work anyway

        [week]                               # a day left out has no office hours
        monday = ["08:00-16:00"]             # half-open intervals; 24:00 may end one
        tuesday = ["08:00-12:00", "12:30-16:00"]

        [holidays]                           # left out: no public holidays
        country = "DK"                       # ISO 3166-1, as the holidays package
        subdivision = "BY"                   # optional ISO 3166-2 subdivision
        categories = ["public", "optional"]  # optional holiday categories

    Dates may also be written as ``"2026-12-24"`` strings.

    Raises:
        InvalidOfficeHoursError: The text is not TOML, or it describes invalid
            office hours; the message names the key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidOfficeHoursError(
            f"not a valid TOML hours file: {error}"
        ) from error
    return office_hours_from_mapping(data)


def office_hours_from_mapping(data: Mapping[str, Any]) -> OfficeHours:
    """Build office hours from a mapping shaped like an hours file.

    See `office_hours_from_toml` for the keys.

    Raises:
        InvalidOfficeHoursError: A key is unknown, missing or invalid.
    """
    _known_keys(data, _TOP_KEYS, "the hours file")
    if "time_zone" not in data:
        raise InvalidOfficeHoursError("the hours file needs a time_zone")
    week = data.get("week", {})
    if not isinstance(week, Mapping):
        raise InvalidOfficeHoursError("week must be a table of weekdays")
    _known_keys(week, set(WEEKDAYS), "week")
    holiday_table = data.get("holidays")
    calendar = None
    if holiday_table is not None:
        if not isinstance(holiday_table, Mapping):
            raise InvalidOfficeHoursError("holidays must be a table")
        _known_keys(holiday_table, _HOLIDAY_KEYS, "holidays")
        if "country" not in holiday_table:
            raise InvalidOfficeHoursError("holidays needs a country, e.g. 'DK'")
        calendar = HolidayCalendar(
            holiday_table["country"],
            holiday_table.get("subdivision"),
            holiday_table.get("categories", ()),
        )
    return OfficeHours(
        time_zone=data["time_zone"],
        week=tuple(_intervals(week.get(name, []), name) for name in WEEKDAYS),
        calendar=calendar,
        closed_dates=_date_list(data.get("closed_dates", []), "closed_dates"),
        open_dates=_date_list(data.get("open_dates", []), "open_dates"),
    )


def _known_keys(table: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise InvalidOfficeHoursError(
            f"unknown key(s) in {where}: {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(known))}"
        )


def _intervals(value: object, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidOfficeHoursError(
            f'{name} must be a list of intervals such as ["08:00-16:00"]'
        )
    return value


def _date_list(value: object, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidOfficeHoursError(f"{key} must be a list of dates")
    dates: list[Any] = []
    for item in value:
        if isinstance(item, str):
            try:
                item = date.fromisoformat(item)
            except ValueError:
                raise InvalidOfficeHoursError(
                    f"{key}: {item!r} is not a date as YYYY-MM-DD"
                ) from None
        dates.append(item)
    return dates
