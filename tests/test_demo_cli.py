"""The ``urgentcases demo`` and ``urgentcases report`` commands."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from urgentcases._cli import main
from urgentcases._demo import DATABASE_NAME

STORM_CASES = 120
NOW = "2026-12-14T06:00+01:00"


@dataclass(frozen=True)
class Demo:
    folder: Path
    status: int
    out: str
    progress: str

    @property
    def database(self) -> str:
        return str(self.folder / DATABASE_NAME)

    def reports(self) -> list[dict[str, object]]:
        reports = json.loads((self.folder / "report.json").read_text("utf-8"))
        assert isinstance(reports, list)
        return reports


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One demo run, shared: it takes a few seconds."""
    folder = tmp_path_factory.mktemp("demo")
    out, progress = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(progress):
        status = main(["demo", "--dir", str(folder), "--cases", str(STORM_CASES)])
    return Demo(folder, status, out.getvalue(), progress.getvalue())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class TestDemo:
    def test_tells_the_story_and_exits_0(self, demo: Demo) -> None:
        """Refusals explained, the notice, candidates with reasons, the report."""
        assert demo.status == 0
        for expected in (
            "refused (inside_office_hours)",
            "Det er kontortid. Akut sager kan oprettes igen fra i dag kl. 16:00.",
            "refused (never_granted)",
            "sager skal tilknyttes",
            "policy_number exact",
            "authority level 6",
            "2026-W47, 2026-W48, 2026-W49, 2026-W50",
            "Urgent cases created",
        ):
            assert expected in demo.out

    def test_shows_progress_on_the_other_stream(self, demo: Demo) -> None:
        """Progress bars go to standard error, as plain lines off a terminal."""
        assert "urgent cases arriving" in demo.progress
        assert f"{STORM_CASES}/{STORM_CASES}" in demo.progress
        assert "\r" not in demo.progress
        assert "arriving" not in demo.out

    def test_writes_the_database_and_the_reports(self, demo: Demo) -> None:
        """The SQLite file, CSV with a BOM, JSON of every due week, and a chart."""
        assert Path(demo.database).stat().st_size > 0
        reports = demo.reports()
        assert [r["period"] for r in reports] == [
            "2026-W47",
            "2026-W48",
            "2026-W49",
            "2026-W50",
        ]
        storm = reports[2]
        assert storm["created"] == STORM_CASES + 1  # and one created in the day
        assert storm["by_event"] == [{"event_code": "STORM-NORA", "cases": 121}]
        csv_text = (demo.folder / "report.csv").read_text("utf-8")
        assert csv_text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(csv_text[1:]), delimiter=";"))
        assert {row[1] for row in rows[1:]} == {r["period"] for r in reports}
        chart = ET.parse(demo.folder / "report.svg").getroot()
        assert chart.tag == "{http://www.w3.org/2000/svg}svg"

    def test_a_second_run_in_the_folder_starts_afresh(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Earlier demo files are replaced, never added to."""
        (tmp_path / DATABASE_NAME).write_bytes(b"not a database")
        status, _, _ = run(capsys, "demo", "--dir", str(tmp_path), "--cases", "5")
        assert status == 0
        reports = json.loads((tmp_path / "report.json").read_text("utf-8"))
        assert reports[2]["created"] == 6

    def test_a_folder_it_cannot_make_is_bad_input(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--dir naming a file: one line and status 2, no traceback."""
        occupied = tmp_path / "a-file"
        occupied.write_text("", encoding="utf-8")
        status, out, err = run(capsys, "demo", "--dir", str(occupied))
        assert (status, out) == (2, "")
        assert err.startswith("urgentcases: error: --dir: ")
        assert err.count("\n") == 1

    def test_without_the_sql_extra_it_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No SQLAlchemy: a pointer to urgentcases[sql], not an ImportError."""
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)
        status, out, err = run(capsys, "demo", "--cases", "1")
        assert (status, out) == (2, "")
        assert "urgentcases[sql]" in err

    def test_a_bad_case_count_is_bad_input(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--cases must be a positive whole number."""
        status, out, err = run(capsys, "demo", "--cases", "0")
        assert (status, out) == (2, "")
        assert "positive whole number" in err


class TestReport:
    def test_a_period_as_a_table(
        self, demo: Demo, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The report of a week, from the database, in Danish by default."""
        status, out, err = run(
            capsys,
            "report",
            "--database",
            demo.database,
            "--insurer",
            "nordlys",
            "--period",
            "2026-W49",
            "--now",
            NOW,
        )
        assert (status, err) == (0, "")
        assert "2026-W49" in out
        assert "121" in out

    def test_the_database_gives_the_demos_numbers(
        self, demo: Demo, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Counted in the database, the report equals the one the demo wrote."""
        status, out, _ = run(
            capsys,
            "report",
            "--database",
            demo.database,
            "--insurer",
            "nordlys",
            "--due",
            "2026-W46",
            "--now",
            NOW,
            "--format",
            "json",
        )
        assert status == 0
        assert json.loads(out) == demo.reports()

    @pytest.mark.parametrize(
        ("form", "check"),
        [
            ("csv", lambda text: text.startswith("\ufeffinsurer_id;period;")),
            ("svg", lambda text: ET.fromstring(text).tag.endswith("svg")),
        ],
    )
    def test_due_periods_to_a_file(
        self,
        demo: Demo,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        form: str,
        check: Callable[[str], bool],
    ) -> None:
        """--due reports every completed period after the last, into --output."""
        target = tmp_path / f"reports.{form}"
        status, out, _ = run(
            capsys,
            "report",
            "--database",
            demo.database,
            "--insurer",
            "nordlys",
            "--due",
            "2026-W48",
            "--now",
            NOW,
            "--format",
            form,
            "--output",
            str(target),
        )
        assert (status, out) == (0, "")
        text = target.read_text("utf-8")
        assert check(text)
        assert "2026-W49" in text
        assert "2026-W50" in text
        assert "2026-W48" not in text

    def test_nothing_due_is_said_so(
        self, demo: Demo, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With every completed period reported, the table says none is due."""
        status, out, _ = run(
            capsys,
            "report",
            "--database",
            demo.database,
            "--insurer",
            "nordlys",
            "--due",
            "2026-W50",
            "--now",
            NOW,
            "--lang",
            "en",
        )
        assert (status, out) == (0, "No period is due.\n")

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--period", "2026-W54"], "names no period"),
            (["--period", "2026-W49", "--now", "2026-12-05T12:00+01:00"], "ended"),
            (["--period", "2026-W49", "--now", "2026-12-14T06:00"], "UTC offset"),
            (["--due", "2026-12", "--period", "2026-11"], "not allowed with"),
        ],
    )
    def test_bad_input_is_one_line_and_status_2(
        self,
        demo: Demo,
        capsys: pytest.CaptureFixture[str],
        argv: list[str],
        message: str,
    ) -> None:
        """Labels, running periods and naive instants are refused plainly."""
        status, out, err = run(
            capsys, "report", "--database", demo.database, "--insurer", "x", *argv
        )
        assert (status, out) == (2, "")
        assert err.count("\n") == 1
        assert message in err

    @pytest.mark.parametrize("kind", ["missing", "not_a_database", "no_schema"])
    def test_a_database_it_cannot_read_is_status_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
    ) -> None:
        """A missing file, another file, an empty database: one line, no traceback."""
        path = tmp_path / "cases.sqlite"
        if kind == "not_a_database":
            path.write_text("insurer_id;period\n", encoding="utf-8")
        elif kind == "no_schema":
            import sqlite3

            with contextlib.closing(sqlite3.connect(path)) as connection:
                connection.execute("CREATE TABLE other (x)")
        status, out, err = run(
            capsys,
            "report",
            "--database",
            str(path),
            "--insurer",
            "nordlys",
            "--period",
            "2026-W49",
            "--now",
            NOW,
        )
        assert (status, out) == (2, "")
        assert err.startswith("urgentcases: error: ")
        assert err.count("\n") == 1

    def test_an_unknown_database_url_is_status_2(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A URL naming no installed dialect is bad input too."""
        status, _, err = run(
            capsys,
            "report",
            "--database",
            "nosuchdb://host/db",
            "--insurer",
            "nordlys",
            "--period",
            "2026-W49",
            "--now",
            NOW,
        )
        assert status == 2
        assert "nosuchdb" in err
