"""The urgent-case lifecycle as pure functions (R6-R16).

Every refusal is checked for its error type and reason code; the inputs are
frozen values, so a refused action cannot have changed them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest

from tests.world import (
    AARHUS,
    ALWAYS,
    ANNE,
    BO,
    BYG,
    CHIEF,
    ENHANCED,
    ENHANCED_GRANT,
    FRIDAY_MORNING,
    HANDLER,
    INSURER,
    MONDAY,
    ODENSE,
    OLE,
    OTHER_INSURER,
    OUTSIDE_HOURS,
    SATURDAY_NIGHT,
    STRANGER,
    SUNDAY_MORNING,
    at,
    form,
)
from urgentcases import (
    FIRST_AID,
    INSPECTION,
    BudgetApproved,
    BudgetRequiredError,
    BudgetState,
    Case,
    CaseConverted,
    CaseCreated,
    CaseKind,
    CaseLinked,
    CaseStatus,
    CreationRefusedError,
    EnhancedNotEnabledError,
    EventTagged,
    FieldError,
    Grant,
    Insurer,
    InsurerUser,
    InvalidFormError,
    InvalidLinkTargetError,
    InvalidPermissionError,
    InvalidTransitionError,
    ItemKind,
    ItemReported,
    LogAction,
    LogEntry,
    NaiveDatetimeError,
    NotPermittedError,
    Outcome,
    PartnerUser,
    Permission,
    Reason,
    RefusedError,
    ReportForm,
    TaskAssigned,
    TaskNotFoundError,
    TaskRequest,
    User,
    approve_budget,
    assign_task,
    can_convert,
    can_link,
    can_see,
    convert_to_normal,
    create_urgent_case,
    grant,
    link_into,
    new_normal_case,
    report_item,
    tag_event,
    urgent_id,
    visible_cases,
)

REPAIR = "repair"  # in Insurer.budget_task_types by default


def create(
    *,
    insurer: Insurer = INSURER,
    rights: Grant = ALWAYS,
    user: PartnerUser = ANNE,
    when: datetime = SATURDAY_NIGHT,
    number: int = 1,
    **changes: object,
) -> Outcome:
    """Create an urgent case from the world's valid form, changed by *changes*."""
    return create_urgent_case(
        insurer=insurer,
        grant=rights,
        user=user,
        form=form(**changes),
        at=when,
        number=number,
    )


def form_errors(error: pytest.ExceptionInfo[InvalidFormError]) -> set[tuple[str, str]]:
    """The (field, code) pairs of a form error."""
    return {(e.field, e.code) for e in error.value.errors}


def photo(name: str = "kaelder.jpg") -> ReportForm:
    return ReportForm(
        ItemKind.PHOTO,
        file_name=name,
        content_type="image/jpeg",
        size=2_345_678,
        checksum="sha256:00ff",
        storage_uri=f"s3://claims/{name}",
    )


NOTE = ReportForm(ItemKind.NOTE, text="Pumpe opstillet i kælderen.")
STRICT = attrs.evolve(INSURER, min_authority_level=5)
OTHER_ALWAYS = grant(OTHER_INSURER, AARHUS, Permission.ALWAYS)

# An urgent case of Aarhus: first aid (no budget) and a repair (budget pending).
URGENT = create(
    tasks=(TaskRequest(FIRST_AID, AARHUS), TaskRequest(REPAIR, AARHUS))
).case
FIRST_AID_TASK = f"{URGENT.id}/T1"
REPAIR_TASK = f"{URGENT.id}/T2"
ANOTHER_URGENT = create(number=2).case
NORMAL = new_normal_case(insurer=INSURER, case_number="4712", handler=CHIEF, at=MONDAY)
CONVERTED = convert_to_normal(
    create(number=3).case,
    insurer=INSURER,
    user=HANDLER,
    case_number="4713",
    handler=HANDLER,
    at=MONDAY,
).case
DISCONTINUED = link_into(
    create(number=4).case, NORMAL, insurer=INSURER, user=HANDLER, at=MONDAY
).case
OTHERS_URGENT = create(insurer=OTHER_INSURER, rights=OTHER_ALWAYS).case
OTHERS_NORMAL = new_normal_case(
    insurer=OTHER_INSURER, case_number="9000", handler=STRANGER, at=MONDAY
)


def assigned_to_byg(case: Case) -> Case:
    """*case* with a new inspection task the insurer assigned to Byg."""
    return assign_task(
        case,
        insurer=INSURER,
        user=HANDLER,
        office=BYG,
        task_type=INSPECTION,
        at=MONDAY,
    ).case


def test_the_world_is_what_the_tests_assume() -> None:
    """The module's cases are in the states their names say."""
    assert URGENT.is_open_urgent
    assert URGENT.task(REPAIR_TASK) is not None
    assert CONVERTED.kind is CaseKind.NORMAL
    assert CONVERTED.status is CaseStatus.OPEN
    assert DISCONTINUED.status is CaseStatus.DISCONTINUED
    assert NORMAL.kind is CaseKind.NORMAL
    assert OTHERS_URGENT.insurer_id == OTHER_INSURER.id


