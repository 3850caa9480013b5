"""Benchmark the creation policy's hot path against what a developer would write.

The question every method answers is "is this instant outside office hours?"
(may an office with `Permission.OUTSIDE_OFFICE_HOURS` create an urgent case?)
for Monday to Friday 08:00-16:00 in Europe/Copenhagen, closed on Danish public
holidays. One run times, on the same aware instants:

1. ours, the boolean check ``hours.outside_check(at)``, and the same answer
   through ``may_create(Permission.OUTSIDE_OFFICE_HOURS, hours, at)`` and
   ``hours.is_open(at)``;
2. ours, the full decision ``decide_creation(...)`` (``next_change`` untouched);
3. ours, ``hours.next_change(at)`` (on a subset);
4. a hand-written check: ``astimezone``, weekday, ``08:00 <= t < 16:00`` and a
   frozenset of the `holidays` package's Danish public holidays for 2020-2030;
5. `holidays` used directly: the same weekday and time tests, then
   ``local.date() in`` one shared, lazily expanding ``country_holidays("DK")``;
6. workalendar: the time test, then ``Denmark().is_working_day(local.date())``;
7. pandas: ``CustomBusinessHour(start="08:00", end="16:00", holidays=...)``
   ``.is_on_offset`` on a naive local ``Timestamp`` (on a subset: it is slow),
   timed once with the conversion from the aware instant and once alone;

and, as a floor, the same loop calling a Python function that does nothing.

The instants come from a seeded `random.Random`: uniform over 2020-2030 with
microseconds, except one in eight placed on a local wall-clock boundary (00:00,
08:00, 16:00, or one microsecond before 08:00 or 16:00) so that the agreement
section sees the interval ends. Half of them carry the Europe/Copenhagen
``ZoneInfo``, the other half (different instants) UTC. Each method is timed as a
plain ``for`` loop over a whole list with `time.perf_counter_ns`, the garbage
collector off, repeats interleaved across methods; the table shows the best
repeat per call and the ratio to the hand-written check on the same half.

The agreement section compares every peer with ``may_create`` on every instant
and groups the disagreements by cause. The run fails (exit status 1) when
``bool(decide_creation(...))`` ever differs from ``may_create``, when the
hand-written check ever differs from it, or when ``next_change`` differs from
an independent reference (the first local 08:00 or 16:00 after the instant at
which the answer flips). Missed performance targets are reported as MISS but do
not fail the run.

Run from the project root, with the ``bench`` extra installed
(``pip install -e '.[bench]'``)::

    .venv/bin/python bench/policy.py            # 200,000 instants
    .venv/bin/python bench/policy.py --quick    # 20,000 instants, a smoke run
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib.metadata import version
from time import perf_counter_ns
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
from pandas.tseries.offsets import CustomBusinessHour
from workalendar.europe import Denmark

from urgentcases import OfficeHours, Permission, decide_creation, may_create

CPH = ZoneInfo("Europe/Copenhagen")
YEARS = range(2020, 2031)
OPENING, CLOSING = time(8), time(16)
OUTSIDE = Permission.OUTSIDE_OFFICE_HOURS
HOURS = OfficeHours.weekdays()

DK_PUBLIC = holidays.country_holidays("DK", years=YEARS)
DK_OPTIONAL = holidays.country_holidays("DK", years=YEARS, categories=("optional",))
DK_DATES: frozenset[date] = frozenset(DK_PUBLIC)
# The next_change reference looks into the year after the instants, too.
REFERENCE_DATES = frozenset(
    holidays.country_holidays("DK", years=range(YEARS.start, YEARS.stop + 1))
)
DK_LAZY = holidays.country_holidays("DK")  # shared; expands a year on first use
WORKALENDAR = Denmark()
PANDAS_HOURS = CustomBusinessHour(start="08:00", end="16:00", holidays=sorted(DK_DATES))

FULL_COUNT = 200_000
QUICK_COUNT = 20_000
SUBSET_PER_HALF = 10_000
SEED = 20_251_204
BOUNDARY_SHARE = 1 / 8
BOUNDARY_TIMES = (
    time(0),
    time(7, 59, 59, 999_999),
    OPENING,
    time(15, 59, 59, 999_999),
    CLOSING,
)

# -- the peers, each answering "outside office hours?" ---------------------------


def handwritten_outside(at: datetime) -> bool:
    local = at.astimezone(CPH)
    return (
        local.weekday() >= 5
        or not OPENING <= local.time() < CLOSING
        or local.date() in DK_DATES
    )


def holidays_outside(at: datetime) -> bool:
    local = at.astimezone(CPH)
    return (
        local.weekday() >= 5
        or not OPENING <= local.time() < CLOSING
        or local.date() in DK_LAZY
    )


def workalendar_outside(at: datetime) -> bool:
    local = at.astimezone(CPH)
    return not (
        OPENING <= local.time() < CLOSING and WORKALENDAR.is_working_day(local.date())
    )


def naive_local_stamp(at: datetime) -> Any:
    return pd.Timestamp(at.astimezone(CPH).replace(tzinfo=None))


def pandas_outside(at: datetime) -> bool:
    local = at.astimezone(CPH)
    return not PANDAS_HOURS.is_on_offset(pd.Timestamp(local.replace(tzinfo=None)))


def ours_outside(at: datetime) -> bool:
    return may_create(OUTSIDE, HOURS, at)


# -- the instants -----------------------------------------------------------------


def make_instants(count: int, rng: random.Random) -> list[datetime]:
    """Return *count* aware UTC instants in local 2020-2030."""
    start = datetime(YEARS.start, 1, 1, tzinfo=CPH).astimezone(UTC)
    end = datetime(YEARS.stop, 1, 1, tzinfo=CPH).astimezone(UTC)
    span = (end - start) // timedelta(microseconds=1)
    first_day = date(YEARS.start, 1, 1).toordinal()
    last_day = date(YEARS.stop - 1, 12, 31).toordinal()
    instants = []
    for _ in range(count):
        if rng.random() < BOUNDARY_SHARE:
            day = date.fromordinal(rng.randint(first_day, last_day))
            wall = datetime.combine(day, rng.choice(BOUNDARY_TIMES), tzinfo=CPH)
            instants.append(wall.astimezone(UTC))
        else:
            instants.append(start + timedelta(microseconds=rng.randrange(span)))
    return instants


@dataclass(frozen=True)
class Half:
    """The instants of one input half, all given in one zone.

    Attributes:
        name: How the instants are given, e.g. ``"Copenhagen"``.
        instants: The aware instants.
        subset: The first instants, for the slow methods.
        stamps: ``subset`` as naive local pandas Timestamps.
    """

    name: str
    instants: list[datetime]
    subset: list[datetime]
    stamps: list[Any]


def make_half(name: str, instants: list[datetime]) -> Half:
    subset = instants[:SUBSET_PER_HALF]
    return Half(name, instants, subset, [naive_local_stamp(at) for at in subset])


# -- timing -----------------------------------------------------------------------

Loop = Callable[[list[Any]], int]


def loop_may_create(items: list[Any]) -> int:
    check, permission, hours = may_create, OUTSIDE, HOURS
    start = perf_counter_ns()
    for at in items:
        check(permission, hours, at)
    return perf_counter_ns() - start


def loop_decide_creation(items: list[Any]) -> int:
    decide, permission, hours = decide_creation, OUTSIDE, HOURS
    start = perf_counter_ns()
    for at in items:
        decide(permission, hours, at)
    return perf_counter_ns() - start


def loop_of(check: Callable[[Any], object]) -> Loop:
    def loop(items: list[Any]) -> int:
        start = perf_counter_ns()
        for item in items:
            check(item)
        return perf_counter_ns() - start

    return loop


def noop(at: datetime) -> bool:
    return False


@dataclass(frozen=True)
class Method:
    """A timed method.

    Attributes:
        label: Its row label.
        loop: Runs it once per item of a list; returns the elapsed nanoseconds.
        items: Picks the list it runs on from a half.
    """

    label: str
    loop: Loop
    items: Callable[[Half], list[Any]]


def _all(half: Half) -> list[Any]:
    return half.instants


def _subset(half: Half) -> list[Any]:
    return half.subset


def _stamps(half: Half) -> list[Any]:
    return half.stamps


HANDWRITTEN = "hand-written: frozenset of holidays"
METHODS = (
    Method("ours: hours.outside_check (boolean)", loop_of(HOURS.outside_check), _all),
    Method("ours: may_create (boolean)", loop_may_create, _all),
    Method("ours: hours.is_open", loop_of(HOURS.is_open), _all),
    Method("ours: decide_creation (full)", loop_decide_creation, _all),
    Method("ours: hours.next_change [subset]", loop_of(HOURS.next_change), _subset),
    Method(HANDWRITTEN, loop_of(handwritten_outside), _all),
    Method("holidays: shared lazy HolidayBase", loop_of(holidays_outside), _all),
    Method("workalendar: Denmark.is_working_day", loop_of(workalendar_outside), _all),
    Method("pandas: convert + is_on_offset [subset]", loop_of(pandas_outside), _subset),
    Method(
        "pandas: is_on_offset alone [subset]",
        loop_of(PANDAS_HOURS.is_on_offset),
        _stamps,
    ),
    Method("floor: loop + one no-op Python call", loop_of(noop), _all),
)


def measure(halves: Sequence[Half], repeats: int) -> dict[tuple[str, str], float]:
    """Return the best nanoseconds per call by (method label, half name)."""
    best: dict[tuple[str, str], float] = {}
    gc.collect()
    gc.disable()
    try:
        for repeat in range(repeats):
            print(f"  repeat {repeat + 1} of {repeats}", file=sys.stderr, flush=True)
            for method in METHODS:
                for half in halves:
                    items = method.items(half)
                    per_call = method.loop(items) / len(items)
                    key = (method.label, half.name)
                    best[key] = min(best.get(key, per_call), per_call)
    finally:
        gc.enable()
    return best


# -- agreement --------------------------------------------------------------------


@cache
def workalendar_names(year: int) -> dict[date, str]:
    return dict(WORKALENDAR.holidays(year))


def describe(at: datetime) -> str:
    local = at.astimezone(CPH)
    day = local.date()
    notes = [f"given {at.isoformat()}", f"{local:%a %Y-%m-%d %H:%M:%S.%f} local"]
    public, optional = DK_PUBLIC.get(day), DK_OPTIONAL.get(day)
    notes.append(
        f"holidays: {public} (public)"
        if public
        else f"holidays: {optional} (optional only)"
        if optional
        else "holidays: none"
    )
    name = workalendar_names(day.year).get(day)
    notes.append(f"workalendar: {name or 'none'}")
    return "; ".join(notes)


NOTES = {
    "Store Bededag": " (abolished from 2024 by Danish law)",
    "Christmas Eve": " (24 Dec; `holidays` lists it only as optional)",
}


def classify(at: datetime, ours: bool, peer: bool) -> str:
    """Say why a peer's answer *peer* differs from ours (both: outside?)."""
    local = at.astimezone(CPH)
    day, clock = local.date(), local.time()
    public = DK_PUBLIC.get(day)
    name = workalendar_names(day.year).get(day)
    if peer and public is None and name is not None:
        note = NOTES.get(name, "; `holidays` has no public holiday that day")
        return f"treats {name} as a holiday{note}"
    if not peer and clock == CLOSING:
        return "counts 16:00:00.000000 as inside (closed interval end)"
    if peer and clock == OPENING:
        return "counts 08:00:00.000000 as outside (open interval start)"
    zone_blind = not HOURS.is_open(at.astimezone(UTC).replace(tzinfo=CPH))
    if zone_blind != ours and peer == zone_blind:
        return "ignores the zone (judges the UTC wall clock)"
    if not peer and public is not None:
        return f"misses the public holiday {public}"
    if not peer and local.weekday() >= 5:
        return "treats a weekend day as open"
    return "unclassified"


