"""The ``urgentcases`` command line: ``check``, ``demo`` and ``report``.

Exit status: 0 on success (``check``: creation is allowed), 1 when ``check``
refuses, 2 for bad input (with a one-line error on standard error).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from urgentcases._domain.hours_file import EXAMPLE_HOURS_TOML, office_hours_from_toml
from urgentcases._domain.office_hours import OfficeHours
from urgentcases._domain.policy import Permission, decide_creation
from urgentcases.exceptions import UrgentCasesError

__all__ = ["main"]

EXIT_ALLOWED, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


class _BadInputError(Exception):
    """A user error, reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _BadInputError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="urgentcases",
        description="Urgent cases (akut sager) for insurance claims portals.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="may an office create an urgent case now (or at --at)?",
        description="Decide whether an office with a permission may create an "
        "urgent case at an instant. Exit status 0: allowed; 1: refused; 2: bad input.",
    )
    check.add_argument(
        "--permission",
        required=True,
        choices=[p.value.replace("_", "-") for p in Permission],
        help="the office's permission",
    )
    check.add_argument(
        "--at",
        metavar="ISO-8601",
        help="the instant, with a UTC offset, e.g. 2026-12-24T18:00+01:00 "
        "(default: now)",
    )
    check.add_argument(
        "--hours",
        metavar="FILE.toml",
        type=Path,
        help="office hours file (default: Monday-Friday 08:00-16:00, "
        "Europe/Copenhagen, Danish public holidays)",
    )
    check.add_argument("--lang", choices=["da", "en"], default="da")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    demo = commands.add_parser(
        "demo",
        help="tell a storm week into a SQLite file and write its reports",
        description="The article's story on the embedded default: a storm night "
        "of urgent cases in a SQLite file, refused attempts, first aid, the "
        "insurer's notice, links and conversions, and the weekly reports as a "
        "table, CSV, JSON and an SVG chart. Needs urgentcases[sql].",
    )
    demo.add_argument(
        "--dir",
        type=Path,
        help="folder for the database and the reports (default: a new temporary "
        "folder, kept)",
    )
    demo.add_argument(
        "--cases",
        type=_positive,
        default=2000,
        help="urgent cases in the storm night (default: 2000)",
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed")
    report = commands.add_parser(
        "report",
        help="write the urgent-case report of a period from a database",
        description="Write the urgent-case report of an insurer for a period, or "
        "for every period due since the last one (--due), counted inside the "
        "database. For a host's scheduler. Needs urgentcases[sql].",
    )
    report.add_argument(
        "--database",
        required=True,
        metavar="URL|FILE",
        help="an SQLAlchemy URL (e.g. postgresql+psycopg://host/db) or a SQLite file",
    )
    report.add_argument("--insurer", required=True, help="the insurer's id")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--period",
        metavar="LABEL",
        help="an ISO week such as 2026-W49 or a month such as 2026-12",
    )
    which.add_argument(
        "--due",
        metavar="LAST",
        help="every completed period after LAST, the label of the last report made",
    )
    report.add_argument(
        "--now",
        metavar="ISO-8601",
        help="the instant that decides which periods are complete, with a UTC "
        "offset (default: now)",
    )
    report.add_argument(
        "--hours",
        metavar="FILE.toml",
        type=Path,
        help="the insurer's office hours file, for its time zone (default: "
        "Europe/Copenhagen)",
    )
    report.add_argument(
        "--format", choices=["table", "csv", "json", "svg"], default="table"
    )
    report.add_argument("--lang", choices=["da", "en"], default="da")
    report.add_argument(
        "--output", type=Path, metavar="FILE", help="write here (default: stdout)"
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _instant(text: str | None, option: str = "--at") -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _BadInputError(
            f"{option}: {text!r} is not an ISO 8601 date and time"
        ) from None
    if at.tzinfo is None:
        raise _BadInputError(
            f"{option}: {text!r} has no UTC offset; "
            f"add one, e.g. {text}+01:00 or {text}Z"
        )
    return at


def _office_hours(path: Path | None) -> OfficeHours:
    if path is None:
        return office_hours_from_toml(EXAMPLE_HOURS_TOML)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _BadInputError(f"--hours: cannot read {str(path)!r}: {error}") from None
    try:
        return office_hours_from_toml(text)
    except UrgentCasesError as error:
        raise _BadInputError(f"--hours: {path}: {error}") from None


def _check(args: argparse.Namespace) -> int:
    hours = _office_hours(args.hours)
    decision = decide_creation(
        Permission.parse(args.permission), hours, _instant(args.at)
    )
    if args.json:
        print(json.dumps(decision.to_dict(args.lang), ensure_ascii=False))
    else:
        print(decision.message(args.lang))
    return EXIT_ALLOWED if decision else EXIT_REFUSED


def _demo(args: argparse.Namespace) -> int:
    from urgentcases._demo import run_demo

    try:
        import sqlalchemy  # noqa: F401  (the demo's SQLite file needs it)
    except ImportError:
        raise _BadInputError(
            "the demo needs the SQL extra: pip install 'urgentcases[sql]'"
        ) from None
    folder = args.dir or Path(tempfile.mkdtemp(prefix="urgentcases-demo-"))
    try:
        run_demo(folder, cases=args.cases, seed=args.seed)
    except OSError as error:
        raise _BadInputError(f"--dir: {error}") from None
    return EXIT_ALLOWED


def _report(args: argparse.Namespace) -> int:
    from urgentcases._reporting import periods_to_report, read_reports, write_reports

    insurer, periods = periods_to_report(
        args.insurer,
        _office_hours(args.hours),
        period=args.period,
        last=args.due,
        now=_instant(args.now, "--now"),
    )
    reports = read_reports(args.database, insurer, periods)
    text = write_reports(reports, args.format, language=args.lang)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            raise _BadInputError(f"--output: {error}") from None
    return EXIT_ALLOWED


_COMMANDS = {"check": _check, "demo": _demo, "report": _report}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on *argv* (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 success or allowed, 1 refused, 2 bad input.
    """
    try:
        args = _parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except (_BadInputError, UrgentCasesError) as error:
        print(f"urgentcases: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
