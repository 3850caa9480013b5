"""Office hours (R2, R3): construction, the article's example and the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CPH
from tests.instants import cph, utc
from urgentcases import (
    DateRangeError,
    HolidayCalendar,
    HolidayName,
    Interval,
    InvalidOfficeHoursError,
    NaiveDatetimeError,
    OfficeHours,
    Reason,
    UrgentCasesError,
)


def every_day(*intervals: str, zone: str = "Europe/Copenhagen") -> OfficeHours:
    """The same intervals on all seven days, no holidays."""
    return OfficeHours(zone, [list(intervals)] * 7)


class TestInterval:
    def test_parses_hh_mm_ranges(self) -> None:
        """'08:00-16:00' is [480, 960) minutes."""
        assert Interval.parse("08:00-16:00") == Interval(480, 960)
        assert Interval.parse(" 22:00 - 24:00 ") == Interval(1320, 1440)

    def test_prints_as_it_parses(self) -> None:
        """str() gives back the HH:MM-HH:MM form, 24:00 included."""
        assert str(Interval(0, 1440)) == "00:00-24:00"
        assert Interval.parse(str(Interval(485, 1439))) == Interval(485, 1439)

    @pytest.mark.parametrize(
        "text",
        [
            "8:00-16:00",
            "08:00-16",
            "08:60-16:00",
            "25:00-26:00",
            "08:00-24:01",
            "24:00-24:00",
            "16:00-08:00",
            "08:00-08:00",
            "08:00",
            "08:00-12:00-16:00",
            "abc",
        ],
    )
    def test_refuses_malformed_or_empty_intervals(self, text: str) -> None:
        """Malformed times, an end not after the start and 24:00 as a start fail."""
        with pytest.raises(InvalidOfficeHoursError):
            Interval.parse(text)

    @pytest.mark.parametrize(
        ("start", "end"), [(-1, 10), (0, 1441), (10, 10), (20, 10), (True, 10)]
    )
    def test_refuses_bounds_outside_the_day(self, start: int, end: int) -> None:
        """Bounds are whole minutes with 0 <= start < end <= 1440."""
        with pytest.raises(InvalidOfficeHoursError):
            Interval(start, end)

    def test_errors_are_value_errors_of_the_library(self) -> None:
        """Hosts can catch the library's base class or ValueError."""
        with pytest.raises(UrgentCasesError):
            Interval(5, 1)
        with pytest.raises(ValueError, match="end must be after start"):
            Interval(5, 1)


