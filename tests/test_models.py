"""Every net shipped in models/ loads, and real Caffe computed the same shapes for it
(tests/fixtures/models/NAME.json, made by tests/fixtures/make_shape_fixtures.py)."""
from __future__ import annotations

import json
import pathlib

import pytest

from prototxt_compiler import load
from tests.shape_compare import shape_mismatches

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = sorted((ROOT / "models").glob("*.prototxt"))


def test_models_are_shipped() -> None:
    assert MODELS


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_model_shapes_match_caffe(model: pathlib.Path) -> None:
    ref = json.loads((ROOT / "tests" / "fixtures" / "models" / f"{model.stem}.json").read_text())
    assert "caffe_error" not in ref, "real Caffe must load every shipped model"
    graph = load(model)
    assert shape_mismatches(graph, ref["shapes"]) == []
    assert [v.blob for v in graph.outputs] == ref["outputs"]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_model_passes_the_template_check(model: pathlib.Path) -> None:
    from prototxt_compiler.api import check_file

    report = check_file(model)
    assert report.matches, [str(d) for d in report.deviations]
