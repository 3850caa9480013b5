"""The report as JSON, CSV, an SVG chart and a terminal table."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.world import INSURER
from urgentcases import (
    Durations,
    InvalidExportError,
    Language,
    Period,
    Permission,
    Report,
    ReportCounts,
    ReportPeriod,
    Resolution,
    UnsupportedLanguageError,
    report_csv,
    report_json,
    report_svg,
    report_table,
)

WEEK = Period.containing(ReportPeriod.WEEKLY, date(2026, 11, 30))  # 2026-W49
SVG = "{http://www.w3.org/2000/svg}"
DASH = "\N{EN DASH}"
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # starts a spreadsheet formula
OUTSIDE_ONLY = Permission.OUTSIDE_OFFICE_HOURS.value
ALWAYS = Permission.ALWAYS.value
CONVERTED, LINKED, OPEN = (r.value for r in Resolution)

RICH = ReportCounts(
    groups={
        ("skadeservice", "sk-aarhus", None, OUTSIDE_ONLY, True, CONVERTED): 6,
        ("skadeservice", "sk-aarhus", "storm-æøå", ALWAYS, False, LINKED): 3,
        ("skadeservice", "sk-århus-øst", None, OUTSIDE_ONLY, True, OPEN): 2,
        ("byg", "byg-kbh", "storm-æøå", ALWAYS, True, CONVERTED): 1,
    },
    to_resolution={(CONVERTED, 125): 5, (CONVERTED, 3000): 2, (LINKED, 45): 3},
    to_first_item={30: 4, 90: 1},
    tasks={"first_aid": 9, "inspection": 4},
    items=17,
)
REPORT = Report.from_counts(INSURER, WEEK, RICH)


def resolved(
    converted: int, linked: int, still_open: int, period: Period = WEEK
) -> Report:
    """A report of cases converted, linked and still open, all from one office."""
    group = ("skadeservice", "sk-aarhus", None, ALWAYS, True)
    return Report.from_counts(
        INSURER,
        period,
        ReportCounts(
            groups={
                (*group, CONVERTED): converted,
                (*group, LINKED): linked,
                (*group, OPEN): still_open,
            },
            to_resolution={},
            to_first_item={},
            tasks={},
        ),
    )


def series(counts: Sequence[tuple[int, int, int]]) -> list[Report]:
    """One report per week from WEEK on, resolved as *counts* say."""
    reports = []
    period = WEEK
    for converted, linked, still_open in counts:
        reports.append(resolved(converted, linked, still_open, period))
        period = period.next()
    return reports


# Ids that need care: Danish letters, the delimiters, quotes, formula starts.
_IDS = st.text(alphabet='abæøåÆØÅ09 -=+@;,"\t/', min_size=1, max_size=6)


@st.composite
def report_counts(draw: st.DrawFn) -> ReportCounts:
    """Any counts: the report does not check that they agree with each other."""
    group = st.tuples(
        _IDS,
        _IDS,
        st.none() | _IDS,
        st.sampled_from([p.value for p in Permission]),
        st.booleans(),
        st.sampled_from([r.value for r in Resolution]),
    )
    resolution = st.tuples(st.sampled_from([CONVERTED, LINKED]), st.integers(0, 10**5))
    positive = st.integers(1, 10**4)
    return ReportCounts(
        groups=draw(st.dictionaries(group, positive, max_size=8)),
        to_resolution=draw(st.dictionaries(resolution, positive, max_size=5)),
        to_first_item=draw(
            st.dictionaries(st.integers(0, 10**5), positive, max_size=5)
        ),
        tasks=draw(st.dictionaries(_IDS, positive, max_size=4)),
        items=draw(st.integers(0, 10**6)),
    )


reports = report_counts().map(lambda counts: Report.from_counts(INSURER, WEEK, counts))


class TestJson:
    def test_one_report_is_an_object_equal_to_its_dict(self) -> None:
        """One report round-trips to to_dict(), and the text ends with a newline."""
        text = report_json(REPORT)
        assert json.loads(text) == REPORT.to_dict()
        assert text.endswith("}\n")
        assert text.startswith('{\n  "insurer_id": "tryg",')

    def test_a_sequence_is_an_array_in_order(self) -> None:
        """A sequence gives an array of the reports' dicts, in the given order."""
        later = resolved(1, 2, 3, WEEK.next())
        assert json.loads(report_json([later, REPORT])) == [
            later.to_dict(),
            REPORT.to_dict(),
        ]
        assert json.loads(report_json([])) == []

    def test_keys_keep_the_order_of_to_dict(self) -> None:
        """Keys are in to_dict's order, so equal reports give identical text."""
        assert list(json.loads(report_json(REPORT))) == list(REPORT.to_dict())
        again = Report.from_counts(INSURER, WEEK, RICH)
        assert report_json(again) == report_json(REPORT)

    def test_danish_letters_are_written_as_themselves(self) -> None:
        """ensure_ascii is off: æ, ø and å are not escaped."""
        text = report_json(REPORT)
        assert '"storm-æøå"' in text
        assert "\\u00e6" not in text

    @given(reports)
    def test_any_report_round_trips(self, report: Report) -> None:
        """For any counts, the JSON parses back to exactly to_dict()."""
        assert json.loads(report_json(report)) == report.to_dict()