class TestConstruction:
    def test_weekdays_is_the_articles_example(self, article_hours: OfficeHours) -> None:
        """The short constructor: Monday-Friday 08:00-16:00, Copenhagen, Denmark."""
        assert article_hours.time_zone == "Europe/Copenhagen"
        assert article_hours.week == ((Interval(480, 960),),) * 5 + ((),) * 2
        assert article_hours.calendar == HolidayCalendar("DK")

    def test_sorts_intervals_and_accepts_touching_ones(self) -> None:
        """Intervals are kept sorted; [08:00,12:00) and [12:00,16:00) touch."""
        hours = every_day("12:00-16:00", "08:00-12:00")
        assert hours.week[0] == (Interval(480, 720), Interval(720, 960))
        assert hours == every_day("08:00-12:00", "12:00-16:00")

    def test_refuses_overlapping_intervals(self) -> None:
        """Overlapping intervals of one weekday are refused, naming the day."""
        with pytest.raises(InvalidOfficeHoursError, match=r"monday: .*overlap"):
            every_day("08:00-12:00", "11:00-16:00")

    def test_refuses_an_unknown_zone(self) -> None:
        """The zone must be an IANA name."""
        for zone in ["Europe/Kobenhavn", "", "../etc/passwd", "CET+1"]:
            with pytest.raises(InvalidOfficeHoursError, match="IANA"):
                every_day("08:00-16:00", zone=zone)

    def test_refuses_a_week_of_other_than_seven_days(self) -> None:
        """The week lists exactly seven days, Monday first."""
        with pytest.raises(InvalidOfficeHoursError, match="seven days"):
            OfficeHours("UTC", [["08:00-16:00"]] * 6)
        with pytest.raises(InvalidOfficeHoursError, match="seven days"):
            OfficeHours("UTC", "08:00-16:00")

    def test_refuses_a_day_that_is_not_intervals(self) -> None:
        """A day is a sequence of intervals or interval strings."""
        with pytest.raises(InvalidOfficeHoursError, match="tuesday"):
            OfficeHours("UTC", [[], 5, [], [], [], [], []])  # type: ignore[list-item]

    @pytest.mark.parametrize(
        ("country", "subdivision", "categories"),
        [("XX", None, ()), ("DK", "ZZ", ()), ("DK", None, ("bogus",)), ("", None, ())],
    )
    def test_refuses_an_unknown_calendar(
        self, country: str, subdivision: str | None, categories: tuple[str, ...]
    ) -> None:
        """Unknown countries, subdivisions and categories are refused."""
        with pytest.raises(InvalidOfficeHoursError):
            HolidayCalendar(country, subdivision, categories)

    def test_refuses_a_date_both_closed_and_open(self) -> None:
        """A date cannot be an extra closed and an extra open date at once."""
        with pytest.raises(InvalidOfficeHoursError, match="2026-12-24"):
            OfficeHours.weekdays(
                closed_dates=[date(2026, 12, 24)], open_dates=[date(2026, 12, 24)]
            )

    def test_refuses_datetimes_as_dates(self) -> None:
        """Closed dates are dates; a datetime (a date subclass) is refused."""
        with pytest.raises(InvalidOfficeHoursError, match="not a date"):
            OfficeHours.weekdays(closed_dates=[datetime(2026, 12, 24)])

    def test_is_a_hashable_value(self, article_hours: OfficeHours) -> None:
        """Equal definitions are equal and hash alike; derived tables do not count."""
        again = OfficeHours.weekdays()
        assert again == article_hours
        assert hash(again) == hash(article_hours)
        assert again != OfficeHours.weekdays("08:00", "15:00")


