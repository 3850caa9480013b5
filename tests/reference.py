"""A deliberately simple model of office hours, to check the fast one against.

It follows R2/R3 word by word: convert the instant to the insurer's zone, look
the date up in a calendar built for that year alone, compare wall-clock times.
No tables, no precomputation.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import holidays

from urgentcases import OfficeHours


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def is_open(hours: OfficeHours, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(hours.time_zone))
    day = local.date()
    if day in hours.closed_dates:
        return False
    calendar = hours.calendar
    if calendar is not None and day not in hours.open_dates:
        year = holidays.country_holidays(
            calendar.country,
            subdiv=calendar.subdivision,
            years=day.year,
            categories=calendar.categories or None,
        )
        if day in year:
            return False
    wall = local.time()
    return any(
        _clock(interval.start) <= wall
        and (interval.end == 1440 or wall < _clock(interval.end))
        for interval in hours.week[local.weekday()]
    )