def guarded(text: str) -> str:
    """What a text cell should read: formula starts get a leading quote."""
    return "'" + text if text.startswith(FORMULA) else text


def expected_rows(report: Report) -> list[list[str]]:
    """The CSV rows of *report*, written out from its fields."""
    cells: list[tuple[str, str, int | None]] = [("created", "", report.created)]
    cells += [("partner", p, n) for p, n in report.by_partner]
    cells += [("office", f"{p}/{o}", n) for (p, o), n in report.by_office]
    cells += [("event", e or "", n) for e, n in report.by_event]
    cells += [("permission", p.value, n) for p, n in report.by_permission]
    cells += [
        ("office_hours", "outside", report.outside_office_hours),
        ("office_hours", "inside", report.inside_office_hours),
    ]
    cells += [
        ("permission_office_hours", f"{p.value}/{'outside' if o else 'inside'}", n)
        for (p, o), n in report.by_permission_and_hours
    ]
    cells += [
        ("resolution", "converted", report.converted),
        ("resolution", "linked", report.linked),
        ("resolution", "open", report.still_open),
    ]
    for name in ("conversion", "link", "resolution", "first_item"):
        durations: Durations = getattr(report, f"to_{name}")
        cells += [
            (f"minutes_to_{name}", "count", durations.count),
            (f"minutes_to_{name}", "median", durations.median),
            (f"minutes_to_{name}", "p90", durations.p90),
        ]
    cells += [("task_type", t, n) for t, n in report.tasks_by_type]
    cells += [("items", "", report.items)]
    fixed = [
        guarded(report.insurer_id),
        report.period.label,
        report.start.isoformat(),
        report.end.isoformat(),
    ]
    return [
        [*fixed, section, guarded(key), "" if value is None else str(value)]
        for section, key, value in cells
    ]


HEADER = ["insurer_id", "period", "start", "end", "section", "key", "value"]


def parse_csv(text: str, delimiter: str = ";") -> list[list[str]]:
    """The rows of *text*, read as a spreadsheet would: BOM stripped."""
    return list(
        csv.reader(
            io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter
        )
    )


