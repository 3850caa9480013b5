"""The creation policy (R1, R4, R5) and its explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.instants import cph
from urgentcases import (
    CreationDecision,
    HolidayName,
    InvalidPermissionError,
    NaiveDatetimeError,
    OfficeHours,
    Permission,
    Reason,
    UnsupportedLanguageError,
    decide_creation,
    may_create,
    pending_notice,
)

OUTSIDE = Permission.OUTSIDE_OFFICE_HOURS


class TestPermission:
    def test_never_is_the_first_and_default_value(self) -> None:
        """R1: three values; NEVER is the default every office starts with."""
        assert [p.value for p in Permission] == [
            "never",
            "outside_office_hours",
            "always",
        ]

    @pytest.mark.parametrize(
        ("text", "permission"),
        [
            ("never", Permission.NEVER),
            ("outside-office-hours", OUTSIDE),
            ("OUTSIDE_OFFICE_HOURS", OUTSIDE),
            (" always ", Permission.ALWAYS),
            (Permission.ALWAYS, Permission.ALWAYS),
        ],
    )
    def test_parse_accepts_codes_and_command_line_spellings(
        self, text: str, permission: Permission
    ) -> None:
        """Codes parse with '-' or '_', in any case."""
        assert Permission.parse(text) is permission

    @pytest.mark.parametrize("text", ["sometimes", "", "outside", None, 1])
    def test_parse_refuses_anything_else(self, text: object) -> None:
        """Unknown values are refused, listing the valid ones."""
        with pytest.raises(InvalidPermissionError, match="outside_office_hours"):
            Permission.parse(text)  # type: ignore[arg-type]

    def test_a_string_is_not_a_permission(self, article_hours: OfficeHours) -> None:
        """Passing a raw string is refused rather than read as 'never'."""
        at = cph(2026, 12, 5, 12, 0)
        with pytest.raises(InvalidPermissionError):
            may_create("always", article_hours, at)  # type: ignore[arg-type]
        with pytest.raises(InvalidPermissionError):
            decide_creation("always", article_hours, at)  # type: ignore[arg-type]


class TestMayCreate:
    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (cph(2026, 12, 3, 7, 59), True),
            (cph(2026, 12, 3, 8, 0), False),
            (cph(2026, 12, 3, 15, 59), False),
            (cph(2026, 12, 3, 16, 0), True),
            (cph(2026, 12, 5, 10, 0), True),
            (cph(2026, 12, 6, 10, 0), True),
            (cph(2026, 12, 25, 10, 0), True),
        ],
    )
    def test_outside_office_hours_follows_the_article(
        self, article_hours: OfficeHours, at: datetime, expected: bool
    ) -> None:
        """R4: allowed exactly outside [08:00, 16:00) on working days."""
        assert may_create(OUTSIDE, article_hours, at) is expected

    def test_never_never_and_always_always(self, article_hours: OfficeHours) -> None:
        """NEVER refuses and ALWAYS allows, inside office hours or not."""
        for at in (cph(2026, 12, 3, 10, 0), cph(2026, 12, 5, 10, 0)):
            assert may_create(Permission.NEVER, article_hours, at) is False
            assert may_create(Permission.ALWAYS, article_hours, at) is True

    @pytest.mark.parametrize("permission", list(Permission))
    def test_naive_datetimes_are_refused_for_every_permission(
        self, article_hours: OfficeHours, permission: Permission
    ) -> None:
        """R4: even NEVER and ALWAYS refuse a naive datetime rather than guess."""
        naive = datetime(2026, 12, 3, 10, 0)
        with pytest.raises(NaiveDatetimeError):
            may_create(permission, article_hours, naive)
        with pytest.raises(NaiveDatetimeError):
            decide_creation(permission, article_hours, naive)


class TestDecision:
    def test_is_truthy_exactly_when_allowed(self, article_hours: OfficeHours) -> None:
        """bool(decision) == decision.allowed."""
        inside = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 3, 10, 0))
        outside = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 3, 17, 0))
        assert not inside
        assert inside.allowed is False
        assert outside
        assert outside.allowed is True

    @pytest.mark.parametrize(
        ("permission", "at", "reason"),
        [
            (Permission.NEVER, cph(2026, 12, 5, 10, 0), Reason.NEVER_GRANTED),
            (Permission.ALWAYS, cph(2026, 12, 3, 10, 0), Reason.ALWAYS_GRANTED),
            (OUTSIDE, cph(2026, 12, 3, 10, 0), Reason.INSIDE_OFFICE_HOURS),
            (OUTSIDE, cph(2026, 12, 3, 7, 0), Reason.BEFORE_OPENING),
            (OUTSIDE, cph(2026, 12, 3, 16, 0), Reason.AFTER_CLOSING),
            (OUTSIDE, cph(2026, 12, 5, 10, 0), Reason.WEEKEND),
            (OUTSIDE, cph(2026, 12, 25, 10, 0), Reason.PUBLIC_HOLIDAY),
        ],
    )
    def test_carries_its_reason(
        self,
        article_hours: OfficeHours,
        permission: Permission,
        at: datetime,
        reason: Reason,
    ) -> None:
        """Each decision names why it came out as it did."""
        assert decide_creation(permission, article_hours, at).reason is reason

    def test_names_the_holiday(self, article_hours: OfficeHours) -> None:
        """A holiday decision carries the holiday's names; others carry None."""
        holiday = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 25, 10, 0))
        assert holiday.holiday == HolidayName(da="Juledag", en="Christmas Day")
        weekend = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 5, 10, 0))
        assert weekend.holiday is None

    def test_next_change_only_for_outside_office_hours(
        self, article_hours: OfficeHours
    ) -> None:
        """NEVER and ALWAYS never flip; OUTSIDE flips at the next boundary."""
        at = cph(2026, 12, 3, 10, 0)
        assert decide_creation(Permission.NEVER, article_hours, at).next_change is None
        assert decide_creation(Permission.ALWAYS, article_hours, at).next_change is None
        decision = decide_creation(OUTSIDE, article_hours, at)
        assert decision.next_change == cph(2026, 12, 3, 16, 0)

    def test_is_a_frozen_value(self, article_hours: OfficeHours) -> None:
        """Decisions compare by value and cannot be changed."""
        at = cph(2026, 12, 3, 10, 0)
        decision = decide_creation(OUTSIDE, article_hours, at)
        assert decision == decide_creation(OUTSIDE, article_hours, at)
        assert isinstance(decision, CreationDecision)
        with pytest.raises(AttributeError):
            decision.reason = Reason.WEEKEND  # type: ignore[misc]
        with pytest.raises(AttributeError):
            decision.note = "no new attributes either"  # type: ignore[attr-defined]
        assert hash(decision) == hash(decide_creation(OUTSIDE, article_hours, at))

    def test_repr_names_the_decision_not_the_whole_office_hours(
        self, article_hours: OfficeHours
    ) -> None:
        """The repr stays short: permission, reason and instant."""
        decision = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 3, 10, 0))
        assert repr(decision).startswith(
            "CreationDecision(permission=<Permission.OUTSIDE_OFFICE_HOURS"
        )
        assert "OfficeHours" not in repr(decision)

    def test_as_json_data(self, article_hours: OfficeHours) -> None:
        """to_dict gives stable codes and ISO instants in the insurer's zone."""
        at = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
        data = decide_creation(OUTSIDE, article_hours, at).to_dict("en")
        assert data == {
            "allowed": True,
            "reason": "public_holiday",
            "permission": "outside_office_hours",
            "at": "2026-12-25T10:00:00+01:00",
            "next_change": "2026-12-28T08:00:00+01:00",
            "holiday": "Christmas Day",
            "message": "Urgent cases can be created now (public holiday: Christmas "
            "Day) until Monday 08:00.",
        }