class TestCreate:
    def test_creates_an_open_urgent_case_with_its_log_and_events(self) -> None:
        """A created case is open and urgent, logged, and announced by events."""
        outcome = create(number=7)
        case = outcome.case
        assert case.id == "Akut-000007"
        assert case.kind is CaseKind.URGENT
        assert case.status is CaseStatus.OPEN
        assert case.version == 1
        assert (case.office_id, case.partner_id) == (AARHUS.id, AARHUS.partner_id)
        assert case.created_by == ANNE.id
        assert case.created_at == SATURDAY_NIGHT
        assert case.created_at.tzinfo is UTC
        assert case.field("policyholder") == "Søren Åberg"
        assert case.field("loss_date") == "2026-12-05"
        assert [entry.action for entry in case.log] == [
            LogAction.CREATED,
            LogAction.TASK_ADDED,
            LogAction.TASK_ASSIGNED,
        ]
        assert case.log[1].references == (
            ("task", case.tasks[0].id),
            ("type", FIRST_AID),
        )
        assert case.permission is Permission.ALWAYS
        assert case.outside_office_hours is True
        created, assigned = outcome.events
        assert isinstance(created, CaseCreated)
        assert created.case_id == case.id
        assert isinstance(assigned, TaskAssigned)
        assert (assigned.task_id, assigned.office_id) == (case.tasks[0].id, AARHUS.id)

    def test_never_permission_is_refused_with_its_decision(self) -> None:
        """R1: an office with NEVER may not create; the error carries the decision."""
        never = grant(INSURER, AARHUS)
        with pytest.raises(CreationRefusedError) as error:
            create(rights=never)
        assert error.value.decision.reason is Reason.NEVER_GRANTED
        assert not error.value.decision

    def test_outside_office_hours_permission_is_refused_inside_office_hours(
        self,
    ) -> None:
        """R4: OUTSIDE_OFFICE_HOURS refuses creation on Friday at 10:00."""
        with pytest.raises(CreationRefusedError) as error:
            create(rights=OUTSIDE_HOURS, when=FRIDAY_MORNING)
        assert error.value.decision.reason is Reason.INSIDE_OFFICE_HOURS

    @pytest.mark.parametrize("when", [SATURDAY_NIGHT, SUNDAY_MORNING, at(7, 7, 59)])
    def test_outside_office_hours_permission_allows_outside_office_hours(
        self, when: datetime
    ) -> None:
        """R4: OUTSIDE_OFFICE_HOURS allows creation at night and before opening."""
        assert create(rights=OUTSIDE_HOURS, when=when).case.is_open_urgent

    @pytest.mark.parametrize("user", [OLE, BO])
    def test_a_user_of_another_office_than_the_grants_is_refused(
        self, user: PartnerUser
    ) -> None:
        """The grant is Aarhus's: users of other offices may not create with it."""
        with pytest.raises(NotPermittedError) as error:
            create(user=user)
        assert error.value.reason == "not_office_user"

    def test_a_grant_of_another_insurer_is_refused(self) -> None:
        """A grant counts only at the insurer that gave it."""
        with pytest.raises(NotPermittedError) as error:
            create(rights=OTHER_ALWAYS)
        assert error.value.reason == "not_office_user"

    def test_missing_required_fields_are_all_reported_together(self) -> None:
        """R8: the four mandatory fields missing give four 'required' errors."""
        with pytest.raises(InvalidFormError) as error:
            create(policyholder="", address="  ", loss_date=None, description="")
        assert form_errors(error) == {
            ("policyholder", "required"),
            ("address", "required"),
            ("loss_date", "required"),
            ("description", "required"),
        }
        assert all(isinstance(e, FieldError) for e in error.value.errors)

    def test_every_kind_of_form_error_is_reported_at_once(self) -> None:
        """R8: all field errors come in one InvalidFormError, not only the first."""
        with pytest.raises(InvalidFormError) as error:
            create(
                policyholder="Søren\x00Åberg",
                address="x" * 301,
                loss_date=date(2026, 12, 6),
                description="",
                phone="12\x0734",
                case_id="STORM-7",
                event_code="STORM ARWEN",
                tasks=(TaskRequest("First Aid"), TaskRequest(FIRST_AID, BYG)),
            )
        assert form_errors(error) == {
            ("policyholder", "invalid_character"),
            ("address", "too_long"),
            ("loss_date", "in_future"),
            ("description", "required"),
            ("phone", "invalid_character"),
            ("case_id", "not_allowed"),
            ("event_code", "invalid"),
            ("tasks[0].type", "invalid"),
            ("tasks[1].office", "not_allowed"),
        }

    def test_a_loss_date_in_the_future_is_refused(self) -> None:
        """A loss cannot lie after today in the insurer's zone."""
        with pytest.raises(InvalidFormError) as error:
            create(loss_date="2026-12-06")
        assert form_errors(error) == {("loss_date", "in_future")}

    def test_today_is_the_insurers_date_not_utc(self) -> None:
        """At 00:30 in Copenhagen (23:30 UTC) the loss may be of the new day."""
        after_midnight = at(6, 0, 30)
        assert after_midnight.astimezone(UTC).day == 5
        case = create(when=after_midnight, loss_date=date(2026, 12, 6)).case
        assert case.field("loss_date") == "2026-12-06"

    @pytest.mark.parametrize("value", ["05-12-2026", "2026-02-30", "i går"])
    def test_a_loss_date_that_is_no_date_is_refused(self, value: str) -> None:
        """A loss date must be YYYY-MM-DD."""
        with pytest.raises(InvalidFormError) as error:
            create(loss_date=value)
        assert form_errors(error) == {("loss_date", "invalid")}

    @pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
    def test_control_characters_are_refused(self, character: str) -> None:
        """NUL and other control characters are 'invalid_character'."""
        with pytest.raises(InvalidFormError) as error:
            create(description=f"Vand{character}skade")
        assert form_errors(error) == {("description", "invalid_character")}

    def test_line_breaks_and_tabs_are_text(self) -> None:
        """Newlines and tabs in a description are not control characters."""
        case = create(description="Vand i kælder.\r\n\tPumpe opstillet.").case
        assert case.field("description") == "Vand i kælder.\r\n\tPumpe opstillet."

    def test_too_long_text_is_refused(self) -> None:
        """A policyholder longer than 200 characters is 'too_long'."""
        assert create(policyholder="x" * 200).case.field("policyholder") == "x" * 200
        with pytest.raises(InvalidFormError) as error:
            create(policyholder="x" * 201)
        assert form_errors(error) == {("policyholder", "too_long")}

    @pytest.mark.parametrize("code", ["", "STORM ARWEN", "-STORM", "x" * 41])
    def test_a_bad_event_code_is_refused(self, code: str) -> None:
        """An event code is 1-40 letters, digits, - or _."""
        with pytest.raises(InvalidFormError) as error:
            create(event_code=code)
        assert form_errors(error) == {("event_code", "invalid")}

    def test_an_event_code_is_kept(self) -> None:
        """A valid event code is stored and announced."""
        outcome = create(event_code="STORM-ARWEN")
        assert outcome.case.event_code == "STORM-ARWEN"
        created = outcome.events[0]
        assert isinstance(created, CaseCreated)
        assert created.event_code == "STORM-ARWEN"

    @pytest.mark.parametrize("task_type", ["First Aid", "", "førstehjælp", "1aid"])
    def test_a_bad_task_type_is_refused(self, task_type: str) -> None:
        """A task type is lower-case letters, digits and _."""
        with pytest.raises(InvalidFormError) as error:
            create(tasks=(TaskRequest(task_type),))
        assert form_errors(error) == {("tasks[0].type", "invalid")}

    @pytest.mark.parametrize(
        ("insurer", "rights"),
        [(INSURER, ALWAYS), (ENHANCED, ALWAYS), (INSURER, ENHANCED_GRANT)],
        ids=["not-enhanced", "right-not-granted", "enhanced-switched-off"],
    )
    def test_a_case_id_without_the_effective_right_is_not_allowed(
        self, insurer: Insurer, rights: Grant
    ) -> None:
        """R6, R8: the case-id field exists only with the right in effect."""
        with pytest.raises(InvalidFormError) as error:
            create(insurer=insurer, rights=rights, case_id="STORM-7")
        assert form_errors(error) == {("case_id", "not_allowed")}

    @pytest.mark.parametrize(
        ("chosen", "expected"),
        [("STORM-7", "Akut-STORM-7"), ("Akut-STORM-8", "Akut-STORM-8")],
    )
    def test_a_chosen_case_id_carries_the_akut_marker(
        self, chosen: str, expected: str
    ) -> None:
        """R9: a chosen id gets the Akut prefix unless it has it already."""
        outcome = create(
            insurer=ENHANCED, rights=ENHANCED_GRANT, case_id=chosen, number=99
        )
        assert outcome.case.id == expected
        assert outcome.case.kind is CaseKind.URGENT
        assert outcome.case.tasks[0].id == f"{expected}/T1"

    @pytest.mark.parametrize("chosen", ["STORM 7", "STORM/7", "x" * 41, ""])
    def test_an_invalid_chosen_case_id_is_refused(self, chosen: str) -> None:
        """A chosen id is 1-40 letters, digits, - or _."""
        with pytest.raises(InvalidFormError) as error:
            create(insurer=ENHANCED, rights=ENHANCED_GRANT, case_id=chosen)
        assert form_errors(error) == {("case_id", "invalid")}

    def test_generated_ids_are_akut_and_six_digits(self) -> None:
        """R9: number 42 gives Akut-000042."""
        assert urgent_id(INSURER, number=42) == "Akut-000042"
        assert create(number=42).case.id == "Akut-000042"

    @pytest.mark.parametrize(
        ("chosen", "expected"),
        [
            ("STORM-7", "Akut-STORM-7"),
            ("Akut-STORM-8", "Akut-STORM-8"),
            ("Akut", "Akut-Akut"),
            ("akut-storm-9", "Akut-storm-9"),
            ("Akutskade-1", "Akut-Akutskade-1"),
        ],
    )
    def test_urgent_id_marks_a_chosen_id(self, chosen: str, expected: str) -> None:
        """Every id starts with 'Akut-', written the insurer's way, never twice."""
        assert urgent_id(INSURER, chosen=chosen) == expected

    @pytest.mark.parametrize("number", [None, 0, -1])
    def test_urgent_id_needs_a_sequence_number(self, number: int | None) -> None:
        """A generated id needs a number of 1 or more."""
        with pytest.raises(ValueError, match="sequence number"):
            urgent_id(INSURER, number=number)

    def test_a_task_for_another_partners_office_is_not_allowed(self) -> None:
        """R7: without the assign right, tasks go only to the partner's offices."""
        with pytest.raises(InvalidFormError) as error:
            create(tasks=(TaskRequest(INSPECTION, ODENSE), TaskRequest(FIRST_AID, BYG)))
        assert form_errors(error) == {("tasks[1].office", "not_allowed")}

    def test_a_task_for_another_partners_office_is_allowed_with_the_right(
        self,
    ) -> None:
        """R6: with the enhanced assign right, any office may get a task."""
        case = create(
            insurer=ENHANCED,
            rights=ENHANCED_GRANT,
            tasks=(TaskRequest(FIRST_AID, BYG),),
        ).case
        assert case.tasks[0].office_id == BYG.id
        assert can_see(BO, case)

    def test_rights_have_no_effect_once_enhanced_is_switched_off(self) -> None:
        """R6: switched off, the rights stop working but the grant keeps them."""
        assert ENHANCED_GRANT.defines_case_id(ENHANCED)
        assert ENHANCED_GRANT.assigns_other_partners(ENHANCED)
        assert not ENHANCED_GRANT.defines_case_id(INSURER)
        assert not ENHANCED_GRANT.assigns_other_partners(INSURER)
        assert ENHANCED_GRANT.may_define_case_id
        assert ENHANCED_GRANT.may_assign_other_partners
        with pytest.raises(InvalidFormError) as error:
            create(
                rights=ENHANCED_GRANT,
                case_id="STORM-7",
                tasks=(TaskRequest(FIRST_AID, BYG),),
            )
        assert form_errors(error) == {
            ("case_id", "not_allowed"),
            ("tasks[0].office", "not_allowed"),
        }

    def test_first_aid_needs_no_budget_and_repair_does(self) -> None:
        """R11: first aid NOT_REQUIRED; a configured budget type PENDING."""
        assert REPAIR in INSURER.budget_task_types
        budgets = [task.budget for task in URGENT.tasks]
        assert budgets == [BudgetState.NOT_REQUIRED, BudgetState.PENDING]

    def test_which_task_types_need_a_budget_is_configuration(self) -> None:
        """R11: an insurer may require a budget for inspections."""
        insurer = attrs.evolve(INSURER, budget_task_types={INSPECTION})
        rights = grant(insurer, AARHUS, Permission.ALWAYS)
        case = create(
            insurer=insurer,
            rights=rights,
            tasks=(TaskRequest(INSPECTION), TaskRequest(REPAIR)),
        ).case
        assert [t.budget for t in case.tasks] == [
            BudgetState.PENDING,
            BudgetState.NOT_REQUIRED,
        ]

    def test_tasks_need_no_office_at_creation(self) -> None:
        """R11: assignment is optional; an unassigned task is added, not assigned."""
        outcome = create(tasks=(TaskRequest(INSPECTION),))
        assert outcome.case.tasks[0].office_id is None
        assert [e.action for e in outcome.case.log] == [
            LogAction.CREATED,
            LogAction.TASK_ADDED,
        ]
        assert outcome.case.log[1].reference("type") == INSPECTION

    def test_a_case_records_its_permission_and_whether_hours_were_open(self) -> None:
        """R17: the report counts cases by permission and by office hours."""
        inside = create(when=MONDAY).case
        assert (inside.permission, inside.outside_office_hours) == (
            Permission.ALWAYS,
            False,
        )
        outside = create(rights=grant(INSURER, AARHUS, Permission.OUTSIDE_OFFICE_HOURS))
        assert (outside.case.permission, outside.case.outside_office_hours) == (
            Permission.OUTSIDE_OFFICE_HOURS,
            True,
        )

    def test_a_naive_datetime_is_refused(self) -> None:
        """R4: a naive datetime is never guessed."""
        with pytest.raises(NaiveDatetimeError):
            create(when=datetime(2026, 12, 5, 22, 0))


