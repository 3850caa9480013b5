"""``urgentcases demo``: a storm week told through the library, on a SQLite file.

An insurer with office hours and Danish holidays, partners whose offices hold
different rights, a storm night in which thousands of urgent cases arrive,
attempts refused inside office hours, first-aid reports with photos, the
insurer's notice, conversions and links chosen with the link candidates, and
the weekly reports with their CSV, JSON and chart.

Everything happens at instants the story sets (the demo reads no clock), from a
seeded random generator, so every run tells the same story.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from urgentcases._domain.candidates import link_candidates
from urgentcases._domain.forms import TaskRequest, UrgentCaseForm
from urgentcases._domain.lifecycle import ReportForm, grant
from urgentcases._domain.model import (
    FIRST_AID,
    INSPECTION,
    Case,
    Grant,
    Insurer,
    InsurerUser,
    ItemKind,
    Office,
    PartnerUser,
    ReportPeriod,
)
from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.periods import Period, due_periods
from urgentcases._domain.policy import Permission
from urgentcases._domain.report import Report
from urgentcases.exceptions import CreationRefusedError, NotPermittedError
from urgentcases.exports import report_csv, report_json, report_svg, report_table
from urgentcases.service import UrgentCaseService

__all__ = ["DATABASE_NAME", "run_demo"]

DATABASE_NAME = "urgentcases-demo.sqlite"
"""The demo's SQLite file, in the folder it is given."""

ZONE = ZoneInfo("Europe/Copenhagen")
STORM = "STORM-NORA"
STORM_START = datetime(2026, 12, 1, 17, 0, tzinfo=ZONE)  # Tuesday evening
STORM_HOURS = 14  # until Wednesday 07:00
WEEKS_BEFORE = (Period.parse("2026-W47"), Period.parse("2026-W48"))
FIRST_REPORTED = Period.parse("2026-W46")  # the last report the host made
NOW = datetime(2026, 12, 14, 6, 0, tzinfo=ZONE)  # Monday after: reports are due

INSURER = Insurer(
    "nordlys",
    "Nordlys Forsikring",
    OfficeHours.weekdays(),
    enhanced=True,
    report_period=ReportPeriod.WEEKLY,
)
HANDLERS = tuple(
    InsurerUser(f"handler-{n}", INSURER.id, authority_level=3, name=name)
    for n, name in enumerate(("Hanne", "Jonas", "Mette", "Ali"), start=1)
)
CHIEF = InsurerUser("karl", INSURER.id, authority_level=6, name="Karl (chef)")


@dataclass(frozen=True)
class _Partner:
    office: Office
    grant: Grant
    user: PartnerUser
    share: float  # of the storm's cases


def _partner(
    office_id: str,
    partner_id: str,
    name: str,
    permission: Permission,
    share: float,
    **rights: bool,
) -> _Partner:
    office = Office(office_id, partner_id, name)
    return _Partner(
        office,
        grant(INSURER, office, permission, **rights),
        PartnerUser(f"{office_id}-vagt", office, f"Vagt {name}"),
        share,
    )


PARTNERS = (
    _partner(
        "sk-aarhus",
        "skadeservice",
        "Skadeservice Aarhus",
        Permission.OUTSIDE_OFFICE_HOURS,
        0.35,
    ),
    _partner(
        "sk-odense", "skadeservice", "Skadeservice Odense", Permission.ALWAYS, 0.25
    ),
    _partner(
        "byg-kbh",
        "byg-og-tag",
        "Byg & Tag København",
        Permission.OUTSIDE_OFFICE_HOURS,
        0.30,
        may_assign_other_partners=True,
        may_define_case_id=True,
    ),
    _partner(
        "toemrer-aalborg",
        "nord-toemrer",
        "Nord Tømrer Aalborg",
        Permission.ALWAYS,
        0.10,
    ),
)
NEVER = _partner(
    "maler-vejle", "vejle-maler", "Maler Vejle", Permission.NEVER, 0.0
)  # asks, and is refused

_STREETS = (
    "Åbenråvej",
    "Æblevej",
    "Søndergade",
    "Østerbrogade",
    "Havnegade",
    "Kærvej",
    "Skovbrynet",
    "Bøgevej",
    "Strandvejen",
    "Møllevej",
)
_TOWNS = ("8000 Aarhus C", "5000 Odense C", "2100 København Ø", "9000 Aalborg")
_FIRST = ("Søren", "Anne", "Jens", "Mette", "Ole", "Birgitte", "Lars", "Åse", "Kim")
_LAST = ("Åberg", "Jensen", "Nielsen", "Hansen", "Møller", "Kjær", "Sørensen")


@dataclass(frozen=True)
class _Policy:
    number: str
    holder: str
    address: str


