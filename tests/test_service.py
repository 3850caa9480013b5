"""The service over memory storage: every refusal leaves stored data unchanged.

Each refusal is checked for its error type (and reason code, where it has one)
and for what it must not do: the cases of both insurers, read back through a
fresh unit of work, are exactly what they were before.
"""

from __future__ import annotations

from collections.abc import Callable

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
    BudgetRequiredError,
    Case,
    CaseKind,
    CaseNotFoundError,
    CaseQuery,
    CaseStatus,
    CreationRefusedError,
    DuplicateIdentifierError,
    Grant,
    IdempotencyKeyReusedError,
    Insurer,
    InvalidFormError,
    InvalidLinkTargetError,
    InvalidTransitionError,
    ItemKind,
    MemoryStorage,
    NaiveDatetimeError,
    NotPermittedError,
    Office,
    Outcome,
    PartnerUser,
    Permission,
    RefusedError,
    ReportForm,
    TaskNotFoundError,
    TaskRequest,
    UnsupportedLanguageError,
    UrgentCasesError,
    User,
    grant,
)
from urgentcases import UrgentCaseService as Service

REPAIR = "repair"  # needs a budget by default
NEVER = grant(INSURER, AARHUS)
OTHER_ALWAYS = grant(OTHER_INSURER, AARHUS, Permission.ALWAYS)

# The stored world (see `populated`).
URGENT_ID = "Akut-000001"  # first aid with a photo, repair with its budget pending
FIRST_AID_TASK = f"{URGENT_ID}/T1"
REPAIR_TASK = f"{URGENT_ID}/T2"
SECOND_ID = "Akut-000002"  # open urgent, first aid
TARGET_ID = "4712"  # a normal case the insurer opened
GONE_ID = "Akut-000003"  # linked into 4712: discontinued

NOTE = ReportForm(ItemKind.NOTE, text="Pumpe opstillet i kælderen.")
PHOTO = ReportForm(
    ItemKind.PHOTO,
    file_name="kaelder.jpg",
    content_type="image/jpeg",
    size=2_345_678,
    checksum="sha256:00ff",
    storage_uri="s3://claims/kaelder.jpg",
)

Snapshot = dict[str, tuple[list[Case], int]]


def snapshot(storage: MemoryStorage) -> Snapshot:
    """Every stored case of both insurers and their open urgent counts."""
    with storage.unit_of_work() as unit:
        return {
            insurer_id: (
                unit.cases.list(CaseQuery(insurer_id)),
                unit.cases.count_open_urgent(insurer_id),
            )
            for insurer_id in (INSURER.id, OTHER_INSURER.id)
        }


def create(
    service: Service,
    *,
    user: PartnerUser = ANNE,
    insurer: Insurer = INSURER,
    rights: Grant = ALWAYS,
    when: object = SATURDAY_NIGHT,
    key: str | None = None,
    **changes: object,
) -> Outcome:
    """Create an urgent case from the world's form, changed by *changes*."""
    return service.create(
        user=user,
        insurer=insurer,
        grant=rights,
        form=form(**changes),
        at=when,  # type: ignore[arg-type]  # a naive datetime is a datetime too
        idempotency_key=key,
    )


def assign(
    service: Service,
    *,
    user: User = HANDLER,
    case_id: str = URGENT_ID,
    office: Office = BYG,
    task_type: str | None = INSPECTION,
    task_id: str | None = None,
) -> Outcome:
    return service.assign(
        user=user,
        insurer=INSURER,
        case_id=case_id,
        office=office,
        task_type=task_type,
        task_id=task_id,
        at=MONDAY,
    )


def approve(
    service: Service, *, user: User = HANDLER, task_id: str = REPAIR_TASK
) -> Outcome:
    return service.approve_budget(
        user=user, insurer=INSURER, case_id=URGENT_ID, task_id=task_id, at=MONDAY
    )


def report(
    service: Service,
    *,
    user: User = ANNE,
    case_id: str = URGENT_ID,
    task_id: str = FIRST_AID_TASK,
    item: ReportForm = NOTE,
) -> Outcome:
    return service.report(
        user=user,
        insurer=INSURER,
        case_id=case_id,
        task_id=task_id,
        report=item,
        at=MONDAY,
    )


def tag(service: Service, *, user: User = HANDLER, code: str = "STORM") -> Outcome:
    return service.tag_event(
        user=user, insurer=INSURER, case_id=URGENT_ID, event_code=code, at=MONDAY
    )


