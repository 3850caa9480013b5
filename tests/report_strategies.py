"""Hypothesis strategies for the urgent-case report.

`case_facts_rows` draws the flat rows `aggregate` counts; `histograms` the
``(minutes, how many)`` pairs `Durations` reads; `histories` plans a few weeks
of urgent cases (created, reported on, given tasks, tagged, converted or
linked) that a test then plays through the service.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta

import attrs
from hypothesis import strategies as st

from tests import reference
from tests.conftest import CPH
from tests.instants import cph
from tests.world import HOURS
from urgentcases import CaseFacts, Permission, ReportPeriod, Resolution

# -- rows ------------------------------------------------------------------------

PARTNER_OFFICES = (
    ("skadeservice", "sk-aarhus"),
    ("skadeservice", "sk-odense"),
    ("byg", "byg-kbh"),
    ("byg", "byg-aarhus"),
)
EVENT_CODES = (None, "STORM-ARWEN", "FLOOD-7")
TASK_TYPES = ("first_aid", "inspection", "repair", "survey")

# Small values collide often, so that histograms get counts above one.
minutes = st.one_of(st.integers(0, 30), st.integers(0, 200_000))


@st.composite
def case_facts_rows(draw: st.DrawFn) -> CaseFacts:
    """One urgent case's facts, consistent as `case_facts` makes them.

    Only a resolved case has minutes to its resolution; only a case with
    reported items has minutes to its first one.
    """
    partner_id, office_id = draw(st.sampled_from(PARTNER_OFFICES))
    resolution = draw(st.sampled_from(Resolution))
    items = draw(st.integers(0, 5))
    return CaseFacts(
        partner_id=partner_id,
        office_id=office_id,
        event_code=draw(st.sampled_from(EVENT_CODES)),
        permission=draw(st.sampled_from(Permission)).value,
        outside_office_hours=draw(st.booleans()),
        resolution=resolution.value,
        minutes_to_resolution=(
            None if resolution is Resolution.OPEN else draw(minutes)
        ),
        minutes_to_first_item=None if items == 0 else draw(minutes),
        items=items,
        task_types=tuple(
            sorted(draw(st.lists(st.sampled_from(TASK_TYPES), max_size=4)))
        ),
    )


histograms = st.lists(st.tuples(minutes, st.integers(0, 4)), max_size=12)
"""``(minutes, how many)`` pairs; minutes repeat and counts may be zero."""


# -- histories ------------------------------------------------------------------------

INSURER_ID = "tryg"
OTHER_INSURER_ID = "topdanmark"
ALWAYS_OFFICE = "sk-aarhus"  # may create at any time
NIGHT_OFFICES = ("sk-odense", "byg-kbh")  # only outside office hours

CONVERT, LINK = "convert", "link"

# Mondays to start a history on: each window of `SPAN` holds an edge. Late
# October and late March 2026 hold the ends and starts of daylight saving time,
# mid-December 2026 ISO week 53 and a year end, mid-February 2028 a 29 February.
BASES = (
    cph(2026, 10, 12),
    cph(2026, 3, 16),
    cph(2026, 12, 14),
    cph(2028, 2, 14),
)
SPAN = timedelta(days=21)
_SECOND = timedelta(seconds=1)
LATER = 4 * 86_400  # actions come up to four days after a case's creation


@attrs.frozen
class CasePlan:
    """One case to create and what to do with it; delays in seconds from creation.

    Attributes:
        insurer_id: Whose case: the insurer's, or another insurer's.
        created: When it is created, in UTC.
        office_id: The creating office, allowed to create at that instant.
        event_code: The form's event code.
        extra_tasks: Task types added, unassigned, at creation besides the
            first-aid task for the creating office.
        items: Delays of the notes the creating office reports.
        assigns: ``(task type, delay)`` of tasks an insurer user adds later.
        tags: ``(event code, delay)`` of event tags by an insurer user.
        resolution: ``(CONVERT or LINK, delay)``, or None to leave it open.
    """

    insurer_id: str
    created: datetime
    office_id: str
    event_code: str | None
    extra_tasks: tuple[str, ...]
    items: tuple[int, ...]
    assigns: tuple[tuple[str, int], ...]
    tags: tuple[tuple[str, int], ...]
    resolution: tuple[str, int] | None


@attrs.frozen
class History:
    """A few weeks of cases from `base` on, for an insurer reporting per *kind*.

    Attributes:
        kind: The insurer's report period.
        base: A Monday 00:00 in Copenhagen; cases are created within `SPAN`.
        cases: The cases, in the order they were drawn.
        normal_cases: When the insurer opens normal cases of its own.
    """

    kind: ReportPeriod
    base: datetime
    cases: tuple[CasePlan, ...]
    normal_cases: tuple[datetime, ...]


def local_midnight(day: date) -> datetime:
    """00:00 in Copenhagen on *day* (it exists on every day there), in UTC.

    In UTC, so that instants compare as instants: two datetimes sharing a
    `ZoneInfo` compare by wall clock, which misorders the repeated hour.
    """
    return datetime.combine(day, time(), tzinfo=CPH).astimezone(UTC)


def period_starts(kind: ReportPeriod, first: date, last: date) -> list[date]:
    """The first days of the periods from *first* to *last*, by counting days."""
    starts = []
    day = first
    while day <= last:
        if (kind is ReportPeriod.WEEKLY and day.weekday() == 0) or (
            kind is ReportPeriod.MONTHLY and day.day == 1
        ):
            starts.append(day)
        day += timedelta(days=1)
    return starts


@functools.cache
def _is_open(at: datetime) -> bool:
    return reference.is_open(HOURS, at)


@st.composite
def _instants(draw: st.DrawFn, kind: ReportPeriod, base: datetime) -> datetime:
    """An instant in the window, often exactly at or next to a period's start."""
    if draw(st.booleans()):
        offset = draw(st.integers(0, SPAN // _SECOND - 1))
        return base.astimezone(UTC) + timedelta(seconds=offset)
    first = base.date()
    starts = period_starts(kind, first, first + SPAN)
    boundary = local_midnight(draw(st.sampled_from(starts or [first])))
    return boundary + timedelta(seconds=draw(st.sampled_from([-1, 0, 0, 1])))


_delays = st.integers(0, LATER)


@st.composite
def _case_plans(draw: st.DrawFn, kind: ReportPeriod, base: datetime) -> CasePlan:
    created = draw(_instants(kind, base))
    insurer_id = draw(st.sampled_from([INSURER_ID] * 4 + [OTHER_INSURER_ID]))
    office_id = ALWAYS_OFFICE
    if insurer_id == INSURER_ID and not _is_open(created):
        office_id = draw(st.sampled_from((ALWAYS_OFFICE, *NIGHT_OFFICES)))
    resolution = draw(st.none() | st.tuples(st.sampled_from([CONVERT, LINK]), _delays))
    items = tuple(draw(st.lists(_delays, max_size=3)))
    assigns = tuple(
        draw(st.lists(st.tuples(st.sampled_from(TASK_TYPES), _delays), max_size=2))
    )
    tags = tuple(
        draw(st.lists(st.tuples(st.sampled_from(EVENT_CODES[1:]), _delays), max_size=2))
    )
    if resolution is not None and resolution[0] == LINK:
        # A discontinued case takes nothing more.
        before = resolution[1]
        items = tuple(d for d in items if d < before)
        assigns = tuple(a for a in assigns if a[1] < before)
        tags = tuple(t for t in tags if t[1] < before)
    return CasePlan(
        insurer_id=insurer_id,
        created=created,
        office_id=office_id,
        event_code=draw(st.sampled_from(EVENT_CODES)),
        extra_tasks=tuple(draw(st.lists(st.sampled_from(TASK_TYPES), max_size=2))),
        items=items,
        assigns=assigns,
        tags=tags,
        resolution=resolution,
    )


@st.composite
def histories(draw: st.DrawFn, max_cases: int = 12) -> History:
    """A history of up to *max_cases* cases of two insurers, and normal cases."""
    kind = draw(st.sampled_from(ReportPeriod))
    base = draw(st.sampled_from(BASES))
    return History(
        kind=kind,
        base=base,
        cases=tuple(draw(st.lists(_case_plans(kind, base), max_size=max_cases))),
        normal_cases=tuple(draw(st.lists(_instants(kind, base), max_size=2))),
    )
