"""The ``urgentcases`` command line.

Exit status: 0 when creation is allowed, 1 when it is refused, 2 for bad input
(with a one-line error on standard error).
"""

from __future__ import annotations

import argparse
import json
import sys
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
    return parser


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _BadInputError(
            f"--at: {text!r} is not an ISO 8601 date and time"
        ) from None
    if at.tzinfo is None:
        raise _BadInputError(
            f"--at: {text!r} has no UTC offset; add one, e.g. {text}+01:00 or {text}Z"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on *argv* (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 allowed, 1 refused, 2 bad input.
    """
    try:
        args = _parser().parse_args(argv)
        return _check(args)
    except (_BadInputError, UrgentCasesError) as error:
        print(f"urgentcases: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
