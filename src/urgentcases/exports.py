r"""The urgent-case report as files a person or a spreadsheet opens.

Four pure functions turn `Report` values into text; none of them reads or
writes a file, so a host decides where the text goes:

- `report_json`: the report's `Report.to_dict` as indented JSON, for programs.
- `report_csv`: a long ("tidy") table with one row per number, for
  spreadsheets. It opens correctly in Danish-locale Excel: UTF-8 with a byte
  order mark, ``;`` between cells, and text that a spreadsheet would run as a
  formula is neutralised.
- `report_svg`: a standalone SVG bar chart of the cases per period, stacked by
  what became of them, in Danish or English.
- `report_table`: the whole report as aligned plain text for a terminal, in
  Danish or English.

Write the text as UTF-8 and without newline translation, for example
``path.write_text(text, encoding="utf-8", newline="")``: the CSV carries its
own byte order mark and ``\r\n`` line endings.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from urgentcases._domain.calendar import Language
from urgentcases._domain.messages import _require_language
from urgentcases._domain.policy import Permission
from urgentcases._domain.report import Durations, Report
from urgentcases.exceptions import InvalidExportError

__all__ = ["report_csv", "report_json", "report_svg", "report_table"]


# --------------------------------------------------------------------- JSON


def report_json(reports: Report | Sequence[Report]) -> str:
    """The reports as indented JSON built from `Report.to_dict`.

    Keys keep the order `Report.to_dict` gives them (breakdowns most cases
    first), so equal reports give identical text. Non-ASCII characters such as
    ``æ``, ``ø`` and ``å`` are written as themselves, not as escapes.

    Args:
        reports: One report, or a sequence of them.

    Returns:
        One JSON object for one report, an array of objects for a sequence
        (in its order), ending with a newline.
    """
    data: object
    if isinstance(reports, Report):
        data = reports.to_dict()
    else:
        data = [report.to_dict() for report in reports]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------- CSV

_COLUMNS = ("insurer_id", "period", "start", "end", "section", "key", "value")

# Characters that make a spreadsheet read a cell as a formula, or that hide
# one (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOM = "\ufeff"


def _safe(text: str) -> str:
    """*text* as a cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_rows(report: Report) -> Iterable[tuple[str, str, int | None]]:
    """The report's numbers as ``(section, key, value)``, in a fixed order."""
    yield "created", "", report.created
    for partner, n in report.by_partner:
        yield "partner", partner, n
    for (partner, office), n in report.by_office:
        yield "office", f"{partner}/{office}", n
    for event, n in report.by_event:
        yield "event", event or "", n
    for permission, n in report.by_permission:
        yield "permission", permission.value, n
    yield "office_hours", "outside", report.outside_office_hours
    yield "office_hours", "inside", report.inside_office_hours
    for (permission, outside), n in report.by_permission_and_hours:
        hours = "outside" if outside else "inside"
        yield "permission_office_hours", f"{permission.value}/{hours}", n
    yield "resolution", "converted", report.converted
    yield "resolution", "linked", report.linked
    yield "resolution", "open", report.still_open
    for section, durations in _durations(report):
        yield section, "count", durations.count
        yield section, "median", durations.median
        yield section, "p90", durations.p90
    for task_type, n in report.tasks_by_type:
        yield "task_type", task_type, n
    yield "items", "", report.items


def _durations(report: Report) -> tuple[tuple[str, Durations], ...]:
    return (
        ("minutes_to_conversion", report.to_conversion),
        ("minutes_to_link", report.to_link),
        ("minutes_to_resolution", report.to_resolution),
        ("minutes_to_first_item", report.to_first_item),
    )