class TestArticleExample:
    """Office hours 08:00-16:00 Monday to Friday, read as [08:00, 16:00)."""

    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (cph(2026, 12, 3, 7, 59), False),
            (cph(2026, 12, 3, 8, 0), True),
            (cph(2026, 12, 3, 15, 59, 59, 999999), True),
            (cph(2026, 12, 3, 16, 0), False),
            (cph(2026, 12, 5, 12, 0), False),
            (cph(2026, 12, 6, 12, 0), False),
            (cph(2026, 12, 25, 10, 0), False),
        ],
    )
    def test_boundaries(
        self, article_hours: OfficeHours, at: datetime, expected: bool
    ) -> None:
        """07:59 and 16:00 are outside, 08:00 and 15:59 inside; weekends and
        Christmas Day are outside.
        """
        assert article_hours.is_open(at) is expected

    @pytest.mark.parametrize(
        ("at", "reason"),
        [
            (cph(2026, 12, 3, 7, 59), Reason.BEFORE_OPENING),
            (cph(2026, 12, 3, 8, 0), Reason.INSIDE_OFFICE_HOURS),
            (cph(2026, 12, 3, 16, 0), Reason.AFTER_CLOSING),
            (cph(2026, 12, 5, 12, 0), Reason.WEEKEND),
            (cph(2026, 12, 25, 10, 0), Reason.PUBLIC_HOLIDAY),
            (cph(2026, 12, 26, 10, 0), Reason.PUBLIC_HOLIDAY),
        ],
    )
    def test_reasons(
        self, article_hours: OfficeHours, at: datetime, reason: Reason
    ) -> None:
        """Each outside instant says why; a holiday on a Saturday is a holiday."""
        assert article_hours.reason_at(at) is reason

    def test_christmas_eve_is_a_working_day_unless_closed(
        self, article_hours: OfficeHours
    ) -> None:
        """24 December is no Danish public holiday; an insurer can close it."""
        eve = cph(2026, 12, 24, 10, 0)
        assert article_hours.is_open(eve)
        closed = OfficeHours.weekdays(closed_dates=[date(2026, 12, 24)])
        assert not closed.is_open(eve)
        assert closed.reason_at(eve) is Reason.EXTRA_CLOSED_DATE

    def test_optional_days_off_come_with_the_optional_category(self) -> None:
        """Denmark's optional category adds Christmas Eve and New Year's Eve."""
        hours = OfficeHours(
            "Europe/Copenhagen",
            [["08:00-16:00"]] * 5 + [[]] * 2,
            HolidayCalendar("DK", categories=("public", "optional")),
        )
        assert not hours.is_open(cph(2026, 12, 24, 10, 0))
        assert hours.reason_at(cph(2026, 12, 31, 10, 0)) is Reason.PUBLIC_HOLIDAY

    def test_an_extra_open_date_reopens_a_holiday(self) -> None:
        """Open dates override the calendar (e.g. a storm on a holiday)."""
        hours = OfficeHours.weekdays(open_dates=[date(2026, 12, 25)])
        assert hours.is_open(cph(2026, 12, 25, 10, 0))
        assert hours.reason_at(cph(2026, 12, 25, 10, 0)) is Reason.INSIDE_OFFICE_HOURS

    def test_an_extra_open_date_does_not_open_a_day_without_hours(self) -> None:
        """A Saturday marked open still has no intervals."""
        hours = OfficeHours.weekdays(open_dates=[date(2026, 12, 5)])
        assert hours.reason_at(cph(2026, 12, 5, 10, 0)) is Reason.WEEKEND

    def test_next_change_skips_the_weekend(self, article_hours: OfficeHours) -> None:
        """Friday 16:00 -> Monday 08:00; Monday 08:00 -> Monday 16:00."""
        assert article_hours.next_change(cph(2026, 12, 4, 16, 0)) == cph(2026, 12, 7, 8)
        assert article_hours.next_change(cph(2026, 12, 7, 8, 0)) == cph(2026, 12, 7, 16)

    def test_next_change_skips_christmas_and_the_year_end(
        self, article_hours: OfficeHours
    ) -> None:
        """Wed 23 Dec 16:00 -> Thu 24 Dec 08:00; Thu 24 Dec 16:00 -> Mon 28 Dec;
        Thu 31 Dec 2026 16:00 -> Mon 4 Jan 2027 (New Year's Day is a Friday).
        """
        nc = article_hours.next_change
        assert nc(cph(2026, 12, 23, 16, 0)) == cph(2026, 12, 24, 8, 0)
        assert nc(cph(2026, 12, 24, 16, 0)) == cph(2026, 12, 28, 8, 0)
        assert nc(cph(2026, 12, 31, 16, 0)) == cph(2027, 1, 4, 8, 0)

    def test_next_change_is_a_utc_instant(self, article_hours: OfficeHours) -> None:
        """Whatever the input's zone, the answer is in UTC, safe to compare."""
        change = article_hours.next_change(cph(2026, 12, 4, 16, 0))
        assert change is not None
        assert change.tzinfo is UTC
        assert change.isoformat() == "2026-12-07T07:00:00+00:00"
        assert article_hours.localize(change).isoformat() == "2026-12-07T08:00:00+01:00"