class TestAssign:
    def test_a_discontinued_case_is_refused(self) -> None:
        """A discontinued case is read-only."""
        with pytest.raises(InvalidTransitionError) as error:
            assign_task(
                DISCONTINUED,
                insurer=INSURER,
                user=HANDLER,
                office=AARHUS,
                task_type=INSPECTION,
                at=MONDAY,
            )
        assert error.value.reason == "discontinued"

    def test_a_partner_who_cannot_see_the_case_is_refused(self) -> None:
        """R10: Byg has nothing in Aarhus's case and may not assign in it."""
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                URGENT,
                insurer=INSURER,
                user=BO,
                office=BYG,
                task_type=INSPECTION,
                at=MONDAY,
            )
        assert error.value.reason == "not_visible"

    def test_an_insurer_user_of_another_insurer_is_refused(self) -> None:
        """Another insurer's users do not see the case."""
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                URGENT,
                insurer=INSURER,
                user=STRANGER,
                office=AARHUS,
                task_type=INSPECTION,
                at=MONDAY,
            )
        assert error.value.reason == "not_visible"

    @pytest.mark.parametrize("rights", [None, ALWAYS, ENHANCED_GRANT])
    def test_another_partners_office_without_the_right_is_refused(
        self, rights: Grant | None
    ) -> None:
        """R7: without the assign right in effect, only own partner's offices."""
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                URGENT,
                insurer=INSURER,
                user=ANNE,
                office=BYG,
                task_type=INSPECTION,
                at=MONDAY,
                grant=rights,
            )
        assert error.value.reason == "assign_other_partner"

    def test_another_offices_grant_gives_no_right(self) -> None:
        """Odense may not use Aarhus's enhanced grant."""
        case = assign_task(
            URGENT,
            insurer=ENHANCED,
            user=ANNE,
            office=ODENSE,
            task_type=INSPECTION,
            at=MONDAY,
        ).case
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                case,
                insurer=ENHANCED,
                user=OLE,
                office=BYG,
                task_type=INSPECTION,
                at=MONDAY,
                grant=ENHANCED_GRANT,
            )
        assert error.value.reason == "assign_other_partner"

    def test_another_insurers_grant_gives_no_right(self) -> None:
        """R6: rights are per (insurer, office); another insurer's do not count."""
        other_enhanced = attrs.evolve(OTHER_INSURER, enhanced=True)
        foreign = grant(
            other_enhanced, AARHUS, Permission.ALWAYS, may_assign_other_partners=True
        )
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                URGENT,
                insurer=ENHANCED,
                user=ANNE,
                office=BYG,
                task_type=INSPECTION,
                at=MONDAY,
                grant=foreign,
            )
        assert error.value.reason == "assign_other_partner"

    def test_another_partners_office_with_the_right_is_allowed(self) -> None:
        """R6: the enhanced assign right lets Aarhus give Byg a task."""
        outcome = assign_task(
            URGENT,
            insurer=ENHANCED,
            user=ANNE,
            office=BYG,
            task_type=INSPECTION,
            at=MONDAY,
            grant=ENHANCED_GRANT,
        )
        assert outcome.case.tasks[-1].office_id == BYG.id

    def test_own_partners_office_is_allowed_without_a_grant(self) -> None:
        """R7: Aarhus may give Odense, its own partner's office, a task."""
        outcome = assign_task(
            URGENT,
            insurer=INSURER,
            user=ANNE,
            office=ODENSE,
            task_type=INSPECTION,
            at=MONDAY,
        )
        task = outcome.case.tasks[-1]
        assert (task.id, task.office_id) == (f"{URGENT.id}/T3", ODENSE.id)
        assert can_see(OLE, outcome.case)

    def test_an_office_with_a_task_assigns_only_to_its_own_partner(self) -> None:
        """Byg, given a task, sees the case but may not assign Aarhus."""
        case = assigned_to_byg(URGENT)
        assert assign_task(
            case,
            insurer=INSURER,
            user=BO,
            office=BYG,
            task_type=FIRST_AID,
            at=MONDAY,
        ).case.tasks[-1].office_id == (BYG.id)
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                case,
                insurer=INSURER,
                user=BO,
                office=AARHUS,
                task_type=FIRST_AID,
                at=MONDAY,
            )
        assert error.value.reason == "assign_other_partner"

    @pytest.mark.parametrize("case", [URGENT, CONVERTED, NORMAL])
    def test_an_insurer_user_may_always_assign(self, case: Case) -> None:
        """Insurer users assign to any office, in urgent and normal cases."""
        outcome = assigned_to_byg(case)
        assert outcome.tasks[-1].office_id == BYG.id
        assert outcome.version == case.version + 1
        assert [entry.action for entry in outcome.log[-2:]] == [
            LogAction.TASK_ADDED,
            LogAction.TASK_ASSIGNED,
        ]
        assert outcome.log[-2].reference("type") == INSPECTION

    def test_assigning_an_existing_task_adds_no_task(self) -> None:
        """Only a new task is logged as added; reassigning logs the assignment."""
        outcome = assign_task(
            URGENT,
            insurer=INSURER,
            user=HANDLER,
            office=BYG,
            task_id=REPAIR_TASK,
            at=MONDAY,
        ).case
        assert outcome.log[len(URGENT.log) :] == (
            LogEntry(
                at=MONDAY.astimezone(UTC),
                actor_id=HANDLER.id,
                action=LogAction.TASK_ASSIGNED,
                references=(("task", REPAIR_TASK), ("office", BYG.id)),
            ),
        )

    def test_a_partner_may_not_assign_in_a_normal_case(self) -> None:
        """Partners assign only in urgent cases, even ones they created."""
        assert can_see(ANNE, CONVERTED)
        with pytest.raises(NotPermittedError) as error:
            assign_task(
                CONVERTED,
                insurer=INSURER,
                user=ANNE,
                office=AARHUS,
                task_type=INSPECTION,
                at=MONDAY,
            )
        assert error.value.reason == "not_urgent"

    def test_an_unknown_task_id_is_refused(self) -> None:
        """Reassigning a task the case does not have is TaskNotFoundError."""
        with pytest.raises(TaskNotFoundError):
            assign_task(
                URGENT,
                insurer=INSURER,
                user=HANDLER,
                office=AARHUS,
                task_id=f"{URGENT.id}/T9",
                at=MONDAY,
            )

    @pytest.mark.parametrize("task_type", ["First Aid", "", "x" * 41])
    def test_an_invalid_task_type_is_refused(self, task_type: str) -> None:
        """A new task's type must be a task type."""
        with pytest.raises(InvalidFormError) as error:
            assign_task(
                URGENT,
                insurer=INSURER,
                user=HANDLER,
                office=AARHUS,
                task_type=task_type,
                at=MONDAY,
            )
        assert form_errors(error) == {("task_type", "invalid")}

    def test_give_exactly_one_of_task_type_and_task_id(self) -> None:
        """Asking for both a new and an existing task is a programming error."""
        with pytest.raises(ValueError, match="exactly one"):
            assign_task(
                URGENT,
                insurer=INSURER,
                user=HANDLER,
                office=AARHUS,
                task_type=INSPECTION,
                task_id=FIRST_AID_TASK,
                at=MONDAY,
            )

    def test_reassigns_an_existing_task_by_its_id(self) -> None:
        """An existing task moves to another office, keeping id, type and budget."""
        outcome = assign_task(
            URGENT,
            insurer=INSURER,
            user=HANDLER,
            office=BYG,
            task_id=REPAIR_TASK,
            at=MONDAY,
        )
        case = outcome.case
        before = URGENT.task(REPAIR_TASK)
        after = case.task(REPAIR_TASK)
        assert before is not None
        assert after is not None
        assert after == attrs.evolve(before, office_id=BYG.id)
        assert len(case.tasks) == len(URGENT.tasks)
        assert case.version == URGENT.version + 1
        assert case.log[-1].reference("task") == REPAIR_TASK
        assert case.log[-1].reference("office") == BYG.id
        (event,) = outcome.events
        assert event == TaskAssigned(
            INSURER.id, URGENT.id, REPAIR_TASK, REPAIR, BYG.id, HANDLER.id, MONDAY
        )


