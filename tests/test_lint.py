"""The code passes ruff and mypy as pyproject.toml configures them (pyflakes, import order,
the IR's banned imports; the package's types): run with the tests, so CI holds every change
to them."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _tool(name: str) -> list[str]:
    """The tool installed beside this interpreter (the venv's), else on PATH; a failure
    under CI, where the test extra installs it, else a skip."""
    beside = pathlib.Path(sys.executable).with_name(name)
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    if found:
        return [found]
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed: the test extra installs it")
    pytest.skip(f"{name} is not installed (pip install -e '.[test]')")


def test_ruff_is_clean() -> None:
    result = subprocess.run([*_tool("ruff"), "check", "--no-cache", "prototxt_compiler", "tests",
                             "tools", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean(tmp_path: pathlib.Path) -> None:
    # the packages and options are pyproject.toml's; a cache of its own, so that a stale
    # one from an older tree cannot hide an error
    result = subprocess.run([*_tool("mypy"), "--cache-dir", str(tmp_path / "cache")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
