"""BatchNorm, Scale, Bias, LRN and MVN semantics: params, shapes, parameter blobs, refusals.

Expected top and parameter-blob shapes are the ones real Caffe gave for
tests/fixtures/shapes/{bn,scale,bias,lrn,mvn}_*.prototxt."""
from __future__ import annotations

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.fillers import Filler
from prototxt_compiler.ops.norm import BatchNormParams
from prototxt_compiler.proto import caffe_pb2

X = (2, 3, 4, 5)


def make_layer(type: str, params: str, bottoms: int = 1) -> caffe_pb2.LayerParameter:
    layer = caffe_pb2.LayerParameter()
    bottom_text = " ".join(f'bottom: "b{i}"' for i in range(bottoms))
    text_format.Parse(f'name: "l" type: "{type}" {bottom_text} top: "t" {params}', layer)
    return layer


def run(type: str, params: str, bottoms: list) -> tuple[object, list, list]:
    """(bound params, top shapes, blob shapes) of one layer."""
    op = OPS[type]
    bound = op.read(make_layer(type, params, len(bottoms)))
    if op.bind:
        bound = op.bind(bound, bottoms)
    return bound, op.infer(bound, bottoms, 1), op.blobs(bound, bottoms)


@pytest.mark.parametrize("bottom,channels", [((2, 3, 4, 5), 3), ((2, 4, 5), 4), ((4, 6), 6)],
                         ids=["4d", "3d", "2d"])
def test_batch_norm(bottom: tuple, channels: int) -> None:
    _, tops, blobs = run("BatchNorm", "", [bottom])
    assert tops == [bottom]
    assert blobs == [(channels,), (channels,), (1,)]
    assert OPS["BatchNorm"].macs(None, [bottom], tops) == 0  # folded away at deploy time
    assert not OPS["BatchNorm"].learned  # its blobs are statistics, not parameters


def test_batch_norm_params() -> None:
    read = OPS["BatchNorm"].read
    assert read(make_layer("BatchNorm", "")).use_global_stats is None
    params = read(make_layer("BatchNorm", "batch_norm_param { use_global_stats: false "
                                          "eps: 0.001 }"))
    assert params.use_global_stats is False
    assert params.eps == pytest.approx(0.001)
    assert read(make_layer("BatchNorm", "batch_norm_param { use_global_stats: true }")
                ).use_global_stats is True
    assert read(make_layer("BatchNorm", "")).moving_average_fraction == pytest.approx(
        BatchNormParams().moving_average_fraction)


def test_batch_norm_refuses_1d() -> None:
    with pytest.raises(OpError):
        run("BatchNorm", "", [(6,)])


SCALE_CASES = [
    # id, params, bottoms, blobs (Caffe's), bound (axis, num_axes)
    ("default", "", [X], [(3,)], (1, 1)),
    ("axis2_n2_bias", "axis: 2 num_axes: 2 bias_term: true", [X], [(4, 5), (4, 5)], (2, 2)),
    ("to_end_bias", "num_axes: -1 bias_term: true", [X], [(3, 4, 5), (3, 4, 5)], (1, 3)),
    ("scalar_bias", "num_axes: 0 bias_term: true", [X], [(), ()], (0, 0)),
    ("neg_axis", "axis: -2", [X], [(4,)], (2, 1)),
    ("two_bottoms", "", [X, (3, 4)], [], (1, 2)),
    ("two_bottoms_bias", "axis: 2 num_axes: 1 bias_term: true", [X, (4, 5)], [(4, 5)], (2, 2)),
    ("two_bottoms_neg_axis", "axis: -1 bias_term: true", [X, (5,)], [(5,)], (3, 1)),
    ("scalar_bottom_any_axis", "axis: 7", [(2, 3, 4), ()], [], (0, 0)),
    ("scalar_bottom_bias", "bias_term: true", [(2, 3, 4), ()], [()], (0, 0)),
]


@pytest.mark.parametrize("params,bottoms,blobs,axes", [c[1:] for c in SCALE_CASES],
                         ids=[c[0] for c in SCALE_CASES])
def test_scale(params: str, bottoms: list, blobs: list, axes: tuple) -> None:
    bound, tops, got_blobs = run("Scale", f"scale_param {{ {params} }}", bottoms)
    assert tops == [bottoms[0]]
    assert got_blobs == blobs
    assert (bound.axis, bound.num_axes) == axes


