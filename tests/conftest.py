"""Shared fixtures and hypothesis profiles.

On CI (``CI`` set) hypothesis runs the thorough ``ci`` profile; elsewhere the
quicker ``dev`` one. ``HYPOTHESIS_PROFILE`` picks one explicitly.
"""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

from urgentcases import OfficeHours

settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="session")
def article_hours() -> OfficeHours:
    """The article's example: weekdays 08:00-16:00, Copenhagen, Danish holidays."""
    return OfficeHours.weekdays()
