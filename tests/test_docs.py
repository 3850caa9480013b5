"""The README and the docs: their code runs, their promises hold."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import urgentcases

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("path", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_every_python_example_runs(path: Path) -> None:
    """Each ```python block of the README and docs runs without error, in order."""
    namespace: dict[str, object] = {}
    for block in python_blocks(path):
        exec(compile(block, str(path), "exec"), namespace)


def test_the_readme_has_a_quickstart() -> None:
    """The README's quickstart exists, so the test above checks something."""
    assert python_blocks(ROOT / "README.md")


def test_ci_runs_the_readme_test_command() -> None:
    """CI runs exactly the test command the README gives."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/test" in readme
    assert "./scripts/main" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\./scripts/test\b", ci, re.M)


def test_every_public_name_is_documented() -> None:
    """Each name in urgentcases.__all__ appears in the API reference."""
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name in urgentcases.__all__ if f"`{name}`" not in api]
    assert missing == []


def test_every_public_name_has_a_docstring() -> None:
    """Classes and functions exported by the package explain themselves."""
    undocumented = [
        name
        for name in urgentcases.__all__
        if (
            inspect.isclass(obj := getattr(urgentcases, name))
            or inspect.isfunction(obj)
        )
        and not obj.__doc__
    ]
    assert undocumented == []