def convert(
    service: Service,
    *,
    user: User = HANDLER,
    case_id: str = URGENT_ID,
    number: str = "4711",
) -> Outcome:
    return service.convert(
        user=user,
        insurer=INSURER,
        case_id=case_id,
        case_number=number,
        handler=HANDLER,
        at=MONDAY,
    )


def link(
    service: Service,
    *,
    user: User = HANDLER,
    case_id: str = SECOND_ID,
    target_id: str = TARGET_ID,
) -> Outcome:
    return service.link(
        user=user, insurer=INSURER, case_id=case_id, target_id=target_id, at=MONDAY
    )


def populated() -> tuple[MemoryStorage, Service]:
    """Storage with Tryg's four cases (see the ids above) and one of Topdanmark."""
    storage = MemoryStorage()
    service = Service(storage.unit_of_work)
    tasks = (TaskRequest(FIRST_AID, AARHUS), TaskRequest(REPAIR, AARHUS))
    create(service, tasks=tasks)
    report(service, item=PHOTO)
    create(service, when=SUNDAY_MORNING)
    service.open_normal_case(
        insurer=INSURER, case_number=TARGET_ID, handler=CHIEF, at=MONDAY
    )
    create(service, when=SUNDAY_MORNING)
    link(service, case_id=GONE_ID)
    create(service, insurer=OTHER_INSURER, rights=OTHER_ALWAYS)
    return storage, service


def test_the_world_is_what_the_tests_assume() -> None:
    """The stored cases are in the states the tests rely on."""
    storage, service = populated()
    cases, pending = snapshot(storage)[INSURER.id]
    assert [case.id for case in cases] == [URGENT_ID, SECOND_ID, GONE_ID, TARGET_ID]
    assert pending == 2
    by_id = {case.id: case for case in cases}
    assert by_id[GONE_ID].status is CaseStatus.DISCONTINUED
    assert by_id[TARGET_ID].kind is CaseKind.NORMAL
    assert [len(t.items) for t in by_id[URGENT_ID].tasks] == [1, 0]
    others, others_pending = snapshot(storage)[OTHER_INSURER.id]
    assert [case.id for case in others] == ["Akut-000001"]
    assert others_pending == 1
    assert service.pending_count(user=HANDLER, insurer=INSURER) == 2


Action = Callable[[Service], object]


def _refusal(
    name: str, error: type[UrgentCasesError], reason: str | None, action: Action
) -> object:
    return pytest.param(action, error, reason, id=name)


