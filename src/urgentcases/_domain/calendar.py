"""Public holiday calendars, precomputed from the `holidays` package."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

import attrs
import holidays

from urgentcases.exceptions import DateRangeError, InvalidOfficeHoursError

__all__ = ["FAST_YEARS", "HolidayCalendar", "HolidayName", "Language"]

Language = Literal["da", "en"]
"""A language the library renders text in: Danish (``"da"``) or English (``"en"``)."""

FAST_YEARS = range(2000, 2101)
"""Years whose holidays are precomputed; other years are computed on each use."""

# The `holidays` language codes tried for each of our languages, best first; a
# country that has none of them gives its names in its default language.
_HOLIDAYS_LANGUAGES: dict[Language, tuple[str, ...]] = {
    "da": ("da",),
    "en": ("en_US", "en_GB"),
}


@attrs.frozen
class HolidayName:
    """The name of a public holiday in each language the library renders.

    Attributes:
        da: The Danish name, e.g. ``"Juledag"``.
        en: The English name, e.g. ``"Christmas Day"``.
    """

    da: str
    en: str

    def in_language(self, language: Language) -> str:
        """Return the name in *language*."""
        return self.da if language == "da" else self.en


def _string_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen
class HolidayCalendar:
    """A country's public holidays, as the `holidays` package defines them.

    The dates of `FAST_YEARS` are computed once, at construction, so that a
    lookup never consults (or grows) a lazily filled calendar. Other years the
    package covers are computed on each lookup: slower, never wrong. A year the
    package does not cover raises `DateRangeError` rather than answering "no
    holiday".

    Attributes:
        country: ISO 3166-1 alpha-2 code, e.g. ``"DK"``.
        subdivision: Optional ISO 3166-2 subdivision code, e.g. ``"BY"`` for Bavaria.
        categories: Holiday categories to include, e.g. ``("public", "optional")``
            for Denmark's optional days off (Christmas Eve, New Year's Eve, ...).
            Empty means the package's default (public holidays).

    >>> from datetime import date
    >>> denmark = HolidayCalendar("DK")
    >>> denmark.is_holiday(date(2023, 5, 5)), denmark.is_holiday(date(2024, 4, 26))
    (True, False)
    >>> denmark.name(date(2026, 12, 25))
    HolidayName(da='Juledag', en='Christmas Day')
    """

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)
    _fast: frozenset[int] = attrs.field(init=False, eq=False, repr=False)
    _supported: range = attrs.field(init=False, eq=False, repr=False)
    _fast_years: range = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.country, str) or not self.country:
            raise InvalidOfficeHoursError(
                f"country must be an ISO 3166-1 code such as 'DK', not {self.country!r}"
            )
        if self.subdivision is not None and not isinstance(self.subdivision, str):
            raise InvalidOfficeHoursError(
                f"subdivision must be a string or None, not {self.subdivision!r}"
            )
        empty = self._build(())
        supported = range(empty.start_year, empty.end_year + 1)
        fast_years = _overlap(FAST_YEARS, supported)
        fast = self._build(fast_years)
        object.__setattr__(self, "_supported", supported)
        object.__setattr__(self, "_fast_years", fast_years)
        object.__setattr__(self, "_fast", frozenset(d.toordinal() for d in fast))

    @property
    def supported_years(self) -> range:
        """The years the `holidays` package defines this calendar for."""
        return self._supported

    @property
    def fast_years(self) -> range:
        """The years whose holidays were precomputed.

        `FAST_YEARS` as far as `supported_years` reaches.
        """
        return self._fast_years

    def _build(
        self, years: int | range | tuple[()], language: str | None = None
    ) -> holidays.HolidayBase:
        try:
            return holidays.country_holidays(
                self.country,
                subdiv=self.subdivision,
                years=years,
                categories=self.categories or None,
                language=language,
            )
        except (NotImplementedError, ValueError, KeyError, TypeError) as error:
            raise InvalidOfficeHoursError(
                f"no holiday calendar for country={self.country!r}, "
                f"subdivision={self.subdivision!r}, "
                f"categories={self.categories!r}: {error}"
            ) from error

    def is_holiday(self, day: date) -> bool:
        """Return whether *day* is a holiday of this calendar.

        Raises:
            DateRangeError: *day* lies outside `supported_years`.
        """
        if day.year in self._fast_years:
            return day.toordinal() in self._fast
        return day in self._year(day.year)

    def _year(self, year: int, language: str | None = None) -> holidays.HolidayBase:
        if year not in self._supported:
            raise DateRangeError(
                f"the holiday calendar for {self.country} covers "
                f"{self._supported.start} to {self._supported.stop - 1}, not {year}"
            )
        return self._build(year, language)

    def fast_ordinals(self) -> frozenset[int]:
        """Return the proleptic ordinals of the holidays in `fast_years`."""
        return self._fast

    def name(self, day: date) -> HolidayName | None:
        """Return the holiday's names on *day*, or None when it is no holiday.

        Several holidays on one day are joined with ``"; "``, as `holidays` does.
        """
        if not self.is_holiday(day):
            return None
        names = [self._name_in(day, language) for language in ("da", "en")]
        return HolidayName(da=names[0], en=names[1])

    def _name_in(self, day: date, language: Language) -> str:
        default = self._year(day.year)
        supported = default.supported_languages
        chosen = next(
            (code for code in _HOLIDAYS_LANGUAGES[language] if code in supported),
            None,
        )
        calendar = default if chosen is None else self._year(day.year, chosen)
        return str(calendar[day])


def _overlap(first: range, second: range) -> range:
    return range(max(first.start, second.start), min(first.stop, second.stop))