class TestCsv:
    def test_one_row_per_number_after_a_header(self) -> None:
        """The table parses back to the header and exactly the report's numbers."""
        rows = parse_csv(report_csv([REPORT]))
        assert rows[0] == HEADER
        assert rows[1:] == expected_rows(REPORT)
        assert rows[1] == [
            "tryg",
            "2026-W49",
            "2026-11-29T23:00:00+00:00",
            "2026-12-06T23:00:00+00:00",
            "created",
            "",
            "12",
        ]

    def test_several_reports_follow_each_other(self) -> None:
        """Each report's rows carry its own period, in the given order."""
        later = resolved(1, 0, 0, WEEK.next())
        rows = parse_csv(report_csv([REPORT, later]))
        assert rows[1:] == expected_rows(REPORT) + expected_rows(later)
        assert parse_csv(report_csv([])) == [HEADER]

    def test_sections_and_keys_read_clearly(self) -> None:
        """Untagged events have an empty key; durations have count, median, p90."""
        keyed = {(row[4], row[5]): row[6] for row in parse_csv(report_csv([REPORT]))}
        assert keyed["event", ""] == "8"
        assert keyed["event", "storm-æøå"] == "4"
        assert keyed["office", "skadeservice/sk-århus-øst"] == "2"
        assert keyed["permission_office_hours", "always/inside"] == "3"
        assert keyed["resolution", "open"] == "2"
        assert keyed["minutes_to_conversion", "median"] == "125"
        assert keyed["minutes_to_conversion", "p90"] == "3000"
        assert keyed["minutes_to_link", "count"] == "3"
        assert keyed["task_type", "first_aid"] == "9"
        assert keyed["items", ""] == "17"

    def test_a_missing_median_is_an_empty_cell(self) -> None:
        """Without resolved cases the median and p90 are empty; values are digits."""
        rows = parse_csv(report_csv([resolved(0, 0, 4)]))
        keyed = {(row[4], row[5]): row[6] for row in rows[1:]}
        assert keyed["minutes_to_resolution", "count"] == "0"
        assert keyed["minutes_to_resolution", "median"] == ""
        assert keyed["minutes_to_resolution", "p90"] == ""
        assert all(re.fullmatch(r"\d*", row[6]) for row in rows[1:])

    def test_utf8_bom_by_default_and_none_on_request(self) -> None:
        """The text starts with U+FEFF unless bom=False."""
        assert report_csv([REPORT]).startswith("\ufeffinsurer_id;")
        assert report_csv([REPORT], bom=False).startswith("insurer_id;")

    def test_danish_letters_survive_utf8(self) -> None:
        """Encoded as UTF-8 the file opens with the BOM and keeps æ, ø and å."""
        data = report_csv([REPORT]).encode("utf-8")
        assert data.startswith(codecs.BOM_UTF8)
        assert "storm-æøå".encode() in data
        assert "sk-århus-øst".encode() in data
        assert parse_csv(data.decode("utf-8-sig"))[1:] == expected_rows(REPORT)

    def test_semicolon_by_default_and_comma_on_request(self) -> None:
        """`;` separates cells by default; `,` on request; quotes protect both."""
        odd = Report.from_counts(
            INSURER,
            WEEK,
            ReportCounts(
                groups={("a;b", "c,d", 'say "hi"', ALWAYS, True, OPEN): 1},
                to_resolution={},
                to_first_item={},
                tasks={},
            ),
        )
        semicolon = report_csv([odd], bom=False)
        comma = report_csv([odd], delimiter=",", bom=False)
        assert semicolon.splitlines()[0] == ";".join(HEADER)
        assert comma.splitlines()[0] == ",".join(HEADER)
        assert '"a;b/c,d"' in semicolon
        assert (
            parse_csv(semicolon)
            == parse_csv(comma, ",")
            == [
                HEADER,
                *expected_rows(odd),
            ]
        )

    def test_lines_end_with_crlf(self) -> None:
        """Every line ends with CR LF, the last one too."""
        text = report_csv([REPORT])
        assert text.endswith("\r\n")
        assert "\n" not in text.replace("\r\n", "")
        assert text.count("\r\n") == len(expected_rows(REPORT)) + 1

    @pytest.mark.parametrize("delimiter", ["", ";;", "a", "7", '"', "\n", "\r"])
    def test_a_delimiter_a_reader_cannot_split_on_is_refused(
        self, delimiter: str
    ) -> None:
        """One punctuation character, or a typed error before anything is written."""
        with pytest.raises(InvalidExportError, match="delimiter"):
            report_csv([REPORT], delimiter=delimiter)

    def test_formula_injection_is_neutralised(self) -> None:
        """Text cells starting with = + - @ tab or CR get a leading quote."""
        evil = attrs.evolve(INSURER, id="=cmd|' /C calc'!A0")
        counts = ReportCounts(
            groups={
                ('=HYPERLINK("http://x")', "+45", "-1+1", ALWAYS, True, OPEN): 1,
                ("@SUM(A1)", "\tx", "\rx", ALWAYS, True, OPEN): 1,
                ("safe=ok", "a-b", None, ALWAYS, True, OPEN): 1,
            },
            to_resolution={},
            to_first_item={},
            tasks={"=1+2": 1},
        )
        rows = parse_csv(report_csv([Report.from_counts(evil, WEEK, counts)]))
        keys = {row[5] for row in rows[1:]}
        assert {
            '\'=HYPERLINK("http://x")',
            "'@SUM(A1)",
            '\'=HYPERLINK("http://x")/+45',
            "'@SUM(A1)/\tx",
            "'-1+1",
            "'\rx",
            "'=1+2",
            "safe=ok",
            "safe=ok/a-b",
        } <= keys
        assert {row[0] for row in rows[1:]} == {"'=cmd|' /C calc'!A0"}
        assert not [cell for row in rows for cell in row if cell.startswith(FORMULA)]

    @given(reports, st.sampled_from([";", ",", "\t"]), st.booleans())
    def test_any_report_round_trips(
        self, report: Report, delimiter: str, bom: bool
    ) -> None:
        """For any counts the CSV parses back to exactly the report's numbers."""
        text = report_csv([report], delimiter=delimiter, bom=bom)
        assert text.startswith("\ufeff") is bom
        assert parse_csv(text, delimiter) == [HEADER, *expected_rows(report)]