_REFUSALS = [
    # creating
    _refusal(
        "create-never", CreationRefusedError, None, lambda s: create(s, rights=NEVER)
    ),
    _refusal(
        "create-inside-office-hours",
        CreationRefusedError,
        None,
        lambda s: create(s, rights=OUTSIDE_HOURS, when=FRIDAY_MORNING),
    ),
    _refusal(
        "create-invalid-form",
        InvalidFormError,
        None,
        lambda s: create(s, policyholder="", loss_date="2027-01-01"),
    ),
    _refusal(
        "create-task-for-other-partner",
        InvalidFormError,
        None,
        lambda s: create(s, tasks=(TaskRequest(FIRST_AID, BYG),)),
    ),
    _refusal(
        "create-case-id-without-right",
        InvalidFormError,
        None,
        lambda s: create(s, case_id="STORM-7"),
    ),
    _refusal(
        "create-other-office",
        NotPermittedError,
        "not_office_user",
        lambda s: create(s, user=BO),
    ),
    _refusal(
        "create-naive-datetime",
        NaiveDatetimeError,
        None,
        lambda s: create(s, when=SATURDAY_NIGHT.replace(tzinfo=None)),
    ),
    # tasks, budgets, reports, events
    _refusal(
        "assign-invisible",
        NotPermittedError,
        "not_visible",
        lambda s: assign(s, user=BO),
    ),
    _refusal(
        "assign-other-partner",
        NotPermittedError,
        "assign_other_partner",
        lambda s: assign(s, user=ANNE),
    ),
    _refusal(
        "assign-discontinued",
        InvalidTransitionError,
        "discontinued",
        lambda s: assign(s, case_id=GONE_ID),
    ),
    _refusal(
        "assign-unknown-task",
        TaskNotFoundError,
        None,
        lambda s: assign(s, task_type=None, task_id="nope"),
    ),
    _refusal(
        "assign-bad-task-type",
        InvalidFormError,
        None,
        lambda s: assign(s, task_type="First Aid"),
    ),
    _refusal(
        "assign-missing-case",
        CaseNotFoundError,
        None,
        lambda s: assign(s, case_id="Akut-000099"),
    ),
    _refusal(
        "approve-by-partner",
        NotPermittedError,
        "not_insurer_user",
        lambda s: approve(s, user=ANNE),
    ),
    _refusal(
        "approve-not-pending",
        InvalidTransitionError,
        "budget_not_pending",
        lambda s: approve(s, task_id=FIRST_AID_TASK),
    ),
    _refusal(
        "report-before-budget",
        BudgetRequiredError,
        "budget_pending",
        lambda s: report(s, task_id=REPAIR_TASK),
    ),
    _refusal(
        "report-not-assignee",
        NotPermittedError,
        "not_assignee",
        lambda s: report(s, user=OLE),
    ),
    _refusal(
        "report-incomplete",
        InvalidFormError,
        None,
        lambda s: report(s, item=ReportForm(ItemKind.PHOTO, size=-1)),
    ),
    _refusal(
        "report-discontinued",
        InvalidTransitionError,
        "discontinued",
        lambda s: report(s, user=CHIEF, case_id=GONE_ID),
    ),
    _refusal(
        "tag-by-partner",
        NotPermittedError,
        "not_insurer_user",
        lambda s: tag(s, user=ANNE),
    ),
    _refusal("tag-invalid-code", InvalidFormError, None, lambda s: tag(s, code="a b")),
    # to normal
    _refusal(
        "convert-by-partner",
        NotPermittedError,
        "not_insurer_user",
        lambda s: convert(s, user=ANNE),
    ),
    _refusal(
        "convert-by-other-insurer",
        NotPermittedError,
        "not_visible",
        lambda s: convert(s, user=STRANGER),
    ),
    _refusal(
        "convert-number-taken",
        DuplicateIdentifierError,
        "identifier_taken",
        lambda s: convert(s, number=TARGET_ID),
    ),
    _refusal(
        "convert-number-is-an-akut-id",
        DuplicateIdentifierError,
        "identifier_taken",
        lambda s: convert(s, number=SECOND_ID),
    ),
    _refusal(
        "convert-invalid-number",
        InvalidTransitionError,
        "invalid_case_number",
        lambda s: convert(s, number="47 11"),
    ),
    _refusal(
        "convert-normal",
        InvalidTransitionError,
        "not_urgent",
        lambda s: convert(s, case_id=TARGET_ID),
    ),
    _refusal(
        "convert-discontinued",
        InvalidTransitionError,
        "discontinued",
        lambda s: convert(s, case_id=GONE_ID),
    ),
    _refusal(
        "convert-missing",
        CaseNotFoundError,
        None,
        lambda s: convert(s, case_id="Akut-000099"),
    ),
    # link
    _refusal(
        "link-by-partner",
        NotPermittedError,
        "not_insurer_user",
        lambda s: link(s, user=ANNE),
    ),
    _refusal(
        "link-by-other-partner",
        NotPermittedError,
        "not_visible",
        lambda s: link(s, user=BO),
    ),
    _refusal(
        "link-missing-target",
        CaseNotFoundError,
        None,
        lambda s: link(s, target_id="4799"),
    ),
    _refusal(
        "link-into-urgent",
        InvalidLinkTargetError,
        "target_urgent",
        lambda s: link(s, target_id=URGENT_ID),
    ),
    _refusal(
        "link-into-itself",
        InvalidLinkTargetError,
        "self_link",
        lambda s: link(s, target_id=SECOND_ID),
    ),
    _refusal(
        "link-into-discontinued",
        InvalidLinkTargetError,
        "target_discontinued",
        lambda s: link(s, target_id=GONE_ID),
    ),
    _refusal(
        "link-discontinued",
        InvalidTransitionError,
        "discontinued",
        lambda s: link(s, case_id=GONE_ID),
    ),
    # queries and guards
    _refusal(
        "read-invisible",
        NotPermittedError,
        "not_visible",
        lambda s: s.case(user=BO, insurer=INSURER, case_id=URGENT_ID),
    ),
    _refusal(
        "read-other-insurers",
        NotPermittedError,
        "not_visible",
        lambda s: s.case(user=STRANGER, insurer=INSURER, case_id=URGENT_ID),
    ),
    _refusal(
        "read-missing",
        CaseNotFoundError,
        None,
        lambda s: s.case(user=HANDLER, insurer=INSURER, case_id="Akut-000099"),
    ),
    _refusal(
        "pending-count-by-partner",
        NotPermittedError,
        "not_insurer_user",
        lambda s: s.pending_count(user=ANNE, insurer=INSURER),
    ),
    _refusal(
        "pending-count-by-other-insurer",
        NotPermittedError,
        "not_insurer_user",
        lambda s: s.pending_notice(user=STRANGER, insurer=INSURER),
    ),
    _refusal(
        "pending-notice-in-german",
        UnsupportedLanguageError,
        None,
        lambda s: s.pending_notice(
            user=HANDLER,
            insurer=INSURER,
            language="de",  # type: ignore[arg-type]
        ),
    ),
    _refusal(
        "can-convert-invisible",
        NotPermittedError,
        "not_visible",
        lambda s: s.can_convert(
            user=BO,
            insurer=INSURER,
            case_id=URGENT_ID,
            case_number="4711",
            handler=HANDLER,
        ),
    ),
    _refusal(
        "can-link-missing-target",
        CaseNotFoundError,
        None,
        lambda s: s.can_link(
            user=HANDLER, insurer=INSURER, case_id=SECOND_ID, target_id="4799"
        ),
    ),
]


