"""The fuzz suite's settings: the ``fuzz`` marker (the long profile runs only with
``-m fuzz``), the hypothesis profiles, and a smaller parameter budget for the fillers, so
that a net the budget admits fits in the per-case memory cap.

Short profile (the default test run): a few thousand cases, derandomized, so CI runs the
same cases every time. Long profile (``-m fuzz``): at least 100,000 cases from a random
seed; ``FUZZ_EXAMPLES`` scales it, ``FUZZ_SAVE_CASES=tests/fuzz/cases`` keeps the smallest
case of every class found as a regression file.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from prototxt_compiler import limits

FUZZ_BUDGET = 256 << 20  # parameter bytes the fillers may make in one case

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]
settings.register_profile("fuzz-short", deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("fuzz-long", deadline=None, suppress_health_check=_QUIET,
                          print_blob=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: the long fuzz profile (>= 100k cases); run with "
                                       "-m fuzz")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "fuzz" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="the long fuzz profile runs with -m fuzz")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fuzz_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "PARAM_BUDGET_BYTES", FUZZ_BUDGET)


def long_examples(default: int) -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", default))
