"""The urgent-case report: statistics on one period's urgent cases (R17).

The report is computed in two steps, so that a database can do the heavy one:

1. `aggregate` counts `CaseFacts` (one flat row per urgent case) into
   `ReportCounts`: how many cases per combination of partner, office, event,
   permission, office hours and resolution, and histograms of whole minutes.
   It streams: memory grows with the number of distinct groups, never with the
   number of cases. The SQL adapter computes the same counts with ``GROUP BY``.
2. `Report.from_counts` turns the counts into the report's breakdowns, medians
   and 90th percentiles. Both paths share this step, so equal counts give equal
   reports.

What a case *is* (its creator, permission, office hours and event code) is read
as stored; an insurer may tag a storm's cases after the storm, and the report
of the storm's week then counts them under it. What *happened* to a case
(resolution, times, tasks, items) is read from its log as of the period's end,
so nothing done after a period changes its report, tagging apart.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple, TypeAlias
from zoneinfo import ZoneInfo

import attrs

from urgentcases._domain.model import Case, Insurer, LogAction, utc_instant
from urgentcases._domain.periods import Period
from urgentcases._domain.policy import Permission
from urgentcases.exceptions import InvalidPeriodError, InvalidTransitionError

__all__ = [
    "CaseFacts",
    "Durations",
    "Report",
    "ReportCounts",
    "Resolution",
    "aggregate",
    "build_report",
    "case_facts",
    "report_bounds",
]

_MINUTE = timedelta(minutes=1)
_CHUNK = 4096  # rows counted per pass: bounded memory, C-speed counting


class Resolution(enum.Enum):
    """What had become of an urgent case by the end of its report period."""

    CONVERTED = "converted"
    """Turned into a normal case (R14)."""
    LINKED = "linked"
    """Linked into an existing case and discontinued (R15)."""
    OPEN = "open"
    """Still an open urgent case."""


class CaseFacts(NamedTuple):
    """One urgent case as the report counts it: a flat, hashable row.

    Codes are plain strings (enum values), so that rows hash fast and a
    database row maps onto one directly.

    Attributes:
        partner_id: The creating partner.
        office_id: The creating office.
        event_code: Its catastrophe event code, or None.
        permission: The `Permission` value it was created under.
        outside_office_hours: Whether it was created outside office hours.
        resolution: The `Resolution` value as of the period's end.
        minutes_to_resolution: Whole minutes from creation to conversion or
            link, or None while open.
        minutes_to_first_item: Whole minutes from creation to the first
            reported item, or None if none was reported by the period's end.
        items: Items reported on it by the period's end.
        task_types: The types of the tasks added to it by the period's end,
            sorted.
    """

    partner_id: str
    office_id: str
    event_code: str | None
    permission: str
    outside_office_hours: bool
    resolution: str
    minutes_to_resolution: int | None
    minutes_to_first_item: int | None
    items: int
    task_types: tuple[str, ...]


_GROUP = itemgetter(0, 1, 2, 3, 4, 5)
_TO_RESOLUTION = itemgetter(5, 6)
_TO_FIRST_ITEM = itemgetter(7)
_ITEMS = itemgetter(8)
_TASKS = itemgetter(9)

Group: TypeAlias = tuple[str, str, str | None, str, bool, str]
"""A combination of partner, office, event, permission, office hours, resolution."""


def _minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from *start* to *end*, rounded down; never negative."""
    return max(0, (end - start) // _MINUTE)


def case_facts(case: Case, end: datetime) -> CaseFacts:
    """The facts of the urgent *case* as of the instant *end* (a period's end).

    Raises:
        InvalidTransitionError: *case* was not created as an urgent case
            (reason ``not_urgent_case``).
        InvalidPeriodError: *case* was created at or after *end*.
    """
    end = utc_instant(end)
    if case.permission is None or case.office_id is None or case.partner_id is None:
        raise InvalidTransitionError(
            f"case {case.id} was not created as an urgent case",
            reason="not_urgent_case",
        )
    if case.created_at >= end:
        raise InvalidPeriodError(f"case {case.id} was created at or after {end}")
    converted_at: datetime | None = None
    linked_at: datetime | None = None
    first_item: datetime | None = None
    items = 0
    task_types = []
    for entry in case.log:
        if entry.at >= end:
            continue
        action = entry.action
        if action is LogAction.ITEM_REPORTED:
            items += 1
            if first_item is None or entry.at < first_item:
                first_item = entry.at
        elif action is LogAction.TASK_ADDED:
            task_types.append(entry.reference("type") or "")
        # The lifecycle allows one conversion or one link; should a log hold
        # more, the latest of each counts and a conversion wins, as in SQL.
        elif action is LogAction.CONVERTED:
            converted_at = max(entry.at, converted_at or entry.at)
        elif action is LogAction.LINKED_INTO:
            linked_at = max(entry.at, linked_at or entry.at)
    if converted_at is not None:
        resolution, resolved_at = Resolution.CONVERTED.value, converted_at
    elif linked_at is not None:
        resolution, resolved_at = Resolution.LINKED.value, linked_at
    else:
        resolution, resolved_at = Resolution.OPEN.value, None
    return CaseFacts(
        partner_id=case.partner_id,
        office_id=case.office_id,
        event_code=case.event_code,
        permission=case.permission.value,
        outside_office_hours=bool(case.outside_office_hours),
        resolution=resolution,
        minutes_to_resolution=(
            None if resolved_at is None else _minutes(case.created_at, resolved_at)
        ),
        minutes_to_first_item=(
            None if first_item is None else _minutes(case.created_at, first_item)
        ),
        items=items,
        task_types=tuple(sorted(task_types)),
    )


def _sorted_counts(
    counts: Mapping[Any, int] | Iterable[tuple[Any, int]],
) -> tuple[tuple[Any, int], ...]:
    """Counts as sorted ``(key, n)`` pairs without zeros, from a mapping or pairs.

    Pairs with the same key are added up.
    """
    totals = counts if isinstance(counts, Mapping) else _summed(counts)
    return tuple(sorted(((k, n) for k, n in totals.items() if n), key=_none_first))


def _summed(pairs: Iterable[tuple[Any, int]]) -> Counter[Any]:
    """The counts of ``(key, n)`` pairs added up per key."""
    totals: Counter[Any] = Counter()
    for key, n in pairs:
        totals[key] += n
    return totals


def _none_first(pair: tuple[Any, int]) -> tuple[Any, ...]:
    key = pair[0]
    if isinstance(key, tuple):
        return tuple((part is not None, part) for part in key)
    return ((key is not None, key),)


@attrs.frozen
class ReportCounts:
    """What `aggregate` counts: the groups and histograms a report is made of.

    Every field is sorted (None first), so that counts from any source compare
    equal exactly when they describe the same cases.

    Attributes:
        groups: Cases per ``(partner_id, office_id, event_code, permission,
            outside_office_hours, resolution)``.
        to_resolution: Resolved cases per ``(resolution, whole minutes)``.
        to_first_item: Cases per whole minutes to their first reported item.
        tasks: Tasks per type.
        items: Reported items in all.
    """

    groups: tuple[tuple[Group, int], ...] = attrs.field(converter=_sorted_counts)
    to_resolution: tuple[tuple[tuple[str, int], int], ...] = attrs.field(
        converter=_sorted_counts
    )
    to_first_item: tuple[tuple[int, int], ...] = attrs.field(converter=_sorted_counts)
    tasks: tuple[tuple[str, int], ...] = attrs.field(converter=_sorted_counts)
    items: int = 0


def _chunks(rows: Iterable[CaseFacts]) -> Iterator[list[CaseFacts]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def aggregate(rows: Iterable[CaseFacts]) -> ReportCounts:
    """Count *rows* into `ReportCounts`, streaming.

    The rows are read once, a few thousand at a time; each chunk is counted by
    `collections.Counter` in C, one pass per histogram. Memory grows with the
    number of distinct groups and minute values, not with the number of rows.
    """
    groups: Counter[Group] = Counter()
    to_resolution: Counter[tuple[str, int | None]] = Counter()
    to_first_item: Counter[int | None] = Counter()
    items: Counter[int] = Counter()
    tasks: Counter[tuple[str, ...]] = Counter()
    for chunk in _chunks(rows):
        groups.update(map(_GROUP, chunk))
        to_resolution.update(map(_TO_RESOLUTION, chunk))
        to_first_item.update(map(_TO_FIRST_ITEM, chunk))
        items.update(map(_ITEMS, chunk))
        tasks.update(map(_TASKS, chunk))
    per_type: Counter[str] = Counter()
    for types, n in tasks.items():
        for task_type in types:
            per_type[task_type] += n
    return ReportCounts(
        groups=groups,
        to_resolution={
            key: n for key, n in to_resolution.items() if key[1] is not None
        },
        to_first_item={key: n for key, n in to_first_item.items() if key is not None},
        tasks=per_type,
        items=sum(count * n for count, n in items.items()),
    )


@attrs.frozen
class Durations:
    """Median and 90th percentile of whole minutes, by the nearest-rank method.

    The nearest-rank percentile *p* of *n* values is the smallest value with at
    least ``ceil(p * n / 100)`` values at or below it: always one of the values,
    so it is the same whether computed from a histogram or a sorted list.

    Attributes:
        count: How many values.
        median: The 50th percentile, or None without values.
        p90: The 90th percentile, or None without values.
    """

    count: int = 0
    median: int | None = None
    p90: int | None = None

    @classmethod
    def from_histogram(cls, histogram: Iterable[tuple[int, int]]) -> Durations:
        """The durations of a histogram of ``(minutes, how many)`` pairs."""
        pairs = sorted((minutes, n) for minutes, n in histogram if n)
        total = sum(n for _, n in pairs)
        if not total:
            return cls()
        return cls(
            total, _nearest_rank(pairs, total, 50), _nearest_rank(pairs, total, 90)
        )

    def to_dict(self) -> dict[str, int | None]:
        """The durations as plain JSON-ready values."""
        return {"count": self.count, "median": self.median, "p90": self.p90}


def _nearest_rank(pairs: list[tuple[int, int]], total: int, percent: int) -> int:
    rank = -(-percent * total // 100)
    seen = 0
    for minutes, n in pairs:
        seen += n
        if seen >= rank:
            return minutes
    raise AssertionError("unreachable: the ranks add up to the total")


def _tally(pairs: Iterable[tuple[Any, int]]) -> tuple[tuple[Any, int], ...]:
    """Sum counts per key; most first, then by key (None first)."""
    return tuple(
        sorted(_summed(pairs).items(), key=lambda pair: (-pair[1], *_none_first(pair)))
    )


@attrs.frozen
class Report:
    """The urgent-case report of one insurer and period (R17).

    Breakdowns are tuples of ``(key, cases)``, most cases first. Build one with
    `build_report` or `UrgentCaseService.period_report`; compare two with
    ``==``.

    Attributes:
        insurer_id: The insurer.
        period: The report period.
        start: The period's first instant (UTC).
        end: The first instant after it (UTC).
        created: Urgent cases created in the period.
        by_partner: Cases per creating partner.
        by_office: Cases per ``(partner_id, office_id)``.
        by_event: Cases per catastrophe event code (None: untagged).
        by_permission: Cases per `Permission` they were created under.
        outside_office_hours: Cases created outside office hours.
        inside_office_hours: Cases created inside office hours (only offices
            allowed to create at any time can).
        by_permission_and_hours: Cases per ``(Permission, outside office
            hours)``.
        converted: Cases converted to normal cases by the period's end.
        linked: Cases linked into another case by the period's end.
        still_open: Cases still open urgent cases at the period's end.
        to_conversion: Minutes from creation to conversion.
        to_link: Minutes from creation to link.
        to_resolution: Minutes from creation to conversion or link.
        to_first_item: Minutes from creation to the first reported item.
        tasks_by_type: Tasks added to the cases, per type.
        items: Items reported on the cases by the period's end.
        counts: The `ReportCounts` the report was made from.
    """

    insurer_id: str
    period: Period
    start: datetime
    end: datetime
    created: int
    by_partner: tuple[tuple[str, int], ...]
    by_office: tuple[tuple[tuple[str, str], int], ...]
    by_event: tuple[tuple[str | None, int], ...]
    by_permission: tuple[tuple[Permission, int], ...]
    outside_office_hours: int
    inside_office_hours: int
    by_permission_and_hours: tuple[tuple[tuple[Permission, bool], int], ...]
    converted: int
    linked: int
    still_open: int
    to_conversion: Durations
    to_link: Durations
    to_resolution: Durations
    to_first_item: Durations
    tasks_by_type: tuple[tuple[str, int], ...]
    items: int
    counts: ReportCounts = attrs.field(repr=False)

    @classmethod
    def from_counts(
        cls, insurer: Insurer, period: Period, counts: ReportCounts
    ) -> Report:
        """The report of *insurer* for *period* from its *counts*."""
        start, end = report_bounds(insurer, period)
        groups = counts.groups
        by_resolution = dict(_tally((g[5], n) for g, n in groups))
        by_hours = dict(_tally((g[4], n) for g, n in groups))
        minutes = counts.to_resolution
        return cls(
            insurer_id=insurer.id,
            period=period,
            start=start,
            end=end,
            created=sum(n for _, n in groups),
            by_partner=_tally((g[0], n) for g, n in groups),
            by_office=_tally(((g[0], g[1]), n) for g, n in groups),
            by_event=_tally((g[2], n) for g, n in groups),
            by_permission=tuple(
                (Permission(code), n)
                for code, n in _tally((g[3], n) for g, n in groups)
            ),
            outside_office_hours=by_hours.get(True, 0),
            inside_office_hours=by_hours.get(False, 0),
            by_permission_and_hours=tuple(
                ((Permission(code), outside), n)
                for (code, outside), n in _tally(((g[3], g[4]), n) for g, n in groups)
            ),
            converted=by_resolution.get(Resolution.CONVERTED.value, 0),
            linked=by_resolution.get(Resolution.LINKED.value, 0),
            still_open=by_resolution.get(Resolution.OPEN.value, 0),
            to_conversion=Durations.from_histogram(
                (m, n) for (r, m), n in minutes if r == Resolution.CONVERTED.value
            ),
            to_link=Durations.from_histogram(
                (m, n) for (r, m), n in minutes if r == Resolution.LINKED.value
            ),
            to_resolution=Durations.from_histogram((m, n) for (_, m), n in minutes),
            to_first_item=Durations.from_histogram(counts.to_first_item),
            tasks_by_type=_tally(counts.tasks),
            items=counts.items,
            counts=counts,
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values (codes, ISO 8601 instants)."""
        return {
            "insurer_id": self.insurer_id,
            "period": self.period.label,
            "period_kind": self.period.kind.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "created": self.created,
            "by_partner": dict(self.by_partner),
            "by_office": [
                {"partner_id": partner, "office_id": office, "cases": n}
                for (partner, office), n in self.by_office
            ],
            "by_event": [{"event_code": code, "cases": n} for code, n in self.by_event],
            "by_permission": {p.value: n for p, n in self.by_permission},
            "office_hours": {
                "outside": self.outside_office_hours,
                "inside": self.inside_office_hours,
            },
            "by_permission_and_hours": [
                {"permission": p.value, "outside_office_hours": outside, "cases": n}
                for (p, outside), n in self.by_permission_and_hours
            ],
            "resolution": {
                Resolution.CONVERTED.value: self.converted,
                Resolution.LINKED.value: self.linked,
                Resolution.OPEN.value: self.still_open,
            },
            "minutes_to_conversion": self.to_conversion.to_dict(),
            "minutes_to_link": self.to_link.to_dict(),
            "minutes_to_resolution": self.to_resolution.to_dict(),
            "minutes_to_first_item": self.to_first_item.to_dict(),
            "tasks_by_type": dict(self.tasks_by_type),
            "items": self.items,
        }


def report_bounds(insurer: Insurer, period: Period) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of *period* in the insurer's zone.

    Raises:
        InvalidPeriodError: *period* is not of the insurer's report period kind.
    """
    if period.kind is not insurer.report_period:
        raise InvalidPeriodError(
            f"insurer {insurer.id} reports {insurer.report_period.value}, "
            f"not {period.kind.value}"
        )
    return period.instants(ZoneInfo(insurer.office_hours.time_zone))


def build_report(insurer: Insurer, period: Period, cases: Iterable[Case]) -> Report:
    """The report of *insurer* for *period* over *cases*, streaming.

    *cases* may hold any cases: those of the insurer created as urgent cases
    within the period are counted, the rest skipped, so a host can pass a
    whole table's worth without filtering first.

    Raises:
        InvalidPeriodError: *period* is not of the insurer's report period kind.
    """
    start, end = report_bounds(insurer, period)
    rows = (
        case_facts(case, end)
        for case in cases
        if case.insurer_id == insurer.id
        and case.permission is not None
        and start <= case.created_at < end
    )
    return Report.from_counts(insurer, period, aggregate(rows))
