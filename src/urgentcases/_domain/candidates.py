"""Link candidates: which open normal cases an urgent case most likely belongs to.

The article leaves linking to a person scrolling a case list. This ranks the
insurer's open normal cases by what an urgent case shares with each: the
policy number, the address, the policyholder's name and the loss date, and
says why. Text is compared after folding case, punctuation and the Danish
letter variants (``aa``/``å``, ``ae``/``æ``, ``oe``/``ø``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

import attrs

from urgentcases._domain.model import Case, CaseKind, CaseStatus

__all__ = ["Candidate", "Match", "fold", "link_candidates"]

# A policy number alone outweighs everything else together (40 + 30 + 20).
POLICY_POINTS = 100
ADDRESS_POINTS = 40
NAME_POINTS = 30
DATE_POINTS = {0: 20, 1: 15, 2: 10, 3: 10, 4: 5, 5: 5, 6: 5, 7: 5}

_VARIANTS = (
    ("å", "aa"),
    ("æ", "ae"),
    ("ø", "oe"),
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "ue"),
)
_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Fold *text* for comparison: case, accents, Danish variants, punctuation.

    Pure, so its results are cached: ranking many urgent cases against the same
    open cases folds each text once.

    >>> fold("Søren Åberg, Æblevej 7") == fold("soeren aaberg aeblevej 7")
    True
    """
    text = unicodedata.normalize("NFC", text.casefold())
    for letter, digraph in _VARIANTS:
        text = text.replace(letter, digraph)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text))


@functools.lru_cache(maxsize=16384)
def _words(text: str | None) -> frozenset[str]:
    return frozenset(fold(text or "").split())


def _date(text: str | None) -> date | None:
    try:
        return None if not text else date.fromisoformat(text)
    except ValueError:
        return None


@attrs.frozen
class Match:
    """One reason a case is a candidate.

    Attributes:
        field: ``policy_number``, ``address``, ``policyholder`` or ``loss_date``.
        points: What it added to the score.
        detail: How well it matched, e.g. ``"exact"``, ``"67% of the words"``,
            ``"1 day apart"``.
    """

    field: str
    points: float
    detail: str


@attrs.frozen
class Candidate:
    """An open normal case an urgent case may belong to, with its reasons.

    Attributes:
        case: The candidate link target.
        score: The sum of its matches' points; higher is likelier.
        matches: Why, strongest first.
    """

    case: Case
    score: float
    matches: tuple[Match, ...]


@attrs.frozen
class _Features:
    """What a case is compared by, folded once."""

    policy: str
    words: tuple[tuple[str, int, frozenset[str]], ...]  # (field, points, words)
    loss: date | None

    @classmethod
    def of(cls, case: Case) -> _Features:
        return cls(
            fold(case.field("policy_number") or "").replace(" ", ""),
            tuple(
                (name, points, _words(case.field(name)))
                for name, points in (
                    ("address", ADDRESS_POINTS),
                    ("policyholder", NAME_POINTS),
                )
            ),
            _date(case.field("loss_date")),
        )


def _matches(urgent: _Features, target: _Features) -> tuple[Match, ...]:
    found = []
    if urgent.policy and urgent.policy == target.policy:
        found.append(Match("policy_number", POLICY_POINTS, "exact"))
    for (name, points, one), (_, _, two) in zip(
        urgent.words, target.words, strict=True
    ):
        if one and two and (shared := len(one & two)):
            share = shared / len(one | two)
            detail = "exact" if share == 1 else f"{share:.0%} of the words"
            found.append(Match(name, round(points * share, 2), detail))
    loss, their = urgent.loss, target.loss
    if loss is not None and their is not None:
        days = abs((loss - their).days)
        if days in DATE_POINTS:
            detail = "same day" if days == 0 else f"{days} day{'s' * (days > 1)} apart"
            found.append(Match("loss_date", DATE_POINTS[days], detail))
    return tuple(sorted(found, key=lambda match: -match.points))


def link_candidates(
    urgent: Case, cases: Iterable[Case], *, limit: int = 10
) -> list[Candidate]:
    """Rank the open normal cases of *cases* as link targets for *urgent*.

    Only open normal cases of the same insurer that share something with the
    urgent case are candidates. Highest score first; ties go to the newer
    case, then to the lower id.
    """
    ranked = []
    features = _Features.of(urgent)
    for case in cases:
        if (
            case.insurer_id != urgent.insurer_id
            or case.id == urgent.id
            or case.kind is not CaseKind.NORMAL
            or case.status is not CaseStatus.OPEN
        ):
            continue
        matches = _matches(features, _Features.of(case))
        if matches:
            score = round(sum(match.points for match in matches), 2)
            ranked.append(Candidate(case, score, matches))
    ranked.sort(key=lambda c: (-c.score, -c.case.created_at.timestamp(), c.case.id))
    return ranked[:limit]