def test_scale_fillers() -> None:
    read = OPS["Scale"].read
    assert read(make_layer("Scale", "")).filler == Filler(type="constant", value=1.0)
    params = read(make_layer("Scale", "scale_param { filler { value: 2 } bias_term: true "
                                      "bias_filler { type: 'gaussian' std: 0.5 } }"))
    assert params.filler == Filler(type="constant", value=2.0)
    assert (params.bias_filler.type, params.bias_filler.std) == ("gaussian", 0.5)


SCALE_REFUSED = [
    ("mismatch", "", [X, (4,)], "scale_param.axis"),
    ("num_axes_past_end", "axis: 2 num_axes: 3", [X], "scale_param.num_axes"),
    ("num_axes_below_minus_1", "num_axes: -2", [X], "scale_param.num_axes"),
    ("scalar_still_checks_axis", "axis: 4 num_axes: 0", [X], "scale_param.axis"),
    ("bottom1_past_end", "axis: 2", [X, (4, 5, 1)], "scale_param.axis"),
    ("scalar_bottom_bias_checks_axis", "axis: 7 bias_term: true", [(2, 3, 4), ()],
     "scale_param.axis"),
]


@pytest.mark.parametrize("params,bottoms,field", [c[1:] for c in SCALE_REFUSED],
                         ids=[c[0] for c in SCALE_REFUSED])
def test_scale_refused(params: str, bottoms: list, field: str) -> None:
    with pytest.raises(OpError) as info:
        run("Scale", f"scale_param {{ {params} }}", bottoms)
    assert info.value.field == field


@pytest.mark.parametrize("params,bottoms,blobs,axes", [
    ("", [X], [(3,)], (1, 1)),
    ("axis: 2 num_axes: -1", [X], [(4, 5)], (2, 2)),
    ("num_axes: 0", [X], [()], (0, 0)),
    ("num_axes: 3", [X, (3, 4)], [], (1, 2)),
], ids=["default", "to_end", "scalar", "two_bottoms_ignore_num_axes"])
def test_bias(params: str, bottoms: list, blobs: list, axes: tuple) -> None:
    bound, tops, got_blobs = run("Bias", f"bias_param {{ {params} }}", bottoms)
    assert (tops, got_blobs, (bound.axis, bound.num_axes)) == ([bottoms[0]], blobs, axes)
    assert OPS["Bias"].read(make_layer("Bias", "")).filler == Filler()


def test_bias_refuses_mismatch() -> None:
    with pytest.raises(OpError) as info:
        run("Bias", "bias_param { axis: 2 }", [X, (5,)])
    assert info.value.field == "bias_param.axis"


def test_lrn() -> None:
    bound, tops, blobs = run("LRN", "lrn_param { local_size: 3 norm_region: WITHIN_CHANNEL "
                                    "k: 2 }", [(2, 6, 5, 7)])
    assert (tops, blobs) == ([(2, 6, 5, 7)], [])
    assert (bound.local_size, bound.norm_region, bound.k) == (3, "WITHIN_CHANNEL", 2.0)
    defaults = OPS["LRN"].read(make_layer("LRN", ""))
    assert (defaults.local_size, defaults.alpha, defaults.beta, defaults.norm_region) == (
        5, 1.0, 0.75, "ACROSS_CHANNELS")


def test_lrn_refused() -> None:
    with pytest.raises(OpError) as info:
        OPS["LRN"].read(make_layer("LRN", "lrn_param { local_size: 4 }"))
    assert info.value.field == "lrn_param.local_size"
    with pytest.raises(OpError):
        run("LRN", "", [(2, 6)])


@pytest.mark.parametrize("bottom,top", [
    ((2, 3, 4, 5), (2, 3, 4, 5)), ((2, 6), (2, 6, 1, 1)), ((2, 3, 4), (2, 3, 4, 1)),
], ids=["4d", "2d_padded", "3d_padded"])
def test_mvn(bottom: tuple, top: tuple) -> None:
    bound, tops, blobs = run("MVN", "mvn_param { across_channels: true }", [bottom])
    assert (tops, blobs, bound.across_channels, bound.normalize_variance) == (
        [top], [], True, True)


def test_mvn_refuses_5d() -> None:
    with pytest.raises(OpError):
        run("MVN", "", [(1, 2, 3, 4, 5)])
