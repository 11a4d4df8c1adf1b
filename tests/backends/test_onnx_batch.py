"""An output's dimension is the symbolic batch ``N`` where it is the batch, and only there."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import prototxt_compiler as pc

ort = pytest.importorskip("onnxruntime")

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"


def _dims(value) -> list:  # noqa: ANN001
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else None)
            for d in value.type.tensor_type.shape.dim]


def test_a_detection_output_keeps_its_1_at_any_batch() -> None:
    net = FIXTURES / "detection" / "ssd_tiny.prototxt"
    if not net.exists():
        pytest.skip("the SSD fixture is not there")
    model, _, _ = pc.compile_onnx(net, None, net.with_suffix(".caffemodel")
                                  if net.with_suffix(".caffemodel").exists() else None)
    outputs = {o.name: _dims(o) for o in model.graph.output}
    assert outputs["detection_out"][:2] == [1, 1] and outputs["detection_out"][3] == 7


def test_batch_dims_follow_the_rules(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 '
                   'dim: 3 dim: 4 } } }\n'
                   'layer { name: "r" type: "ReLU" bottom: "data" top: "r" }\n'
                   'layer { name: "rows" type: "Reshape" bottom: "data" top: "rows" '
                   'reshape_param { shape { dim: -1 dim: 4 } } }\n'
                   'layer { name: "p" type: "Parameter" top: "p" parameter_param { shape { '
                   'dim: 2 dim: 5 } } }\n'
                   'layer { name: "front" type: "Reshape" bottom: "data" top: "front" '
                   'reshape_param { shape { dim: 1 } axis: 0 num_axes: 0 } }\n')
    model = pc.to_onnx(pc.init_weights(pc.load(net)))
    outputs = {o.name: _dims(o) for o in model.graph.output}
    assert outputs["r"] == ["N", 3, 4]        # the batch
    assert outputs["rows"] == [None, 4]       # 6 rows at batch 2, 3N rows at batch N
    assert outputs["p"] == [2, 5]             # a parameter's 2 is no batch
    assert outputs["front"] == [1, "N", 3, 4]  # an axis of 1 put before the batch
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    got = session.run(["front"], {"data": np.zeros((5, 3, 4), np.float32)})[0]
    assert got.shape == (1, 5, 3, 4)
