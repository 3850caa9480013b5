"""The article, end to end, in memory."""

from __future__ import annotations

from tests.world import (
    AARHUS,
    ANNE,
    BO,
    CHIEF,
    HANDLER,
    INSURER,
    MONDAY,
    OUTSIDE_HOURS,
    SATURDAY_NIGHT,
    SUNDAY_MORNING,
    at,
    form,
)
from urgentcases import (
    CaseConverted,
    CaseCreated,
    CaseKind,
    CaseLinked,
    CaseStatus,
    ItemKind,
    LogAction,
    MemoryStorage,
    ReportForm,
    UrgentCaseService,
    decide_creation,
)


def photo(name: str) -> ReportForm:
    return ReportForm(
        ItemKind.PHOTO,
        file_name=name,
        content_type="image/jpeg",
        size=2_345_678,
        checksum="sha256:00ff",
        storage_uri=f"s3://claims/{name}",
    )


def test_the_story_of_the_article() -> None:
    """Saturday night: Aarhus creates two urgent cases with first aid and photos;
    on Monday the insurer converts one and links the other into its own case.
    """
    service = UrgentCaseService(MemoryStorage().unit_of_work)
    assert decide_creation(
        OUTSIDE_HOURS.permission, INSURER.office_hours, SATURDAY_NIGHT
    )

    first = service.create(
        user=ANNE, insurer=INSURER, grant=OUTSIDE_HOURS, form=form(), at=SATURDAY_NIGHT
    )
    case = first.case
    assert case.id == "Akut-000001"
    assert case.kind is CaseKind.URGENT
    assert isinstance(first.events[0], CaseCreated)
    task = case.tasks[0]
    assert task.office_id == AARHUS.id

    # First aid needs no budget: photos are reported at once.
    for name in ("kaelder-1.jpg", "kaelder-2.jpg"):
        service.report(
            user=ANNE,
            insurer=INSURER,
            case_id=case.id,
            task_id=task.id,
            report=photo(name),
            at=at(5, 22, 30),
        )
    assert service.pending_notice(user=HANDLER, insurer=INSURER) == (
        "1 sag skal tilknyttes"
    )
    assert service.pending_notice(user=HANDLER, insurer=INSURER, language="en") == (
        "1 case must be linked"
    )

    second = service.create(
        user=ANNE,
        insurer=INSURER,
        grant=OUTSIDE_HOURS,
        form=form(address="Havnegade 1, 8000 Aarhus C"),
        at=SUNDAY_MORNING,
    ).case
    service.report(
        user=ANNE,
        insurer=INSURER,
        case_id=second.id,
        task_id=second.tasks[0].id,
        report=photo("havn.jpg"),
        at=SUNDAY_MORNING,
    )
    assert service.pending_notice(user=HANDLER, insurer=INSURER) == (
        "2 sager skal tilknyttes"
    )
    urgent = service.cases(user=HANDLER, insurer=INSURER, urgent_only=True)
    assert [c.id for c in urgent] == ["Akut-000001", "Akut-000002"]

    # Monday: to normal, with case number and handler.
    converted = service.convert(
        user=HANDLER,
        insurer=INSURER,
        case_id=case.id,
        case_number="4711",
        handler=HANDLER,
        at=MONDAY,
    )
    assert isinstance(converted.events[0], CaseConverted)
    normal = service.case(user=HANDLER, insurer=INSURER, case_id="4711")
    assert normal.kind is CaseKind.NORMAL
    assert normal.handler_id == HANDLER.id
    assert service.case(user=HANDLER, insurer=INSURER, case_id="Akut-000001") == normal
    assert normal.log[-1].action is LogAction.CONVERTED
    assert normal.log[-1].reference("former_id") == "Akut-000001"

    # Link the other one into a case the insurer opened itself.
    target = service.open_normal_case(
        insurer=INSURER, case_number="4712", handler=CHIEF, at=MONDAY
    )
    linked = service.link(
        user=CHIEF, insurer=INSURER, case_id=second.id, target_id=target.id, at=MONDAY
    )
    assert isinstance(linked.events[0], CaseLinked)
    source = service.case(user=HANDLER, insurer=INSURER, case_id=second.id)
    into = service.case(user=HANDLER, insurer=INSURER, case_id="4712")
    assert source.status is CaseStatus.DISCONTINUED
    assert source.tasks == ()
    assert source.log[-1].reference("target") == "4712"
    photos = [item.file_name for t in into.tasks for item in t.items]
    assert photos == ["havn.jpg"]
    assert into.tasks[0].origin_case_id == second.id
    assert into.log[-1].action is LogAction.LINKED_FROM
    assert into.log[-1].reference("source") == second.id

    # Access follows the tasks: Aarhus sees the insurer's case now; Byg does not.
    assert [c.id for c in service.cases(user=ANNE, insurer=INSURER)] == [
        "Akut-000001",
        "Akut-000002",
        "4712",
    ]
    assert service.cases(user=BO, insurer=INSURER) == []
    assert service.pending_notice(user=HANDLER, insurer=INSURER) == (
        "0 sager skal tilknyttes"
    )
