"""Link candidates: which open normal cases an urgent case most likely belongs to.

The article leaves linking to a person scrolling a case list. This ranks the
insurer's open normal cases by what an urgent case shares with each: the
policy number, the address, the policyholder's name and the loss date, and
says why. Text is compared after folding case, punctuation and the Danish
letter variants (``aa``/``å``, ``ae``/``æ``, ``oe``/``ø``).
"""

from __future__ import annotations

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


def fold(text: str) -> str:
    """Fold *text* for comparison: case, accents, Danish variants, punctuation.

    >>> fold("Søren Åberg, Æblevej 7") == fold("soeren aaberg aeblevej 7")
    True
    """
    text = unicodedata.normalize("NFC", text.casefold())
    for letter, digraph in _VARIANTS:
        text = text.replace(letter, digraph)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text))


def _words(text: str | None) -> frozenset[str]:
    return frozenset(fold(text or "").split())


def _similarity(first: str | None, second: str | None) -> float:
    """Jaccard similarity of the folded words, 0 when either is empty."""
    one, two = _words(first), _words(second)
    if not one or not two:
        return 0.0
    return len(one & two) / len(one | two)


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


def _matches(urgent: Case, target: Case) -> tuple[Match, ...]:
    found = []
    policy, other = (
        fold(urgent.field("policy_number") or ""),
        fold(target.field("policy_number") or ""),
    )
    if policy and policy.replace(" ", "") == other.replace(" ", ""):
        found.append(Match("policy_number", POLICY_POINTS, "exact"))
    for name, points in (("address", ADDRESS_POINTS), ("policyholder", NAME_POINTS)):
        share = _similarity(urgent.field(name), target.field(name))
        if share > 0:
            detail = "exact" if share == 1 else f"{share:.0%} of the words"
            found.append(Match(name, round(points * share, 2), detail))
    loss, their = _date(urgent.field("loss_date")), _date(target.field("loss_date"))
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
    for case in cases:
        if (
            case.insurer_id != urgent.insurer_id
            or case.id == urgent.id
            or case.kind is not CaseKind.NORMAL
            or case.status is not CaseStatus.OPEN
        ):
            continue
        matches = _matches(urgent, case)
        if matches:
            score = round(sum(match.points for match in matches), 2)
            ranked.append(Candidate(case, score, matches))
    ranked.sort(key=lambda c: (-c.score, -c.case.created_at.timestamp(), c.case.id))
    return ranked[:limit]
