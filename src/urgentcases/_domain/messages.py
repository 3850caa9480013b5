"""Creation decisions as sentences, in Danish and English."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from urgentcases._domain.calendar import Language
from urgentcases._domain.reasons import Reason
from urgentcases.exceptions import UnsupportedLanguageError

if TYPE_CHECKING:
    from urgentcases._domain.policy import CreationDecision

__all__ = ["format_moment", "pending_notice", "render_decision"]

_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "da": (
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

# Why creation is allowed, as a phrase that completes "... now (PHRASE)".
_WHY: dict[Reason, dict[Language, str]] = {
    Reason.BEFORE_OPENING: {"da": "før kontortid", "en": "before office hours"},
    Reason.AFTER_CLOSING: {"da": "efter kontortid", "en": "after office hours"},
    Reason.BETWEEN_INTERVALS: {
        "da": "uden for kontortid",
        "en": "outside office hours",
    },
    Reason.WEEKEND: {"da": "weekend", "en": "weekend"},
    Reason.CLOSED_WEEKDAY: {
        "da": "ingen kontortid om {weekday}en",
        "en": "no office hours on {weekday}s",
    },
    Reason.PUBLIC_HOLIDAY: {
        "da": "helligdag: {holiday}",
        "en": "public holiday: {holiday}",
    },
    Reason.EXTRA_CLOSED_DATE: {"da": "lukkedag", "en": "closed day"},
}

_TEXT: dict[str, dict[Language, str]] = {
    "never": {
        "da": "Kontoret har ikke ret til at oprette akut sager.",
        "en": "This office is not allowed to create urgent cases.",
    },
    "always": {
        "da": "Kontoret kan altid oprette akut sager.",
        "en": "This office may create urgent cases at any time.",
    },
    "inside": {
        "da": "Det er kontortid. Akut sager kan oprettes igen fra {when}.",
        "en": "It is within office hours. Urgent cases can be created again from "
        "{when}.",
    },
    "inside_forever": {
        "da": "Det er kontortid. Akut sager kan ikke oprettes i kontortiden.",
        "en": "It is within office hours. Urgent cases cannot be created within "
        "office hours.",
    },
    "outside": {
        "da": "Akut sager kan oprettes nu ({why}) indtil {when}.",
        "en": "Urgent cases can be created now ({why}) until {when}.",
    },
    "outside_forever": {
        "da": "Akut sager kan oprettes nu ({why}).",
        "en": "Urgent cases can be created now ({why}).",
    },
}


def _require_language(language: object) -> None:
    if language not in _WEEKDAYS:
        raise UnsupportedLanguageError(
            f"language must be 'da' or 'en', not {language!r}"
        )


def format_moment(moment: datetime, now: datetime, language: Language) -> str:
    """Say when *moment* is, seen from *now* (both in the same zone).

    "i dag kl. 16:00" / "16:00 today", "i morgen kl. 08:00" / "08:00 tomorrow",
    "fredag kl. 16:00" / "Friday 16:00" within a week, and with the full date
    beyond: "fredag den 24. december 2027 kl. 08:00" / "Friday 24 December 2027
    08:00".
    """
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    days = (moment.date() - now.date()).days
    if language == "da":
        if days == 0:
            return f"i dag kl. {clock}"
        if days == 1:
            return f"i morgen kl. {clock}"
    else:
        if days == 0:
            return f"{clock} today"
        if days == 1:
            return f"{clock} tomorrow"
    weekday = _WEEKDAYS[language][moment.weekday()]
    if 0 < days < 7:
        return f"{weekday} kl. {clock}" if language == "da" else f"{weekday} {clock}"
    month = _MONTHS[language][moment.month - 1]
    if language == "da":
        return f"{weekday} den {moment.day}. {month} {moment.year} kl. {clock}"
    return f"{weekday} {moment.day} {month} {moment.year} {clock}"


def render_decision(
    decision: CreationDecision, language: Language, change: datetime | None
) -> str:
    """Return *decision*, whose answer flips at *change*, as a sentence.

    See `CreationDecision.message`.
    """
    _require_language(language)
    reason = decision.reason
    if reason is Reason.NEVER_GRANTED:
        return _TEXT["never"][language]
    if reason is Reason.ALWAYS_GRANTED:
        return _TEXT["always"][language]
    hours = decision.office_hours
    now = hours.localize(decision.at)
    when = (
        "" if change is None else format_moment(hours.localize(change), now, language)
    )
    if reason is Reason.INSIDE_OFFICE_HOURS:
        return _TEXT["inside" if change else "inside_forever"][language].format(
            when=when
        )
    holiday = decision.holiday
    why = _WHY[reason][language].format(
        weekday=_WEEKDAYS[language][now.weekday()],
        holiday="" if holiday is None else holiday.in_language(language),
    )
    return _TEXT["outside" if change else "outside_forever"][language].format(
        why=why, when=when
    )


def pending_notice(count: int, language: Language = "da") -> str:
    """The notice on the case list and dashboard (R12), pluralised correctly.

    >>> pending_notice(1), pending_notice(3), pending_notice(0, "en")
    ('1 sag skal tilknyttes', '3 sager skal tilknyttes', '0 cases must be linked')
    """
    _require_language(language)
    if language == "da":
        return f"{count} {'sag' if count == 1 else 'sager'} skal tilknyttes"
    return f"{count} {'case' if count == 1 else 'cases'} must be linked"