def chart(text: str) -> ET.Element:
    """The parsed SVG document."""
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


def classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in classes(e)]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text")]


def segments(bar: ET.Element) -> list[tuple[str, float, float]]:
    """The bar's segments, bottom first: (resolution, y, height)."""
    return [
        (classes(rect)[1], float(rect.get("y", "")), float(rect.get("height", "")))
        for rect in bar.iter(f"{SVG}rect")
        if "segment" in classes(rect)
    ]


def ticks(root: ET.Element) -> list[tuple[int, float]]:
    """The y axis: (value, y of its grid line)."""
    axis = by_class(root, "y-axis")[0]
    values = [int(t.text or "") for t in by_class(axis, "tick")]
    lines = [float(line.get("y1", "")) for line in axis.iter(f"{SVG}line")]
    return list(zip(values, lines, strict=True))


def check_bars(text: str, counts: Sequence[tuple[int, int, int]]) -> None:
    """Each bar stacks converted, linked, open in proportion to its counts."""
    root = chart(text)
    axis = ticks(root)
    (zero, base), (top, top_y) = axis[0], axis[-1]
    assert zero == 0
    per_case = (base - top_y) / top
    bars = by_class(root, "bar")
    assert len(bars) == len(counts)
    for bar, triple in zip(bars, counts, strict=True):
        present = [
            (name, n)
            for name, n in zip(("converted", "linked", "open"), triple, strict=True)
            if n
        ]
        stack = segments(bar)
        assert [name for name, _, _ in stack] == [name for name, _ in present]
        bottom = base
        for (_, y, height), (_, n) in zip(stack, present, strict=True):
            assert y + height == pytest.approx(bottom, abs=1e-6)
            assert height == pytest.approx(n * per_case, abs=0.011)
            bottom = y
        assert base - bottom == pytest.approx(sum(triple) * per_case, abs=0.006)


def check_ticks(text: str, highest: int) -> None:
    """The y axis steps by 1, 2 or 5 times 10^k from 0 up to the highest total."""
    values = [value for value, _ in ticks(chart(text))]
    step = values[1] - values[0]
    magnitude = 10 ** (len(str(step)) - 1)
    assert step in (magnitude, 2 * magnitude, 5 * magnitude)
    assert values == list(range(0, values[-1] + 1, step))
    assert values[-1] >= highest
    assert 2 <= len(values) <= 6
    assert values[-1] - step < max(highest, 1)