def report_csv(
    reports: Sequence[Report], *, delimiter: str = ";", bom: bool = True
) -> str:
    r"""The reports as one long CSV table: one row per number.

    The columns are ``insurer_id``, ``period`` (its label),
    ``start`` and ``end`` (UTC, ISO 8601), ``section``, ``key`` and ``value``.
    Each report gives these rows, in this order:

    ==========================  =============================================
    section                     key
    ==========================  =============================================
    ``created``                 empty: urgent cases created
    ``partner``                 the partner id
    ``office``                  ``partner_id/office_id``
    ``event``                   the event code; empty for untagged cases
    ``permission``              the `Permission` value
    ``office_hours``            ``outside``, ``inside``
    ``permission_office_hours`` ``permission/outside`` or ``permission/inside``
    ``resolution``              ``converted``, ``linked``, ``open``
    ``minutes_to_conversion``   ``count``, ``median``, ``p90``
    ``minutes_to_link``         the same
    ``minutes_to_resolution``   the same
    ``minutes_to_first_item``   the same
    ``task_type``               the task type
    ``items``                   empty: reported items
    ==========================  =============================================

    Values are whole numbers; a median or 90th percentile without values is an
    empty cell. A spreadsheet can pivot the table on ``period`` and ``key``.

    The defaults suit Danish-locale Excel, which reads a file as UTF-8 only
    when it starts with a byte order mark (otherwise ``æ``, ``ø`` and ``å``
    come out garbled) and splits cells on its list separator, ``;`` where the
    decimal separator is ``,``. Pass ``delimiter=","`` for English-locale
    spreadsheets and ``bom=False`` for programs that do not expect the mark.

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading ``'``, so that a spreadsheet shows an id
    such as ``=HYPERLINK(...)`` as text instead of running it (CSV or formula
    injection). The ``'`` stays visible in the cell.

    Args:
        reports: The reports, written in this order.
        delimiter: The one-character cell separator.
        bom: Whether to start with the UTF-8 byte order mark (``U+FEFF``).

    Raises:
        InvalidExportError: *delimiter* is not a single character other than
            a letter, digit, quote or line break.

    Returns:
        The table with ``\r\n`` line endings, a header row first. Write it as
        UTF-8 without newline translation (``encoding="utf-8"``,
        ``newline=""``); not as ``utf-8-sig``, which would add a second mark.
    """
    if (
        not isinstance(delimiter, str)
        or len(delimiter) != 1
        or delimiter in '"\r\n'
        or delimiter.isalnum()
    ):
        raise InvalidExportError(
            f"the CSV delimiter must be one character other than a letter, a "
            f"digit, a quote or a line break, not {delimiter!r}"
        )
    out = io.StringIO()
    if bom:
        out.write(_BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(_COLUMNS)
    for report in reports:
        fixed = (
            _safe(report.insurer_id),
            _safe(report.period.label),
            report.start.isoformat(),
            report.end.isoformat(),
        )
        for section, key, value in _csv_rows(report):
            writer.writerow((*fixed, section, _safe(key), value))
    return out.getvalue()


# ---------------------------------------------------------------------- SVG

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
_INK = "#222222"
_MUTED = "#595959"
_GRID = "#dddddd"
# Okabe and Ito's palette, told apart with every common colour-vision
# deficiency; white gaps between segments separate them further.
_SEGMENTS = (  # bottom to top
    ("converted", "#0072B2"),
    ("linked", "#009E73"),
    ("open", "#E69F00"),
)

_CHART_TEXT: dict[str, dict[Language, str]] = {
    "title": {"da": "Akutte sager pr. periode", "en": "Urgent cases per period"},
    "converted": {"da": "Konverteret", "en": "Converted"},
    "linked": {"da": "Tilknyttet", "en": "Linked"},
    "open": {"da": "Stadig åben", "en": "Still open"},
    "axis": {"da": "Sager", "en": "Cases"},
    "empty": {"da": "Ingen akutte sager", "en": "No urgent cases"},
    "of": {"da": "af", "en": "of"},
    "one": {"da": "sag", "en": "case"},
    "many": {"da": "sager", "en": "cases"},
}

_PLOT_HEIGHT = 260.0
_SLOT = 72.0  # horizontal room per period while the chart may still grow
_MIN_PLOT_WIDTH = 320.0
_MAX_PLOT_WIDTH = 1400.0
_MAX_BAR_WIDTH = 40.0
_RIGHT = 24.0
_LABEL_SIZE = 12.0
_TOTAL_SIZE = 11.0
_CHAR = 0.6  # average glyph width, in ems, of a sans-serif font
_TICKS = 5  # at most this many steps up the y axis
# Characters XML 1.0 cannot carry, not even as references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _num(value: float) -> str:
    """A coordinate with at most two decimals, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR


def _xml(text: str) -> str:
    """*text* as XML character data: escaped, characters XML forbids replaced."""
    return escape(_NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text), {"\r": "&#13;"})


def _attr(value: str) -> str:
    return _xml(value).replace('"', "&quot;")


def _tick_step(top: int) -> int:
    """The smallest step of 1, 2 or 5 times 10^k reaching *top* in `_TICKS` steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * _TICKS >= top:
                return step
        magnitude *= 10


def _cases(count: int, language: Language) -> str:
    return f"{count} {_CHART_TEXT['one' if count == 1 else 'many'][language]}"


def report_svg(
    reports: Sequence[Report], *, language: Language = "da", title: str | None = None
) -> str:
    """A standalone SVG bar chart of the urgent cases per period.

    One bar per report, in the given order and labelled with its period: the
    cases converted, linked and still open at the period's end, stacked from
    the bottom in that order, with their total above the bar. A legend names
    the colours (Okabe and Ito's colour-blind-safe palette); the y axis steps
    by 1, 2 or 5 times a power of ten up to a tick at or above the highest
    total; hovering over a segment shows its period, resolution and count. The
    insurers of the reports appear under the title.

    The chart is 320 to 1400 pixels of plot wide, 72 pixels per period up to
    that maximum. Period labels that do not fit turn 45 degrees, and every
    second, third, ... one is left out where even those would overlap; totals
    that do not fit turn upright, and are left out (but stay in the tooltips)
    for bars narrower than 12 pixels. Without reports, or when no case was
    created, the chart says so.

    All text is XML-escaped; the same reports always give identical text.

    Args:
        reports: The reports, one bar each.
        language: ``"da"`` or ``"en"``.
        title: The chart's title; by default "Akutte sager pr. periode" or
            "Urgent cases per period".

    Returns:
        An SVG document, ending with a newline.

    Raises:
        UnsupportedLanguageError: *language* is not ``"da"`` or ``"en"``.
    """
    _require_language(language)
    text = {key: value[language] for key, value in _CHART_TEXT.items()}
    heading = text["title"] if title is None else title
    insurers = ", ".join(dict.fromkeys(report.insurer_id for report in reports))
    bars = [
        (report.period.label, (report.converted, report.linked, report.still_open))
        for report in reports
    ]
    totals = [sum(counts) for _, counts in bars]
    highest = max(totals, default=0)
    step = _tick_step(highest)
    top = max(step, step * math.ceil(highest / step))
    per_case = _PLOT_HEIGHT / top

    count = len(bars)
    plot_width = min(max(count * _SLOT, _MIN_PLOT_WIDTH), _MAX_PLOT_WIDTH)
    slot = plot_width / count if count else plot_width
    bar_width = min(slot * 0.7, _MAX_BAR_WIDTH)

    # Period labels: level if they fit, else at 45 degrees, thinned to fit.
    label_width = max((_text_width(label, _LABEL_SIZE) for label, _ in bars), default=0)
    level = label_width + 8 <= slot
    every = 1 if level else math.ceil(_LABEL_SIZE * 1.6 / slot)
    below = (
        _LABEL_SIZE + 10 if level else (label_width + _LABEL_SIZE) * math.sqrt(0.5) + 14
    )
    # Totals: level if they fit, else upright, else only in the tooltips.
    total_width = max(
        (_text_width(str(total), _TOTAL_SIZE) for total in totals), default=0
    )
    totals_level = total_width + 2 <= slot
    totals_shown = totals_level or slot >= _TOTAL_SIZE + 1
    headroom = _TOTAL_SIZE + 8 if totals_level else total_width + 10

    tick_labels = [str(value) for value in range(0, top + 1, step)]
    left = 30 + max(_text_width(label, _LABEL_SIZE) for label in tick_labels) + 8
    legend = [(key, colour, text[key]) for key, colour in _SEGMENTS]
    legend_width = sum(_text_width(name, _LABEL_SIZE) + 36 for _, _, name in legend)
    heading_y = 28.0
    subtitle_y = heading_y + 20
    legend_y = (subtitle_y if insurers else heading_y) + 24
    plot_top = legend_y + 14 + headroom
    base = plot_top + _PLOT_HEIGHT
    width = max(
        left + plot_width + _RIGHT,
        _text_width(heading, 16) + 32,
        _text_width(insurers, _LABEL_SIZE) + 32,
        left + legend_width + _RIGHT,
    )
    height = base + below + 12

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" '
        f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{_attr(_FONT)}" font-size="{_num(_LABEL_SIZE)}" '
        f'fill="{_INK}">',
        f'<title id="chart-title">{_xml(heading)}</title>',
        f'<desc id="chart-desc">{_xml(_description(bars, text))}</desc>',
        f'<rect width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
        f'<text class="title" x="16" y="{_num(heading_y)}" font-size="16" '
        f'font-weight="bold">{_xml(heading)}</text>',
    ]
    if insurers:
        out.append(
            f'<text class="subtitle" x="16" y="{_num(subtitle_y)}" '
            f'fill="{_MUTED}">{_xml(insurers)}</text>'
        )

    out.append('<g class="legend">')
    x = left
    for key, colour, name in legend:
        out.append(
            f'<rect class="swatch {key}" x="{_num(x)}" y="{_num(legend_y - 10)}" '
            f'width="12" height="12" fill="{colour}"/>'
            f'<text x="{_num(x + 18)}" y="{_num(legend_y)}">{_xml(name)}</text>'
        )
        x += _text_width(name, _LABEL_SIZE) + 36
    out.append("</g>")

    out.append('<g class="y-axis">')
    for index, label in enumerate(tick_labels):
        y = base - index * step * per_case
        out.append(
            f'<line x1="{_num(left)}" x2="{_num(left + plot_width)}" '
            f'y1="{_num(y)}" y2="{_num(y)}" stroke="{_GRID}"/>'
            f'<text class="tick" x="{_num(left - 8)}" y="{_num(y + 4)}" '
            f'text-anchor="end">{label}</text>'
        )
    middle = plot_top + _PLOT_HEIGHT / 2
    out.append(
        f'<text x="16" y="{_num(middle)}" text-anchor="middle" '
        f'transform="rotate(-90 16 {_num(middle)})">{_xml(text["axis"])}</text>'
    )
    out.append("</g>")

    out.append('<g class="bars">')
    for index, (label, counts) in enumerate(bars):
        total = totals[index]
        centre = left + (index + 0.5) * slot
        x = centre - bar_width / 2
        out.append(
            f'<g class="bar"><title>{_xml(label)}: '
            f"{_xml(_cases(total, language))}</title>"
        )
        bottom = base
        stacked = 0
        for (key, colour), n in zip(_SEGMENTS, counts, strict=True):
            if not n:
                continue
            stacked += n
            edge = round(base - stacked * per_case, 2)
            out.append(
                f'<rect class="segment {key}" x="{_num(x)}" y="{_num(edge)}" '
                f'width="{_num(bar_width)}" height="{_num(bottom - edge)}" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="0.5">'
                f"<title>{_xml(label)} \N{EN DASH} {_xml(text[key])}: {n} "
                f"{text['of']} {total}</title></rect>"
            )
            bottom = edge
        if totals_shown:
            y = bottom - 5
            rotate = (
                ""
                if totals_level
                else f' transform="rotate(-90 {_num(centre)} {_num(y)})"'
            )
            anchor = "middle" if totals_level else "start"
            shift = "" if totals_level else f' dy="{_num(_TOTAL_SIZE * 0.35)}"'
            out.append(
                f'<text class="total" x="{_num(centre)}" y="{_num(y)}"{shift} '
                f'text-anchor="{anchor}" font-size="{_num(_TOTAL_SIZE)}"'
                f"{rotate}>{total}</text>"
            )
        if index % every == 0:
            y = base + _LABEL_SIZE + 6
            if level:
                placement = f'x="{_num(centre)}" y="{_num(y)}" text-anchor="middle"'
            else:
                placement = (
                    f'x="{_num(centre + 4)}" y="{_num(y)}" text-anchor="end" '
                    f'transform="rotate(-45 {_num(centre + 4)} {_num(y)})"'
                )
            out.append(f'<text class="period" {placement}>{_xml(label)}</text>')
        out.append("</g>")
    out.append("</g>")

    out.append(
        f'<line class="baseline" x1="{_num(left)}" x2="{_num(left + plot_width)}" '
        f'y1="{_num(base)}" y2="{_num(base)}" stroke="{_INK}"/>'
    )
    if not highest:
        out.append(
            f'<text class="empty" x="{_num(left + plot_width / 2)}" '
            f'y="{_num(middle)}" text-anchor="middle" font-size="14" '
            f'fill="{_MUTED}">{_xml(text["empty"])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _description(
    bars: Sequence[tuple[str, tuple[int, int, int]]], text: dict[str, str]
) -> str:
    """The chart's numbers as one sentence per period, for screen readers."""
    if not any(sum(counts) for _, counts in bars):
        return text["empty"] + "."
    return " ".join(
        f"{label}: "
        + ", ".join(
            f"{text[key]} {n}" for (key, _), n in zip(_SEGMENTS, counts, strict=True)
        )
        + "."
        for label, counts in bars
    )


