"""The command line: ``urgentcases check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from urgentcases._cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class TestCheck:
    def test_refused_inside_office_hours_with_exit_status_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Inside the example hours: a Danish sentence and status 1."""
        status, out, err = run(
            capsys,
            "check",
            "--permission",
            "outside-office-hours",
            "--at",
            "2026-12-04T10:00+01:00",
        )
        assert status == 1
        assert out == (
            "Det er kontortid. Akut sager kan oprettes igen fra i dag kl. 16:00.\n"
        )
        assert err == ""

    def test_allowed_at_the_weekend_with_exit_status_0(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Saturday: allowed, in English with --lang en."""
        status, out, _ = run(
            capsys,
            "check",
            "--permission",
            "outside-office-hours",
            "--at",
            "2026-12-05T10:00Z",
            "--lang",
            "en",
        )
        assert status == 0
        assert out == "Urgent cases can be created now (weekend) until Monday 08:00.\n"

    def test_json_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--json prints one object with the stable keys."""
        status, out, _ = run(
            capsys,
            "check",
            "--permission",
            "outside-office-hours",
            "--at",
            "2026-12-25T10:00:00+01:00",
            "--json",
        )
        data = json.loads(out)
        assert status == 0
        assert data["allowed"] is True
        assert data["reason"] == "public_holiday"
        assert data["next_change"] == "2026-12-28T08:00:00+01:00"
        assert data["holiday"] == "Juledag"
        assert data["message"].startswith("Akut sager kan oprettes nu")

    @pytest.mark.parametrize(("permission", "status"), [("never", 1), ("always", 0)])
    def test_never_and_always(
        self, capsys: pytest.CaptureFixture[str], permission: str, status: int
    ) -> None:
        """NEVER refuses and ALWAYS allows, with no next change."""
        code, out, _ = run(capsys, "check", "--permission", permission, "--json")
        assert code == status
        assert json.loads(out)["next_change"] is None

    def test_reads_an_hours_file(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """--hours replaces the built-in example."""
        hours = tmp_path / "hours.toml"
        hours.write_text(
            'time_zone = "UTC"\n[week]\nfriday = ["00:00-24:00"]\n', encoding="utf-8"
        )
        status, out, _ = run(
            capsys,
            "check",
            "--permission",
            "outside-office-hours",
            "--hours",
            str(hours),
            "--at",
            "2026-12-04T10:00Z",
            "--lang",
            "en",
        )
        assert status == 1
        assert out.endswith("again from 00:00 tomorrow.\n")

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["check", "--permission", "sometimes"], "invalid choice"),
            (["check"], "required"),
            ([], "required"),
            (["check", "--permission", "always", "--at", "tomorrow"], "ISO 8601"),
            (
                ["check", "--permission", "always", "--at", "2026-12-04T10:00"],
                "no UTC offset",
            ),
            (
                ["check", "--permission", "always", "--hours", "/nonexistent.toml"],
                "read",
            ),
            (["check", "--permission", "always", "--lang", "sv"], "invalid choice"),
        ],
    )
    def test_bad_input_is_one_line_on_stderr_and_status_2(
        self, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
    ) -> None:
        """Bad input never shows a traceback: one line, exit status 2."""
        status, out, err = run(capsys, *argv)
        assert status == 2
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith("urgentcases: error: ")
        assert message in err

    def test_an_invalid_hours_file_is_bad_input(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """A file with invalid hours is reported with its path and the problem."""
        hours = tmp_path / "hours.toml"
        hours.write_text('time_zone = "Mars/Olympus"\n', encoding="utf-8")
        status, _, err = run(
            capsys, "check", "--permission", "always", "--hours", str(hours)
        )
        assert status == 2
        assert "hours.toml" in err
        assert "IANA" in err

    def test_runs_as_a_module(self) -> None:
        """Python -m urgentcases works like the console script."""
        result = subprocess.run(
            [sys.executable, "-m", "urgentcases", "check", "--permission", "never"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1
        assert result.stdout == "Kontoret har ikke ret til at oprette akut sager.\n"
