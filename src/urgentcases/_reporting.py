"""``urgentcases report``: the urgent-case report of stored cases, for a scheduler.

The command runs with the database's credentials, as a host's job does: it asks
the service for each report as a job user of the insurer at the report's
authority level, so it counts exactly as a portal's request does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from urgentcases._domain.calendar import Language
from urgentcases._domain.lifecycle import REPORT_AUTHORITY_LEVEL
from urgentcases._domain.model import Insurer, InsurerUser
from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.periods import Period, due_periods
from urgentcases._domain.report import Report, report_bounds
from urgentcases.exceptions import InvalidPeriodError, StorageError
from urgentcases.exports import report_csv, report_json, report_svg, report_table
from urgentcases.service import UrgentCaseService

__all__ = ["periods_to_report", "read_reports", "write_reports"]


def _scheduler(insurer: Insurer) -> InsurerUser:
    """The job, acting for the insurer at the level the report needs."""
    return InsurerUser(
        "urgentcases-report", insurer.id, authority_level=REPORT_AUTHORITY_LEVEL
    )


def periods_to_report(
    insurer_id: str,
    hours: OfficeHours,
    *,
    period: str | None,
    last: str | None,
    now: datetime,
) -> tuple[Insurer, list[Period]]:
    """The insurer (its report period read from the label) and the periods to report.

    With *period*, that one period, which must have ended by *now*; with
    *last*, every completed period after it (`due_periods`).

    Raises:
        InvalidPeriodError: A label names no period, or the period is running.
    """
    label = period if period is not None else last
    if label is None:
        raise InvalidPeriodError("give a period, or the last period reported")
    first = Period.parse(label)
    insurer = Insurer(insurer_id, insurer_id, hours, report_period=first.kind)
    if period is None:
        return insurer, due_periods(insurer, last_generated=first, now=now)
    if report_bounds(insurer, first)[1] > now:
        raise InvalidPeriodError(f"{first.label} has not ended yet")
    return insurer, [first]


def read_reports(
    database: str, insurer: Insurer, periods: Sequence[Period]
) -> list[Report]:
    """The reports of *periods*, counted inside *database* (a URL or a SQLite file).

    Raises:
        StorageError: The database cannot be opened or read, or the SQL extra
            is not installed.
    """
    try:
        import sqlalchemy as sa

        from urgentcases.adapters.sql import SqlStorage, sqlite_engine
    except ImportError as error:
        raise StorageError(
            f"the report needs the SQL extra: pip install 'urgentcases[sql]' ({error})"
        ) from None
    if "://" in database:
        try:
            engine = sa.create_engine(database)
        except (sa.exc.ArgumentError, ImportError) as error:
            raise StorageError(f"cannot use database {database!r}: {error}") from None
    else:
        if not Path(database).is_file():
            raise StorageError(f"no SQLite file {database!r}")
        engine = sqlite_engine(database)
    try:
        service = UrgentCaseService(SqlStorage(engine).unit_of_work)
        return [
            service.period_report(user=_scheduler(insurer), insurer=insurer, period=p)
            for p in periods
        ]
    except sa.exc.SQLAlchemyError as error:
        raise StorageError(f"cannot read the database: {error}") from None
    finally:
        engine.dispose()


def write_reports(
    reports: Sequence[Report], form: str, *, language: Language = "da"
) -> str:
    """*reports* as ``table``, ``csv``, ``json`` or ``svg`` text."""
    if form == "csv":
        return report_csv(reports)
    if form == "json":
        return report_json(list(reports))
    if form == "svg":
        return report_svg(reports, language=language)
    if not reports:
        return "No period is due.\n" if language == "en" else "Ingen periode er klar.\n"
    return "\n".join(report_table(report, language=language) for report in reports)
