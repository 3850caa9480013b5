"""The service against a tiny model, step by step (R10-R16).

A hypothesis state machine drives `UrgentCaseService` over `MemoryStorage`
beside a model of plain dicts: which cases exist and in which state, which
tasks and reported items exist and in which case, each task's office and
budget, each case's partner, version and log length, and which idempotency
keys and identifiers are taken. Every rule predicts from the model whether the
action is allowed; a refused action must raise an `UrgentCasesError` of a
type the model expects and leave storage exactly as it was. The invariants,
checked after every step, compare storage with the model.

How much runs: over memory, as many examples as the loaded hypothesis profile
asks for (``settings().max_examples``), each of up to `STEPS` = 100 steps: 60
examples x 100 steps under ``dev`` (local runs, a few seconds), 300 examples x
100 steps under ``ci`` (well under a minute). The same machine runs over the SQL
storage, on a SQLite file and on PostgreSQL, with a tenth of the examples (6
under ``dev``, 30 under ``ci``) of up to `SQL_STEPS` = 40 steps each: every
step there costs real queries. Shrinking a failure takes longer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TypeAlias, TypeVar

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from tests.backends import NO_POSTGRES, POSTGRES_URL, open_storage
from tests.world import (
    AARHUS,
    ALWAYS,
    ANNE,
    BO,
    BYG,
    CHIEF,
    ENHANCED,
    ENHANCED_GRANT,
    HANDLER,
    INSURER,
    ODENSE,
    OLE,
    OUTSIDE_HOURS,
    SATURDAY_NIGHT,
    STRANGER,
    form,
)
from urgentcases import (
    FIRST_AID,
    INSPECTION,
    BudgetRequiredError,
    BudgetState,
    Case,
    CaseConverted,
    CaseCreated,
    CaseKind,
    CaseLinked,
    CaseNotFoundError,
    CaseQuery,
    CaseStatus,
    DuplicateIdentifierError,
    Grant,
    IdempotencyKeyReusedError,
    Insurer,
    InsurerUser,
    InvalidFormError,
    InvalidLinkTargetError,
    InvalidTransitionError,
    ItemKind,
    LogAction,
    LogEntry,
    MemoryStorage,
    NotPermittedError,
    Office,
    PartnerUser,
    ReportForm,
    TaskNotFoundError,
    TaskRequest,
    UrgentCaseForm,
    UrgentCasesError,
    UrgentCaseService,
    User,
)

STEPS = 100
"""Steps per example; the number of examples comes from the hypothesis profile."""

REPAIR = "repair"  # needs an approved budget before reports (the default setting)

OPEN_URGENT = "open urgent"
OPEN_NORMAL = "open normal"
DISCONTINUED = "discontinued"
TERMINAL = frozenset({OPEN_NORMAL, DISCONTINUED})

# Rules draw names, so that a failing example reads as a short story.
PARTNER_USERS = (ANNE, OLE, BO)
USERS: dict[str, User] = {
    user.id: user for user in (ANNE, OLE, BO, HANDLER, CHIEF, STRANGER)
}
HANDLERS = {user.id: user for user in (HANDLER, CHIEF, STRANGER)}
# Insurer actions are drawn mostly by the insurer's users, so that they succeed.
ACTORS = ("hanne", "karl", "karl", "anne", "ole", "bo", "sven")
OFFICES = {office.id: office for office in (AARHUS, ODENSE, BYG)}

# Creation: the insurer's portal with the enhanced switch off or on, and the
# grants Aarhus may hold; only Anne works in Aarhus.
INSURERS = {"tryg": INSURER, "tryg-enhanced": ENHANCED}
GRANTS = {"outside-hours": OUTSIDE_HOURS, "always": ALWAYS, "enhanced": ENHANCED_GRANT}
FORMS = {
    "first-aid-aarhus": form(),
    "two-offices": form(
        tasks=(TaskRequest(FIRST_AID, AARHUS), TaskRequest(INSPECTION, ODENSE)),
        address="Havnegade 1, 8000 Aarhus C",
    ),
    "repair-byg": form(
        tasks=(TaskRequest(REPAIR, BYG),), description="Stormskade på taget."
    ),
    "unassigned-repair": form(
        tasks=(TaskRequest(REPAIR, None), TaskRequest(FIRST_AID, AARHUS))
    ),
    "no-tasks": form(tasks=(), event_code="STORM-ARWEN"),
    "incomplete": form(policyholder=""),
}
# Ids an office may choose, and the id each becomes (R9). Some look like
# generated ids or case numbers, so that they collide with them.
CHOSEN_IDS = {
    "STORM-7": "Akut-STORM-7",
    "Akut-STORM-7": "Akut-STORM-7",
    "4711": "Akut-4711",
    "Akut-000003": "Akut-000003",
}
KEYS = ("key-1", "key-2")
EVENT_CODES = ("STORM-ARWEN", "SKYBRUD-2026", "no code")
# Converting and linking under the portal's default (any level may act) and
# under a minimum authority level of 4, which Hanne (3) lacks and Karl (6) has.
ACTING_INSURERS = {
    "tryg": INSURER,
    "tryg-level-4": attrs.evolve(INSURER, min_authority_level=4),
}
# Case numbers for to-normal and for the insurer's own cases; the last one is
# not a case number at all.
CASE_NUMBERS = (
    "4711",
    "4712",
    "4713",
    "4714",
    "4715",
    "4716",
    "Akut-000002",
    "Akut-STORM-7",
    "47 11",
)
REPORTS = {
    "note": ReportForm(ItemKind.NOTE, text="Kælderen er pumpet tom."),
    "photo": ReportForm(
        ItemKind.PHOTO,
        file_name="kaelder.jpg",
        content_type="image/jpeg",
        size=2_345_678,
        checksum="sha256:00ff",
        storage_uri="s3://claims/kaelder.jpg",
    ),
    "empty-note": ReportForm(ItemKind.NOTE, text="  "),
}

T = TypeVar("T")

OUT_OF_SCOPE = "out of scope"
PARTNERS_NEVER = "partners never convert or link"
DECIDED_FIRST = frozenset({OUT_OF_SCOPE})
"""Refusals that win over any other: who may not see a case learns nothing else
about it. (Partners who see a case but may not act: see `TestPartnersLearnNothing`.)
"""
Fingerprint: TypeAlias = tuple[PartnerUser, Grant, UrgentCaseForm]
Refusals: TypeAlias = list[tuple[str, type[UrgentCasesError]]]
"""Every reason the model sees to refuse an action, with the error it expects.