# -------------------------------------------------------------------- table

_TABLE_TEXT: dict[str, dict[Language, str]] = {
    "heading": {"da": "Rapport over akutte sager", "en": "Urgent-case report"},
    "insurer": {"da": "Forsikringsselskab", "en": "Insurer"},
    "period": {"da": "Periode", "en": "Period"},
    "from": {"da": "Fra", "en": "From"},
    "until": {"da": "Til", "en": "Until"},
    "created": {"da": "Oprettede akutte sager", "en": "Urgent cases created"},
    "by_partner": {"da": "Pr. partner", "en": "Per partner"},
    "by_office": {"da": "Pr. kontor", "en": "Per office"},
    "by_event": {"da": "Pr. hændelse", "en": "Per event"},
    "no_event": {"da": "uden hændelse", "en": "no event"},
    "by_permission": {"da": "Pr. tilladelse", "en": "Per permission"},
    "hours": {"da": "Kontortid", "en": "Office hours"},
    "outside": {
        "da": "oprettet uden for kontortid",
        "en": "created outside office hours",
    },
    "inside": {"da": "oprettet i kontortiden", "en": "created inside office hours"},
    "by_permission_and_hours": {
        "da": "Pr. tilladelse og kontortid",
        "en": "Per permission and office hours",
    },
    "outside_column": {"da": "uden for kontortid", "en": "outside office hours"},
    "inside_column": {"da": "i kontortiden", "en": "inside office hours"},
    "resolution": {"da": "Status ved periodens slut", "en": "Status at period end"},
    "converted": {"da": "Konverteret", "en": "Converted"},
    "linked": {"da": "Tilknyttet", "en": "Linked"},
    "open": {"da": "Stadig åben", "en": "Still open"},
    "durations": {"da": "Tid fra oprettelse", "en": "Time from creation"},
    "count": {"da": "antal", "en": "count"},
    "median": {"da": "median", "en": "median"},
    "p90": {"da": "90. percentil", "en": "90th percentile"},
    "to_conversion": {"da": "til konvertering", "en": "to conversion"},
    "to_link": {"da": "til tilknytning", "en": "to link"},
    "to_resolution": {
        "da": "til konvertering eller tilknytning",
        "en": "to conversion or link",
    },
    "to_first_item": {
        "da": "til første indrapportering",
        "en": "to first reported item",
    },
    "tasks": {"da": "Opgaver pr. type", "en": "Tasks per type"},
    "no_type": {"da": "uden type", "en": "no type"},
    "items": {"da": "Indrapporteringer", "en": "Reported items"},
    "none": {"da": "(ingen)", "en": "(none)"},
    "hour": {"da": "t", "en": "h"},
}
_PERMISSION_TEXT: dict[Permission, dict[Language, str]] = {
    Permission.NEVER: {"da": "aldrig", "en": "never"},
    Permission.OUTSIDE_OFFICE_HOURS: {
        "da": "kun uden for kontortid",
        "en": "outside office hours only",
    },
    Permission.ALWAYS: {"da": "altid", "en": "always"},
}
_MISSING = "\N{EN DASH}"
_INDENT = "  "
_GAP = 3