def _policies(rng: random.Random, count: int) -> list[_Policy]:
    return [
        _Policy(
            f"P-{700000 + n}",
            f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            f"{rng.choice(_STREETS)} {rng.randint(1, 120)}, {rng.choice(_TOWNS)}",
        )
        for n in range(count)
    ]


def _variant(text: str) -> str:
    """How a partner at night may spell it: no Danish letters, other case."""
    return (
        text.replace("Å", "Aa")
        .replace("å", "aa")
        .replace("Æ", "Ae")
        .replace("æ", "ae")
        .replace("Ø", "Oe")
        .replace("ø", "oe")
        .upper()
    )


class _Progress:
    """A one-line progress bar on a terminal; a few plain lines elsewhere."""

    def __init__(self, out: TextIO, total: int, label: str) -> None:
        self._out, self._total, self._label = out, total, label
        self._tty = out.isatty()
        self._started = time.perf_counter()
        self._shown = -1

    def update(self, done: int) -> None:
        step = 2 if self._tty else 25
        percent = done * 100 // self._total
        if percent // step == self._shown and done != self._total:
            return
        self._shown = percent // step
        rate = done / max(time.perf_counter() - self._started, 1e-9)
        bar = "#" * (percent * 30 // 100)
        line = f"  {self._label} [{bar:<30}] {done:>6,}/{self._total:,}  {rate:,.0f}/s"
        if self._tty:
            self._out.write("\r" + line + ("\n" if done == self._total else ""))
        else:
            self._out.write(line + "\n")
        self._out.flush()


def _office_hours_between(
    rng: random.Random, days: tuple[date, ...], after: datetime
) -> datetime:
    """A random office-hours instant (08:00-16:00) on one of *days*, after *after*."""
    for _ in range(100):
        day = rng.choice(days)
        at = datetime(day.year, day.month, day.day, 8, tzinfo=ZONE) + timedelta(
            minutes=rng.randrange(8 * 60)
        )
        if at > after:
            return at
    return after + timedelta(minutes=rng.randint(30, 600))


def run_demo(
    folder: Path,
    *,
    cases: int = 2000,
    seed: int = 2026,
    out: TextIO | None = None,
    progress: TextIO | None = None,
) -> list[Report]:
    """Tell the storm week into a new SQLite file in *folder*; return the reports.

    Writes ``urgentcases-demo.sqlite``, ``report.csv``, ``report.json`` and
    ``report.svg`` into *folder* (created if missing; earlier demo files are
    replaced) and tells the story on *out* (default: standard output), with
    progress bars on *progress* (default: standard error).
    """
    out = sys.stdout if out is None else out
    progress = sys.stderr if progress is None else progress
    from urgentcases.adapters.sql import SqlStorage, create_schema, sqlite_engine

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / DATABASE_NAME
    for stale in (database, *(Path(f"{database}{x}") for x in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    engine = sqlite_engine(database)
    try:
        create_schema(engine)
        service = UrgentCaseService(SqlStorage(engine).unit_of_work)
        story = _Story(service, random.Random(seed))
        reports = _tell(story, cases, _Teller(out), progress)
    finally:
        engine.dispose()
    files = {
        "report.csv": report_csv(reports),
        "report.json": report_json(reports),
        "report.svg": report_svg(reports, language="en"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    say = _Teller(out)
    say(f"Database: {database}")
    say("Written: " + ", ".join(str(folder / name) for name in files))
    say(f"Done in {time.perf_counter() - started:.1f} s.")
    return reports


def _tell(story: _Story, cases: int, say: _Teller, progress: TextIO) -> list[Report]:
    service, rng = story.service, story.rng
    say.title(f"{INSURER.name}: a storm week with urgent cases (akut sager)")
    say(
        "Office hours: Monday-Friday 08:00-16:00 Europe/Copenhagen, "
        "closed on Danish public holidays"
    )
    say.table(
        ("office", "partner", "may create", "other rights"),
        [
            (
                p.office.name,
                p.office.partner_id,
                p.grant.permission.value.replace("_", " "),
                ", ".join(
                    right
                    for right, held in (
                        ("assign other partners", p.grant.may_assign_other_partners),
                        ("choose case ids", p.grant.may_define_case_id),
                    )
                    if held
                )
                or "-",
            )
            for p in (*PARTNERS, NEVER)
        ],
    )

    say.title("Before the storm: open claims and quiet weekends")
    story.open_claims()
    say(f"{len(story.claims)} claims (normal cases) opened by the insurer in November")
    quiet = 0
    for period in WEEKS_BEFORE:
        saturday = datetime.combine(period.start, datetime.min.time(), tzinfo=ZONE)
        saturday += timedelta(days=5)
        for night in range(rng.randint(25, 40)):
            at = saturday + timedelta(minutes=rng.randrange(40 * 60))
            case = story.create(rng.choice(PARTNERS), at, event=None)
            quiet += 1
            if night % 4:
                story.handle(case, (period.end,))
    say(
        f"{quiet} urgent cases on the weekends of {WEEKS_BEFORE[0].label} and "
        f"{WEEKS_BEFORE[1].label}; most handled the Monday after"
    )

    say.title(f"{STORM}: Tuesday 1 December 17:00 to Wednesday 07:00")
    bar = _Progress(progress, cases, "urgent cases arriving")
    created: list[Case] = []
    shares = [p.share for p in PARTNERS]
    for n in range(cases):
        partner = rng.choices(PARTNERS, shares)[0]
        at = STORM_START + timedelta(seconds=STORM_HOURS * 3600 * n // cases)
        event = STORM if rng.random() < 0.7 else None  # the rest are tagged later
        created.append(story.create(partner, at, event=event))
        bar.update(n + 1)
    per_office: dict[str, int] = {}
    for case in created:
        office = case.office_id or ""
        per_office[office] = per_office.get(office, 0) + 1
    say(
        f"{len(created):,} urgent cases created ({created[0].id} to "
        f"{created[-1].id}): "
        + ", ".join(f"{office} {n:,}" for office, n in sorted(per_office.items()))
    )

    say.title("Attempts refused")
    for partner, at in (
        (PARTNERS[0], datetime(2026, 12, 2, 10, 15, tzinfo=ZONE)),
        (NEVER, datetime(2026, 12, 2, 3, 0, tzinfo=ZONE)),
    ):
        try:
            story.create(partner, at, event=STORM)
        except CreationRefusedError as refused:
            say(
                f"{partner.office.name}, {at:%a %d %b %H:%M}: "
                f"refused ({refused.decision.reason.value})"
            )
            say(f"    da: {refused.decision.message('da')}")
            say(f"    en: {refused.decision.message('en')}")
    always = PARTNERS[1]
    late = story.create(always, datetime(2026, 12, 2, 10, 20, tzinfo=ZONE), event=STORM)
    created.append(late)
    say(f"{always.office.name} (may always create), Wed 02 Dec 10:20: {late.id}")

    say.title("First aid: photos and notes from the night")
    bar = _Progress(progress, len(created), "first-aid reports")
    reported = 0
    for n, case in enumerate(created):
        if rng.random() < 0.75:
            partner = next(p for p in PARTNERS if p.office.id == case.office_id)
            at = case.created_at + timedelta(minutes=rng.randint(20, 240))
            for kind in (ItemKind.PHOTO, ItemKind.NOTE):
                service.report(
                    user=partner.user,
                    insurer=INSURER,
                    case_id=case.id,
                    task_id=case.tasks[0].id,
                    report=_item(kind, case, n),
                    at=at,
                )
                at += timedelta(minutes=rng.randint(1, 15))
            reported += 1
        bar.update(n + 1)
    say(f"{reported:,} photos and {reported:,} notes on first-aid tasks")

    say.title("Wednesday 08:00 at the insurer")
    clerk = HANDLERS[0]
    say(f"Notice: {service.pending_notice(user=clerk, insurer=INSURER)}")
    untagged = [case for case in created if case.event_code is None]
    for case in untagged:
        service.tag_event(
            user=clerk,
            insurer=INSURER,
            case_id=case.id,
            event_code=STORM,
            at=datetime(2026, 12, 2, 8, 5, tzinfo=ZONE),
        )
    say(f"{len(untagged):,} untagged cases tagged {STORM} by {clerk.name}")
    example = next(c for c in created if c.field("policy_number") in story.numbers)
    say(
        f"Link candidates for {example.id}: {example.field('policyholder')}, "
        f"{example.field('address')}, policy {example.field('policy_number')}"
    )
    for candidate in service.link_candidates(
        user=clerk, insurer=INSURER, case_id=example.id, limit=3
    ):
        reasons = "; ".join(f"{m.field} {m.detail}" for m in candidate.matches)
        say(f"    {candidate.case.display_id}  score {candidate.score:6.1f}  {reasons}")

    say.title("Wednesday to Friday: links and conversions")
    handled = [case for case in created if rng.random() < 0.85]
    bar = _Progress(progress, len(handled), "cases handled")
    linked = 0
    days = (date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4))
    for n, case in enumerate(handled):
        linked += story.handle(case, days)
        bar.update(n + 1)
    say(
        f"{linked:,} linked into the policyholder's open claim (policy number "
        f"matched), {len(handled) - linked:,} converted to normal cases"
    )
    say(
        f"Notice on Friday: {service.pending_notice(user=clerk, insurer=INSURER)} "
        f"({service.pending_notice(user=clerk, insurer=INSURER, language='en')})"
    )
    done = {case.id for case in handled}
    rest = [case for case in created if case.id not in done]
    for case in rest:
        story.handle(case, (date(2026, 12, 7),))
    say(f"The other {len(rest):,} handled on Monday 7 December")

    say.title("The weekly urgent-case report")
    try:
        service.period_report(
            user=clerk, insurer=INSURER, period=Period.parse("2026-W49")
        )
    except NotPermittedError as refused:
        say(f"{clerk.name} (authority level 3) asks for it: {refused}")
    due = due_periods(INSURER, last_generated=FIRST_REPORTED, now=NOW)
    say(
        f"Due on Monday 14 December after {FIRST_REPORTED.label}: "
        + ", ".join(p.label for p in due)
    )
    reports = [
        service.period_report(user=CHIEF, insurer=INSURER, period=period)
        for period in due
    ]
    storm_week = next(r for r in reports if r.period.label == "2026-W49")
    say("")
    say(report_table(storm_week, language="en").rstrip("\n"))
    return reports


class _Teller:
    def __init__(self, out: TextIO) -> None:
        self._out = out

    def __call__(self, line: str) -> None:
        self._out.write(line + "\n")

    def title(self, text: str) -> None:
        self._out.write(f"\n== {text}\n")

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            self("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


class _Story:
    """The demo's cast and its random choices, over one service."""

    def __init__(self, service: UrgentCaseService, rng: random.Random) -> None:
        self.service, self.rng = service, rng
        self.policies = _policies(rng, 240)
        self.claims: list[Case] = []  # the insurer's open claims: link targets
        self.numbers = frozenset(policy.number for policy in self.policies)
        self._numbers = iter(range(60000, 10**9))

    def open_claims(self) -> None:
        for number, policy in enumerate(self.policies, start=1):
            opened = datetime(2026, 11, 2, 9, tzinfo=ZONE) + timedelta(hours=number * 5)
            self.claims.append(
                self.service.open_normal_case(
                    insurer=INSURER,
                    case_number=f"S-{40000 + number}",
                    handler=self.rng.choice(HANDLERS),
                    at=opened,
                    fields={
                        "policyholder": policy.holder,
                        "address": policy.address,
                        "policy_number": policy.number,
                        "loss_date": (opened.date() - timedelta(days=2)).isoformat(),
                    },
                )
            )

    def create(self, partner: _Partner, at: datetime, *, event: str | None) -> Case:
        """An urgent case; three in ten belong to a policy with an open claim."""
        rng = self.rng
        known = rng.random() < 0.3
        policy = rng.choice(self.policies) if known else _policies(rng, 1)[0]
        number = policy.number if known else f"P-{rng.randint(100000, 699999)}"
        tasks = [TaskRequest(FIRST_AID, partner.office)]
        if rng.random() < 0.25:
            tasks.append(TaskRequest(INSPECTION, None))
        form = UrgentCaseForm(
            policyholder=_variant(policy.holder)
            if rng.random() < 0.5
            else policy.holder,
            address=policy.address,
            loss_date=at.astimezone(ZONE).date(),
            description="Stormskade: tag og vinduer, vand trænger ind.",
            policy_number=number,
            event_code=event,
            tasks=tuple(tasks),
        )
        return self.service.create(
            user=partner.user, insurer=INSURER, grant=partner.grant, form=form, at=at
        ).case

    def handle(self, case: Case, days: tuple[date, ...]) -> bool:
        """Link *case* into its policy's open claim, or else convert it.

        The claim is the top link candidate, taken when its policy number
        matched; the instant is in office hours on one of *days*.

        Returns:
            Whether it was linked.
        """
        at = _office_hours_between(self.rng, days, case.created_at)
        handler = self.rng.choice(HANDLERS)
        ranked = link_candidates(case, self.claims, limit=1)
        if ranked and ranked[0].matches[0].field == "policy_number":
            self.service.link(
                user=handler,
                insurer=INSURER,
                case_id=case.id,
                target_id=ranked[0].case.id,
                at=at,
            )
            return True
        self.service.convert(
            user=handler,
            insurer=INSURER,
            case_id=case.id,
            case_number=f"S-{next(self._numbers)}",
            handler=handler,
            at=at,
        )
        return False


def _item(kind: ItemKind, case: Case, n: int) -> ReportForm:
    if kind is ItemKind.NOTE:
        return ReportForm(kind, text="Presenning lagt over taget, vand suget op.")
    return ReportForm(
        kind,
        file_name=f"{case.id}-tag.jpg",
        content_type="image/jpeg",
        size=1_500_000 + n,
        checksum=f"sha256:{n:064x}",
        storage_uri=f"s3://nordlys-claims/{case.id}/tag.jpg",
    )
