"""Hypothesis strategies for office hours and instants."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs
from dateutil import tz as dateutil_tz
from hypothesis import strategies as st

from urgentcases import HolidayCalendar, Interval, OfficeHours

# Zones chosen for their edges: DST at 02:00 (Copenhagen), at midnight
# (Santiago), of 30 minutes (Lord Howe), negative DST (Dublin), odd offsets
# (Kolkata, Chatham, St John's), transitions a week apart (Gaza), none (UTC).
ZONES = (
    "Europe/Copenhagen",
    "UTC",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Gaza",
)

CALENDARS = (
    None,
    ("DK", None, ()),
    ("DK", None, ("public", "optional")),
    ("DE", "BY", ()),
    ("US", "CA", ()),
)


@functools.cache
def calendar(
    spec: tuple[str, str | None, tuple[str, ...]] | None,
) -> HolidayCalendar | None:
    """Build each calendar once: they are immutable and costly to build."""
    if spec is None:
        return None
    return HolidayCalendar(*spec)


# Boundaries near the hours where DST changes happen, so intervals touch gaps
# and repeated hours often.
_MINUTES = st.one_of(
    st.integers(0, 1440),
    st.sampled_from([0, 60, 90, 120, 150, 180, 210, 240, 480, 960, 1380, 1410, 1440]),
)


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    start = draw(_MINUTES.filter(lambda m: m < 1440))
    end = draw(_MINUTES.filter(lambda m: m > start))
    return Interval(start, end)


@st.composite
def days(draw: st.DrawFn) -> tuple[Interval, ...]:
    """Zero to three non-overlapping intervals."""
    points = sorted(draw(st.sets(_MINUTES, max_size=6)))
    if len(points) % 2:
        points = points[:-1]
    return tuple(Interval(a, b) for a, b in zip(points[::2], points[1::2], strict=True))


dates_around_now = st.dates(date(2019, 1, 1), date(2031, 12, 31))


@st.composite
def office_hours(draw: st.DrawFn) -> OfficeHours:
    closed = draw(st.frozensets(dates_around_now, max_size=5))
    opened = draw(st.frozensets(dates_around_now, max_size=5)) - closed
    return OfficeHours(
        time_zone=draw(st.sampled_from(ZONES)),
        week=tuple(draw(days()) for _ in range(7)),
        calendar=calendar(draw(st.sampled_from(CALENDARS))),
        closed_dates=closed,
        open_dates=opened,
    )


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_SPAN = datetime(2031, 1, 1, tzinfo=UTC) - _EPOCH

instants = st.integers(0, int(_SPAN.total_seconds()) - 1).map(
    lambda s: _EPOCH + timedelta(seconds=s)
)
"""Aware UTC instants in 2020-2030, at whole seconds."""

instants_on_minutes = st.integers(0, int(_SPAN.total_seconds()) // 60 - 1).map(
    lambda m: _EPOCH + timedelta(minutes=m)
)


@functools.cache
def transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """The instants in *year* at which *zone*'s UTC offset changes (to the minute)."""
    tz = ZoneInfo(zone)
    found = []
    hour = datetime(year, 1, 1, tzinfo=UTC)
    before = hour.astimezone(tz).utcoffset()
    while hour.year == year:
        after = (hour + timedelta(hours=1)).astimezone(tz).utcoffset()
        if after != before:
            minute = hour
            while minute.astimezone(tz).utcoffset() == before:
                minute += timedelta(minutes=1)
            found.append(minute)
            before = after
        hour += timedelta(hours=1)
    return tuple(found)


@st.composite
def instants_for(draw: st.DrawFn, zone: str) -> datetime:
    """Instants in 2020-2030, half of them within days (often hours) of a DST change."""
    year = draw(st.integers(2020, 2030))
    near = transitions(zone, year)
    if not near or draw(st.booleans()):
        return draw(instants)
    around = draw(st.sampled_from(near))
    seconds = draw(
        st.one_of(
            st.integers(-3 * 3600, 3 * 3600).map(lambda m: m - m % 60),
            st.integers(-3 * 86400, 3 * 86400),
        )
    )
    return around + timedelta(seconds=seconds)


@st.composite
def hours_and_instants(draw: st.DrawFn) -> tuple[OfficeHours, datetime]:
    hours = draw(office_hours())
    return hours, draw(instants_for(hours.time_zone))


@st.composite
def hours_and_walls(draw: st.DrawFn) -> tuple[OfficeHours, datetime]:
    """Office hours and a naive wall time, often inside a DST gap or fold."""
    hours = draw(office_hours())
    year = draw(st.integers(2020, 2030))
    near = transitions(hours.time_zone, year)
    if not near or draw(st.integers(0, 3)) == 0:
        wall = draw(instants).replace(tzinfo=None)
    else:
        # The wall clock jumps at the transition from T + before to T + after:
        # the times between are missing (a gap) or repeated (a fold).
        tz = ZoneInfo(hours.time_zone)
        change = draw(st.sampled_from(near))
        before = (change - timedelta(seconds=1)).astimezone(tz).utcoffset()
        after = change.astimezone(tz).utcoffset()
        assert before is not None
        assert after is not None
        jump = abs(after - before)
        start = change.replace(tzinfo=None) + min(before, after)
        wall = start + jump * draw(st.floats(-0.5, 1.5))
        # Open from a minute near the wall time on, so that reading a missing
        # time literally instead of as its instant gives another answer.
        minute = wall.hour * 60 + wall.minute + draw(st.integers(-60, 60))
        opening = Interval(min(max(minute, 0), 1439), 1440)
        hours = attrs.evolve(hours, week=[[opening]] * 7)
    return hours, wall


def tzinfos_for(zone: str) -> list[tzinfo]:
    """Different tzinfo objects; every one names each instant the same way."""
    return [
        UTC,
        ZoneInfo("UTC"),
        timezone(timedelta(hours=5, minutes=30)),
        timezone(-timedelta(hours=11)),
        ZoneInfo(zone),
        ZoneInfo("America/Los_Angeles"),
        dateutil_tz.gettz(zone) or UTC,
        dateutil_tz.tzutc(),
    ]