class TestRefusals:
    @pytest.mark.parametrize(("action", "error", "reason"), _REFUSALS)
    def test_a_refusal_raises_its_error_and_changes_nothing(
        self, action: Action, error: type[UrgentCasesError], reason: str | None
    ) -> None:
        """Every refusal raises its typed error and leaves every stored case as is."""
        storage, service = populated()
        before = snapshot(storage)
        with pytest.raises(error) as raised:
            action(service)
        if reason is not None:
            assert isinstance(raised.value, RefusedError)
            assert raised.value.reason == reason
        assert snapshot(storage) == before

    def test_a_refused_create_leaves_the_sequence_usable(self) -> None:
        """After refusals, the next case still gets a fresh Akut id."""
        storage, service = populated()
        with pytest.raises(InvalidFormError):
            create(service, policyholder="")
        case = create(service).case
        assert case.id.startswith("Akut-")
        assert case.id not in {URGENT_ID, SECOND_ID, GONE_ID}
        assert snapshot(storage)[INSURER.id][1] == 3


class TestCreate:
    def test_a_chosen_case_id_that_is_taken_is_a_form_error(self) -> None:
        """R9: a chosen id unique per insurer; a taken one is FieldError 'taken'."""
        storage, service = populated()
        chosen = create(service, insurer=ENHANCED, rights=ENHANCED_GRANT, case_id="S-7")
        assert chosen.case.id == "Akut-S-7"
        before = snapshot(storage)
        for case_id in ("S-7", "Akut-S-7"):
            with pytest.raises(InvalidFormError) as error:
                create(
                    service, insurer=ENHANCED, rights=ENHANCED_GRANT, case_id=case_id
                )
            assert [(e.field, e.code) for e in error.value.errors] == [
                ("case_id", "taken")
            ]
            assert snapshot(storage) == before

    def test_a_taken_case_id_comes_with_the_other_form_errors(self) -> None:
        """R8: a taken id is reported together with every other field error."""
        storage, service = populated()
        create(service, insurer=ENHANCED, rights=ENHANCED_GRANT, case_id="S-7")
        before = snapshot(storage)
        with pytest.raises(InvalidFormError) as error:
            create(
                service,
                insurer=ENHANCED,
                rights=ENHANCED_GRANT,
                case_id="S-7",
                policyholder="",
            )
        assert {(e.field, e.code) for e in error.value.errors} == {
            ("case_id", "taken"),
            ("policyholder", "required"),
        }
        assert snapshot(storage) == before

    @pytest.mark.parametrize(
        ("user", "rights", "error"),
        [
            (BO, ENHANCED_GRANT, NotPermittedError),
            (
                ANNE,
                grant(ENHANCED, AARHUS, Permission.NEVER, may_define_case_id=True),
                CreationRefusedError,
            ),
        ],
        ids=["other-office", "never"],
    )
    def test_a_refused_office_is_refused_before_its_case_id_is_checked(
        self, user: PartnerUser, rights: Grant, error: type[UrgentCasesError]
    ) -> None:
        """Who may create is decided before the form, as in create_urgent_case."""
        storage, service = populated()
        create(service, insurer=ENHANCED, rights=ENHANCED_GRANT, case_id="S-7")
        before = snapshot(storage)
        with pytest.raises(error):
            create(service, user=user, insurer=ENHANCED, rights=rights, case_id="S-7")
        assert snapshot(storage) == before

    def test_a_generated_id_never_collides_with_a_chosen_one(self) -> None:
        """R9: generated ids stay unique when an office chose the next one."""
        storage, service = populated()
        # The world used numbers 1-3; an office chooses the next few numbers.
        for number in ("000004", "000005", "000006"):
            create(service, insurer=ENHANCED, rights=ENHANCED_GRANT, case_id=number)
        before = {case.id for case in snapshot(storage)[INSURER.id][0]}
        generated = create(service).case
        assert generated.id.startswith("Akut-")
        assert generated.id not in before
        assert len(snapshot(storage)[INSURER.id][0]) == len(before) + 1

    def test_the_same_key_twice_creates_one_case(self) -> None:
        """A retry with the same idempotency key returns the first case, no events."""
        storage, service = populated()
        first = create(service, key="retry-1")
        second = create(service, key="retry-1", when=at(5, 22, 1))
        assert second.case.id == first.case.id
        assert second.case == first.case
        assert first.events
        assert second.events == ()
        cases, pending = snapshot(storage)[INSURER.id]
        assert [c.id for c in cases].count(first.case.id) == 1
        assert len(cases) == 5
        assert pending == 3

    @pytest.mark.parametrize(
        ("user", "address"),
        [(ANNE, "Havnegade 1, 8000 Aarhus C"), (OLE, form().address)],
        ids=["other-form", "other-user"],
    )
    def test_the_same_key_with_another_request_is_refused(
        self, user: PartnerUser, address: str
    ) -> None:
        """A key sent again with a different request stores nothing."""
        storage, service = populated()
        first = create(service, key="retry-1")
        before = snapshot(storage)
        rights = grant(INSURER, user.office, Permission.ALWAYS)
        with pytest.raises(IdempotencyKeyReusedError) as error:
            create(service, user=user, rights=rights, key="retry-1", address=address)
        assert error.value.reason == "key_reused"
        assert snapshot(storage) == before
        again = create(service, key="retry-1")
        assert again.case.id == first.case.id

    def test_a_refused_create_does_not_use_up_its_key(self) -> None:
        """A key whose request was refused may be sent again, corrected."""
        storage, service = populated()
        with pytest.raises(InvalidFormError):
            create(service, key="retry-1", policyholder="")
        case = create(service, key="retry-1").case
        assert create(service, key="retry-1").case.id == case.id
        assert len(snapshot(storage)[INSURER.id][0]) == 5

    def test_keys_belong_to_one_insurer(self) -> None:
        """The same key at two insurers creates a case at each."""
        storage, service = populated()
        tryg = create(service, key="retry-1").case
        other = create(
            service, insurer=OTHER_INSURER, rights=OTHER_ALWAYS, key="retry-1"
        ).case
        assert (tryg.insurer_id, other.insurer_id) == (INSURER.id, OTHER_INSURER.id)
        assert len(snapshot(storage)[OTHER_INSURER.id][0]) == 2


