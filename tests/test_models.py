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
    shapes = ref["shapes"]
    if graph.fragment_inputs:  # Caffe ran the twin: its inputs declared as the whole net has them
        graph = load(model, input_shapes=ref["inputs"])
        shapes = {k: v for k, v in shapes.items() if k not in {f"{b}:{b}" for b in ref["inputs"]}}
    assert shape_mismatches(graph, shapes) == []
    assert [v.blob for v in graph.outputs] == ref["outputs"]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_model_passes_the_template_check(model: pathlib.Path) -> None:
    from prototxt_compiler.api import check_file

    report = check_file(model)
    assert report.matches, [str(d) for d in report.deviations]


def test_the_shipped_unit_is_the_seeds_unit(corpus: pathlib.Path) -> None:
    """models/stage1.prototxt, generated from its spec, is layer for layer the seed's
    published unit: same names, types, blobs and params, the papers' fillers aside."""
    from dataclasses import replace

    from prototxt_compiler.ops.fillers import Filler

    ours = load(ROOT / "models" / "stage1.prototxt")
    seed = load(corpus / "seed_stage1_unit2.prototxt")

    def layers(graph):  # noqa: ANN001, ANN202
        out = []
        for node in graph.nodes:
            params = node.params
            if hasattr(params, "weight_filler"):
                params = replace(params, weight_filler=Filler())
            out.append((node.name, node.type, [v.name for v in node.inputs],
                        [(v.name, v.shape) for v in node.outputs], params))
        return out

    assert layers(ours) == layers(seed)
    assert [(v.blob, v.shape) for v in ours.inputs] == [(v.blob, v.shape) for v in seed.inputs]
    assert ours.fragment_inputs == seed.fragment_inputs
