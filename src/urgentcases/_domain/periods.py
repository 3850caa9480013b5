"""Report periods: ISO weeks and calendar months in the insurer's zone (R17, R18)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from urgentcases._domain.model import Insurer, ReportPeriod, utc_instant
from urgentcases.exceptions import InvalidPeriodError

__all__ = ["Period", "due_periods", "period_containing"]


_LABEL = re.compile(r"(?P<year>\d{4})-(?:W(?P<week>\d{2})|(?P<month>\d{2}))")


def _first_day(kind: ReportPeriod, day: date) -> date:
    if kind is ReportPeriod.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


@attrs.frozen(order=True)
class Period:
    """One report period: an ISO week (Monday to Sunday) or a calendar month.

    Attributes:
        kind: Weekly or monthly.
        start: Its first local date: a Monday, or the 1st of a month.

    >>> Period.containing(ReportPeriod.WEEKLY, date(2026, 12, 31)).label
    '2026-W53'
    >>> Period.containing(ReportPeriod.MONTHLY, date(2028, 2, 29)).end
    datetime.date(2028, 3, 1)
    """

    kind: ReportPeriod
    start: date

    def __attrs_post_init__(self) -> None:
        if _first_day(self.kind, self.start) != self.start:
            raise InvalidPeriodError(
                f"{self.start} does not start a {self.kind.value} period"
            )

    @classmethod
    def containing(cls, kind: ReportPeriod, day: date) -> Period:
        """The period of *kind* that *day* (a local date) lies in."""
        return cls(kind, _first_day(kind, day))

    @classmethod
    def parse(cls, label: str) -> Period:
        """The period a `label` names: ``2026-W53`` (an ISO week) or ``2026-12``.

        Raises:
            InvalidPeriodError: *label* names no period.

        >>> Period.parse("2026-W53").start
        datetime.date(2026, 12, 28)
        >>> Period.parse("2028-02").end
        datetime.date(2028, 3, 1)
        """
        match = _LABEL.fullmatch(label.strip()) if isinstance(label, str) else None
        try:
            if match is None:
                raise ValueError(label)
            year, week, month = match["year"], match["week"], match["month"]
            if week is not None:
                start = date.fromisocalendar(int(year), int(week), 1)
                return cls(ReportPeriod.WEEKLY, start)
            return cls(ReportPeriod.MONTHLY, date(int(year), int(month), 1))
        except ValueError:
            raise InvalidPeriodError(
                f"{label!r} names no period; expected e.g. 2026-W49 or 2026-12"
            ) from None

    @property
    def end(self) -> date:
        """The first local date after the period."""
        if self.kind is ReportPeriod.WEEKLY:
            return self.start + timedelta(days=7)
        year, month = divmod(self.start.month, 12)
        return date(self.start.year + year, month + 1, 1)

    @property
    def label(self) -> str:
        """``2026-W53`` for a week (ISO year and week), ``2026-12`` for a month."""
        if self.kind is ReportPeriod.WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    def next(self) -> Period:
        """The period that follows."""
        return Period(self.kind, self.end)

    def instants(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants ``[first, after)``, exact across DST changes.

        A local midnight that does not exist (clocks jumping at 00:00) starts its
        day at the jump, as PEP 495 reads it.
        """
        return (_midnight(self.start, zone), _midnight(self.end, zone))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def period_containing(insurer: Insurer, at: datetime) -> Period:
    """The insurer's report period (its setting) that the instant *at* lies in."""
    local = insurer.office_hours.localize(utc_instant(at))
    return Period.containing(insurer.report_period, local.date())


def due_periods(
    insurer: Insurer, *, last_generated: Period | None, now: datetime
) -> list[Period]:
    """The completed periods whose report is due, oldest first (R18).

    Those after *last_generated* that ended by *now*; with no report generated
    yet, only the latest completed period. A host's scheduler calls this and
    generates a report for each.
    """
    current = period_containing(insurer, now)
    if last_generated is None:
        return [_previous(current)]
    if last_generated.kind is not insurer.report_period:
        raise InvalidPeriodError(
            f"the last report was {last_generated.kind.value}, "
            f"the insurer reports {insurer.report_period.value}"
        )
    due = []
    period = last_generated.next()
    while period < current:
        due.append(period)
        period = period.next()
    return due


def _previous(period: Period) -> Period:
    return Period.containing(period.kind, period.start - timedelta(days=1))
