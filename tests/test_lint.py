"""The code passes ruff as pyproject.toml configures it (pyflakes, import order, the IR's
banned imports): run with the tests, so CI holds every change to it."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _ruff() -> list[str] | None:
    beside = pathlib.Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else None


def test_ruff_is_clean() -> None:
    ruff = _ruff()
    if ruff is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ruff is not installed: the test extra installs it")
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([*ruff, "check", "--no-cache", "prototxt_compiler", "tests",
                             "tools", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
