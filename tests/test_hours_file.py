"""Office hours written as TOML."""

from __future__ import annotations

from datetime import date

import pytest

from urgentcases import (
    EXAMPLE_HOURS_TOML,
    HolidayCalendar,
    Interval,
    InvalidOfficeHoursError,
    OfficeHours,
    office_hours_from_mapping,
    office_hours_from_toml,
)

FULL = """
time_zone = "Europe/Copenhagen"
closed_dates = [2026-12-24, "2026-12-31"]
open_dates = [2026-05-14]

[week]
monday = ["08:00-12:00", "12:30-16:00"]
tuesday = "08:00-16:00"
saturday = ["10:00-14:00"]

[holidays]
country = "DK"
categories = ["public"]
"""


class TestHoursFile:
    def test_the_example_is_the_articles_office_hours(self) -> None:
        """The built-in example equals OfficeHours.weekdays()."""
        assert office_hours_from_toml(EXAMPLE_HOURS_TOML) == OfficeHours.weekdays()

    def test_reads_every_key(self) -> None:
        """Weekdays left out have no hours; dates may be TOML dates or strings."""
        hours = office_hours_from_toml(FULL)
        assert hours.week[0] == (Interval(480, 720), Interval(750, 960))
        assert hours.week[1] == (Interval(480, 960),)
        assert hours.week[2] == ()
        assert hours.week[5] == (Interval(600, 840),)
        assert hours.closed_dates == {date(2026, 12, 24), date(2026, 12, 31)}
        assert hours.open_dates == {date(2026, 5, 14)}
        assert hours.calendar == HolidayCalendar("DK", categories=("public",))

    def test_without_holidays_there_is_no_calendar(self) -> None:
        """The [holidays] table is optional."""
        hours = office_hours_from_mapping({"time_zone": "UTC"})
        assert hours.calendar is None
        assert hours.week == ((),) * 7

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("time_zone = ", "not a valid TOML"),
            ("[week]\nmonday = []", "needs a time_zone"),
            ('time_zone = "Mars/Olympus"', "IANA"),
            ('time_zone = "UTC"\ncolour = "red"', "unknown key.*colour"),
            ('time_zone = "UTC"\n[week]\nmonday = ["8-16"]', "monday"),
            ('time_zone = "UTC"\n[week]\nfunday = []', "unknown key.*funday"),
            ('time_zone = "UTC"\n[week]\nmonday = [8]', "monday must be a list"),
            ('time_zone = "UTC"\nweek = 5', "week must be a table"),
            ('time_zone = "UTC"\n[holidays]\nsubdivision = "BY"', "needs a country"),
            ('time_zone = "UTC"\nholidays = 1', "holidays must be a table"),
            ('time_zone = "UTC"\n[holidays]\ncountry = "XX"', "XX"),
            ('time_zone = "UTC"\n[holidays]\ncountry = "DK"\nregion = 1', "region"),
            ('time_zone = "UTC"\nclosed_dates = "2026-12-24"', "list of dates"),
            ('time_zone = "UTC"\nclosed_dates = ["24/12/2026"]', "YYYY-MM-DD"),
            ('time_zone = "UTC"\nclosed_dates = [2026-12-24T10:00:00]', "not a date"),
            ('time_zone = "UTC"\nopen_dates = [5]', "not a date"),
        ],
    )
    def test_refuses_invalid_files_naming_the_problem(
        self, text: str, message: str
    ) -> None:
        """Every mistake is an InvalidOfficeHoursError that says what is wrong."""
        with pytest.raises(InvalidOfficeHoursError, match=message):
            office_hours_from_toml(text)
