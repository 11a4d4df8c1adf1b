"""Shared test fixtures: where the shared corpus lies, and the one tolerance helper."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_path() -> pathlib.Path:
    """The shared corpus of real prototxts. Outside CI a missing corpus skips the test that
    needs it; under CI (CI=true) it fails, since a corpus test must run there."""
    if not CORPUS.is_dir():
        message = f"the shared corpus is not at {CORPUS}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (under CI the corpus tests must run)")
        pytest.skip(message)
    return CORPUS


@pytest.fixture
def corpus() -> pathlib.Path:
    return corpus_path()


def run_cli(*args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    """``python -m prototxt_compiler ARGS`` from the project root (or ``cwd``), output
    captured: what a user at a terminal sees, exit code included."""
    env = None
    if cwd is not None:  # the package from this checkout, wherever the command runs
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    return subprocess.run([sys.executable, "-m", "prototxt_compiler", *args],
                          capture_output=True, text=True, cwd=cwd or ROOT, env=env)