class TestGuards:
    def test_can_convert_answers_without_changing_anything(self) -> None:
        """The service's can_convert decides and stores nothing."""
        storage, service = populated()
        before = snapshot(storage)
        allowed = service.can_convert(
            user=HANDLER,
            insurer=INSURER,
            case_id=URGENT_ID,
            case_number="4711",
            handler=HANDLER,
        )
        refused = service.can_convert(
            user=ANNE,
            insurer=INSURER,
            case_id=URGENT_ID,
            case_number="4711",
            handler=HANDLER,
        )
        assert allowed
        assert not refused
        assert refused.reason == "not_insurer_user"
        assert snapshot(storage) == before

    @pytest.mark.parametrize("number", [TARGET_ID, SECOND_ID])
    def test_can_convert_answers_identifier_taken(self, number: str) -> None:
        """R14: a case number already used within the insurer is 'identifier_taken'."""
        storage, service = populated()
        before = snapshot(storage)
        verdict = service.can_convert(
            user=HANDLER,
            insurer=INSURER,
            case_id=URGENT_ID,
            case_number=number,
            handler=HANDLER,
        )
        assert not verdict
        assert verdict.reason == "identifier_taken"
        assert number in verdict.message
        with pytest.raises(DuplicateIdentifierError) as error:
            verdict.raise_if_refused()
        assert error.value.reason == "identifier_taken"
        assert snapshot(storage) == before

    def test_can_link_answers_without_changing_anything(self) -> None:
        """The service's can_link decides and stores nothing."""
        storage, service = populated()
        before = snapshot(storage)
        allowed = service.can_link(
            user=HANDLER, insurer=INSURER, case_id=SECOND_ID, target_id=TARGET_ID
        )
        refused = service.can_link(
            user=HANDLER, insurer=INSURER, case_id=SECOND_ID, target_id=URGENT_ID
        )
        assert allowed
        assert not refused
        assert refused.reason == "target_urgent"
        assert snapshot(storage) == before

    @pytest.mark.parametrize(
        ("user", "case_id", "number"),
        [
            (HANDLER, URGENT_ID, TARGET_ID),
            (HANDLER, URGENT_ID, "47 11"),
            (ANNE, URGENT_ID, "4711"),
            (ANNE, URGENT_ID, TARGET_ID),
            (HANDLER, GONE_ID, TARGET_ID),
        ],
        ids=[
            "taken",
            "invalid",
            "partner",
            "partner-and-taken",
            "discontinued-and-taken",
        ],
    )
    def test_convert_refuses_with_the_reason_can_convert_gives(
        self, user: User, case_id: str, number: str
    ) -> None:
        """The guard and the action agree on why: the first refusal wins in both."""
        storage, service = populated()
        before = snapshot(storage)
        verdict = service.can_convert(
            user=user,
            insurer=INSURER,
            case_id=case_id,
            case_number=number,
            handler=HANDLER,
        )
        assert not verdict
        with pytest.raises(RefusedError) as error:
            convert(service, user=user, case_id=case_id, number=number)
        assert error.value.reason == verdict.reason
        assert snapshot(storage) == before