class TestApproveBudget:
    @pytest.mark.parametrize("user", [ANNE, STRANGER], ids=["partner", "stranger"])
    def test_only_the_insurers_users_approve(self, user: User) -> None:
        """Partner users and other insurers' users may not approve budgets."""
        with pytest.raises(NotPermittedError) as error:
            approve_budget(
                URGENT, insurer=INSURER, user=user, task_id=REPAIR_TASK, at=MONDAY
            )
        assert error.value.reason == "not_insurer_user"

    def test_a_budget_that_is_not_pending_is_refused(self) -> None:
        """First aid needs no budget; an approved one cannot be approved again."""
        with pytest.raises(InvalidTransitionError) as error:
            approve_budget(
                URGENT, insurer=INSURER, user=HANDLER, task_id=FIRST_AID_TASK, at=MONDAY
            )
        assert error.value.reason == "budget_not_pending"
        approved = approve_budget(
            URGENT, insurer=INSURER, user=HANDLER, task_id=REPAIR_TASK, at=MONDAY
        ).case
        with pytest.raises(InvalidTransitionError) as again:
            approve_budget(
                approved, insurer=INSURER, user=HANDLER, task_id=REPAIR_TASK, at=MONDAY
            )
        assert again.value.reason == "budget_not_pending"

    def test_the_insurer_given_must_own_the_case(self) -> None:
        """Another insurer's settings cannot be used to approve in this case."""
        with pytest.raises(NotPermittedError) as error:
            approve_budget(
                URGENT,
                insurer=OTHER_INSURER,
                user=HANDLER,
                task_id=REPAIR_TASK,
                at=MONDAY,
            )
        assert error.value.reason == "wrong_insurer"

    def test_an_unknown_task_is_refused(self) -> None:
        """Approving the budget of a task the case lacks is TaskNotFoundError."""
        with pytest.raises(TaskNotFoundError):
            approve_budget(
                URGENT, insurer=INSURER, user=HANDLER, task_id="nope", at=MONDAY
            )

    def test_a_discontinued_case_is_refused(self) -> None:
        """A discontinued case is read-only."""
        with pytest.raises(InvalidTransitionError) as error:
            approve_budget(
                DISCONTINUED, insurer=INSURER, user=HANDLER, task_id="x", at=MONDAY
            )
        assert error.value.reason == "discontinued"

    def test_approving_unlocks_reporting(self) -> None:
        """R11: after approval, the repair task takes reports."""
        outcome = approve_budget(
            URGENT, insurer=INSURER, user=HANDLER, task_id=REPAIR_TASK, at=MONDAY
        )
        case = outcome.case
        task = case.task(REPAIR_TASK)
        assert task is not None
        assert task.budget is BudgetState.APPROVED
        assert task.reportable
        assert case.version == URGENT.version + 1
        assert case.log[-1].action is LogAction.BUDGET_APPROVED
        assert outcome.events == (
            BudgetApproved(INSURER.id, URGENT.id, REPAIR_TASK, HANDLER.id, MONDAY),
        )
        reported = report_item(
            case, user=ANNE, task_id=REPAIR_TASK, report=NOTE, at=MONDAY
        ).case
        assert reported.task(REPAIR_TASK) is not None