def years_of(instants: Sequence[datetime]) -> str:
    years = sorted({at.astimezone(CPH).year for at in instants})
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def report_peer(
    label: str,
    instants: Sequence[datetime],
    ours: Sequence[bool],
    peer: Sequence[bool],
    examples: int = 1,
) -> int:
    groups: dict[str, list[datetime]] = {}
    for at, mine, theirs in zip(instants, ours, peer, strict=True):
        if mine != theirs:
            groups.setdefault(classify(at, mine, theirs), []).append(at)
    count = sum(map(len, groups.values()))
    print(f"  {label}: {count:,} of {len(instants):,} disagree")
    for cause, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(f"    {len(members):>7,}  {cause}  [years {years_of(members)}]")
        for at in members[:examples]:
            print(f"             e.g. {describe(at)}")
    return count


def reference_outside(at: datetime) -> bool:
    local = at.astimezone(CPH)
    return (
        local.weekday() >= 5
        or not OPENING <= local.time() < CLOSING
        or local.date() in REFERENCE_DATES
    )


def reference_next_change(at: datetime) -> datetime:
    """Return the first 08:00 or 16:00 local after *at* where the answer flips.

    The answer only changes at those wall-clock times (midnight is always
    outside), and they never fall in a daylight-saving gap or fold.
    """
    now = reference_outside(at)
    day = at.astimezone(CPH).date()
    while True:
        for clock in (OPENING, CLOSING):
            candidate = datetime.combine(day, clock, tzinfo=CPH)
            if candidate > at and reference_outside(candidate) != now:
                return candidate
        day += timedelta(days=1)