class TestActions:
    def test_convert_changes_only_its_case(self) -> None:
        """R14: the converted case is found by number and former id; others stay."""
        storage, service = populated()
        before = {c.id: c for c in snapshot(storage)[INSURER.id][0]}
        outcome = convert(service)
        after = {c.id: c for c in snapshot(storage)[INSURER.id][0]}
        assert after.pop(URGENT_ID) == outcome.case
        before.pop(URGENT_ID)
        assert after == before
        found = service.case(user=HANDLER, insurer=INSURER, case_id="4711")
        assert found == outcome.case
        assert found.kind is CaseKind.NORMAL
        assert service.pending_count(user=HANDLER, insurer=INSURER) == 1

    def test_link_changes_exactly_source_and_target(self) -> None:
        """R15, R16: a link stores both changed cases, nothing else."""
        storage, service = populated()
        before = {c.id: c for c in snapshot(storage)[INSURER.id][0]}
        outcome = link(service)
        after = {c.id: c for c in snapshot(storage)[INSURER.id][0]}
        source, target = outcome.cases
        assert after.pop(SECOND_ID) == source
        assert after.pop(TARGET_ID) == target
        assert source.status is CaseStatus.DISCONTINUED
        assert source.version == before.pop(SECOND_ID).version + 1
        assert target.version == before.pop(TARGET_ID).version + 1
        assert after == before
        assert service.pending_count(user=HANDLER, insurer=INSURER) == 1

    def test_a_second_link_of_the_same_case_is_refused(self) -> None:
        """R16: once linked, the case is discontinued; a repeat changes nothing."""
        storage, service = populated()
        link(service)
        before = snapshot(storage)
        with pytest.raises(InvalidTransitionError) as error:
            link(service)
        assert error.value.reason == "discontinued"
        assert snapshot(storage) == before

    def test_reports_after_budget_approval_are_stored(self) -> None:
        """R11: approving the repair budget lets its office report."""
        _, service = populated()
        approve(service)
        outcome = report(service, task_id=REPAIR_TASK)
        stored = service.case(user=ANNE, insurer=INSURER, case_id=URGENT_ID)
        assert stored == outcome.case
        task = stored.task(REPAIR_TASK)
        assert task is not None
        assert [item.id for item in task.items] == [f"{REPAIR_TASK}/1"]