class TestReport:
    def test_a_pending_budget_refuses_reports(self) -> None:
        """R11: a repair task takes no report before its budget is approved."""
        with pytest.raises(BudgetRequiredError) as error:
            report_item(URGENT, user=ANNE, task_id=REPAIR_TASK, report=NOTE, at=MONDAY)
        assert error.value.reason == "budget_pending"

    def test_first_aid_takes_reports_at_once(self) -> None:
        """R11: first aid needs no budget; its items get ids task/1, task/2."""
        first = report_item(
            URGENT, user=ANNE, task_id=FIRST_AID_TASK, report=photo("a.jpg"), at=MONDAY
        )
        second = report_item(
            first.case, user=ANNE, task_id=FIRST_AID_TASK, report=NOTE, at=MONDAY
        )
        task = second.case.task(FIRST_AID_TASK)
        assert task is not None
        assert [item.id for item in task.items] == [
            f"{FIRST_AID_TASK}/1",
            f"{FIRST_AID_TASK}/2",
        ]
        assert [item.kind for item in task.items] == [ItemKind.PHOTO, ItemKind.NOTE]
        assert task.items[0].storage_uri == "s3://claims/a.jpg"
        assert task.items[0].reported_by == ANNE.id
        assert second.case.version == URGENT.version + 2
        assert second.case.log[-1].reference("item") == f"{FIRST_AID_TASK}/2"
        assert second.events == (
            ItemReported(
                INSURER.id,
                URGENT.id,
                FIRST_AID_TASK,
                f"{FIRST_AID_TASK}/2",
                ItemKind.NOTE,
                ANNE.id,
                MONDAY,
            ),
        )

    @pytest.mark.parametrize("user", [OLE, BO, STRANGER], ids=["ole", "bo", "sven"])
    def test_a_user_not_assigned_the_task_is_refused(self, user: User) -> None:
        """Only the assigned office (or the insurer) reports on a task."""
        with pytest.raises(NotPermittedError) as error:
            report_item(
                URGENT, user=user, task_id=FIRST_AID_TASK, report=NOTE, at=MONDAY
            )
        assert error.value.reason == "not_assignee"

    def test_a_partner_may_not_report_on_an_unassigned_task(self) -> None:
        """A task assigned to no office takes no partner reports."""
        case = create(tasks=(TaskRequest(FIRST_AID),)).case
        with pytest.raises(NotPermittedError) as error:
            report_item(
                case, user=ANNE, task_id=case.tasks[0].id, report=NOTE, at=MONDAY
            )
        assert error.value.reason == "not_assignee"

    def test_the_insurers_users_may_report(self) -> None:
        """Insurer users report on any task of their insurer's cases."""
        case = report_item(
            URGENT, user=HANDLER, task_id=FIRST_AID_TASK, report=NOTE, at=MONDAY
        ).case
        task = case.task(FIRST_AID_TASK)
        assert task is not None
        assert task.items[-1].reported_by == HANDLER.id

    def test_a_note_without_text_is_refused(self) -> None:
        """A note needs text."""
        with pytest.raises(InvalidFormError) as error:
            report_item(
                URGENT,
                user=ANNE,
                task_id=FIRST_AID_TASK,
                report=ReportForm(ItemKind.NOTE, text="  "),
                at=MONDAY,
            )
        assert form_errors(error) == {("text", "required")}

    def test_media_without_file_type_and_location_list_all_errors(self) -> None:
        """A photo needs file_name, content_type and storage_uri; all are listed."""
        with pytest.raises(InvalidFormError) as error:
            report_item(
                URGENT,
                user=ANNE,
                task_id=FIRST_AID_TASK,
                report=ReportForm(ItemKind.PHOTO, size=-1),
                at=MONDAY,
            )
        assert form_errors(error) == {
            ("file_name", "required"),
            ("content_type", "required"),
            ("storage_uri", "required"),
            ("size", "invalid"),
        }

    @pytest.mark.parametrize(
        "report",
        [
            ReportForm(ItemKind.NOTE, text="Pumpe\x00"),
            attrs.evolve(photo(), file_name="a\x00.jpg"),
            attrs.evolve(photo(), storage_uri="s3://claims/\x00"),
        ],
        ids=["text", "file_name", "storage_uri"],
    )
    def test_a_nul_character_is_refused(self, report: ReportForm) -> None:
        """A NUL character in any text of a report is 'invalid_character'."""
        with pytest.raises(InvalidFormError) as error:
            report_item(
                URGENT, user=ANNE, task_id=FIRST_AID_TASK, report=report, at=MONDAY
            )
        assert {code for _, code in form_errors(error)} == {"invalid_character"}

    @pytest.mark.parametrize("size", [-1, True, 1.5])
    def test_a_size_that_is_no_byte_count_is_refused(self, size: int) -> None:
        """A size is a non-negative int."""
        report = attrs.evolve(photo(), size=size)
        with pytest.raises(InvalidFormError) as error:
            report_item(
                URGENT, user=ANNE, task_id=FIRST_AID_TASK, report=report, at=MONDAY
            )
        assert form_errors(error) == {("size", "invalid")}

    def test_a_discontinued_case_is_refused(self) -> None:
        """A discontinued case takes no reports."""
        with pytest.raises(InvalidTransitionError) as error:
            report_item(DISCONTINUED, user=ANNE, task_id="x", report=NOTE, at=MONDAY)
        assert error.value.reason == "discontinued"

    def test_an_unknown_task_is_refused(self) -> None:
        """Reporting on a task the case lacks is TaskNotFoundError."""
        with pytest.raises(TaskNotFoundError):
            report_item(URGENT, user=ANNE, task_id="nope", report=NOTE, at=MONDAY)

    def test_a_naive_datetime_is_refused(self) -> None:
        """Reports are stamped with aware instants only."""
        with pytest.raises(NaiveDatetimeError):
            report_item(
                URGENT,
                user=ANNE,
                task_id=FIRST_AID_TASK,
                report=NOTE,
                at=datetime(2026, 12, 7, 10, 0),
            )