An action with several reasons may raise any of their errors: the model does
not prescribe in which order the library checks.
"""
Snapshot: TypeAlias = tuple[
    list[Case], dict[str, tuple[str, str] | None], dict[str, str | None]
]


def state_of(case: Case) -> str:
    """The case's state: open urgent, open normal or discontinued; nothing else."""
    states = {
        (CaseKind.URGENT, CaseStatus.OPEN): OPEN_URGENT,
        (CaseKind.NORMAL, CaseStatus.OPEN): OPEN_NORMAL,
        (CaseKind.URGENT, CaseStatus.DISCONTINUED): DISCONTINUED,
    }
    state = states.get((case.kind, case.status))
    assert state is not None, f"case {case.id} is {case.kind} and {case.status}"
    return state


@attrs.define
class ModelCase:
    state: str
    partner_id: str | None
    version: int
    log_length: int
    event_code: str | None = None


@attrs.define
class Model:
    """What the service should have stored, in plain dicts."""

    cases: dict[str, ModelCase] = attrs.Factory(dict)
    identifiers: dict[str, str] = attrs.Factory(dict)  # id or case number -> id
    task_case: dict[str, str] = attrs.Factory(dict)
    task_office: dict[str, str | None] = attrs.Factory(dict)
    task_budget: dict[str, BudgetState] = attrs.Factory(dict)
    item_task: dict[str, str] = attrs.Factory(dict)
    keys: dict[str, tuple[str, Fingerprint]] = attrs.Factory(dict)

    def tasks_of(self, case_id: str) -> set[str]:
        return {task for task, case in self.task_case.items() if case == case_id}

    def items_of(self, task_ids: set[str]) -> set[str]:
        return {item for item, task in self.item_task.items() if task in task_ids}

    def in_scope(self, user: User, case_id: str) -> bool:
        """R10, from the model: who may see (and so act on) the case."""
        if isinstance(user, InsurerUser):
            return user.insurer_id == INSURER.id
        return self.cases[case_id].partner_id == user.partner_id or any(
            self.task_office[task] == user.office.id for task in self.tasks_of(case_id)
        )

    def visible_to(self, user: User) -> set[str]:
        return {case_id for case_id in self.cases if self.in_scope(user, case_id)}

    def changed(self, *case_ids: str, entries: int = 1) -> None:
        for case_id in case_ids:
            self.cases[case_id].version += 1
            self.cases[case_id].log_length += entries


def refuse_if(
    refusals: Refusals, condition: bool, why: str, error: type[UrgentCasesError]
) -> None:
    if condition:
        refusals.append((why, error))


