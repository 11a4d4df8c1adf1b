"""InnerProduct and Embed semantics: params, output shapes, parameter-blob shapes, MACs.

Expected shapes (tops and parameter blobs) are the ones real Caffe gave for
tests/fixtures/shapes/ip_axis.prototxt and embed_basic.prototxt."""
from __future__ import annotations

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.fillers import Filler
from prototxt_compiler.proto import caffe_pb2


def make_layer(type: str, params: str) -> caffe_pb2.LayerParameter:
    layer = caffe_pb2.LayerParameter()
    text_format.Parse(f'name: "l" type: "{type}" bottom: "b" top: "t" {params}', layer)
    return layer


def run(type: str, params: str, bottom: tuple) -> tuple[list, list, int]:
    """(top shapes, blob shapes, MACs) of one layer on one bottom."""
    op = OPS[type]
    bound = op.read(make_layer(type, params))
    if op.bind:
        bound = op.bind(bound, [bottom])
    tops = op.infer(bound, [bottom], 1)
    return tops, op.blobs(bound, [bottom]), op.macs(bound, [bottom], tops)


IP_CASES = [
    ("axis1", "num_output: 7", (2, 7), [(7, 60), (7,)], 2 * 60 * 7),
    ("axis2_transpose", "num_output: 6 axis: 2 transpose: true", (2, 3, 6), [(20, 6), (6,)],
     6 * 20 * 6),
    ("axis_neg1_no_bias", "num_output: 2 axis: -1 bias_term: false", (2, 3, 4, 2), [(2, 5)],
     24 * 5 * 2),
]


@pytest.mark.parametrize("params,top,blobs,macs", [c[1:] for c in IP_CASES],
                         ids=[c[0] for c in IP_CASES])
def test_inner_product(params: str, top: tuple, blobs: list, macs: int) -> None:
    tops, got_blobs, got_macs = run("InnerProduct", f"inner_product_param {{ {params} }}",
                                    (2, 3, 4, 5))
    assert (tops, got_blobs, got_macs) == ([top], blobs, macs)


def test_inner_product_binds_axis_and_reads_fillers() -> None:
    op = OPS["InnerProduct"]
    params = op.read(make_layer("InnerProduct", "inner_product_param { num_output: 3 axis: -2 "
                                "weight_filler { type: 'xavier' } bias_filler { value: 0.5 } }"))
    assert params.weight_filler.type == "xavier"
    assert params.bias_filler == Filler(type="constant", value=0.5)
    bound = op.bind(params, [(2, 3, 4, 5)])
    assert (bound.axis, bound.bound) == (2, True)


@pytest.mark.parametrize("params,bottom,field", [
    ("num_output: 7 axis: 4", (2, 3, 4, 5), "inner_product_param.axis"),
    ("num_output: 7 axis: -5", (2, 3, 4, 5), "inner_product_param.axis"),
    ("axis: 1", (2, 3), "inner_product_param.num_output"),
], ids=["axis_4", "axis_neg5", "no_num_output"])
def test_inner_product_refused(params: str, bottom: tuple, field: str) -> None:
    with pytest.raises(OpError) as info:
        run("InnerProduct", f"inner_product_param {{ {params} }}", bottom)
    assert info.value.field == field


@pytest.mark.parametrize("params,bottom,top,blobs", [
    ("num_output: 4 input_dim: 10", (2, 3), (2, 3, 4), [(10, 4), (4,)]),
    ("num_output: 5 input_dim: 10 bias_term: false", (2, 3), (2, 3, 5), [(10, 5)]),
    ("num_output: 8 input_dim: 100", (7,), (7, 8), [(100, 8), (8,)]),
], ids=["bias", "no_bias", "1d"])
def test_embed(params: str, bottom: tuple, top: tuple, blobs: list) -> None:
    tops, got_blobs, macs = run("Embed", f"embed_param {{ {params} }}", bottom)
    assert (tops, got_blobs, macs) == ([top], blobs, 0)


@pytest.mark.parametrize("params,field", [
    ("num_output: 4", "embed_param.input_dim"),
    ("input_dim: 10", "embed_param.num_output"),
], ids=["no_input_dim", "no_num_output"])
def test_embed_refused(params: str, field: str) -> None:
    with pytest.raises(OpError) as info:
        OPS["Embed"].read(make_layer("Embed", f"embed_param {{ {params} }}"))
    assert info.value.field == field