class TestTagEvent:
    def test_tags_a_case_with_an_event(self) -> None:
        """An insurer user tags a case; the log and an event record it."""
        outcome = tag_event(
            URGENT, insurer=INSURER, user=HANDLER, event_code="STORM-ARWEN", at=MONDAY
        )
        assert outcome.case.event_code == "STORM-ARWEN"
        assert outcome.case.version == URGENT.version + 1
        assert outcome.case.log[-1].action is LogAction.EVENT_TAGGED
        assert outcome.case.log[-1].reference("event") == "STORM-ARWEN"
        assert outcome.events == (
            EventTagged(INSURER.id, URGENT.id, "STORM-ARWEN", HANDLER.id, MONDAY),
        )

    @pytest.mark.parametrize("user", [ANNE, STRANGER], ids=["partner", "stranger"])
    def test_only_the_insurers_users_tag(self, user: User) -> None:
        """Partners and other insurers' users may not tag events."""
        with pytest.raises(NotPermittedError) as error:
            tag_event(URGENT, insurer=INSURER, user=user, event_code="S", at=MONDAY)
        assert error.value.reason == "not_insurer_user"

    def test_the_insurer_given_must_own_the_case(self) -> None:
        """Another insurer's settings cannot be used to tag this case."""
        with pytest.raises(NotPermittedError) as error:
            tag_event(
                URGENT, insurer=OTHER_INSURER, user=HANDLER, event_code="S", at=MONDAY
            )
        assert error.value.reason == "wrong_insurer"

    @pytest.mark.parametrize("code", ["", "STORM ARWEN", "x" * 41])
    def test_an_invalid_code_is_refused(self, code: str) -> None:
        """An event code is 1-40 letters, digits, - or _."""
        with pytest.raises(InvalidFormError) as error:
            tag_event(URGENT, insurer=INSURER, user=HANDLER, event_code=code, at=MONDAY)
        assert form_errors(error) == {("event_code", "invalid")}

    def test_a_discontinued_case_is_refused(self) -> None:
        """A discontinued case cannot be tagged."""
        with pytest.raises(InvalidTransitionError) as error:
            tag_event(
                DISCONTINUED, insurer=INSURER, user=HANDLER, event_code="S", at=MONDAY
            )
        assert error.value.reason == "discontinued"


# Short names for the refusal tables.
_DENIED = NotPermittedError
_STATE = InvalidTransitionError
_TARGET = InvalidLinkTargetError


def _convert(
    name: str,
    reason: str,
    error: type[RefusedError],
    *,
    case: Case = URGENT,
    user: User = HANDLER,
    insurer: Insurer = INSURER,
    number: str = "4711",
    handler: InsurerUser = HANDLER,
) -> object:
    """One refused conversion: the open urgent case by Hanne, changed."""
    return pytest.param(case, user, insurer, number, handler, reason, error, id=name)


_CONVERT_REFUSALS = [
    _convert("partner", "not_insurer_user", _DENIED, user=ANNE),
    _convert("other-insurers-user", "not_insurer_user", _DENIED, user=STRANGER),
    _convert("authority-too-low", "authority_too_low", _DENIED, insurer=STRICT),
    _convert("normal-case", "not_urgent", _STATE, case=CONVERTED),
    _convert("discontinued-case", "discontinued", _STATE, case=DISCONTINUED),
    _convert("number-with-space", "invalid_case_number", _STATE, number="47 11"),
    _convert("empty-number", "invalid_case_number", _STATE, number=""),
    _convert("number-with-nul", "invalid_case_number", _STATE, number="4711\x00"),
    _convert("too-long-number", "invalid_case_number", _STATE, number="4" * 41),
    _convert("other-insurers-handler", "invalid_handler", _STATE, handler=STRANGER),
    _convert("other-insurers-case", "wrong_insurer", _DENIED, case=OTHERS_URGENT),
]