class UrgentCaseMachine(RuleBasedStateMachine):
    """Commands of every kind, by every kind of user, on cases the machine made."""

    cases: Bundle[str] = Bundle("cases")
    tasks: Bundle[str] = Bundle("tasks")

    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.opened = open_storage(self.backend)
        self.storage = self.opened.storage
        self.service = UrgentCaseService(self.storage.unit_of_work)
        self.model = Model()
        self.now = SATURDAY_NIGHT
        self.unbundled_tasks: list[str] = []
        self.seen_states: dict[str, str] = {}
        self.seen_logs: dict[str, tuple[LogEntry, ...]] = {}
        self.seen_versions: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------------

    def tick(self) -> None:
        """Time moves forward a minute per step and stays on the weekend."""
        self.now += timedelta(minutes=1)
        assert self.now.weekday() in (5, 6), "too many steps for one weekend"

    def stored(self) -> dict[str, Case]:
        with self.storage.unit_of_work() as unit:
            return {case.id: case for case in unit.cases.list(CaseQuery(INSURER.id))}

    def snapshot(self) -> Snapshot:
        """Everything a refused action must leave as it was."""
        names = {*self.model.identifiers, *CASE_NUMBERS, *CHOSEN_IDS.values()}
        with self.storage.unit_of_work() as unit:
            cases = unit.cases.list(CaseQuery(INSURER.id))
            keys = {key: unit.cases.idempotent(INSURER.id, key) for key in KEYS}
            found = {
                name: None
                if (case := unit.cases.find(INSURER.id, name)) is None
                else case.id
                for name in sorted(names)
            }
        return cases, keys, found

    def attempt(
        self, label: str, refusals: Refusals, action: Callable[[], T]
    ) -> T | None:
        """Run *action*; None when it was refused, as the model expected.

        A refusal must be a library error of a type the model expects, and
        must leave storage exactly as it was. Whoever may not see the case is
        told only that (`DECIDED_FIRST`); otherwise the model does not say in
        which order the library checks.
        """
        self.tick()
        before = self.snapshot()
        error: UrgentCasesError | None = None
        try:
            result = action()
        except UrgentCasesError as raised:
            error = raised
        event(f"{label}: " + (refusals[0][0] if refusals else "allowed"))
        if error is None:
            assert not refusals, f"allowed although the model refuses: {refusals}"
            return result
        assert self.snapshot() == before, f"{error!r} changed storage"
        assert refusals, f"refused although the model allows it: {error!r}"
        first = [refusal for refusal in refusals if refusal[0] in DECIDED_FIRST]
        expected = tuple(error_type for _, error_type in first or refusals)
        assert isinstance(error, expected), (
            f"{error!r} is none of {expected} (model: {refusals})"
        )
        return None

    def case_for(self, case_id: str, task_id: str, own: bool) -> str:
        """The task's own case, or the drawn one (so that tasks are not found)."""
        return self.model.task_case.get(task_id, case_id) if own else case_id

    def steer(self, data: st.DataObject, case_id: str, state: str) -> str:
        """Often a case in *state* rather than the drawn one.

        So that the rule succeeds now and then; the drawn case still hits
        every guard.
        """
        candidates = sorted(c for c, m in self.model.cases.items() if m.state == state)
        steered: bool = data.draw(st.booleans(), label=f"pick an {state} case")
        if candidates and steered:
            return data.draw(st.sampled_from(candidates), label=state)
        return case_id

    # -- rules ---------------------------------------------------------------------

    @initialize(target=cases)
    def an_urgent_case(self) -> str | MultipleResults[str]:
        """Start with one case of each kind, so that links can happen early."""
        return self.create(
            user_id="anne",
            insurer_name="tryg",
            grant_name="outside-hours",
            form_name="two-offices",
            chosen=None,
            key=None,
        )

    @initialize(target=cases)
    def a_normal_case(self) -> str | MultipleResults[str]:
        return self.open_normal_case(number="4700", handler_id="karl")

    @rule(
        target=cases,
        user_id=st.sampled_from(("anne", "anne", "anne", "anne", "ole", "bo")),
        insurer_name=st.sampled_from(sorted(INSURERS)),
        grant_name=st.sampled_from(sorted(GRANTS)),
        form_name=st.sampled_from(sorted(FORMS)),
        chosen=st.sampled_from((*[None] * 6, *CHOSEN_IDS)),
        key=st.sampled_from((None, *KEYS)),
    )
    def create(
        self,
        user_id: str,
        insurer_name: str,
        grant_name: str,
        form_name: str,
        chosen: str | None,
        key: str | None,
    ) -> str | MultipleResults[str]:
        model = self.model
        user = USERS[user_id]
        assert isinstance(user, PartnerUser)
        insurer, grant = INSURERS[insurer_name], GRANTS[grant_name]
        the_form = attrs.evolve(FORMS[form_name], case_id=chosen)
        fingerprint = (user, grant, the_form)
        if key is not None and key in model.keys:
            if model.keys[key][1] == fingerprint:
                self.retry(key, insurer)
                return multiple()
            refusals: Refusals = [("key reused", IdempotencyKeyReusedError)]
        else:
            refusals = self.creation_refusals(user, insurer, grant, the_form)
        outcome = self.attempt(
            "create",
            refusals,
            lambda: self.service.create(
                user=user,
                insurer=insurer,
                grant=grant,
                form=the_form,
                at=self.now,
                idempotency_key=key,
            ),
        )
        if outcome is None:
            return multiple()
        case = outcome.case
        assert "Akut" in case.id
        assert case.id not in model.identifiers, f"{case.id} was taken already"
        if chosen is not None:
            assert case.id == CHOSEN_IDS[chosen]
        assert (case.kind, case.status, case.version) == (
            CaseKind.URGENT,
            CaseStatus.OPEN,
            1,
        )
        assert (case.office_id, case.partner_id) == (user.office.id, user.partner_id)
        assert [(t.type, t.office_id) for t in case.tasks] == [
            (r.type, None if r.office is None else r.office.id) for r in the_form.tasks
        ]
        assert isinstance(outcome.events[0], CaseCreated)
        assert case.log[0].action is LogAction.CREATED
        # Created, then each task added, and assigned if it has an office.
        assert len(case.log) == 1 + len(the_form.tasks) + sum(
            r.office is not None for r in the_form.tasks
        )
        model.cases[case.id] = ModelCase(
            OPEN_URGENT, user.partner_id, 1, len(case.log), the_form.event_code
        )
        model.identifiers[case.id] = case.id
        for task in case.tasks:
            self.add_task(case.id, task.id, task.type, task.office_id)
        if key is not None:
            model.keys[key] = (case.id, fingerprint)
        return case.id

    @precondition(lambda self: bool(self.model.keys))
    @rule(data=st.data(), insurer_name=st.sampled_from(sorted(INSURERS)))
    def retry_create(self, data: st.DataObject, insurer_name: str) -> None:
        """A flaky network: a request that created a case arrives again."""
        key = data.draw(st.sampled_from(sorted(self.model.keys)), label="key")
        self.retry(key, INSURERS[insurer_name])

    def retry(self, key: str, insurer: Insurer) -> None:
        """The retry answers with the case the key created and changes nothing."""
        known, (user, grant, the_form) = self.model.keys[key]
        self.tick()
        before = self.snapshot()
        replay = self.service.create(
            user=user,
            insurer=insurer,
            grant=grant,
            form=the_form,
            at=self.now,
            idempotency_key=key,
        )
        event("create: retry")
        assert replay.case.id == known, "a retry returned another case"
        assert replay.case == self.stored()[known]
        assert replay.events == ()
        assert self.snapshot() == before, "a retry changed storage"

    def creation_refusals(
        self,
        user: PartnerUser,
        insurer: Insurer,
        grant: Grant,
        the_form: UrgentCaseForm,
    ) -> Refusals:
        refusals: Refusals = []
        chosen = the_form.case_id
        defines = grant.may_define_case_id and insurer.enhanced
        refuse_if(
            refusals,
            user.office.id != grant.office_id,
            "not the granted office's user",
            NotPermittedError,
        )
        refuse_if(
            refusals,
            chosen is not None and not defines,
            "may not choose the id",
            InvalidFormError,
        )
        refuse_if(
            refusals,
            chosen is not None
            and defines
            and bool({chosen, CHOSEN_IDS[chosen]} & self.model.identifiers.keys()),
            "chosen id taken",
            InvalidFormError,
        )
        assigns_others = grant.may_assign_other_partners and insurer.enhanced
        refuse_if(
            refusals,
            any(
                r.office is not None and r.office.partner_id != user.partner_id
                for r in the_form.tasks
            )
            and not assigns_others,
            "task for another partner",
            InvalidFormError,
        )
        refuse_if(
            refusals, not the_form.policyholder, "incomplete form", InvalidFormError
        )
        return refusals

    def add_task(
        self, case_id: str, task_id: str, task_type: str, office_id: str | None
    ) -> None:
        model = self.model
        assert task_id not in model.task_case, f"task id {task_id} was taken"
        model.task_case[task_id] = case_id
        model.task_office[task_id] = office_id
        model.task_budget[task_id] = (
            BudgetState.PENDING if task_type == REPAIR else BudgetState.NOT_REQUIRED
        )
        self.unbundled_tasks.append(task_id)

    @precondition(lambda self: bool(self.unbundled_tasks))
    @rule(target=tasks)
    def learn_tasks(self) -> MultipleResults[str]:
        """Put the tasks the last commands made into the bundle."""
        fresh, self.unbundled_tasks = self.unbundled_tasks, []
        return multiple(*fresh)

    @rule(
        target=cases,
        number=st.sampled_from(CASE_NUMBERS),
        handler_id=st.sampled_from(("hanne", "karl")),
    )
    def open_normal_case(
        self, number: str, handler_id: str
    ) -> str | MultipleResults[str]:
        """The insurer opens a case of its own, a link target."""
        handler = HANDLERS[handler_id]
        refusals: Refusals = []
        refuse_if(
            refusals,
            number in self.model.identifiers,
            "number taken",
            DuplicateIdentifierError,
        )
        refuse_if(refusals, " " in number, "not a case number", InvalidFormError)
        case = self.attempt(
            "open normal case",
            refusals,
            lambda: self.service.open_normal_case(
                insurer=INSURER, case_number=number, handler=handler, at=self.now
            ),
        )
        if case is None:
            return multiple()
        assert (case.id, case.case_number, state_of(case)) == (
            number,
            number,
            OPEN_NORMAL,
        )
        self.model.cases[number] = ModelCase(OPEN_NORMAL, None, 1, len(case.log))
        self.model.identifiers[number] = number
        return number

    @rule(
        target=tasks,
        user_id=st.sampled_from(sorted(USERS)),
        case_id=cases,
        office_id=st.sampled_from(sorted(OFFICES)),
        task_type=st.sampled_from((FIRST_AID, INSPECTION, REPAIR)),
        grant_name=st.sampled_from((None, "outside-hours", "enhanced")),
        insurer_name=st.sampled_from(sorted(INSURERS)),
    )
    def assign_new_task(
        self,
        user_id: str,
        case_id: str,
        office_id: str,
        task_type: str,
        grant_name: str | None,
        insurer_name: str,
    ) -> str | MultipleResults[str]:
        user, office, insurer = (
            USERS[user_id],
            OFFICES[office_id],
            INSURERS[insurer_name],
        )
        grant = None if grant_name is None else GRANTS[grant_name]
        outcome = self.attempt(
            "assign new task",
            self.assign_refusals(user, case_id, office, grant, insurer, None),
            lambda: self.service.assign(
                user=user,
                insurer=insurer,
                case_id=case_id,
                office=office,
                task_type=task_type,
                grant=grant,
                at=self.now,
            ),
        )
        if outcome is None:
            return multiple()
        task = outcome.case.tasks[-1]
        assert (task.type, task.office_id) == (task_type, office.id)
        self.add_task(case_id, task.id, task_type, office.id)
        self.unbundled_tasks.remove(task.id)
        self.model.changed(case_id, entries=2)  # the task added, and assigned
        return task.id

    @rule(
        user_id=st.sampled_from(sorted(USERS)),
        case_id=cases,
        task_id=tasks,
        own=st.booleans(),
        office_id=st.sampled_from(sorted(OFFICES)),
        grant_name=st.sampled_from((None, "outside-hours", "enhanced")),
        insurer_name=st.sampled_from(sorted(INSURERS)),
    )
    def reassign_task(
        self,
        user_id: str,
        case_id: str,
        task_id: str,
        own: bool,
        office_id: str,
        grant_name: str | None,
        insurer_name: str,
    ) -> None:
        user, office, insurer = (
            USERS[user_id],
            OFFICES[office_id],
            INSURERS[insurer_name],
        )
        grant = None if grant_name is None else GRANTS[grant_name]
        case_id = self.case_for(case_id, task_id, own)
        outcome = self.attempt(
            "reassign task",
            self.assign_refusals(user, case_id, office, grant, insurer, task_id),
            lambda: self.service.assign(
                user=user,
                insurer=insurer,
                case_id=case_id,
                office=office,
                task_id=task_id,
                grant=grant,
                at=self.now,
            ),
        )
        if outcome is not None:
            self.model.task_office[task_id] = office.id
            self.model.changed(case_id)

    def assign_refusals(
        self,
        user: User,
        case_id: str,
        office: Office,
        grant: Grant | None,
        insurer: Insurer,
        task_id: str | None,
    ) -> Refusals:
        model = self.model
        state = model.cases[case_id].state
        refusals: Refusals = []
        refuse_if(
            refusals,
            not model.in_scope(user, case_id),
            OUT_OF_SCOPE,
            NotPermittedError,
        )
        refuse_if(
            refusals, state == DISCONTINUED, "discontinued", InvalidTransitionError
        )
        if isinstance(user, PartnerUser):
            refuse_if(
                refusals,
                state != OPEN_URGENT,
                "partners assign only in urgent cases",
                NotPermittedError,
            )
            may_assign_others = (
                grant is not None
                and grant.office_id == user.office.id
                and grant.may_assign_other_partners
                and insurer.enhanced
            )
            refuse_if(
                refusals,
                office.partner_id != user.partner_id and not may_assign_others,
                "office of another partner",
                NotPermittedError,
            )
        refuse_if(
            refusals,
            task_id is not None and model.task_case.get(task_id) != case_id,
            "no such task in the case",
            TaskNotFoundError,
        )
        return refusals

    @rule(
        user_id=st.sampled_from(ACTORS),
        case_id=cases,
        task_id=tasks,
        own=st.booleans(),
    )
    def approve_budget(
        self, user_id: str, case_id: str, task_id: str, own: bool
    ) -> None:
        user = USERS[user_id]
        case_id = self.case_for(case_id, task_id, own)
        model = self.model
        refusals: Refusals = []
        refuse_if(
            refusals,
            not model.in_scope(user, case_id),
            OUT_OF_SCOPE,
            NotPermittedError,
        )
        refuse_if(
            refusals,
            model.cases[case_id].state == DISCONTINUED,
            "discontinued",
            InvalidTransitionError,
        )
        refuse_if(
            refusals,
            not isinstance(user, InsurerUser),
            "partners do not approve budgets",
            NotPermittedError,
        )
        in_case = model.task_case.get(task_id) == case_id
        refuse_if(refusals, not in_case, "no such task", TaskNotFoundError)
        refuse_if(
            refusals,
            in_case and model.task_budget[task_id] is not BudgetState.PENDING,
            "budget not pending",
            InvalidTransitionError,
        )
        outcome = self.attempt(
            "approve budget",
            refusals,
            lambda: self.service.approve_budget(
                user=user,
                insurer=INSURER,
                case_id=case_id,
                task_id=task_id,
                at=self.now,
            ),
        )
        if outcome is not None:
            model.task_budget[task_id] = BudgetState.APPROVED
            model.changed(case_id)

    @rule(
        user_id=st.sampled_from(sorted(USERS)),
        case_id=cases,
        task_id=tasks,
        own=st.booleans(),
        report_name=st.sampled_from(sorted(REPORTS)),
    )
    def report(
        self, user_id: str, case_id: str, task_id: str, own: bool, report_name: str
    ) -> None:
        user, report = USERS[user_id], REPORTS[report_name]
        case_id = self.case_for(case_id, task_id, own)
        model = self.model
        refusals: Refusals = []
        refuse_if(
            refusals,
            not model.in_scope(user, case_id),
            OUT_OF_SCOPE,
            NotPermittedError,
        )
        refuse_if(
            refusals,
            model.cases[case_id].state == DISCONTINUED,
            "discontinued",
            InvalidTransitionError,
        )
        in_case = model.task_case.get(task_id) == case_id
        refuse_if(refusals, not in_case, "no such task", TaskNotFoundError)
        if in_case:
            refuse_if(
                refusals,
                isinstance(user, PartnerUser)
                and model.task_office[task_id] != user.office.id,
                "not the task's office",
                NotPermittedError,
            )
            refuse_if(
                refusals,
                model.task_budget[task_id] is BudgetState.PENDING,
                "budget pending",
                BudgetRequiredError,
            )
        refuse_if(
            refusals,
            report.kind is ItemKind.NOTE and not report.text.strip(),
            "empty note",
            InvalidFormError,
        )
        outcome = self.attempt(
            "report",
            refusals,
            lambda: self.service.report(
                user=user,
                insurer=INSURER,
                case_id=case_id,
                task_id=task_id,
                report=report,
                at=self.now,
            ),
        )
        if outcome is None:
            return
        task = outcome.case.task(task_id)
        assert task is not None
        item = task.items[-1]
        assert item.id not in model.item_task, f"item id {item.id} was taken"
        assert (item.kind, item.reported_by) == (report.kind, user.id)
        model.item_task[item.id] = task_id
        model.changed(case_id)

    def actor_refusals(self, user: User, case_id: str, insurer: Insurer) -> Refusals:
        """Who may convert or link: users of the insurer at its minimum level."""
        refusals: Refusals = []
        refuse_if(
            refusals,
            not self.model.in_scope(user, case_id),
            OUT_OF_SCOPE,
            NotPermittedError,
        )
        refuse_if(
            refusals,
            isinstance(user, PartnerUser),
            PARTNERS_NEVER,
            NotPermittedError,
        )
        refuse_if(
            refusals,
            isinstance(user, InsurerUser) and user.insurer_id != INSURER.id,
            "not an insurer user",
            NotPermittedError,
        )
        refuse_if(
            refusals,
            isinstance(user, InsurerUser)
            and user.authority_level < insurer.min_authority_level,
            "authority level too low",
            NotPermittedError,
        )
        return refusals

    @rule(
        user_id=st.sampled_from(ACTORS),
        case_id=cases,
        code=st.sampled_from(EVENT_CODES),
    )
    def tag_event(self, user_id: str, case_id: str, code: str) -> None:
        user = USERS[user_id]
        model = self.model
        refusals: Refusals = []
        refuse_if(
            refusals,
            not model.in_scope(user, case_id),
            OUT_OF_SCOPE,
            NotPermittedError,
        )
        refuse_if(
            refusals,
            not isinstance(user, InsurerUser),
            "partners do not tag events",
            NotPermittedError,
        )
        refuse_if(
            refusals,
            model.cases[case_id].state == DISCONTINUED,
            "discontinued",
            InvalidTransitionError,
        )
        refuse_if(refusals, " " in code, "not an event code", InvalidFormError)
        outcome = self.attempt(
            "tag event",
            refusals,
            lambda: self.service.tag_event(
                user=user,
                insurer=INSURER,
                case_id=case_id,
                event_code=code,
                at=self.now,
            ),
        )
        if outcome is not None:
            model.cases[case_id].event_code = code
            model.changed(case_id)

    @rule(
        user_id=st.sampled_from(ACTORS),
        case_id=cases,
        number=st.sampled_from(CASE_NUMBERS),
        handler_id=st.sampled_from(sorted(HANDLERS)),
        insurer_name=st.sampled_from(("tryg", "tryg", "tryg-level-4")),
        data=st.data(),
    )
    def convert(
        self,
        user_id: str,
        case_id: str,
        number: str,
        handler_id: str,
        insurer_name: str,
        data: st.DataObject,
    ) -> None:
        case_id = self.steer(data, case_id, OPEN_URGENT)
        user, handler = USERS[user_id], HANDLERS[handler_id]
        insurer = ACTING_INSURERS[insurer_name]
        model = self.model
        refusals = self.actor_refusals(user, case_id, insurer)
        refuse_if(
            refusals,
            number in model.identifiers,
            "number taken",
            DuplicateIdentifierError,
        )
        refuse_if(
            refusals,
            model.cases[case_id].state != OPEN_URGENT,
            "not open urgent",
            InvalidTransitionError,
        )
        refuse_if(refusals, " " in number, "not a number", InvalidTransitionError)
        refuse_if(
            refusals,
            handler.insurer_id != INSURER.id,
            "handler of another insurer",
            InvalidTransitionError,
        )
        outcome = self.attempt(
            "convert",
            refusals,
            lambda: self.service.convert(
                user=user,
                insurer=insurer,
                case_id=case_id,
                case_number=number,
                handler=handler,
                at=self.now,
            ),
        )
        if outcome is None:
            return
        case = outcome.case
        assert (case.id, case.case_number, case.handler_id) == (
            case_id,
            number,
            handler.id,
        )
        assert isinstance(outcome.events[0], CaseConverted)
        assert case.log[-1].action is LogAction.CONVERTED
        assert case.log[-1].reference("former_id") == case_id
        model.cases[case_id].state = OPEN_NORMAL
        model.identifiers[number] = case_id
        model.changed(case_id)

    @rule(
        user_id=st.sampled_from(ACTORS),
        case_id=cases,
        into=st.one_of(cases, st.sampled_from((*CASE_NUMBERS, "9999"))),
        insurer_name=st.sampled_from(("tryg", "tryg", "tryg-level-4")),
        data=st.data(),
    )
    def link(
        self,
        user_id: str,
        case_id: str,
        into: str,
        insurer_name: str,
        data: st.DataObject,
    ) -> None:
        """Link into a case named by its id or its case number (R15)."""
        case_id = self.steer(data, case_id, OPEN_URGENT)
        into = self.steer(data, into, OPEN_NORMAL)
        user, insurer = USERS[user_id], ACTING_INSURERS[insurer_name]
        model = self.model
        refusals = self.actor_refusals(user, case_id, insurer)
        refuse_if(
            refusals,
            into not in model.identifiers,
            "no such target",
            CaseNotFoundError,
        )
        refuse_if(
            refusals,
            model.cases[case_id].state != OPEN_URGENT,
            "source not open urgent",
            InvalidTransitionError,
        )
        target_id = model.identifiers.get(into)
        if target_id is not None:
            refuse_if(
                refusals, target_id == case_id, "self link", InvalidLinkTargetError
            )
            refuse_if(
                refusals,
                model.cases[target_id].state != OPEN_NORMAL,
                "target not open normal",
                InvalidLinkTargetError,
            )
        outcome = self.attempt(
            "link",
            refusals,
            lambda: self.service.link(
                user=user, insurer=insurer, case_id=case_id, target_id=into, at=self.now
            ),
        )
        if outcome is None:
            return
        assert target_id is not None
        moved = model.tasks_of(case_id)
        (linked,) = outcome.events
        assert isinstance(linked, CaseLinked)
        assert (linked.case_id, linked.target_id) == (case_id, target_id)
        assert set(linked.task_ids) == moved
        assert linked.item_count == len(model.items_of(moved))
        source, target = outcome.cases
        assert source.linked_into == target_id
        assert source.log[-1].action is LogAction.LINKED_INTO
        assert source.log[-1].reference("target") == target_id
        assert target.log[-1].action is LogAction.LINKED_FROM
        assert target.log[-1].reference("source") == case_id
        for task in moved:
            model.task_case[task] = target_id
        model.cases[case_id].state = DISCONTINUED
        model.changed(case_id, target_id)

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def states_agree_and_terminal_states_stay(self) -> None:
        stored = self.stored()
        assert stored.keys() == self.model.cases.keys()
        for case_id, case in stored.items():
            state = state_of(case)
            assert state == self.model.cases[case_id].state, case_id
            assert case.event_code == self.model.cases[case_id].event_code, case_id
            before = self.seen_states.get(case_id)
            if before in TERMINAL:
                assert state == before, f"{case_id} left {before} for {state}"
            self.seen_states[case_id] = state

    @invariant()
    def every_identifier_finds_its_case(self) -> None:
        """Ids, former ids and case numbers each name one case (R9, R14)."""
        with self.storage.unit_of_work() as unit:
            for name, case_id in self.model.identifiers.items():
                found = unit.cases.find(INSURER.id, name)
                assert found is not None, name
                assert found.id == case_id, name

    @invariant()
    def logs_only_grow_and_versions_only_increase(self) -> None:
        for case_id, case in self.stored().items():
            expected = self.model.cases[case_id]
            earlier = self.seen_logs.get(case_id, ())
            assert case.log[: len(earlier)] == earlier, f"{case_id}'s log was rewritten"
            assert len(case.log) == expected.log_length, case_id
            assert case.version >= self.seen_versions.get(case_id, 1), case_id
            assert case.version == expected.version, case_id
            self.seen_logs[case_id] = case.log
            self.seen_versions[case_id] = case.version

    @invariant()
    def tasks_and_items_exist_exactly_once(self) -> None:
        model = self.model
        stored = self.stored()
        tasks = [(task, case.id) for case in stored.values() for task in case.tasks]
        task_ids = Counter(task.id for task, _ in tasks)
        assert all(n == 1 for n in task_ids.values()), task_ids
        assert {task.id: case_id for task, case_id in tasks} == model.task_case
        assert {task.id: task.office_id for task, _ in tasks} == model.task_office
        assert {task.id: task.budget for task, _ in tasks} == model.task_budget
        items = Counter(item.id for task, _ in tasks for item in task.items)
        assert all(n == 1 for n in items.values()), items
        assert {
            item.id: task.id for task, _ in tasks for item in task.items
        } == model.item_task

    @invariant()
    def pending_count_is_the_open_urgent_cases(self) -> None:
        expected = sum(c.state == OPEN_URGENT for c in self.model.cases.values())
        assert self.service.pending_count(user=HANDLER, insurer=INSURER) == expected

    @invariant()
    def everyone_sees_exactly_their_scope(self) -> None:
        """R10, computed from the model, not from `can_see`."""
        model = self.model
        for user in (*PARTNER_USERS, HANDLER, STRANGER):
            listed = [c.id for c in self.service.cases(user=user, insurer=INSURER)]
            assert len(listed) == len(set(listed))
            assert set(listed) == model.visible_to(user), user.id
        for user in PARTNER_USERS:
            for case_id in model.cases:
                try:
                    self.service.case(user=user, insurer=INSURER, case_id=case_id)
                except NotPermittedError:
                    assert not model.in_scope(user, case_id), (user.id, case_id)
                else:
                    assert model.in_scope(user, case_id), (user.id, case_id)

    def teardown(self) -> None:
        self.opened.close()


