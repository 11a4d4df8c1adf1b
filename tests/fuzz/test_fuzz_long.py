"""The long fuzz profile, run with ``-m fuzz``: 100,000 cases by default (``FUZZ_EXAMPLES``
scales every family alike), from a random seed. Unlike the short profile it does not stop at
the first failure: every case runs, every failing case is counted by its class (the
exception and the frame it escaped from), and each test then fails listing every class it
saw, so that one run is a census. With ``FUZZ_SAVE_CASES=tests/fuzz/cases`` the smallest
case of every class is kept as a regression file::

    FUZZ_SAVE_CASES=tests/fuzz/cases .venv/bin/python -m pytest -m fuzz tests/fuzz -q -s
"""
from __future__ import annotations

import collections
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .cases_gen import api_cases, binary_cases, cli_cases, compile_cases, text_cases, weights_cases
from .conftest import long_examples
from .harness import Case, FuzzFailure, class_key, run_case

pytestmark = pytest.mark.fuzz
LONG = settings.get_profile("fuzz-long")
SCALE = long_examples(100_000) / 100_000
FAMILIES = {"text": (text_cases, 30_000), "binary": (binary_cases, 20_000),
            "weights": (weights_cases, 15_000), "later_stages": (compile_cases, 15_000),
            "api_arguments": (api_cases, 10_000), "cli": (cli_cases, 10_000)}


def _census(strategy: st.SearchStrategy[Case], count: int) -> tuple[collections.Counter, int]:
    classes: collections.Counter = collections.Counter()
    outcomes: collections.Counter = collections.Counter()

    @settings(LONG, max_examples=count, database=None)
    @given(strategy)
    def run(case: Case) -> None:
        try:
            outcomes[run_case(case)] += 1
        except FuzzFailure as failure:
            problem = str(failure).split(": ", 1)[1]
            classes[class_key(case.entry, problem)] += 1
            outcomes["failure"] += 1

    run()
    return classes, sum(outcomes.values())


@pytest.mark.parametrize("family", FAMILIES)
def test_long(family: str) -> None:
    strategy, share = FAMILIES[family]
    start = time.monotonic()
    classes, total = _census(strategy(), max(1, round(share * SCALE)))
    print(f"\nfuzz {family}: {total:,} cases in {time.monotonic() - start:,.0f} s, "
          f"{sum(classes.values()):,} failing in {len(classes)} class(es)")
    for name, count in classes.most_common():
        print(f"  {count:6,}  {name}")
    assert not classes, f"{len(classes)} failure class(es): {', '.join(classes)}"
