"""The fuzz harness can fail: a time limit that stops a loop, a memory cap that stops an
allocation, and a judge that flags exceptions other than CompilerError and stray files."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from .guard import CaseTimeout, guarded
from .harness import Case, FuzzFailure, In, from_json, run_case, to_json


def test_time_limit_stops_a_loop() -> None:
    with pytest.raises(CaseTimeout), guarded(0.2, 1 << 30):
        while True:
            pass


@pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="needs /proc")
def test_memory_cap_stops_an_allocation() -> None:
    with pytest.raises(MemoryError), guarded(10, 64 << 20):
        np.ones(1 << 28)  # 2 GiB
    np.ones(1 << 24)  # the cap is lifted afterwards


def test_judge_flags_other_exceptions_and_accepts_compiler_errors() -> None:
    assert run_case(Case("load", {"net": b"bogus: 1"}, (In("net"),))) == "ParseError"
    with pytest.raises(FuzzFailure, match="ValueError"):  # the harness's own: no such entry
        run_case(Case("no such entry"))


def test_judge_flags_a_stray_file() -> None:
    good = (b'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 '
            b'dim: 3 dim: 8 dim: 8 } } }\n')
    # A success may write only the expected outputs; here the "output" has another name.
    with pytest.raises(FuzzFailure, match="StrayFile"):
        run_case(Case("generate", {}, ({"depth": 50},), {"output": In("other.prototxt")}))
    assert run_case(Case("load", {"net": good}, (In("net"),))) == "result"


def test_cases_round_trip_through_json() -> None:
    case = Case("load", {"net": b"\x00\xff"}, (In("net"), b"x", (1, float("inf"))),
                {"input_shapes": {"data": [float("nan"), 2]}, "k": {1: None}})
    back = from_json(to_json(case))
    assert back.files == case.files and back.args[:2] == case.args[:2]
    assert back.args[2][1] == float("inf") and back.kwargs["k"] == {1: None}
    assert np.isnan(back.kwargs["input_shapes"]["data"][0])
