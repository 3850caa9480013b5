"""A small world for lifecycle tests: one insurer, two partners, their users.

Saturday 5 December 2026, 22:00 in Copenhagen is outside office hours; Friday
4 December 2026, 10:00 is inside.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from tests.instants import cph
from urgentcases import (
    FIRST_AID,
    INSPECTION,
    Grant,
    Insurer,
    InsurerUser,
    Office,
    OfficeHours,
    PartnerUser,
    Permission,
    TaskRequest,
    UrgentCaseForm,
    grant,
)

SATURDAY_NIGHT = cph(2026, 12, 5, 22, 0)
SUNDAY_MORNING = cph(2026, 12, 6, 9, 0)
FRIDAY_MORNING = cph(2026, 12, 4, 10, 0)
MONDAY = cph(2026, 12, 7, 10, 0)

HOURS = OfficeHours.weekdays()
INSURER = Insurer("tryg", "Tryg", HOURS)
ENHANCED = attrs.evolve(INSURER, enhanced=True)
OTHER_INSURER = Insurer("topdanmark", "Topdanmark", HOURS)

AARHUS = Office("sk-aarhus", "skadeservice", "Skadeservice Aarhus")
ODENSE = Office("sk-odense", "skadeservice", "Skadeservice Odense")
BYG = Office("byg-kbh", "byg", "Byg København")

ANNE = PartnerUser("anne", AARHUS, "Anne")  # creates urgent cases
OLE = PartnerUser("ole", ODENSE, "Ole")  # same partner, other office
BO = PartnerUser("bo", BYG, "Bo")  # another partner

HANDLER = InsurerUser("hanne", "tryg", authority_level=3, name="Hanne")
CHIEF = InsurerUser("karl", "tryg", authority_level=6, name="Karl")
STRANGER = InsurerUser("sven", "topdanmark", authority_level=6)

OUTSIDE_HOURS: Grant = grant(INSURER, AARHUS, Permission.OUTSIDE_OFFICE_HOURS)
ALWAYS: Grant = grant(INSURER, AARHUS, Permission.ALWAYS)
ENHANCED_GRANT: Grant = grant(
    ENHANCED,
    AARHUS,
    Permission.ALWAYS,
    may_assign_other_partners=True,
    may_define_case_id=True,
)


def form(**changes: Any) -> UrgentCaseForm:
    """A valid form: water damage with a first-aid task for Aarhus."""
    base = UrgentCaseForm(
        policyholder="Søren Åberg",
        address="Æblevej 7, 8000 Aarhus C",
        loss_date=date(2026, 12, 5),
        description="Vandskade efter skybrud; kælderen står under vand.",
        policy_number="P-123456",
        tasks=(TaskRequest(FIRST_AID, AARHUS),),
    )
    return attrs.evolve(base, **changes)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 Copenhagen instant."""
    return cph(2026, 12, day, hour, minute)


__all__ = ["FIRST_AID", "INSPECTION"]