def check_next_change(instants: Sequence[datetime]) -> dict[str, list[str]]:
    """Return the instants whose next_change is not the reference, by cause."""
    problems: dict[str, list[str]] = {}
    for at in instants:
        change = HOURS.next_change(at)
        expected = reference_next_change(at)
        if change is not None and change == expected:
            continue
        if change is None:
            cause = "returns None"
        else:
            error = change - expected
            early = error < timedelta(0)
            cause = f"result {abs(error)} {'early' if early else 'late'}"
            if at.astimezone(CPH).utcoffset() != expected.utcoffset():
                cause += "; a daylight-saving change lies in between"
        shown = "None" if change is None else change.isoformat()
        problems.setdefault(cause, []).append(
            f"{describe(at)}; next_change {shown}, expected "
            f"{expected.astimezone(UTC).isoformat()} = {expected:%a %H:%M%z} local"
        )
    return problems


# -- the run ----------------------------------------------------------------------


def ns(value: float) -> str:
    return f"{value:,.0f}"


def target(ok: bool, text: str) -> bool:
    print(f"  [{'PASS' if ok else 'MISS'}] {text}")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark the creation policy against its peers."
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"use {QUICK_COUNT:,} instants"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args(argv)
    count = QUICK_COUNT if args.quick else FULL_COUNT

    rng = random.Random(args.seed)
    print("generating instants", file=sys.stderr, flush=True)
    cph = make_half(
        "Copenhagen", [at.astimezone(CPH) for at in make_instants(count // 2, rng)]
    )
    utc = make_half("UTC", make_instants(count - count // 2, rng))
    halves = (cph, utc)
    instants = cph.instants + utc.instants
    subset = cph.subset + utc.subset

    print("urgentcases policy benchmark: outside office hours? (Mon-Fri 08:00-16:00")
    print("Europe/Copenhagen, Danish public holidays)")
    print(
        f"Python {platform.python_version()}; urgentcases {version('urgentcases')}, "
        f"holidays {version('holidays')}, workalendar {version('workalendar')}, "
        f"pandas {version('pandas')}"
    )
    print(
        f"{len(instants):,} instants over {YEARS.start}-{YEARS.stop - 1} (seed "
        f"{args.seed}; {BOUNDARY_SHARE:.1%} on 00:00/08:00/16:00 or 1 us before "
        f"08:00/16:00): {len(cph.instants):,} given in Europe/Copenhagen, "
        f"{len(utc.instants):,} in UTC"
    )
    print(
        f"[subset] rows use the first {len(cph.subset):,} instants of each half "
        f"({len(subset):,} in all)"
    )

    print("computing answers for the agreement check", file=sys.stderr, flush=True)
    ours = [ours_outside(at) for at in instants]
    decided = [bool(decide_creation(OUTSIDE, HOURS, at)) for at in instants]
    handwritten = [handwritten_outside(at) for at in instants]
    lazy = [holidays_outside(at) for at in instants]
    workalendar = [workalendar_outside(at) for at in instants]
    pandas = [pandas_outside(at) for at in instants]
    next_change_problems = check_next_change(subset)

    print("timing", file=sys.stderr, flush=True)
    best = measure(halves, args.repeats)

    print()
    print(
        f"Best of {args.repeats} repeats, ns per call; ratio to the hand-written "
        "check on the same half"
    )
    header = f"{'method':<42} {'input':<10} {'calls':>8} {'ns/call':>8} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for method in METHODS:
        for half in halves:
            value = best[method.label, half.name]
            ratio = value / best[HANDWRITTEN, half.name]
            calls = len(method.items(half))
            print(
                f"{method.label:<42} {half.name:<10} {calls:>8,} {ns(value):>8} "
                f"{ratio:>6.2f}x"
            )
    print(
        "holidays: one country_holidays('DK') shared by all calls; it expands a "
        "year on first lookup, so the best repeat is after every year is expanded."
    )
    print("workalendar and holidays rows test the time of day first.")

    print()
    print("Targets from the issue")
    for half in halves:
        mine = best["ours: hours.outside_check (boolean)", half.name]
        theirs = best[HANDWRITTEN, half.name]
        target(
            mine <= theirs,
            f"boolean check at or below hand-written, {half.name} input: "
            f"{ns(mine)} ns vs {ns(theirs)} ns ({mine / theirs:.2f}x)",
        )
    for half in halves:
        mine = best["ours: decide_creation (full)", half.name]
        theirs = best[HANDWRITTEN, half.name]
        target(
            mine <= 2 * theirs,
            f"full decision within 2x hand-written, {half.name} input: "
            f"{ns(mine)} ns vs {ns(theirs)} ns ({mine / theirs:.2f}x)",
        )
    for half in halves:
        mine = best["ours: hours.next_change [subset]", half.name]
        target(
            mine < 5_000,
            f"next_change under 5 us, {half.name} input: {mine / 1000:.2f} us",
        )

    print()
    print("Agreement with ours, may_create(OUTSIDE_OFFICE_HOURS, ...), on outside?")
    failed = False
    mismatched = [
        at for at, a, b in zip(instants, ours, decided, strict=True) if a != b
    ]
    print(
        f"  bool(decide_creation(...)) == may_create(...): "
        f"{len(instants) - len(mismatched):,} of {len(instants):,}"
        f"{'' if not mismatched else '  FAIL'}"
    )
    for at in mismatched[:5]:
        print(f"             e.g. {describe(at)}")
    failed |= bool(mismatched)
    wrong_changes = sum(map(len, next_change_problems.values()))
    print(
        f"  next_change == first 08:00/16:00 local where a hand-written answer "
        f"flips: {len(subset) - wrong_changes:,} of {len(subset):,} (subset)"
        f"{'' if not wrong_changes else '  FAIL'}"
    )
    for cause, problems in sorted(
        next_change_problems.items(), key=lambda item: -len(item[1])
    ):
        print(f"    {len(problems):>7,}  {cause}")
        for problem in problems[:2]:
            print(f"             e.g. {problem}")
    failed |= bool(next_change_problems)
    wrong = report_peer(HANDWRITTEN, instants, ours, handwritten, examples=5)
    failed |= bool(wrong)
    report_peer("holidays: shared lazy HolidayBase", instants, ours, lazy)
    report_peer("workalendar: Denmark.is_working_day", instants, ours, workalendar)
    report_peer("pandas: CustomBusinessHour.is_on_offset", instants, ours, pandas)
    print()
    print(
        "FAIL: ours disagrees with itself or with the hand-written check"
        if failed
        else "OK: ours agrees with itself and with the hand-written check"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