class TestConvert:
    @pytest.mark.parametrize(
        ("case", "user", "insurer", "number", "handler", "reason", "error"),
        _CONVERT_REFUSALS,
    )
    def test_refusals_raise_what_the_guard_answers(
        self,
        case: Case,
        user: User,
        insurer: Insurer,
        number: str,
        handler: InsurerUser,
        reason: str,
        error: type[RefusedError],
    ) -> None:
        """Every refusal: can_convert's reason is the reason convert raises with."""
        verdict = can_convert(
            case, insurer=insurer, user=user, case_number=number, handler=handler
        )
        assert not verdict
        assert verdict.reason == reason
        with pytest.raises(error) as raised:
            convert_to_normal(
                case,
                insurer=insurer,
                user=user,
                case_number=number,
                handler=handler,
                at=MONDAY,
            )
        assert type(raised.value) is error
        assert raised.value.reason == verdict.reason
        assert str(raised.value) == verdict.message

    @pytest.mark.parametrize(
        ("case", "state"),
        [(DISCONTINUED, "discontinued"), (CONVERTED, "normal")],
    )
    def test_the_guard_names_the_cases_state_and_changes_nothing(
        self, case: Case, state: str
    ) -> None:
        """A refusing guard explains itself and leaves its inputs as they were."""
        before = attrs.evolve(case)
        verdict = can_convert(
            case, insurer=INSURER, user=HANDLER, case_number="4711", handler=HANDLER
        )
        assert not verdict
        assert not verdict.allowed
        assert state in verdict.message
        assert case.id in verdict.message
        assert case == before

    def test_the_guard_allows_an_open_urgent_case(self) -> None:
        """R13: an insurer user may convert an open urgent case."""
        verdict = can_convert(
            URGENT, insurer=INSURER, user=HANDLER, case_number="4711", handler=CHIEF
        )
        assert verdict
        assert verdict.reason == "allowed"
        verdict.raise_if_refused()

    def test_the_minimum_authority_level_is_configurable(self) -> None:
        """A level-6 user may convert where level 5 is required."""
        assert can_convert(
            URGENT, insurer=STRICT, user=CHIEF, case_number="4711", handler=HANDLER
        )

    def test_converts_keeping_the_akut_id_in_the_log(self) -> None:
        """R14: the case turns normal with number and handler; its Akut id stays."""
        outcome = convert_to_normal(
            URGENT,
            insurer=INSURER,
            user=HANDLER,
            case_number="4711",
            handler=CHIEF,
            at=MONDAY,
        )
        case = outcome.case
        assert case.kind is CaseKind.NORMAL
        assert case.status is CaseStatus.OPEN
        assert not case.is_open_urgent
        assert (case.id, case.case_number, case.handler_id) == (
            URGENT.id,
            "4711",
            CHIEF.id,
        )
        assert case.display_id == "4711"
        assert case.tasks == URGENT.tasks
        assert case.version == URGENT.version + 1
        assert case.log[:-1] == URGENT.log
        entry = case.log[-1]
        assert entry.action is LogAction.CONVERTED
        assert entry.reference("former_id") == URGENT.id
        assert entry.reference("case_number") == "4711"
        assert entry.reference("handler") == CHIEF.id
        assert outcome.events == (
            CaseConverted(INSURER.id, URGENT.id, "4711", CHIEF.id, HANDLER.id, MONDAY),
        )


def _link(
    name: str,
    reason: str,
    error: type[RefusedError],
    *,
    source: Case = URGENT,
    target: Case = NORMAL,
    user: User = HANDLER,
    insurer: Insurer = INSURER,
) -> object:
    """One refused link: the open urgent case into 4712 by Hanne, changed."""
    return pytest.param(source, target, user, insurer, reason, error, id=name)


_LINK_REFUSALS = [
    _link("self", "self_link", _TARGET, target=URGENT),
    _link("other-insurers-target", "cross_insurer", _TARGET, target=OTHERS_NORMAL),
    _link("urgent-target", "target_urgent", _TARGET, target=ANOTHER_URGENT),
    _link("discontinued-target", "target_discontinued", _TARGET, target=DISCONTINUED),
    _link("discontinued-source", "discontinued", _STATE, source=DISCONTINUED),
    _link("converted-source", "not_urgent", _STATE, source=CONVERTED),
    _link("partner", "not_insurer_user", _DENIED, user=ANNE),
    _link("other-insurers-user", "not_insurer_user", _DENIED, user=STRANGER),
    _link("authority-too-low", "authority_too_low", _DENIED, insurer=STRICT),
    _link("other-insurers-source", "wrong_insurer", _DENIED, source=OTHERS_URGENT),
]


class TestLink:
    @pytest.mark.parametrize(
        ("source", "target", "user", "insurer", "reason", "error"),
        _LINK_REFUSALS,
    )
    def test_refusals_raise_what_the_guard_answers(
        self,
        source: Case,
        target: Case,
        user: User,
        insurer: Insurer,
        reason: str,
        error: type[RefusedError],
    ) -> None:
        """Every refusal: can_link's reason is the reason link_into raises with."""
        verdict = can_link(source, target, insurer=insurer, user=user)
        assert not verdict
        assert verdict.reason == reason
        with pytest.raises(error) as raised:
            link_into(source, target, insurer=insurer, user=user, at=MONDAY)
        assert type(raised.value) is error
        assert raised.value.reason == reason

    def test_a_discontinued_source_is_no_link_target_error(self) -> None:
        """The source's state is a transition error, not a bad target."""
        with pytest.raises(InvalidTransitionError) as raised:
            link_into(DISCONTINUED, NORMAL, insurer=INSURER, user=HANDLER, at=MONDAY)
        assert not isinstance(raised.value, InvalidLinkTargetError)

    def test_the_guard_names_the_cases_state(self) -> None:
        """A refusing guard's message says why, naming the case."""
        verdict = can_link(DISCONTINUED, NORMAL, insurer=INSURER, user=HANDLER)
        assert "discontinued" in verdict.message
        assert DISCONTINUED.id in verdict.message
        target = can_link(URGENT, ANOTHER_URGENT, insurer=INSURER, user=HANDLER)
        assert "urgent" in target.message
        assert ANOTHER_URGENT.id in target.message

    def test_the_guard_allows_an_open_normal_target(self) -> None:
        """R15: the target may be a normal case the insurer opened or converted."""
        assert can_link(URGENT, NORMAL, insurer=INSURER, user=HANDLER)
        assert can_link(URGENT, CONVERTED, insurer=INSURER, user=HANDLER)

    def test_moves_every_task_and_item_and_discontinues_the_source(self) -> None:
        """R15: tasks move with items, budget and assignment; nothing is lost."""
        source = approve_budget(
            URGENT, insurer=INSURER, user=HANDLER, task_id=REPAIR_TASK, at=MONDAY
        ).case
        for task_id, report in [
            (FIRST_AID_TASK, photo("a.jpg")),
            (FIRST_AID_TASK, photo("b.jpg")),
            (REPAIR_TASK, NOTE),
        ]:
            source = report_item(
                source, user=ANNE, task_id=task_id, report=report, at=MONDAY
            ).case
        source = assign_task(
            source,
            insurer=INSURER,
            user=HANDLER,
            office=BYG,
            task_id=REPAIR_TASK,
            at=MONDAY,
        ).case
        target = assigned_to_byg(NORMAL)
        later = at(7, 11)

        outcome = link_into(source, target, insurer=INSURER, user=CHIEF, at=later)
        discontinued, linked = outcome.cases

        moved = tuple(attrs.evolve(t, origin_case_id=source.id) for t in source.tasks)
        assert linked.tasks == target.tasks + moved
        assert [t.id for t in linked.tasks[1:]] == [FIRST_AID_TASK, REPAIR_TASK]
        assert [t.budget for t in moved] == [
            BudgetState.NOT_REQUIRED,
            BudgetState.APPROVED,
        ]
        assert [t.office_id for t in moved] == [AARHUS.id, BYG.id]
        assert [len(t.items) for t in moved] == [2, 1]
        items = [item.id for t in linked.tasks for item in t.items]
        assert len(items) == len(set(items)) == 3

        assert discontinued.id == source.id
        assert discontinued.status is CaseStatus.DISCONTINUED
        assert discontinued.tasks == ()
        assert discontinued.linked_into == target.id
        assert discontinued.version == source.version + 1
        assert linked.version == target.version + 1
        assert discontinued.log[:-1] == source.log
        assert linked.log[:-1] == target.log
        into = discontinued.log[-1]
        assert (into.action, into.reference("target")) == (
            LogAction.LINKED_INTO,
            target.id,
        )
        assert into.actor_id == CHIEF.id
        assert into.at == later
        came = linked.log[-1]
        assert came.action is LogAction.LINKED_FROM
        assert came.reference("source") == source.id
        assert (came.reference("tasks"), came.reference("items")) == ("2", "3")
        assert outcome.events == (
            CaseLinked(
                INSURER.id,
                source.id,
                target.id,
                (FIRST_AID_TASK, REPAIR_TASK),
                3,
                CHIEF.id,
                later,
            ),
        )

    def test_access_follows_the_tasks(self) -> None:
        """R15: offices with a moved task see the target; others do not."""
        _, linked = link_into(
            URGENT, NORMAL, insurer=INSURER, user=HANDLER, at=MONDAY
        ).cases
        assert can_see(ANNE, linked)
        assert not can_see(BO, linked)

    def test_a_discontinued_case_refuses_every_change(self) -> None:
        """A discontinued case is terminal and read-only."""
        assert DISCONTINUED.tasks == ()
        assert not can_convert(
            DISCONTINUED,
            insurer=INSURER,
            user=HANDLER,
            case_number="4711",
            handler=HANDLER,
        )
        assert not can_link(DISCONTINUED, NORMAL, insurer=INSURER, user=HANDLER)
        assert not can_link(URGENT, DISCONTINUED, insurer=INSURER, user=HANDLER)