def _duration(minutes: int | None, language: Language) -> str:
    """*minutes* as ``2 t 05 min`` / ``2 h 05 min``, with days beyond 24 hours."""
    if minutes is None:
        return _MISSING
    hour = _TABLE_TEXT["hour"][language]
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} {hour} {minutes:02d} min"
    if hours:
        return f"{hours} {hour} {minutes:02d} min"
    return f"{minutes} min"


def _printable(text: str) -> str:
    """*text* with control characters written out, so none reaches a terminal."""
    return "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char
        for char in text
    )


def _utc(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def report_table(report: Report, *, language: Language = "da") -> str:
    r"""The report as plain text for a terminal, in Danish or English.

    A heading names the insurer, the period's label and its UTC bounds
    (``Fra``/``From`` its first instant, ``Til``/``Until`` the first instant
    after it). Then one section per field of `Report`, labels left and counts
    right-aligned in one column: the cases created; per partner, per office
    (``partner / office``), per event ("uden hændelse" / "no event" for
    untagged cases), per permission, outside and inside office hours, and per
    permission and office hours as a small cross table; what had become of
    them; the count, median and 90th percentile of the four durations from
    creation (``2 t 05 min`` / ``2 h 05 min``, ``1 d 03 t 00 min`` beyond a
    day, an en dash without values); tasks per type; reported items. An empty
    breakdown reads "(ingen)" / "(none)".

    Args:
        report: The report.
        language: ``"da"`` or ``"en"``.

    Returns:
        The text, lines separated and ended by ``\n``.

    Raises:
        UnsupportedLanguageError: *language* is not ``"da"`` or ``"en"``.
    """
    _require_language(language)
    text = {key: value[language] for key, value in _TABLE_TEXT.items()}

    def permission(value: Permission) -> str:
        return _PERMISSION_TEXT[value][language]

    counted: list[tuple[str, list[tuple[str, int]]]] = [
        (text["by_partner"], [(_printable(p), n) for p, n in report.by_partner]),
        (
            text["by_office"],
            [
                (_printable(f"{partner} / {office}"), n)
                for (partner, office), n in report.by_office
            ],
        ),
        (
            text["by_event"],
            [(_printable(code or text["no_event"]), n) for code, n in report.by_event],
        ),
        (
            text["by_permission"],
            [(permission(value), n) for value, n in report.by_permission],
        ),
        (
            text["hours"],
            [
                (text["outside"], report.outside_office_hours),
                (text["inside"], report.inside_office_hours),
            ],
        ),
    ]
    resolution = (
        text["resolution"],
        [
            (text["converted"], report.converted),
            (text["linked"], report.linked),
            (text["open"], report.still_open),
        ],
    )
    tasks = (
        text["tasks"],
        [(_printable(task or text["no_type"]), n) for task, n in report.tasks_by_type],
    )
    both = dict(report.by_permission_and_hours)
    cross = [
        (
            text["by_permission_and_hours"],
            text["outside_column"],
            text["inside_column"],
        ),
        *(
            (
                _INDENT + permission(value),
                str(both.get((value, True), 0)),
                str(both.get((value, False), 0)),
            )
            for value, _ in report.by_permission
        ),
    ]
    durations = [
        (text["durations"], text["count"], text["median"], text["p90"]),
        *(
            (
                _INDENT + text[name],
                str(value.count),
                _duration(value.median, language),
                _duration(value.p90, language),
            )
            for name, value in (
                ("to_conversion", report.to_conversion),
                ("to_link", report.to_link),
                ("to_resolution", report.to_resolution),
                ("to_first_item", report.to_first_item),
            )
        ),
    ]

    # One label column, and one count column for every single count.
    labels = [text["created"], text["items"]]
    labels.extend(row[0] for row in [*cross, *durations])
    numbers = [str(report.created), str(report.items)]
    numbers.extend(row[1] for row in durations)
    for _, rows in [*counted, resolution, tasks]:
        labels.extend(_INDENT + label for label, _ in rows)
        numbers.extend(str(n) for _, n in rows)
    label_width = max(map(len, labels))
    number_width = max(map(len, numbers))
    gap = " " * _GAP

    def line(label: str, number: object) -> str:
        return f"{label:<{label_width}}{gap}{number:>{number_width}}"

    def block(heading: str, rows: list[tuple[str, int]]) -> list[str]:
        body = [line(_INDENT + label, n) for label, n in rows]
        return ["", heading, *(body or [_INDENT + text["none"]])]

    def grid(rows: Sequence[tuple[str, ...]], first: int) -> list[str]:
        """*rows* with the column *first* in the count column, the rest after."""
        widths = [
            max(len(row[column]) for row in rows) for column in range(2, len(rows[0]))
        ]
        lines = [
            gap.join(
                [
                    f"{row[0]:<{label_width}}",
                    f"{row[1]:>{first}}",
                    *(
                        f"{cell:>{width}}"
                        for cell, width in zip(row[2:], widths, strict=True)
                    ),
                ]
            )
            for row in rows
        ]
        return ["", *lines] if len(rows) > 1 else ["", *lines, _INDENT + text["none"]]

    head = [
        (text["insurer"], _printable(report.insurer_id)),
        (text["period"], report.period.label),
        (text["from"], _utc(report.start)),
        (text["until"], _utc(report.end)),
    ]
    head_width = max(len(name) for name, _ in head) + 1
    out = [text["heading"], "=" * len(text["heading"])]
    out.extend(f"{name + ':':<{head_width}} {value}" for name, value in head)
    out.extend(["", line(text["created"], report.created)])
    for heading, rows in counted:
        out.extend(block(heading, rows))
    out.extend(grid(cross, max(number_width, *(len(row[1]) for row in cross))))
    out.extend(block(*resolution))
    out.extend(grid(durations, number_width))
    out.extend(block(*tasks))
    out.extend(["", line(text["items"], report.items)])
    return "\n".join(out) + "\n"
