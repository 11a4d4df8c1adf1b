"""The short fuzz profile, part of every test run: about 3,800 generated cases (nets from the
op registry as damaged text and binary, damaged golden .caffemodels, every later stage on
undamaged nets, odd API arguments, command lines), each run in-process under a time limit
and a memory cap. Each must end in a result or a clean CompilerError (see ``harness``).
Derandomized: CI runs the same cases every time; the long profile (``-m fuzz``) explores."""
from __future__ import annotations

from hypothesis import given, settings

from .cases_gen import api_cases, binary_cases, cli_cases, compile_cases, text_cases, weights_cases
from .harness import Case, run_case

SHORT = settings.get_profile("fuzz-short")


@settings(SHORT, max_examples=800)
@given(text_cases())
def test_text(case: Case) -> None:
    run_case(case)


@settings(SHORT, max_examples=600)
@given(binary_cases())
def test_binary(case: Case) -> None:
    run_case(case)


@settings(SHORT, max_examples=600)
@given(weights_cases())
def test_weights(case: Case) -> None:
    run_case(case)


@settings(SHORT, max_examples=700)
@given(compile_cases())
def test_later_stages(case: Case) -> None:
    run_case(case)


@settings(SHORT, max_examples=600)
@given(api_cases())
def test_api_arguments(case: Case) -> None:
    run_case(case)


@settings(SHORT, max_examples=500)
@given(cli_cases())
def test_cli(case: Case) -> None:
    run_case(case)