class TestVisibility:
    def test_insurer_users_see_only_their_insurers_cases(self) -> None:
        """R10: Tryg's users see Tryg's cases; Topdanmark's see Topdanmark's."""
        for case in (URGENT, NORMAL, CONVERTED, DISCONTINUED):
            assert can_see(HANDLER, case)
            assert not can_see(STRANGER, case)
        assert can_see(STRANGER, OTHERS_URGENT)
        assert not can_see(HANDLER, OTHERS_URGENT)

    @pytest.mark.parametrize("user", [ANNE, OLE], ids=["aarhus", "odense"])
    def test_the_whole_creating_partner_sees_the_case(self, user: User) -> None:
        """R10: every office of the creating partner sees the case at once."""
        assert can_see(user, URGENT)
        assert can_see(user, CONVERTED)
        assert can_see(user, DISCONTINUED)

    def test_another_partner_sees_the_case_only_with_a_task_in_it(self) -> None:
        """R10: Byg sees Aarhus's case once Byg has a task in it."""
        assert not can_see(BO, URGENT)
        assert can_see(BO, assigned_to_byg(URGENT))
        assert not can_see(BO, NORMAL)
        assert can_see(BO, assigned_to_byg(NORMAL))

    def test_partners_see_no_normal_case_without_a_task(self) -> None:
        """A case the insurer opened is not the partners' until they get a task."""
        assert not can_see(ANNE, NORMAL)
        assert not can_see(OLE, NORMAL)

    def test_visible_cases_filters_in_order(self) -> None:
        """visible_cases keeps the given order and drops what the user can't see."""
        byg_case = assigned_to_byg(NORMAL)
        cases = [OTHERS_URGENT, CONVERTED, NORMAL, byg_case, URGENT, DISCONTINUED]
        assert visible_cases(ANNE, cases) == [
            OTHERS_URGENT,
            CONVERTED,
            URGENT,
            DISCONTINUED,
        ]
        assert visible_cases(BO, cases) == [byg_case]
        assert visible_cases(STRANGER, cases) == [OTHERS_URGENT]
        assert visible_cases(HANDLER, cases) == cases[1:]
        assert visible_cases(HANDLER, iter(reversed(cases))) == cases[:0:-1]


class TestGrant:
    @pytest.mark.parametrize(
        "rights",
        [
            {"may_assign_other_partners": True},
            {"may_define_case_id": True},
            {"may_assign_other_partners": True, "may_define_case_id": True},
        ],
        ids=["assign", "case-id", "both"],
    )
    def test_enhanced_rights_need_the_enhanced_switch(
        self, rights: dict[str, bool]
    ) -> None:
        """R6: granting an enhanced right with enhanced off is refused."""
        with pytest.raises(EnhancedNotEnabledError):
            grant(INSURER, AARHUS, Permission.ALWAYS, **rights)

    def test_enhanced_rights_are_granted_when_switched_on(self) -> None:
        """R6: with enhanced on, both rights are kept in the grant."""
        rights = grant(
            ENHANCED,
            AARHUS,
            "always",
            may_assign_other_partners=True,
            may_define_case_id=True,
        )
        assert rights == ENHANCED_GRANT
        assert (rights.insurer_id, rights.office_id) == (INSURER.id, AARHUS.id)

    def test_the_default_is_never(self) -> None:
        """R1: an office granted nothing more has NEVER and no enhanced rights."""
        rights = grant(INSURER, AARHUS)
        assert rights.permission is Permission.NEVER
        assert not rights.may_assign_other_partners
        assert not rights.may_define_case_id

    @pytest.mark.parametrize(
        ("text", "permission"),
        [
            ("outside-office-hours", Permission.OUTSIDE_OFFICE_HOURS),
            ("outside_office_hours", Permission.OUTSIDE_OFFICE_HOURS),
            ("ALWAYS", Permission.ALWAYS),
        ],
    )
    def test_a_permission_code_parses(self, text: str, permission: Permission) -> None:
        """A permission may be given by its code, with - or _."""
        assert grant(INSURER, AARHUS, text).permission is permission

    def test_an_unknown_permission_is_refused(self) -> None:
        """A string naming no permission is InvalidPermissionError."""
        with pytest.raises(InvalidPermissionError):
            grant(INSURER, AARHUS, "sometimes")