TestUrgentCaseService = UrgentCaseMachine.TestCase
TestUrgentCaseService.settings = settings(
    max_examples=settings().max_examples, stateful_step_count=STEPS
)

SQL_STEPS = 40


class SqliteMachine(UrgentCaseMachine):
    """The same machine over the SQL storage on a SQLite file."""

    backend = "sqlite"


class PostgresMachine(UrgentCaseMachine):
    """The same machine over the SQL storage on PostgreSQL."""

    backend = "postgres"


TestUrgentCaseServiceOnSqlite = SqliteMachine.TestCase
TestUrgentCaseServiceOnPostgres = pytest.mark.skipif(
    not POSTGRES_URL, reason=NO_POSTGRES
)(PostgresMachine.TestCase)
for _case in (TestUrgentCaseServiceOnSqlite, TestUrgentCaseServiceOnPostgres):
    _case.settings = settings(
        max_examples=max(1, settings().max_examples // 10),
        stateful_step_count=SQL_STEPS,
    )


class TestPartnersLearnNothing:
    """Partners never convert or link, so they learn nothing from trying.

    The service checks whether a case number is taken only once the user may
    convert, so that no one else learns which numbers exist; link targets are
    case ids and numbers too.
    """

    def setup_method(self) -> None:
        self.service = UrgentCaseService(MemoryStorage().unit_of_work)
        self.case = self.service.create(
            user=ANNE,
            insurer=INSURER,
            grant=OUTSIDE_HOURS,
            form=form(),
            at=SATURDAY_NIGHT,
        ).case
        self.service.open_normal_case(
            insurer=INSURER, case_number="4711", handler=HANDLER, at=SATURDAY_NIGHT
        )

    @pytest.mark.parametrize("number", ["4711", "4799"])
    def test_convert_refuses_a_partner_alike_for_taken_and_free_numbers(
        self, number: str
    ) -> None:
        with pytest.raises(NotPermittedError) as refused:
            self.service.convert(
                user=ANNE,
                insurer=INSURER,
                case_id=self.case.id,
                case_number=number,
                handler=HANDLER,
                at=SATURDAY_NIGHT,
            )
        assert refused.value.reason == "not_insurer_user"

    @pytest.mark.parametrize("target", ["4711", "4799"])
    def test_link_refuses_a_partner_alike_for_existing_and_missing_targets(
        self, target: str
    ) -> None:
        with pytest.raises(NotPermittedError) as refused:
            self.service.link(
                user=ANNE,
                insurer=INSURER,
                case_id=self.case.id,
                target_id=target,
                at=SATURDAY_NIGHT,
            )
        assert refused.value.reason == "not_insurer_user"

    @pytest.mark.parametrize("target", ["4711", "4799"])
    def test_can_link_answers_a_partner_alike_for_existing_and_missing_targets(
        self, target: str
    ) -> None:
        verdict = self.service.can_link(
            user=ANNE, insurer=INSURER, case_id=self.case.id, target_id=target
        )
        assert verdict.reason == "not_insurer_user"
