"""The long fuzz profile, run with ``-m fuzz``: 100,000 cases by default (``FUZZ_EXAMPLES``
scales every family alike), from a random seed, with hypothesis's example database. Run it
with ``FUZZ_SAVE_CASES=tests/fuzz/cases`` to keep the smallest case of every class it finds
as a regression file::

    FUZZ_SAVE_CASES=tests/fuzz/cases .venv/bin/python -m pytest -m fuzz tests/fuzz \\
        -p no:randomly --hypothesis-show-statistics -q
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings

from .cases_gen import (api_cases, binary_cases, cli_cases, compile_cases, text_cases,
                        weights_cases)
from .conftest import long_examples
from .harness import Case, run_case

pytestmark = pytest.mark.fuzz
LONG = settings.get_profile("fuzz-long")
SCALE = long_examples(100_000) / 100_000


def _n(share: int) -> int:
    return max(1, round(share * SCALE))


@settings(LONG, max_examples=_n(30_000))
@given(text_cases())
def test_text_long(case: Case) -> None:
    run_case(case)


@settings(LONG, max_examples=_n(20_000))
@given(binary_cases())
def test_binary_long(case: Case) -> None:
    run_case(case)


@settings(LONG, max_examples=_n(15_000))
@given(weights_cases())
def test_weights_long(case: Case) -> None:
    run_case(case)


@settings(LONG, max_examples=_n(15_000))
@given(compile_cases())
def test_later_stages_long(case: Case) -> None:
    run_case(case)


@settings(LONG, max_examples=_n(10_000))
@given(api_cases())
def test_api_arguments_long(case: Case) -> None:
    run_case(case)


@settings(LONG, max_examples=_n(10_000))
@given(cli_cases())
def test_cli_long(case: Case) -> None:
    run_case(case)