class TestSvg:
    COUNTS = ((3, 2, 1), (5, 0, 2), (0, 0, 0), (12, 4, 3), (0, 7, 0))

    def test_a_danish_chart_with_title_legend_and_period_labels(self) -> None:
        """The default chart is Danish, titled, with a legend and period labels."""
        root = chart(report_svg(series(self.COUNTS)))
        title = root.find(f"{SVG}title")
        assert title is not None
        assert title.text == "Akutte sager pr. periode"
        words = texts(root)
        assert "Akutte sager pr. periode" in words
        assert [t.text for t in by_class(root, "legend")[0].iter(f"{SVG}text")] == [
            "Konverteret",
            "Tilknyttet",
            "Stadig åben",
        ]
        assert [t.text for t in by_class(root, "period")] == [
            "2026-W49",
            "2026-W50",
            "2026-W51",
            "2026-W52",
            "2026-W53",
        ]
        assert "tryg" in words

    def test_an_english_chart(self) -> None:
        """language="en" gives the English title, legend and axis."""
        words = texts(chart(report_svg(series(self.COUNTS), language="en")))
        assert {"Urgent cases per period", "Converted", "Linked", "Still open"} <= set(
            words
        )
        assert "Cases" in words

    def test_segments_are_proportional_and_stack_to_the_total(self) -> None:
        """Segment heights follow the counts on one scale and add up to the total."""
        check_bars(report_svg(series(self.COUNTS)), self.COUNTS)

    def test_the_total_stands_above_each_bar(self) -> None:
        """Each bar shows its total just above its top segment."""
        root = chart(report_svg(series(self.COUNTS)))
        for bar, triple in zip(by_class(root, "bar"), self.COUNTS, strict=True):
            (total,) = by_class(bar, "total")
            assert total.text == str(sum(triple))
            stack = segments(bar)
            if stack:
                assert float(total.get("y", "")) < stack[-1][1]

    def test_each_segment_has_a_tooltip(self) -> None:
        """A <title> per segment names the period, the resolution and the count."""
        root = chart(report_svg(series([(3, 2, 1)])))
        tips = [
            rect.findtext(f"{SVG}title")
            for rect in root.iter(f"{SVG}rect")
            if "segment" in classes(rect)
        ]
        assert tips == [
            f"2026-W49 {DASH} Konverteret: 3 af 6",
            f"2026-W49 {DASH} Tilknyttet: 2 af 6",
            f"2026-W49 {DASH} Stadig åben: 1 af 6",
        ]

    def test_the_y_axis_has_round_ticks(self) -> None:
        """19 cases at most: ticks 0, 5, 10, 15, 20."""
        text = report_svg(series(self.COUNTS))
        assert [value for value, _ in ticks(chart(text))] == [0, 5, 10, 15, 20]
        check_ticks(text, 19)

    def test_colours_are_the_colour_blind_safe_ones(self) -> None:
        """Converted, linked and open use Okabe and Ito's blue, green and orange."""
        root = chart(report_svg(series([(1, 1, 1)])))
        fills = {classes(r)[1]: r.get("fill") for r in by_class(root, "segment")}
        assert fills == {
            "converted": "#0072B2",
            "linked": "#009E73",
            "open": "#E69F00",
        }

    def test_text_is_escaped(self) -> None:
        """Titles and insurer ids with < & > " come out as the same text."""
        odd = attrs.evolve(INSURER, id='<b>"x" & y</b>')
        report = Report.from_counts(odd, WEEK, RICH)
        text = report_svg([report], title='Sager <&> "alle"')
        assert "<b>" not in text
        assert "&lt;&amp;&gt;" in text
        root = chart(text)
        assert root.findtext(f"{SVG}title") == 'Sager <&> "alle"'
        words = texts(root)
        assert 'Sager <&> "alle"' in words
        assert '<b>"x" & y</b>' in words

    @given(st.text())
    def test_any_title_survives(self, title: str) -> None:
        """Any text parses back; characters XML cannot carry become U+FFFD."""
        root = chart(report_svg([REPORT], title=title))
        carried = re.sub(
            "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]",
            "\N{REPLACEMENT CHARACTER}",
            title,
        )
        assert root.findtext(f"{SVG}title") == carried

    @pytest.mark.parametrize(
        ("language", "message"),
        [("da", "Ingen akutte sager"), ("en", "No urgent cases")],
    )
    def test_no_reports_still_give_a_readable_chart(
        self, language: Language, message: str
    ) -> None:
        """Without reports the chart has its axis and says there are no cases."""
        root = chart(report_svg([], language=language))
        assert [t.text for t in by_class(root, "empty")] == [message]
        assert by_class(root, "bar") == []
        assert [value for value, _ in ticks(root)] == [0, 1]

    def test_periods_without_cases_say_so(self) -> None:
        """All-zero counts give labelled empty bars, zeros and the message."""
        root = chart(report_svg(series([(0, 0, 0), (0, 0, 0)])))
        assert [t.text for t in by_class(root, "empty")] == ["Ingen akutte sager"]
        assert [t.text for t in by_class(root, "total")] == ["0", "0"]
        assert by_class(root, "segment") == []
        assert len(by_class(root, "period")) == 2

    def test_the_same_reports_give_the_same_text(self) -> None:
        """Output is deterministic."""
        assert report_svg(series(self.COUNTS)) == report_svg(series(self.COUNTS))

    def test_the_chart_widens_with_the_periods_up_to_a_maximum(self) -> None:
        """More periods widen the chart until it reaches its maximum width."""

        def width(periods: int) -> float:
            root = chart(report_svg(series([(1, 1, 1)] * periods)))
            return float(root.get("width", ""))

        assert width(1) == width(4) < width(10) < width(18) < width(30)
        assert width(30) == width(200)
        assert width(200) <= 1600

    def test_many_periods_turn_and_thin_their_labels(self) -> None:
        """Level labels while they fit; turned, then thinned, when they do not."""
        few = by_class(chart(report_svg(series([(1, 0, 0)] * 8))), "period")
        assert len(few) == 8
        assert all(label.get("transform") is None for label in few)
        some = by_class(chart(report_svg(series([(1, 0, 0)] * 30))), "period")
        assert len(some) == 30
        assert all("rotate(-45" in label.get("transform", "") for label in some)
        many = by_class(chart(report_svg(series([(1, 0, 0)] * 150))), "period")
        assert 10 < len(many) < 150
        assert many[0].text == "2026-W49"

    def test_an_unsupported_language_is_refused(self) -> None:
        """Only Danish and English."""
        with pytest.raises(UnsupportedLanguageError):
            report_svg([REPORT], language="de")  # type: ignore[arg-type]

    @given(
        st.lists(
            st.tuples(
                st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)
            ),
            max_size=12,
        )
    )
    def test_any_counts_stack_in_proportion(
        self, counts: list[tuple[int, int, int]]
    ) -> None:
        """For any counts the segments are proportional and the ticks round."""
        text = report_svg(series(counts))
        check_bars(text, counts)
        check_ticks(text, max((sum(triple) for triple in counts), default=0))

    @given(st.integers(0, 10**9))
    def test_the_top_tick_covers_any_total(self, highest: int) -> None:
        """Step 1, 2 or 5 times 10^k; the top tick reaches the highest total."""
        check_ticks(report_svg(series([(highest, 0, 0)])), highest)


