"""An insurer's office hours (kontortid): when its offices are open (R2, R3)."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from urgentcases._domain.calendar import FAST_YEARS, HolidayCalendar
from urgentcases._domain.reasons import Reason
from urgentcases.exceptions import (
    DateRangeError,
    InvalidOfficeHoursError,
    NaiveDatetimeError,
)

__all__ = ["WEEKDAYS", "Interval", "OfficeHours"]

WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
"""Weekday names in `datetime.date.weekday` order, as used in hours files."""

_MINUTES_PER_DAY = 24 * 60
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_SECOND = timedelta(seconds=1)
# The last instant whose wall clock every zone can still express.
_LAST_SECOND = int(datetime(9999, 12, 30, tzinfo=UTC).timestamp())
_CLOCK = re.compile(r"(\d\d):(\d\d)")
_UTC = UTC
# Probing a zone's UTC offset this far apart cannot step over two transitions:
# the closest pair in the IANA database since 1970 is 6.9 days apart (Gaza, Recife).
_TRANSITION_PROBE_SECONDS = 3 * 86_400


def _parse_clock(text: str) -> int:
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise InvalidOfficeHoursError(f"{text!r} is not a time of day as HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidOfficeHoursError(f"{text!r} is not a time between 00:00 and 24:00")
    return hours * 60 + minutes


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@attrs.frozen(order=True)
class Interval:
    """A half-open interval ``[start, end)`` of local wall-clock time within a day.

    Times are minutes after midnight; ``end`` may be ``1440`` (24:00), so a day
    can be open until midnight. ``Interval.parse("08:00-16:00")`` is open at 08:00
    and at 15:59, closed at 16:00.

    Attributes:
        start: First minute inside the interval, 0 to 1439.
        end: First minute after the interval, ``start + 1`` to 1440.

    >>> Interval.parse("08:00-16:00")
    Interval(start=480, end=960)
    >>> str(Interval(0, 1440))
    '00:00-24:00'
    """

    start: int
    end: int

    def __attrs_post_init__(self) -> None:
        for value in (self.start, self.end):
            if type(value) is not int:
                raise InvalidOfficeHoursError(
                    f"interval bounds are whole minutes, not {value!r}"
                )
        if not (
            0 <= self.start <= _MINUTES_PER_DAY and 0 <= self.end <= _MINUTES_PER_DAY
        ):
            raise InvalidOfficeHoursError(
                f"interval bounds must be 0 to 1440 minutes (00:00 to 24:00), "
                f"not ({self.start}, {self.end})"
            )
        if self.end <= self.start:
            raise InvalidOfficeHoursError(f"interval {self}: end must be after start")

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Parse ``"HH:MM-HH:MM"``, e.g. ``"08:00-16:00"`` or ``"22:00-24:00"``."""
        if not isinstance(text, str) or text.count("-") != 1:
            raise InvalidOfficeHoursError(
                f"{text!r} is not an interval as HH:MM-HH:MM, e.g. '08:00-16:00'"
            )
        start, end = (part.strip() for part in text.split("-"))
        return cls(_parse_clock(start), _parse_clock(end))

    def __str__(self) -> str:
        return f"{_format_clock(self.start)}-{_format_clock(self.end)}"


def _day(intervals: Iterable[Interval | str]) -> tuple[Interval, ...]:
    if isinstance(intervals, str | Interval):
        intervals = [intervals]
    parsed = sorted(
        item if isinstance(item, Interval) else Interval.parse(item)
        for item in intervals
    )
    for before, after in itertools.pairwise(parsed):
        if after.start < before.end:
            raise InvalidOfficeHoursError(f"intervals {before} and {after} overlap")
    return tuple(parsed)


