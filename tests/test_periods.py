"""Report periods: ISO weeks and months in the insurer's zone, and which are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.instants import cph, utc
from tests.world import INSURER
from urgentcases import (
    InvalidPeriodError,
    OfficeHours,
    Period,
    ReportPeriod,
    due_periods,
    period_containing,
)

WEEKLY, MONTHLY = ReportPeriod.WEEKLY, ReportPeriod.MONTHLY
MONTHLY_INSURER = attrs.evolve(INSURER, report_period=MONTHLY)
CPH_ZONE = ZoneInfo("Europe/Copenhagen")


class TestPeriod:
    def test_iso_week_53(self) -> None:
        """28 December 2026 to 3 January 2027 is week 53 of 2026."""
        week = Period.containing(WEEKLY, date(2027, 1, 3))
        assert (week.start, week.end, week.label) == (
            date(2026, 12, 28),
            date(2027, 1, 4),
            "2026-W53",
        )
        assert week.next().label == "2027-W01"

    def test_months_end_on_their_last_day(self) -> None:
        """February 2028 has 29 days; December rolls into January."""
        assert Period.containing(MONTHLY, date(2028, 2, 29)).end == date(2028, 3, 1)
        december = Period.containing(MONTHLY, date(2026, 12, 31))
        assert (december.end, december.next().label) == (date(2027, 1, 1), "2027-01")

    def test_instants_are_local_midnights_across_dst(self) -> None:
        """March 2026 in Copenhagen is 31 days less the hour clocks sprang forward."""
        first, after = Period.containing(MONTHLY, date(2026, 3, 10)).instants(CPH_ZONE)
        assert first == cph(2026, 3, 1)
        assert after == cph(2026, 4, 1)
        assert after - first == timedelta(days=31, hours=-1)

    def test_a_missing_midnight_starts_the_day_at_the_jump(self) -> None:
        """Santiago skips 00:00-01:00 on 7 September 2025: that week starts at 01:00."""
        santiago = ZoneInfo("America/Santiago")
        week = Period.containing(WEEKLY, date(2025, 9, 7))  # Monday 1 September
        assert week.instants(santiago)[1] == datetime(2025, 9, 8, tzinfo=santiago)
        monday = Period(WEEKLY, date(2025, 9, 8))
        first, _ = monday.instants(santiago)
        assert first.astimezone(santiago).date() == date(2025, 9, 8)

    def test_a_period_starts_on_its_first_day(self) -> None:
        """A week starts on a Monday, a month on the 1st; anything else is refused."""
        with pytest.raises(InvalidPeriodError):
            Period(WEEKLY, date(2026, 12, 1))  # a Tuesday
        with pytest.raises(InvalidPeriodError):
            Period(MONTHLY, date(2026, 12, 7))

    def test_the_insurers_zone_decides_the_period(self) -> None:
        """Sunday 23:30 in Copenhagen is Sunday 22:30 UTC: still that week."""
        at = utc(2026, 12, 6, 22, 30)
        assert period_containing(INSURER, at).label == "2026-W49"
        utc_insurer = attrs.evolve(INSURER, office_hours=OfficeHours("UTC", [[]] * 7))
        assert (
            period_containing(utc_insurer, at + timedelta(hours=2)).label == "2026-W50"
        )


class TestParse:
    @pytest.mark.parametrize(
        ("label", "period"),
        [
            ("2026-W53", Period(WEEKLY, date(2026, 12, 28))),
            ("2027-W01", Period(WEEKLY, date(2027, 1, 4))),
            ("2020-W01", Period(WEEKLY, date(2019, 12, 30))),
            ("2028-02", Period(MONTHLY, date(2028, 2, 1))),
            (" 2026-12 ", Period(MONTHLY, date(2026, 12, 1))),
        ],
    )
    def test_a_label_names_its_period(self, label: str, period: Period) -> None:
        """Week labels are ISO years and weeks; a week may start the year before."""
        assert Period.parse(label) == period

    @pytest.mark.parametrize(
        "label",
        ["2026-W54", "2025-W53", "2026-W00", "2026-13", "2026-00", "2026-1", "W49", ""],
    )
    def test_a_label_naming_no_period_is_refused(self, label: str) -> None:
        """2025 has no week 53: a typed error, not a date in another week."""
        with pytest.raises(InvalidPeriodError, match="names no period"):
            Period.parse(label)


@given(
    st.sampled_from([WEEKLY, MONTHLY]), st.dates(date(1900, 1, 8), date(9998, 12, 1))
)
def test_a_period_parses_back_from_its_label(kind: ReportPeriod, day: date) -> None:
    """``label`` and ``parse`` are inverse."""
    period = Period.containing(kind, day)
    assert Period.parse(period.label) == period


class TestDue:
    def test_without_history_the_latest_completed_period_is_due(self) -> None:
        """First run: report the last completed week, not the running one."""
        due = due_periods(INSURER, last_generated=None, now=cph(2026, 12, 9, 3, 0))
        assert [p.label for p in due] == ["2026-W49"]

    def test_every_completed_period_after_the_last_is_due(self) -> None:
        """A scheduler that missed two months catches up with both, oldest first."""
        last = Period(MONTHLY, date(2026, 9, 1))
        due = due_periods(
            MONTHLY_INSURER, last_generated=last, now=cph(2026, 12, 1, 0, 0)
        )
        assert [p.label for p in due] == ["2026-10", "2026-11"]

    def test_a_running_period_is_never_due(self) -> None:
        """Up to the last instant of November, November is not due."""
        last = Period(MONTHLY, date(2026, 10, 1))
        before = cph(2026, 12, 1) - timedelta(microseconds=1)
        assert due_periods(MONTHLY_INSURER, last_generated=last, now=before) == []

    def test_a_last_report_of_the_other_kind_is_refused(self) -> None:
        """A weekly history cannot continue a monthly setting."""
        with pytest.raises(InvalidPeriodError):
            due_periods(
                MONTHLY_INSURER,
                last_generated=Period(WEEKLY, date(2026, 11, 30)),
                now=cph(2026, 12, 9),
            )


@given(
    st.sampled_from([WEEKLY, MONTHLY]),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(0, 5 * 366 * 24 * 60),
)
def test_due_periods_are_consecutive_completed_and_leave_none_out(
    kind: ReportPeriod, last_day: date, minutes: int
) -> None:
    """From the last report to now: every completed period once, in order."""
    insurer = attrs.evolve(INSURER, report_period=kind)
    last = Period.containing(kind, last_day)
    now = datetime.combine(last.end, datetime.min.time(), tzinfo=UTC) + timedelta(
        minutes=minutes
    )
    due = due_periods(insurer, last_generated=last, now=now)
    expected_first = last.next()
    for period in due:
        assert period == expected_first
        assert period.instants(CPH_ZONE)[1] <= now
        expected_first = period.next()
    assert expected_first.instants(CPH_ZONE)[1] > now
