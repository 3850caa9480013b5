"""Properties of office hours and the policy that no list of examples can cover."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tests import reference
from tests.strategies import (
    ZONES,
    days,
    hours_and_instants,
    hours_and_walls,
    tzinfos_for,
)
from urgentcases import (
    Interval,
    InvalidOfficeHoursError,
    OfficeHours,
    Permission,
    decide_creation,
    may_create,
)

OUTSIDE = Permission.OUTSIDE_OFFICE_HOURS
# (start, end) with start < end: valid intervals, drawn without filtering.
_BOUNDS = st.integers(0, 1439).flatmap(
    lambda start: st.tuples(st.just(start), st.integers(start + 1, 1440))
)
MICROSECOND = timedelta(microseconds=1)


class TestAgainstTheReferenceModel:
    @given(hours_and_instants())
    def test_is_open_equals_the_simple_model(
        self, case: tuple[OfficeHours, datetime]
    ) -> None:
        """The table-driven check answers as the word-by-word model of R2/R3."""
        hours, at = case
        assert hours.is_open(at) is reference.is_open(hours, at)

    @given(hours_and_instants())
    def test_policy_decision_and_check_agree(
        self, case: tuple[OfficeHours, datetime]
    ) -> None:
        """may_create, the decision and its reason tell the same story."""
        hours, at = case
        outside = not reference.is_open(hours, at)
        decision = decide_creation(OUTSIDE, hours, at)
        assert may_create(OUTSIDE, hours, at) is outside
        assert bool(decision) is outside
        assert decision.reason.inside_office_hours is not outside
        assert hours.reason_at(at).inside_office_hours is not outside


class TestNextChange:
    @given(hours_and_instants(), st.lists(st.floats(0, 1), max_size=8))
    def test_the_answer_holds_until_next_change_and_flips_there(
        self, case: tuple[OfficeHours, datetime], fractions: list[float]
    ) -> None:
        """Constant on [at, next_change), different at next_change."""
        hours, at = case
        state = hours.is_open(at)
        change = hours.next_change(at)
        if change is None:
            for days_ahead in (1, 7, 40, 400):
                assert hours.is_open(at + timedelta(days=days_ahead)) is state
            return
        assert change > at
        assert hours.is_open(change) is not state
        assert hours.is_open(change - MICROSECOND) is state
        for fraction in fractions:
            between = at + (change - at) * fraction
            if between < change:
                assert hours.is_open(between) is state

    @given(hours_and_instants())
    def test_next_change_is_the_first_minute_a_scan_finds(
        self, case: tuple[OfficeHours, datetime]
    ) -> None:
        """A minute-by-minute scan over eight days finds the same first change.

        Every zone used has whole-minute offsets, so changes fall on UTC minutes.
        """
        hours, at = case
        at = at.replace(second=0)
        state = hours.is_open(at)
        scanned = None
        for minute in range(1, 8 * 24 * 60):
            moment = at + timedelta(minutes=minute)
            if hours.is_open(moment) is not state:
                scanned = moment
                break
        change = hours.next_change(at)
        if scanned is None:
            assert change is None or change > at + timedelta(days=8)
        else:
            assert change == scanned


class TestInstantsNotTheirNames:
    @given(hours_and_instants())
    def test_every_tzinfo_gives_the_same_decision(
        self, case: tuple[OfficeHours, datetime]
    ) -> None:
        """The same instant named in any tzinfo gives the same answers."""
        hours, at = case
        expected = (hours.is_open(at), hours.reason_at(at), hours.next_change(at))
        for tz in tzinfos_for(hours.time_zone):
            named = at.astimezone(tz)
            assert (
                hours.is_open(named),
                hours.reason_at(named),
                hours.next_change(named),
            ) == expected

    @given(hours_and_walls(), st.sampled_from([0, 1]))
    def test_wall_times_in_gaps_and_folds_are_the_instants_pep_495_names(
        self, case: tuple[OfficeHours, datetime], fold: int
    ) -> None:
        """A wall time given in the insurer's zone, even a missing or repeated
        one, is judged as the instant it denotes.
        """
        hours, wall = case
        named = wall.replace(tzinfo=ZoneInfo(hours.time_zone), fold=fold)
        instant = named.astimezone(UTC)
        assert hours.is_open(named) is hours.is_open(instant)
        assert hours.reason_at(named) is hours.reason_at(instant)


class TestConstructionNeverAcceptsInvalidDefinitions:
    @given(st.integers(-50, 1500), st.integers(-50, 1500))
    def test_intervals_are_within_the_day_and_not_empty(
        self, start: int, end: int
    ) -> None:
        """Interval(start, end) exists exactly when 0 <= start < end <= 1440."""
        valid = 0 <= start < end <= 1440
        try:
            Interval(start, end)
        except InvalidOfficeHoursError:
            assert not valid
        else:
            assert valid

    @given(st.text(alphabet="0123456789:- ", max_size=14))
    def test_parsing_either_refuses_or_round_trips(self, text: str) -> None:
        """Interval.parse raises its own error or gives an interval that prints back."""
        try:
            interval = Interval.parse(text)
        except InvalidOfficeHoursError:
            return
        assert Interval.parse(str(interval)) == interval
        assert str(interval) == text.replace(" ", "")

    @given(st.lists(_BOUNDS, max_size=4))
    def test_a_day_is_accepted_exactly_when_its_intervals_do_not_overlap(
        self, bounds: list[tuple[int, int]]
    ) -> None:
        """Overlapping intervals are refused; touching ones are fine."""
        ordered = sorted(bounds)
        disjoint = all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))
        try:
            OfficeHours("UTC", [[Interval(*b) for b in bounds]] + [[]] * 6)
        except InvalidOfficeHoursError:
            assert not disjoint
        else:
            assert disjoint

    @given(st.sampled_from(ZONES), days())
    def test_valid_definitions_are_accepted_and_equal_to_themselves(
        self, zone: str, day: tuple[Interval, ...]
    ) -> None:
        """What the strategies build is valid, and equal when rebuilt from text."""
        hours = OfficeHours(zone, [day] * 7)
        again = OfficeHours(zone, [[str(i) for i in day]] * 7)
        assert hours == again