class TestCalendarChanges:
    def test_store_bededag_was_a_holiday_until_2023(
        self, article_hours: OfficeHours
    ) -> None:
        """Great Prayer Day: Friday 5 May 2023 closed, Friday 26 April 2024 open."""
        assert not article_hours.is_open(cph(2023, 5, 5, 10, 0))
        assert article_hours.reason_at(cph(2023, 5, 5, 10, 0)) is Reason.PUBLIC_HOLIDAY
        assert article_hours.is_open(cph(2024, 4, 26, 10, 0))

    def test_holiday_names_in_danish_and_english(self) -> None:
        """The calendar names a holiday in both languages."""
        denmark = HolidayCalendar("DK")
        assert denmark.name(date(2023, 5, 5)) == HolidayName(
            da="Store bededag", en="Great Prayer Day"
        )
        assert denmark.name(date(2024, 4, 26)) is None

    def test_years_outside_the_precomputed_range_are_computed(self) -> None:
        """1999 is not precomputed but answered exactly (Store Bededag 1999-04-30)."""
        hours = OfficeHours.weekdays()
        assert not hours.is_open(cph(1999, 4, 30, 10, 0))
        assert hours.reason_at(cph(1999, 4, 30, 10, 0)) is Reason.PUBLIC_HOLIDAY
        assert hours.is_open(cph(1999, 5, 3, 10, 0))
        assert hours.next_change(cph(1999, 4, 29, 16, 0)) == cph(1999, 5, 3, 8, 0)

    def test_years_the_calendar_does_not_know_are_refused(self) -> None:
        """No silent 'no holiday' beyond the holidays package's last year."""
        hours = OfficeHours.weekdays()
        with pytest.raises(DateRangeError, match="2101"):
            hours.is_open(cph(2101, 1, 3, 10, 0))
        without_calendar = OfficeHours.weekdays(country=None)
        assert without_calendar.is_open(cph(2101, 1, 3, 10, 0))

    def test_new_years_day_is_closed_in_the_last_supported_year(self) -> None:
        """The edge of the precomputed years: 1 January 2100 (a Friday) is closed."""
        hours = OfficeHours.weekdays()
        assert not hours.is_open(cph(2100, 1, 1, 10, 0))
        assert hours.next_change(cph(2099, 12, 31, 16, 0)) == cph(2100, 1, 4, 8, 0)


class TestCalendarEdges:
    def test_iso_week_53(self, article_hours: OfficeHours) -> None:
        """Thursday 31 December 2026 lies in ISO week 53 and is a working day."""
        thursday = cph(2026, 12, 31, 10, 0)
        assert thursday.isocalendar().week == 53
        assert article_hours.is_open(thursday)
        assert article_hours.next_change(thursday) == cph(2026, 12, 31, 16, 0)

    def test_leap_day(self) -> None:
        """29 February is an ordinary weekday, and can be closed like any other."""
        hours = OfficeHours.weekdays(closed_dates=[date(2028, 2, 29)])
        assert OfficeHours.weekdays().is_open(cph(2028, 2, 29, 10, 0))
        assert not hours.is_open(cph(2028, 2, 29, 10, 0))
        assert hours.next_change(cph(2028, 2, 28, 16, 0)) == cph(2028, 3, 1, 8, 0)

    def test_an_interval_ending_at_24_00_runs_into_the_next_day(self) -> None:
        """Friday 20:00-24:00 and Saturday 00:00-02:00 make one open stretch."""
        week: list[list[str]] = [[] for _ in range(7)]
        week[4] = ["20:00-24:00"]
        week[5] = ["00:00-02:00"]
        hours = OfficeHours("Europe/Copenhagen", week)
        assert hours.is_open(cph(2026, 12, 4, 23, 59, 59))
        assert hours.is_open(cph(2026, 12, 5, 0, 0))
        assert hours.next_change(cph(2026, 12, 4, 21, 0)) == cph(2026, 12, 5, 2, 0)
        assert hours.next_change(cph(2026, 12, 5, 2, 0)) == cph(2026, 12, 11, 20, 0)

    def test_several_intervals_a_day(self) -> None:
        """A lunch break between two intervals is outside office hours."""
        hours = every_day("08:00-12:00", "12:30-16:00")
        assert hours.reason_at(cph(2026, 12, 4, 12, 15)) is Reason.BETWEEN_INTERVALS
        assert hours.next_change(cph(2026, 12, 4, 12, 0)) == cph(2026, 12, 4, 12, 30)
        assert hours.next_change(cph(2026, 12, 4, 12, 30)) == cph(2026, 12, 4, 16, 0)

    def test_a_weekday_without_hours_is_a_closed_weekday(self) -> None:
        """Wednesday without intervals is CLOSED_WEEKDAY, Sunday WEEKEND."""
        hours = OfficeHours("UTC", [["08:00-16:00"]] * 2 + [[]] + [["08:00-16:00"]] * 4)
        assert hours.reason_at(utc(2026, 12, 2, 10, 0)) is Reason.CLOSED_WEEKDAY
        assert hours.reason_at(utc(2026, 12, 6, 10, 0)) is Reason.INSIDE_OFFICE_HOURS

    def test_never_open_never_changes(self) -> None:
        """Without any interval the answer is always 'closed': no next change."""
        hours = OfficeHours("UTC", [[]] * 7)
        assert not hours.is_open(utc(2026, 12, 4))
        assert hours.next_change(utc(2026, 12, 4)) is None

    def test_open_around_the_clock_changes_only_on_closed_dates(self) -> None:
        """24/7 without a calendar changes at an extra closed date, or never."""
        always = every_day("00:00-24:00", zone="UTC")
        assert always.next_change(utc(2026, 12, 4)) is None
        closing = OfficeHours(
            "UTC", [["00:00-24:00"]] * 7, closed_dates=[date(2027, 3, 1)]
        )
        assert closing.next_change(utc(2026, 12, 4)) == utc(2027, 3, 1)
        assert closing.next_change(utc(2027, 3, 1, 5)) == utc(2027, 3, 2)


