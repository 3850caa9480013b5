"""Link candidates: ranking the normal cases an urgent case may belong to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.world import (
    ANNE,
    CHIEF,
    HANDLER,
    INSURER,
    OUTSIDE_HOURS,
    SATURDAY_NIGHT,
    form,
)
from urgentcases import (
    Case,
    CaseKind,
    CaseStatus,
    MemoryStorage,
    NotPermittedError,
    UrgentCaseService,
    fold,
    link_candidates,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def case(
    case_id: str,
    *,
    kind: CaseKind = CaseKind.NORMAL,
    status: CaseStatus = CaseStatus.OPEN,
    insurer_id: str = "tryg",
    minutes: int = 0,
    **fields: str,
) -> Case:
    return Case(
        id=case_id,
        insurer_id=insurer_id,
        kind=kind,
        created_at=T0 + timedelta(minutes=minutes),
        created_by="hanne",
        status=status,
        fields=tuple(sorted(fields.items())),
    )


URGENT = case(
    "Akut-000001",
    kind=CaseKind.URGENT,
    policy_number="P-123456",
    address="Æblevej 7, 8000 Aarhus C",
    policyholder="Søren Åberg",
    loss_date="2026-12-05",
)


class TestRanking:
    def test_policy_number_then_address_and_date_then_name(self) -> None:
        """An exact policy number ranks first; each candidate says why."""
        policy = case("4711", policy_number="p 123456")
        place = case("4712", address="Aeblevej 7 8000 Aarhus C", loss_date="2026-12-04")
        name = case("4713", policyholder="SOEREN AABERG")
        ranked = link_candidates(URGENT, [name, place, policy])
        assert [c.case.id for c in ranked] == ["4711", "4712", "4713"]
        assert [m.field for m in ranked[1].matches] == ["address", "loss_date"]
        assert ranked[1].matches[1].detail == "1 day apart"
        assert ranked[2].matches[0].detail == "exact"

    def test_only_open_normal_cases_of_the_insurer_are_candidates(self) -> None:
        """Urgent, discontinued, other insurers' cases and the case itself are not."""
        same = "P-123456"
        others = [
            URGENT,
            case("Akut-2", kind=CaseKind.URGENT, policy_number=same),
            case("4711", status=CaseStatus.DISCONTINUED, policy_number=same),
            case("4712", insurer_id="topdanmark", policy_number=same),
            case("4713", policy_number="P-999"),
        ]
        assert link_candidates(URGENT, others) == []

    def test_ties_go_to_the_newer_case_and_the_limit_holds(self) -> None:
        """Equal scores: newest first, then by id; at most `limit` candidates."""
        cases = [
            case(f"N-{i}", minutes=i % 3, policy_number="P123456") for i in range(6)
        ]
        ranked = link_candidates(URGENT, cases, limit=4)
        assert [c.case.id for c in ranked] == ["N-2", "N-5", "N-1", "N-4"]

    def test_partial_words_score_in_proportion(self) -> None:
        """Half the address's words give half its points."""
        half = case("4711", address="Æblevej 7")
        (candidate,) = link_candidates(URGENT, [half])
        assert candidate.matches[0].detail == "40% of the words"
        assert candidate.score == 16


class TestFolding:
    @pytest.mark.parametrize(
        ("one", "two"),
        [
            ("Søren Åberg", "soeren aaberg"),
            ("Æblevej 7, 8000 Aarhus C", "AEBLEVEJ 7 8000 ÅRHUS C".replace("Å", "AA")),
            ("Müller-Lüdenscheid", "mueller luedenscheid"),
            ("Café", "cafe"),
        ],
    )
    def test_variants_fold_alike(self, one: str, two: str) -> None:
        """Case, punctuation, accents and Danish digraphs do not matter."""
        assert fold(one) == fold(two)

    @given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåÆØÅ -,.", max_size=30))
    def test_danish_letters_and_their_digraphs_rank_alike(self, name: str) -> None:
        """Writing å, æ, ø as aa, ae, oe, or in capitals, never changes a score."""
        variant = name
        for letter, digraph in (("å", "aa"), ("æ", "ae"), ("ø", "oe")):
            variant = variant.replace(letter, digraph)
            variant = variant.replace(letter.upper(), digraph.upper())
        variant = variant.upper()
        urgent = attrs.evolve(URGENT, fields=(("policyholder", name),))
        one = link_candidates(urgent, [case("4711", policyholder=variant)])
        two = link_candidates(urgent, [case("4711", policyholder=name)])
        assert [c.score for c in one] == [c.score for c in two]


names = st.text(alphabet="abcdefghij æøå", min_size=1, max_size=20)


@given(names, names, st.dates(date(2026, 1, 1), date(2026, 12, 31)))
def test_an_exact_policy_number_outranks_everything_else_together(
    name: str, address: str, loss: date
) -> None:
    """Same name, address and loss date together still rank below the policy number."""
    urgent = attrs.evolve(
        URGENT,
        fields=(
            ("address", address),
            ("loss_date", loss.isoformat()),
            ("policy_number", "P-1"),
            ("policyholder", name),
        ),
    )
    policy = case("4711", policy_number="P-1")
    look_alike = case(
        "4712", policyholder=name, address=address, loss_date=loss.isoformat()
    )
    ranked = link_candidates(urgent, [look_alike, policy])
    assert ranked[0].case.id == "4711"


class TestService:
    def test_the_insurer_gets_ranked_candidates_and_partners_do_not(self) -> None:
        """Through the service: insurer users only, open normal cases only."""
        service = UrgentCaseService(MemoryStorage().unit_of_work)
        urgent = service.create(
            user=ANNE,
            insurer=INSURER,
            grant=OUTSIDE_HOURS,
            form=form(),
            at=SATURDAY_NIGHT,
        ).case
        for number, fields in [
            ("4711", {"policyholder": "Soeren Aaberg"}),
            ("4712", {"policy_number": "p-123456"}),
        ]:
            service.open_normal_case(
                insurer=INSURER,
                case_number=number,
                handler=CHIEF,
                at=SATURDAY_NIGHT,
                fields=fields,
            )
        ranked = service.link_candidates(
            user=HANDLER, insurer=INSURER, case_id=urgent.id
        )
        assert [c.case.id for c in ranked] == ["4712", "4711"]
        with pytest.raises(NotPermittedError):
            service.link_candidates(user=ANNE, insurer=INSURER, case_id=urgent.id)