class TestTable:
    def test_a_danish_table_has_every_section_and_number(self) -> None:
        """The heading, every breakdown and its numbers, in Danish."""
        text = report_table(REPORT)
        lines = text.splitlines()
        assert lines[:6] == [
            "Rapport over akutte sager",
            "=========================",
            "Forsikringsselskab: tryg",
            "Periode:            2026-W49",
            "Fra:                2026-11-29 23:00 UTC",
            "Til:                2026-12-06 23:00 UTC",
        ]
        for label, number in [
            ("Oprettede akutte sager", 12),
            ("skadeservice", 11),
            ("byg", 1),
            ("skadeservice / sk-aarhus", 9),
            ("skadeservice / sk-århus-øst", 2),
            ("uden hændelse", 8),
            ("storm-æøå", 4),
            ("kun uden for kontortid", 8),
            ("altid", 4),
            ("oprettet uden for kontortid", 9),
            ("oprettet i kontortiden", 3),
            ("Konverteret", 7),
            ("Tilknyttet", 3),
            ("Stadig åben", 2),
            ("first_aid", 9),
            ("inspection", 4),
            ("Indrapporteringer", 17),
        ]:
            assert re.search(rf"^\s*{re.escape(label)}\s+{number}$", text, re.M), label
        for heading in (
            "Pr. partner",
            "Pr. kontor",
            "Pr. hændelse",
            "Pr. tilladelse",
            "Kontortid",
            "Status ved periodens slut",
            "Opgaver pr. type",
        ):
            assert heading in lines

    def test_permission_and_office_hours_form_a_cross_table(self) -> None:
        """Rows per permission; columns outside and inside office hours."""
        lines = report_table(REPORT).splitlines()
        start = next(
            i for i, x in enumerate(lines) if x.startswith("Pr. tilladelse og")
        )
        assert lines[start].split("   ")[-2:] == ["uden for kontortid", "i kontortiden"]
        assert lines[start + 1].split() == ["kun", "uden", "for", "kontortid", "8", "0"]
        assert lines[start + 2].split() == ["altid", "1", "3"]

    def test_durations_read_as_hours_and_minutes(self) -> None:
        """Median and 90th percentile as "2 t 05 min"; days beyond 24 hours."""
        text = report_table(REPORT)
        assert "Tid fra oprettelse" in text
        assert re.search(
            r"til konvertering\s+7\s+2 t 05 min\s+2 d 02 t 00 min$", text, re.M
        )
        assert re.search(r"til tilknytning\s+3\s+45 min\s+45 min$", text, re.M)
        assert re.search(
            r"til første indrapportering\s+5\s+30 min\s+1 t 30 min$", text, re.M
        )
        assert "90. percentil" in text

    def test_missing_durations_read_as_a_dash(self) -> None:
        """Without values the median and percentile are an en dash."""
        text = report_table(resolved(0, 0, 3))
        assert re.search(rf"til konvertering\s+0\s+{DASH}\s+{DASH}$", text, re.M)

    def test_an_english_table(self) -> None:
        """language="en" gives English labels and "h" for hours."""
        text = report_table(REPORT, language="en")
        assert text.startswith(
            "Urgent-case report\n==================\nInsurer: tryg\n"
        )
        for label in (
            "Urgent cases created",
            "Per partner",
            "Per office",
            "Per event",
            "no event",
            "Per permission",
            "Office hours",
            "Per permission and office hours",
            "Converted",
            "Linked",
            "Still open",
            "Time from creation",
            "90th percentile",
            "Tasks per type",
            "Reported items",
        ):
            assert label in text, label
        assert re.search(
            r"to conversion\s+7\s+2 h 05 min\s+2 d 02 h 00 min$", text, re.M
        )

    def test_counts_share_one_right_aligned_column(self) -> None:
        """Every single count ends in the same column."""
        lines = report_table(REPORT).splitlines()
        counted = [
            line
            for line in lines
            if re.fullmatch(r"\s*\S.*?\s{3,}\d+", line)
            and not line.startswith(("  kun", "  altid"))
        ]
        assert len(counted) > 15
        assert len({len(line) for line in counted}) == 1

    def test_control_characters_do_not_reach_the_terminal(self) -> None:
        """An id with an escape sequence is shown written out, not sent."""
        counts = ReportCounts(
            groups={("\x1b[2J", "kontor\n", None, ALWAYS, True, OPEN): 1},
            to_resolution={},
            to_first_item={},
            tasks={},
        )
        text = report_table(Report.from_counts(INSURER, WEEK, counts))
        assert "\x1b" not in text
        assert re.search(r"^  \\x1b\[2J\s+1$", text, re.M)
        assert re.search(r"^  \\x1b\[2J / kontor\\x0a\s+1$", text, re.M)

    def test_an_empty_report_says_none(self) -> None:
        """Empty breakdowns read "(ingen)"; nothing is left out."""
        text = report_table(resolved(0, 0, 0))
        assert "(ingen)" in text
        assert re.search(r"^Oprettede akutte sager\s+0$", text, re.M)
        assert "(none)" in report_table(resolved(0, 0, 0), language="en")

    def test_an_unsupported_language_is_refused(self) -> None:
        """Only Danish and English."""
        with pytest.raises(UnsupportedLanguageError):
            report_table(REPORT, language="sv")  # type: ignore[arg-type]

    @given(reports, st.sampled_from(["da", "en"]))
    def test_any_report_gives_a_table_with_its_totals(
        self, report: Report, language: Language
    ) -> None:
        """For any counts the table shows the totals and ends with a newline."""
        text = report_table(report, language=language)
        assert text.endswith("\n")
        created = (
            "Oprettede akutte sager" if language == "da" else "Urgent cases created"
        )
        assert re.search(rf"^{created}\s+{report.created}$", text, re.M)
        items = "Indrapporteringer" if language == "da" else "Reported items"
        assert re.search(rf"^{items}\s+{report.items}$", text, re.M)


def test_the_package_exports_the_writers() -> None:
    """The four writers are public names of the package."""
    import urgentcases
    from urgentcases import exports

    for name in ("report_csv", "report_json", "report_svg", "report_table"):
        assert name in urgentcases.__all__
        assert getattr(urgentcases, name) is getattr(exports, name)
    assert exports.__all__ == [
        "report_csv",
        "report_json",
        "report_svg",
        "report_table",
    ]
