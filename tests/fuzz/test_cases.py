"""Every case the fuzzer ever failed on, kept in ``cases/`` as a regression file (JSON: the
entry point, its files, its arguments, and the class it once showed). Each must now end in a
result or a clean CompilerError, leaving nothing behind."""
from __future__ import annotations

import json
import pathlib

import pytest

from .harness import from_json, run_case

CASES = sorted((pathlib.Path(__file__).parent / "cases").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: pathlib.Path) -> None:
    run_case(from_json(path.read_text()))


def test_every_case_says_its_class() -> None:
    assert CASES, "no regression cases"
    for path in CASES:
        assert json.loads(path.read_text()).get("class"), path.name