class TestMessages:
    @pytest.mark.parametrize(
        ("permission", "at", "da", "en"),
        [
            (
                OUTSIDE,
                cph(2026, 12, 3, 10, 0),
                "Det er kontortid. Akut sager kan oprettes igen fra i dag kl. 16:00.",
                "It is within office hours. Urgent cases can be created again from "
                "16:00 today.",
            ),
            (
                OUTSIDE,
                cph(2026, 12, 3, 17, 0),
                "Akut sager kan oprettes nu (efter kontortid) indtil i morgen kl. "
                "08:00.",
                "Urgent cases can be created now (after office hours) until 08:00 "
                "tomorrow.",
            ),
            (
                OUTSIDE,
                cph(2026, 12, 5, 10, 0),
                "Akut sager kan oprettes nu (weekend) indtil mandag kl. 08:00.",
                "Urgent cases can be created now (weekend) until Monday 08:00.",
            ),
            (
                OUTSIDE,
                cph(2023, 5, 5, 10, 0),
                "Akut sager kan oprettes nu (helligdag: Store bededag) indtil mandag "
                "kl. 08:00.",
                "Urgent cases can be created now (public holiday: Great Prayer Day) "
                "until Monday 08:00.",
            ),
            (
                Permission.NEVER,
                cph(2026, 12, 5, 10, 0),
                "Kontoret har ikke ret til at oprette akut sager.",
                "This office is not allowed to create urgent cases.",
            ),
            (
                Permission.ALWAYS,
                cph(2026, 12, 3, 10, 0),
                "Kontoret kan altid oprette akut sager.",
                "This office may create urgent cases at any time.",
            ),
        ],
    )
    def test_in_danish_and_english(
        self,
        article_hours: OfficeHours,
        permission: Permission,
        at: datetime,
        da: str,
        en: str,
    ) -> None:
        """Every kind of decision reads as a sentence in both languages."""
        decision = decide_creation(permission, article_hours, at)
        assert decision.message("da") == da
        assert decision.message("en") == en

    def test_says_the_weekday_for_a_change_later_in_the_week(self) -> None:
        """'fra fredag kl. 16:00': the day is named when it is not today/tomorrow."""
        week: list[list[str]] = [["00:00-24:00"]] * 4 + [["00:00-16:00"]] + [[]] * 2
        hours = OfficeHours("Europe/Copenhagen", week)
        decision = decide_creation(OUTSIDE, hours, cph(2026, 11, 30, 10, 0))
        assert decision.message("da") == (
            "Det er kontortid. Akut sager kan oprettes igen fra fredag kl. 16:00."
        )
        assert decision.message("en").endswith("again from Friday 16:00.")

    def test_gives_the_full_date_a_week_or_more_ahead(self) -> None:
        """A change seven or more days away is dated, in the insurer's zone."""
        hours = OfficeHours.weekdays(
            closed_dates=[date(2026, 12, d) for d in range(7, 12)]
        )
        decision = decide_creation(OUTSIDE, hours, cph(2026, 12, 4, 17, 0))
        assert decision.message("da").endswith(
            "indtil mandag den 14. december 2026 kl. 08:00."
        )
        assert decision.message("en").endswith("until Monday 14 December 2026 08:00.")

    def test_names_a_closed_weekday_and_an_extra_closed_date(self) -> None:
        """The reason phrase names the weekday without hours, or the closed day."""
        week: list[list[str]] = [["08:00-16:00"]] * 7
        week[2] = []
        hours = OfficeHours(
            "Europe/Copenhagen", week, closed_dates=[date(2026, 12, 24)]
        )
        wednesday = decide_creation(OUTSIDE, hours, cph(2026, 12, 2, 10, 0))
        assert "(ingen kontortid om onsdagen)" in wednesday.message("da")
        assert "(no office hours on Wednesdays)" in wednesday.message("en")
        eve = decide_creation(OUTSIDE, hours, cph(2026, 12, 24, 10, 0))
        assert "(lukkedag)" in eve.message("da")
        assert "(closed day)" in eve.message("en")

    def test_when_the_answer_never_changes(self) -> None:
        """Without a next change the sentence has no 'until'/'from'."""
        always_open = OfficeHours("UTC", [["00:00-24:00"]] * 7)
        inside = decide_creation(OUTSIDE, always_open, cph(2026, 12, 3, 10, 0))
        assert inside.message("en") == (
            "It is within office hours. Urgent cases cannot be created within "
            "office hours."
        )
        never_open = OfficeHours("UTC", [[]] * 7)
        outside = decide_creation(OUTSIDE, never_open, cph(2026, 12, 3, 10, 0))
        assert outside.message("da") == (
            "Akut sager kan oprettes nu (ingen kontortid om torsdagen)."
        )

    def test_refuses_other_languages(self, article_hours: OfficeHours) -> None:
        """Only Danish and English are rendered."""
        decision = decide_creation(OUTSIDE, article_hours, cph(2026, 12, 3, 10, 0))
        with pytest.raises(UnsupportedLanguageError):
            decision.message("sv")  # type: ignore[arg-type]
        with pytest.raises(UnsupportedLanguageError):
            pending_notice(2, "sv")  # type: ignore[arg-type]
