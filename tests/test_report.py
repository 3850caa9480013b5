"""The urgent-case report (R17): pure counting, and the service's period report.

A storm week played through `UrgentCaseService` over `MemoryStorage` pins the
report's numbers down by hand; period edges (daylight saving time, ISO week 53,
month ends, 29 February) and authority follow. Properties then check
`aggregate` and `Durations` against plain references, and random histories
played through the service against a model of what was done.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import urgentcases._domain.report as report_module
import urgentcases.service as service_module
from tests import reference
from tests.instants import cph, utc
from tests.report_strategies import (
    CONVERT,
    INSURER_ID,
    LINK,
    CasePlan,
    History,
    case_facts_rows,
    histograms,
    histories,
    local_midnight,
    period_starts,
)
from tests.world import (
    AARHUS,
    ALWAYS,
    ANNE,
    BO,
    BYG,
    CHIEF,
    HANDLER,
    HOURS,
    INSURER,
    ODENSE,
    OLE,
    OTHER_INSURER,
    STRANGER,
    form,
)
from urgentcases import (
    FIRST_AID,
    INSPECTION,
    REPORT_AUTHORITY_LEVEL,
    Case,
    CaseFacts,
    CaseQuery,
    Durations,
    Grant,
    Insurer,
    InsurerUser,
    InvalidPeriodError,
    InvalidTransitionError,
    ItemKind,
    MemoryStorage,
    NaiveDatetimeError,
    NotPermittedError,
    Office,
    PartnerUser,
    Period,
    Permission,
    Report,
    ReportCounts,
    ReportForm,
    ReportPeriod,
    Resolution,
    StorageError,
    TaskRequest,
    User,
    aggregate,
    build_report,
    can_see_report,
    case_facts,
    grant,
    new_normal_case,
    report_bounds,
)
from urgentcases import UrgentCaseService as Service

WEEKLY, MONTHLY = ReportPeriod.WEEKLY, ReportPeriod.MONTHLY
ALWAYS_P, OUTSIDE_P = Permission.ALWAYS, Permission.OUTSIDE_OFFICE_HOURS
MONTHLY_INSURER = attrs.evolve(INSURER, report_period=MONTHLY)

ODENSE_NIGHTS: Grant = grant(INSURER, ODENSE, OUTSIDE_P)
BYG_NIGHTS: Grant = grant(INSURER, BYG, OUTSIDE_P)
OTHER_ALWAYS: Grant = grant(OTHER_INSURER, AARHUS, ALWAYS_P)
LOSS_DATE = date(2025, 6, 1)  # before every instant here: never in the future

NOTE = ReportForm(ItemKind.NOTE, text="Presenning lagt over taget.")
PHOTO = ReportForm(
    ItemKind.PHOTO,
    file_name="tag.jpg",
    content_type="image/jpeg",
    size=1_234_567,
    checksum="sha256:00ff",
    storage_uri="s3://claims/tag.jpg",
)

STORM = "STORM-ARWEN"
W49 = Period(WEEKLY, date(2026, 11, 30))  # Monday 30 November - Sunday 6 December
W49_END = cph(2026, 12, 7)


def create(
    service: Service,
    at: datetime,
    *,
    user: PartnerUser = ANNE,
    rights: Grant = ALWAYS,
    insurer: Insurer = INSURER,
    tasks: tuple[TaskRequest, ...] = (TaskRequest(FIRST_AID, AARHUS),),
    event_code: str | None = None,
) -> str:
    """Create an urgent case at *at*; return its id."""
    outcome = service.create(
        user=user,
        insurer=insurer,
        grant=rights,
        form=form(loss_date=LOSS_DATE, tasks=tasks, event_code=event_code),
        at=at,
    )
    return outcome.case.id


def stored_cases(storage: MemoryStorage) -> list[Case]:
    """Every stored case of both insurers."""
    with storage.unit_of_work() as unit:
        return [
            case
            for insurer_id in (INSURER.id, OTHER_INSURER.id)
            for case in unit.cases.list(CaseQuery(insurer_id))
        ]


# -- the storm week --------------------------------------------------------------------


@attrs.frozen
class StormWeek:
    """Week 49 of 2026 played through the service, and the ids it made."""

    storage: MemoryStorage
    service: Service
    ids: dict[str, str]

    def report(self, period: Period = W49, insurer: Insurer = INSURER) -> Report:
        return self.service.period_report(user=CHIEF, insurer=insurer, period=period)


@pytest.fixture
def storm() -> StormWeek:
    """A storm week in Copenhagen (office hours Monday-Friday 08:00-16:00).

    Counted in week 49 (created Monday 30 November 00:00 to Sunday 23:59):

    ====  ==============  ======  ============  =======  ======================
    case  created         office  permission    outside  by 7 December 00:00
    ====  ==============  ======  ============  =======  ======================
    A1    Mon 00:00       Aarhus  always        yes      converted 09:30 (570)
    A2    Tue 10:00       Aarhus  always        no       linked 12:00 (120)
    O1    Wed 20:00       Odense  outside hrs   yes      converted Fri 08:00
                                                         (2160)
    B1    Sat 22:00       Byg     outside hrs   yes      open (converted at the
                                                         end instant)
    B2    Sun 23:59       Byg     outside hrs   yes      open
    ====  ==============  ======  ============  =======  ======================

    A1, A2 and O1 carry the storm's code from the form, B1 is tagged with it on
    Sunday, B2 stays untagged. First items after 45 (A1, which gets two), 7
    (A2), 30 (O1) and 180 (B1) minutes; Bo's second note on B1 comes after the
    end. Tasks: first aid in A1, A2 and O1, inspection in A2 and B1, and a
    repair task added to O1 on Thursday; an inspection added to B2 after the
    end does not count.

    Not counted: Aarhus's cases on Sunday 29 November 23:59 (week 48) and on
    Monday 7 December 00:00 (week 50), its case for the other insurer, and the
    normal case 4712 the insurer opened on Monday.
    """
    storage = MemoryStorage()
    service = Service(storage.unit_of_work)
    ids: dict[str, str] = {}
    ids["before"] = create(service, cph(2026, 11, 29, 23, 59))
    service.open_normal_case(
        insurer=INSURER, case_number="4712", handler=HANDLER, at=cph(2026, 11, 30, 9)
    )
    ids["A1"] = create(service, cph(2026, 11, 30), event_code=STORM)
    ids["A2"] = create(
        service,
        cph(2026, 12, 1, 10, 0),
        tasks=(TaskRequest(FIRST_AID, AARHUS), TaskRequest(INSPECTION)),
        event_code=STORM,
    )
    ids["O1"] = create(
        service,
        cph(2026, 12, 2, 20, 0),
        user=OLE,
        rights=ODENSE_NIGHTS,
        tasks=(TaskRequest(FIRST_AID, ODENSE),),
        event_code=STORM,
    )
    ids["other"] = create(
        service, cph(2026, 12, 2, 11, 0), insurer=OTHER_INSURER, rights=OTHER_ALWAYS
    )
    ids["B1"] = create(
        service,
        cph(2026, 12, 5, 22, 0),
        user=BO,
        rights=BYG_NIGHTS,
        tasks=(TaskRequest(INSPECTION, BYG),),
    )
    ids["B2"] = create(
        service, cph(2026, 12, 6, 23, 59), user=BO, rights=BYG_NIGHTS, tasks=()
    )
    ids["after"] = create(service, W49_END)

    def report(user: User, case: str, at: datetime, item: ReportForm = NOTE) -> None:
        service.report(
            user=user,
            insurer=INSURER,
            case_id=ids[case],
            task_id=f"{ids[case]}/T1",
            report=item,
            at=at,
        )

    def convert(case: str, number: str, at: datetime) -> None:
        service.convert(
            user=HANDLER,
            insurer=INSURER,
            case_id=ids[case],
            case_number=number,
            handler=HANDLER,
            at=at,
        )

    def add_task(case: str, task_type: str, office: Office, at: datetime) -> None:
        service.assign(
            user=HANDLER,
            insurer=INSURER,
            case_id=ids[case],
            office=office,
            task_type=task_type,
            at=at,
        )

    report(ANNE, "A1", cph(2026, 11, 30, 0, 45), PHOTO)
    report(ANNE, "A1", cph(2026, 11, 30, 1, 0))
    convert("A1", "4801", cph(2026, 11, 30, 9, 30))
    report(ANNE, "A2", cph(2026, 12, 1, 10, 7))
    service.link(
        user=HANDLER,
        insurer=INSURER,
        case_id=ids["A2"],
        target_id="4712",
        at=cph(2026, 12, 1, 12, 0),
    )
    report(OLE, "O1", cph(2026, 12, 2, 20, 30), PHOTO)
    add_task("O1", "repair", ODENSE, cph(2026, 12, 3, 9, 0))
    convert("O1", "4802", cph(2026, 12, 4, 8, 0))
    report(BO, "B1", cph(2026, 12, 6, 1, 0))
    service.tag_event(
        user=HANDLER,
        insurer=INSURER,
        case_id=ids["B1"],
        event_code=STORM,
        at=cph(2026, 12, 6, 8, 0),
    )
    convert("B1", "4803", W49_END)  # at the end: after the period
    report(BO, "B1", cph(2026, 12, 7, 8, 0))
    add_task("B2", INSPECTION, BYG, cph(2026, 12, 7, 10, 0))
    return StormWeek(storage, service, ids)


class TestStormWeek:
    def test_created_counts_the_weeks_urgent_cases_only(self, storm: StormWeek) -> None:
        """Five urgent cases: from Monday 00:00 on, and not Monday 00:00 after."""
        report = storm.report()
        assert report.created == 5
        assert (report.start, report.end) == (cph(2026, 11, 30), W49_END)
        assert report.insurer_id == INSURER.id
        assert report.period == W49

    def test_the_neighbouring_weeks_get_the_edge_cases(self, storm: StormWeek) -> None:
        """Sunday 23:59 belongs to week 48, the next Monday 00:00 to week 50."""
        assert storm.report(Period(WEEKLY, date(2026, 11, 23))).created == 1
        assert storm.report(W49.next()).created == 1

    def test_by_partner_and_office(self, storm: StormWeek) -> None:
        """Most cases first; ties by partner and office."""
        report = storm.report()
        assert report.by_partner == (("skadeservice", 3), ("byg", 2))
        assert report.by_office == (
            (("byg", "byg-kbh"), 2),
            (("skadeservice", "sk-aarhus"), 2),
            (("skadeservice", "sk-odense"), 1),
        )

    def test_by_event_untagged_is_none(self, storm: StormWeek) -> None:
        """A case tagged before the end counts under the event; untagged is None."""
        assert storm.report().by_event == ((STORM, 4), (None, 1))

    def test_by_permission_and_office_hours(self, storm: StormWeek) -> None:
        """Aarhus (always) creates inside hours once; night offices only outside."""
        report = storm.report()
        assert report.by_permission == ((OUTSIDE_P, 3), (ALWAYS_P, 2))
        assert (report.outside_office_hours, report.inside_office_hours) == (4, 1)
        assert report.by_permission_and_hours == (
            ((OUTSIDE_P, True), 3),
            ((ALWAYS_P, False), 1),
            ((ALWAYS_P, True), 1),
        )

    def test_resolution_as_of_the_period_end(self, storm: StormWeek) -> None:
        """B1, converted at the end instant itself, was still open in the week."""
        report = storm.report()
        assert (report.converted, report.linked, report.still_open) == (2, 1, 2)

    def test_minutes_to_resolution_by_nearest_rank(self, storm: StormWeek) -> None:
        """Conversions after 570 and 2160 minutes, a link after 120; B1's none.

        Nearest rank of n values: the ceil(p * n / 100)-th smallest. Of
        [570, 2160] the median is the 1st, p90 the 2nd; of [120, 570, 2160]
        the median is the 2nd, p90 the 3rd.
        """
        report = storm.report()
        assert report.to_conversion == Durations(2, 570, 2160)
        assert report.to_link == Durations(1, 120, 120)
        assert report.to_resolution == Durations(3, 570, 2160)

    def test_minutes_to_first_item(self, storm: StormWeek) -> None:
        """First items after [7, 30, 45, 180] minutes: median 30, p90 180."""
        assert storm.report().to_first_item == Durations(4, 30, 180)

    def test_tasks_by_type_as_of_the_end(self, storm: StormWeek) -> None:
        """A task added by assign counts if added before the end, not after."""
        assert storm.report().tasks_by_type == (
            (FIRST_AID, 3),
            (INSPECTION, 2),
            ("repair", 1),
        )

    def test_items_as_of_the_end(self, storm: StormWeek) -> None:
        """Two in A1, one each in A2 (before its link), O1 and B1; not Bo's late one."""
        assert storm.report().items == 5

    def test_the_later_week_sees_what_happened_after(self, storm: StormWeek) -> None:
        """Week 50's only case is open; the week 49 cases are none of its business."""
        report = storm.report(W49.next())
        assert (report.still_open, report.converted, report.items) == (1, 0, 0)
        assert report.tasks_by_type == ((FIRST_AID, 1),)

    def test_other_insurers_count_their_own(self, storm: StormWeek) -> None:
        """Aarhus's case for the other insurer is in that insurer's report only."""
        report = storm.service.period_report(
            user=STRANGER, insurer=OTHER_INSURER, period=W49
        )
        assert (report.created, report.by_office) == (
            1,
            ((("skadeservice", AARHUS.id), 1),),
        )

    def test_the_service_equals_the_pure_report(self, storm: StormWeek) -> None:
        """Streaming from storage gives the report of every stored case."""
        cases = stored_cases(storm.storage)
        assert any(case.permission is None for case in cases)  # 4712 is there
        for period in (W49, W49.next(), Period(WEEKLY, date(2026, 11, 23))):
            assert storm.report(period) == build_report(INSURER, period, cases)

    def test_an_empty_period_reports_zeros(self, storm: StormWeek) -> None:
        """A quiet week: nothing created, no durations, no breakdowns."""
        report = storm.report(Period(WEEKLY, date(2026, 11, 2)))
        assert report.created == report.items == report.still_open == 0
        assert report.by_partner == report.by_event == report.tasks_by_type == ()
        assert report.to_resolution == report.to_first_item == Durations()


