"""A net from-onnx writes reshapes to another batch, as Caffe nets are run (a deploy net's
input reshaped to a batch of 8): every Caffe net of tests/fixtures/onnx (each equal to
onnxruntime in real Caffe at its own batch) takes a batch of 2N + 1 under Caffe's shape
rules, but for the six whose ONNX models hold their batch themselves, listed with why
(and held to failing, so that the list stays true)."""
from __future__ import annotations

import pathlib

import pytest

from prototxt_compiler.api import load
from prototxt_compiler.errors import CompilerError

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "onnx"
NETS = sorted(p.stem for p in FIXTURES.glob("*.prototxt"))
HOLD_THEIR_BATCH = {
    "broadcast": "one input's batch of 1 broadcasts over another's of 2 (tiled to it)",
    "matmul_values": "inputs without a batch axis (a matrix, vectors) multiply batched ones",
    "reshape": "the model reshapes to literal dims that include its batch",
    "transpose": "the model transposes the batch axis to the end",
    **{f"vit_style_opset{o}": "the class token, a constant, is expanded to the batch (of 2) "
       "and concatenated" for o in (11, 13, 17)},
}


@pytest.mark.parametrize("name", NETS)
def test_the_net_reshapes_to_another_batch(name: str) -> None:
    path = FIXTURES / f"{name}.prototxt"
    graph = load(path)
    other = {v.blob: (2 * v.shape[0] + 1, *v.shape[1:]) for v in graph.inputs}
    if name in HOLD_THEIR_BATCH:
        with pytest.raises(CompilerError):
            load(path, input_shapes=other)
        return
    reshaped = load(path, input_shapes=other)
    # each output keeps its shape past the batch, and the batch moved with the inputs'
    assert [o.shape[1:] for o in reshaped.outputs] == [o.shape[1:] for o in graph.outputs]
    assert any(a.shape[0] != b.shape[0] for a, b in zip(reshaped.outputs, graph.outputs))


def test_the_list_names_fixtures_that_exist() -> None:
    assert set(HOLD_THEIR_BATCH) <= set(NETS)
