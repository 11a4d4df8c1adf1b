"""Every golden shape case in tests/fixtures/shapes/ against what real Caffe computed.

A case Caffe ran must give every LAYER:TOP the same shape; a case Caffe refused must be
refused by us too, with a CompilerError (never a crash or a silent answer).
"""
from __future__ import annotations

import json
import pathlib

import pytest

from prototxt_compiler import load
from prototxt_compiler.errors import CompilerError
from tests.shape_compare import shape_mismatches

CASES = sorted((pathlib.Path(__file__).parents[1] / "fixtures" / "shapes").glob("*.prototxt"))


def test_cases_exist() -> None:
    assert len(CASES) >= 2


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_shapes_match_caffe(case: pathlib.Path) -> None:
    ref = json.loads(case.with_suffix(".json").read_text())
    if "caffe_error" in ref:
        with pytest.raises(CompilerError):
            load(case)
        return
    graph = load(case)
    assert shape_mismatches(graph, ref["shapes"]) == []
    if not graph.dropped:  # dropping losses changes which blobs are outputs, on purpose
        assert [v.blob for v in graph.outputs] == ref["outputs"]