def _week(
    days: Sequence[Iterable[Interval | str]],
) -> tuple[tuple[Interval, ...], ...]:
    if isinstance(days, str) or len(days) != 7:
        raise InvalidOfficeHoursError(
            "week must list seven days, Monday first, each a sequence of intervals"
        )
    week = []
    for name, intervals in zip(WEEKDAYS, days, strict=True):
        try:
            week.append(_day(intervals))
        except InvalidOfficeHoursError as error:
            raise InvalidOfficeHoursError(f"{name}: {error}") from None
        except TypeError:
            raise InvalidOfficeHoursError(
                f"{name}: {intervals!r} is not a sequence of intervals"
            ) from None
    return tuple(week)


def _dates(values: Iterable[date]) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidOfficeHoursError(f"{value!r} is not a date")
    return result


@attrs.frozen
class _DayTable:
    """What is known about one kind of day, minute by minute."""

    open: tuple[bool, ...]
    reasons: tuple[Reason, ...]
    flips: tuple[int, ...]  # minutes m > 0 with open[m] != open[m - 1]

    @classmethod
    def build(cls, intervals: tuple[Interval, ...], closed: Reason) -> _DayTable:
        if not intervals:
            return cls((False,) * _MINUTES_PER_DAY, (closed,) * _MINUTES_PER_DAY, ())
        first, last = intervals[0].start, intervals[-1].end
        reasons = [Reason.BETWEEN_INTERVALS] * _MINUTES_PER_DAY
        reasons[:first] = [Reason.BEFORE_OPENING] * first
        reasons[last:] = [Reason.AFTER_CLOSING] * (_MINUTES_PER_DAY - last)
        for interval in intervals:
            span = interval.end - interval.start
            reasons[interval.start : interval.end] = [Reason.INSIDE_OFFICE_HOURS] * span
        is_open = tuple(reason is Reason.INSIDE_OFFICE_HOURS for reason in reasons)
        flips = tuple(
            m for m in range(1, _MINUTES_PER_DAY) if is_open[m] != is_open[m - 1]
        )
        return cls(is_open, tuple(reasons), flips)


_CLOSED_DAY = _DayTable.build((), Reason.EXTRA_CLOSED_DATE)
_INSIDE = Reason.INSIDE_OFFICE_HOURS
_NO_TZINFO = object()  # is no datetime's tzinfo
# tzinfo classes that always know their UTC offset: no need to ask.
_TRUSTED = frozenset({timezone, ZoneInfo})


def _offset_at(zone: ZoneInfo, second: int) -> timedelta:
    offset = datetime.fromtimestamp(second, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def _first_transition(zone: ZoneInfo, start: int, end: int) -> int | None:
    """Return the first second in ``(start, end]`` whose UTC offset differs."""
    before = _offset_at(zone, start)
    low = start
    while low < end:
        high = min(low + _TRANSITION_PROBE_SECONDS, end)
        if _offset_at(zone, high) != before:
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            return high
        low = high
    return None


def _year_second(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=_UTC).timestamp())