class TestDaylightSaving:
    """Copenhagen 2025: 30 March 02:00 -> 03:00 and 26 October 03:00 -> 02:00.

    Office hours 02:30-03:30 every day put the interval into the gap and into
    the repeated hour.
    """

    hours = every_day("02:30-03:30")

    def test_spring_forward_opens_when_the_clock_jumps_into_the_interval(
        self,
    ) -> None:
        """02:30-03:00 does not exist; the office opens at 03:00 CEST (01:00 UTC)."""
        assert not self.hours.is_open(utc(2025, 3, 30, 0, 59, 59))
        assert self.hours.is_open(utc(2025, 3, 30, 1, 0))
        assert self.hours.next_change(utc(2025, 3, 30, 0, 30)) == utc(2025, 3, 30, 1)
        assert self.hours.next_change(utc(2025, 3, 30, 1, 0)) == utc(2025, 3, 30, 1, 30)

    def test_a_wall_time_in_the_gap_is_the_instant_pep_495_says(self) -> None:
        """datetime(02:45, Copenhagen) in the gap is 01:45 UTC, i.e. 03:45 CEST."""
        imaginary = cph(2025, 3, 30, 2, 45)
        assert imaginary.astimezone(UTC) == utc(2025, 3, 30, 1, 45)
        assert not self.hours.is_open(imaginary)
        assert self.hours.reason_at(imaginary) is Reason.AFTER_CLOSING
        assert self.hours.next_change(imaginary) == utc(2025, 3, 31, 0, 30)

    def test_fall_back_closes_and_reopens_in_the_repeated_hour(self) -> None:
        """02:30-02:59 CEST open; 02:00 CET closed; 02:30-03:29 CET open again."""
        assert self.hours.is_open(cph(2025, 10, 26, 2, 45, fold=0))
        assert not self.hours.is_open(cph(2025, 10, 26, 2, 15, fold=1))
        assert self.hours.is_open(cph(2025, 10, 26, 2, 45, fold=1))
        nc = self.hours.next_change
        assert nc(utc(2025, 10, 26, 0, 30)) == utc(2025, 10, 26, 1, 0)
        assert nc(utc(2025, 10, 26, 1, 0)) == utc(2025, 10, 26, 1, 30)
        assert nc(utc(2025, 10, 26, 1, 30)) == utc(2025, 10, 26, 2, 30)

    def test_the_article_hours_across_a_dst_weekend(
        self, article_hours: OfficeHours
    ) -> None:
        """Friday 16:00 CET -> Monday 08:00 CEST: 63 hours, not 64."""
        friday = cph(2025, 3, 28, 16, 0)
        monday = article_hours.next_change(friday)
        assert monday == cph(2025, 3, 31, 8, 0)
        assert monday is not None
        assert monday - friday == timedelta(hours=63)

    def test_dst_at_midnight(self) -> None:
        """Santiago skips 00:00-01:00 on 7 September 2025: the day opens at 01:00."""
        hours = every_day("00:00-12:00", zone="America/Santiago")
        santiago = ZoneInfo("America/Santiago")
        before = datetime(2025, 9, 6, 12, 0, tzinfo=santiago)
        change = hours.next_change(before)
        assert change == datetime(2025, 9, 7, 1, 0, tzinfo=santiago)


