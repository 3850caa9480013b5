"""Short constructors for the instants the tests talk about."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import CPH


def cph(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """A Copenhagen wall-clock time."""
    return datetime(
        year, month, day, hour, minute, second, microsecond, tzinfo=CPH, fold=fold
    )


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