@attrs.frozen
class _Transitions:
    """A zone's UTC-offset changes over some years, for the hot path."""

    start: int  # the scan covered the seconds (start, end]
    end: int
    seconds: list[int]  # epoch seconds of each change
    minutes: list[int]  # UTC minute keys (ordinal * 1440 + minute) of each change
    offsets: list[int]  # offset in minutes before the first change, then after each
    gap_ordinals: frozenset[int]  # local dates on which some wall times do not exist
    whole_minutes: bool  # every change and offset falls on a whole minute

    @classmethod
    def scan(cls, zone: ZoneInfo, years: range) -> _Transitions:
        """Find the changes from a day before *years* to a day after them."""
        start = second = _year_second(years.start) - 86_400
        end = _year_second(years.stop) + 86_400
        offsets = [_offset_at(zone, second)]
        seconds: list[int] = []
        minutes: list[int] = []
        gaps: set[int] = set()
        whole = True
        while (found := _first_transition(zone, second, end)) is not None:
            second = found
            before, after = offsets[-1], _offset_at(zone, second)
            instant = datetime.fromtimestamp(second, _UTC).replace(tzinfo=None)
            seconds.append(second)
            minutes.append(_minute_key(instant))
            offsets.append(after)
            whole = whole and second % 60 == 0
            if after > before:
                first = (instant + before).toordinal()
                last = (instant + after - timedelta(microseconds=1)).toordinal()
                gaps.update(range(first, last + 1))
        whole = whole and all(o % timedelta(minutes=1) == timedelta() for o in offsets)
        return cls(
            start,
            end,
            seconds,
            minutes,
            [offset // timedelta(minutes=1) for offset in offsets],
            frozenset(gaps),
            whole,
        )

    def first_after(self, zone: ZoneInfo, start: int, end: int) -> int | None:
        """Return the first second in ``(start, end]`` at which the offset changes.

        Looked up in the scan where it covers the span, probed otherwise.
        """
        if not (self.start <= start and end <= self.end):
            return _first_transition(zone, start, end)
        index = bisect.bisect_right(self.seconds, start)
        if index < len(self.seconds) and self.seconds[index] <= end:
            return self.seconds[index]
        return None


def _minute_key(naive: datetime) -> int:
    return naive.toordinal() * _MINUTES_PER_DAY + naive.hour * 60 + naive.minute


_T = TypeVar("_T")


@attrs.frozen
class _Window:
    """The years in which the hot path answers from precomputed tables."""

    zone: ZoneInfo
    first: int  # ordinal of the first date
    end: int  # ordinal after the last date
    transitions: _Transitions

    def __contains__(self, ordinal: int) -> bool:
        return self.first <= ordinal < self.end

    @property
    def gap_ordinals(self) -> frozenset[int]:
        return self.transitions.gap_ordinals

    def compile(
        self,
        week: tuple[tuple[_T, ...], ...],
        special: dict[int, _T | None],
        exact: Callable[[datetime], _T],
    ) -> Callable[[datetime], _T]:
        """Return a function of an instant that answers from the tables.

        *week* holds a minute table per ``ordinal % 7``; *special* the answer for
        closed dates, or None where only *exact* can answer (a gap day). Dates
        outside the window, and unknown tzinfos, go to *exact* as well.
        """
        zone, first, span = self.zone, self.first, self.end - self.first
        changes, offsets = self.transitions.minutes, self.transitions.offsets
        # UTC input takes the minute-count path only where it is exact.
        utc = _UTC if self.transitions.whole_minutes else _NO_TZINFO
        day = _MINUTES_PER_DAY
        bisect_right = bisect.bisect_right

        by_hour = tuple(
            tuple(minutes[hour * 60 : hour * 60 + 60] for hour in range(24))
            for minutes in week
        )

        def special_or_exact(at: datetime, ordinal: int) -> _T:
            answer = special.get(ordinal)
            return exact(at) if answer is None else answer

        def lookup(at: datetime) -> _T:
            tz = at.tzinfo
            if tz is zone:
                ordinal = at.toordinal()
                if ordinal in special or not 0 <= ordinal - first < span:
                    return special_or_exact(at, ordinal)
                return by_hour[ordinal % 7][at.hour][at.minute]
            if tz is utc:
                # Shift UTC's minute count by the offset in force: no datetime.
                key = at.toordinal() * day + at.hour * 60 + at.minute
                key += offsets[bisect_right(changes, key)]
                ordinal = key // day
                if ordinal in special or not 0 <= ordinal - first < span:
                    return special_or_exact(at, ordinal)
                return week[ordinal % 7][key - ordinal * day]
            return exact(at)

        return lookup


def _zone(key: str) -> ZoneInfo:
    if not isinstance(key, str):
        raise InvalidOfficeHoursError(
            f"time_zone must be an IANA zone name, not {key!r}"
        )
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise InvalidOfficeHoursError(
            f"{key!r} is not an IANA time zone, e.g. 'Europe/Copenhagen'"
        ) from error


@attrs.frozen
class OfficeHours:
    """An insurer's office hours (*kontortid*), in its own time zone.

    An instant is inside office hours when, in the insurer's zone, its date is not
    closed and its wall-clock time lies in one of that weekday's intervals. A date
    is closed when it is an extra closed date, or a holiday of the calendar that is
    not an extra open date. An extra open date only reopens a holiday: a weekday
    without intervals stays closed.

    Attributes:
        time_zone: IANA zone name, e.g. ``"Europe/Copenhagen"``.
        week: Seven tuples of intervals, Monday first; an empty tuple is a day
            without office hours. Strings such as ``"08:00-16:00"`` are accepted
            and parsed; intervals are sorted and must not overlap.
        calendar: Public holidays on which the offices are closed, or None.
        closed_dates: Extra dates on which the offices are closed (e.g. 24 December).
        open_dates: Holidays on which the offices are open nevertheless.

    Raises:
        InvalidOfficeHoursError: On construction, for an unknown zone, a malformed
            or overlapping interval, or a date both closed and open.

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> hours = OfficeHours.weekdays("08:00", "16:00")
    >>> cph = ZoneInfo("Europe/Copenhagen")
    >>> hours.is_open(datetime(2026, 12, 4, 15, 59, tzinfo=cph))
    True
    >>> hours.is_open(datetime(2026, 12, 4, 16, 0, tzinfo=cph))
    False
    >>> hours.next_change(datetime(2026, 12, 4, 16, 0, tzinfo=cph)).isoformat()
    '2026-12-07T07:00:00+00:00'
    """

    time_zone: str
    week: tuple[tuple[Interval, ...], ...] = attrs.field(converter=_week)
    calendar: HolidayCalendar | None = None
    closed_dates: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)
    open_dates: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)

    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    # Day tables indexed by ``ordinal % 7`` (ordinal 1 is a Monday).
    _tables: tuple[_DayTable, ...] = attrs.field(init=False, eq=False, repr=False)
    reason_check: Callable[[datetime], Reason] = attrs.field(
        init=False, eq=False, repr=False
    )
    """`reason_at` at its fastest: a function of the instant alone, built with
    the office hours (see `outside_check`)."""
    outside_check: Callable[[datetime], bool] = attrs.field(
        init=False, eq=False, repr=False
    )
    """``not is_open`` at its fastest: a function of the instant alone, built with
    the office hours. For an ordinary date it calls nothing else; use it where
    the check runs on every page view."""
    _window: _Window = attrs.field(init=False, eq=False, repr=False)
    _closed_in_window: frozenset[int] = attrs.field(init=False, eq=False, repr=False)
    _ever_open: bool = attrs.field(init=False, eq=False, repr=False)
    _always_open: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.calendar is not None and not isinstance(self.calendar, HolidayCalendar):
            raise InvalidOfficeHoursError(
                f"calendar must be a HolidayCalendar or None, not {self.calendar!r}"
            )
        both = self.closed_dates & self.open_dates
        if both:
            raise InvalidOfficeHoursError(
                f"dates both closed and open: {', '.join(map(str, sorted(both)))}"
            )
        zone = _zone(self.time_zone)
        built: dict[tuple[tuple[Interval, ...], Reason], _DayTable] = {}
        tables: list[_DayTable] = [_CLOSED_DAY] * 7
        for weekday, intervals in enumerate(self.week):
            no_hours = Reason.WEEKEND if weekday >= 5 else Reason.CLOSED_WEEKDAY
            key = (intervals, no_hours)
            if key not in built:
                built[key] = _DayTable.build(intervals, no_hours)
            tables[(weekday + 1) % 7] = built[key]
        closed = {d.toordinal() for d in self.closed_dates}
        if self.calendar is not None:
            closed |= self.calendar.fast_ordinals() - {
                d.toordinal() for d in self.open_dates
            }
        years = FAST_YEARS if self.calendar is None else self.calendar.fast_years
        first, end = (
            date(years.start, 1, 1).toordinal(),
            date(years.stop, 1, 1).toordinal(),
        )
        transitions = _Transitions.scan(zone, years)
        set_ = object.__setattr__
        set_(self, "_zone", zone)
        set_(self, "_tables", tuple(tables))
        # Dates in [first, end) need only the weekly tables, except these: closed
        # dates (with their answer) and dates whose wall clock has a gap (None: a
        # datetime there may name a time that does not exist).
        window = _Window(zone, first, end, transitions)
        set_(self, "_window", window)
        set_(self, "_closed_in_window", frozenset(o for o in closed if o in window))
        special: dict[int, Reason | None] = {
            o: self._closed_reason(o) for o in self._closed_in_window
        }
        special.update(dict.fromkeys(transitions.gap_ordinals))
        set_(
            self,
            "reason_check",
            window.compile(
                tuple(table.reasons for table in tables), special, self._exact_reason
            ),
        )
        set_(
            self,
            "outside_check",
            window.compile(
                tuple(tuple(not o for o in table.open) for table in tables),
                {o: None if r is None else True for o, r in special.items()},
                lambda at: self._exact_reason(at) is not _INSIDE,
            ),
        )
        set_(self, "_ever_open", any(t.flips or t.open[0] for t in tables))
        set_(self, "_always_open", all(t.open[0] and not t.flips for t in tables))

    # -- construction -----------------------------------------------------------

    @classmethod
    def weekdays(
        cls,
        start: str = "08:00",
        end: str = "16:00",
        *,
        time_zone: str = "Europe/Copenhagen",
        country: str | None = "DK",
        subdivision: str | None = None,
        closed_dates: Iterable[date] = (),
        open_dates: Iterable[date] = (),
    ) -> OfficeHours:
        """Open Monday to Friday from *start* to *end*, closed on public holidays.

        The defaults are the article's example: 08:00-16:00 in
        Europe/Copenhagen with Danish public holidays.
        """
        day = (Interval(_parse_clock(start), _parse_clock(end)),)
        return cls(
            time_zone=time_zone,
            week=(day,) * 5 + ((),) * 2,
            calendar=None if country is None else HolidayCalendar(country, subdivision),
            closed_dates=frozenset(closed_dates),
            open_dates=frozenset(open_dates),
        )

    # -- queries ------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The insurer's time zone."""
        return self._zone

    def localize(self, at: datetime) -> datetime:
        """Return the instant *at* as a wall-clock time in the insurer's zone.

        Raises:
            NaiveDatetimeError: *at* has no UTC offset.
            DateRangeError: *at* cannot be expressed in the insurer's zone.
        """
        tz = at.tzinfo
        if tz is self._zone:
            return at
        if tz.__class__ not in _TRUSTED and (tz is None or at.utcoffset() is None):
            raise NaiveDatetimeError(at)
        try:
            return at.astimezone(self._zone)
        except OverflowError:
            raise _unrepresentable(at, self.time_zone) from None

    def is_open(self, at: datetime) -> bool:
        """Return whether the instant *at* lies inside office hours.

        Raises:
            NaiveDatetimeError: *at* has no UTC offset.
            DateRangeError: *at* lies in a year the calendar does not define.
        """
        return not self.outside_check(at)

    def reason_at(self, at: datetime) -> Reason:
        """Return why *at* is inside or outside office hours.

        One of `Reason.INSIDE_OFFICE_HOURS`, `BEFORE_OPENING`, `AFTER_CLOSING`,
        `BETWEEN_INTERVALS`, `WEEKEND`, `CLOSED_WEEKDAY`, `PUBLIC_HOLIDAY` or
        `EXTRA_CLOSED_DATE`. A holiday or closed date that falls on a weekend
        gives the more specific holiday or closed-date reason.

        Raises:
            NaiveDatetimeError: *at* has no UTC offset.
            DateRangeError: *at* lies in a year the calendar does not define.
        """
        return self.reason_check(at)

    def next_change(self, at: datetime) -> datetime | None:
        """Return the first instant after *at* at which `is_open` changes its answer.

        The result is an aware UTC datetime (compare it freely: a wall time in a
        repeated hour would compare unequal to every other zone's, PEP 495);
        `localize` turns it into the insurer's wall clock. None when the answer
        never changes (no office hours at all, or open around the clock with no
        closed date ahead). It is exact across daylight-saving changes, holidays
        and year ends.

        Raises:
            NaiveDatetimeError: *at* has no UTC offset.
            DateRangeError: The change lies in a year the calendar does not define.
        """
        local = self._exact(at)
        if not self._ever_open:
            return None
        state = self.is_open(local)
        try:
            while True:
                wall = self._next_wall_change(local, state)
                if wall is None:
                    return None
                offset = local.utcoffset()
                assert offset is not None
                # The wall time as an instant, if the offset stays as it is.
                ordinal, minute = wall
                candidate = (
                    (ordinal - _EPOCH_ORDINAL) * 86_400
                    + minute * 60
                    - offset // _ONE_SECOND
                )
                transition = self._window.transitions.first_after(
                    self._zone, int(local.timestamp()), candidate
                )
                if transition is None:
                    if candidate > _LAST_SECOND:
                        return None
                    return datetime.fromtimestamp(candidate, _UTC)
                local = datetime.fromtimestamp(transition, self._zone)
                if self.is_open(local) != state:
                    return local.astimezone(_UTC)
        except OverflowError:
            # The change would come after datetime.max: within what a datetime
            # can say, the answer never changes.
            return None

    # -- internals ----------------------------------------------------------------

    def _exact_reason(self, at: datetime) -> Reason:
        """`reason_at` the slow, exact way: any date, any tzinfo, any wall time."""
        local = self._exact(at)
        ordinal = local.toordinal()
        closed = self._closed_reason(ordinal)
        if closed is not None:
            return closed
        return self._tables[ordinal % 7].reasons[local.hour * 60 + local.minute]

    def _exact(self, at: datetime) -> datetime:
        # A datetime on a day with a gap may name a wall-clock time that does not
        # exist; PEP 495 says which instant it is, and that instant's wall clock
        # is the one that counts.
        local = self.localize(at)
        ordinal = local.toordinal()
        if ordinal in self._window and ordinal not in self._window.gap_ordinals:
            return local
        try:
            return local.astimezone(_UTC).astimezone(self._zone)
        except OverflowError:
            raise _unrepresentable(at, self.time_zone) from None

    def _closed_reason(self, ordinal: int) -> Reason | None:
        """Return why the date is closed, or None for an ordinary day."""
        day = date.fromordinal(ordinal)
        if day in self.closed_dates:
            return Reason.EXTRA_CLOSED_DATE
        if day in self.open_dates or self.calendar is None:
            return None
        if self.calendar.is_holiday(day):
            return Reason.PUBLIC_HOLIDAY
        return None

    def _table(self, ordinal: int) -> _DayTable:
        if ordinal in self._window:
            closed = ordinal in self._closed_in_window
        else:
            closed = self._closed_reason(ordinal) is not None
        return _CLOSED_DAY if closed else self._tables[ordinal % 7]

    def _next_wall_change(self, local: datetime, state: bool) -> tuple[int, int] | None:
        """Return the first wall-clock time after *local* whose answer differs.

        The time is a date's ordinal and a minute of that day. It walks days in
        wall-clock time, as if the UTC offset never changed; `next_change`
        corrects for transitions.
        """
        ordinal = local.toordinal()
        flips = self._table(ordinal).flips
        index = bisect.bisect_right(flips, local.hour * 60 + local.minute)
        if index < len(flips):
            return ordinal, flips[index]
        if state and self._always_open and self.calendar is None:
            ahead = [
                d.toordinal() for d in self.closed_dates if d.toordinal() > ordinal
            ]
            return (min(ahead), 0) if ahead else None
        last = date.max.toordinal()
        while ordinal < last:
            ordinal += 1
            table = self._table(ordinal)
            if table.open[0] != state:
                return ordinal, 0
            if table.flips:
                return ordinal, table.flips[0]
        return None


def _unrepresentable(at: datetime, zone: str) -> DateRangeError:
    return DateRangeError(f"{at.isoformat()} cannot be expressed in {zone}")