# -- period edges ----------------------------------------------------------------------


def reports_of(
    instants: list[datetime], periods: list[Period], insurer: Insurer = INSURER
) -> list[int]:
    """Create a case at each instant; the number each period's report counts."""
    storage = MemoryStorage()
    service = Service(storage.unit_of_work)
    for at in instants:
        create(service, at, insurer=insurer)
    return [
        service.period_report(user=CHIEF, insurer=insurer, period=period).created
        for period in periods
    ]


class TestPeriodEdges:
    def test_the_week_clocks_fall_back_in(self) -> None:
        """Week 43 of 2026 lasts 7 days and 1 hour; both 02:30s of Sunday count.

        A case at local Monday 26 October 00:00 belongs to week 44.
        """
        week = Period(WEEKLY, date(2026, 10, 19))
        assert week.label == "2026-W43"
        start, end = report_bounds(INSURER, week)
        assert (start, end) == (utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
        assert end - start == timedelta(days=7, hours=1)
        instants = [
            cph(2026, 10, 18, 23, 59),
            cph(2026, 10, 19),
            cph(2026, 10, 25, 2, 30, fold=0),
            cph(2026, 10, 25, 2, 30, fold=1),
            cph(2026, 10, 25, 23, 59, 59),
            cph(2026, 10, 26),
        ]
        assert reports_of(instants, [week, week.next()]) == [4, 1]

    def test_the_week_clocks_spring_forward_in(self) -> None:
        """Week 13 of 2026 lasts 7 days less 1 hour; Monday 30 March is week 14."""
        week = Period(WEEKLY, date(2026, 3, 23))
        start, end = report_bounds(INSURER, week)
        assert (start, end) == (utc(2026, 3, 22, 23), utc(2026, 3, 29, 22))
        assert end - start == timedelta(days=7, hours=-1)
        instants = [
            cph(2026, 3, 29, 1, 59),
            cph(2026, 3, 29, 3, 0),  # the first minute after the jump
            cph(2026, 3, 29, 23, 59),
            cph(2026, 3, 30),
        ]
        assert reports_of(instants, [week, week.next()]) == [3, 1]

    def test_iso_week_53_spans_the_new_year(self) -> None:
        """2026-W53 runs Monday 28 December to Sunday 3 January 2027."""
        week = Period.containing(WEEKLY, date(2027, 1, 1))
        assert week.label == "2026-W53"
        instants = [
            cph(2026, 12, 27, 23, 59),
            cph(2026, 12, 28),
            cph(2026, 12, 31, 23, 59),
            cph(2027, 1, 1),
            cph(2027, 1, 3, 23, 59),
            cph(2027, 1, 4),
        ]
        previous = Period(WEEKLY, date(2026, 12, 21))
        counts = reports_of(instants, [previous, week, week.next()])
        assert counts == [1, 4, 1]
        assert week.next().label == "2027-W01"

    def test_a_monthly_insurer_reports_leap_february(self) -> None:
        """February 2028 has 29 days: 29 February 23:59 counts, 1 March 00:00 not."""
        february = Period(MONTHLY, date(2028, 2, 1))
        start, end = report_bounds(MONTHLY_INSURER, february)
        assert (start, end) == (cph(2028, 2, 1), cph(2028, 3, 1))
        assert end - start == timedelta(days=29)
        instants = [
            cph(2028, 1, 31, 23, 59),
            cph(2028, 2, 1),
            cph(2028, 2, 29, 12),
            cph(2028, 2, 29, 23, 59, 59, 999_999),
            cph(2028, 3, 1),
        ]
        periods = [Period(MONTHLY, date(2028, 1, 1)), february, february.next()]
        assert reports_of(instants, periods, MONTHLY_INSURER) == [1, 3, 1]

    def test_a_monthly_insurer_across_the_year_end_and_dst(self) -> None:
        """October 2026 lasts 31 days and an hour; December runs into January."""
        october = Period(MONTHLY, date(2026, 10, 1))
        start, end = report_bounds(MONTHLY_INSURER, october)
        assert end - start == timedelta(days=31, hours=1)
        instants = [
            cph(2026, 10, 31, 23, 59),
            cph(2026, 12, 31, 23, 59),
            cph(2027, 1, 1),
        ]
        periods = [october, Period(MONTHLY, date(2026, 12, 1))]
        assert reports_of(instants, periods, MONTHLY_INSURER) == [1, 1]

    @pytest.mark.parametrize(
        ("insurer", "period"),
        [
            (MONTHLY_INSURER, W49),
            (INSURER, Period(MONTHLY, date(2026, 12, 1))),
        ],
        ids=["weekly-for-monthly", "monthly-for-weekly"],
    )
    def test_a_period_of_the_other_kind_is_refused(
        self, insurer: Insurer, period: Period
    ) -> None:
        """The portal setting decides weeks or months; the other kind is refused."""
        with pytest.raises(InvalidPeriodError):
            report_bounds(insurer, period)
        with pytest.raises(InvalidPeriodError):
            build_report(insurer, period, [])
        service = Service(MemoryStorage().unit_of_work)
        with pytest.raises(InvalidPeriodError):
            service.period_report(user=CHIEF, insurer=insurer, period=period)


# -- authority -------------------------------------------------------------------------

LEVEL_5 = InsurerUser("lise", INSURER.id, authority_level=5)
LEVEL_7 = InsurerUser("mads", INSURER.id, authority_level=7)


class TestAuthority:
    @pytest.mark.parametrize(
        ("user", "reason"),
        [
            (ANNE, "not_insurer_user"),
            (BO, "not_insurer_user"),
            (STRANGER, "not_insurer_user"),
            (HANDLER, "authority_too_low"),
            (LEVEL_5, "authority_too_low"),
        ],
        ids=["partner", "other-partner", "other-insurer", "level-3", "level-5"],
    )
    def test_who_may_not_see_the_report(self, user: User, reason: str) -> None:
        """R17: partners, other insurers' users and levels below 6 are refused."""
        service = Service(MemoryStorage().unit_of_work)
        with pytest.raises(NotPermittedError) as error:
            service.period_report(user=user, insurer=INSURER, period=W49)
        assert error.value.reason == reason
        verdict = can_see_report(user, INSURER)
        assert (bool(verdict), verdict.reason) == (False, reason)

    @pytest.mark.parametrize("user", [CHIEF, LEVEL_7], ids=["level-6", "level-7"])
    def test_level_6_and_above_may(self, user: User) -> None:
        """R17: the insurer's users of authority level 6 or higher see the report."""
        service = Service(MemoryStorage().unit_of_work)
        report = service.period_report(user=user, insurer=INSURER, period=W49)
        assert report.created == 0
        assert can_see_report(user, INSURER)
        assert REPORT_AUTHORITY_LEVEL == 6

    def test_the_report_level_ignores_the_action_minimum(self) -> None:
        """A stricter minimum for converting and linking does not move level 6."""
        strict = attrs.evolve(INSURER, min_authority_level=9)
        assert can_see_report(CHIEF, strict)
        assert not can_see_report(LEVEL_5, strict)

    @given(
        st.one_of(
            st.builds(
                InsurerUser,
                st.just("u"),
                st.sampled_from([INSURER.id, OTHER_INSURER.id]),
                st.integers(1, 12),
            ),
            st.sampled_from([ANNE, OLE, BO]),
        )
    )
    def test_the_service_agrees_with_can_see_report(self, user: User) -> None:
        """Refused exactly when `can_see_report` refuses, for the same reason."""
        verdict = can_see_report(user, INSURER)
        expected = (
            isinstance(user, InsurerUser)
            and user.insurer_id == INSURER.id
            and user.authority_level >= 6
        )
        assert bool(verdict) is expected
        service = Service(MemoryStorage().unit_of_work)
        if verdict:
            service.period_report(user=user, insurer=INSURER, period=W49)
        else:
            with pytest.raises(NotPermittedError) as error:
                service.period_report(user=user, insurer=INSURER, period=W49)
            assert error.value.reason == verdict.reason


# -- case facts ------------------------------------------------------------------------


class TestCaseFacts:
    def test_a_normal_case_the_insurer_opened_is_refused(self) -> None:
        """Only cases created as urgent cases have facts."""
        normal = new_normal_case(
            insurer=INSURER, case_number="4712", handler=HANDLER, at=cph(2026, 12, 1)
        )
        with pytest.raises(InvalidTransitionError) as error:
            case_facts(normal, W49_END)
        assert error.value.reason == "not_urgent_case"

    def test_a_case_created_at_or_after_the_end_is_refused(self) -> None:
        """A case's facts as of an end before its creation do not exist."""
        service = Service(MemoryStorage().unit_of_work)
        case_id = create(service, cph(2026, 12, 5, 22))
        case = service.case(user=CHIEF, insurer=INSURER, case_id=case_id)
        for end in (case.created_at, case.created_at - timedelta(microseconds=1)):
            with pytest.raises(InvalidPeriodError):
                case_facts(case, end)
        assert case_facts(case, case.created_at + timedelta(microseconds=1)).items == 0

    def test_a_naive_end_is_refused(self) -> None:
        """R4: naive datetimes are never guessed."""
        service = Service(MemoryStorage().unit_of_work)
        case = service.case(
            user=CHIEF, insurer=INSURER, case_id=create(service, cph(2026, 12, 5, 22))
        )
        with pytest.raises(NaiveDatetimeError):
            case_facts(case, datetime(2026, 12, 7))

    def test_the_end_may_be_in_any_zone(self, storm: StormWeek) -> None:
        """The same instant in UTC or Copenhagen gives the same facts."""
        for case in stored_cases(storm.storage):
            if case.permission is not None and case.created_at < W49_END:
                assert case_facts(case, W49_END) == case_facts(
                    case, utc(2026, 12, 6, 23)
                )

    def test_the_facts_of_a_converted_case(self, storm: StormWeek) -> None:
        """A1 as of the end: converted after 570 minutes, two items, first aid."""
        case = storm.service.case(user=CHIEF, insurer=INSURER, case_id=storm.ids["A1"])
        assert case_facts(case, W49_END) == CaseFacts(
            partner_id="skadeservice",
            office_id=AARHUS.id,
            event_code=STORM,
            permission=ALWAYS_P.value,
            outside_office_hours=True,
            resolution=Resolution.CONVERTED.value,
            minutes_to_resolution=570,
            minutes_to_first_item=45,
            items=2,
            task_types=(FIRST_AID,),
        )


# -- durations -------------------------------------------------------------------------


def nearest_rank(values: list[int], percent: int) -> int | None:
    """The smallest value with at least ceil(percent * n / 100) values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (percent * len(ordered) + 99) // 100
    return ordered[rank - 1]


def durations_of(values: list[int]) -> Durations:
    """The durations of plain values, by the reference above."""
    return Durations(len(values), nearest_rank(values, 50), nearest_rank(values, 90))


def expand(histogram: list[tuple[int, int]]) -> list[int]:
    """Each ``(minutes, how many)`` pair as that many values."""
    values = []
    for minutes, n in histogram:
        for _ in range(n):
            values.append(minutes)
    return values


class TestDurations:
    def test_a_hand_computed_set(self) -> None:
        """Ten values 1..10: the median is the 5th, p90 the 9th."""
        histogram = [(minutes, 1) for minutes in range(10, 0, -1)]
        assert Durations.from_histogram(histogram) == Durations(10, 5, 9)

    def test_a_single_value_is_every_percentile(self) -> None:
        """One case resolved after 42 minutes: median and p90 are 42."""
        assert Durations.from_histogram([(42, 1)]) == Durations(1, 42, 42)

    def test_zero_counts_are_ignored(self) -> None:
        """A minute value counted zero times is no value."""
        with_zeros = [(0, 0), (5, 2), (7, 0), (9, 1), (100, 0)]
        assert Durations.from_histogram(with_zeros) == Durations(3, 5, 9)

    @pytest.mark.parametrize("histogram", [[], [(3, 0)], [(3, 0), (8, 0)]])
    def test_no_values_give_count_zero_and_none(
        self, histogram: list[tuple[int, int]]
    ) -> None:
        """No values: nothing to take a percentile of."""
        assert Durations.from_histogram(histogram) == Durations(0, None, None)
        assert Durations.from_histogram(histogram).to_dict() == {
            "count": 0,
            "median": None,
            "p90": None,
        }

    @given(histograms)
    def test_the_histogram_equals_the_expanded_sorted_list(
        self, histogram: list[tuple[int, int]]
    ) -> None:
        """Nearest rank from counts equals nearest rank of the values themselves."""
        assert Durations.from_histogram(histogram) == durations_of(expand(histogram))

    @given(histograms, st.randoms(use_true_random=False))
    def test_the_order_of_the_pairs_does_not_matter(
        self, histogram: list[tuple[int, int]], rng: random.Random
    ) -> None:
        """Pairs in any order, and zero pairs anywhere, give the same durations."""
        shuffled = [*histogram, (rng.randint(0, 10), 0)]
        rng.shuffle(shuffled)
        assert Durations.from_histogram(shuffled) == Durations.from_histogram(histogram)


# -- aggregate -------------------------------------------------------------------------


def reference_counts(rows: list[CaseFacts]) -> dict[str, Any]:
    """The counts of *rows*, by plain dicts and loops."""
    groups: dict[tuple[Any, ...], int] = {}
    to_resolution: dict[tuple[str, int], int] = {}
    to_first_item: dict[int, int] = {}
    tasks: dict[str, int] = {}
    items = 0
    for row in rows:
        group = (
            row.partner_id,
            row.office_id,
            row.event_code,
            row.permission,
            row.outside_office_hours,
            row.resolution,
        )
        groups[group] = groups.get(group, 0) + 1
        if row.minutes_to_resolution is not None:
            key = (row.resolution, row.minutes_to_resolution)
            to_resolution[key] = to_resolution.get(key, 0) + 1
        if row.minutes_to_first_item is not None:
            minutes = row.minutes_to_first_item
            to_first_item[minutes] = to_first_item.get(minutes, 0) + 1
        for task_type in row.task_types:
            tasks[task_type] = tasks.get(task_type, 0) + 1
        items += row.items
    return {
        "groups": groups,
        "to_resolution": to_resolution,
        "to_first_item": to_first_item,
        "tasks": tasks,
        "items": items,
    }


def as_dicts(counts: ReportCounts) -> dict[str, Any]:
    """*counts* as plain dicts, to compare without regard to order."""
    return {
        "groups": dict(counts.groups),
        "to_resolution": dict(counts.to_resolution),
        "to_first_item": dict(counts.to_first_item),
        "tasks": dict(counts.tasks),
        "items": counts.items,
    }


def merged(first: ReportCounts, second: ReportCounts) -> ReportCounts:
    """The counts of two disjoint sets of cases, added up key by key."""
    totals: dict[str, dict[Any, int]] = {}
    for name in ("groups", "to_resolution", "to_first_item", "tasks"):
        total: dict[Any, int] = {}
        for key, n in (*getattr(first, name), *getattr(second, name)):
            total[key] = total.get(key, 0) + n
        totals[name] = total
    return ReportCounts(
        groups=totals["groups"],
        to_resolution=totals["to_resolution"],
        to_first_item=totals["to_first_item"],
        tasks=totals["tasks"],
        items=first.items + second.items,
    )


def reference_report(rows: list[CaseFacts]) -> dict[str, Any]:
    """What the report of *rows* says, computed straight from the rows."""
    by_partner: dict[str, int] = {}
    by_office: dict[tuple[str, str], int] = {}
    by_event: dict[str | None, int] = {}
    by_permission: dict[Permission, int] = {}
    resolutions = {"converted": 0, "linked": 0, "open": 0}
    outside = 0
    minutes: dict[str, list[int]] = {"converted": [], "linked": []}
    first_items: list[int] = []
    tasks: dict[str, int] = {}
    items = 0
    for row in rows:
        partner = row.partner_id
        by_partner[partner] = by_partner.get(partner, 0) + 1
        office = (row.partner_id, row.office_id)
        by_office[office] = by_office.get(office, 0) + 1
        by_event[row.event_code] = by_event.get(row.event_code, 0) + 1
        permission = Permission(row.permission)
        by_permission[permission] = by_permission.get(permission, 0) + 1
        resolutions[row.resolution] += 1
        if row.outside_office_hours:
            outside += 1
        if row.minutes_to_resolution is not None:
            minutes[row.resolution].append(row.minutes_to_resolution)
        if row.minutes_to_first_item is not None:
            first_items.append(row.minutes_to_first_item)
        for task_type in row.task_types:
            tasks[task_type] = tasks.get(task_type, 0) + 1
        items += row.items
    return {
        "created": len(rows),
        "by_partner": by_partner,
        "by_office": by_office,
        "by_event": by_event,
        "by_permission": by_permission,
        "outside": outside,
        "inside": len(rows) - outside,
        "resolutions": resolutions,
        "to_conversion": durations_of(minutes["converted"]),
        "to_link": durations_of(minutes["linked"]),
        "to_resolution": durations_of(minutes["converted"] + minutes["linked"]),
        "to_first_item": durations_of(first_items),
        "tasks": tasks,
        "items": items,
    }


def report_summary(report: Report) -> dict[str, Any]:
    """The report as `reference_report` says it, breakdowns as dicts."""
    return {
        "created": report.created,
        "by_partner": dict(report.by_partner),
        "by_office": dict(report.by_office),
        "by_event": dict(report.by_event),
        "by_permission": dict(report.by_permission),
        "outside": report.outside_office_hours,
        "inside": report.inside_office_hours,
        "resolutions": {
            "converted": report.converted,
            "linked": report.linked,
            "open": report.still_open,
        },
        "to_conversion": report.to_conversion,
        "to_link": report.to_link,
        "to_resolution": report.to_resolution,
        "to_first_item": report.to_first_item,
        "tasks": dict(report.tasks_by_type),
        "items": report.items,
    }


def most_first(breakdown: tuple[tuple[Any, int], ...]) -> bool:
    """Whether a breakdown lists its keys once each, most cases first, none zero."""
    counts = [n for _, n in breakdown]
    keys = [key for key, _ in breakdown]
    return (
        all(n > 0 for n in counts)
        and counts == sorted(counts, reverse=True)
        and len(set(keys)) == len(keys)
    )


rows_lists = st.lists(case_facts_rows(), max_size=40)


class TestAggregate:
    @given(rows_lists)
    def test_equals_the_plain_reference(self, rows: list[CaseFacts]) -> None:
        """Counting in chunks by `Counter` equals counting one row at a time."""
        counts = aggregate(rows)
        expected = reference_counts(rows)
        assert as_dicts(counts) == expected
        assert counts == ReportCounts(**expected)

    @given(rows_lists)
    def test_the_report_equals_the_plain_reference(self, rows: list[CaseFacts]) -> None:
        """From rows to breakdowns, resolutions and percentiles, as by hand."""
        report = Report.from_counts(INSURER, W49, aggregate(rows))
        assert report_summary(report) == reference_report(rows)
        for breakdown in (
            report.by_partner,
            report.by_office,
            report.by_event,
            report.by_permission,
            report.by_permission_and_hours,
            report.tasks_by_type,
        ):
            assert most_first(breakdown)
        hours = dict(report.by_permission_and_hours)
        assert sum(hours.values()) == report.created
        assert sum(n for (_, outside), n in hours.items() if outside) == (
            report.outside_office_hours
        )

    @given(st.data())
    def test_the_order_of_the_rows_does_not_matter(self, data: st.DataObject) -> None:
        """Any permutation of the rows gives equal counts."""
        rows = data.draw(rows_lists)
        shuffled = data.draw(st.permutations(rows))
        assert aggregate(shuffled) == aggregate(rows)

    @given(st.data())
    def test_counts_of_two_parts_add_up(self, data: st.DataObject) -> None:
        """Rows split anywhere, counted apart and added, equal the whole's counts."""
        rows = data.draw(rows_lists)
        cut = data.draw(st.integers(0, len(rows)))
        assert merged(aggregate(rows[:cut]), aggregate(rows[cut:])) == aggregate(rows)

    @given(rows_lists, st.integers(1, 6))
    def test_chunk_boundaries_do_not_matter(
        self, rows: list[CaseFacts], chunk: int
    ) -> None:
        """Rows counted a few at a time equal rows counted in one chunk."""
        whole = aggregate(rows)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(report_module, "_CHUNK", chunk)
            assert aggregate(rows) == whole
            assert as_dicts(aggregate(iter(rows))) == reference_counts(rows)

    def test_more_rows_than_a_chunk(self) -> None:
        """Three chunks and a bit of the real size count like the reference."""
        rng = random.Random(17)
        rows = [random_row(rng) for _ in range(3 * report_module._CHUNK + 17)]
        assert as_dicts(aggregate(rows)) == reference_counts(rows)
        assert aggregate(iter(rows)) == aggregate(rows)

    @given(rows_lists)
    def test_a_one_shot_iterator_is_read_once(self, rows: list[CaseFacts]) -> None:
        """A generator's rows are each read once, in order, and all of them."""
        seen: list[CaseFacts] = []

        def once() -> Iterator[CaseFacts]:
            for row in rows:
                seen.append(row)
                yield row

        rows_once = once()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(report_module, "_CHUNK", 3)
            counts = aggregate(rows_once)
        assert seen == rows
        assert next(rows_once, None) is None
        assert counts == aggregate(rows)


def random_row(rng: random.Random) -> CaseFacts:
    """A consistent random row, from a seeded generator."""
    resolution = rng.choice(list(Resolution))
    items = rng.randint(0, 3)
    partner, office = rng.choice([("p1", "o1"), ("p1", "o2"), ("p2", "o3")])
    return CaseFacts(
        partner_id=partner,
        office_id=office,
        event_code=rng.choice([None, "STORM"]),
        permission=rng.choice([ALWAYS_P, OUTSIDE_P]).value,
        outside_office_hours=rng.random() < 0.8,
        resolution=resolution.value,
        minutes_to_resolution=(
            None if resolution is Resolution.OPEN else rng.randint(0, 5000)
        ),
        minutes_to_first_item=None if items == 0 else rng.randint(0, 500),
        items=items,
        task_types=tuple(sorted(rng.choices([FIRST_AID, INSPECTION], k=items))),
    )


# -- random histories through the service ----------------------------------------------

OFFICES: dict[str, tuple[Office, PartnerUser, Grant]] = {
    AARHUS.id: (AARHUS, ANNE, ALWAYS),
    ODENSE.id: (ODENSE, OLE, ODENSE_NIGHTS),
    BYG.id: (BYG, BO, BYG_NIGHTS),
}
TARGET = "T-1"  # each insurer's normal case that urgent cases are linked into
HISTORY_EXAMPLES = max(10, settings().max_examples // 2)

Action = tuple[datetime, int, int, Callable[[], object]]
"""When, an order among actions at the same instant, a tie-breaker, and the call."""


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


class Played:
    """A `History` played through the service over memory storage.

    The insurer reports per the history's period kind. Every planned action is
    allowed when it happens, so none may fail.
    """

    def __init__(self, history: History) -> None:
        self.history = history
        self.insurer = attrs.evolve(INSURER, report_period=history.kind)
        self.storage = MemoryStorage()
        self.service = Service(self.storage.unit_of_work)
        self.ids: dict[int, str] = {}
        for insurer, handler in ((self.insurer, HANDLER), (OTHER_INSURER, STRANGER)):
            self.service.open_normal_case(
                insurer=insurer,
                case_number=TARGET,
                handler=handler,
                at=history.base - timedelta(days=40),
            )

    def _of(self, plan: CasePlan) -> tuple[Insurer, InsurerUser]:
        if plan.insurer_id == INSURER_ID:
            return self.insurer, HANDLER
        return OTHER_INSURER, STRANGER

    def actions(self) -> list[Action]:
        """Every planned action, in the order they happen."""
        tie = itertools.count()
        found: list[Action] = [
            (at, 0, next(tie), partial(self._open_normal, f"N-{n}", at))
            for n, at in enumerate(self.history.normal_cases)
        ]
        for index, plan in enumerate(self.history.cases):
            created = plan.created
            found.append((created, 0, next(tie), partial(self._create, index, plan)))
            for delay in plan.items:
                at = created + seconds(delay)
                found.append((at, 2, next(tie), partial(self._item, index, plan, at)))
            for task_type, delay in plan.assigns:
                at = created + seconds(delay)
                call = partial(self._assign, index, plan, task_type, at)
                found.append((at, 1, next(tie), call))
            for code, delay in plan.tags:
                at = created + seconds(delay)
                found.append(
                    (at, 3, next(tie), partial(self._tag, index, plan, code, at))
                )
            if plan.resolution is not None:
                how, delay = plan.resolution
                at = created + seconds(delay)
                call = partial(self._resolve, index, plan, how, at)
                found.append((at, 4, next(tie), call))
        return sorted(found, key=lambda action: action[:3])

    def play(self, actions: list[Action]) -> None:
        for action in actions:
            action[3]()

    def report(self, period: Period) -> Report:
        return self.service.period_report(
            user=CHIEF, insurer=self.insurer, period=period
        )

    def _open_normal(self, number: str, at: datetime) -> None:
        self.service.open_normal_case(
            insurer=self.insurer, case_number=number, handler=HANDLER, at=at
        )

    def _create(self, index: int, plan: CasePlan) -> None:
        office, user, rights = OFFICES[plan.office_id]
        insurer, _ = self._of(plan)
        if insurer is OTHER_INSURER:
            rights = OTHER_ALWAYS
        tasks = (
            TaskRequest(FIRST_AID, office),
            *(TaskRequest(task_type) for task_type in plan.extra_tasks),
        )
        self.ids[index] = create(
            self.service,
            plan.created,
            user=user,
            rights=rights,
            insurer=insurer,
            tasks=tasks,
            event_code=plan.event_code,
        )

    def _item(self, index: int, plan: CasePlan, at: datetime) -> None:
        insurer, _ = self._of(plan)
        case_id = self.ids[index]
        self.service.report(
            user=OFFICES[plan.office_id][1],
            insurer=insurer,
            case_id=case_id,
            task_id=f"{case_id}/T1",
            report=NOTE,
            at=at,
        )

    def _assign(self, index: int, plan: CasePlan, task_type: str, at: datetime) -> None:
        insurer, user = self._of(plan)
        self.service.assign(
            user=user,
            insurer=insurer,
            case_id=self.ids[index],
            office=AARHUS,
            task_type=task_type,
            at=at,
        )

    def _tag(self, index: int, plan: CasePlan, code: str, at: datetime) -> None:
        insurer, user = self._of(plan)
        self.service.tag_event(
            user=user, insurer=insurer, case_id=self.ids[index], event_code=code, at=at
        )

    def _resolve(self, index: int, plan: CasePlan, how: str, at: datetime) -> None:
        insurer, user = self._of(plan)
        if how == CONVERT:
            self.service.convert(
                user=user,
                insurer=insurer,
                case_id=self.ids[index],
                case_number=f"C-{index}",
                handler=user,
                at=at,
            )
        else:
            assert how == LINK
            self.service.link(
                user=user,
                insurer=insurer,
                case_id=self.ids[index],
                target_id=TARGET,
                at=at,
            )


def end_day(period: Period) -> date:
    """The first day after *period*, counted from its kind and first day."""
    start = period.start
    if period.kind is WEEKLY:
        return start + timedelta(days=7)
    if start.month == 12:
        return date(start.year + 1, 1, 1)
    return date(start.year, start.month + 1, 1)


def periods_of(history: History) -> list[Period]:
    """The consecutive periods holding every case the history creates."""
    first = history.base.date() - timedelta(days=1)
    last = (history.base + timedelta(days=23)).date()
    starts = period_starts(history.kind, first - timedelta(days=31), last)
    return [
        Period(history.kind, day)
        for day in starts
        if end_day(Period(history.kind, day)) > first
    ]


def model_rows(history: History, period: Period) -> list[CaseFacts]:
    """The facts of the insurer's cases created in *period*, from the plan alone.

    The period is local midnight to local midnight in Copenhagen; whether a
    case was created outside office hours comes from the reference model.
    """
    start, end = local_midnight(period.start), local_midnight(end_day(period))
    rows = []
    for plan in history.cases:
        created = plan.created
        if plan.insurer_id != INSURER_ID or not start <= created < end:
            continue
        event_code = plan.event_code
        last_tag = (-1, -1)
        for number, (code, delay) in enumerate(plan.tags):
            if (delay, number) > last_tag:
                event_code, last_tag = code, (delay, number)
        resolution, to_resolution = Resolution.OPEN.value, None
        if plan.resolution is not None:
            how, delay = plan.resolution
            if created + seconds(delay) < end:
                resolution = (
                    Resolution.CONVERTED.value
                    if how == CONVERT
                    else Resolution.LINKED.value
                )
                to_resolution = delay // 60
        items = [delay for delay in plan.items if created + seconds(delay) < end]
        task_types = [FIRST_AID, *plan.extra_tasks]
        for task_type, delay in plan.assigns:
            if created + seconds(delay) < end:
                task_types.append(task_type)
        office = OFFICES[plan.office_id][0]
        rows.append(
            CaseFacts(
                partner_id=office.partner_id,
                office_id=office.id,
                event_code=event_code,
                permission=(ALWAYS_P if office is AARHUS else OUTSIDE_P).value,
                outside_office_hours=not reference.is_open(HOURS, created),
                resolution=resolution,
                minutes_to_resolution=to_resolution,
                minutes_to_first_item=min(items) // 60 if items else None,
                items=len(items),
                task_types=tuple(sorted(task_types)),
            )
        )
    return rows


class TestHistories:
    @settings(max_examples=HISTORY_EXAMPLES)
    @given(histories(), st.sampled_from([1, 2, 3, 1000]))
    def test_period_reports_match_a_model_of_the_history(
        self, history: History, page: int
    ) -> None:
        """Each period's report says what the plan did, in storage pages of any size.

        It equals `build_report` over every stored case, and the model's
        report computed from the plan; the consecutive periods' cases add up
        to every urgent case the insurer got.
        """
        played = Played(history)
        played.play(played.actions())
        cases = stored_cases(played.storage)
        periods = periods_of(history)
        created = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(service_module, "_PAGE", page)
            for period in periods:
                report = played.report(period)
                assert report == build_report(played.insurer, period, cases)
                rows = model_rows(history, period)
                assert report_summary(report) == reference_report(rows)
                assert report.counts == aggregate(rows)
                created += report.created
        urgent = [c for c in history.cases if c.insurer_id == INSURER_ID]
        assert created == len(urgent)
        assert [p.next() for p in periods[:-1]] == periods[1:]

    @settings(max_examples=HISTORY_EXAMPLES)
    @given(histories(), st.data())
    def test_a_completed_periods_report_never_changes(
        self, history: History, data: st.DataObject
    ) -> None:
        """Reports of periods ended by an instant stay equal whatever happens after.

        Cases are created, reported on, given tasks, converted and linked at
        or after the end; the reports taken before are regenerated and
        compared. Tagging after the end is left out: event codes count as
        stored (see `test_tagging_after_the_end_moves_the_case_to_its_event`).
        """
        periods = periods_of(history)
        cut = local_midnight(end_day(data.draw(st.sampled_from(periods))))
        history = attrs.evolve(
            history,
            cases=tuple(
                attrs.evolve(
                    plan,
                    tags=tuple(
                        (code, delay)
                        for code, delay in plan.tags
                        if plan.created + seconds(delay) < cut
                    ),
                )
                for plan in history.cases
            ),
        )
        played = Played(history)
        actions = played.actions()
        played.play([action for action in actions if action[0] < cut])
        completed = [p for p in periods if local_midnight(end_day(p)) <= cut]
        before = [played.report(period) for period in completed]
        played.play([action for action in actions if action[0] >= cut])
        assert [played.report(period) for period in completed] == before


def test_tagging_after_the_end_moves_the_case_to_its_event(storm: StormWeek) -> None:
    """Event codes count as stored: an insurer tags a storm's cases afterwards.

    B2 (created Sunday 23:59, untagged in week 49) is tagged FLOOD-7 on
    Tuesday 8 December: week 49's report counts it under FLOOD-7, and nothing
    else in the report moves.
    """
    before = storm.report()
    storm.service.tag_event(
        user=HANDLER,
        insurer=INSURER,
        case_id=storm.ids["B2"],
        event_code="FLOOD-7",
        at=cph(2026, 12, 8, 9, 0),
    )
    after = storm.report()
    assert before.by_event == (("STORM-ARWEN", 4), (None, 1))
    assert after.by_event == (("STORM-ARWEN", 4), ("FLOOD-7", 1))
    assert attrs.evolve(after, by_event=before.by_event, counts=before.counts) == before


def test_counts_given_as_pairs_add_up_per_key() -> None:
    """ReportCounts takes mappings or pairs; repeated keys are summed, zeros dropped."""
    group = ("p", "o", None, "always", True, "open")
    assert ReportCounts(
        groups=[(group, 1), (group, 2)],
        to_resolution=[],
        to_first_item=[(5, 1), (5, 0), (7, 2)],
        tasks=[("first_aid", 2), ("first_aid", 1)],
        items=4,
    ) == ReportCounts(
        groups={group: 3},
        to_resolution={},
        to_first_item={7: 2, 5: 1},
        tasks={"first_aid": 3},
        items=4,
    )


def test_a_repository_whose_pages_do_not_advance_is_a_storage_error(
    storm: StormWeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streaming a period stops with StorageError rather than looping forever."""

    class Stuck:
        def __init__(self, unit: Any) -> None:
            self._unit = unit

        def __getattr__(self, name: str) -> Any:
            return getattr(self._unit, name)

        def __enter__(self) -> Stuck:
            self._unit.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            self._unit.__exit__(*exc)

        @property
        def cases(self) -> Any:
            cases = self._unit.cases

            class Repeating:
                def __getattr__(self, name: str) -> Any:
                    return getattr(cases, name)

                def list(self, query: CaseQuery) -> list[Case]:
                    page: list[Case] = cases.list(attrs.evolve(query, after=None))
                    return page

            return Repeating()

    monkeypatch.setattr(service_module, "_PAGE", 2)
    service = Service(lambda: Stuck(storm.storage.unit_of_work()))
    with pytest.raises(StorageError, match="did not advance"):
        service.period_report(user=CHIEF, insurer=INSURER, period=W49)