class TestInstants:
    def test_naive_datetimes_are_refused_with_a_hint(
        self, article_hours: OfficeHours
    ) -> None:
        """A naive datetime is never guessed; the error says how to fix the call."""
        naive = datetime(2026, 12, 4, 10, 0)
        for method in (
            article_hours.is_open,
            article_hours.reason_at,
            article_hours.next_change,
        ):
            with pytest.raises(NaiveDatetimeError, match="aware"):
                method(naive)

    def test_a_tzinfo_without_offset_counts_as_naive(
        self, article_hours: OfficeHours
    ) -> None:
        """A tzinfo whose utcoffset() is None makes a naive datetime (Python's rule)."""

        class Floating(tzinfo):
            def utcoffset(self, dt: datetime | None) -> None:
                return None

            def dst(self, dt: datetime | None) -> None:
                return None

            def tzname(self, dt: datetime | None) -> str:
                return "floating"

        with pytest.raises(NaiveDatetimeError):
            article_hours.is_open(datetime(2026, 12, 4, 10, 0, tzinfo=Floating()))

    def test_every_tzinfo_gives_the_same_answer_for_the_same_instant(
        self, article_hours: OfficeHours
    ) -> None:
        """datetime.timezone.utc, ZoneInfo('UTC') and an offset agree."""
        instant = utc(2026, 12, 4, 15, 30)
        for tz in (UTC, ZoneInfo("UTC"), timezone(timedelta(hours=-5)), CPH):
            assert article_hours.is_open(instant.astimezone(tz)) is False
            assert (
                article_hours.reason_at(instant.astimezone(tz)) is Reason.AFTER_CLOSING
            )

    def test_instants_beyond_what_the_zone_can_express_are_refused(
        self, article_hours: OfficeHours
    ) -> None:
        """datetime.max in UTC is year 10000 in Copenhagen: a typed error."""
        at = datetime.max.replace(tzinfo=UTC)
        for method in (article_hours.is_open, article_hours.reason_at):
            with pytest.raises(DateRangeError, match="cannot be expressed"):
                method(at)

    def test_no_change_is_reported_beyond_datetime_max(self) -> None:
        """Near the end of representable time the answer never changes."""
        hours = OfficeHours("UTC", [["08:00-16:00"]] * 5 + [[]] * 2)
        friday = datetime(9999, 12, 31, 17, 0, tzinfo=UTC)
        assert hours.next_change(friday) is None

    def test_next_change_refuses_years_the_calendar_does_not_know(self) -> None:
        """Friday 31 December 2100, 17:00: the next change lies in 2101, unknown."""
        hours = OfficeHours.weekdays()
        assert not hours.is_open(cph(2100, 12, 31, 17, 0))
        with pytest.raises(DateRangeError, match="2101"):
            hours.next_change(cph(2100, 12, 31, 17, 0))
